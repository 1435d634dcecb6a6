package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

// acts names the activities for mocking; it is never called.
var acts *activities.Activities

func input() workflows.Input {
	req := crossconnect.Request{
		Source:      crossconnect.Zoho,
		Destination: crossconnect.Equinix,
		IAID:        "4182712000000183000",
		Items:       []crossconnect.Item{{ID: "4182712000000084077", Name: "Cross Connect"}},
	}
	return workflows.Input{
		TransactionID: crossconnect.TransactionID(&req),
		Request:       req,
		ReceivedAt:    time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
	}
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.CancelCrossConnect)
	env.RegisterActivity(acts)
	return env
}

func TestHappyPath(t *testing.T) {
	env := newEnv(t)
	in := input()
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).
		Return(activities.FetchResult{Note: "Cross connect CC-4077"}, nil).Once()
	env.OnActivity(acts.ResolveOrder, mock.Anything, mock.Anything).
		Return(activities.ResolveResult{
			OrderID: "1-23232322",
			Lines:   map[string]string{"4182712000000084077": "1-D89731S"},
		}, nil).Once()
	var notes []string
	env.OnActivity(acts.SetNote, mock.Anything, mock.Anything).
		Return(func(_ context.Context, n activities.NoteInput) error {
			notes = append(notes, n.Note)
			return nil
		})
	env.OnActivity(acts.CancelLine, mock.Anything, mock.MatchedBy(func(c activities.CancelInput) bool {
		return c.OrderID == "1-23232322" && c.LineID == "1-D89731S"
	})).Return(activities.CancelResult{}, nil).Once()
	// Not yet confirmed at the first poll, confirmed at the second.
	env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).
		Return(activities.CheckResult{OrderStatus: "RECEIVED"}, nil).Once()
	env.OnActivity(acts.CheckOrder, mock.Anything, mock.Anything).
		Return(activities.CheckResult{OrderStatus: "CANCELLED", Confirmed: []string{"1-D89731S"}}, nil).Once()

	env.ExecuteWorkflow(workflows.CancelCrossConnect, in)

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var tx crossconnect.Transaction
	require.NoError(t, env.GetWorkflowResult(&tx))
	assert.Equal(t, crossconnect.StateCompleted, tx.State)
	assert.Equal(t, crossconnect.ItemCancelled, tx.Items[0].Status)
	assert.Equal(t, "1-D89731S", tx.Items[0].LineID)
	assert.Equal(t, []string{
		"Cross connect CC-4077\nLattice " + in.TransactionID + ": cancelling: cancel in progress at EQX",
		"Cross connect CC-4077\nLattice " + in.TransactionID + ": completed: cancelled at EQX order 1-23232322",
	}, notes)
	env.AssertExpectations(t)
}

// TestUnknownAdjustmentFails guards the validation path: a business
// failure is final, fails the transaction with its reason, and Equinix is
// never called.
func TestUnknownAdjustmentFails(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(acts.FetchAdjustment, mock.Anything, mock.Anything).Return(
		activities.FetchResult{},
		temporal.NewNonRetryableApplicationError(
			"zoho get_adjustment: status 404: 1002: Inventory adjustment does not exist.",
			activities.ErrNotFound, nil)).Once()

	env.ExecuteWorkflow(workflows.CancelCrossConnect, input())

	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "err %v", err)
	assert.Equal(t, "TransactionFailed", app.Type())
	var tx crossconnect.Transaction
	require.NoError(t, app.Details(&tx))
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Contains(t, tx.Reason, "Inventory adjustment does not exist")
	assert.Equal(t, crossconnect.ItemFailed, tx.Items[0].Status)
	assert.Contains(t, tx.Items[0].ErrorMessage, "does not exist")

	env.AssertNotCalled(t, "ResolveOrder", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "CancelLine", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "SetNote", mock.Anything, mock.Anything)
}
