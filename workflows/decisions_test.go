package workflows_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

// findingFails is the error finding the order meets until an operator
// retries.
var findingFails = temporal.NewApplicationError(
	"equinix find_order: status 503: Service Unavailable", activities.ErrTransient)

// stuckFinding mocks a transaction that needs attention while finding the
// order: the search fails until retried is set, then succeeds, after
// slow of the workflow's time. The cancel and the polls succeed, so a run
// that gets past the decision cancels the line.
type stuckFinding struct {
	retried  atomic.Bool
	resolves atomic.Int32
	cancels  atomic.Int32
	notes    *notes
}

func newStuckFinding(env *testsuite.TestWorkflowEnvironment, slow time.Duration) *stuckFinding {
	s := &stuckFinding{notes: &notes{}}
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).
		Return(activities.FetchResult{Note: "Cross connect CC-4077"}, nil)
	env.OnActivity(acts.ResolveOrder, mock.Anything, mock.Anything).
		AfterFn(func() time.Duration {
			if s.retried.Load() {
				return slow
			}
			return 0
		}).
		Return(func(context.Context, activities.ResolveInput) (activities.ResolveResult, error) {
			s.resolves.Add(1)
			if !s.retried.Load() {
				return activities.ResolveResult{}, findingFails
			}
			return activities.ResolveResult{
				OrderID: testOrder,
				Lines:   map[string]string{"4182712000000084077": testLine},
			}, nil
		})
	env.OnActivity(acts.SetNote, mock.Anything, mock.Anything).Return(s.notes.set)
	env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CancelInput) (activities.CancelResult, error) {
			s.cancels.Add(1)
			return activities.CancelResult{}, nil
		})
	env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).
		Return(activities.CheckResult{OrderStatus: "RECEIVED"}, nil)
	return s
}

// retry sends an operator's retry, and lets the search succeed from then.
func (s *stuckFinding) retry(env *testsuite.TestWorkflowEnvironment, alongside bool) {
	s.retried.Store(true)
	if alongside {
		// Delivered in one batch with the signal sent next.
		env.SignalWorkflowSkippingWorkflowTask(workflows.SignalRetry, nil)
		return
	}
	env.SignalWorkflow(workflows.SignalRetry, nil)
}

// stuckInput gives a step a minute of retries before it needs attention.
func stuckInput() workflows.Input {
	in := input()
	in.Settings.StepBudget = time.Minute
	return in
}

func messagesOf(tx crossconnect.Transaction) []string {
	out := make([]string, 0, len(tx.Events))
	for _, e := range tx.Events {
		out = append(out, e.Message)
	}
	return out
}

// Guards two operators deciding at once: the retry was taken, the line
// cancelled at Equinix, and the abandon applied only afterwards.
func TestAbandonSentWithARetryWins(t *testing.T) {
	env := newEnv(t)
	in := stuckInput()
	s := newStuckFinding(env, 0)
	var before int32
	env.RegisterDelayedCallback(func() {
		before = s.resolves.Load()
		s.retry(env, true)
		env.SignalWorkflow(workflows.SignalAbandon, nil)
	}, time.Hour)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	tx := failed(t, env)
	assert.Equal(t, "abandoned by an operator after: "+
		"equinix find_order: status 503: Service Unavailable", tx.Reason)
	assert.Zero(t, s.cancels.Load(), "a line was cancelled")
	assert.Equal(t, before, s.resolves.Load(), "the retry ran")
	assert.NotContains(t, messagesOf(tx), "operator asked to retry finding the order")
	assert.Equal(t, []string{
		"Cross connect CC-4077\nLattice " + in.TransactionID + ": failed: " + tx.Reason,
	}, s.notes.list(), "only the failure written: nothing was marked")
}

// Guards an abandon that arrives while the retried step runs: it used to
// wait for the line's cancel, which Equinix never takes back.
func TestAbandonAfterARetryStopsTheCancel(t *testing.T) {
	env := newEnv(t)
	in := stuckInput()
	s := newStuckFinding(env, 10*time.Second)
	env.RegisterDelayedCallback(func() { s.retry(env, false) }, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAbandon, nil)
	}, time.Hour+5*time.Second)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	tx := failed(t, env)
	assert.Equal(t, "abandoned by an operator", tx.Reason)
	assert.Zero(t, s.cancels.Load(), "a line was cancelled")
	assert.Contains(t, messagesOf(tx), "operator asked to retry finding the order")
	assert.Equal(t, testLine, tx.Items[0].LineID, "the retried search found the line")

	line := "Lattice " + in.TransactionID + ": "
	assert.Equal(t, []string{
		"Cross connect CC-4077\n" + line + "cancelling: cancel in progress at EQX",
		"Cross connect CC-4077",
		"Cross connect CC-4077\n" + line + "failed: abandoned by an operator",
	}, s.notes.list(), "marked, restored, then the failure written")
}

