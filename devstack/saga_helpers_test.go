package devstack_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/workflows"
)

// cancelCase is a fresh sandbox fixture: the cancel request for it and
// the records it names at the source and at Equinix.
type cancelCase struct {
	body    []byte
	req     *crossconnect.Request
	id      string // transaction id
	iaID    string
	orderID string
	lineID  string
}

// newCase makes a fixture at source ("ZOH" or "ONS").
func newCase(t testing.TB, source string) cancelCase {
	t.Helper()
	body := fixture(t, source)
	req, err := crossconnect.Decode(body)
	require.NoError(t, err)

	order, ok := stack.Sandbox.EquinixOrderByReference(req.IAID)
	require.True(t, ok, "no order for adjustment %s", req.IAID)
	require.Len(t, order.Details, 1)
	return cancelCase{
		body:    body,
		req:     req,
		id:      crossconnect.TransactionID(req),
		iaID:    req.IAID,
		orderID: order.OrderID,
		lineID:  order.Details[0].LineID,
	}
}

// note is what the case's adjustment says now: Zoho's description or
// NetSuite's memo.
func (c cancelCase) note(t testing.TB) string {
	t.Helper()
	var rec map[string]any
	var ok bool
	field := "description"
	if c.req.Source == crossconnect.NetSuite {
		rec, ok = stack.Sandbox.NetSuiteAdjustment(c.iaID)
		field = "memo"
	} else {
		rec, ok = stack.Sandbox.ZohoAdjustment(c.iaID)
	}
	require.True(t, ok, "no adjustment %s", c.iaID)
	s, _ := rec[field].(string)
	return s
}

// line is the note the transaction writes in state st.
func (c cancelCase) line(st crossconnect.State, msg string) string {
	return crossconnect.Note(c.id, st, msg)
}

// vendor is the sandbox vendor name of the case's source.
func (c cancelCase) vendor() string {
	if c.req.Source == crossconnect.NetSuite {
		return "netsuite"
	}
	return "zoho"
}

// fault arms f scoped to the record its operation names: the case's
// order at Equinix, its adjustment at the source. The fault is dropped
// when the test ends.
func (c cancelCase) fault(t testing.TB, f sandbox.Fault) {
	t.Helper()
	f.Record = c.orderID
	if f.Vendor != "equinix" {
		f.Record = c.iaID
	}
	require.NoError(t, stack.Sandbox.AddFault(f))
	t.Cleanup(func() { stack.Sandbox.ClearFaultsOn(f.Record) })
}

// clearFaults drops the case's faults at once.
func (c cancelCase) clearFaults() {
	stack.Sandbox.ClearFaultsOn(c.orderID)
	stack.Sandbox.ClearFaultsOn(c.iaID)
}

// calls counts the calls of op on the case's record of vendor.
func (c cancelCase) calls(vendor, op string) int {
	if vendor == "equinix" {
		return stack.Sandbox.CallsOn(vendor, op, c.orderID)
	}
	return stack.Sandbox.CallsOn(vendor, op, c.iaID)
}

// start starts the case's workflow on queue directly, as the API would
// but with settings of the test's own.
func (c cancelCase) start(t testing.TB, queue string, set workflows.Settings) client.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	opts := client.StartWorkflowOptions{
		ID:                    c.id,
		TaskQueue:             queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}
	in := workflows.Input{
		TransactionID: c.id,
		Request:       *c.req,
		ReceivedAt:    time.Now().UTC(),
		Settings:      set,
	}
	run, err := stack.Client.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, in)
	require.NoError(t, err)
	return run
}

// query asks a running transaction for its view.
func query(t testing.TB, id string) crossconnect.Transaction {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	res, err := stack.Client.QueryWorkflow(ctx, id, "", workflows.QueryTransaction)
	require.NoError(t, err)
	var tx crossconnect.Transaction
	require.NoError(t, res.Get(&tx))
	return tx
}

// awaitQueried polls the transaction's query until it reaches want.
func awaitQueried(
	t testing.TB, id string, want crossconnect.State, timeout time.Duration,
) crossconnect.Transaction {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tx := query(t, id)
		if tx.State == want {
			return tx
		}
		if time.Now().After(deadline) {
			t.Fatalf("transaction still %s after %s, want %s", tx.State, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// result waits for the run (and the runs it continued as) to end and
// returns the final transaction, whether it completed or failed.
func result(t testing.TB, run client.WorkflowRun, timeout time.Duration) crossconnect.Transaction {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	var tx crossconnect.Transaction
	err := run.Get(ctx, &tx)
	switch {
	case err == nil:
		return tx
	case temporal.IsCanceledError(err):
		// A cancelled run returns no transaction; its query still answers.
		return query(t, run.GetID())
	}
	failed, ok := failedTransaction(err)
	require.True(t, ok, "run ended with %v", err)
	return failed
}

// failedTransaction is the transaction a failed run carries in its error.
func failedTransaction(err error) (crossconnect.Transaction, bool) {
	var app *temporal.ApplicationError
	var tx crossconnect.Transaction
	if !errors.As(err, &app) || app.Type() != "TransactionFailed" {
		return tx, false
	}
	return tx, app.Details(&tx) == nil
}

// signal sends an operator's decision the way the Temporal UI does.
func signal(t testing.TB, id, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, stack.Client.SignalWorkflow(ctx, id, "", name, nil))
}

// history reads one run's whole history.
func history(t testing.TB, id, runID string) *historypb.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	it := stack.Client.GetWorkflowHistory(ctx, id, runID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	return h
}

// itemStates lists each item's status code.
func itemStates(tx crossconnect.Transaction) []int {
	out := make([]int, 0, len(tx.Items))
	for _, it := range tx.Items {
		out = append(out, it.Status)
	}
	return out
}

// statesOf lists the states a transaction went through.
func statesOf(tx crossconnect.Transaction) []crossconnect.State {
	out := make([]crossconnect.State, 0, len(tx.Events))
	for _, e := range tx.Events {
		out = append(out, e.State)
	}
	return out
}
