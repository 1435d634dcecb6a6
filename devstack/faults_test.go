package devstack_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/sandbox"
)

// Each scenario runs a fresh fixture through the API of the shared stack,
// with faults scoped to the fixture's own records, and checks the final
// state, the items, the adjustment's text and what the sandbox received.
// The stack gives a step 5 s of retries before it needs attention.

// scenarioTimeout bounds one transaction of a scenario.
const scenarioTimeout = 20 * time.Second

// begin posts the case's cancel and returns the adjustment's text as it
// was before.
func (c cancelCase) begin(t *testing.T) string {
	t.Helper()
	before := c.note(t)
	id, _ := postCancel(t, c.body)
	require.Equal(t, c.id, id)
	return before
}

// awaitCalls waits until the case's record has had n calls of op, and
// returns the moment that was seen.
func (c cancelCase) awaitCalls(t *testing.T, vendor, op string, n int) time.Time {
	t.Helper()
	deadline := time.Now().Add(scenarioTimeout)
	for c.calls(vendor, op) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s %s had %d calls, want %d", vendor, op, c.calls(vendor, op), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Now()
}

// assertCompleted checks a transaction that completed: its item cancelled
// on its line, exactly one effective cancel at Equinix, and the outcome
// written under the adjustment's earlier text.
func assertCompleted(t *testing.T, c cancelCase, tx crossconnect.Transaction, before string) {
	t.Helper()
	assert.Equal(t, crossconnect.StateCompleted, tx.State)
	assert.Equal(t, []int{crossconnect.ItemCancelled}, itemStates(tx))
	assert.Equal(t, c.lineID, tx.Items[0].LineID)
	assert.Equal(t, c.orderID, tx.Items[0].OrderID)
	assert.Equal(t, before+"\n"+c.line(crossconnect.StateCompleted,
		"cancelled at EQX order "+c.orderID), c.note(t))
}

// assertCompensated checks a transaction that failed: every item failed
// with the reason, the reason holding want, and the adjustment's earlier
// text restored with the failure written under it. marked says whether
// the adjustment had been marked "cancel in progress" first: then it is
// written three times (mark, restore, failure), else once.
func assertCompensated(t *testing.T, c cancelCase, tx crossconnect.Transaction,
	before, want string, marked bool,
) {
	t.Helper()
	assert.Equal(t, crossconnect.StateFailed, tx.State)
	assert.Contains(t, tx.Reason, want)
	assert.Equal(t, []int{crossconnect.ItemFailed}, itemStates(tx))
	assert.Equal(t, tx.Reason, tx.Items[0].ErrorMessage)
	assert.Contains(t, statesOf(tx), crossconnect.StateCompensating)
	assert.Equal(t, before+"\n"+c.line(crossconnect.StateFailed, tx.Reason), c.note(t))

	writes := 1
	if marked {
		writes = 3
	}
	assert.Equal(t, writes, c.calls(c.vendor(), "update_adjustment"), "adjustment writes")
}

// controlFault arms a fault through the sandbox's HTTP control endpoint,
// as a person at a terminal would.
func controlFault(t *testing.T, fault string) {
	t.Helper()
	resp, err := http.Post(stack.SandboxURL+"/_sandbox/faults", "application/json",
		bytes.NewReader([]byte(fault)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

// controlCalls reads a call count through the control endpoint.
func controlCalls(t *testing.T, vendor, op, record string) int {
	t.Helper()
	q := url.Values{"vendor": {vendor}, "operation": {op}, "record": {record}}
	resp, err := http.Get(stack.SandboxURL + "/_sandbox/calls?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Count int `json:"count"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Count
}

func TestEquinix503TwiceThenSuccess(t *testing.T) {
	c := newCase(t, "ZOH")
	controlFault(t, `{"vendor":"equinix","operation":"cancel","status":503,"times":2,
		"delay_ms":0,"mode":"status","record":"`+c.orderID+`"}`)
	t.Cleanup(func() { stack.Sandbox.ClearFaultsOn(c.orderID) })

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, 3, controlCalls(t, "equinix", "cancel", c.orderID))
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
	assert.NotContains(t, statesOf(tx), crossconnect.StateNeedsAttention)
}

// Equinix's 429 says when to come back; the next try waits that long, not
// the policy's first backoff of 1 s.
func TestEquinix429HonoursRetryAfter(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 429, RetryAfterS: 3})

	before := c.begin(t)
	first := c.awaitCalls(t, "equinix", "cancel", 1)
	second := c.awaitCalls(t, "equinix", "cancel", 2)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assert.GreaterOrEqual(t, second.Sub(first), 2900*time.Millisecond)
	assertCompleted(t, c, tx, before)
	assert.Equal(t, 2, c.calls("equinix", "cancel"))
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

// Guards the double cancel: the cancel lands, the caller sees only a
// dropped connection, and the retry finds the line cancelled.
func TestCancelPerformedThenTimedOut(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel",
		Mode: sandbox.ModePerformedThenTimeout, DelayMS: 200})

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, 1, c.calls("equinix", "cancel"), "no second cancel was sent")
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

