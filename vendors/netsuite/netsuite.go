// Package netsuite is a client for the NetSuite REST record calls Lattice
// needs: an OAuth 2.0 machine-to-machine token (client credentials with a
// signed JWT assertion), and reading and patching the memo of an
// inventory adjustment.
package netsuite

import (
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// Operation names carried by errors, as in sandbox faults.
const (
	OpToken            = "token"
	OpGetAdjustment    = "get_adjustment"
	OpUpdateAdjustment = "update_adjustment"
)

// Config holds where NetSuite is and the credentials to reach it. Its
// String and LogValue methods hide the private key.
type Config struct {
	// AccountURL is the account's REST root, such as
	// https://<account>.suitetalk.api.netsuite.com, or <sandbox>/netsuite.
	// Empty means the one derived from AccountID.
	AccountURL string
	AccountID  string
	// ClientID is the integration record's client id.
	ClientID string
	// CertificateID is the id NetSuite gave the uploaded certificate of
	// the key below; it is the JWT's kid.
	CertificateID string
	// PrivateKeyPEM is the ECDSA P-256 key (PKCS#8 PEM) that signs the
	// token requests, with ES256.
	PrivateKeyPEM string
}

// String describes c with its private key redacted.
func (c Config) String() string {
	return fmt.Sprintf("netsuite.Config{AccountURL: %q, AccountID: %q, "+
		"ClientID: %q, CertificateID: %q, PrivateKeyPEM: %s}",
		c.AccountURL, c.AccountID, c.ClientID, c.CertificateID,
		rest.Redacted(c.PrivateKeyPEM))
}

// GoString is String, so that %#v hides the key too.
func (c Config) GoString() string { return c.String() }

// LogValue logs c with its private key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("account_url", c.AccountURL),
		slog.String("account_id", c.AccountID),
		slog.String("client_id", c.ClientID),
		slog.String("certificate_id", c.CertificateID),
		slog.String("private_key", rest.Redacted(c.PrivateKeyPEM)),
	)
}

// accountURL is the configured root, or the one NetSuite gives account
// ids: lower case, with "_" (as in sandbox accounts "123_SB1") as "-".
func (c Config) accountURL() string {
	if c.AccountURL != "" {
		return strings.TrimRight(c.AccountURL, "/")
	}
	host := strings.ReplaceAll(strings.ToLower(c.AccountID), "_", "-")
	return "https://" + host + ".suitetalk.api.netsuite.com"
}

// Client calls NetSuite's REST record API. It is safe for concurrent
// use; its access token is shared by all callers.
type Client struct {
	// cfg is held by pointer so that printing a Client, even with %#v or
	// inside another struct, shows an address and not the key.
	cfg      *Config
	tokenURL string
	records  string
	key      *ecdsa.PrivateKey
	keyErr   error
	rest     *rest.Client
}

// New returns a client for cfg. A nil hc gets a client with timeouts.
// A private key that does not parse is reported by the first call, as a
// Credentials error.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = rest.DefaultHTTPClient()
	}

	base := cfg.accountURL()
	c := &Client{
		cfg:      &cfg,
		tokenURL: base + "/services/rest/auth/oauth2/v1/token",
		records:  base + "/services/rest/record/v1",
	}
	c.key, c.keyErr = parseKey(cfg.PrivateKeyPEM)
	c.rest = &rest.Client{
		Vendor:     vendors.NetSuite,
		HTTP:       hc,
		Authorize:  bearer,
		ParseError: parseError,
		Secrets:    []string{cfg.PrivateKeyPEM},
	}
	c.rest.Tokens = rest.NewTokenCache(vendors.NetSuite, c.fetchToken)
	return c
}

// String names the client without its credentials or token.
func (c *Client) String() string {
	return "netsuite.Client{" + c.records + "}"
}

func bearer(h http.Header, token string) {
	h.Set("Authorization", "Bearer "+token)
}
