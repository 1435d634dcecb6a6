package equinix_test

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/lattice/lattice/vendors/equinix"
)

const (
	clientID     = "lattice-client"
	clientSecret = "s3cret-equinix-value"
	orderID      = "1-23232322"
	lineID       = "1-D89731S"
	iaID         = "4182712000000183000"
)

// orderJSON is an order as Equinix sends it, with fields and a line the
// client does not know about.
const orderJSON = `{
	"orderId": "1-23232322",
	"status": "IN_PROGRESS",
	"cancellable": true,
	"customerReferenceId": "4182712000000183000",
	"createdDateTime": "2024-01-02T03:04:05Z",
	"extra": {"nested": [1, 2, 3]},
	"details": [
		{"lineId": "1-D89731S", "status": "SUBMITTED",
		 "productType": "CROSS_CONNECT", "cancellable": true, "ibx": "DC6"},
		{"lineId": "1-OTHER", "status": "SOMETHING_NEW",
		 "productType": "SMART_HANDS", "cancellable": "false"}
	]
}`

// fake speaks the Equinix wire format: a token endpoint, orders, the
// order search and the cancel call. faults, when queued, answer the next
// API calls instead of the normal handlers.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	tokenCalls atomic.Int32
	apiCalls   atomic.Int32

	mu          sync.Mutex
	minted      int
	valid       map[string]bool
	rejectLogin bool
	orders      []string
	faults      []http.HandlerFunc
	bodies      []string
	auth        []string
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, valid: map[string]bool{}, orders: []string{orderJSON}}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/token", f.token)
	mux.HandleFunc("GET /colocations/v2/orders/{id}", f.api(f.getOrder))
	mux.HandleFunc("POST /colocations/v2/orders/{id}/cancel", f.api(f.cancel))
	mux.HandleFunc("POST /v1/retrieve-orders", f.api(f.retrieve))

	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) client() *equinix.Client {
	return equinix.New(equinix.Config{
		BaseURL:      f.srv.URL + "/",
		ClientID:     clientID,
		ClientSecret: clientSecret,
	}, f.srv.Client())
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls.Add(1)

	var req map[string]string
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	ok := req["grant_type"] == "client_credentials" &&
		req["client_id"] == clientID && req["client_secret"] == clientSecret
	if !ok || f.rejectLogin {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error_domain":      "apps-fqa",
			"error_title":       "Invalid client credentials",
			"error_code":        "invalid_client",
			"developer_message": "client identity cannot be verified",
			"error_message":     "Authentication failed for " + req["client_secret"],
		})
		return
	}

	f.minted++
	tok := fmt.Sprintf("token-%d", f.minted)
	f.valid[tok] = true
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token":  tok,
		"token_timeout": "3599",
		"user_name":     clientID,
		"token_type":    "Bearer",
	})
}

// api wraps an API handler with the bearer check and queued faults.
func (f *fake) api(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.apiCalls.Add(1)
		body, _ := io.ReadAll(r.Body)

		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.bodies = append(f.bodies, string(body))
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		authorized := f.valid[tok]
		var fault http.HandlerFunc
		if len(f.faults) > 0 {
			fault, f.faults = f.faults[0], f.faults[1:]
		}
		f.mu.Unlock()

		switch {
		case !authorized:
			writeJSON(w, http.StatusUnauthorized, []map[string]string{{
				"errorCode":    "EQ-3000039",
				"errorMessage": "Unauthorized: token " + tok + " is not valid",
			}})
		case fault != nil:
			fault(w, r)
		default:
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			next(w, r)
		}
	}
}

func (f *fake) getOrder(w http.ResponseWriter, r *http.Request) {
	for _, o := range f.snapshotOrders() {
		if strings.Contains(o, `"orderId": "`+r.PathValue("id")+`"`) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, o)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, []map[string]any{{
		"errorCode":     "EQ-2014005",
		"errorMessage":  "Order not found",
		"details":       "No order " + r.PathValue("id"),
		"correlationId": "corr-1",
	}})
}

func (f *fake) cancel(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", "/colocations/v2/orders/"+r.PathValue("id"))
	w.WriteHeader(http.StatusAccepted)
}

func (f *fake) retrieve(w http.ResponseWriter, r *http.Request) {
	orders := f.snapshotOrders()
	content := make([]json.RawMessage, len(orders))
	for i, o := range orders {
		content[i] = json.RawMessage(o)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"content": content,
		"page":    map[string]int{"offset": 0, "limit": 20, "total": len(content)},
	})
}

