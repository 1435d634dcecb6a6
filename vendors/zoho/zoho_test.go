package zoho_test

import (
	"bytes"
	"encoding/json"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/zoho"
)

const (
	orgID        = "60012345678"
	clientID     = "1000.ZOHOCLIENT"
	clientSecret = "zoho-client-secret-value"
	refreshToken = "1000.refresh-token-value"
	iaID         = "4182712000000183000"
	itemID       = "4182712000000084077"
)

// recordJSON is an adjustment as Zoho shows it: ids as bare 19-digit
// numbers that a float64 would round, and fields Lattice never reads.
const recordJSON = `{
	"inventory_adjustment_id": 4182712000000183000,
	"date": "2024-05-01",
	"reason": "Cross connect ordered",
	"reason_id": 4182712000000183011,
	"description": "old note <b>&</b>",
	"reference_number": "REF-1",
	"adjustment_type": "quantity",
	"status": "adjusted",
	"line_items": [{
		"line_item_id": 4182712000000183017,
		"item_id": 4182712000000084077,
		"name": "Cross Connect",
		"quantity_adjusted": -1.50,
		"item_order": 1
	}],
	"custom_fields": [{"customfield_id": 4182712000000090001,
		"value": 12345678901234567890123}],
	"total": 1e3,
	"flag": true,
	"nothing": null,
	"unicode": "caf\u00e9 \u2713"
}`

// fake speaks the Zoho wire format: the accounts token endpoint and the
// inventory adjustment resource, whose records it keeps as raw JSON.
type fake struct {
	srv *httptest.Server

	tokenCalls atomic.Int32
	apiCalls   atomic.Int32

	mu       sync.Mutex
	minted   int
	valid    map[string]bool
	badLogin bool
	records  map[string]string
	faults   []http.HandlerFunc
	puts     []string
	auth     []string
	tokenQ   []string
}

func newFake(t *testing.T) *fake {
	f := &fake{valid: map[string]bool{}, records: map[string]string{iaID: recordJSON}}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /accounts/oauth/v2/token", f.token)
	mux.HandleFunc("GET /inventory/v1/inventoryadjustments/{id}", f.api(f.get))
	mux.HandleFunc("PUT /inventory/v1/inventoryadjustments/{id}", f.api(f.put))

	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) config() zoho.Config {
	return zoho.Config{
		BaseURL:        f.srv.URL + "/inventory/v1",
		AccountsURL:    f.srv.URL + "/accounts/",
		OrganizationID: orgID,
		ClientID:       clientID,
		ClientSecret:   clientSecret,
		RefreshToken:   refreshToken,
	}
}

func (f *fake) client() *zoho.Client {
	return zoho.New(f.config(), f.srv.Client())
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls.Add(1)
	q := r.URL.Query()

	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenQ = append(f.tokenQ, r.URL.RawQuery)
	ok := q.Get("refresh_token") == refreshToken && q.Get("client_id") == clientID &&
		q.Get("client_secret") == clientSecret && q.Get("grant_type") == "refresh_token"
	if !ok || f.badLogin {
		// Zoho answers a refused refresh token with status 200.
		writeJSON(w, http.StatusOK, map[string]string{"error": "invalid_code"})
		return
	}

	f.minted++
	tok := fmt.Sprintf("1000.access-%d", f.minted)
	f.valid[tok] = true
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"expires_in":   3600,
		"api_domain":   "https://www.zohoapis.com",
		"token_type":   "Bearer",
	})
}

// api wraps an API handler with Zoho's checks and the queued faults.
func (f *fake) api(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.apiCalls.Add(1)
		header := r.Header.Get("Authorization")

		f.mu.Lock()
		f.auth = append(f.auth, header)
		authorized := f.valid[strings.TrimPrefix(header, "Zoho-oauthtoken ")]
		var fault http.HandlerFunc
		if len(f.faults) > 0 {
			fault, f.faults = f.faults[0], f.faults[1:]
		}
		f.mu.Unlock()

		switch {
		case r.URL.Query().Get("organization_id") != orgID:
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"code": 6041, "message": "organization_id missing"})
		case !authorized:
			writeJSON(w, http.StatusUnauthorized, map[string]any{
				"code": 57, "message": "You are not authorized to perform this operation"})
		case fault != nil:
			fault(w, r)
		default:
			next(w, r)
		}
	}
}

func (f *fake) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	rec, ok := f.records[r.PathValue("id")]
	f.mu.Unlock()

	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{
			"code": 1002, "message": "Inventory adjustment does not exist."})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"code":0,"message":"success","inventory_adjustment":%s}`, rec)
}

func (f *fake) put(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)

	f.mu.Lock()
	f.puts = append(f.puts, string(body))
	f.records[r.PathValue("id")] = string(body)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"code":0,"message":"Inventory Adjustment updated",`+
		`"inventory_adjustment":%s}`, body)
}

