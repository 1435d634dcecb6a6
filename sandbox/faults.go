package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lattice/lattice/vendors"
)

// Operation names, as counted by Calls and matched by faults.
const (
	OpToken            = "token"             // every vendor
	OpFindOrder        = "find_order"        // Equinix
	OpGetOrder         = "get_order"         // Equinix
	OpCancel           = "cancel"            // Equinix
	OpGetAdjustment    = "get_adjustment"    // Zoho and NetSuite
	OpUpdateAdjustment = "update_adjustment" // Zoho and NetSuite
)

// Fault modes.
const (
	// ModeStatus answers Status with the vendor's error body.
	ModeStatus = "status"
	// ModeDrop closes the connection without answering. Like
	// ModePerformedThenTimeout it aborts the handler with
	// http.ErrAbortHandler, so it needs a real server such as
	// httptest.NewServer, not a bare ResponseRecorder.
	ModeDrop = "drop"
	// ModePerformedThenTimeout performs the operation for real, waits
	// DelayMS, then closes the connection without answering: the change
	// happened but the caller cannot know.
	ModePerformedThenTimeout = "performed_then_timeout"
)

// operations lists each vendor's operations.
var operations = map[string][]string{
	vendors.Equinix:  {OpToken, OpFindOrder, OpGetOrder, OpCancel},
	vendors.Zoho:     {OpToken, OpGetAdjustment, OpUpdateAdjustment},
	vendors.NetSuite: {OpToken, OpGetAdjustment, OpUpdateAdjustment},
}

// Fault is an injected failure of one vendor operation. Faults for the
// same vendor and operation are used up in the order they were added.
type Fault struct {
	Vendor    string `json:"vendor"`    // equinix, zoho or netsuite
	Operation string `json:"operation"` // one of the Op constants the vendor has
	Status    int    `json:"status"`    // mode status only; 0 means 500
	Times     int    `json:"times"`     // calls it hits; 0 means 1
	DelayMS   int    `json:"delay_ms"`  // wait before answering (or dropping)
	Mode      string `json:"mode"`      // a Mode constant; "" means status

	// RetryAfterS, when set, makes the answer say when to come back:
	// Equinix and NetSuite send Retry-After, Zoho sends
	// X-Rate-Limit-Reset with X-Rate-Limit-Remaining: 0.
	RetryAfterS int `json:"retry_after_s"`

	// ErrorCode is the vendor error code in the body, such as NetSuite's
	// "CONCURRENCY_LIMIT_EXCEEDED" or Zoho's "57". Empty means the
	// vendor's usual code for the status.
	ErrorCode string `json:"error_code"`

	// Record, when set, limits the fault to calls on one record: the
	// Equinix order id of get_order and cancel, or the adjustment id of
	// get_adjustment and update_adjustment. Such a fault never hits token
	// or find_order, which name no record in their path. Tests that share
	// one sandbox scope their faults this way.
	Record string `json:"record,omitempty"`
}

