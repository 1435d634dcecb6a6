// Package vendors holds what the Equinix, Zoho Inventory and NetSuite
// clients share: the error they return and the source-neutral view of an
// inventory adjustment. Each vendor's client lives in a sub-package.
package vendors

import (
	"errors"
	"fmt"
	"time"
)

// Vendor names, as used in errors, logs, metrics and sandbox faults.
const (
	Equinix  = "equinix"
	Zoho     = "zoho"
	NetSuite = "netsuite"
)

// Kind says what a caller may do about a vendor error.
type Kind int

// Error kinds. Only Transient errors are worth retrying as they are.
const (
	// Transient: 5xx, 429, timeouts, dropped connections. Retry later,
	// no sooner than RetryAfter when it is set.
	Transient Kind = iota + 1
	// Credentials: the vendor rejected Lattice's own credentials. Final at
	// once: Equinix locks an account after five bad attempts.
	Credentials
	// NotFound: the record asked for does not exist. Final.
	NotFound
	// Rejected: any other 4xx; the vendor's text says why. Final.
	Rejected
)

func (k Kind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Credentials:
		return "credentials"
	case NotFound:
		return "not_found"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Error is what every vendor client returns when a call fails.
type Error struct {
	Vendor string // Equinix, Zoho or NetSuite
	Op     string // operation name, as in sandbox faults: "cancel", "get_adjustment"
	Kind   Kind
	Status int    // HTTP status, 0 when no response arrived
	Code   string // the vendor's own error code, if any
	// Message is the vendor's error text, kept as the reason a person reads.
	// It never holds credentials.
	Message string
	// RetryAfter is how long the vendor asked callers to wait (Retry-After
	// or a rate-limit reset header); zero when it said nothing.
	RetryAfter time.Duration
	Err        error // underlying cause, such as a network error
}

func (e *Error) Error() string {
	s := e.Vendor + " " + e.Op + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("status %d: ", e.Status)
	}
	if e.Code != "" {
		s += e.Code + ": "
	}
	if e.Message != "" {
		return s + e.Message
	}
	if e.Err != nil {
		return s + e.Err.Error()
	}
	return s + e.Kind.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err if it is or wraps an *Error, else 0.
func KindOf(err error) Kind {
	var ve *Error
	if errors.As(err, &ve) {
		return ve.Kind
	}
	return 0
}

// Adjustment is the source-neutral view of an inventory adjustment (IA):
// what the workflow needs from Zoho Inventory or NetSuite.
type Adjustment struct {
	ID string
	// Note is the free text Lattice writes its status line into: Zoho's
	// description, NetSuite's memo.
	Note  string
	Items []AdjustmentItem
}

// AdjustmentItem is one inventory item on an adjustment.
type AdjustmentItem struct {
	ID   string
	Name string
}

// HasItem reports whether the adjustment holds the item with id.
func (a Adjustment) HasItem(id string) bool {
	for _, it := range a.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}
