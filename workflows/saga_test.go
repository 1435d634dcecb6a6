package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

const testOrder, testLine = "1-23232322", "1-D89731S"

// notes records what the saga writes on the adjustment.
type notes struct {
	mu  sync.Mutex
	all []string
}

func (n *notes) set(_ context.Context, in activities.NoteInput) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, in.Note)
	return nil
}

func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.all...)
}

// validated mocks a validation that passes and a note writer that keeps
// what it is given.
func validated(env *testsuite.TestWorkflowEnvironment) *notes {
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).
		Return(activities.FetchResult{Note: "Cross connect CC-4077"}, nil)
	env.OnActivity(acts.ResolveOrder, mock.Anything, mock.Anything).
		Return(activities.ResolveResult{
			OrderID: testOrder,
			Lines:   map[string]string{"4182712000000084077": testLine},
		}, nil)
	n := &notes{}
	env.OnActivity(acts.SetNote, mock.Anything, mock.Anything).Return(n.set)
	return n
}

var unavailable = temporal.NewApplicationError(
	"equinix cancel: status 503: Service Unavailable", activities.ErrTransient)

// failed is the transaction a failed run carries.
func failed(t *testing.T, env *testsuite.TestWorkflowEnvironment) crossconnect.Transaction {
	t.Helper()
	var app *temporal.ApplicationError
	err := env.GetWorkflowError()
	require.True(t, errors.As(err, &app), "err %v", err)
	require.Equal(t, "TransactionFailed", app.Type())
	var tx crossconnect.Transaction
	require.NoError(t, app.Details(&tx))
	return tx
}

// Guards a cancelled workflow being reported as abandoned by an operator:
// cancelled while it waits for one, it compensates and ends cancelled.
func TestCancelledWhileNeedingAttention(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.Settings.StepBudget = time.Minute
	n := validated(env)
	env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).
		Return(activities.CancelResult{}, unavailable)
	var seen crossconnect.State
	env.RegisterDelayedCallback(func() {
		res, err := env.QueryWorkflow(workflows.QueryTransaction)
		require.NoError(t, err)
		var tx crossconnect.Transaction
		require.NoError(t, res.Get(&tx))
		seen = tx.State
		env.CancelWorkflow()
	}, time.Hour)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	assert.Equal(t, crossconnect.StateNeedsAttention, seen)
	err := env.GetWorkflowError()
	require.True(t, temporal.IsCanceledError(err), "err %v", err)
	res, err := env.QueryWorkflow(workflows.QueryTransaction)
	require.NoError(t, err)
	var tx crossconnect.Transaction
	require.NoError(t, res.Get(&tx))
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Equal(t, "the workflow was cancelled after: "+
		"equinix cancel: status 503: Service Unavailable", tx.Reason)
	assert.Equal(t, crossconnect.ItemFailed, tx.Items[0].Status)

	line := "Lattice " + in.TransactionID + ": "
	assert.Equal(t, []string{
		"Cross connect CC-4077\n" + line + "cancelling: cancel in progress at EQX",
		"Cross connect CC-4077",
		"Cross connect CC-4077\n" + line + "failed: " + tx.Reason,
	}, n.list(), "restored, then the failure written")
}

// Guards the loss of an abandon that arrives while the last poll before a
// continue-as-new runs: the new run would never see it.
func TestAbandonDuringThePollBeforeContinueAsNew(t *testing.T) {
	env := newEnv(t)
	in := input()
	env.SetCurrentHistoryLength(workflows.DefaultHistoryLimit + 1)
	n := validated(env)
	env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).
		Return(activities.CancelResult{}, nil)
	env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).
		After(10*time.Second).Return(activities.CheckResult{OrderStatus: "RECEIVED"}, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAbandon, nil)
	}, 5*time.Second)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	assert.False(t, workflow.IsContinueAsNewError(env.GetWorkflowError()), "the abandon was lost")
	tx := failed(t, env)
	assert.Equal(t, "abandoned by an operator; EQX had already accepted the cancel of line "+
		testLine, tx.Reason)
	assert.Contains(t, n.list()[len(n.list())-1], ": failed: abandoned by an operator")
}

// Guards the heartbeat timeout the cancel runs with: it is the setting,
// so a lost worker is noticed as soon as the operator chose.
func TestCancelCallHeartbeatsWithTheSetting(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.Settings.HeartbeatTimeout = 7 * time.Second
	validated(env)
	var info activity.Info
	env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ activities.CancelInput) (activities.CancelResult, error) {
			info = activity.GetInfo(ctx)
			return activities.CancelResult{}, nil
		})
	env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).Return(
		activities.CheckResult{OrderStatus: "CANCELLED", Confirmed: []string{testLine}}, nil)

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 7*time.Second, info.HeartbeatTimeout)
	assert.Equal(t, time.Minute, info.StartToCloseTimeout)
}

// Runs started before a change replay without it: to them GetVersion
// answers DefaultVersion, and they must decide as they did. The change ids
// are spelled out because they are part of every recorded history.
func TestRunsFromBeforeAChangeKeepTheOldBehaviour(t *testing.T) {
	t.Run("cancelled while waiting fails as abandoned", func(t *testing.T) {
		env := newEnv(t)
		env.OnGetVersion("cancel-while-waiting-for-operator", workflow.DefaultVersion, 1).
			Return(workflow.DefaultVersion)
		in := input()
		in.Settings.StepBudget = time.Minute
		validated(env)
		env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).
			Return(activities.CancelResult{}, unavailable)
		env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)

		env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

		tx := failed(t, env)
		assert.Contains(t, tx.Reason, "abandoned by an operator after: ")
	})
	t.Run("an abandon during the last poll is lost", func(t *testing.T) {
		env := newEnv(t)
		env.OnGetVersion("abandon-before-continue-as-new", workflow.DefaultVersion, 1).
			Return(workflow.DefaultVersion)
		env.SetCurrentHistoryLength(workflows.DefaultHistoryLimit + 1)
		validated(env)
		env.OnActivity(acts.CancelLine, mock.Anything, mock.Anything).
			Return(activities.CancelResult{}, nil)
		env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).
			After(10*time.Second).Return(activities.CheckResult{OrderStatus: "RECEIVED"}, nil)
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(workflows.SignalAbandon, nil)
		}, 5*time.Second)

		env.ExecuteWorkflow(workflows.CancelCrossConnect, input())

		assert.True(t, workflow.IsContinueAsNewError(env.GetWorkflowError()))
	})
}
