// Package zoho is a client for the Zoho Inventory calls Lattice needs:
// an access token from a refresh token, and reading and rewriting the
// note of an inventory adjustment.
package zoho

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// Operation names carried by errors, as in sandbox faults.
const (
	OpToken            = "token"
	OpGetAdjustment    = "get_adjustment"
	OpUpdateAdjustment = "update_adjustment"
)

// Config holds where Zoho is and the credentials to reach it. Its String
// and LogValue methods hide the secrets.
type Config struct {
	// BaseURL is the Inventory API root, such as
	// https://www.zohoapis.com/inventory/v1, or <sandbox>/zoho/inventory/v1.
	BaseURL string
	// AccountsURL is the OAuth server, such as https://accounts.zoho.com,
	// or <sandbox>/zoho/accounts. Each data centre has its own.
	AccountsURL    string
	OrganizationID string
	ClientID       string
	ClientSecret   string
	RefreshToken   string
}

// String describes c with its secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("zoho.Config{BaseURL: %q, AccountsURL: %q, "+
		"OrganizationID: %q, ClientID: %q, ClientSecret: %s, RefreshToken: %s}",
		c.BaseURL, c.AccountsURL, c.OrganizationID, c.ClientID,
		rest.Redacted(c.ClientSecret), rest.Redacted(c.RefreshToken))
}

// GoString is String, so that %#v hides the secrets too.
func (c Config) GoString() string { return c.String() }

// LogValue logs c with its secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("accounts_url", c.AccountsURL),
		slog.String("organization_id", c.OrganizationID),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", rest.Redacted(c.ClientSecret)),
		slog.String("refresh_token", rest.Redacted(c.RefreshToken)),
	)
}

// Client calls Zoho Inventory for one organization. It is safe for
// concurrent use; its access token is shared by all callers, which
// matters because a refresh token mints at most ten tokens in ten
// minutes.
type Client struct {
	// cfg is held by pointer so that printing a Client, even with %#v or
	// inside another struct, shows an address and not the secrets.
	cfg  *Config
	base string
	rest *rest.Client
}

// New returns a client for cfg. A nil hc gets a client with timeouts.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = rest.DefaultHTTPClient()
	}

	c := &Client{cfg: &cfg, base: strings.TrimRight(cfg.BaseURL, "/")}
	c.rest = &rest.Client{
		Vendor:     vendors.Zoho,
		HTTP:       hc,
		Authorize:  authorize,
		ParseError: parseError,
		RetryAfter: retryAfter,
		Secrets:    []string{cfg.ClientSecret, cfg.RefreshToken},
	}
	c.rest.Tokens = rest.NewTokenCache(vendors.Zoho, c.fetchToken)
	return c
}

// String names the client without its credentials or token.
func (c *Client) String() string {
	return "zoho.Client{" + c.base + "}"
}

func authorize(h http.Header, token string) {
	h.Set("Authorization", "Zoho-oauthtoken "+token)
}

// adjustmentURL is the adjustment resource, with the organization_id
// that every Zoho call needs.
func (c *Client) adjustmentURL(id string) string {
	q := url.Values{"organization_id": {c.cfg.OrganizationID}}
	return c.base + "/inventoryadjustments/" + url.PathEscape(id) + "?" + q.Encode()
}

// retryAfter reads Zoho's X-Rate-Limit-Reset, in seconds, and falls back
// to Retry-After. A reset that looks like a Unix time is taken as one.
func retryAfter(h http.Header, now time.Time) time.Duration {
	const unixTimeFloor = 1_000_000_000

	reset := rest.RetryAfter(h.Get("X-Rate-Limit-Reset"), now)
	switch {
	case reset == 0:
		return rest.RetryAfter(h.Get("Retry-After"), now)
	case reset >= unixTimeFloor*time.Second:
		return max(0, time.Unix(int64(reset/time.Second), 0).Sub(now))
	}
	return reset
}
