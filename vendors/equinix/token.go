package equinix

import (
	"context"
	"errors"
	"time"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	// TokenTimeout is Equinix's lifetime, a string of seconds; ExpiresIn
	// is accepted too in case a newer endpoint answers the OAuth way.
	TokenTimeout rest.Seconds `json:"token_timeout"`
	ExpiresIn    rest.Seconds `json:"expires_in"`
}

// fetchToken asks for a client-credentials token. It runs once per
// refresh and never retries: five rejected attempts lock the account.
func (c *Client) fetchToken(ctx context.Context) (rest.Token, error) {
	req, err := postJSON(OpToken, c.base+"/oauth2/v1/token", tokenRequest{
		GrantType:    "client_credentials",
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
	})
	if err != nil {
		return rest.Token{}, c.rest.Error(OpToken, vendors.Rejected, err)
	}

	resp, err := c.rest.Send(ctx, req)
	if err != nil {
		return rest.Token{}, err
	}
	if !resp.OK() {
		return rest.Token{}, c.rest.TokenRefused(OpToken, resp)
	}
	return c.decodeToken(resp.Body)
}

func (c *Client) decodeToken(body []byte) (rest.Token, error) {
	var tr tokenResponse
	if err := rest.Decode(body, &tr); err != nil {
		return rest.Token{}, c.rest.Error(OpToken, vendors.Transient, err)
	}
	if tr.AccessToken == "" {
		err := errors.New("decode token: no access_token in response")
		return rest.Token{}, c.rest.Error(OpToken, vendors.Transient, err)
	}

	lifetime := tr.TokenTimeout.Duration()
	if lifetime == 0 {
		lifetime = tr.ExpiresIn.Duration()
	}
	return rest.NewToken(tr.AccessToken, lifetime, time.Now()), nil
}