// A POST is never resent by the HTTP transport itself, so the count of
// cancels is exact: the dropped one and its retry.
func TestDroppedConnectionIsRetried(t *testing.T) {
	c := newCase(t, "ONS")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Mode: sandbox.ModeDrop})

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, 2, c.calls("equinix", "cancel"))
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

// The Equinix token expires between two calls of the transaction: the
// next call is refused, the token fetched once, and the call sent again.
func TestEquinixTokenExpiresMidFlow(t *testing.T) {
	c := newCase(t, "ZOH")
	// The read before the cancel fails once; the token expires before its
	// retry, a second later.
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "get_order", Status: 503})

	before := c.begin(t)
	c.awaitCalls(t, "equinix", "get_order", 1)
	tokens := stack.Sandbox.Calls("equinix", "token")
	stack.Sandbox.ExpireTokens("equinix")
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, tokens+1, stack.Sandbox.Calls("equinix", "token"), "one token refresh")
	assert.Equal(t, 1, c.calls("equinix", "cancel"))
}

func TestOrderAlreadyCompletedFailsAndCompensates(t *testing.T) {
	c := newCase(t, "ZOH")
	stack.Sandbox.SetOrderStatus(c.orderID, sandbox.StatusClosed)

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assertCompensated(t, c, tx, before,
		"order "+c.orderID+" is already completed (CLOSED) and cannot be cancelled", false)
	assert.Zero(t, c.calls("equinix", "cancel"))
	assert.NotContains(t, statesOf(tx), crossconnect.StateNeedsAttention, "final at once")
}

func TestOrderAlreadyCancelledSucceedsWithoutACancel(t *testing.T) {
	c := newCase(t, "ONS")
	stack.Sandbox.SetOrderStatus(c.orderID, sandbox.StatusCancelled)

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Zero(t, c.calls("equinix", "cancel"))
	assert.Zero(t, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

// Another 4xx is final at once, with Equinix's own text as the reason.
func TestEquinixRefusalIsFinalWithItsText(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 400})

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assertCompensated(t, c, tx, before, "equinix cancel: status 400: EQ-2010010: Bad Request", true)
	assert.Equal(t, 1, c.calls("equinix", "cancel"), "not retried")
	assert.Zero(t, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

// Zoho's 429 says when its rate window resets; the read waits that long.
func TestZoho429HonoursRateLimitReset(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "zoho", Operation: "get_adjustment", Status: 429,
		RetryAfterS: 3})

	before := c.begin(t)
	first := c.awaitCalls(t, "zoho", "get_adjustment", 1)
	second := c.awaitCalls(t, "zoho", "get_adjustment", 2)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assert.GreaterOrEqual(t, second.Sub(first), 2900*time.Millisecond)
	assertCompleted(t, c, tx, before)
}

// Zoho refuses the access token (401) once: it is fetched again once and
// the write goes through.
func TestZohoInvalidTokenIsRefreshedOnce(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "zoho", Operation: "update_adjustment", Status: 401})
	tokens := stack.Sandbox.Calls("zoho", "token")

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, tokens+1, stack.Sandbox.Calls("zoho", "token"), "one token refresh")
	// The refused mark, its resend, and the outcome.
	assert.Equal(t, 3, c.calls("zoho", "update_adjustment"))
}

func TestNetSuiteConcurrencyLimitIsRetried(t *testing.T) {
	c := newCase(t, "ONS")
	c.fault(t, sandbox.Fault{Vendor: "netsuite", Operation: "update_adjustment", Status: 429,
		Times: 2, ErrorCode: "CONCURRENCY_LIMIT_EXCEEDED"})

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	// Two refused marks, the mark, and the outcome.
	assert.Equal(t, 4, c.calls("netsuite", "update_adjustment"))
	assert.NotContains(t, statesOf(tx), crossconnect.StateNeedsAttention)
}