// AddFault queues f after the faults already queued.
func (s *Sandbox) AddFault(f Fault) error {
	f, err := normalize(f)
	if err != nil {
		return fmt.Errorf("add fault: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	s.faults = append(s.faults, f)
	return nil
}

// ClearFaults drops every queued fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.faults = nil
}

// ClearFaultsOn drops the queued faults scoped to record (Fault.Record),
// leaving every other fault queued.
func (s *Sandbox) ClearFaultsOn(record string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.faults = slices.DeleteFunc(s.faults, func(f Fault) bool { return f.Record == record })
}

// normalize checks f and fills in its defaults.
func normalize(f Fault) (Fault, error) {
	ops, ok := operations[f.Vendor]
	if !ok {
		return f, fmt.Errorf("unknown vendor %q", f.Vendor)
	}
	if !slices.Contains(ops, f.Operation) {
		return f, fmt.Errorf("vendor %s has no operation %q", f.Vendor, f.Operation)
	}

	if f.Mode == "" {
		f.Mode = ModeStatus
	}
	if f.Mode != ModeStatus && f.Mode != ModeDrop && f.Mode != ModePerformedThenTimeout {
		return f, fmt.Errorf("unknown mode %q", f.Mode)
	}
	if f.Mode == ModeStatus && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Mode == ModeStatus && (f.Status < 400 || f.Status > 599) {
		return f, fmt.Errorf("status %d is not an error status", f.Status)
	}

	if f.Record != "" && (f.Operation == OpToken || f.Operation == OpFindOrder) {
		return f, fmt.Errorf("operation %s names no record", f.Operation)
	}

	if f.Times < 0 || f.DelayMS < 0 || f.RetryAfterS < 0 {
		return f, fmt.Errorf("times, delay_ms and retry_after_s must not be negative")
	}
	if f.Times == 0 {
		f.Times = 1
	}
	return f, checkErrorCode(f)
}

// checkErrorCode refuses a Zoho API error code that is not a number: Zoho's
// codes are numbers in the body.
func checkErrorCode(f Fault) error {
	if f.Vendor != vendors.Zoho || f.Operation == OpToken || f.ErrorCode == "" {
		return nil
	}
	if _, err := strconv.Atoi(f.ErrorCode); err != nil {
		return fmt.Errorf("zoho error_code %q is not a number", f.ErrorCode)
	}
	return nil
}

// takeFault returns the next fault for op at vendor on record, using up
// one of its times.
func (s *Sandbox) takeFault(vendor, op, record string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for i := range s.faults {
		f := &s.faults[i]
		if f.Vendor != vendor || f.Operation != op {
			continue
		}
		if f.Record != "" && f.Record != record {
			continue
		}

		hit := *f
		f.Times--
		if f.Times == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return hit, true
	}
	return Fault{}, false
}

// inject applies f to a call that h would otherwise serve.
func (s *Sandbox) inject(w http.ResponseWriter, r *http.Request, f Fault, h http.HandlerFunc) {
	s.log.Info("sandbox fault injected",
		"vendor", f.Vendor,
		"operation", f.Operation,
		"mode", f.Mode,
		"status", f.Status)
	delay := time.Duration(f.DelayMS) * time.Millisecond

	switch f.Mode {
	case ModePerformedThenTimeout:
		h(&discardWriter{}, r)
		sleep(r.Context(), delay)
		dropConnection()
	case ModeDrop:
		sleep(r.Context(), delay)
		dropConnection()
	default:
		sleep(r.Context(), delay)
		writeFault(w, f)
	}
}

// dropConnection ends the call without a response: the server closes an
// HTTP/1 connection, or resets an HTTP/2 stream, and logs nothing.
func dropConnection() {
	panic(http.ErrAbortHandler)
}

// sleep waits d, or less if the caller goes away.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}

	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// writeFault answers f's status in the body shape of f's vendor and
// operation.
func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfterS > 0 {
		setRetryAfter(w.Header(), f.Vendor, f.RetryAfterS)
	}

	code := f.ErrorCode
	switch {
	case f.Vendor == vendors.Equinix && f.Operation == OpToken:
		writeGatewayError(w, f.Status, cmp.Or(code, oauthCode(f.Status)),
			http.StatusText(f.Status), "Sandbox fault")
	case f.Operation == OpToken:
		writeOAuthError(w, f.Status, cmp.Or(code, oauthCode(f.Status)), "Sandbox fault")
	case f.Vendor == vendors.Equinix:
		writeEquinixError(w, f.Status, cmp.Or(code, equinixCode(f.Status)),
			http.StatusText(f.Status))
	case f.Vendor == vendors.Zoho:
		n := zohoCode(f.Status)
		if code != "" {
			n, _ = strconv.Atoi(code) // checked by AddFault
		}
		writeZohoError(w, f.Status, n, zohoMessage(n, f.Status))
	default:
		code = cmp.Or(code, netsuiteCode(f.Status))
		writeNetSuiteError(w, f.Status, code, netsuiteDetail(code, f.Status), "")
	}
}

// setRetryAfter says when to come back, in the vendor's own headers.
func setRetryAfter(h http.Header, vendor string, seconds int) {
	n := strconv.Itoa(seconds)
	if vendor != vendors.Zoho {
		h.Set("Retry-After", n)
		return
	}

	h.Set("X-Rate-Limit-Limit", "100")
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", n)
}

// oauthCode is the OAuth error a token endpoint sends with status.
func oauthCode(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	}
	return "invalid_client"
}
