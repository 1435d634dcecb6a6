package netsuite_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/netsuite"
)

const (
	accountID = "1234567_SB1"
	clientID  = "netsuite-client-id"
	certID    = "cert-kid-1"
	iaID      = "1201"
)

const adjustmentJSON = `{
	"links": [{"rel": "self", "href": "https://example.invalid"}],
	"id": "1201",
	"tranId": "IA-77",
	"tranDate": "2024-05-01",
	"memo": "old memo",
	"subsidiary": {"id": "1", "refName": "HQ"},
	"inventory": {
		"links": [],
		"items": [
			{"item": {"id": "501", "refName": "Cross Connect"}, "adjustQtyBy": -1.0,
			 "line": 1, "location": {"id": "3"}},
			{"item": {"id": 502, "refName": "Patch Cord"}, "adjustQtyBy": "odd"}
		],
		"totalResults": 2
	}
}`

// fake speaks NetSuite's wire format: the OAuth 2.0 token endpoint, which
// verifies the JWT assertion with the public key, and the inventory
// adjustment record.
type fake struct {
	srv *httptest.Server
	pub *ecdsa.PublicKey

	tokenCalls atomic.Int32
	apiCalls   atomic.Int32

	mu      sync.Mutex
	minted  int
	valid   map[string]bool
	memos   map[string]string
	faults  []http.HandlerFunc
	claims  []jwt.MapClaims
	headers []map[string]any
	patches []string
	types   []string
}

func newFake(t *testing.T, pub *ecdsa.PublicKey) *fake {
	f := &fake{pub: pub, valid: map[string]bool{}, memos: map[string]string{}}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /netsuite/services/rest/auth/oauth2/v1/token", f.token)
	records := "/netsuite/services/rest/record/v1/inventoryAdjustment/{id}"
	mux.HandleFunc("GET "+records, f.api(f.get))
	mux.HandleFunc("PATCH "+records, f.api(f.patch))

	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) tokenURL() string {
	return f.srv.URL + "/netsuite/services/rest/auth/oauth2/v1/token"
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls.Add(1)
	tok, err := f.verify(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "invalid_client", "error_description": err.Error()})
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims = append(f.claims, tok.Claims.(jwt.MapClaims))
	f.headers = append(f.headers, tok.Header)
	f.minted++
	access := fmt.Sprintf("ns-access-%d", f.minted)
	f.valid[access] = true
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": access, "expires_in": "3600", "token_type": "Bearer"})
}

// verify checks the form and the assertion's signature with the
// certificate's public key.
func (f *fake) verify(r *http.Request) (*jwt.Token, error) {
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	if r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_assertion_type") !=
			"urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return nil, fmt.Errorf("bad grant")
	}

	return jwt.Parse(r.PostForm.Get("client_assertion"),
		func(*jwt.Token) (any, error) { return f.pub, nil },
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithAudience(f.tokenURL()),
		jwt.WithIssuer(clientID),
		jwt.WithIssuedAt(),
	)
}

// api wraps a record handler with the bearer check and queued faults.
func (f *fake) api(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.apiCalls.Add(1)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")

		f.mu.Lock()
		authorized := f.valid[tok]
		var fault http.HandlerFunc
		if len(f.faults) > 0 {
			fault, f.faults = f.faults[0], f.faults[1:]
		}
		f.mu.Unlock()

		switch {
		case !authorized:
			writeProblem(w, http.StatusUnauthorized, "INVALID_LOGIN",
				"Invalid login attempt. For more details, see the Login Audit Trail.")
		case fault != nil:
			fault(w, r)
		default:
			next(w, r)
		}
	}
}

func (f *fake) get(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != iaID {
		writeProblem(w, http.StatusNotFound, "NONEXISTENT_ID",
			"The record instance does not exist. Provide a valid record instance ID.")
		return
	}
	if r.URL.Query().Get("expandSubResources") != "true" {
		writeProblem(w, http.StatusBadRequest, "INVALID_PARAMETER", "expand missing")
		return
	}

	f.mu.Lock()
	body := adjustmentJSON
	if memo, ok := f.memos[iaID]; ok {
		m, _ := json.Marshal(memo)
		body = strings.Replace(body, `"old memo"`, string(m), 1)
	}
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/vnd.oracle.resource+json; type=singular")
	io.WriteString(w, body)
}

func (f *fake) patch(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var fields map[string]string
	if err := json.Unmarshal(body, &fields); err != nil {
		writeProblem(w, http.StatusBadRequest, "INVALID_CONTENT", err.Error())
		return
	}

	f.mu.Lock()
	f.patches = append(f.patches, string(body))
	f.types = append(f.types, r.Header.Get("Content-Type"))
	f.memos[r.PathValue("id")] = fields["memo"]
	f.mu.Unlock()

	w.WriteHeader(http.StatusNoContent)
}

