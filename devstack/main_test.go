package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/devstack"
	"github.com/lattice/lattice/workflows"
)

// stack is the one dev stack every test in this package shares: starting
// a Temporal server costs seconds, so tests use fresh sandbox records
// (fixtures) rather than fresh stacks.
var stack *devstack.Stack

func TestMain(m *testing.M) {
	runWorkerIfAsked()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var err error
	stack, err = devstack.Start(ctx, testConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, "start dev stack:", err)
		return 1
	}
	defer stack.Close(context.Background())
	return m.Run()
}

// testConfig is lattice-dev's configuration on port 0 everywhere, with
// Temporal in memory and waits shortened so tests finish in seconds. Its
// spans and log lines are kept for the tests to read (spans, logs).
func testConfig() devstack.Config {
	return devstack.Config{
		Logger: slog.New(slog.NewJSONHandler(logs,
			&slog.HandlerOptions{Level: slog.LevelDebug})),
		Telemetry:        testTelemetry(),
		Listen:           "127.0.0.1:0",
		Temporal:         "127.0.0.1:0",
		UI:               "127.0.0.1:0",
		Sandbox:          "127.0.0.1:0",
		Ephemeral:        true,
		ConfirmDelay:     300 * time.Millisecond,
		TemporalLogLevel: "none",
		Settings: workflows.Settings{
			PollInitial: 200 * time.Millisecond,
			PollMax:     time.Second,
			StepBudget:  5 * time.Second,
		},
	}
}

// seedExample is the seed's example request as valid JSON.
const seedExample = `{
  "qcl_generic_data": {"qcl_source_id": "ZOH", "qcl_destination_id": "EQX"},
  "qcl_transaction_data": {
    "generic_fields": {},
    "source_fields": {
      "qcl_ia_id": "4182712000000183000",
      "qcl_item_details": [
        {"qcl_cc_inventory_item_id": "4182712000000084077", "qcl_cc_inventory_item_name": "Cross Connect"}
      ]
    }
  },
  "destination_fields": {}
}`

// response is an HTTP answer read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func do(t testing.TB, method, path, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, stack.APIURL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

const cancelPath = "/v1/accounting/crossconnect/qcl_crossconnect_cancel"

// postCancel sends a cancel and returns the transaction id of its 201.
func postCancel(t testing.TB, body []byte) (string, response) {
	t.Helper()
	resp := do(t, http.MethodPost, cancelPath, "application/json", body)
	require.Equal(t, http.StatusCreated, resp.Status, "body: %s", resp.Body)
	var out struct {
		ID string `json:"lattice_transaction_id"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &out))
	require.True(t, crossconnect.ValidTransactionID(out.ID), "id %q", out.ID)
	return out.ID, resp
}

func getTransaction(t testing.TB, id string) (crossconnect.Transaction, response) {
	t.Helper()
	resp := do(t, http.MethodGet, "/v1/accounting/crossconnect/transactions/"+id, "", nil)
	var tx crossconnect.Transaction
	if resp.Status == http.StatusOK {
		require.NoError(t, json.Unmarshal(resp.Body, &tx))
	}
	return tx, resp
}

// awaitState polls the transaction until it reaches want, failing on any
// other final state or after the timeout.
func awaitState(t testing.TB, id string, want crossconnect.State, timeout time.Duration) crossconnect.Transaction {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var tx crossconnect.Transaction
	for time.Now().Before(deadline) {
		var resp response
		tx, resp = getTransaction(t, id)
		require.Equal(t, http.StatusOK, resp.Status, "body: %s", resp.Body)
		if tx.State == want {
			return tx
		}
		if tx.State.Final() {
			t.Fatalf("transaction ended %s, want %s: %s", tx.State, want, tx.Reason)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("transaction still %s after %s, want %s", tx.State, timeout, want)
	return tx
}

// fixture creates a fresh adjustment with a matching cancellable order in
// the sandbox and returns the cancel request for it.
func fixture(t testing.TB, source string) []byte {
	t.Helper()
	reqs, err := stack.Sandbox.Fixtures(source, 1)
	require.NoError(t, err)
	return reqs[0]
}
