// Package telemetry sets up what lets an operator follow a transaction
// through Lattice: OpenTelemetry traces exported as the standard OTEL_*
// variables say (off and silent when they say nothing), Prometheus metrics
// served on /metrics, the instrumentation of the HTTP server, the vendor
// HTTP client and the Temporal client and worker, and a Temporal logger
// that speaks the same log keys as the rest of Lattice.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Options configures New.
type Options struct {
	// Service is the service.name of traces and metrics, unless
	// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name another.
	Service string

	// Env reads the OTEL_* variables that decide whether traces are
	// exported; nil reads none, and tracing stays off. The OTLP exporter
	// reads its own settings (endpoint, headers, timeout) from the
	// process environment, as the OpenTelemetry specification defines.
	Env func(string) (string, bool)

	// SpanExporter, when set, receives every span as it ends, whatever
	// the environment says: tests read traces from it.
	SpanExporter sdktrace.SpanExporter

	// Logger reports what telemetry itself cannot do, such as a metric
	// the Temporal SDK failed to record; nil discards it.
	Logger *slog.Logger
}

// Telemetry holds the tracer provider, the Prometheus registry and the
// instruments Lattice records into. Its methods hand out the pieces each
// process wires in; a Telemetry is safe for concurrent use.
type Telemetry struct {
	tracerProvider trace.TracerProvider
	propagator     propagation.TextMapPropagator
	registry       *prometheus.Registry
	meterProvider  *sdkmetric.MeterProvider
	logger         *slog.Logger

	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	vendorCalls    *prometheus.CounterVec
	vendorSeconds  *prometheus.HistogramVec

	shutdown []func(context.Context) error
}

// New builds the tracer provider and the metrics registry. It fails only
// when the OTEL_* variables ask for something it cannot do.
func New(ctx context.Context, opts Options) (*Telemetry, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Service == "" {
		opts.Service = "lattice"
	}
	t := &Telemetry{
		// W3C trace context and baggage: what an inbound traceparent
		// carries, and what vendor calls and Temporal headers carry on.
		propagator: propagation.NewCompositeTextMapPropagator(
			propagation.TraceContext{}, propagation.Baggage{},
		),
		logger: opts.Logger,
	}

	res, err := newResource(ctx, opts.Service)
	if err != nil {
		return nil, err
	}
	if err := t.setUpTracing(ctx, opts, res); err != nil {
		return nil, err
	}
	if err := t.setUpMetrics(res); err != nil {
		t.Shutdown(ctx)
		return nil, err
	}
	return t, nil
}

// Shutdown flushes the spans not yet exported and stops the providers.
// Call it last, once nothing records any more.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(t.shutdown) - 1; i >= 0; i-- {
		errs = append(errs, t.shutdown[i](ctx))
	}
	t.shutdown = nil
	return errors.Join(errs...)
}

// TracerProvider is where Lattice's spans go: an SDK provider when
// tracing is on, a no-op one otherwise.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.tracerProvider }

// Propagator reads and writes W3C trace context and baggage.
func (t *Telemetry) Propagator() propagation.TextMapPropagator { return t.propagator }

// Registry is the Prometheus registry every metric of the process is in.
func (t *Telemetry) Registry() *prometheus.Registry { return t.registry }

// MetricsHandler serves the registry in the Prometheus text format.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(t.logger.Handler(), slog.LevelWarn),
	})
}

// setUpMetrics creates the registry with the process's own collectors and
// Lattice's instruments, and an OpenTelemetry meter provider exporting
// into the same registry for the Temporal SDK's metrics.
func (t *Telemetry) setUpMetrics(res *resource.Resource) error {
	t.registry = prometheus.NewRegistry()
	t.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	t.registerHTTPMetrics()
	t.registerVendorMetrics()

	mp, err := newMeterProvider(t.registry, res)
	if err != nil {
		return fmt.Errorf("set up metrics: %w", err)
	}
	t.meterProvider = mp
	t.shutdown = append(t.shutdown, mp.Shutdown)
	return nil
}
