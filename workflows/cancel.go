package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
)

// acts is only a method table: the workflow names activities through it
// and never calls it.
var acts *activities.Activities

// errAbandoned is the reason when an operator gives a transaction up.
var errAbandoned = errors.New("abandoned by an operator")

// finalTypes are the application error types that no retry can fix; the
// activities mark them non-retryable too, the list repeats it at each call.
var finalTypes = []string{
	activities.ErrNotFound,
	activities.ErrRejected,
	activities.ErrCredentials,
	activities.ErrNotCancellable,
	activities.ErrItemNotOnAdjustment,
}

// CancelCrossConnect is the saga for one transaction. It returns the final
// transaction on success. On failure it compensates and fails with a
// non-retryable error of type TransactionFailed whose details hold the
// transaction, so the same id can be started again.
func CancelCrossConnect(ctx workflow.Context, in Input) (crossconnect.Transaction, error) {
	s := newSaga(ctx, in)
	if err := s.setup(ctx); err != nil {
		return s.tx, err
	}
	return s.run(ctx)
}

// saga is one run's state. Everything in it is rebuilt by replay.
type saga struct {
	in     Input
	set    Settings
	tx     crossconnect.Transaction
	logger log.Logger

	// prevNote is the adjustment's text before Lattice touched it: the
	// undo data for compensation.
	prevNote string
	noteRead bool // the adjustment was read, so a failure note can go on it
	marked   bool // the adjustment says "cancel in progress"

	orderID string
	lines   map[string]string // item id → destination line id
	// sent lists the lines whose cancel the destination accepted: no
	// compensation can take those back.
	sent []string

	retry   workflow.ReceiveChannel
	abandon workflow.ReceiveChannel
}

func newSaga(ctx workflow.Context, in Input) *saga {
	s := &saga{
		in:      in,
		set:     in.Settings.withDefaults(),
		logger:  log.With(workflow.GetLogger(ctx), "transaction_id", in.TransactionID),
		retry:   workflow.GetSignalChannel(ctx, SignalRetry),
		abandon: workflow.GetSignalChannel(ctx, SignalAbandon),
	}
	if r := in.Resume; r != nil {
		s.tx = r.Transaction
		s.prevNote, s.noteRead, s.marked = r.PreviousNote, true, true
		s.orderID, s.lines = r.OrderID, r.Lines
		s.sent = s.lineIDs() // only the wait for confirmation continues as new
		return s
	}

	req := in.Request
	s.tx = crossconnect.Transaction{
		ID:          in.TransactionID,
		State:       crossconnect.StateReceived,
		Source:      req.Source,
		Destination: req.Destination,
		IAID:        req.IAID,
		OrderID:     req.OrderID,
		GenericData: req.GenericData,
		CreatedAt:   in.ReceivedAt,
		UpdatedAt:   in.ReceivedAt,
	}
	for _, it := range req.Items {
		s.tx.Items = append(s.tx.Items, crossconnect.ItemState{
			ID:            it.ID,
			Name:          it.Name,
			Status:        crossconnect.ItemReceived,
			StatusMessage: "received",
			LineID:        it.LineID,
		})
	}
	s.tx.Events = []crossconnect.Event{{
		At: in.ReceivedAt, State: crossconnect.StateReceived, Message: "cancel received",
	}}
	return s
}

func (s *saga) setup(ctx workflow.Context) error {
	return workflow.SetQueryHandler(ctx, QueryTransaction, func() (crossconnect.Transaction, error) {
		return s.tx, nil
	})
}

func (s *saga) run(ctx workflow.Context) (crossconnect.Transaction, error) {
	var err error
	if s.in.Resume == nil {
		err = s.validate(ctx)
		if err == nil {
			err = s.markInProgress(ctx)
		}
		if err == nil {
			err = s.cancelLines(ctx)
		}
	}
	if err == nil {
		err = s.awaitConfirmation(ctx)
	}
	if workflow.IsContinueAsNewError(err) {
		return s.tx, err
	}
	if err == nil {
		err = s.markCancelled(ctx)
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	return s.tx, nil
}

// setState moves the transaction on, records why, and keeps the state
// search attribute current.
func (s *saga) setState(ctx workflow.Context, st crossconnect.State, msg string) {
	now := workflow.Now(ctx)
	s.tx.State = st
	s.tx.UpdatedAt = now
	s.tx.Events = append(s.tx.Events, crossconnect.Event{At: now, State: st, Message: msg})
	s.logger.Info("Transaction state changed", "state", string(st), "message", msg)

	err := workflow.UpsertTypedSearchAttributes(ctx, AttrState.ValueSet(string(st)))
	if err != nil {
		s.logger.Warn("Search attribute not updated", "error", err)
	}
}

func (s *saga) setItems(status int, statusMsg, errMsg string) {
	for i := range s.tx.Items {
		it := &s.tx.Items[i]
		it.Status, it.StatusMessage, it.ErrorMessage = status, statusMsg, errMsg
	}
}

// attempt runs one step until it succeeds or fails for good. When the
// step's transient-error budget runs out, the transaction needs attention
// and waits for an operator: retry runs the step again, abandon gives up.
func (s *saga) attempt(ctx workflow.Context, step string, fn func(workflow.Context) error) error {
	for {
		err := fn(ctx)
		if err == nil || isFinal(err) || ctx.Err() != nil {
			return err
		}

		resume := s.tx.State
		s.tx.LastError = reasonOf(err)
		s.setState(ctx, crossconnect.StateNeedsAttention,
			step+" kept failing: "+s.tx.LastError+"; send retry or abandon")
		if !s.awaitDecision(ctx) {
			return s.notRetried(ctx)
		}
		s.tx.Attempts++
		s.tx.LastError = ""
		s.setState(ctx, resume, "operator asked to retry "+step)
	}
}

// awaitDecision blocks until an operator sends retry (true) or abandon
// (false), or the workflow is cancelled (false). An abandon sent with a
// retry wins.
func (s *saga) awaitDecision(ctx workflow.Context) bool {
	retry := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(s.retry, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		retry = true
	})
	sel.AddReceive(s.abandon, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
	})
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	sel.Select(ctx)
	if !retry || ctx.Err() != nil {
		return false
	}
	return !s.abandonSentWithRetry(ctx)
}