func (f *fake) queue(h ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, h...)
}

func (f *fake) setRecord(id, rec string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[id] = rec
}

func (f *fake) revokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func (f *fake) rejectLogins() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.badLogin = true
}

func (f *fake) seen() (puts, auth, tokenQueries []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.puts...),
		append([]string(nil), f.auth...),
		append([]string(nil), f.tokenQ...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func status(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func drop(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func requireKind(t *testing.T, err error, kind vendors.Kind) *vendors.Error {
	t.Helper()
	var ve *vendors.Error
	require.ErrorAs(t, err, &ve)
	require.Equal(t, kind, ve.Kind, "error: %v", err)
	assert.Equal(t, vendors.Zoho, ve.Vendor)
	assertNoSecret(t, err.Error())
	return ve
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{clientSecret, refreshToken, "1000.access-"} {
		assert.NotContains(t, s, secret)
	}
}

// rawFields decodes a JSON object into its fields' raw, compacted values.
func rawFields(t *testing.T, obj string) map[string]string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(obj), &m))

	out := make(map[string]string, len(m))
	for k, v := range m {
		var buf bytes.Buffer
		require.NoError(t, json.Compact(&buf, v))
		out[k] = buf.String()
	}
	return out
}

func TestGetAdjustment(t *testing.T) {
	f := newFake(t)

	a, err := f.client().GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	assert.Equal(t, vendors.Adjustment{
		ID:    iaID,
		Note:  "old note <b>&</b>",
		Items: []vendors.AdjustmentItem{{ID: itemID, Name: "Cross Connect"}},
	}, a)
	_, auth, _ := f.seen()
	assert.Equal(t, []string{"Zoho-oauthtoken 1000.access-1"}, auth)
}

func TestGetAdjustmentStringIDs(t *testing.T) {
	f := newFake(t)
	f.setRecord("42", `{"inventory_adjustment_id": "42", "description": null,
		"line_items": [{"item_id": "4182712000000084077", "name": "CC"},
		               {"item_id": 7, "name": "Other", "quantity_adjusted": "x"}]}`)

	a, err := f.client().GetAdjustment(t.Context(), "42")
	require.NoError(t, err)
	assert.Equal(t, "42", a.ID)
	assert.Empty(t, a.Note)
	assert.True(t, a.HasItem(itemID))
	assert.True(t, a.HasItem("7"))
}

// Guards against the float64 round trip that turned ...183000 into
// ...183008 and rewrote every other field of the record.
func TestSetNoteKeepsEveryOtherField(t *testing.T) {
	f := newFake(t)

	err := f.client().SetNote(t.Context(), iaID, `Lattice abc: cancelling: "x" <ok> & done`)
	require.NoError(t, err)

	puts, _, _ := f.seen()
	require.Len(t, puts, 1)
	got := rawFields(t, puts[0])
	want := rawFields(t, recordJSON)
	want["description"] = `"Lattice abc: cancelling: \"x\" <ok> & done"`
	assert.Equal(t, want, got)
	assert.Contains(t, puts[0], `"inventory_adjustment_id":4182712000000183000`)
	assert.Contains(t, puts[0], `"item_id":4182712000000084077`)
	assert.Contains(t, puts[0], `"value":12345678901234567890123`)
	assert.Equal(t, int32(2), f.apiCalls.Load())

	a, err := f.client().GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)
	assert.Equal(t, `Lattice abc: cancelling: "x" <ok> & done`, a.Note)
	assert.Equal(t, itemID, a.Items[0].ID)
}

func TestSetNoteNotFound(t *testing.T) {
	f := newFake(t)

	err := f.client().SetNote(t.Context(), "4182712000000999999", "note")
	ve := requireKind(t, err, vendors.NotFound)
	assert.Equal(t, zoho.OpGetAdjustment, ve.Op)
	assert.Equal(t, "1002", ve.Code)
	assert.Equal(t, "Inventory adjustment does not exist.", ve.Message)
	puts, _, _ := f.seen()
	assert.Empty(t, puts)
}

func TestSetNoteRejected(t *testing.T) {
	f := newFake(t)
	f.queue(nil) // the GET goes through
	f.queue(status(400, `{"code":4,"message":"Invalid value passed for description"}`))

	err := f.client().SetNote(t.Context(), iaID, "note")
	ve := requireKind(t, err, vendors.Rejected)
	assert.Equal(t, zoho.OpUpdateAdjustment, ve.Op)
	assert.Equal(t, http.StatusBadRequest, ve.Status)
	assert.Equal(t, "4", ve.Code)
	assert.Equal(t, "Invalid value passed for description", ve.Message)
}

