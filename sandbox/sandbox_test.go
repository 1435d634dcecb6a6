package sandbox_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/sandbox"
)

// Demo records seeded by New.
const (
	zohoIA       = "4182712000000183000"
	netsuiteIA   = "5120"
	zohoOrder    = "1-23232322"
	zohoLine     = "1-D89731S"
	netsuiteLine = "1-D89732S"
)

// confirmDelay keeps the confirmation tests fast.
const confirmDelay = 50 * time.Millisecond

// env is a sandbox served on loopback, with a client that opens a fresh
// connection per call: a dropped connection then fails the call instead of
// being retried by the transport on another pooled connection.
type env struct {
	t      *testing.T
	sb     *sandbox.Sandbox
	url    string
	client *http.Client
}

func start(t *testing.T) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Options{ConfirmDelay: confirmDelay})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})

	return &env{
		t:   t,
		sb:  sb,
		url: srv.URL,
		client: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{DisableKeepAlives: true},
		},
	}
}

// reply is what a call answered.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// try makes a call; headers come as name, value pairs.
func (e *env) try(method, path string, body io.Reader, headers ...string) (reply, error) {
	req, err := http.NewRequest(method, e.url+path, body)
	require.NoError(e.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}

	resp, err := e.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()

	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// do makes a call that must get an answer.
func (e *env) do(method, path string, body io.Reader, headers ...string) reply {
	e.t.Helper()
	r, err := e.try(method, path, body, headers...)
	require.NoError(e.t, err)
	return r
}

// jsonBody encodes v for a request.
func jsonBody(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

// decode decodes a reply body, keeping numbers as json.Number.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v), "body: %s", b)
	return v
}

// addFault posts f to the control endpoint.
func (e *env) addFault(f sandbox.Fault) {
	e.t.Helper()
	r := e.do("POST", "/_sandbox/faults", jsonBody(e.t, f))
	require.Equal(e.t, http.StatusCreated, r.status, "body: %s", r.body)
}

// equinixToken gets an Equinix access token.
func (e *env) equinixToken() string {
	e.t.Helper()
	c := e.sb.Credentials()
	r := e.do("POST", "/equinix/oauth2/v1/token", jsonBody(e.t, map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     c.EquinixClientID,
		"client_secret": c.EquinixClientSecret,
	}), "Content-Type", "application/json")
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)
	return decode[map[string]any](e.t, r.body)["access_token"].(string)
}

// zohoToken gets a Zoho access token.
func (e *env) zohoToken() string {
	e.t.Helper()
	r := e.do("POST", zohoTokenPath(e.sb.Credentials()), nil)
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)
	tok, ok := decode[map[string]any](e.t, r.body)["access_token"].(string)
	require.True(e.t, ok, "body: %s", r.body)
	return tok
}

func zohoTokenPath(c sandbox.Credentials) string {
	q := url.Values{
		"refresh_token": {c.ZohoRefreshToken},
		"client_id":     {c.ZohoClientID},
		"client_secret": {c.ZohoClientSecret},
		"grant_type":    {"refresh_token"},
	}
	return "/zoho/accounts/oauth/v2/token?" + q.Encode()
}

// netsuiteToken gets a NetSuite access token with a good assertion.
func (e *env) netsuiteToken() string {
	e.t.Helper()
	r := e.netsuiteTokenCall(goodAssertion(e.t, e.sb.Credentials(), e.url))
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)
	return decode[map[string]any](e.t, r.body)["access_token"].(string)
}

func (e *env) netsuiteTokenCall(assertion string) reply {
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	return e.do("POST", "/netsuite/services/rest/auth/oauth2/v1/token",
		strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
}

// assertionClaims are the claims of a good assertion for base.
func assertionClaims(c sandbox.Credentials, base string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":   c.NetSuiteClientID,
		"scope": []string{"rest_webservices"},
		"aud":   base + "/netsuite/services/rest/auth/oauth2/v1/token",
		"iat":   now.Unix(),
		"exp":   now.Add(30 * time.Minute).Unix(),
	}
}

func goodAssertion(t *testing.T, c sandbox.Credentials, base string) string {
	return sign(t, pemKey(t, c.NetSuitePrivateKeyPEM), c.NetSuiteCertificateID,
		assertionClaims(c, base))
}