// An abandon that arrives while the first of two lines is being cancelled
// keeps the second from being sent; the first is reported as accepted.
func TestAbandonBetweenTwoLinesStopsTheSecond(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.Request.Items = append(in.Request.Items,
		crossconnect.Item{ID: "4182712000000084078", Name: "Cross Connect"})
	in.TransactionID = crossconnect.TransactionID(&in.Request)
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).
		Return(activities.FetchResult{Note: "Cross connect CC-4077"}, nil)
	env.OnActivity(acts.ResolveOrder, mock.Anything, mock.Anything).
		Return(activities.ResolveResult{OrderID: testOrder, Lines: map[string]string{
			"4182712000000084077": testLine, "4182712000000084078": "1-D89732S",
		}}, nil)
	n := &notes{}
	env.OnActivity(acts.SetNote, mock.Anything, mock.Anything).Return(n.set)
	var mu sync.Mutex
	var cancelled []string
	env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).After(10 * time.Second).
		Return(func(_ context.Context, c activities.CancelInput) (activities.CancelResult, error) {
			mu.Lock()
			defer mu.Unlock()
			cancelled = append(cancelled, c.LineID)
			return activities.CancelResult{}, nil
		})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAbandon, nil)
	}, 5*time.Second)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	tx := failed(t, env)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{testLine}, cancelled)
	assert.Equal(t, "abandoned by an operator; EQX had already accepted the cancel of line "+
		testLine, tx.Reason)
	assert.Contains(t, n.list()[len(n.list())-1], ": failed: "+tx.Reason)
}

// Guards the missing failure note: the adjustment was found, only an item
// was not on it, so the failure is written under what it said.
func TestMissingItemFailsWithTheNoteWritten(t *testing.T) {
	env := newEnv(t)
	in := input()
	missingItem(env)
	var written []activities.NoteInput
	env.OnActivity(acts.SetNote, mock.Anything, mock.Anything).Return(
		func(_ context.Context, n activities.NoteInput) error {
			written = append(written, n)
			return nil
		})

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	tx := failed(t, env)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Equal(t, missingReason, tx.Reason)
	assert.Equal(t, crossconnect.ItemFailed, tx.Items[0].Status)
	assert.Equal(t, []activities.NoteInput{{
		TransactionID: in.TransactionID,
		Source:        crossconnect.Zoho,
		IAID:          in.Request.IAID,
		Note: "Cross connect CC-4077\nLattice " + in.TransactionID +
			": failed: " + missingReason,
	}}, written)
	env.AssertNotCalled(t, "ResolveOrder", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "CancelLine", mock.Anything, mock.Anything)
}

const missingReason = "adjustment 4182712000000183000 does not hold item 4182712000000084077"

// missingItem mocks a read that finds the adjustment but not the item,
// as FetchAdjustment reports it: the note in the error's details.
func missingItem(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).Return(
		activities.FetchResult{},
		temporal.NewNonRetryableApplicationError(missingReason,
			activities.ErrItemNotOnAdjustment, nil,
			activities.FetchResult{Note: "Cross connect CC-4077"})).Once()
}

// Runs started before these changes replay without them: GetVersion
// answers DefaultVersion to them. The change ids are spelled out because
// they are part of every recorded history.
func TestRunsFromBeforeTheDecisionAndNoteChanges(t *testing.T) {
	old := func(env *testsuite.TestWorkflowEnvironment, ids ...string) {
		for _, id := range ids {
			env.OnGetVersion(id, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		}
	}

	t.Run("a missing item writes no note", func(t *testing.T) {
		env := newEnv(t)
		old(env, "failure-note-on-missing-item")
		missingItem(env)

		env.ExecuteWorkflow(workflows.CancelCrossConnect, input())

		tx := failed(t, env)
		assert.Equal(t, missingReason, tx.Reason)
		env.AssertNotCalled(t, "SetNote", mock.Anything, mock.Anything)
	})
	t.Run("a retry sent with an abandon is taken", func(t *testing.T) {
		env := newEnv(t)
		old(env, "abandon-wins-over-retry", "abandon-before-line-cancel")
		s := newStuckFinding(env, 0)
		env.RegisterDelayedCallback(func() {
			s.retry(env, true)
			env.SignalWorkflow(workflows.SignalAbandon, nil)
		}, time.Hour)

		env.ExecuteWorkflow(workflows.CancelCrossConnect, stuckInput())

		tx := failed(t, env)
		assert.Equal(t, int32(1), s.cancels.Load())
		assert.Equal(t, "abandoned by an operator; EQX had already accepted the cancel of line "+
			testLine, tx.Reason)
	})
	t.Run("an abandon after a retry waits for the cancel", func(t *testing.T) {
		env := newEnv(t)
		old(env, "abandon-before-line-cancel")
		s := newStuckFinding(env, 10*time.Second)
		env.RegisterDelayedCallback(func() { s.retry(env, false) }, time.Hour)
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(workflows.SignalAbandon, nil)
		}, time.Hour+5*time.Second)

		env.ExecuteWorkflow(workflows.CancelCrossConnect, stuckInput())

		tx := failed(t, env)
		assert.Equal(t, int32(1), s.cancels.Load())
		assert.Contains(t, tx.Reason, "EQX had already accepted the cancel of line "+testLine)
	})
}
