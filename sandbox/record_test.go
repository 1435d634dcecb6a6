package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/sandbox"
)

// TestFaultOnRecordHitsOnlyThatRecord guards tests that share one sandbox:
// a fault scoped to one order must not be used up by calls on another.
func TestFaultOnRecordHitsOnlyThatRecord(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	const otherOrder = "1-23232323"
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Status: 503,
		Times: 2, Record: zohoOrder})

	get := func(order string) int {
		return e.do("GET", "/equinix/colocations/v2/orders/"+order, nil,
			"Authorization", "Bearer "+tok).status
	}
	assert.Equal(t, http.StatusOK, get(otherOrder))
	assert.Equal(t, http.StatusServiceUnavailable, get(zohoOrder))
	assert.Equal(t, http.StatusOK, get(otherOrder))
	assert.Equal(t, http.StatusServiceUnavailable, get(zohoOrder))
	assert.Equal(t, http.StatusOK, get(zohoOrder), "the fault hits twice only")

	assert.Equal(t, 3, e.sb.CallsOn("equinix", "get_order", zohoOrder))
	assert.Equal(t, 2, e.sb.CallsOn("equinix", "get_order", otherOrder))
	assert.Equal(t, 5, e.sb.CallsOn("equinix", "get_order", ""))
	assert.Equal(t, 5, e.sb.Calls("equinix", "get_order"))

	r := e.do("GET", "/_sandbox/calls?vendor=equinix&operation=get_order&record="+zohoOrder, nil)
	assert.JSONEq(t, `{"count":3}`, string(r.body))
}

func TestFaultOnRecordOfAnAdjustment(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()
	org := "?organization_id=" + e.sb.Credentials().ZohoOrganizationID
	r := e.do("POST", "/_sandbox/faults", strings.NewReader(
		`{"vendor":"zoho","operation":"get_adjustment","status":429,"record":"`+zohoIA+`"}`))
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)

	r = e.do("GET", "/zoho/inventory/v1/inventoryadjustments/"+zohoIA+org, nil,
		"Authorization", "Zoho-oauthtoken "+tok)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, 1, e.sb.CallsOn("zoho", "get_adjustment", zohoIA))
}

// A record on an operation whose path names none would never hit: refused.
func TestFaultOnRecordNeedsARecordOperation(t *testing.T) {
	e := start(t)
	for _, op := range []string{"token", "find_order"} {
		err := e.sb.AddFault(sandbox.Fault{Vendor: "equinix", Operation: op, Record: zohoOrder})
		assert.Error(t, err, op)
	}
}

func TestEquinixOrderByReference(t *testing.T) {
	e := start(t)
	reqs, err := e.sb.Fixtures("ZOH", 2)
	require.NoError(t, err)
	var body struct {
		Data struct {
			Source struct {
				IAID string `json:"qcl_ia_id"`
			} `json:"source_fields"`
		} `json:"qcl_transaction_data"`
	}
	require.NoError(t, json.Unmarshal(reqs[1], &body))
	ia := body.Data.Source.IAID

	o, ok := e.sb.EquinixOrderByReference(ia)
	require.True(t, ok)
	assert.Equal(t, ia, o.CustomerReferenceID)
	assert.True(t, o.Cancellable)
	require.Len(t, o.Details, 1)

	_, ok = e.sb.EquinixOrderByReference("no-such-reference")
	assert.False(t, ok)
}

func TestClearFaultsOnOneRecord(t *testing.T) {
	e := start(t)
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Record: zohoOrder})
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Record: "1-23232323"})
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "token", Status: 503})

	r := e.do("DELETE", "/_sandbox/faults?record="+zohoOrder, nil)
	assert.Equal(t, http.StatusNoContent, r.status)

	tok := func() int {
		c := e.sb.Credentials()
		return e.do("POST", "/equinix/oauth2/v1/token", jsonBody(t, map[string]string{
			"grant_type": "client_credentials", "client_id": c.EquinixClientID,
			"client_secret": c.EquinixClientSecret,
		}), "Content-Type", "application/json").status
	}
	assert.Equal(t, http.StatusServiceUnavailable, tok(), "other faults stay queued")
	bearer := "Bearer " + e.equinixToken()
	get := func(order string) int {
		return e.do("GET", "/equinix/colocations/v2/orders/"+order, nil,
			"Authorization", bearer).status
	}
	assert.Equal(t, http.StatusOK, get(zohoOrder))
	assert.Equal(t, http.StatusInternalServerError, get("1-23232323"))
}

func TestSetConfirmDelayHoldsOneOrder(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.sb.SetConfirmDelay(zohoOrder, time.Hour)
	bearer := "Bearer " + tok
	cancel := func(order, line string) {
		r := e.do("POST", "/equinix/colocations/v2/orders/"+order+"/cancel",
			jsonBody(t, map[string]any{"reason": "no longer needed", "lineIds": []string{line}}),
			"Authorization", bearer)
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	}
	cancel(zohoOrder, zohoLine)
	cancel("1-23232323", netsuiteLine)

	require.Eventually(t, func() bool {
		o, _ := e.sb.EquinixOrder("1-23232323")
		return o.Status == "CANCELLED"
	}, 2*time.Second, 10*time.Millisecond, "other orders confirm as usual")
	o, _ := e.sb.EquinixOrder(zohoOrder)
	assert.Equal(t, "CANCELLATION_REQUESTED", o.Details[0].Status)
}
