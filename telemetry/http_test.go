package telemetry

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/starter"
)

const (
	routeTransaction = "/v1/accounting/crossconnect/transactions/{id}"
	routeCancel      = "/v1/accounting/crossconnect/qcl_crossconnect_cancel"
)

// serveAPI sends one request through the instrumented API. The requests
// used here are answered without Temporal, so the API has no client.
func serveAPI(tel *Telemetry, method, path, traceparent string) *httptest.ResponseRecorder {
	api := starter.New(nil, starter.Config{})
	h := tel.Middleware(api.RouteName)(api)

	r := httptest.NewRequest(method, path, nil)
	if traceparent != "" {
		r.Header.Set("traceparent", traceparent)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestMiddlewareContinuesTheCallersTrace(t *testing.T) {
	tel, spans := newTestTelemetry(t)
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		spanID  = "00f067aa0ba902b7"
	)

	w := serveAPI(tel, http.MethodGet,
		"/v1/accounting/crossconnect/transactions/not-a-transaction",
		"00-"+traceID+"-"+spanID+"-01")
	require.Equal(t, http.StatusNotFound, w.Code)

	s := spanNamed(t, spans, "GET "+routeTransaction)
	assert.Equal(t, traceID, s.SpanContext.TraceID().String())
	assert.Equal(t, spanID, s.Parent.SpanID().String())
	assert.True(t, s.Parent.IsRemote())
	assert.Equal(t, routeTransaction, attr(s, "http.route"))
	assert.Equal(t, "not-a-transaction", attr(s, "lattice.transaction_id"))
}

func TestMiddlewareStartsANewTraceOnAMalformedTraceparent(t *testing.T) {
	for _, tp := range []string{
		"garbage",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
		"zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // bad version
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
		strings.Repeat("00-4bf92f3577b34da6a3ce929d0e0e4736-", 1000), // oversized
	} {
		t.Run(tp[:min(len(tp), 24)], func(t *testing.T) {
			tel, spans := newTestTelemetry(t)

			w := serveAPI(tel, http.MethodGet, "/healthz-nope", tp)
			assert.Equal(t, http.StatusNotFound, w.Code)

			s := spanNamed(t, spans, "GET unmatched")
			assert.True(t, s.SpanContext.TraceID().IsValid())
			assert.NotEqual(t, "4bf92f3577b34da6a3ce929d0e0e4736", s.SpanContext.TraceID().String())
			assert.False(t, s.Parent.IsValid(), "parent %v", s.Parent)
		})
	}
}

func TestMiddlewareTracesRefusedRequestsByRouteTemplate(t *testing.T) {
	tel, spans := newTestTelemetry(t)

	w := serveAPI(tel, http.MethodGet, "/no/such/path/4182712000000183000", "")
	require.Equal(t, http.StatusNotFound, w.Code)
	w = serveAPI(tel, http.MethodGet, routeCancel, "")
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)

	notFound := spanNamed(t, spans, "GET unmatched")
	assert.Equal(t, "404", attr(notFound, "http.response.status_code"))
	refused := spanNamed(t, spans, "GET "+routeCancel)
	assert.Equal(t, "405", attr(refused, "http.response.status_code"))
	for _, s := range spans.GetSpans() {
		assert.NotContains(t, s.Name, "4182712000000183000", "raw path in a span name")
	}
}

func TestMiddlewareCountsRequestsByRouteMethodAndStatus(t *testing.T) {
	tel, spans := newTestTelemetry(t)

	serveAPI(tel, http.MethodGet, "/v1/accounting/crossconnect/transactions/a", "")
	serveAPI(tel, http.MethodGet, "/v1/accounting/crossconnect/transactions/b", "")
	serveAPI(tel, "BREW", routeCancel, "")
	serveAPI(tel, http.MethodGet, "/healthz", "")

	get := map[string]string{"route": routeTransaction, "method": "GET", "status": "404"}
	assert.Equal(t, 2.0, sampleValue(t, tel, "lattice_http_requests_total", get))
	assert.Equal(t, 2.0, sampleValue(t, tel, "lattice_http_request_duration_seconds", get))

	brew := map[string]string{"route": routeCancel, "method": "_OTHER", "status": "405"}
	assert.Equal(t, 1.0, sampleValue(t, tel, "lattice_http_requests_total", brew))

	// Probes are counted but not traced.
	health := map[string]string{"route": "/healthz", "method": "GET", "status": "200"}
	assert.Equal(t, 1.0, sampleValue(t, tel, "lattice_http_requests_total", health))
	for _, s := range spans.GetSpans() {
		assert.NotEqual(t, "GET /healthz", s.Name)
	}
}

func TestMetricsHandlerServesPrometheusText(t *testing.T) {
	tel, _ := newTestTelemetry(t)
	serveAPI(tel, http.MethodGet, "/healthz", "")

	w := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))

	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "text/plain")
	assert.Contains(t, w.Body.String(),
		`lattice_http_requests_total{method="GET",route="/healthz",status="200"} 1`)
	assert.Contains(t, w.Body.String(), "go_goroutines")
}
