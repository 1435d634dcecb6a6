package sandbox_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const equinixTokenPath = "/equinix/oauth2/v1/token"

// equinixLogin asks for a token with secret.
func (e *env) equinixLogin(secret string) reply {
	return e.do("POST", equinixTokenPath, jsonBody(e.t, map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     e.sb.Credentials().EquinixClientID,
		"client_secret": secret,
	}), "Content-Type", "application/json")
}

// findOrders looks orders up by customer reference.
func (e *env) findOrders(tok, ref string) []map[string]any {
	e.t.Helper()
	r := e.do("POST", "/equinix/v1/retrieve-orders", jsonBody(e.t, map[string]any{
		"filter": map[string]any{"and": []any{map[string]any{
			"property": "/customerReferenceNumber",
			"operator": "=",
			"values":   []string{ref},
		}}},
		"pagination": map[string]int{"offset": 0, "limit": 20},
	}), "Authorization", "Bearer "+tok, "Content-Type", "application/json")
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)

	page := decode[struct {
		Content []map[string]any
		Page    map[string]any
	}](e.t, r.body)
	require.NotNil(e.t, page.Content, "content is [] when empty, never null")
	return page.Content
}

// cancel asks Equinix to cancel one line.
func (e *env) cancel(tok, orderID string, body any) reply {
	return e.do("POST", "/equinix/colocations/v2/orders/"+orderID+"/cancel",
		jsonBody(e.t, body), "Authorization", "Bearer "+tok, "Content-Type", "application/json")
}

func TestEquinixToken(t *testing.T) {
	e := start(t)

	r := e.equinixLogin(e.sb.Credentials().EquinixClientSecret)
	require.Equal(t, http.StatusOK, r.status)
	body := decode[map[string]any](t, r.body)
	assert.NotEmpty(t, body["access_token"])
	assert.Equal(t, "3599", body["token_timeout"])
	assert.Equal(t, "Bearer", body["token_type"])

	r = e.equinixLogin("wrong")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "invalid_client", decode[map[string]any](t, r.body)["error_code"])

	form := "grant_type=client_credentials&client_id=a&client_secret=b"
	r = e.do("POST", equinixTokenPath, strings.NewReader(form),
		"Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusBadRequest, r.status, "Equinix takes JSON, not a form")
}

func TestEquinixLocksAfterFiveBadAttempts(t *testing.T) {
	e := start(t)

	for range 5 {
		r := e.equinixLogin("wrong")
		require.Equal(t, http.StatusUnauthorized, r.status)
		assert.NotContains(t, string(r.body), "locked")
	}

	r := e.equinixLogin(e.sb.Credentials().EquinixClientSecret)
	assert.Equal(t, http.StatusUnauthorized, r.status, "even good credentials fail once locked")
	assert.Contains(t, string(r.body), "locked")
}

func TestEquinixGoodLoginResetsBadCount(t *testing.T) {
	e := start(t)
	for range 4 {
		e.equinixLogin("wrong")
	}
	e.equinixToken()
	for range 4 {
		e.equinixLogin("wrong")
	}
	e.equinixToken()
}

