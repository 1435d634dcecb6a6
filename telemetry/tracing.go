package telemetry

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// setUpTracing builds the tracer provider: spans go to the test exporter
// when one is given, and to OTLP over HTTP when the environment asks for
// it. With neither, the provider is a no-op: nothing is recorded, nothing
// is sent and nothing is logged.
func (t *Telemetry) setUpTracing(ctx context.Context, opts Options, res *resource.Resource) error {
	wanted, err := tracesWanted(opts.Env)
	if err != nil {
		return fmt.Errorf("set up tracing: %w", err)
	}

	var procs []sdktrace.TracerProviderOption
	if opts.SpanExporter != nil {
		procs = append(procs, sdktrace.WithSyncer(opts.SpanExporter))
	}
	if wanted {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return fmt.Errorf("set up tracing: %w", err)
		}
		procs = append(procs, sdktrace.WithBatcher(exp))
	}
	if len(procs) == 0 {
		t.tracerProvider = noop.NewTracerProvider()
		return nil
	}

	// The sampler is the SDK's default unless OTEL_TRACES_SAMPLER says
	// otherwise: parent-based, so a caller's sampling decision holds.
	tp := sdktrace.NewTracerProvider(append(procs, sdktrace.WithResource(res))...)
	t.tracerProvider = tp
	t.shutdown = append(t.shutdown, tp.Shutdown)
	return nil
}

// tracesWanted reports whether the OTEL_* variables ask for traces to be
// exported. An OTLP endpoint, or OTEL_TRACES_EXPORTER=otlp, turns tracing
// on; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keeps it off,
// and so does setting nothing. What Lattice cannot export is an error.
func tracesWanted(env func(string) (string, bool)) (bool, error) {
	if env == nil {
		return false, nil
	}
	get := func(key string) string {
		v, _ := env(key)
		return strings.TrimSpace(v)
	}

	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") {
		return false, nil
	}
	switch exporter := strings.ToLower(get("OTEL_TRACES_EXPORTER")); exporter {
	case "none":
		return false, nil
	case "otlp":
		return true, checkProtocol(get)
	case "":
	default:
		return false, fmt.Errorf(
			"OTEL_TRACES_EXPORTER=%q is not supported; use otlp or none", exporter)
	}

	if get("OTEL_EXPORTER_OTLP_ENDPOINT") == "" &&
		get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return false, nil
	}
	return true, checkProtocol(get)
}

// checkProtocol refuses an OTLP protocol other than http/protobuf, the
// only one Lattice's exporter speaks.
func checkProtocol(get func(string) string) error {
	key := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	p := get(key)
	if p == "" {
		key = "OTEL_EXPORTER_OTLP_PROTOCOL"
		p = get(key)
	}
	if p != "" && p != "http/protobuf" {
		return fmt.Errorf("%s=%q is not supported; use http/protobuf", key, p)
	}
	return nil
}

// newResource describes the process: its service name, overridden by
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, and the SDK's own.
func newResource(ctx context.Context, service string) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("describe service: %w", err)
	}
	return res, nil
}

// newMeterProvider is an OpenTelemetry meter provider whose metrics are
// collected into reg at each scrape. Scope labels are left out: every
// series would carry the instrumentation library's name and version.
func newMeterProvider(reg prometheus.Registerer, res *resource.Resource) (*sdkmetric.MeterProvider, error) {
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithoutScopeInfo(),
	)
	if err != nil {
		return nil, fmt.Errorf("create prometheus exporter: %w", err)
	}
	return sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exp),
		sdkmetric.WithResource(res),
	), nil
}
