package netsuite

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

const (
	// assertionType is the OAuth client assertion type of a JWT.
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

	// assertionLifetime is the longest NetSuite accepts: 60 minutes.
	assertionLifetime = time.Hour

	// scope asks for the REST web services.
	scope = "rest_webservices"
)

type tokenResponse struct {
	AccessToken string       `json:"access_token"`
	ExpiresIn   rest.Seconds `json:"expires_in"`
}

// parseKey reads an ECDSA P-256 private key from PEM.
func parseKey(pemText string) (*ecdsa.PrivateKey, error) {
	if strings.TrimSpace(pemText) == "" {
		return nil, errors.New("parse private key: no key configured")
	}

	key, err := jwt.ParseECPrivateKeyFromPEM([]byte(pemText))
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	if key.Curve != elliptic.P256() {
		return nil, errors.New("parse private key: want curve P-256 for ES256")
	}
	return key, nil
}

// fetchToken asks for a client-credentials token, authenticating with a
// JWT signed by the certificate's key.
func (c *Client) fetchToken(ctx context.Context) (rest.Token, error) {
	assertion, err := c.assertion(time.Now())
	if err != nil {
		return rest.Token{}, c.rest.Error(OpToken, vendors.Credentials, err)
	}

	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}
	resp, err := c.rest.Send(ctx, rest.Request{
		Op:          OpToken,
		Method:      http.MethodPost,
		URL:         c.tokenURL,
		ContentType: "application/x-www-form-urlencoded",
		Body:        []byte(form.Encode()),
	})
	if err != nil {
		return rest.Token{}, err
	}
	if !resp.OK() {
		return rest.Token{}, c.rest.TokenRefused(OpToken, resp)
	}
	return c.decodeToken(resp.Body)
}

// assertion is the signed JWT that stands for the client's credentials.
func (c *Client) assertion(now time.Time) (string, error) {
	if c.keyErr != nil {
		return "", c.keyErr
	}

	claims := jwt.MapClaims{
		"iss":   c.cfg.ClientID,
		"scope": scope,
		"aud":   c.tokenURL,
		"iat":   now.Unix(),
		"exp":   now.Add(assertionLifetime).Unix(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = c.cfg.CertificateID

	signed, err := tok.SignedString(c.key)
	if err != nil {
		return "", fmt.Errorf("sign assertion: %w", err)
	}
	return signed, nil
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
	return rest.NewToken(tr.AccessToken, tr.ExpiresIn.Duration(), time.Now()), nil
}
