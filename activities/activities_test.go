package activities_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/equinix"
)

const orderID, lineID = "1-23232322", "1-D89731S"

// fakeEquinix is one order with one line. Its cancel can fail, be slow,
// or land although it fails, as Equinix's can.
type fakeEquinix struct {
	mu          sync.Mutex
	lineStatus  string
	cancelErr   error
	cancelDelay time.Duration
	landAnyway  bool // the cancel changes the line even when it fails
	cancels     int
}

func (f *fakeEquinix) GetOrder(context.Context, string) (equinix.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return equinix.Order{
		ID: orderID, Status: "RECEIVED", Cancellable: true,
		Lines: []equinix.Line{{ID: lineID, Status: f.lineStatus, Cancellable: true,
			ProductType: equinix.ProductCrossConnect}},
	}, nil
}

func (f *fakeEquinix) FindOrderByReference(ctx context.Context, _ string) (equinix.Order, error) {
	return f.GetOrder(ctx, orderID)
}

func (f *fakeEquinix) CancelLine(ctx context.Context, _, _, _ string) error {
	select {
	case <-time.After(f.cancelDelay):
	case <-ctx.Done():
		return ctx.Err()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels++
	if f.cancelErr == nil || f.landAnyway {
		f.lineStatus = equinix.LineCancellationRequested
	}
	return f.cancelErr
}

func cancelInput() activities.CancelInput {
	return activities.CancelInput{TransactionID: "t1", OrderID: orderID, LineID: lineID,
		Reason: "no longer needed"}
}

func runCancel(t *testing.T, eq *fakeEquinix) (activities.CancelResult, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	a := &activities.Activities{Equinix: eq}
	env.RegisterActivity(a)

	val, err := env.ExecuteActivity(a.CancelLine, cancelInput())
	var res activities.CancelResult
	if err == nil {
		require.NoError(t, val.Get(&res))
	}
	return res, err
}

// Guards against a second cancel of a line whose first cancel landed.
func TestCancelLineSkipsALineAlreadyCancelled(t *testing.T) {
	for _, status := range []string{"CANCELLATION_REQUESTED", "CANCELLED"} {
		eq := &fakeEquinix{lineStatus: status}
		res, err := runCancel(t, eq)
		require.NoError(t, err)
		assert.True(t, res.AlreadyCancelled, status)
		assert.Zero(t, eq.cancels, status)
	}
}

func TestCancelLineSendsOneCancel(t *testing.T) {
	eq := &fakeEquinix{lineStatus: "SUBMITTED"}
	res, err := runCancel(t, eq)
	require.NoError(t, err)
	assert.False(t, res.AlreadyCancelled)
	assert.Equal(t, 1, eq.cancels)
}

// A refusal because another attempt got there first is success.
func TestCancelLineRefusedButLandedIsDone(t *testing.T) {
	eq := &fakeEquinix{lineStatus: "SUBMITTED", landAnyway: true,
		cancelErr: &vendors.Error{Vendor: "equinix", Op: "cancel", Kind: vendors.Rejected,
			Status: 409, Message: "Line is already CANCELLATION_REQUESTED"}}
	res, err := runCancel(t, eq)
	require.NoError(t, err)
	assert.True(t, res.AlreadyCancelled)
}

func TestCancelLineClassifiesVendorErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        *vendors.Error
		typ        string
		retryable  bool
		retryAfter time.Duration
	}{
		{"503", &vendors.Error{Kind: vendors.Transient, Status: 503,
			Message: "Service Unavailable"},
			activities.ErrTransient, true, 0},
		{"429 with Retry-After", &vendors.Error{Kind: vendors.Transient, Status: 429,
			Message: "Too Many Requests", RetryAfter: 3 * time.Second},
			activities.ErrTransient, true, 3 * time.Second},
		{"dropped connection", &vendors.Error{Kind: vendors.Transient, Message: "EOF"},
			activities.ErrTransient, true, 0},
		{"credentials", &vendors.Error{Kind: vendors.Credentials, Status: 401,
			Code: "invalid_client", Message: "Invalid client"},
			activities.ErrCredentials, false, 0},
		{"other 4xx", &vendors.Error{Kind: vendors.Rejected, Status: 400, Code: "EQ-2010010",
			Message: "Invalid properties: reason too short"},
			activities.ErrRejected, false, 0},
		{"not found", &vendors.Error{Kind: vendors.NotFound, Status: 404, Code: "EQ-2014005",
			Message: "Order not found"},
			activities.ErrNotFound, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.err.Vendor, tc.err.Op = "equinix", "cancel"
			_, err := runCancel(t, &fakeEquinix{lineStatus: "SUBMITTED", cancelErr: tc.err})

			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app), "error %v", err)
			assert.Equal(t, tc.typ, app.Type())
			assert.Equal(t, !tc.retryable, app.NonRetryable())
			assert.Equal(t, tc.retryAfter, app.NextRetryDelay())
			assert.Contains(t, app.Message(), tc.err.Message, "the vendor's text is the reason")
		})
	}
}

// cancelWorkflow runs CancelLine with a heartbeat timeout, as the saga does.
func cancelWorkflow(
	ctx workflow.Context, heartbeat time.Duration,
) (activities.CancelResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    heartbeat,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var res activities.CancelResult
	err := workflow.ExecuteActivity(ctx, "CancelLine", cancelInput()).Get(ctx, &res)
	return res, err
}

// Guards a slow cancel being taken for a lost worker: the call outlasts
// three heartbeat timeouts and still succeeds, heartbeating meanwhile.
func TestCancelLineHeartbeatsThroughASlowCall(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	eq := &fakeEquinix{lineStatus: "SUBMITTED", cancelDelay: 600 * time.Millisecond}
	env.RegisterActivity(&activities.Activities{Equinix: eq})
	env.RegisterWorkflow(cancelWorkflow)
	var beats int
	var mu sync.Mutex
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		beats++
	})

	env.ExecuteWorkflow(cancelWorkflow, 200*time.Millisecond)

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 1, eq.cancels)
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, beats, 3)
}