func TestNonZeroCodeWithStatus200(t *testing.T) {
	f := newFake(t)
	f.queue(status(200, `{"code":9,"message":"Something odd"}`))

	_, err := f.client().GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Rejected)
	assert.Equal(t, "9", ve.Code)
	assert.Equal(t, "Something odd", ve.Message)
}

func TestTokenRequest(t *testing.T) {
	f := newFake(t)
	_, err := f.client().GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	_, _, queries := f.seen()
	require.Len(t, queries, 1)
	assert.Contains(t, queries[0], "grant_type=refresh_token")
}

func TestTokenSharedByConcurrentCallers(t *testing.T) {
	f := newFake(t)
	c := f.client()

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.GetAdjustment(t.Context(), iaID)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	require.NoError(t, c.SetNote(t.Context(), iaID, "note"))
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Equal(t, int32(22), f.apiCalls.Load())
}

func TestRefreshOnceAfter401(t *testing.T) {
	f := newFake(t)
	c := f.client()
	_, err := c.GetAdjustment(t.Context(), iaID)
	require.NoError(t, err)

	f.revokeTokens()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.GetAdjustment(t.Context(), iaID)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	assert.Equal(t, int32(2), f.tokenCalls.Load())
	_, auth, _ := f.seen()
	assert.Equal(t, "Zoho-oauthtoken 1000.access-2", auth[len(auth)-1])
}

func TestSecond401IsCredentials(t *testing.T) {
	f := newFake(t)
	body := `{"code":57,"message":"You are not authorized to perform this operation"}`
	f.queue(status(401, body), status(401, body))

	_, err := f.client().GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Equal(t, "57", ve.Code)
	assert.Equal(t, int32(2), f.tokenCalls.Load())
	assert.Equal(t, int32(2), f.apiCalls.Load())
}

func TestRefusedRefreshTokenIsNotRetried(t *testing.T) {
	f := newFake(t)
	f.rejectLogins()
	c := f.client()

	_, err := c.GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Equal(t, zoho.OpToken, ve.Op)
	assert.Equal(t, "invalid_code", ve.Code)

	err = c.SetNote(t.Context(), iaID, "note")
	requireKind(t, err, vendors.Credentials)
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Zero(t, f.apiCalls.Load())
}

func TestTokenMintingLimitIsTransient(t *testing.T) {
	srv := httptest.NewServer(status(http.StatusBadRequest, `{"error":"Access Denied",
		"error_description":"You have made too many requests continuously."}`))
	defer srv.Close()
	cfg := zoho.Config{BaseURL: srv.URL, AccountsURL: srv.URL, RefreshToken: refreshToken}

	_, err := zoho.New(cfg, nil).GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Transient)
	assert.Equal(t, zoho.OpToken, ve.Op)
	assert.Equal(t, "Access Denied", ve.Code)
}

func TestTransientErrors(t *testing.T) {
	date := time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
	tests := []struct {
		name  string
		fault http.HandlerFunc
		after time.Duration
	}{
		{"429 reset", status(429, `{"code":44,"message":"too many"}`,
			"X-Rate-Limit-Reset", "42", "Retry-After", "1"), 42 * time.Second},
		{"429 retry-after", status(429, ``, "Retry-After", "9"), 9 * time.Second},
		{"429 date", status(429, ``, "Retry-After", date), time.Minute},
		{"500", status(500, `{"code":-1,"message":"internal"}`), 0},
		{"drop", drop, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.queue(tt.fault, tt.fault, tt.fault)

			_, err := f.client().GetAdjustment(t.Context(), iaID)
			ve := requireKind(t, err, vendors.Transient)
			assert.Equal(t, zoho.OpGetAdjustment, ve.Op)
			assert.InDelta(t, tt.after.Seconds(), ve.RetryAfter.Seconds(), 2)
		})
	}
}

// Guards against net/http errors that quote the token URL, whose query
// holds the refresh token and the client secret.
func TestTokenTransportErrorHidesQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(drop))
	defer srv.Close()
	cfg := zoho.Config{
		BaseURL:      srv.URL + "/inventory/v1",
		AccountsURL:  srv.URL,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RefreshToken: refreshToken,
	}

	_, err := zoho.New(cfg, nil).GetAdjustment(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Transient)
	assert.Equal(t, zoho.OpToken, ve.Op)
	assert.Contains(t, err.Error(), "/oauth/v2/token")
	assertNoSecret(t, fmt.Sprintf("%+v %#v", err, ve.Err))
}

func TestSecretsNeverPrinted(t *testing.T) {
	f := newFake(t)
	cfg := f.config()
	c := zoho.New(cfg, nil)

	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)

	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), logged.String(),
	} {
		assertNoSecret(t, s)
	}
	assert.Contains(t, fmt.Sprint(cfg), orgID)
}