// NetSuite's INVALID_LOGIN may be its concurrency limit under load, so it
// is retried, but only three times before it is taken at its word.
func TestNetSuiteInvalidLoginIsRetriedBoundedly(t *testing.T) {
	c := newCase(t, "ONS")
	c.fault(t, sandbox.Fault{Vendor: "netsuite", Operation: "get_adjustment", Status: 401,
		Times: 1000})

	c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assert.Contains(t, tx.Reason, "INVALID_LOGIN")
	assert.Equal(t, []int{crossconnect.ItemFailed}, itemStates(tx))
	// Four tries, each refused with its token and again with a fresh one.
	assert.Equal(t, 8, c.calls("netsuite", "get_adjustment"))
	assert.Zero(t, c.calls("netsuite", "update_adjustment"), "nothing read, nothing to undo")
	assert.NotContains(t, statesOf(tx), crossconnect.StateNeedsAttention)
}

// exhausted starts a case whose Equinix cancel fails until the step's
// budget is spent, and returns it needing attention.
func exhausted(t *testing.T, source string) (cancelCase, string, crossconnect.Transaction) {
	t.Helper()
	c := newCase(t, source)
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 503, Times: 1000})
	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateNeedsAttention, scenarioTimeout)
	assert.Contains(t, tx.LastError, "equinix cancel: status 503")
	assert.Equal(t, []int{crossconnect.ItemReceived}, itemStates(tx))
	return c, before, tx
}

// operator sends an operator's decision through the API.
func operator(t *testing.T, id, decision string) {
	t.Helper()
	resp := do(t, http.MethodPost, "/v1/accounting/crossconnect/transactions/"+id+"/"+decision,
		"", nil)
	require.Equal(t, http.StatusAccepted, resp.Status, "body: %s", resp.Body)
}

func TestRetriesExhaustedThenRetrySucceeds(t *testing.T) {
	c, before, _ := exhausted(t, "ZOH")
	c.clearFaults()
	tried := c.calls("equinix", "cancel")

	operator(t, c.id, "retry")
	tx := awaitState(t, c.id, crossconnect.StateCompleted, scenarioTimeout)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, tried+1, c.calls("equinix", "cancel"))
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
	assert.Equal(t, 1, tx.Attempts)
	assert.Empty(t, tx.LastError)
	assert.Contains(t, statesOf(tx), crossconnect.StateNeedsAttention)
}

func TestRetriesExhaustedThenAbandonCompensates(t *testing.T) {
	c, before, waiting := exhausted(t, "ONS")
	tried := c.calls("equinix", "cancel")

	operator(t, c.id, "abandon")
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assertCompensated(t, c, tx, before, "abandoned by an operator after: "+waiting.LastError, true)
	assert.Equal(t, tried, c.calls("equinix", "cancel"), "nothing more was tried")
	assert.Zero(t, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}

func TestWorkflowCancelledMidFlightCompensates(t *testing.T) {
	c := newCase(t, "ZOH")
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 503, Times: 1000})
	before := c.begin(t)
	c.awaitCalls(t, "equinix", "cancel", 2)

	require.NoError(t, stack.Client.CancelWorkflow(t.Context(), c.id, ""))
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assertCompensated(t, c, tx, before, "the workflow was cancelled", true)
	assert.Zero(t, stack.Sandbox.LineCancels(c.orderID, c.lineID))
	desc, err := stack.Client.DescribeWorkflowExecution(t.Context(), c.id, "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED,
		desc.GetWorkflowExecutionInfo().GetStatus())
}

// An operator may give up a transaction that waits for Equinix to
// confirm; the reason then says the cancel was already accepted.
func TestAbandonWhileAwaitingConfirmation(t *testing.T) {
	c := newCase(t, "ZOH")
	stack.Sandbox.SetConfirmDelay(c.orderID, time.Hour)

	before := c.begin(t)
	awaitState(t, c.id, crossconnect.StateAwaitingConfirmation, scenarioTimeout)
	operator(t, c.id, "abandon")
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	assertCompensated(t, c, tx, before,
		"abandoned by an operator; EQX had already accepted the cancel of line "+c.lineID, true)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
}
