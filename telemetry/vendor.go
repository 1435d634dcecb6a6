package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/lattice/lattice/vendors"
)

// VendorClient is the HTTP client for the vendor clients: its every phase
// is bounded, as the vendor clients' own default is, and each call is
// traced and measured by VendorTransport.
func (t *Telemetry) VendorClient() *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSHandshakeTimeout = 10 * time.Second
	base.ResponseHeaderTimeout = 30 * time.Second
	base.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t.VendorTransport(base), Timeout: time.Minute}
}

// VendorTransport wraps base so that each vendor call gets a client span,
// child of the activity that makes it and passed on to the vendor in a
// traceparent header, and is counted with its latency by vendor,
// operation and status. Vendor and operation come from the request's
// context (vendors.WithCall); a request without them is "unknown".
//
// Spans record the URL without its query: Zoho's token endpoint takes the
// refresh token and client secret there.
func (t *Telemetry) VendorTransport(base http.RoundTripper) http.RoundTripper {
	traced := otelhttp.NewTransport(restoreQuery{base},
		otelhttp.WithTracerProvider(t.tracerProvider),
		otelhttp.WithPropagators(t.propagator),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			call := callOf(r.Context())
			return r.Method + " " + call.Vendor + " " + call.Op
		}),
	)
	return &vendorTransport{traced: traced, t: t}
}

type vendorTransport struct {
	traced http.RoundTripper
	t      *Telemetry
}

func (v *vendorTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	call := callOf(r.Context())
	start := time.Now()

	resp, err := v.traced.RoundTrip(hideQuery(r))

	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	labels := prometheus.Labels{"vendor": call.Vendor, "operation": call.Op, "status": status}
	v.t.vendorCalls.With(labels).Inc()
	v.t.vendorSeconds.With(labels).Observe(time.Since(start).Seconds())
	return resp, err
}

func callOf(ctx context.Context) vendors.Call {
	call, ok := vendors.CallFrom(ctx)
	if !ok || call.Vendor == "" || call.Op == "" {
		return vendors.Call{Vendor: "unknown", Op: "unknown"}
	}
	return call
}

type queryKey struct{}

// hideQuery returns r without its query, which travels in the context to
// restoreQuery, beneath the span.
func hideQuery(r *http.Request) *http.Request {
	if r.URL.RawQuery == "" {
		return r
	}
	out := r.Clone(context.WithValue(r.Context(), queryKey{}, r.URL.RawQuery))
	out.URL.RawQuery = ""
	return out
}

// restoreQuery puts back the query hideQuery took off, and names the
// vendor call on the span the traced transport started.
type restoreQuery struct {
	base http.RoundTripper
}

func (q restoreQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	call := callOf(r.Context())
	trace.SpanFromContext(r.Context()).SetAttributes(
		attribute.String("lattice.vendor", call.Vendor),
		attribute.String("lattice.operation", call.Op),
	)

	if query, ok := r.Context().Value(queryKey{}).(string); ok {
		r = r.Clone(r.Context())
		r.URL.RawQuery = query
	}
	return q.base.RoundTrip(r)
}

func (t *Telemetry) registerVendorMetrics() {
	labels := []string{"vendor", "operation", "status"}
	t.vendorCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lattice_vendor_calls_total",
		Help: "Calls to vendor APIs, by vendor, operation and HTTP status " +
			`("error" when no response arrived).`,
	}, labels)
	t.vendorSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lattice_vendor_call_duration_seconds",
		Help:    "Time until a vendor API answered, by vendor, operation and HTTP status.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, labels)
	t.registry.MustRegister(t.vendorCalls, t.vendorSeconds)
}
