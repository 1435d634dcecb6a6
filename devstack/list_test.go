package devstack_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
)

const listPath = "/v1/accounting/crossconnect/transactions"

// listedRow is one row of a transaction listing.
type listedRow struct {
	ID          string `json:"lattice_transaction_id"`
	State       string `json:"state"`
	IAID        string `json:"qcl_ia_id"`
	Source      string `json:"qcl_source_id"`
	Destination string `json:"qcl_destination_id"`
	Status      string `json:"workflow_status"`
}

type listPage struct {
	Transactions  []listedRow `json:"transactions"`
	NextPageToken string      `json:"next_page_token"`
}

func listTransactions(t *testing.T, q url.Values) listPage {
	t.Helper()
	resp := do(t, http.MethodGet, listPath+"?"+q.Encode(), "", nil)
	require.Equal(t, http.StatusOK, resp.Status, "body: %s", resp.Body)
	var page listPage
	require.NoError(t, json.Unmarshal(resp.Body, &page))
	return page
}

// awaitListing lists with q until the ids of the rows are want, in any
// order: visibility follows the workflows a moment behind.
func awaitListing(t *testing.T, q url.Values, want ...string) []listedRow {
	t.Helper()
	var rows []listedRow
	require.Eventually(t, func() bool {
		rows = listTransactions(t, q).Transactions
		got := make([]string, 0, len(rows))
		for _, r := range rows {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		return slices.Equal(got, slices.Sorted(slices.Values(want)))
	}, 10*time.Second, 100*time.Millisecond, "listing %s never held %v: %+v", q.Encode(), want, rows)
	return rows
}

// listedAnywhere walks every page of the listing with q and returns the
// ids it holds.
func listedAnywhere(t *testing.T, q url.Values) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for range 100 {
		page := listTransactions(t, q)
		for _, r := range page.Transactions {
			ids[r.ID] = true
		}
		if page.NextPageToken == "" {
			return ids
		}
		q.Set("page_token", page.NextPageToken)
	}
	t.Fatalf("listing %s has more than 100 pages", q.Encode())
	return nil
}

// failFixture cancels an item the fixture's adjustment does not hold, so
// that validation fails the transaction, and waits until it is failed.
func failFixture(t *testing.T, source string) (id, iaID string) {
	t.Helper()
	body := fixture(t, source)
	req, err := crossconnect.Decode(body)
	require.NoError(t, err)

	item := req.Items[0].ID
	other := item[:len(item)-1] + string("1234567890"[item[len(item)-1]-'0'])
	body = bytes.Replace(body, []byte(item), []byte(other), 1)

	id, _ = postCancel(t, body)
	awaitState(t, id, crossconnect.StateFailed, 15*time.Second)
	return id, req.IAID
}

func TestListTransactionsByIAIDStateAndSource(t *testing.T) {
	zoho := completeFixture(t, "ZOH", "")
	netsuite := completeFixture(t, "ONS", "")
	failedID, failedIA := failFixture(t, "ZOH")

	rows := awaitListing(t, url.Values{"ia_id": {zoho.iaID}}, zoho.id)
	assert.Equal(t, listedRow{
		ID: zoho.id, State: "completed", IAID: zoho.iaID,
		Source: "ZOH", Destination: "EQX", Status: "completed",
	}, rows[0])

	awaitListing(t, url.Values{"ia_id": {failedIA}, "state": {"failed"}}, failedID)
	awaitListing(t, url.Values{"ia_id": {failedIA}, "state": {"completed"}})
	awaitListing(t, url.Values{"ia_id": {netsuite.iaID}, "source": {"ONS"}}, netsuite.id)
	awaitListing(t, url.Values{"ia_id": {netsuite.iaID}, "source": {"ZOH"}})

	completed := listedAnywhere(t, url.Values{"state": {"completed"}, "page_size": {"100"}})
	assert.True(t, completed[zoho.id])
	assert.True(t, completed[netsuite.id])
	assert.False(t, completed[failedID])

	failed := listedAnywhere(t, url.Values{"state": {"failed"}, "page_size": {"100"}})
	assert.True(t, failed[failedID])
	assert.False(t, failed[zoho.id])
}

func TestListTransactionsPages(t *testing.T) {
	a := completeFixture(t, "ZOH", "")
	b := completeFixture(t, "ZOH", "")
	awaitListing(t, url.Values{"ia_id": {b.iaID}, "state": {"completed"}}, b.id)

	first := listTransactions(t, url.Values{"state": {"completed"}, "page_size": {"1"}})
	require.Len(t, first.Transactions, 1)
	require.NotEmpty(t, first.NextPageToken)

	second := listTransactions(t, url.Values{
		"state": {"completed"}, "page_size": {"1"}, "page_token": {first.NextPageToken},
	})
	require.Len(t, second.Transactions, 1)
	assert.NotEqual(t, first.Transactions[0].ID, second.Transactions[0].ID)

	// Newest first: the later of the two comes before the earlier.
	page := listTransactions(t, url.Values{"source": {"ZOH"}, "page_size": {"1000"}})
	at := func(id string) int {
		return slices.IndexFunc(page.Transactions, func(r listedRow) bool { return r.ID == id })
	}
	require.NotEqual(t, -1, at(a.id))
	require.NotEqual(t, -1, at(b.id))
	assert.Less(t, at(b.id), at(a.id))
}

func TestListTransactionsRefusesBadParameters(t *testing.T) {
	for _, q := range []string{
		"state=bogus",
		"page_size=0",
		"page_size=1001",
		"page_size=ten",
		"page_token=%25%25%25",
		"ia_id=" + url.QueryEscape("x' OR WorkflowType != '"),
	} {
		resp := do(t, http.MethodGet, listPath+"?"+q, "", nil)
		assert.Equal(t, http.StatusBadRequest, resp.Status, "%s: %s", q, resp.Body)
	}
	resp := do(t, http.MethodGet, listPath+"?state=bogus", "", nil)
	assert.Contains(t, string(resp.Body), "needs_attention", "the valid states are named")
}
