// Package workflows holds the CancelCrossConnect saga: the durable steps
// that validate a cancel, carry it out at the data centre, wait for the
// data centre to confirm and write the outcome back on the inventory
// adjustment, compensating what cannot succeed. Workflow code here is
// deterministic and does no I/O: every call out is an activity.
package workflows

import (
	"go.temporal.io/sdk/temporal"
)

// Names shared by the starter, the worker and operators.
const (
	// TaskQueue is where the worker polls for cancel work.
	TaskQueue = "lattice-cancel"
	// WorkflowName is the registered name of the saga.
	WorkflowName = "CancelCrossConnect"
	// QueryTransaction answers the transaction's current view.
	QueryTransaction = "transaction"
	// SignalRetry tells a transaction that needs attention to run the
	// failed step again.
	SignalRetry = "retry"
	// SignalAbandon tells a transaction that needs attention to give up:
	// compensation runs and the transaction fails.
	SignalAbandon = "abandon"
)

// Change ids of workflow.GetVersion: each marks a change to the saga's
// steps that runs started before it must replay without.
const (
	// changeCancelWhileWaiting: a workflow cancelled while it waits for
	// an operator ends cancelled, no longer failed as abandoned.
	changeCancelWhileWaiting = "cancel-while-waiting-for-operator"
	// changeAbandonBeforeContinue: an abandon that arrived during the
	// last poll is honoured instead of being lost by continue-as-new.
	changeAbandonBeforeContinue = "abandon-before-continue-as-new"
	// changeNoteOnMissingItem: an adjustment that does not hold a
	// requested item gets the failure note, as any adjustment that was
	// read does.
	changeNoteOnMissingItem = "failure-note-on-missing-item"
	// changeAbandonWinsOverRetry: an abandon pending when a retry is
	// taken wins; the retry is dropped.
	changeAbandonWinsOverRetry = "abandon-wins-over-retry"
	// changeAbandonBeforeCancel: an abandon that arrived before a line's
	// cancel is sent is honoured, and the cancel is not sent.
	changeAbandonBeforeCancel = "abandon-before-line-cancel"
)

// Custom search attributes set on every transaction, so the Temporal UI
// and the list API can filter by them. The dev server and the compose
// set-up register them.
var (
	AttrState       = temporal.NewSearchAttributeKeyKeyword("LatticeState")
	AttrIAID        = temporal.NewSearchAttributeKeyKeyword("LatticeIAId")
	AttrSource      = temporal.NewSearchAttributeKeyKeyword("LatticeSource")
	AttrDestination = temporal.NewSearchAttributeKeyKeyword("LatticeDestination")
)

// SearchAttributeNames lists the custom search attributes by name; all are
// of type Keyword.
var SearchAttributeNames = []string{
	AttrState.GetName(), AttrIAID.GetName(), AttrSource.GetName(), AttrDestination.GetName(),
}
