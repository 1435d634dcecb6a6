package zoho

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

type tokenResponse struct {
	AccessToken  string       `json:"access_token"`
	ExpiresIn    rest.Seconds `json:"expires_in"`
	ExpiresInSec rest.Seconds `json:"expires_in_sec"`
	Error        string       `json:"error"`
}

// fetchToken trades the refresh token for an access token.
func (c *Client) fetchToken(ctx context.Context) (rest.Token, error) {
	resp, err := c.rest.Send(ctx, c.tokenRequest())
	if err != nil {
		return rest.Token{}, err
	}
	if !resp.OK() {
		return rest.Token{}, c.tokenFailure(resp)
	}
	return c.decodeToken(resp)
}

// tokenRequest carries the parameters in the query, as Zoho documents.
// They are secrets: rest keeps the query out of its errors.
func (c *Client) tokenRequest() rest.Request {
	q := url.Values{
		"refresh_token": {c.cfg.RefreshToken},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"grant_type":    {"refresh_token"},
	}
	accounts := strings.TrimRight(c.cfg.AccountsURL, "/")
	return rest.Request{
		Op:     OpToken,
		Method: http.MethodPost,
		URL:    accounts + "/oauth/v2/token?" + q.Encode(),
	}
}

// tokenFailure maps a token request that failed with its status.
func (c *Client) tokenFailure(resp *rest.Response) error {
	switch resp.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return c.refused(resp)
	}
	return c.rest.Fail(OpToken, resp)
}

// refused maps a token request Zoho refused: the refresh token or client
// was rejected, which no retry fixes, unless Zoho only says the refresh
// token minted too many tokens lately ("Access Denied: You have made too
// many requests continuously"), which passes by itself.
func (c *Client) refused(resp *rest.Response) error {
	e := c.rest.Fail(OpToken, resp)
	e.Kind = vendors.Credentials
	if strings.Contains(strings.ToLower(e.Message), "too many requests") {
		e.Kind = vendors.Transient
	}
	return e
}

// decodeToken reads a token response. Zoho reports a refused refresh
// token as {"error": "..."} even with status 200.
func (c *Client) decodeToken(resp *rest.Response) (rest.Token, error) {
	var tr tokenResponse
	if err := rest.Decode(resp.Body, &tr); err != nil {
		return rest.Token{}, c.rest.Error(OpToken, vendors.Transient, err)
	}

	if tr.Error != "" {
		return rest.Token{}, c.refused(resp)
	}
	if tr.AccessToken == "" {
		err := errors.New("decode token: no access_token in response")
		return rest.Token{}, c.rest.Error(OpToken, vendors.Transient, err)
	}

	// Older responses gave expires_in in milliseconds beside
	// expires_in_sec, so the latter wins when both are present.
	lifetime := tr.ExpiresInSec.Duration()
	if lifetime == 0 {
		lifetime = tr.ExpiresIn.Duration()
	}
	return rest.NewToken(tr.AccessToken, lifetime, time.Now()), nil
}
