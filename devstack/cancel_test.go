package devstack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
)

// TestSeedExampleCancelsAtEquinix drives the seed's example from POST to
// completed and checks what the vendors saw: one cancel of the line, and
// the Lattice note on the Zoho adjustment with every other field as it was.
func TestSeedExampleCancelsAtEquinix(t *testing.T) {
	const iaID, orderID, lineID = "4182712000000183000", "1-23232322", "1-D89731S"
	before, ok := stack.Sandbox.ZohoAdjustment(iaID)
	require.True(t, ok)

	id, resp := postCancel(t, []byte(seedExample))
	assert.Equal(t, "/v1/accounting/crossconnect/transactions/"+id, resp.Header.Get("Location"))

	tx := awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
	assert.Equal(t, orderID, tx.OrderID)
	require.Len(t, tx.Items, 1)
	item := tx.Items[0]
	assert.Equal(t, crossconnect.ItemCancelled, item.Status)
	assert.Equal(t, orderID, item.OrderID)
	assert.Equal(t, lineID, item.LineID)
	assert.NotEmpty(t, item.StatusMessage)
	assert.Contains(t, tx.WorkflowURL, "/namespaces/default/workflows/"+id+"/")
	assert.NotEmpty(t, tx.RunID)
	assertStatesInOrder(t, tx,
		crossconnect.StateReceived, crossconnect.StateValidating, crossconnect.StateCancelling,
		crossconnect.StateAwaitingConfirmation, crossconnect.StateUpdatingSource,
		crossconnect.StateCompleted)

	assert.Equal(t, 1, stack.Sandbox.LineCancels(orderID, lineID))
	order, _ := stack.Sandbox.EquinixOrder(orderID)
	assert.Equal(t, "CANCELLED", order.Status)

	after, ok := stack.Sandbox.ZohoAdjustment(iaID)
	require.True(t, ok)
	note, _ := after["description"].(string)
	assert.Equal(t, before["description"].(string)+"\n"+
		"Lattice "+id+": completed: cancelled at EQX order "+orderID, note)
	delete(before, "description")
	delete(after, "description")
	assertSameJSON(t, before, after)

	// Sent again, the same cancel gets the same id and runs nothing.
	again, _ := postCancel(t, []byte(seedExample))
	assert.Equal(t, id, again)
	time.Sleep(500 * time.Millisecond)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(orderID, lineID))
}

// TestNetSuiteSourceCancels runs the NetSuite IA the sandbox is seeded
// with; its note goes in the memo.
func TestNetSuiteSourceCancels(t *testing.T) {
	const iaID, orderID, lineID = "5120", "1-23232323", "1-D89732S"
	body := strings.NewReplacer(
		`"ZOH"`, `"ONS"`,
		"4182712000000183000", iaID,
		"4182712000000084077", "981",
	).Replace(seedExample)
	before, ok := stack.Sandbox.NetSuiteAdjustment(iaID)
	require.True(t, ok)

	id, _ := postCancel(t, []byte(body))
	tx := awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
	assert.Equal(t, crossconnect.ItemCancelled, tx.Items[0].Status)
	assert.Equal(t, lineID, tx.Items[0].LineID)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(orderID, lineID))

	after, _ := stack.Sandbox.NetSuiteAdjustment(iaID)
	assert.Equal(t, before["memo"].(string)+"\n"+
		"Lattice "+id+": completed: cancelled at EQX order "+orderID, after["memo"])
	delete(before, "memo")
	delete(after, "memo")
	assertSameJSON(t, before, after)
}

func TestUnknownTransactionIsNotFound(t *testing.T) {
	for _, id := range []string{strings.Repeat("0", 32), "not-an-id"} {
		_, resp := getTransaction(t, id)
		assert.Equal(t, http.StatusNotFound, resp.Status, id)
		assert.JSONEq(t, `{"detail":"no transaction with that id"}`, string(resp.Body))
	}
}

func assertStatesInOrder(t *testing.T, tx crossconnect.Transaction, want ...crossconnect.State) {
	t.Helper()
	var got []crossconnect.State
	for _, e := range tx.Events {
		got = append(got, e.State)
	}
	assert.Equal(t, want, got)
}

func assertSameJSON(t *testing.T, want, got any) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(w), string(g))
}
