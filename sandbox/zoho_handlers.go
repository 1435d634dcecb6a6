package sandbox

import (
	"encoding/json"
	"net/http"

	"github.com/lattice/lattice/vendors"
)

// zohoAuth refuses calls without a live Zoho token or with the wrong
// organization.
func (s *Sandbox) zohoAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if !s.validToken(auth, "Zoho-oauthtoken", vendors.Zoho) {
			writeZohoError(w, http.StatusUnauthorized, 57, zohoMessage(57, 0))
			return
		}

		org := r.URL.Query().Get("organization_id")
		if org == "" || org != s.creds.ZohoOrganizationID {
			writeZohoError(w, http.StatusBadRequest, 2,
				"Invalid value passed for organization_id")
			return
		}
		h(w, r)
	}
}

// zohoEnvelope is Zoho's answer to an adjustment call.
type zohoEnvelope struct {
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Adjustment json.RawMessage `json:"inventory_adjustment"`
}

// zohoGetAdjustment serves GET /inventoryadjustments/{id}.
func (s *Sandbox) zohoGetAdjustment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	raw, ok := s.zoho.adjustments[r.PathValue("id")]
	s.mu.Unlock()

	if !ok {
		writeZohoError(w, http.StatusNotFound, 1002, zohoMessage(1002, 0))
		return
	}
	writeJSON(w, http.StatusOK, zohoEnvelope{Message: "success", Adjustment: raw})
}

// zohoPutAdjustment serves PUT /inventoryadjustments/{id}. The body
// replaces the stored record: whatever the client leaves out is lost, as
// at Zoho. Only the id is kept.
func (s *Sandbox) zohoPutAdjustment(w http.ResponseWriter, r *http.Request) {
	var rec map[string]any
	if err := decodeBody(r, &rec); err != nil || rec == nil {
		writeZohoError(w, http.StatusBadRequest, 4, "Invalid JSON body")
		return
	}
	if field := missingZohoField(rec); field != "" {
		writeZohoError(w, http.StatusBadRequest, 4, "Invalid value passed for "+field)
		return
	}

	raw, ok := s.replaceZohoAdjustment(r.PathValue("id"), rec)
	if !ok {
		writeZohoError(w, http.StatusNotFound, 1002, zohoMessage(1002, 0))
		return
	}
	writeJSON(w, http.StatusOK, zohoEnvelope{
		Message:    "Inventory Adjustment has been updated.",
		Adjustment: raw,
	})
}

// missingZohoField names the first required field that is absent or
// invalid, or returns "".
func missingZohoField(rec map[string]any) string {
	for _, f := range []string{"date", "reason"} {
		if v, ok := rec[f].(string); !ok || v == "" {
			return f
		}
	}
	if t := rec["adjustment_type"]; t != "quantity" && t != "value" {
		return "adjustment_type"
	}
	if items, ok := rec["line_items"].([]any); !ok || len(items) == 0 {
		return "line_items"
	}
	return ""
}

// replaceZohoAdjustment stores rec as the adjustment id, keeping the id,
// and returns what is stored; false when there is no such adjustment.
func (s *Sandbox) replaceZohoAdjustment(id string, rec map[string]any) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if _, ok := s.zoho.adjustments[id]; !ok {
		return nil, false
	}
	rec["inventory_adjustment_id"] = json.Number(id)
	raw := mustJSON(rec)
	s.zoho.adjustments[id] = raw
	return raw, true
}

// writeZohoError answers in Zoho's {code, message} envelope.
func writeZohoError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

// zohoCode is the code Zoho sends with status when nothing more specific
// applies.
func zohoCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return 4
	case http.StatusUnauthorized:
		return 57
	case http.StatusNotFound:
		return 1002
	case http.StatusTooManyRequests:
		return 44
	}
	return 1
}
