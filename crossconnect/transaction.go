package crossconnect

import (
	"encoding/json"
	"time"
)

// State is where a transaction stands.
type State string

// Transaction states. Completed and Failed are final.
const (
	StateReceived             State = "received"
	StateValidating           State = "validating"
	StateCancelling           State = "cancelling"
	StateAwaitingConfirmation State = "awaiting_confirmation"
	StateUpdatingSource       State = "updating_source"
	StateNeedsAttention       State = "needs_attention"
	StateCompensating         State = "compensating"
	StateCompleted            State = "completed"
	StateFailed               State = "failed"
)

// States lists every state, in the order a transaction meets them.
var States = []State{
	StateReceived, StateValidating, StateCancelling, StateAwaitingConfirmation,
	StateUpdatingSource, StateNeedsAttention, StateCompensating,
	StateCompleted, StateFailed,
}

// Final reports whether no further change can happen in state s.
func (s State) Final() bool { return s == StateCompleted || s == StateFailed }

// Per-item status codes, as the previous service reported them.
const (
	ItemReceived  = 0
	ItemCancelled = 100
	ItemFailed    = -100
)

// Transaction is what Lattice reports about one cancel: the workflow's
// state as its query answers it, or its result once it has ended.
type Transaction struct {
	ID          string      `json:"lattice_transaction_id"`
	State       State       `json:"state"`
	Source      Source      `json:"qcl_source_id"`
	Destination Destination `json:"qcl_destination_id"`
	IAID        string      `json:"qcl_ia_id"`
	OrderID     string      `json:"destination_order_id,omitempty"`
	Items       []ItemState `json:"items"`
	// Reason says why the transaction failed or needs attention.
	Reason string `json:"reason,omitempty"`
	// LastError is the last error of the step that needs attention.
	LastError string `json:"last_error,omitempty"`
	// Attempts counts operator retries of a step that needed attention.
	Attempts    int                        `json:"operator_retries,omitempty"`
	GenericData map[string]json.RawMessage `json:"qcl_generic_data,omitempty"`
	Events      []Event                    `json:"events"`
	CreatedAt   time.Time                  `json:"created_at"`
	UpdatedAt   time.Time                  `json:"updated_at"`

	// Filled by the HTTP layer, not by the workflow.
	RunID       string `json:"run_id,omitempty"`
	WorkflowURL string `json:"workflow_url,omitempty"`
}

// ItemState is one item's progress, with the previous service's codes.
type ItemState struct {
	ID            string `json:"qcl_cc_inventory_item_id"`
	Name          string `json:"qcl_cc_inventory_item_name"`
	Status        int    `json:"qcl_item_status"`
	StatusMessage string `json:"qcl_item_status_message"`
	ErrorMessage  string `json:"qcl_item_error_message"`
	OrderID       string `json:"destination_order_id,omitempty"`
	LineID        string `json:"destination_line_id,omitempty"`
}

// Event is one line of a transaction's story.
type Event struct {
	At      time.Time `json:"at"`
	State   State     `json:"state"`
	Message string    `json:"message"`
}

// Note is the one line Lattice writes on an inventory adjustment.
func Note(id string, s State, msg string) string {
	return "Lattice " + id + ": " + string(s) + ": " + msg
}
