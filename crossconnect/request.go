package crossconnect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Source is the accounting system a cancel comes from ("north").
type Source string

// Sources Lattice serves.
const (
	NetSuite Source = "ONS"
	Zoho     Source = "ZOH"
)

// Destination is the data centre the cross connect was ordered at
// ("south").
type Destination string

// Destinations Lattice knows. Cyxtera publishes no cancel for physical
// cross connects, so a CYX cancel is refused.
const (
	Equinix Destination = "EQX"
	Cyxtera Destination = "CYX"
)

// MaxItems is the most items one cancel may name.
const MaxItems = 100

// Request is a validated cancel request, normalised: aliases resolved,
// destination fields merged. It is the workflow's input, so it holds
// nothing secret.
type Request struct {
	Source      Source      `json:"source"`
	Destination Destination `json:"destination"`
	IAID        string      `json:"ia_id"`
	Items       []Item      `json:"items"`
	// OrderID names the destination order directly; empty means the
	// workflow looks the order up by its customer reference, the IA id.
	OrderID string `json:"order_id,omitempty"`
	// GenericData holds the common fields of qcl_generic_data other than
	// the source and destination ids (time_initiated, lattice_username…),
	// kept verbatim on the transaction.
	GenericData map[string]json.RawMessage `json:"generic_data,omitempty"`
	// The open objects of the request, kept verbatim.
	GenericFields     json.RawMessage `json:"generic_fields,omitempty"`
	DestinationFields json.RawMessage `json:"destination_fields,omitempty"`
}

// Item is one cross connect to cancel.
type Item struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// LineID names the destination line directly; empty means the
	// workflow finds it on the order.
	LineID              string          `json:"line_id,omitempty"`
	OriginalItemDetails json.RawMessage `json:"original_item_details,omitempty"`
}

// ItemIDs returns the request's item ids in request order.
func (r *Request) ItemIDs() []string {
	ids := make([]string, len(r.Items))
	for i, it := range r.Items {
		ids[i] = it.ID
	}
	return ids
}

// TransactionID derives the transaction id from what the request cancels:
// source, destination, IA id and the sorted item ids. The same cancel sent
// twice, by one client or two, gets the same id, which is also the
// workflow id, so Temporal itself refuses a second concurrent run.
func TransactionID(r *Request) string {
	ids := r.ItemIDs()
	slices.Sort(ids)

	h := sha256.New()
	for _, part := range []string{
		"lattice cancel v1",
		string(r.Source),
		string(r.Destination),
		r.IAID,
		strings.Join(ids, "\x1f"),
	} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ValidTransactionID reports whether id has the shape of a transaction id:
// 32 lowercase hex digits.
func ValidTransactionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
