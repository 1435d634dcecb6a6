package sandbox_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const netsuiteRecordPath = "/netsuite/services/rest/record/v1/inventoryAdjustment/"

func TestNetSuiteToken(t *testing.T) {
	e := start(t)

	r := e.netsuiteTokenCall(goodAssertion(t, e.sb.Credentials(), e.url))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := decode[map[string]any](t, r.body)
	assert.NotEmpty(t, body["access_token"])
	assert.Equal(t, "3600", body["expires_in"], "a string, as NetSuite sends it")
	assert.Equal(t, "bearer", body["token_type"])
}

func TestNetSuiteTokenRefusesBadAssertions(t *testing.T) {
	e := start(t)
	c := e.sb.Credentials()
	key := pemKey(t, c.NetSuitePrivateKeyPEM)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	with := func(k string, v any) jwt.MapClaims {
		claims := assertionClaims(c, e.url)
		claims[k] = v
		return claims
	}
	now := time.Now()
	tests := []struct {
		name      string
		assertion string
		code      string
	}{
		{"other key", sign(t, other, c.NetSuiteCertificateID, assertionClaims(c, e.url)),
			"invalid_client"},
		{"other kid", sign(t, key, "other", assertionClaims(c, e.url)), "invalid_client"},
		{"other issuer", sign(t, key, c.NetSuiteCertificateID, with("iss", "x")),
			"invalid_client"},
		{"other audience", sign(t, key, c.NetSuiteCertificateID,
			with("aud", e.url+"/elsewhere")), "invalid_client"},
		{"no scope", sign(t, key, c.NetSuiteCertificateID, with("scope", "restlets")),
			"invalid_client"},
		{"expired", sign(t, key, c.NetSuiteCertificateID,
			with("exp", now.Add(-time.Minute).Unix())), "invalid_grant"},
		{"lives over an hour", sign(t, key, c.NetSuiteCertificateID,
			with("exp", now.Add(2*time.Hour).Unix())), "invalid_grant"},
		{"garbage", "not.a.jwt", "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.netsuiteTokenCall(tt.assertion)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, tt.code, decode[map[string]any](t, r.body)["error"])
		})
	}
}

func TestNetSuiteTokenAcceptsScopeString(t *testing.T) {
	e := start(t)
	c := e.sb.Credentials()
	claims := assertionClaims(c, "https://1234567-sb1.suitetalk.api.netsuite.com")
	claims["aud"] = "https://x.example/netsuite/services/rest/auth/oauth2/v1/token"
	claims["scope"] = "restlets,rest_webservices"

	r := e.netsuiteTokenCall(sign(t, pemKey(t, c.NetSuitePrivateKeyPEM),
		c.NetSuiteCertificateID, claims))
	assert.Equal(t, http.StatusOK, r.status, "only the aud path is compared: %s", r.body)
}

func TestNetSuiteTokenRefusesJSONBody(t *testing.T) {
	e := start(t)
	r := e.do("POST", "/netsuite/services/rest/auth/oauth2/v1/token",
		strings.NewReader(`{"grant_type":"client_credentials"}`), "Content-Type", "application/json")
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func TestNetSuiteGetAdjustment(t *testing.T) {
	e := start(t)
	tok := e.netsuiteToken()

	r := e.do("GET", netsuiteRecordPath+netsuiteIA+"?expandSubResources=true", nil,
		"Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	rec := decode[map[string]any](t, r.body)
	assert.Equal(t, "5120", rec["id"])
	assert.Equal(t, "INVADJ-5120", rec["tranId"])
	assert.Equal(t, "2026-11-20", rec["tranDate"])
	assert.Equal(t, "Cross connect CC-981 at DC2", rec["memo"])
	assert.NotEmpty(t, rec["links"])
	item := rec["inventory"].(map[string]any)["items"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"id": "981", "refName": "Cross Connect"}, item["item"])
	assert.Equal(t, json.Number("-1"), item["adjustQtyBy"])

	r = e.do("GET", netsuiteRecordPath+"999999", nil, "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "NONEXISTENT_ID", netsuiteErrorCode(t, r.body))
}

func TestNetSuiteRefusesBadTokens(t *testing.T) {
	e := start(t)
	tok := e.netsuiteToken()

	r := e.do("GET", netsuiteRecordPath+netsuiteIA, nil, "Authorization", "Bearer nope")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.JSONEq(t, `{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",`+
		`"title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.",`+
		`"o:errorCode":"INVALID_LOGIN"}]}`, string(r.body))

	e.sb.ExpireTokens("netsuite")
	r = e.do("GET", netsuiteRecordPath+netsuiteIA, nil, "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

func TestNetSuitePatchMerges(t *testing.T) {
	e := start(t)
	tok := e.netsuiteToken()

	r := e.do("PATCH", netsuiteRecordPath+netsuiteIA,
		strings.NewReader(`{"memo":"Lattice 0123: cancelling"}`),
		"Authorization", "Bearer "+tok, "Content-Type", "application/json")
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Empty(t, r.body)

	rec, _ := e.sb.NetSuiteAdjustment(netsuiteIA)
	assert.Equal(t, "Lattice 0123: cancelling", rec["memo"])
	assert.Equal(t, "INVADJ-5120", rec["tranId"], "omitted fields are untouched")
	assert.NotEmpty(t, rec["inventory"])
}

func TestNetSuitePatchRefusesBadBodies(t *testing.T) {
	e := start(t)
	tok := e.netsuiteToken()

	for body, path := range map[string]string{
		`{"memo":"x","colour":"red"}`: "colour",
		`{"id":"1"}`:                  "id",
		`{"memo":42}`:                 "memo",
		`[1]`:                         "",
	} {
		r := e.do("PATCH", netsuiteRecordPath+netsuiteIA, strings.NewReader(body),
			"Authorization", "Bearer "+tok)
		assert.Equal(t, http.StatusBadRequest, r.status, body)
		code, errPath := netsuiteError(t, r.body)
		assert.Equal(t, "INVALID_CONTENT", code, body)
		assert.Equal(t, path, errPath, body)
	}

	r := e.do("PATCH", netsuiteRecordPath+"999999", strings.NewReader(`{"memo":"x"}`),
		"Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusNotFound, r.status)

	rec, _ := e.sb.NetSuiteAdjustment(netsuiteIA)
	assert.Equal(t, "Cross connect CC-981 at DC2", rec["memo"], "nothing changed")
}

// netsuiteErrorCode returns the first o:errorCode of a NetSuite error.
func netsuiteErrorCode(t *testing.T, body []byte) string {
	t.Helper()
	code, _ := netsuiteError(t, body)
	return code
}

// netsuiteError returns the first o:errorCode and o:errorPath of a
// NetSuite error.
func netsuiteError(t *testing.T, body []byte) (code, path string) {
	t.Helper()
	var e struct {
		Details []struct {
			Code string `json:"o:errorCode"`
			Path string `json:"o:errorPath"`
		} `json:"o:errorDetails"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	require.NotEmpty(t, e.Details)
	return e.Details[0].Code, e.Details[0].Path
}
