package telemetry

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdklog "go.temporal.io/sdk/log"
)

// jsonLines decodes each line of buf.
func jsonLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "line %s", line)
		out = append(out, m)
	}
	return out
}

func TestTemporalLoggerSpeaksLatticesKeys(t *testing.T) {
	var buf bytes.Buffer
	l := TemporalLogger(slog.New(slog.NewJSONHandler(&buf, nil)))

	// As the SDK's workflow logger does, then the saga on top of it.
	wl := sdklog.With(l, "Namespace", "default", "TaskQueue", "lattice-cancel",
		"WorkflowType", "CancelCrossConnect", "WorkflowID", "abc123", "RunID", "r1")
	saga := sdklog.With(wl, "transaction_id", "abc123")
	saga.Info("Transaction state changed", "state", "validating")
	wl.Warn("Activity error.", "ActivityType", "FetchAdjustment", "Error", "boom")
	l.Info("Started Worker", "WorkerID", "w1")

	lines := jsonLines(t, &buf)
	require.Len(t, lines, 3)
	assert.Equal(t, map[string]any{
		"level": "INFO", "msg": "Transaction state changed", "state": "validating",
		"namespace": "default", "task_queue": "lattice-cancel",
		"workflow_type": "CancelCrossConnect", "transaction_id": "abc123", "run_id": "r1",
	}, without(lines[0], "time"))
	assert.Equal(t, "abc123", lines[1]["transaction_id"])
	assert.Equal(t, "FetchAdjustment", lines[1]["activity"])
	assert.Equal(t, "boom", lines[1]["error"])
	assert.Equal(t, "w1", lines[2]["worker_id"])

	// The saga's own transaction_id is not written a second time.
	first := strings.SplitN(buf.String(), "\n", 2)[0]
	assert.Equal(t, 1, strings.Count(first, `"transaction_id"`), first)
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"WorkflowID":     "workflow_id",
		"RunID":          "run_id",
		"TaskQueue":      "task_queue",
		"Namespace":      "namespace",
		"HTTPStatus":     "http_status",
		"PanicStack":     "panic_stack",
		"transaction_id": "transaction_id",
		"Attempt2Count":  "attempt2_count",
	} {
		assert.Equal(t, want, snakeCase(in), in)
	}
}
