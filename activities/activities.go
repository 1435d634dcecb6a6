// Package activities holds the saga's calls out: reading and writing the
// inventory adjustment at the source, and finding, cancelling and reading
// the order at the destination. Each activity turns a vendor's failure into
// a Temporal error the workflow can act on: transient failures are
// retryable (no sooner than the vendor asked), everything else is a
// non-retryable application error with a stable type.
package activities

import (
	"context"
	"log/slog"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/equinix"
)

// Source is an accounting system's inventory adjustments, as the Zoho
// Inventory and NetSuite clients offer them.
type Source interface {
	GetAdjustment(ctx context.Context, id string) (vendors.Adjustment, error)
	SetNote(ctx context.Context, id, note string) error
}

// Destination is a data centre's orders, as the Equinix client offers them.
type Destination interface {
	GetOrder(ctx context.Context, orderID string) (equinix.Order, error)
	FindOrderByReference(ctx context.Context, ref string) (equinix.Order, error)
	CancelLine(ctx context.Context, orderID, lineID, reason string) error
}

// Activities holds the vendor clients. Its methods are registered with the
// worker; the clients, and the tokens they cache, are shared by every
// activity the worker runs.
type Activities struct {
	Sources map[crossconnect.Source]Source
	Equinix Destination
	Logger  *slog.Logger
}

// FetchInput names an adjustment and the items the cancel expects on it.
type FetchInput struct {
	TransactionID string
	Source        crossconnect.Source
	IAID          string
	ItemIDs       []string
}

// FetchResult is what the adjustment says now.
type FetchResult struct {
	Note string
}

// NoteInput is a note to write on an adjustment.
type NoteInput struct {
	TransactionID string
	Source        crossconnect.Source
	IAID          string
	Note          string
}

// ResolveInput asks which destination order and lines hold the items.
type ResolveInput struct {
	TransactionID string
	IAID          string
	// OrderID, when set, names the order; else it is found by its
	// customer reference, the IA id.
	OrderID string
	Items   []crossconnect.Item
}

// ResolveResult maps each item to its line on the order.
type ResolveResult struct {
	OrderID string
	// Lines maps item id to destination line id.
	Lines map[string]string
	// Cancelled lists lines whose cancel has already landed.
	Cancelled []string
}

// CancelInput is one line to cancel.
type CancelInput struct {
	TransactionID string
	OrderID       string
	LineID        string
	Reason        string
}

// CancelResult says whether the cancel was sent or had already landed.
type CancelResult struct {
	AlreadyCancelled bool
}

// CheckInput asks whether the destination has confirmed the lines.
type CheckInput struct {
	TransactionID string
	OrderID       string
	LineIDs       []string
}

// CheckResult is the destination's view of the lines.
type CheckResult struct {
	OrderStatus string
	// Confirmed lists lines the destination reports CANCELLED.
	Confirmed []string
	// Reverted lists lines that are neither cancelled nor awaiting
	// cancellation any more: someone undid the cancel at the destination.
	Reverted []string
}
