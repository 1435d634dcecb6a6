package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors"
)

// seedZohoAdjustmentID is the demo Zoho adjustment. It is above 2^53, so a
// client that decodes ids as float64 corrupts it.
const seedZohoAdjustmentID = "4182712000000183000"

// Zoho's limit on minting access tokens from one refresh token.
const (
	zohoMintLimit  = 10
	zohoMintWindow = 10 * time.Minute
)

// zohoState is the emulated Zoho Inventory organization. Guarded by
// Sandbox.mu.
type zohoState struct {
	// adjustments holds each record as JSON, so ids stay bare numbers with
	// every digit and every read is a copy.
	adjustments map[string][]byte
	mints       map[string][]time.Time // by refresh token
	nextID      uint64
}

// seedZoho adds the demo adjustment.
func (s *Sandbox) seedZoho() {
	s.zoho = zohoState{
		adjustments: map[string][]byte{},
		mints:       map[string][]time.Time{},
		nextID:      4182712000200000001,
	}

	rec := zohoRecord(seedZohoAdjustmentID, "4182712000000183010", "4182712000000084077",
		"Cross connect CC-4077 at DC1", "REF-183000")
	rec["custom_fields"] = []any{map[string]any{
		"customfield_id": json.Number("4182712000000099001"),
		"label":          "Ticket",
		"value":          "T-1",
	}}
	s.zoho.adjustments[seedZohoAdjustmentID] = mustJSON(rec)
}

// zohoRecord builds an adjustment with one cross-connect line. Ids are
// json.Number so they encode as bare numbers, as Zoho's examples show them.
func zohoRecord(id, lineID, itemID, description, ref string) map[string]any {
	return map[string]any{
		"inventory_adjustment_id": json.Number(id),
		"date":                    "2026-11-20",
		"reason":                  "Cross connect order",
		"description":             description,
		"reference_number":        ref,
		"adjustment_type":         "quantity",
		"status":                  "adjusted",
		"custom_fields":           []any{},
		"line_items": []any{map[string]any{
			"line_item_id":      json.Number(lineID),
			"item_id":           json.Number(itemID),
			"name":              "Cross Connect",
			"quantity_adjusted": json.Number("-1"),
		}},
	}
}

// addZohoFixture stores a fresh adjustment holding one fresh item and
// returns their ids.
func (s *Sandbox) addZohoFixture() (iaID, itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	next := func() string {
		s.zoho.nextID++
		return strconv.FormatUint(s.zoho.nextID, 10)
	}
	iaID, lineID, itemID := next(), next(), next()

	rec := zohoRecord(iaID, lineID, itemID, "Cross connect fixture "+iaID, "REF-"+iaID)
	s.zoho.adjustments[iaID] = mustJSON(rec)
	return iaID, itemID
}

// ZohoAdjustment returns the stored adjustment, decoded with UseNumber so
// ids keep every digit.
func (s *Sandbox) ZohoAdjustment(id string) (map[string]any, bool) {
	s.mu.Lock()
	raw, ok := s.zoho.adjustments[id]
	s.mu.Unlock()

	if !ok {
		return nil, false
	}
	return decodeRecord(raw), true
}

// zohoRoutes maps the Zoho paths to their operations.
func (s *Sandbox) zohoRoutes() []route {
	const adjustment = "/zoho/inventory/v1/inventoryadjustments/{id}"
	return []route{
		{"POST", "/zoho/accounts/oauth/v2/token", vendors.Zoho, OpToken, s.zohoToken},
		{"GET", adjustment, vendors.Zoho, OpGetAdjustment, s.zohoAuth(s.zohoGetAdjustment)},
		{"PUT", adjustment, vendors.Zoho, OpUpdateAdjustment,
			s.zohoAuth(s.zohoPutAdjustment)},
	}
}

// zohoToken serves POST /oauth/v2/token with the refresh-token grant. Zoho
// reports bad credentials with status 200 and an "error" member.
func (s *Sandbox) zohoToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "")
		return
	}
	if r.Form.Get("grant_type") != "refresh_token" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}

	refresh := r.Form.Get("refresh_token")
	if !same(r.Form.Get("client_id"), s.creds.ZohoClientID) ||
		!same(r.Form.Get("client_secret"), s.creds.ZohoClientSecret) ||
		!same(refresh, s.creds.ZohoRefreshToken) {
		writeOAuthError(w, http.StatusOK, "invalid_client", "")
		return
	}
	if !s.zohoMint(refresh) {
		writeOAuthError(w, http.StatusBadRequest, "Access Denied",
			"You have made too many requests continuously. Please try again after some time.")
		return
	}

	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": s.issueToken(vendors.Zoho),
		"expires_in":   3600,
		"api_domain":   baseURL(r) + "/zoho",
		"token_type":   "Bearer",
	})
}

// zohoMint records a token minted from refresh, or reports false when the
// refresh token has minted its limit within the window.
func (s *Sandbox) zohoMint(refresh string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	cutoff := time.Now().Add(-zohoMintWindow)
	recent := s.zoho.mints[refresh][:0]
	for _, t := range s.zoho.mints[refresh] {
		if t.After(cutoff) {
			recent = append(recent, t)
		}
	}
	if len(recent) >= zohoMintLimit {
		s.zoho.mints[refresh] = recent
		return false
	}
	s.zoho.mints[refresh] = append(recent, time.Now())
	return true
}

// writeOAuthError answers a token request in the OAuth error shape.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}

// mustJSON encodes a record the sandbox built itself.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("encode sandbox record: " + err.Error())
	}
	return b
}

// decodeRecord decodes a stored record, keeping numbers as json.Number.
func decodeRecord(raw []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()

	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		// Stored records were encoded by the sandbox from a map.
		panic("decode sandbox record: " + err.Error())
	}
	return rec
}

// zohoMessage is the message Zoho sends with code.
func zohoMessage(code, status int) string {
	switch code {
	case 57:
		return "You are not authorized to perform this operation"
	case 1002:
		return "Inventory adjustment does not exist."
	}
	return strings.ToLower(http.StatusText(status))
}