// sign makes an ES256 JWT.
func sign(t *testing.T, key *ecdsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func pemKey(t *testing.T, s string) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	require.NotNil(t, block)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	return k.(*ecdsa.PrivateKey)
}

func TestDefaultCredentialsAreFixed(t *testing.T) {
	a, b := sandbox.DefaultCredentials(), sandbox.DefaultCredentials()
	assert.Equal(t, a, b)
	assert.Equal(t, a, sandbox.New(sandbox.Options{}).Credentials())
	assert.NotNil(t, pemKey(t, a.NetSuitePrivateKeyPEM))
}

func TestUnknownPathAndMethod(t *testing.T) {
	e := start(t)

	r := e.do("GET", "/nowhere", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, decode[map[string]any](t, r.body), "detail")

	r = e.do("DELETE", "/equinix/colocations/v2/orders/"+zohoOrder, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET", r.header.Get("Allow"))
	errs := decode[[]map[string]any](t, r.body)
	require.Len(t, errs, 1)

	r = e.do("POST", "/zoho/inventory/v1/inventoryadjustments/"+zohoIA, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.ElementsMatch(t, []string{"GET", "PUT"},
		strings.Split(r.header.Get("Allow"), ", "))
	assert.Zero(t, e.sb.Calls("", ""), "405 reaches no operation")
}

func TestCallsCountsEveryOperationCall(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Status: 503})

	for range 3 {
		e.do("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil,
			"Authorization", "Bearer "+tok)
	}
	e.do("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil) // no token: still counted

	assert.Equal(t, 4, e.sb.Calls("equinix", "get_order"))
	assert.Equal(t, 1, e.sb.Calls("equinix", "token"))
	assert.Equal(t, 5, e.sb.Calls("equinix", ""))
	assert.Equal(t, 5, e.sb.Calls("", ""))
	assert.Zero(t, e.sb.Calls("zoho", ""))

	r := e.do("GET", "/_sandbox/calls?vendor=equinix&operation=get_order", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"count":4}`, string(r.body))
}

func TestFaultControlRejectsBadFaults(t *testing.T) {
	e := start(t)
	bad := []string{
		`{"vendor":"cyxtera","operation":"token"}`,
		`{"vendor":"zoho","operation":"cancel"}`,
		`{"vendor":"equinix","operation":"cancel","mode":"explode"}`,
		`{"vendor":"equinix","operation":"cancel","status":200}`,
		`{"vendor":"equinix","operation":"cancel","times":-1}`,
		`{"vendor":"zoho","operation":"get_adjustment","error_code":"abc"}`,
		`{"vendor":"equinix","operation":"cancel","stauts":500}`,
		`not json`,
	}
	for _, body := range bad {
		r := e.do("POST", "/_sandbox/faults", strings.NewReader(body))
		assert.Equal(t, http.StatusBadRequest, r.status, body)
		assert.NotEmpty(t, decode[map[string]any](t, r.body)["detail"], body)
	}

	assert.Error(t, e.sb.AddFault(sandbox.Fault{Vendor: "netsuite", Operation: "find_order"}))
}

func TestFaultStatusIsConsumedInOrder(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 429,
		Times: 2, RetryAfterS: 7})
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "cancel", Status: 502})

	cancel := func() reply {
		return e.do("POST", "/equinix/colocations/v2/orders/"+zohoOrder+"/cancel",
			jsonBody(t, map[string]any{"reason": "no longer needed", "lineIds": []string{zohoLine}}),
			"Authorization", "Bearer "+tok)
	}
	for range 2 {
		r := cancel()
		assert.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, "7", r.header.Get("Retry-After"))
		errs := decode[[]map[string]any](t, r.body)
		require.Len(t, errs, 1)
		assert.Equal(t, "EQ-2010429", errs[0]["errorCode"])
		assert.NotEmpty(t, errs[0]["correlationId"])
	}
	assert.Equal(t, http.StatusBadGateway, cancel().status)
	assert.Zero(t, e.sb.LineCancels(zohoOrder, zohoLine), "faulted calls change nothing")

	assert.Equal(t, http.StatusAccepted, cancel().status)
	assert.Equal(t, 1, e.sb.LineCancels(zohoOrder, zohoLine))
}

func TestFaultStatusBodiesPerVendor(t *testing.T) {
	e := start(t)
	ztok, ntok := e.zohoToken(), e.netsuiteToken()
	org := "?organization_id=" + e.sb.Credentials().ZohoOrganizationID

	e.addFault(sandbox.Fault{Vendor: "zoho", Operation: "get_adjustment", Status: 429,
		RetryAfterS: 30})
	r := e.do("GET", "/zoho/inventory/v1/inventoryadjustments/"+zohoIA+org, nil,
		"Authorization", "Zoho-oauthtoken "+ztok)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.JSONEq(t, `{"code":44,"message":"too many requests"}`, string(r.body))
	assert.Equal(t, "30", r.header.Get("X-Rate-Limit-Reset"))
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	assert.Empty(t, r.header.Get("Retry-After"))

	e.addFault(sandbox.Fault{Vendor: "netsuite", Operation: "update_adjustment", Status: 429,
		RetryAfterS: 2})
	r = e.do("PATCH", "/netsuite/services/rest/record/v1/inventoryAdjustment/"+netsuiteIA,
		strings.NewReader(`{"memo":"x"}`), "Authorization", "Bearer "+ntok)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	assert.Equal(t, "CONCURRENCY_LIMIT_EXCEEDED", netsuiteErrorCode(t, r.body))

	e.addFault(sandbox.Fault{Vendor: "netsuite", Operation: "get_adjustment", Status: 401,
		ErrorCode: "INVALID_LOGIN"})
	r = e.do("GET", "/netsuite/services/rest/record/v1/inventoryAdjustment/"+netsuiteIA, nil,
		"Authorization", "Bearer "+ntok)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "INVALID_LOGIN", netsuiteErrorCode(t, r.body))
}

func TestFaultDelay(t *testing.T) {
	e := start(t)
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Status: 500,
		DelayMS: 150})

	began := time.Now()
	r := e.do("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.GreaterOrEqual(t, time.Since(began), 150*time.Millisecond)
}

func TestFaultDropClosesTheConnection(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "get_order", Mode: "drop"})

	_, err := e.try("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil,
		"Authorization", "Bearer "+tok)
	require.Error(t, err)
	assert.Equal(t, 1, e.sb.Calls("equinix", "get_order"))

	r := e.do("GET", "/equinix/colocations/v2/orders/"+zohoOrder, nil,
		"Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusOK, r.status, "the fault hits one call only")
}

// Guards the retry-after-timeout case: the change lands although the caller
// sees only a timeout.
func TestFaultPerformedThenTimeoutAppliesTheChange(t *testing.T) {
	e := start(t)
	tok := e.equinixToken()
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "cancel",
		Mode: "performed_then_timeout", DelayMS: 2000})
	e.client.Timeout = 200 * time.Millisecond

	_, err := e.try("POST", "/equinix/colocations/v2/orders/"+zohoOrder+"/cancel",
		jsonBody(t, map[string]any{"reason": "no longer needed", "lineIds": []string{zohoLine}}),
		"Authorization", "Bearer "+tok)
	var netErr net.Error
	require.True(t, errors.As(err, &netErr) && netErr.Timeout(), "error: %v", err)

	assert.Equal(t, 1, e.sb.LineCancels(zohoOrder, zohoLine))
	o, _ := e.sb.EquinixOrder(zohoOrder)
	assert.NotEqual(t, "SUBMITTED", o.Details[0].Status)
}

func TestFaultPerformedThenTimeoutOnZohoPut(t *testing.T) {
	e := start(t)
	tok := e.zohoToken()
	e.addFault(sandbox.Fault{Vendor: "zoho", Operation: "update_adjustment",
		Mode: "performed_then_timeout"})

	rec, _ := e.sb.ZohoAdjustment(zohoIA)
	rec["description"] = "Lattice abc: cancelling"
	_, err := e.try("PUT", "/zoho/inventory/v1/inventoryadjustments/"+zohoIA+
		"?organization_id="+e.sb.Credentials().ZohoOrganizationID,
		jsonBody(t, rec), "Authorization", "Zoho-oauthtoken "+tok)
	require.Error(t, err)

	got, _ := e.sb.ZohoAdjustment(zohoIA)
	assert.Equal(t, "Lattice abc: cancelling", got["description"])
}

func TestClearFaults(t *testing.T) {
	e := start(t)
	e.addFault(sandbox.Fault{Vendor: "equinix", Operation: "token", Status: 500, Times: 5})

	r := e.do("DELETE", "/_sandbox/faults", nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	e.equinixToken()
}

func TestFixturesZoho(t *testing.T) {
	e := start(t)

	r := e.do("POST", "/_sandbox/fixtures", strings.NewReader(`{"source":"ZOH","count":3}`))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	reqs := decode[struct{ Requests []json.RawMessage }](t, r.body).Requests
	require.Len(t, reqs, 3)

	tok := e.equinixToken()
	seen := map[string]bool{}
	for _, raw := range reqs {
		ia, item := fixtureIDs(t, raw)
		assert.Len(t, ia, 19)
		assert.False(t, seen[ia], "ids are fresh")
		seen[ia] = true

		rec, ok := e.sb.ZohoAdjustment(ia)
		require.True(t, ok)
		line := rec["line_items"].([]any)[0].(map[string]any)
		assert.Equal(t, json.Number(item), line["item_id"])

		found := e.findOrders(tok, ia)
		require.Len(t, found, 1)
		assert.Equal(t, true, found[0]["cancellable"])
	}

	want := `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},` +
		`"qcl_transaction_data":{"generic_fields":{},"source_fields":{"qcl_ia_id":"IA",` +
		`"qcl_item_details":[{"qcl_cc_inventory_item_id":"ITEM",` +
		`"qcl_cc_inventory_item_name":"Cross Connect"}]}},"destination_fields":{}}`
	ia, item := fixtureIDs(t, reqs[0])
	want = strings.NewReplacer("IA", ia, "ITEM", item).Replace(want)
	assert.Equal(t, want, string(reqs[0]))
}

func TestFixturesNetSuite(t *testing.T) {
	e := start(t)
	reqs, err := e.sb.Fixtures("ONS", 2)
	require.NoError(t, err)

	for _, raw := range reqs {
		ia, item := fixtureIDs(t, raw)
		// Short integers, as NetSuite's internal ids are.
		assert.Regexp(t, `^[0-9]{1,9}$`, ia)
		rec, ok := e.sb.NetSuiteAdjustment(ia)
		require.True(t, ok)
		items := rec["inventory"].(map[string]any)["items"].([]any)
		assert.Equal(t, item, items[0].(map[string]any)["item"].(map[string]any)["id"])
	}
}

func TestFixturesRejectsBadInput(t *testing.T) {
	e := start(t)
	for _, body := range []string{
		`{"source":"ZOH","count":0}`,
		`{"source":"ZOH","count":1001}`,
		`{"source":"EQX","count":1}`,
	} {
		r := e.do("POST", "/_sandbox/fixtures", strings.NewReader(body))
		assert.Equal(t, http.StatusBadRequest, r.status, body)
	}
}

func TestFixturesAreSafeConcurrently(t *testing.T) {
	e := start(t)
	var (
		mu  sync.Mutex
		ids = map[string]bool{}
		wg  sync.WaitGroup
	)
	for _, src := range []string{"ZOH", "ONS", "ZOH", "ONS"} {
		wg.Go(func() {
			reqs, err := e.sb.Fixtures(src, 50)
			assert.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, raw := range reqs {
				ia, _ := fixtureIDs(t, raw)
				assert.False(t, ids[src+ia], "duplicate id %s", ia)
				ids[src+ia] = true
			}
		})
	}
	wg.Wait()
	assert.Len(t, ids, 200)
}

// fixtureIDs returns the IA id and item id of a fixture cancel request.
func fixtureIDs(t *testing.T, raw json.RawMessage) (ia, item string) {
	t.Helper()
	var req struct {
		TransactionData struct {
			SourceFields struct {
				IAID  string `json:"qcl_ia_id"`
				Items []struct {
					ID string `json:"qcl_cc_inventory_item_id"`
				} `json:"qcl_item_details"`
			} `json:"source_fields"`
		} `json:"qcl_transaction_data"`
	}
	require.NoError(t, json.Unmarshal(raw, &req))
	f := req.TransactionData.SourceFields
	require.Len(t, f.Items, 1)
	return f.IAID, f.Items[0].ID
}
