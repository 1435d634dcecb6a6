// Package worker builds the Temporal worker that runs the cancel saga: the
// vendor clients from configuration, the activities that hold them, and
// the workflow, registered on the saga's task queue.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/vendors/equinix"
	"github.com/lattice/lattice/vendors/netsuite"
	"github.com/lattice/lattice/vendors/zoho"
	"github.com/lattice/lattice/workflows"
)

// Config is the worker's configuration. It is the only place vendor
// credentials live: they reach the activities through the clients, never
// the workflow input or history.
type Config struct {
	Equinix  equinix.Config
	Zoho     zoho.Config
	NetSuite netsuite.Config

	// Tuning; zero takes the Default values below.
	MaxConcurrentActivities    int
	MaxConcurrentWorkflowTasks int
	ActivityPollers            int
	WorkflowPollers            int
	// StopTimeout is how long Stop lets running activities finish before
	// it cancels them, and Temporal retries them elsewhere; zero cancels
	// them at once.
	StopTimeout time.Duration

	// HTTPClient carries vendor calls; nil uses each client's default.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// NewActivities builds the vendor clients and the activities that use them.
func NewActivities(cfg Config) *activities.Activities {
	return &activities.Activities{
		Sources: map[crossconnect.Source]activities.Source{
			crossconnect.Zoho:     zoho.New(cfg.Zoho, cfg.HTTPClient),
			crossconnect.NetSuite: netsuite.New(cfg.NetSuite, cfg.HTTPClient),
		},
		Equinix: equinix.New(cfg.Equinix, cfg.HTTPClient),
		Logger:  cfg.Logger,
	}
}

// New returns a worker for the saga's task queue, not yet started.
func New(c client.Client, cfg Config) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, Options(cfg))
	Register(w, NewActivities(cfg))
	return w
}

// Tuning defaults, for a Config that leaves a field zero. In the
// benchmarks (BENCHMARKS.md) the Temporal server limits a burst of cancels
// long before the worker does: 2 to 8 pollers, 10 to 1,000 activity slots
// and 8 to 1,000 workflow task slots ran it equally fast. So the pollers
// stay at the SDK's 2, each an idle long poll on the server, and the slots
// are capped well inside what ran at full speed; the cap also bounds how
// many calls one worker makes to the vendors at once, whose own limits are
// a handful to tens of concurrent calls, not the SDK's 1,000.
const (
	DefaultMaxConcurrentActivities    = 50
	DefaultMaxConcurrentWorkflowTasks = 50
	DefaultActivityPollers            = 2
	DefaultWorkflowPollers            = 2
)

// Options are the SDK worker options cfg's tuning asks for. The
// benchmarks give a bare baseline worker the same ones.
func Options(cfg Config) sdkworker.Options {
	orDefault := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return sdkworker.Options{
		MaxConcurrentActivityExecutionSize: orDefault(cfg.MaxConcurrentActivities,
			DefaultMaxConcurrentActivities),
		MaxConcurrentWorkflowTaskExecutionSize: orDefault(cfg.MaxConcurrentWorkflowTasks,
			DefaultMaxConcurrentWorkflowTasks),
		MaxConcurrentActivityTaskPollers: orDefault(cfg.ActivityPollers, DefaultActivityPollers),
		MaxConcurrentWorkflowTaskPollers: orDefault(cfg.WorkflowPollers, DefaultWorkflowPollers),
		WorkerStopTimeout:                cfg.StopTimeout,
	}
}

// Register registers the saga and its activities on r.
func Register(r sdkworker.Registry, a *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.CancelCrossConnect,
		workflow.RegisterOptions{Name: workflows.WorkflowName})
	r.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

// EnsureSearchAttributes registers the saga's custom search attributes in
// namespace, adding only those missing. It needs operator rights on the
// cluster; where they are lacking, register the attributes beforehand.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{
		Namespace: namespace,
	})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}

	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range workflows.SearchAttributeNames {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
