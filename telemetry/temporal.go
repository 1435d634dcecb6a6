package telemetry

import (
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/workflows"
)

// ClientOptions returns opts with Lattice's Temporal instrumentation
// added. Workers built on the client inherit it, so both processes get:
//
//   - tracing: StartWorkflow joins the inbound request's trace, and the
//     workflow and each activity join the trace of the start;
//   - the SDK's own metrics, in the Prometheus registry;
//   - the transaction metrics, counted as workflows start and finish, and
//     the transaction's ids on the workflow's span, so a trace viewer
//     finds the trace by IA id.
func (t *Telemetry) ClientOptions(opts client.Options) (client.Options, error) {
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.tracerProvider.Tracer("go.temporal.io/sdk"),
		TextMapPropagator: t.propagator,
	})
	if err != nil {
		return opts, fmt.Errorf("create tracing interceptor: %w", err)
	}

	opts.Interceptors = append(opts.Interceptors, tracing, &transactionTelemetry{})
	opts.MetricsHandler = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter: t.meterProvider.Meter("go.temporal.io/sdk"),
		// Counters are exported as Prometheus counters (_total), not as
		// gauges that could go down.
		UseMonotonicCounters: true,
		OnError: func(err error) {
			t.logger.Warn("Temporal metric not recorded", "error", err)
		},
	})
	return opts, nil
}

// Transaction metric names, as the SDK's metrics handler takes them; the
// Prometheus exporter adds _total.
const (
	metricStarted  = "lattice_transactions_started"
	metricFinished = "lattice_transactions_finished"
)

// Transaction outcomes, the outcome label of lattice_transactions_finished.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
)

// transactionTelemetry counts transactions as their workflows start and
// finish, and names them on the workflow's span. It records through the
// workflow's metrics handler, which records nothing while a workflow
// replays, so a transaction is counted once however often a worker
// rebuilds it.
type transactionTelemetry struct {
	interceptor.InterceptorBase
}

func (m *transactionTelemetry) InterceptWorkflow(
	ctx workflow.Context, next interceptor.WorkflowInboundInterceptor,
) interceptor.WorkflowInboundInterceptor {
	if workflow.GetInfo(ctx).WorkflowType.Name != workflows.WorkflowName {
		return next
	}
	return &transactionInbound{
		WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next},
	}
}

type transactionInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (i *transactionInbound) ExecuteWorkflow(
	ctx workflow.Context, in *interceptor.ExecuteWorkflowInput,
) (any, error) {
	tags := transactionTags(ctx)
	metrics := workflow.GetMetricsHandler(ctx).WithTags(tags)
	nameOnSpan(ctx, tags)

	// A run continued from an earlier one is the same transaction.
	if workflow.GetInfo(ctx).ContinuedExecutionRunID == "" {
		metrics.Counter(metricStarted).Inc(1)
	}

	result, err := i.Next.ExecuteWorkflow(ctx, in)
	if !workflow.IsContinueAsNewError(err) {
		metrics.WithTags(map[string]string{"outcome": outcomeOf(err)}).
			Counter(metricFinished).Inc(1)
	}
	return result, err
}

// transactionTags are the source and destination the starter put in the
// transaction's search attributes.
func transactionTags(ctx workflow.Context) map[string]string {
	attrs := workflow.GetTypedSearchAttributes(ctx)
	source, _ := attrs.GetKeyword(workflows.AttrSource)
	destination, _ := attrs.GetKeyword(workflows.AttrDestination)
	return map[string]string{"source": source, "destination": destination}
}

// nameOnSpan puts the transaction's ids on the span of the workflow run,
// which the tracing interceptor, earlier in the chain, has started.
func nameOnSpan(ctx workflow.Context, tags map[string]string) {
	span, ok := temporalotel.SpanFromWorkflowContext(ctx)
	if !ok {
		return
	}
	iaID, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(workflows.AttrIAID)
	span.SetAttributes(
		attribute.String("lattice.transaction_id", workflow.GetInfo(ctx).WorkflowExecution.ID),
		attribute.String("lattice.ia_id", iaID),
		attribute.String("lattice.source", tags["source"]),
		attribute.String("lattice.destination", tags["destination"]),
	)
}

func outcomeOf(err error) string {
	switch {
	case err == nil:
		return OutcomeCompleted
	case temporal.IsCanceledError(err):
		return OutcomeCancelled
	}
	return OutcomeFailed
}
