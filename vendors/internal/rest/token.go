package rest

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lattice/lattice/vendors"
)

const (
	// fetchTimeout bounds one token request. The request runs detached
	// from the caller that started it, because other callers share its
	// result and must not fail when the first one gives up.
	fetchTimeout = 30 * time.Second

	// maxMargin is how long before its stated expiry a token is dropped,
	// so that a call never leaves with a token about to die in flight.
	maxMargin = time.Minute

	// defaultLifetime is assumed when a vendor states no lifetime; a 401
	// refreshes the token sooner if it was wrong.
	defaultLifetime = 5 * time.Minute

	// credentialsHold is how long a rejection of our credentials is
	// answered from memory. Equinix locks an account after five bad
	// attempts, and credentials do not change without a restart.
	credentialsHold = time.Minute
)

// Token is an access token and the time after which it is not used.
type Token struct {
	Value  string
	Expiry time.Time
}

// NewToken is a token that a vendor said lives for lifetime from now,
// set to expire a margin early. A zero lifetime means the vendor said
// nothing, and a default is assumed.
func NewToken(value string, lifetime time.Duration, now time.Time) Token {
	if lifetime <= 0 {
		lifetime = defaultLifetime
	}
	margin := min(maxMargin, lifetime/5)
	return Token{Value: value, Expiry: now.Add(lifetime - margin)}
}

// Fetcher asks the vendor for a new access token. Its errors must be
// *vendors.Error values.
type Fetcher func(ctx context.Context) (Token, error)

// TokenCache keeps one access token for a client and shares it among
// concurrent callers: at most one fetch runs at a time, and callers
// waiting for it get its result.
type TokenCache struct {
	vendor string
	fetch  Fetcher
	group  singleflight.Group

	mu          sync.Mutex
	token       Token
	failure     *vendors.Error
	failedUntil time.Time
}

// errEmpty says that neither a token nor a held failure is cached.
var errEmpty = errors.New("no token cached")

// NewTokenCache returns an empty cache for vendor that fills itself
// with fetch.
func NewTokenCache(vendor string, fetch Fetcher) *TokenCache {
	return &TokenCache{vendor: vendor, fetch: fetch}
}

// Token returns a valid access token, fetching one if none is cached.
// It stops waiting when ctx is done, though the shared fetch goes on.
func (c *TokenCache) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", c.waitError(err)
	}

	tok, err := c.cached()
	if !errors.Is(err, errEmpty) {
		return tok, err
	}

	detached := context.WithoutCancel(ctx)
	ch := c.group.DoChan("token", func() (any, error) {
		return c.refill(detached)
	})

	select {
	case res := <-ch:
		if res.Err != nil {
			return "", copyError(res.Err)
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", c.waitError(ctx.Err())
	}
}

// Invalidate drops the cached token if it is still value. A caller that
// was refused with a token it holds calls it; if another caller already
// replaced that token, the new one is kept.
func (c *TokenCache) Invalidate(value string) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.token.Value == value {
		c.token = Token{}
	}
}

// cached answers from memory: a valid token, or a recent rejection of
// our credentials. It returns errEmpty when a fetch is needed.
func (c *TokenCache) cached() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	now := time.Now()
	if c.token.Value != "" && now.Before(c.token.Expiry) {
		return c.token.Value, nil
	}
	if c.failure != nil && now.Before(c.failedUntil) {
		return "", copyError(c.failure)
	}
	return "", errEmpty
}

// refill runs inside the single flight. It looks at the cache again,
// since a flight that ended just before this one may have filled it.
func (c *TokenCache) refill(ctx context.Context) (any, error) {
	if tok, err := c.cached(); !errors.Is(err, errEmpty) {
		return tok, err
	}

	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()

	tok, err := c.fetch(ctx)
	c.store(tok, err)
	if err != nil {
		return nil, err
	}
	return tok.Value, nil
}

func (c *TokenCache) store(tok Token, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if err == nil {
		c.token = tok
		c.failure = nil
		return
	}

	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Kind == vendors.Credentials {
		c.failure = ve
		c.failedUntil = time.Now().Add(credentialsHold)
	}
}

// copyError gives each caller its own copy of a shared error, so that
// one caller adjusting it cannot change what the others see.
func copyError(err error) error {
	var ve *vendors.Error
	if !errors.As(err, &ve) {
		return err
	}
	cp := *ve
	return &cp
}

func (c *TokenCache) waitError(err error) error {
	return &vendors.Error{
		Vendor:  c.vendor,
		Op:      "token",
		Kind:    vendors.Transient,
		Message: "wait for token: " + err.Error(),
		Err:     err,
	}
}
