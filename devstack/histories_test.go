package devstack_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/workflows"
)

// recordDirEnv names a directory to write the recorded histories to; the
// replay test in workflows reads them from workflows/testdata.
const recordDirEnv = "LATTICE_RECORD_HISTORIES"

// historySettings keep every path short: a step gives up after 2 s.
var historySettings = workflows.Settings{
	PollInitial: 200 * time.Millisecond,
	PollMax:     time.Second,
	StepBudget:  2 * time.Second,
}

// historyPath drives one path of the saga to its end and returns the
// workflow id and the runs whose histories show it, first run first.
type historyPath func(t *testing.T) (string, []string)

// TestHistoriesOfEveryPathReplay runs each path of the saga, then replays
// the histories it left through a workflow replayer: the workflow code
// must make the same decisions again. With LATTICE_RECORD_HISTORIES set,
// the histories are also written there as JSON, which is how the files
// under workflows/testdata are made.
func TestHistoriesOfEveryPathReplay(t *testing.T) {
	dir := os.Getenv(recordDirEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))

	paths := map[string]historyPath{
		"completed":                       pathCompleted,
		"failed_validation":               pathFailedValidation,
		"compensated_after_final_error":   pathCompensated,
		"needs_attention_then_retry":      pathRetried,
		"needs_attention_then_abandon":    pathAbandoned,
		"continued_as_new":                pathContinuedAsNew,
		"cancelled_while_cancelling":      pathCancelledWhileCancelling,
		"cancelled_while_needs_attention": pathCancelledWhileWaiting,
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each path's faults are scoped to its own records
			id, runs := path(t)
			for i, runID := range runs {
				h := history(t, id, runID)
				replay(t, h)
				file := name + ".json"
				if i > 0 {
					file = fmt.Sprintf("%s_run%d.json", name, i+1)
				}
				write(t, filepath.Join(dir, file), h)
			}
		})
	}
}

func replay(t *testing.T, h *historypb.History) {
	t.Helper()
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.CancelCrossConnect,
		workflow.RegisterOptions{Name: workflows.WorkflowName})
	require.NoError(t, r.ReplayWorkflowHistory(quiet, h))
}

func write(t *testing.T, file string, h *historypb.History) {
	t.Helper()
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, append(b, '\n'), 0o644))
}

func pathCompleted(t *testing.T) (string, []string) {
	c := newCase(t, "ZOH")
	run := c.start(t, workflows.TaskQueue, historySettings)
	tx := result(t, run, 20*time.Second)
	assert.Equal(t, crossconnect.StateCompleted, tx.State)
	return c.id, []string{run.GetRunID()}
}

// pathFailedValidation asks for an item the adjustment does not hold.
func pathFailedValidation(t *testing.T) (string, []string) {
	c := newCase(t, "ZOH")
	c.req.Items[0].ID = "4182712999999999999"
	c.id = crossconnect.TransactionID(c.req)
	run := c.start(t, workflows.TaskQueue, historySettings)
	tx := result(t, run, 20*time.Second)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Contains(t, tx.Reason, "does not hold item")
	return c.id, []string{run.GetRunID()}
}

// pathCompensated meets a final refusal from Equinix after the adjustment
// was marked: the mark is undone and the failure written.
func pathCompensated(t *testing.T) (string, []string) {
	c := newCase(t, "ONS")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 400})
	run := c.start(t, workflows.TaskQueue, historySettings)
	tx := result(t, run, 20*time.Second)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Contains(t, statesOf(tx), crossconnect.StateCompensating)
	return c.id, []string{run.GetRunID()}
}

// stuck starts a case whose Equinix cancel keeps failing, and waits until
// it needs attention.
func stuck(t *testing.T, source string) (cancelCase, string) {
	c := newCase(t, source)
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 503, Times: 1000})
	run := c.start(t, workflows.TaskQueue, historySettings)
	awaitQueried(t, c.id, crossconnect.StateNeedsAttention, 20*time.Second)
	return c, run.GetRunID()
}

func pathRetried(t *testing.T) (string, []string) {
	c, runID := stuck(t, "ZOH")
	c.clearFaults()
	signal(t, c.id, workflows.SignalRetry)
	tx := result(t, stack.Client.GetWorkflow(t.Context(), c.id, runID), 20*time.Second)
	assert.Equal(t, crossconnect.StateCompleted, tx.State)
	return c.id, []string{runID}
}

func pathAbandoned(t *testing.T) (string, []string) {
	c, runID := stuck(t, "ONS")
	signal(t, c.id, workflows.SignalAbandon)
	tx := result(t, stack.Client.GetWorkflow(t.Context(), c.id, runID), 20*time.Second)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	return c.id, []string{runID}
}

func pathCancelledWhileWaiting(t *testing.T) (string, []string) {
	c, runID := stuck(t, "ZOH")
	require.NoError(t, stack.Client.CancelWorkflow(t.Context(), c.id, runID))
	tx := result(t, stack.Client.GetWorkflow(t.Context(), c.id, runID), 20*time.Second)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	return c.id, []string{runID}
}

func pathCancelledWhileCancelling(t *testing.T) (string, []string) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 503, Times: 1000})
	set := historySettings
	set.StepBudget = time.Minute
	run := c.start(t, workflows.TaskQueue, set)
	require.Eventually(t, func() bool { return c.calls("equinix", "cancel") >= 2 },
		10*time.Second, 20*time.Millisecond)
	require.NoError(t, stack.Client.CancelWorkflow(t.Context(), c.id, run.GetRunID()))
	tx := result(t, run, 20*time.Second)
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	return c.id, []string{run.GetRunID()}
}

// pathContinuedAsNew waits with a history limit so small that every poll
// that finds the line unconfirmed continues as new.
func pathContinuedAsNew(t *testing.T) (string, []string) {
	c := newCase(t, "ZOH")
	set := historySettings
	set.HistoryLimit = 1
	stack.Sandbox.SetConfirmDelay(c.orderID, 2*time.Second)
	run := c.start(t, workflows.TaskQueue, set)
	first := run.GetRunID() // Get follows the new runs and moves the run id
	tx := result(t, run, 20*time.Second)
	assert.Equal(t, crossconnect.StateCompleted, tx.State)

	desc, err := stack.Client.DescribeWorkflowExecution(t.Context(), c.id, "")
	require.NoError(t, err)
	last := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	require.NotEqual(t, first, last, "the wait did not continue as new")
	return c.id, []string{first, last}
}

// quiet drops the replayer's log: a failing replay says why in its error.
var quiet = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
