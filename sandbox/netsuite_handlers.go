package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lattice/lattice/vendors"
)

// tokenPath is NetSuite's OAuth 2.0 token path, under the sandbox's
// /netsuite base.
const tokenPath = "/services/rest/auth/oauth2/v1/token"

// jwtBearer is the client assertion type of the client-credentials grant.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Bounds on a client assertion: NetSuite refuses assertions that live
// longer than an hour. The leeway absorbs clock skew between processes.
const (
	assertionMaxLife = time.Hour
	assertionLeeway  = 30 * time.Second
)

// errAssertionTime marks an assertion refused for its times, which
// NetSuite reports as invalid_grant rather than invalid_client.
var errAssertionTime = errors.New("assertion times out of bounds")

// netsuiteWritable lists the fields a PATCH may set. Others, like id and
// links, are read-only or unknown and make NetSuite answer INVALID_CONTENT.
var netsuiteWritable = []string{
	"memo", "tranId", "tranDate", "account", "inventory",
	"externalId", "subsidiary", "department", "class", "location", "adjLocation",
}

// netsuiteToken serves POST /services/rest/auth/oauth2/v1/token, the
// client-credentials grant with a signed JWT assertion.
func (s *Sandbox) netsuiteToken(w http.ResponseWriter, r *http.Request) {
	if !hasMediaType(r, "application/x-www-form-urlencoded") || r.ParseForm() != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"The body must be form-encoded")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" || f.Get("client_assertion_type") != jwtBearer {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"Expected the client_credentials grant with a jwt-bearer assertion")
		return
	}

	if err := s.verifyAssertion(f.Get("client_assertion")); err != nil {
		s.log.Info("sandbox assertion refused", "vendor", vendors.NetSuite, "error", err)
		code := "invalid_client"
		if errors.Is(err, errAssertionTime) {
			code = "invalid_grant"
		}
		writeOAuthError(w, http.StatusBadRequest, code, "")
		return
	}

	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": s.issueToken(vendors.NetSuite),
		"expires_in":   "3600",
		"token_type":   "bearer",
	})
}

// assertionClaims are the claims NetSuite reads from a client assertion.
type assertionClaims struct {
	jwt.RegisteredClaims
	Scope any `json:"scope"`
}

// verifyAssertion checks the assertion's ES256 signature, kid, issuer,
// audience, scope and times.
func (s *Sandbox) verifyAssertion(raw string) error {
	var c assertionClaims
	_, err := jwt.ParseWithClaims(raw, &c, s.assertionKey,
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithIssuer(s.creds.NetSuiteClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(assertionLeeway),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fmt.Errorf("verify assertion: %w: %w", errAssertionTime, err)
	case err != nil:
		return fmt.Errorf("verify assertion: %w", err)
	}

	if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > assertionMaxLife {
		return fmt.Errorf("verify assertion: %w: iat missing or exp after iat+1h",
			errAssertionTime)
	}
	if !slices.ContainsFunc(c.Audience, isTokenURL) {
		return errors.New("verify assertion: aud is not the token URL")
	}
	if !hasScope(c.Scope, "rest_webservices") {
		return errors.New("verify assertion: scope lacks rest_webservices")
	}
	return nil
}

// assertionKey returns the key that signs assertions of the configured
// certificate.
func (s *Sandbox) assertionKey(t *jwt.Token) (any, error) {
	if kid, _ := t.Header["kid"].(string); kid != s.creds.NetSuiteCertificateID {
		return nil, errors.New("unknown kid")
	}
	if s.netsuiteKey == nil {
		return nil, errors.New("no sandbox key")
	}
	return s.netsuiteKey, nil
}

// isTokenURL reports whether aud names the token endpoint. Only the path
// is compared: the sandbox does not know the host clients reach it by.
func isTokenURL(aud string) bool {
	u, err := url.Parse(aud)
	return err == nil && strings.HasSuffix(u.Path, "/netsuite"+tokenPath)
}

// hasScope reports whether a scope claim, a string of space- or
// comma-separated scopes or an array of them, holds want.
func hasScope(claim any, want string) bool {
	var scopes []string
	switch v := claim.(type) {
	case string:
		scopes = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		for _, e := range v {
			if str, ok := e.(string); ok {
				scopes = append(scopes, str)
			}
		}
	}
	return slices.Contains(scopes, want)
}

// netsuiteGetAdjustment serves GET /inventoryAdjustment/{id}. The sandbox
// always includes the inventory items, as with expandSubResources=true.
func (s *Sandbox) netsuiteGetAdjustment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, ok := s.NetSuiteAdjustment(id)
	if !ok {
		writeNetSuiteError(w, http.StatusNotFound, "NONEXISTENT_ID",
			netsuiteDetail("NONEXISTENT_ID", http.StatusNotFound), "")
		return
	}

	self := baseURL(r) + "/netsuite" + recordPath + id
	rec["links"] = []any{map[string]any{"rel": "self", "href": self}}
	writeJSONAs(w, http.StatusOK, contentNetSuiteRecord, rec)
}

// netsuitePatchAdjustment serves PATCH /inventoryAdjustment/{id}: the sent
// fields replace the stored ones, a null removes one, the rest is kept.
func (s *Sandbox) netsuitePatchAdjustment(w http.ResponseWriter, r *http.Request) {
	var patch map[string]any
	if err := decodeBody(r, &patch); err != nil || patch == nil {
		writeNetSuiteError(w, http.StatusBadRequest, "INVALID_CONTENT",
			"The request body must be a JSON object.", "")
		return
	}
	if field, why := checkPatch(patch); field != "" {
		writeNetSuiteError(w, http.StatusBadRequest, "INVALID_CONTENT", why, field)
		return
	}

	if !s.mergeNetSuiteAdjustment(r.PathValue("id"), patch) {
		writeNetSuiteError(w, http.StatusNotFound, "NONEXISTENT_ID",
			netsuiteDetail("NONEXISTENT_ID", http.StatusNotFound), "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkPatch names the first field a PATCH may not carry, and why.
func checkPatch(patch map[string]any) (field, why string) {
	for k, v := range patch {
		if !slices.Contains(netsuiteWritable, k) {
			return k, "Invalid field name or read-only field: " + k
		}
		switch k {
		case "memo", "tranId", "tranDate":
			if _, ok := v.(string); !ok && v != nil {
				return k, "Invalid value for field " + k + ": expected a string"
			}
		}
	}
	return "", ""
}

// mergeNetSuiteAdjustment applies patch to the stored adjustment; false
// when there is no such adjustment.
func (s *Sandbox) mergeNetSuiteAdjustment(id string, patch map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	raw, ok := s.netsuite.adjustments[id]
	if !ok {
		return false
	}

	rec := decodeRecord(raw)
	for k, v := range patch {
		if v == nil {
			delete(rec, k)
			continue
		}
		rec[k] = v
	}
	s.netsuite.adjustments[id] = mustJSON(rec)
	return true
}
