package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/sandbox"
)

// zohoPath is the adjustment path with the organization id.
func (e *env) zohoPath(id string) string {
	return "/zoho/inventory/v1/inventoryadjustments/" + id +
		"?organization_id=" + e.sb.Credentials().ZohoOrganizationID
}

func TestZohoToken(t *testing.T) {
	e := start(t)

	r := e.do("POST", zohoTokenPath(e.sb.Credentials()), nil)
	require.Equal(t, http.StatusOK, r.status)
	body := decode[map[string]any](t, r.body)
	assert.NotEmpty(t, body["access_token"])
	assert.Equal(t, json.Number("3600"), body["expires_in"])
	assert.Equal(t, e.url+"/zoho", body["api_domain"])

	bad := e.sb.Credentials()
	bad.ZohoClientSecret = "wrong"
	r = e.do("POST", zohoTokenPath(bad), nil)
	assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, r.status)
	assert.Equal(t, map[string]any{"error": "invalid_client"}, decode[map[string]any](t, r.body))
}

func TestZohoTokenFormBody(t *testing.T) {
	e := start(t)
	path := zohoTokenPath(e.sb.Credentials())
	form := path[strings.Index(path, "?")+1:]

	r := e.do("POST", "/zoho/accounts/oauth/v2/token", strings.NewReader(form),
		"Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, decode[map[string]any](t, r.body), "access_token")
}

// Guards Zoho's limit of 10 tokens per refresh token in 10 minutes.
func TestZohoTokenMintLimit(t *testing.T) {
	e := start(t)
	for range 10 {
		e.zohoToken()
	}

	r := e.do("POST", zohoTokenPath(e.sb.Credentials()), nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "Access Denied", decode[map[string]any](t, r.body)["error"])
}

// Guards against float64 ids: 4182712000000183000 does not survive one.
func TestZohoGetWritesIdsAsBareNumbers(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()

	r := e.do("GET", e.zohoPath(zohoIA), nil, "Authorization", "Zoho-oauthtoken "+tok)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	for _, want := range []string{
		`"inventory_adjustment_id":4182712000000183000`,
		`"line_item_id":4182712000000183010`,
		`"item_id":4182712000000084077`,
		`"customfield_id":4182712000000099001`,
	} {
		assert.Contains(t, string(r.body), want)
	}

	body := decode[map[string]any](t, r.body)
	assert.Equal(t, json.Number("0"), body["code"])
	assert.Equal(t, "success", body["message"])
	adj := body["inventory_adjustment"].(map[string]any)
	assert.Equal(t, "Cross connect CC-4077 at DC1", adj["description"])
	assert.Equal(t, "REF-183000", adj["reference_number"])
	assert.Equal(t, "adjusted", adj["status"])
}

func TestZohoRefusesBadCalls(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()
	base := "/zoho/inventory/v1/inventoryadjustments/" + zohoIA

	tests := []struct {
		name   string
		path   string
		auth   string
		status int
		code   string
	}{
		{"no org", base, "Zoho-oauthtoken " + tok, 400, "2"},
		{"wrong org", base + "?organization_id=1", "Zoho-oauthtoken " + tok, 400, "2"},
		{"bearer scheme", e.zohoPath(zohoIA), "Bearer " + tok, 401, "57"},
		{"unknown token", e.zohoPath(zohoIA), "Zoho-oauthtoken nope", 401, "57"},
		{"unknown id", e.zohoPath("4182712000000000001"), "Zoho-oauthtoken " + tok, 404, "1002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", tt.path, nil, "Authorization", tt.auth)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, json.Number(tt.code), decode[map[string]any](t, r.body)["code"])
		})
	}

	e.sb.ExpireTokens("zoho")
	r := e.do("GET", e.zohoPath(zohoIA), nil, "Authorization", "Zoho-oauthtoken "+tok)
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

// Guards the full-replace semantics: what a PUT leaves out is gone.
func TestZohoPutReplacesTheRecord(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()
	put := map[string]any{
		"inventory_adjustment_id": "1", // ignored: the id is kept
		"date":                    "2026-11-21",
		"reason":                  "Cross connect order",
		"adjustment_type":         "quantity",
		"line_items": []any{map[string]any{
			"line_item_id":      "4182712000000183010",
			"item_id":           "4182712000000084077",
			"quantity_adjusted": -1,
		}},
	}

	r := e.do("PUT", e.zohoPath(zohoIA), jsonBody(t, put),
		"Authorization", "Zoho-oauthtoken "+tok, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := decode[map[string]any](t, r.body)
	assert.Equal(t, "Inventory Adjustment has been updated.", body["message"])

	got, ok := e.sb.ZohoAdjustment(zohoIA)
	require.True(t, ok)
	assert.Equal(t, json.Number(zohoIA), got["inventory_adjustment_id"])
	assert.Equal(t, "2026-11-21", got["date"])
	assert.NotContains(t, got, "description")
	assert.NotContains(t, got, "custom_fields")
	line := got["line_items"].([]any)[0].(map[string]any)
	assert.Equal(t, "4182712000000084077", line["item_id"], "stored as sent: a string")
}

func TestZohoPutRequiresFields(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()
	full := func() map[string]any {
		rec, _ := e.sb.ZohoAdjustment(zohoIA)
		return rec
	}

	for _, field := range []string{"date", "reason", "adjustment_type", "line_items"} {
		rec := full()
		delete(rec, field)
		r := e.do("PUT", e.zohoPath(zohoIA), jsonBody(t, rec),
			"Authorization", "Zoho-oauthtoken "+tok)
		assert.Equal(t, http.StatusBadRequest, r.status, field)
		assert.Equal(t, json.Number("4"), decode[map[string]any](t, r.body)["code"], field)
	}

	r := e.do("PUT", e.zohoPath("4182712000000000001"), jsonBody(t, full()),
		"Authorization", "Zoho-oauthtoken "+tok)
	assert.Equal(t, http.StatusNotFound, r.status)

	got, _ := e.sb.ZohoAdjustment(zohoIA)
	assert.Equal(t, "Cross connect CC-4077 at DC1", got["description"], "nothing changed")
}

func TestZohoRoundTripKeepsEveryDigit(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()

	r := e.do("GET", e.zohoPath(zohoIA), nil, "Authorization", "Zoho-oauthtoken "+tok)
	rec := decode[struct {
		Adjustment map[string]any `json:"inventory_adjustment"`
	}](t, r.body).Adjustment
	rec["description"] = "Lattice 0123: cancelled"

	r = e.do("PUT", e.zohoPath(zohoIA), jsonBody(t, rec),
		"Authorization", "Zoho-oauthtoken "+tok)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Contains(t, string(r.body), `"item_id":4182712000000084077`)
}

func TestZohoFaultOnToken(t *testing.T) {
	e := start(t)
	e.addFault(sandbox.Fault{Vendor: "zoho", Operation: "token", Status: 503})

	r := e.do("POST", zohoTokenPath(e.sb.Credentials()), nil)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "server_error", decode[map[string]any](t, r.body)["error"])

	e.zohoToken()
}
