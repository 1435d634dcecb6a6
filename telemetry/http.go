package telemetry

import (
	"context"
	"net/http"
	"strconv"

	"github.com/felixge/httpsnoop"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// untraced are routes polled every few seconds by probes and scrapers:
// tracing them would bury the transactions' traces. They are still
// counted in the request metrics.
var untraced = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// Middleware returns the HTTP server instrumentation: a span per request,
// child of the caller's W3C traceparent when it sends a valid one (a
// malformed one starts a new trace), and the request metrics. routeOf
// names the route template a request matches, or a fixed word when none
// does; spans and metrics never carry the raw path, which would hold
// transaction ids. Requests no route matches (404) or whose method a
// route refuses (405) are traced and counted like any other.
func (t *Telemetry) Middleware(routeOf func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		traced := otelhttp.NewHandler(t.measureRequests(next), "http.server",
			otelhttp.WithTracerProvider(t.tracerProvider),
			otelhttp.WithPropagators(t.propagator),
			// The request metrics below carry the route; otelhttp's own
			// would repeat them without it.
			otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
				return methodOf(r.Method) + " " + routeFrom(r.Context())
			}),
			otelhttp.WithFilter(func(r *http.Request) bool {
				return !untraced[routeFrom(r.Context())]
			}),
		)

		// The route is matched once, before the span starts, and read
		// from the context by the span's name, the filter and the metrics.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), routeKey{}, routeOf(r))
			traced.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type routeKey struct{}

func routeFrom(ctx context.Context) string {
	route, _ := ctx.Value(routeKey{}).(string)
	return route
}

// measureRequests counts each request and its latency by route, method
// and status, and names the route on the request's span.
func (t *Telemetry) measureRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := routeFrom(r.Context())
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("http.route", route))

		m := httpsnoop.CaptureMetrics(next, w, r)

		labels := prometheus.Labels{
			"route":  route,
			"method": methodOf(r.Method),
			"status": strconv.Itoa(m.Code),
		}
		t.requests.With(labels).Inc()
		t.requestSeconds.With(labels).Observe(m.Duration.Seconds())
	})
}

func (t *Telemetry) registerHTTPMetrics() {
	labels := []string{"route", "method", "status"}
	t.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lattice_http_requests_total",
		Help: "HTTP requests served, by route template, method and status.",
	}, labels)
	t.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lattice_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route template, method and status.",
		Buckets: prometheus.DefBuckets,
	}, labels)
	t.registry.MustRegister(t.requests, t.requestSeconds)
}

// knownMethods are the methods a label or span name may carry as sent;
// any other becomes _OTHER, so a client cannot mint label values.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
	http.MethodConnect: true, http.MethodOptions: true, http.MethodTrace: true,
}

func methodOf(m string) string {
	if knownMethods[m] {
		return m
	}
	return "_OTHER"
}