func (f *fake) snapshotOrders() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.orders...)
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

func (f *fake) setOrders(orders ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders = orders
}

func (f *fake) rejectLogins() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejectLogin = true
}

func (f *fake) authHeaders() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

func (f *fake) lastBody() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[len(f.bodies)-1]
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

// drop closes the connection without answering.
func drop(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// requireKind asserts err is a *vendors.Error of kind and holds no
// secret.
func requireKind(t *testing.T, err error, kind vendors.Kind) *vendors.Error {
	t.Helper()
	var ve *vendors.Error
	require.ErrorAs(t, err, &ve)
	require.Equal(t, kind, ve.Kind, "error: %v", err)
	assert.Equal(t, vendors.Equinix, ve.Vendor)
	assertNoSecret(t, err.Error())
	return ve
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, clientSecret)
	assert.NotContains(t, s, "token-1")
	assert.NotContains(t, s, "token-2")
}

func TestGetOrder(t *testing.T) {
	f := newFake(t)

	o, err := f.client().GetOrder(t.Context(), orderID)
	require.NoError(t, err)

	assert.Equal(t, orderID, o.ID)
	assert.Equal(t, equinix.StatusInProgress, o.Status)
	assert.Equal(t, iaID, o.CustomerReferenceID)
	assert.True(t, o.Cancellable)
	require.Len(t, o.Lines, 2)
	assert.Equal(t, equinix.Line{
		ID: lineID, Status: "SUBMITTED", ProductType: "CROSS_CONNECT", Cancellable: true,
	}, o.Lines[0])
	assert.Equal(t, "SOMETHING_NEW", o.Lines[1].Status)
	assert.False(t, o.Lines[1].Cancellable)
	assert.Equal(t, []string{"Bearer token-1"}, f.authHeaders())
}

func TestOrderLineHelpers(t *testing.T) {
	o := equinix.Order{Lines: []equinix.Line{{ID: "a"}, {ID: "b", Status: "x"}}}
	l, ok := o.Line("b")
	assert.True(t, ok)
	assert.Equal(t, "x", l.Status)
	_, ok = o.Line("c")
	assert.False(t, ok)

	tests := []struct {
		status               string
		cancelled, requested bool
	}{
		{"CANCELLED", true, true},
		{"cancelled", true, true},
		{"CANCELLATION_REQUESTED", false, true},
		{"Cancellation_Requested", false, true},
		{"SUBMITTED", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		l := equinix.Line{Status: tt.status}
		assert.Equal(t, tt.cancelled, l.Cancelled(), tt.status)
		assert.Equal(t, tt.requested, l.CancelRequested(), tt.status)
	}
}

func TestGetOrderNotFound(t *testing.T) {
	f := newFake(t)

	_, err := f.client().GetOrder(t.Context(), "1-404")
	ve := requireKind(t, err, vendors.NotFound)

	assert.Equal(t, equinix.OpGetOrder, ve.Op)
	assert.Equal(t, http.StatusNotFound, ve.Status)
	assert.Equal(t, "EQ-2014005", ve.Code)
	assert.Contains(t, ve.Message, "Order not found: No order 1-404")
	assert.Contains(t, ve.Message, "corr-1")
}

func TestFindOrderByReference(t *testing.T) {
	f := newFake(t)

	o, err := f.client().FindOrderByReference(t.Context(), iaID)
	require.NoError(t, err)
	assert.Equal(t, orderID, o.ID)

	assert.JSONEq(t, `{
		"filter": {"and": [{"property": "/customerReferenceNumber",
			"operator": "=", "values": ["4182712000000183000"]}]},
		"pagination": {"offset": 0, "limit": 20}
	}`, f.lastBody())
}

func TestFindOrderByReferenceSkipsOtherOrders(t *testing.T) {
	f := newFake(t)
	f.setOrders(orderJSON,
		`{"orderId": "1-SH", "customerReferenceId": "4182712000000183000",
		  "details": [{"lineId": "1-X", "productType": "SMART_HANDS"}]}`,
		`{"orderId": "1-OTHER-REF", "customerReferenceId": "999",
		  "details": [{"lineId": "1-Y", "productType": "CROSS_CONNECT"}]}`,
	)

	o, err := f.client().FindOrderByReference(t.Context(), iaID)
	require.NoError(t, err)
	assert.Equal(t, orderID, o.ID)
}

func TestFindOrderByReferenceNone(t *testing.T) {
	f := newFake(t)
	f.setOrders()

	_, err := f.client().FindOrderByReference(t.Context(), iaID)
	ve := requireKind(t, err, vendors.NotFound)
	assert.Equal(t, equinix.OpFindOrder, ve.Op)
	assert.Contains(t, ve.Message, iaID)
}

func TestFindOrderByReferenceAmbiguous(t *testing.T) {
	f := newFake(t)
	f.setOrders(orderJSON, strings.Replace(orderJSON, orderID, "1-SECOND", 1))

	_, err := f.client().FindOrderByReference(t.Context(), iaID)
	ve := requireKind(t, err, vendors.Rejected)
	assert.Equal(t, equinix.OpFindOrder, ve.Op)
	assert.Contains(t, ve.Message, "ambiguous")
	assert.Contains(t, ve.Message, "1-SECOND")
}

func TestCancelLine(t *testing.T) {
	for _, code := range []int{http.StatusAccepted, http.StatusNoContent} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			f := newFake(t)
			f.queue(status(code, ""))

			err := f.client().CancelLine(t.Context(), orderID, lineID, "customer asked")
			require.NoError(t, err)
			assert.JSONEq(t, `{"reason":"customer asked","lineIds":["1-D89731S"]}`,
				f.lastBody())
		})
	}
}