func (f *fake) queue(h ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, h...)
}

func (f *fake) revokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func (f *fake) seen() (claims []jwt.MapClaims, headers []map[string]any, patches []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]jwt.MapClaims(nil), f.claims...),
		append([]map[string]any(nil), f.headers...),
		append([]string(nil), f.patches...)
}

func (f *fake) contentTypes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.types...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	writeJSON(w, status, map[string]any{
		"type":   "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5",
		"title":  http.StatusText(status),
		"status": status,
		"o:errorDetails": []map[string]string{{
			"detail": detail, "o:errorCode": code, "o:errorPath": "memo",
		}},
	})
}

func problem(status int, code, detail string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		writeProblem(w, status, code, detail)
	}
}

func drop(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// setup returns a fake NetSuite, a client for it, and the PEM of the key.
func setup(t *testing.T) (*fake, *netsuite.Client, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	f := newFake(t, &key.PublicKey)
	c := netsuite.New(netsuite.Config{
		AccountURL:    f.srv.URL + "/netsuite/",
		AccountID:     accountID,
		ClientID:      clientID,
		CertificateID: certID,
		PrivateKeyPEM: keyPEM,
	}, f.srv.Client())
	return f, c, keyPEM
}

func requireKind(t *testing.T, err error, kind vendors.Kind) *vendors.Error {
	t.Helper()
	var ve *vendors.Error
	require.ErrorAs(t, err, &ve)
	require.Equal(t, kind, ve.Kind, "error: %v", err)
	assert.Equal(t, vendors.NetSuite, ve.Vendor)
	assert.NotContains(t, err.Error(), "ns-access-")
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	return ve
}

func TestGetAdjustment(t *testing.T) {
	_, c, _ := setup(t)

	a, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	assert.Equal(t, vendors.Adjustment{
		ID:   iaID,
		Note: "old memo",
		Items: []vendors.AdjustmentItem{
			{ID: "501", Name: "Cross Connect"},
			{ID: "502", Name: "Patch Cord"},
		},
	}, a)
}

func TestSetNote(t *testing.T) {
	f, c, _ := setup(t)

	require.NoError(t, c.SetNote(t.Context(), iaID, `Lattice abc: completed: "done" <ok>`))

	_, _, patches := f.seen()
	require.Len(t, patches, 1)
	assert.JSONEq(t, `{"memo":"Lattice abc: completed: \"done\" <ok>"}`, patches[0])
	assert.Equal(t, []string{"application/json"}, f.contentTypes())

	a, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)
	assert.Equal(t, `Lattice abc: completed: "done" <ok>`, a.Note)
}

func TestAssertion(t *testing.T) {
	f, c, _ := setup(t)
	before := time.Now().Unix()

	_, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	claims, headers, _ := f.seen()
	require.Len(t, claims, 1)
	assert.Equal(t, "ES256", headers[0]["alg"])
	assert.Equal(t, "JWT", headers[0]["typ"])
	assert.Equal(t, certID, headers[0]["kid"])

	cl := claims[0]
	assert.Equal(t, clientID, cl["iss"])
	assert.Equal(t, "rest_webservices", cl["scope"])
	assert.Equal(t, f.tokenURL(), cl["aud"])
	iat, exp := cl["iat"].(float64), cl["exp"].(float64)
	assert.InDelta(t, float64(before), iat, 2)
	assert.Equal(t, iat+3600, exp)
}

func TestTokenSharedByConcurrentCallers(t *testing.T) {
	f, c, _ := setup(t)

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				_, errs[i] = c.GetAdjustment(t.Context(), iaID)
				return
			}
			errs[i] = c.SetNote(t.Context(), iaID, "note")
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	_, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Equal(t, int32(21), f.apiCalls.Load())
}

func TestRefreshOnceAfter401(t *testing.T) {
	f, c, _ := setup(t)
	_, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	f.revokeTokens()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			errs[i] = c.SetNote(t.Context(), iaID, "note")
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(2), f.tokenCalls.Load())
}

