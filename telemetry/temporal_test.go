package telemetry

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/workflows"
)

// runTransaction runs a stand-in for the saga under its registered name
// with the transaction metrics interceptor, and returns its error.
func runTransaction(t *testing.T, tel *Telemetry, continued bool, result error) error {
	t.Helper()
	opts, err := tel.ClientOptions(client.Options{})
	require.NoError(t, err)

	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(opts.MetricsHandler)
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{
		Interceptors: []interceptor.WorkerInterceptor{&transactionTelemetry{}},
	})
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		workflows.AttrSource.ValueSet("ZOH"),
		workflows.AttrDestination.ValueSet("EQX"),
	)))
	if continued {
		env.SetContinuedExecutionRunID("earlier-run")
	}
	env.RegisterWorkflowWithOptions(func(workflow.Context) error { return result },
		workflow.RegisterOptions{Name: workflows.WorkflowName})

	env.ExecuteWorkflow(workflows.WorkflowName)
	require.True(t, env.IsWorkflowCompleted())
	return env.GetWorkflowError()
}

func TestTransactionMetricsCountStartsAndOutcomes(t *testing.T) {
	tel, _ := newTestTelemetry(t)

	require.NoError(t, runTransaction(t, tel, false, nil))
	require.NoError(t, runTransaction(t, tel, false, nil))
	require.Error(t, runTransaction(t, tel, false,
		temporal.NewNonRetryableApplicationError("no", "TransactionFailed", nil)))
	// A run continued from an earlier one is not a new transaction.
	require.NoError(t, runTransaction(t, tel, true, nil))

	route := map[string]string{"source": "ZOH", "destination": "EQX"}
	assert.Equal(t, 3.0, sampleValue(t, tel, "lattice_transactions_started_total", route))
	assert.Equal(t, 3.0, sampleValue(t, tel, "lattice_transactions_finished_total",
		map[string]string{"source": "ZOH", "destination": "EQX", "outcome": "completed"}))
	assert.Equal(t, 1.0, sampleValue(t, tel, "lattice_transactions_finished_total",
		map[string]string{"source": "ZOH", "destination": "EQX", "outcome": "failed"}))
}

func TestOutcomeOf(t *testing.T) {
	assert.Equal(t, OutcomeCompleted, outcomeOf(nil))
	assert.Equal(t, OutcomeFailed, outcomeOf(errors.New("boom")))
	assert.Equal(t, OutcomeCancelled, outcomeOf(temporal.NewCanceledError()))
}
