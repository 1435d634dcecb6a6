package sandbox

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxBody bounds every request body the sandbox reads.
const maxBody = 1 << 20

// contentJSON is the content type of most answers.
const contentJSON = "application/json"

// writeJSON answers status with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, contentJSON, v)
}

// writeJSONAs answers status with v encoded as JSON under contentType.
func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the sandbox's own values reach here; they always encode.
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}

	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeDetail answers a control-endpoint or unknown-path error.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// decodeBody decodes the request body, a single JSON value, into v. Numbers
// decode as json.Number, so 19-digit ids keep every digit.
func decodeBody(r *http.Request, v any) error {
	return decodeJSON(r, v, false)
}

// decodeStrict is decodeBody that also refuses unknown object fields.
func decodeStrict(r *http.Request, v any) error {
	return decodeJSON(r, v, true)
}

// decodeJSON reads at most maxBody bytes and decodes exactly one JSON value.
func decodeJSON(r *http.Request, v any, strict bool) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBody {
		return errors.New("read body: larger than 1 MiB")
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("decode body: data after the JSON value")
	}
	return nil
}

// hasMediaType reports whether the request's Content-Type is want,
// whatever its parameters.
func hasMediaType(r *http.Request, want string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == want
}

// same compares a secret the client sent with the expected one in
// constant time.
func same(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// baseURL is the scheme and host the request reached, for links and
// api_domain.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// discardWriter swallows the answer of an operation whose caller must
// never see it (fault mode performed_then_timeout).
type discardWriter struct {
	header http.Header
}

// Header returns a header map nobody reads.
func (d *discardWriter) Header() http.Header {
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}

// Write discards b.
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// WriteHeader discards the status.
func (d *discardWriter) WriteHeader(int) {}
