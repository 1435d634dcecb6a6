// Package equinix is a client for the Equinix calls Lattice needs: an
// OAuth2 client-credentials token, reading a colocation order, finding an
// order by its customer reference, and cancelling one line of an order.
package equinix

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// Operation names carried by errors, as in sandbox faults.
const (
	OpToken     = "token"
	OpFindOrder = "find_order"
	OpGetOrder  = "get_order"
	OpCancel    = "cancel"
)

// Config holds where Equinix is and the credentials to reach it. Its
// String and LogValue methods hide the secret.
type Config struct {
	// BaseURL is the API root without a trailing path, such as
	// https://api.equinix.com, or <sandbox>/equinix.
	BaseURL      string
	ClientID     string
	ClientSecret string
}

// String describes c with its secret redacted.
func (c Config) String() string {
	return fmt.Sprintf(
		"equinix.Config{BaseURL: %q, ClientID: %q, ClientSecret: %s}",
		c.BaseURL, c.ClientID, rest.Redacted(c.ClientSecret),
	)
}

// GoString is String, so that %#v hides the secret too.
func (c Config) GoString() string { return c.String() }

// LogValue logs c with its secret redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", rest.Redacted(c.ClientSecret)),
	)
}

// Client calls Equinix. It is safe for concurrent use; its access token
// is shared by all callers.
type Client struct {
	// cfg is held by pointer so that printing a Client, even with %#v or
	// inside another struct, shows an address and not the secret.
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
		Vendor:     vendors.Equinix,
		HTTP:       hc,
		Authorize:  bearer,
		ParseError: parseError,
		Secrets:    []string{cfg.ClientSecret},
	}
	c.rest.Tokens = rest.NewTokenCache(vendors.Equinix, c.fetchToken)
	return c
}

// String names the client without its credentials or token.
func (c *Client) String() string {
	return "equinix.Client{" + c.base + "}"
}

func bearer(h http.Header, token string) {
	h.Set("Authorization", "Bearer "+token)
}

// orderURL is the colocation order resource, with more path appended.
func (c *Client) orderURL(orderID string, more string) string {
	return c.base + "/colocations/v2/orders/" + url.PathEscape(orderID) + more
}

// postJSON builds a JSON POST request to url for op.
func postJSON(op, url string, body any) (rest.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return rest.Request{}, fmt.Errorf("encode request: %w", err)
	}
	return rest.Request{
		Op:          op,
		Method:      http.MethodPost,
		URL:         url,
		ContentType: "application/json",
		Body:        b,
	}, nil
}
