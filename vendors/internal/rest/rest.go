// Package rest is the HTTP plumbing the Equinix, Zoho and NetSuite clients
// share: sending a request, turning every failure into a *vendors.Error,
// retrying once after a 401 with a fresh token, and caching that token.
package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors"
)

// maxBody caps what is read of any response: the records these clients
// read are a few kilobytes, so more means something is wrong.
const maxBody = 8 << 20

// Request is one HTTP call to a vendor. Its body is bytes, not a reader,
// so that the call can be sent again after a token refresh.
type Request struct {
	Op          string // operation name carried by errors: "get_order"
	Method      string
	URL         string
	ContentType string
	Body        []byte
}

// Response is a vendor's answer, read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports whether the status is 2xx.
func (r *Response) OK() bool {
	return r.Status >= 200 && r.Status < 300
}

// Client sends requests for one vendor.
type Client struct {
	Vendor string
	HTTP   *http.Client

	// Tokens supplies the access token for Call; nil when only Send is used.
	Tokens *TokenCache

	// Authorize puts token on an outgoing request's headers.
	Authorize func(h http.Header, token string)

	// ParseError reads the vendor's code and message from an error body.
	// It must not fail: an unknown body gives empty strings.
	ParseError func(body []byte) (code, message string)

	// RetryAfter reads how long the vendor asked us to wait; nil uses the
	// standard Retry-After header.
	RetryAfter func(h http.Header, now time.Time) time.Duration

	// Secrets are the credentials that must never appear in an error,
	// even if a vendor echoes them back.
	Secrets []string
}

// Send performs req once, without a token, and returns the response
// whatever its status. Only a failure to get a response is an error.
func (c *Client) Send(ctx context.Context, req Request) (*Response, error) {
	return c.send(ctx, req, "")
}

// Call performs req with the cached access token and returns the response
// when it is 2xx. A 401 drops the token, fetches a new one once and sends
// req once more; any other failure is returned as a *vendors.Error.
func (c *Client) Call(ctx context.Context, req Request) (*Response, error) {
	resp, token, err := c.authorized(ctx, req)
	if err != nil {
		return nil, err
	}

	// The token expired or was revoked before we expected. Invalidate
	// drops it only if no other caller has replaced it yet, so callers
	// that hit the 401 together share a single refresh.
	if resp.Status == http.StatusUnauthorized {
		c.Tokens.Invalidate(token)
		resp, token, err = c.authorized(ctx, req)
		if err != nil {
			return nil, err
		}
	}

	if !resp.OK() {
		return nil, c.fail(req.Op, resp, token)
	}
	return resp, nil
}

// Fail turns a response that is not 2xx into a *vendors.Error whose kind
// follows the status: 5xx and 429 transient, 401 credentials, 404 not
// found, anything else rejected.
func (c *Client) Fail(op string, resp *Response) *vendors.Error {
	return c.fail(op, resp, "")
}

// TokenRefused maps a failed OAuth token request: 400, 401 and 403 mean
// the credentials were refused, which is final and never asked again;
// anything else keeps the kind its status gives.
func (c *Client) TokenRefused(op string, resp *Response) *vendors.Error {
	e := c.Fail(op, resp)
	switch resp.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		e.Kind = vendors.Credentials
	}
	return e
}

// Error builds a *vendors.Error for a failure found by the client itself,
// such as invalid input or a body it cannot decode.
func (c *Client) Error(op string, kind vendors.Kind, err error) *vendors.Error {
	return &vendors.Error{
		Vendor:  c.Vendor,
		Op:      op,
		Kind:    kind,
		Message: c.scrub(err.Error()),
		Err:     err,
	}
}

func (c *Client) authorized(ctx context.Context, req Request) (*Response, string, error) {
	token, err := c.Tokens.Token(ctx)
	if err != nil {
		return nil, "", err
	}

	resp, err := c.send(ctx, req, token)
	return resp, token, err
}

func (c *Client) send(ctx context.Context, req Request, token string) (*Response, error) {
	hr, err := c.newRequest(ctx, req, token)
	if err != nil {
		return nil, c.Error(req.Op, vendors.Rejected, err)
	}

	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return nil, c.transportError(req.Op, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, c.transportError(req.Op, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func (c *Client) newRequest(
	ctx context.Context, req Request, token string,
) (*http.Request, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}

	// The call's name travels with the request, for the transport's
	// spans and metrics.
	ctx = vendors.WithCall(ctx, vendors.Call{Vendor: c.Vendor, Op: req.Op})
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", redactURL(err))
	}

	hr.Header.Set("Accept", "application/json")
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	if token != "" {
		c.Authorize(hr.Header, token)
	}
	return hr, nil
}

// transportError maps a call that got no complete response: a timeout, a
// dropped connection, a cancelled context. All of them may succeed later.
func (c *Client) transportError(op string, err error) *vendors.Error {
	err = redactURL(err)
	return &vendors.Error{
		Vendor:  c.Vendor,
		Op:      op,
		Kind:    vendors.Transient,
		Message: c.scrub(err.Error()),
		Err:     err,
	}
}

func (c *Client) fail(op string, resp *Response, token string) *vendors.Error {
	code, msg := c.ParseError(resp.Body)
	if msg == "" {
		msg = http.StatusText(resp.Status)
	}

	e := &vendors.Error{
		Vendor:  c.Vendor,
		Op:      op,
		Kind:    KindOf(resp.Status),
		Status:  resp.Status,
		Code:    c.scrub(code, token),
		Message: c.scrub(msg, token),
	}
	if e.Kind == vendors.Transient {
		e.RetryAfter = c.retryAfter(resp.Header)
	}
	return e
}

func (c *Client) retryAfter(h http.Header) time.Duration {
	if c.RetryAfter != nil {
		return c.RetryAfter(h, time.Now())
	}
	return RetryAfter(h.Get("Retry-After"), time.Now())
}

// scrub removes every known secret, and the extra values given, from s.
func (c *Client) scrub(s string, extra ...string) string {
	for _, secret := range append(extra, c.Secrets...) {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// KindOf is the kind of error an HTTP status that is not 2xx stands for.
func KindOf(status int) vendors.Kind {
	switch {
	case status == http.StatusTooManyRequests, status >= 500:
		return vendors.Transient
	case status == http.StatusUnauthorized:
		return vendors.Credentials
	case status == http.StatusNotFound:
		return vendors.NotFound
	}
	return vendors.Rejected
}

// redactURL drops the query from the URL that net/http puts in its
// errors: Zoho's token endpoint carries the refresh token and the client
// secret there.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}

	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "[redacted]", Err: ue.Err}
	}
	u.RawQuery = ""
	u.User = nil
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

// Redacted stands in for a secret when a configuration is printed: it
// says whether the secret is set, never what it is.
func Redacted(secret string) string {
	if secret == "" {
		return "[unset]"
	}
	return "[redacted]"
}