// NetSuite reports its concurrency limit as 401 INVALID_LOGIN under
// load, so a 401 that outlives a fresh token is transient, not final.
func TestSecond401IsTransientInvalidLogin(t *testing.T) {
	f, c, _ := setup(t)
	f.queue(
		problem(401, "INVALID_LOGIN", "Invalid login attempt."),
		problem(401, "INVALID_LOGIN", "Invalid login attempt."),
	)

	_, err := c.GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Transient)
	assert.Equal(t, netsuite.CodeInvalidLogin, ve.Code)
	assert.Equal(t, http.StatusUnauthorized, ve.Status)
	assert.Equal(t, int32(2), f.tokenCalls.Load())
	assert.Equal(t, int32(2), f.apiCalls.Load())
}

func TestRefusedCredentialsAreNotRetried(t *testing.T) {
	f, _, _ := setup(t)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(other)
	require.NoError(t, err)
	c := netsuite.New(netsuite.Config{
		AccountURL:    f.srv.URL + "/netsuite",
		ClientID:      clientID,
		CertificateID: certID,
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}, nil)

	_, err = c.GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Equal(t, netsuite.OpToken, ve.Op)
	assert.Equal(t, "invalid_client", ve.Code)
	assert.Contains(t, ve.Message, "signature is invalid")

	err = c.SetNote(t.Context(), iaID, "note")
	requireKind(t, err, vendors.Credentials)
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Zero(t, f.apiCalls.Load())
}

func TestUnreadableKey(t *testing.T) {
	f, _, _ := setup(t)
	c := netsuite.New(netsuite.Config{
		AccountURL:    f.srv.URL + "/netsuite",
		PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
	}, nil)

	_, err := c.GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Contains(t, ve.Message, "parse private key")
	assert.Zero(t, f.tokenCalls.Load())
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault http.HandlerFunc
		kind  vendors.Kind
		code  string
		text  string
		after time.Duration
	}{
		{"concurrency", problem(429, "CONCURRENCY_LIMIT_EXCEEDED", "Too many requests"),
			vendors.Transient, "CONCURRENCY_LIMIT_EXCEEDED", "Too many requests (memo)", 0},
		{"429 retry-after", problem(429, "CONCURRENCY_LIMIT_EXCEEDED", "slow down",
			"Retry-After", "4"), vendors.Transient, "CONCURRENCY_LIMIT_EXCEEDED",
			"slow down (memo)", 4 * time.Second},
		{"500", problem(500, "UNEXPECTED_ERROR", "An unexpected error occurred"),
			vendors.Transient, "UNEXPECTED_ERROR", "An unexpected error occurred (memo)", 0},
		{"bad content", problem(400, "INVALID_CONTENT", "Invalid memo"),
			vendors.Rejected, "INVALID_CONTENT", "Invalid memo (memo)", 0},
		{"forbidden", problem(403, "INSUFFICIENT_PERMISSION", "No permission"),
			vendors.Rejected, "INSUFFICIENT_PERMISSION", "No permission (memo)", 0},
		{"nonexistent", problem(400, "NONEXISTENT_ID", "No such record"),
			vendors.NotFound, "NONEXISTENT_ID", "No such record (memo)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, _ := setup(t)
			f.queue(tt.fault)

			err := c.SetNote(t.Context(), iaID, "note")
			ve := requireKind(t, err, tt.kind)
			assert.Equal(t, netsuite.OpUpdateAdjustment, ve.Op)
			assert.Equal(t, tt.code, ve.Code)
			assert.Equal(t, tt.text, ve.Message)
			assert.Equal(t, tt.after, ve.RetryAfter)
		})
	}
}

func TestNotFound(t *testing.T) {
	_, c, _ := setup(t)

	_, err := c.GetAdjustment(t.Context(), "9999")
	ve := requireKind(t, err, vendors.NotFound)
	assert.Equal(t, http.StatusNotFound, ve.Status)
	assert.Equal(t, netsuite.CodeNonexistentID, ve.Code)
}

func TestDroppedConnection(t *testing.T) {
	f, c, _ := setup(t)
	f.queue(drop, drop)

	err := c.SetNote(t.Context(), iaID, "note")
	ve := requireKind(t, err, vendors.Transient)
	assert.Zero(t, ve.Status)
}

func TestSecretsNeverPrinted(t *testing.T) {
	_, c, keyPEM := setup(t)
	cfg := netsuite.Config{AccountID: accountID, ClientID: clientID,
		CertificateID: certID, PrivateKeyPEM: keyPEM}
	derived := netsuite.New(cfg, nil)

	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)

	body := strings.Split(keyPEM, "\n")[1]
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", *c), logged.String(),
	} {
		assert.NotContains(t, s, body)
		assert.NotContains(t, s, "PRIVATE KEY")
	}
	assert.Contains(t, fmt.Sprint(cfg), certID)
	assert.Contains(t, fmt.Sprint(derived),
		"https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1")
}