func TestEquinixGetOrder(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()

	r := e.do("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil,
		"Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusOK, r.status)
	o := decode[map[string]any](t, r.body)
	assert.Equal(t, zohoOrder, o["orderId"])
	assert.Equal(t, "RECEIVED", o["status"])
	assert.Equal(t, true, o["cancellable"])
	assert.Equal(t, zohoIA, o["customerReferenceId"])
	assert.Contains(t, o, "createdDateTime", "extra fields clients must ignore")
	line := o["details"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"lineId": zohoLine, "status": "SUBMITTED",
		"productType": "CROSS_CONNECT", "cancellable": true}, line)

	r = e.do("GET", "/equinix/colocations/v2/orders/1-00000000", nil,
		"Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "EQ-2014005", equinixErrorCode(t, r.body))
}

func TestEquinixRefusesBadTokens(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	path := "/equinix/colocations/v2/orders/" + zohoOrder

	for _, auth := range []string{"", "Bearer nope", "Basic " + tok} {
		r := e.do("GET", path, nil, "Authorization", auth)
		assert.Equal(t, http.StatusUnauthorized, r.status, auth)
		assert.Equal(t, "EQ-2010001", equinixErrorCode(t, r.body))
	}

	e.sb.ExpireTokens("equinix")
	r := e.do("GET", path, nil, "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusUnauthorized, r.status, "expired")

	r = e.do("GET", path, nil, "Authorization", "Bearer "+e.netsuiteToken())
	assert.Equal(t, http.StatusUnauthorized, r.status, "another vendor's token")
}

func TestEquinixFindOrders(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()

	found := e.findOrders(tok, netsuiteIA)
	require.Len(t, found, 1)
	assert.Equal(t, "1-23232323", found[0]["orderId"])

	assert.Empty(t, e.findOrders(tok, "no-such-reference"))
}

// Guards the delayed confirmation and the double cancel.
func TestEquinixCancelConfirmsAfterDelay(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	body := map[string]any{"reason": "Customer cancelled", "lineIds": []string{zohoLine}}

	r := e.cancel(tok, zohoOrder, body)
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	assert.Empty(t, r.body)
	assert.Equal(t, "/colocations/v2/orders/"+zohoOrder, r.header.Get("Location"))

	o, _ := e.sb.EquinixOrder(zohoOrder)
	assert.Equal(t, "CANCELLATION_REQUESTED", o.Details[0].Status)
	assert.False(t, o.Details[0].Cancellable)

	require.Eventually(t, func() bool {
		o, _ := e.sb.EquinixOrder(zohoOrder)
		return o.Status == "CANCELLED"
	}, 2*time.Second, 10*time.Millisecond)
	o, _ = e.sb.EquinixOrder(zohoOrder)
	assert.Equal(t, "CANCELLED", o.Details[0].Status)
	assert.False(t, o.Cancellable)

	r = e.cancel(tok, zohoOrder, body)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, 1, e.sb.LineCancels(zohoOrder, zohoLine))
}

func TestEquinixCancelWhilePendingIsConflict(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	body := map[string]any{"reason": "Customer cancelled", "lineIds": []string{zohoLine}}

	require.Equal(t, http.StatusAccepted, e.cancel(tok, zohoOrder, body).status)
	r := e.cancel(tok, zohoOrder, body)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "CANCELLATION_REQUESTED")
	assert.Equal(t, 1, e.sb.LineCancels(zohoOrder, zohoLine))
}

func TestEquinixCancelValidation(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()

	tests := []struct {
		name     string
		body     any
		property string
	}{
		{"short reason", map[string]any{"reason": "no", "lineIds": []string{zohoLine}}, "reason"},
		{"long reason", map[string]any{"reason": strings.Repeat("x", 4001),
			"lineIds": []string{zohoLine}}, "reason"},
		{"two lines", map[string]any{"reason": "Customer cancelled",
			"lineIds": []string{zohoLine, "1-D1S"}}, "lineIds"},
		{"no line", map[string]any{"reason": "Customer cancelled"}, "lineIds"},
		{"unknown line", map[string]any{"reason": "Customer cancelled",
			"lineIds": []string{"1-D00000S"}}, "lineIds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.cancel(tok, zohoOrder, tt.body)
			assert.Equal(t, http.StatusBadRequest, r.status)
			errs := decode[[]struct {
				ErrorCode      string
				AdditionalInfo []struct{ Property string }
			}](t, r.body)
			require.Len(t, errs, 1)
			assert.Equal(t, "EQ-2010010", errs[0].ErrorCode)
			require.NotEmpty(t, errs[0].AdditionalInfo)
			assert.Equal(t, tt.property, errs[0].AdditionalInfo[0].Property)
		})
	}
	assert.Zero(t, e.sb.LineCancels(zohoOrder, zohoLine))
}

func TestEquinixCancelClosedOrderIsConflict(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.sb.SetOrderStatus(zohoOrder, "CLOSED")

	r := e.cancel(tok, zohoOrder,
		map[string]any{"reason": "Customer cancelled", "lineIds": []string{zohoLine}})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "CLOSED")
	assert.Zero(t, e.sb.LineCancels(zohoOrder, zohoLine))

	r = e.cancel(tok, "1-00000000",
		map[string]any{"reason": "Customer cancelled", "lineIds": []string{zohoLine}})
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestCloseStopsConfirmation(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	r := e.cancel(tok, zohoOrder,
		map[string]any{"reason": "Customer cancelled", "lineIds": []string{zohoLine}})
	require.Equal(t, http.StatusAccepted, r.status)

	e.sb.Close()
	time.Sleep(3 * confirmDelay) // long enough for a timer Close failed to stop

	o, _ := e.sb.EquinixOrder(zohoOrder)
	assert.Equal(t, "RECEIVED", o.Status)
	assert.Equal(t, "CANCELLATION_REQUESTED", o.Details[0].Status)
}

// equinixErrorCode returns the code of an Equinix error array.
func equinixErrorCode(t *testing.T, body []byte) string {
	t.Helper()
	errs := decode[[]map[string]any](t, body)
	require.Len(t, errs, 1)
	return errs[0]["errorCode"].(string)
}