// abandonSentWithRetry reports whether an abandon is pending beside the
// retry just taken. Two operators may decide at the same moment, and the
// selector takes the retry first; the retry may go on to a cancel the
// destination never takes back, which is what the abandon was sent to
// prevent, so the abandon wins.
func (s *saga) abandonSentWithRetry(ctx workflow.Context) bool {
	// Runs that took such a retry before this change replay taking it.
	if workflow.GetVersion(ctx, changeAbandonWinsOverRetry, workflow.DefaultVersion, 1) < 1 {
		return false
	}
	return s.abandon.ReceiveAsync(nil)
}

// notRetried is why a transaction that waited for an operator goes no
// further: it was abandoned, or the workflow was cancelled meanwhile.
func (s *saga) notRetried(ctx workflow.Context) error {
	// Runs cancelled while waiting before this change failed as abandoned;
	// they replay that way.
	if ctx.Err() != nil &&
		workflow.GetVersion(ctx, changeCancelWhileWaiting, workflow.DefaultVersion, 1) >= 1 {
		return temporal.NewCanceledError()
	}
	return errAbandoned
}

// isFinal reports whether err is one no retry can fix.
func isFinal(err error) bool {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && (app.NonRetryable() || slices.Contains(finalTypes, app.Type())) {
		return true
	}
	return errors.Is(err, errAbandoned)
}

// reasonOf is the sentence a person reads: the innermost application
// error's message, not the SDK's wrapping.
func reasonOf(err error) string {
	var app *temporal.ApplicationError
	var timeout *temporal.TimeoutError
	switch {
	case errors.As(err, &app):
		return app.Message()
	case errors.As(err, &timeout):
		return "timed out (" + strings.ToLower(timeout.TimeoutType().String()) + ")"
	case temporal.IsCanceledError(err):
		return "the workflow was cancelled"
	}
	return err.Error()
}

func (s *saga) note(st crossconnect.State, msg string) string {
	return withNote(s.prevNote, crossconnect.Note(s.tx.ID, st, msg))
}

// withNote puts Lattice's line under what the adjustment said before,
// replacing any line an earlier run of the same transaction left.
func withNote(prev, line string) string {
	prefix := strings.SplitN(line, ":", 2)[0] + ":"
	var kept []string
	for l := range strings.SplitSeq(prev, "\n") {
		if !strings.HasPrefix(l, prefix) && l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(append(kept, line), "\n")
}

func (s *saga) fail(ctx workflow.Context, cause error) (crossconnect.Transaction, error) {
	reason := s.failureReason(cause)
	s.tx.Reason = reason

	// Compensation runs even when the workflow itself was cancelled.
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	s.setState(dctx, crossconnect.StateCompensating, reason)
	s.compensate(dctx, reason)

	s.setItems(crossconnect.ItemFailed, "cancel failed", reason)
	s.setState(dctx, crossconnect.StateFailed, reason)
	if temporal.IsCanceledError(cause) {
		return s.tx, cause
	}
	return s.tx, temporal.NewNonRetryableApplicationError(
		reason, "TransactionFailed", nil, s.tx)
}

// failureReason is the sentence a failed transaction reports: the cause,
// what an operator was looking at when the transaction was given up, and
// any cancel the destination already accepted, which no compensation
// takes back.
func (s *saga) failureReason(cause error) string {
	reason := reasonOf(cause)
	switch {
	case s.tx.LastError == "":
	case errors.Is(cause, errAbandoned):
		reason = "abandoned by an operator after: " + s.tx.LastError
	case temporal.IsCanceledError(cause):
		reason += " after: " + s.tx.LastError
	}
	if len(s.sent) > 0 {
		reason += "; " + string(s.tx.Destination) + " had already accepted the cancel of line " +
			strings.Join(s.sent, ", ")
	}
	return reason
}

// compensate restores the adjustment's earlier text and writes the failure
// note. The source may be down for hours, so compensation has its own long
// budget and backs off to ten minutes between tries.
func (s *saga) compensate(ctx workflow.Context, reason string) {
	if !s.noteRead {
		return
	}
	r := s.sourceRetrying()
	r.most = 10 * time.Minute
	ctx = withRetrying(ctx, r, s.set.CompensationBudget)

	if s.marked {
		err := s.setNote(ctx, s.prevNote)
		if err != nil {
			s.logger.Error("Adjustment not restored", "error", err)
		}
	}
	err := s.setNote(ctx, s.note(crossconnect.StateFailed, reason))
	if err != nil {
		s.logger.Error("Failure note not written", "error", err)
	}
}

func (s *saga) setNote(ctx workflow.Context, note string) error {
	in := activities.NoteInput{
		TransactionID: s.tx.ID, Source: s.tx.Source, IAID: s.tx.IAID, Note: note,
	}
	return workflow.ExecuteActivity(ctx, acts.SetNote, in).Get(ctx, nil)
}

func itemMessage(orderID, lineID, what string) string {
	return fmt.Sprintf("%s: order %s line %s", what, orderID, lineID)
}
