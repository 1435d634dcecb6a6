package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/workflows"
)

// recordedPaths are the saga's paths every release records a history of,
// in testdata/<release>/<path>.json. The devstack test
// TestHistoriesOfEveryPathReplay writes them when LATTICE_RECORD_HISTORIES
// names the directory.
var recordedPaths = []string{
	"completed",
	"failed_validation",
	"compensated_after_final_error",
	"needs_attention_then_retry",
	"needs_attention_then_abandon",
	"continued_as_new",
	"continued_as_new_run2",
	"cancelled_while_cancelling",
	"cancelled_while_needs_attention",
}

// TestRecordedHistoriesReplay guards transactions in flight across a
// deploy: every history recorded by an earlier release must replay through
// today's workflow code without a nondeterminism error.
func TestRecordedHistoriesReplay(t *testing.T) {
	releases, err := filepath.Glob(filepath.Join("testdata", "v*"))
	require.NoError(t, err)
	require.NotEmpty(t, releases, "no recorded histories under testdata")

	for _, dir := range releases {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		require.NoError(t, err)
		var names []string
		for _, f := range files {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
		}
		for _, path := range recordedPaths {
			assert.True(t, slices.Contains(names, path), "%s has no history of %s", dir, path)
		}

		for _, f := range files {
			t.Run(filepath.Base(dir)+"/"+filepath.Base(f), func(t *testing.T) {
				replayer := worker.NewWorkflowReplayer()
				replayer.RegisterWorkflowWithOptions(workflows.CancelCrossConnect,
					workflow.RegisterOptions{Name: workflows.WorkflowName})
				require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(quiet, f))
			})
		}
	}
}

// TestReplayNoticesAChangedStep shows the replay test can fail: a history
// whose first activity is renamed no longer matches the workflow's code.
func TestReplayNoticesAChangedStep(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "v1", "completed.json"))
	require.NoError(t, err)
	changed := strings.Replace(string(b), `"FetchAdjustment"`, `"FetchSomethingElse"`, 1)
	require.NotEqual(t, string(b), changed)
	f := filepath.Join(t.TempDir(), "changed.json")
	require.NoError(t, os.WriteFile(f, []byte(changed), 0o644))

	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(workflows.CancelCrossConnect,
		workflow.RegisterOptions{Name: workflows.WorkflowName})
	err = replayer.ReplayWorkflowHistoryFromJSONFile(quiet, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nondeterministic")
}

// quiet drops the replayer's log: a failing replay says why in its error.
var quiet = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