func TestCancelLineValidatesReason(t *testing.T) {
	f := newFake(t)
	c := f.client()

	for _, reason := range []string{"", "four", strings.Repeat("x", 4001)} {
		err := c.CancelLine(t.Context(), orderID, lineID, reason)
		ve := requireKind(t, err, vendors.Rejected)
		assert.Equal(t, equinix.OpCancel, ve.Op)
	}
	require.NoError(t, c.CancelLine(t.Context(), orderID, lineID, "fünf!"))
	require.NoError(t, c.CancelLine(t.Context(), orderID, lineID, strings.Repeat("é", 4000)))

	err := c.CancelLine(t.Context(), orderID, "", "a good reason")
	requireKind(t, err, vendors.Rejected)
	assert.Equal(t, int32(2), f.apiCalls.Load(), "invalid cancels must not be sent")
}

func TestCancelLineConflict(t *testing.T) {
	f := newFake(t)
	f.queue(status(http.StatusConflict, `[{"errorCode":"EQ-2012010",
		"errorMessage":"Order cannot be cancelled","details":"line is CANCELLED",
		"additionalInfo":[{"property":"lineIds","reason":"already cancelled"}]}]`))

	err := f.client().CancelLine(t.Context(), orderID, lineID, "customer asked")
	ve := requireKind(t, err, vendors.Rejected)

	assert.Equal(t, http.StatusConflict, ve.Status)
	assert.Equal(t, "EQ-2012010", ve.Code)
	assert.Equal(t, "Order cannot be cancelled: line is CANCELLED: lineIds already cancelled",
		ve.Message)
}

func TestErrorShapes(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		kind       vendors.Kind
		code, text string
	}{
		{"forbidden", 403, `[{"errorCode":"EQ-2012007","errorMessage":"Permission denied"}]`,
			vendors.Rejected, "EQ-2012007", "Permission denied"},
		{"history", 400, `{"errors":[{"code":"EQX-1","message":"bad","fields":["a"]}],` +
			`"ticketId":"t-1"}`, vendors.Rejected, "EQX-1", "bad"},
		{"token shape", 422, `{"error_code":"E1","error_message":"nope",` +
			`"developer_message":"dev"}`, vendors.Rejected, "E1", "nope: dev"},
		{"html", 502, `<html>Bad gateway</html>`, vendors.Transient, "",
			"<html>Bad gateway</html>"},
		{"empty", 500, ``, vendors.Transient, "", "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.queue(status(tt.status, tt.body))

			_, err := f.client().GetOrder(t.Context(), orderID)
			ve := requireKind(t, err, tt.kind)
			assert.Equal(t, tt.status, ve.Status)
			assert.Equal(t, tt.code, ve.Code)
			assert.Equal(t, tt.text, ve.Message)
		})
	}
}

func TestTransientErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name  string
		fault http.HandlerFunc
		after time.Duration
	}{
		{"503 seconds", status(503, `[]`, "Retry-After", "7"), 7 * time.Second},
		{"429 seconds", status(429, `[]`, "Retry-After", "3"), 3 * time.Second},
		{"429 date", status(429, ``, "Retry-After", date), 90 * time.Second},
		{"429 none", status(429, ``), 0},
		{"drop", drop, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.queue(tt.fault, tt.fault)

			err := f.client().CancelLine(t.Context(), orderID, lineID, "customer asked")
			ve := requireKind(t, err, vendors.Transient)
			assert.Equal(t, equinix.OpCancel, ve.Op)
			assert.InDelta(t, tt.after.Seconds(), ve.RetryAfter.Seconds(), 2)
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	f := newFake(t)
	c := f.client()
	_, err := c.GetOrder(t.Context(), orderID)
	require.NoError(t, err)

	f.queue(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = c.GetOrder(ctx, orderID)

	ve := requireKind(t, err, vendors.Transient)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Zero(t, ve.Status)
}

func TestTokenSharedByConcurrentCallers(t *testing.T) {
	f := newFake(t)
	c := f.client()

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.GetOrder(t.Context(), orderID)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	_, err := c.GetOrder(t.Context(), orderID)
	require.NoError(t, err)
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Equal(t, int32(21), f.apiCalls.Load())
}

func TestRefreshOnceAfter401(t *testing.T) {
	f := newFake(t)
	c := f.client()
	_, err := c.GetOrder(t.Context(), orderID)
	require.NoError(t, err)

	f.revokeTokens()
	_, err = c.GetOrder(t.Context(), orderID)
	require.NoError(t, err)

	assert.Equal(t, int32(2), f.tokenCalls.Load())
	assert.Equal(t, int32(3), f.apiCalls.Load())
	assert.Equal(t, "Bearer token-2", f.authHeaders()[2])
}

func TestConcurrent401ShareOneRefresh(t *testing.T) {
	f := newFake(t)
	c := f.client()
	_, err := c.GetOrder(t.Context(), orderID)
	require.NoError(t, err)
	f.revokeTokens()

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.GetOrder(t.Context(), orderID)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(2), f.tokenCalls.Load())
}

func TestSecond401IsCredentials(t *testing.T) {
	f := newFake(t)
	f.queue(
		status(401, `[{"errorCode":"EQ-3000039","errorMessage":"expired"}]`),
		status(401, `[{"errorCode":"EQ-3000039","errorMessage":"still expired"}]`),
	)

	_, err := f.client().GetOrder(t.Context(), orderID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Equal(t, "still expired", ve.Message)
	assert.Equal(t, int32(2), f.tokenCalls.Load())
	assert.Equal(t, int32(2), f.apiCalls.Load())
}

func TestBadCredentialsAreNotRetried(t *testing.T) {
	f := newFake(t)
	f.rejectLogins()
	c := f.client()

	_, err := c.GetOrder(t.Context(), orderID)
	ve := requireKind(t, err, vendors.Credentials)
	assert.Equal(t, equinix.OpToken, ve.Op)
	assert.Equal(t, http.StatusUnauthorized, ve.Status)
	assert.Equal(t, "invalid_client", ve.Code)
	assert.Contains(t, ve.Message, "Authentication failed for [redacted]")

	// Five rejected attempts lock the account: a second call must not ask.
	err = c.CancelLine(t.Context(), orderID, lineID, "customer asked")
	requireKind(t, err, vendors.Credentials)
	assert.Equal(t, int32(1), f.tokenCalls.Load())
	assert.Zero(t, f.apiCalls.Load())
}

func TestTokenEndpointDown(t *testing.T) {
	srv := httptest.NewServer(status(503, `{"error_code":"down"}`, "Retry-After", "5"))
	defer srv.Close()
	c := equinix.New(equinix.Config{BaseURL: srv.URL, ClientSecret: clientSecret}, nil)

	_, err := c.GetOrder(t.Context(), orderID)
	ve := requireKind(t, err, vendors.Transient)
	assert.Equal(t, equinix.OpToken, ve.Op)
	assert.Equal(t, 5*time.Second, ve.RetryAfter)
}

func TestCancelledContext(t *testing.T) {
	f := newFake(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := f.client().GetOrder(ctx, orderID)
	requireKind(t, err, vendors.Transient)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Zero(t, f.apiCalls.Load())
}

func TestSecretsNeverPrinted(t *testing.T) {
	cfg := equinix.Config{BaseURL: "https://api.equinix.com", ClientID: clientID,
		ClientSecret: clientSecret}

	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	c := equinix.New(cfg, nil)

	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(&cfg), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", *c),
		logged.String(),
	} {
		assert.NotContains(t, s, clientSecret)
	}
	assert.Contains(t, fmt.Sprint(cfg), clientID)
	assert.Contains(t, logged.String(), "[redacted]")
}
