package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lattice/lattice/vendors"
)

// seedNetSuiteAdjustmentID is the demo NetSuite adjustment.
const seedNetSuiteAdjustmentID = "5120"

// NetSuite's REST content types.
const (
	contentNetSuiteRecord = "application/vnd.oracle.resource+json; type=singular-resource"
	contentNetSuiteError  = "application/vnd.oracle.resource+json; type=error"
)

// recordPath is the REST record path of inventory adjustments.
const recordPath = "/services/rest/record/v1/inventoryAdjustment/"

// netsuiteState is the emulated NetSuite account. Guarded by Sandbox.mu.
type netsuiteState struct {
	adjustments map[string][]byte // records as JSON, without links
	nextID      int
	nextItem    int
}

// seedNetSuite adds the demo adjustment.
func (s *Sandbox) seedNetSuite() {
	s.netsuite = netsuiteState{
		adjustments: map[string][]byte{},
		nextID:      6000,
		nextItem:    20000,
	}
	rec := netsuiteRecord(seedNetSuiteAdjustmentID, "981", "Cross connect CC-981 at DC2")
	s.netsuite.adjustments[seedNetSuiteAdjustmentID] = mustJSON(rec)
}

// netsuiteRecord builds an adjustment with one cross-connect item.
func netsuiteRecord(id, itemID, memo string) map[string]any {
	return map[string]any{
		"id":       id,
		"tranId":   "INVADJ-" + id,
		"tranDate": "2026-11-20",
		"memo":     memo,
		"account":  map[string]any{"id": "212", "refName": "Inventory Adjustment"},
		"inventory": map[string]any{"items": []any{map[string]any{
			"item":        map[string]any{"id": itemID, "refName": "Cross Connect"},
			"adjustQtyBy": json.Number("-1"),
		}}},
	}
}

// addNetSuiteFixture stores a fresh adjustment holding one fresh item and
// returns their ids.
func (s *Sandbox) addNetSuiteFixture() (iaID, itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.netsuite.nextID++
	s.netsuite.nextItem++
	iaID = strconv.Itoa(s.netsuite.nextID)
	itemID = strconv.Itoa(s.netsuite.nextItem)

	rec := netsuiteRecord(iaID, itemID, "Cross connect fixture "+iaID)
	s.netsuite.adjustments[iaID] = mustJSON(rec)
	return iaID, itemID
}

// NetSuiteAdjustment returns the stored adjustment, decoded with UseNumber.
func (s *Sandbox) NetSuiteAdjustment(id string) (map[string]any, bool) {
	s.mu.Lock()
	raw, ok := s.netsuite.adjustments[id]
	s.mu.Unlock()

	if !ok {
		return nil, false
	}
	return decodeRecord(raw), true
}

// netsuiteRoutes maps the NetSuite paths to their operations.
func (s *Sandbox) netsuiteRoutes() []route {
	const base = "/netsuite"
	return []route{
		{"POST", base + tokenPath, vendors.NetSuite, OpToken, s.netsuiteToken},
		{"GET", base + recordPath + "{id}", vendors.NetSuite, OpGetAdjustment,
			s.netsuiteAuth(s.netsuiteGetAdjustment)},
		{"PATCH", base + recordPath + "{id}", vendors.NetSuite, OpUpdateAdjustment,
			s.netsuiteAuth(s.netsuitePatchAdjustment)},
	}
}

// netsuiteAuth refuses calls without a live NetSuite bearer token.
func (s *Sandbox) netsuiteAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.validToken(r.Header.Get("Authorization"), "Bearer", vendors.NetSuite) {
			writeNetSuiteError(w, http.StatusUnauthorized, "INVALID_LOGIN",
				netsuiteDetail("INVALID_LOGIN", http.StatusUnauthorized), "")
			return
		}
		h(w, r)
	}
}

// netsuiteErrorDetail is one entry of o:errorDetails.
type netsuiteErrorDetail struct {
	Detail    string `json:"detail"`
	ErrorCode string `json:"o:errorCode"`
	ErrorPath string `json:"o:errorPath,omitempty"`
}

// writeNetSuiteError answers in NetSuite's problem-details shape.
func writeNetSuiteError(w http.ResponseWriter, status int, code, detail, path string) {
	writeJSONAs(w, status, contentNetSuiteError, map[string]any{
		"type":   problemType(status),
		"title":  http.StatusText(status),
		"status": status,
		"o:errorDetails": []netsuiteErrorDetail{{
			Detail:    detail,
			ErrorCode: code,
			ErrorPath: path,
		}},
	})
}

// problemType is the RFC section NetSuite names as the type of an error.
func problemType(status int) string {
	sections := map[int]string{
		400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5",
		405: "15.5.6", 409: "15.5.10", 500: "15.6.1", 502: "15.6.3",
		503: "15.6.4", 504: "15.6.5",
	}
	if status == http.StatusTooManyRequests {
		return "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"
	}
	sec, ok := sections[status]
	if !ok {
		sec = fmt.Sprintf("15.%d", status/100+1)
	}
	return "https://www.rfc-editor.org/rfc/rfc9110.html#section-" + sec
}

// netsuiteCode is the o:errorCode NetSuite sends with status when nothing
// more specific applies.
func netsuiteCode(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		return "INVALID_CONTENT"
	case http.StatusUnauthorized:
		return "INVALID_LOGIN"
	case http.StatusForbidden:
		return "INSUFFICIENT_PERMISSION"
	case http.StatusNotFound:
		return "NONEXISTENT_ID"
	case http.StatusTooManyRequests:
		return "CONCURRENCY_LIMIT_EXCEEDED"
	}
	return "UNEXPECTED_ERROR"
}

// netsuiteDetail is the text NetSuite sends with code.
func netsuiteDetail(code string, status int) string {
	switch code {
	case "INVALID_LOGIN":
		return "Invalid login attempt."
	case "CONCURRENCY_LIMIT_EXCEEDED":
		return "Concurrent request limit exceeded. Request blocked."
	case "NONEXISTENT_ID":
		return "The record instance does not exist. Provide a valid record instance ID."
	}
	return http.StatusText(status)
}
