package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
)

// retrying is how one call to a vendor is retried. Each call site spells
// its own out, with the reason for its numbers. Transient errors are
// retried on this backoff, or no sooner than a 429's own delay, until the
// step's budget (Settings.StepBudget) runs out and the transaction needs
// attention.
type retrying struct {
	attempt   time.Duration // one try, from start to close
	heartbeat time.Duration // longest silence of a running try; 0 for none
	first     time.Duration // first wait between tries; each doubles
	most      time.Duration // longest wait between tries
	final     []string      // error types no retry can fix
}

// Error types a call to the source (Zoho, NetSuite) ends with for good.
var sourceFinal = []string{
	activities.ErrNotFound,
	activities.ErrItemNotOnAdjustment,
	activities.ErrCredentials,
	activities.ErrRejected,
}

// Error types a call to Equinix ends with for good.
var equinixFinal = []string{
	activities.ErrNotFound,
	activities.ErrNotCancellable,
	activities.ErrCredentials,
	activities.ErrRejected,
}

// within returns ctx with r as its activity options and the step's budget
// as the overall bound.
func (s *saga) within(ctx workflow.Context, r retrying) workflow.Context {
	return withRetrying(ctx, r, s.set.StepBudget)
}

func withRetrying(ctx workflow.Context, r retrying, budget time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    r.attempt,
		ScheduleToCloseTimeout: budget,
		HeartbeatTimeout:       r.heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        r.first,
			BackoffCoefficient:     2,
			MaximumInterval:        r.most,
			NonRetryableErrorTypes: r.final,
		},
	})
}

// sourceRetrying is how calls to the transaction's source are retried.
// Zoho counts requests per minute per organisation, so backing off
// towards a minute lets the window pass. NetSuite limits concurrent
// requests per account, a limit that frees as soon as any request ends,
// so it is tried again soon. A call is one or two small requests: 30 s
// is ample for an attempt.
func (s *saga) sourceRetrying() retrying {
	if s.tx.Source == crossconnect.NetSuite {
		return retrying{attempt: 30 * time.Second, first: 250 * time.Millisecond,
			most: 30 * time.Second, final: sourceFinal}
	}
	return retrying{attempt: 30 * time.Second, first: 2 * time.Second,
		most: time.Minute, final: sourceFinal}
}
