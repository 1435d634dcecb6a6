package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
)

// validate checks the adjustment holds the items and resolves each item's
// line at the destination. Its failures are business failures: final.
func (s *saga) validate(ctx workflow.Context) error {
	s.setState(ctx, crossconnect.StateValidating, "checking the adjustment and the order")

	rctx := s.within(ctx, s.sourceRetrying())
	err := s.attempt(rctx, "reading the adjustment", func(ctx workflow.Context) error {
		in := activities.FetchInput{
			TransactionID: s.tx.ID, Source: s.tx.Source, IAID: s.tx.IAID,
			ItemIDs: s.in.Request.ItemIDs(),
		}
		var res activities.FetchResult
		err := workflow.ExecuteActivity(ctx, acts.FetchAdjustment, in).Get(ctx, &res)
		s.prevNote, s.noteRead = res.Note, err == nil
		if note, ok := s.noteOfMissingItem(ctx, err); ok {
			s.prevNote, s.noteRead = note, true
		}
		return err
	})
	if err != nil {
		return err
	}

	// Finding the order is a search and a read at Equinix, safe to repeat.
	// Equinix publishes no rate numbers: start at 1 s, back off to a
	// minute, or wait as long as a 429 says.
	ctx = s.within(ctx, retrying{attempt: 30 * time.Second, first: time.Second,
		most: time.Minute, final: equinixFinal})
	var res activities.ResolveResult
	err = s.attempt(ctx, "finding the order", func(ctx workflow.Context) error {
		in := activities.ResolveInput{
			TransactionID: s.tx.ID, IAID: s.tx.IAID,
			OrderID: s.in.Request.OrderID, Items: s.in.Request.Items,
		}
		return workflow.ExecuteActivity(ctx, acts.ResolveOrder, in).Get(ctx, &res)
	})
	if err != nil {
		return err
	}

	s.orderID, s.lines, s.tx.OrderID = res.OrderID, res.Lines, res.OrderID
	for i := range s.tx.Items {
		it := &s.tx.Items[i]
		it.OrderID, it.LineID = res.OrderID, res.Lines[it.ID]
		it.StatusMessage = itemMessage(it.OrderID, it.LineID, "validated")
		if slices.Contains(res.Cancelled, it.LineID) {
			it.StatusMessage = itemMessage(it.OrderID, it.LineID, "already cancelled")
		}
	}
	return nil
}

// noteOfMissingItem is the adjustment's note that a read which found the
// adjustment, but not every item on it, carries in its error: the
// adjustment exists, so the failure can be written on it.
func (s *saga) noteOfMissingItem(ctx workflow.Context, err error) (string, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrItemNotOnAdjustment {
		return "", false
	}
	// Runs that failed so before this change wrote no note; they replay
	// that way.
	if workflow.GetVersion(ctx, changeNoteOnMissingItem, workflow.DefaultVersion, 1) < 1 {
		return "", false
	}

	// An activity worker older than the workflow sends no details.
	var res activities.FetchResult
	if !app.HasDetails() || app.Details(&res) != nil {
		return "", false
	}
	return res.Note, true
}

// markInProgress writes "cancel in progress" on the adjustment; the text it
// said before is kept for compensation.
func (s *saga) markInProgress(ctx workflow.Context) error {
	// Writing the same note twice is harmless, so the write is retried
	// like a read.
	ctx = s.within(ctx, s.sourceRetrying())
	note := s.note(crossconnect.StateCancelling, "cancel in progress at "+string(s.tx.Destination))
	err := s.attempt(ctx, "marking the adjustment", func(ctx workflow.Context) error {
		return s.setNote(ctx, note)
	})
	s.marked = err == nil
	return err
}

// cancelLines cancels each line at the destination, one line per call as
// Equinix requires. The activity reads the order before it cancels, so a
// retry after a cancel that landed but timed out does no second cancel.
func (s *saga) cancelLines(ctx workflow.Context) error {
	s.setState(ctx, crossconnect.StateCancelling, "cancelling at "+string(s.tx.Destination))

	// The cancel is the slow call: a minute an attempt, as long as the
	// vendor client waits. It heartbeats while it waits, so a lost worker
	// is noticed within the heartbeat timeout, not the whole minute. Every
	// try reads the order first, which is what makes retrying it safe.
	ctx = s.within(ctx, retrying{attempt: time.Minute, heartbeat: s.set.HeartbeatTimeout,
		first: time.Second, most: time.Minute, final: equinixFinal})

	for i := range s.tx.Items {
		it := &s.tx.Items[i]
		var res activities.CancelResult
		err := s.attempt(ctx, "cancelling line "+it.LineID, func(ctx workflow.Context) error {
			if s.abandonedBeforeCancel(ctx) {
				return errAbandoned
			}
			in := activities.CancelInput{
				TransactionID: s.tx.ID, OrderID: s.orderID, LineID: it.LineID,
				Reason: "Cancelled by Lattice transaction " + s.tx.ID + " for adjustment " + s.tx.IAID,
			}
			return workflow.ExecuteActivity(ctx, acts.CancelLine, in).Get(ctx, &res)
		})
		if err != nil {
			return err
		}
		s.sent = append(s.sent, it.LineID)
		it.StatusMessage = itemMessage(s.orderID, it.LineID, "cancel requested")
	}
	return nil
}

// abandonedBeforeCancel reports whether an operator's abandon is waiting
// to be read, such as one sent just after another operator's retry. The
// destination takes no cancel back, so the abandon is honoured before the
// cancel is sent, not after it, when it could only undo the adjustment.
func (s *saga) abandonedBeforeCancel(ctx workflow.Context) bool {
	// Runs that sent their cancels before this check replay without it.
	if workflow.GetVersion(ctx, changeAbandonBeforeCancel, workflow.DefaultVersion, 1) < 1 {
		return false
	}
	return s.abandon.ReceiveAsync(nil)
}

// awaitConfirmation polls the order on durable timers, each wait longer
// than the last up to PollMax, until every line is cancelled. A long wait
// continues as new before its history grows large.
func (s *saga) awaitConfirmation(ctx workflow.Context) error {
	wait, deadline := s.set.PollInitial, workflow.Now(ctx).Add(s.set.ConfirmTimeout)
	if r := s.in.Resume; r != nil {
		wait, deadline = r.NextPoll, r.Deadline
	} else {
		s.setState(ctx, crossconnect.StateAwaitingConfirmation,
			"waiting for "+string(s.tx.Destination)+" to confirm")
	}
	// A poll is one read of the order, as when finding it.
	ctx = s.within(ctx, retrying{attempt: 30 * time.Second, first: time.Second,
		most: time.Minute, final: equinixFinal})

	for {
		if s.abandonedWhileWaiting(ctx, wait) {
			return errAbandoned
		}
		if ctx.Err() != nil {
			return temporal.NewCanceledError()
		}

		done, err := s.checkOrder(ctx)
		if err != nil || done {
			return err
		}

		wait = min(2*wait, s.set.PollMax)
		if workflow.Now(ctx).After(deadline) {
			err := s.confirmationOverdue(ctx)
			if err != nil {
				return err
			}
			deadline = workflow.Now(ctx).Add(s.set.ConfirmTimeout)
		}
		if s.historyTooLong(ctx) {
			if s.abandonPending(ctx) {
				return errAbandoned
			}
			return s.continueAsNew(ctx, wait, deadline)
		}
	}
}

// abandonedWhileWaiting sleeps for d on a durable timer; an operator may
// abandon the wait meanwhile.
func (s *saga) abandonedWhileWaiting(ctx workflow.Context, d time.Duration) bool {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()

	abandoned := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) {})
	sel.AddReceive(s.abandon, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		abandoned = true
	})
	sel.Select(ctx)
	return abandoned
}

func (s *saga) checkOrder(ctx workflow.Context) (bool, error) {
	var res activities.CheckResult
	err := s.attempt(ctx, "reading the order", func(ctx workflow.Context) error {
		in := activities.CheckInput{
			TransactionID: s.tx.ID, OrderID: s.orderID, LineIDs: s.lineIDs(),
		}
		return workflow.ExecuteActivity(ctx, acts.CheckOrder, in).Get(ctx, &res)
	})
	if err != nil {
		return false, err
	}
	if len(res.Reverted) > 0 {
		return false, temporal.NewNonRetryableApplicationError(
			"the cancel of line "+res.Reverted[0]+" was undone at the destination (order "+
				res.OrderStatus+")", activities.ErrNotCancellable, nil)
	}
	for i := range s.tx.Items {
		it := &s.tx.Items[i]
		if slices.Contains(res.Confirmed, it.LineID) {
			it.StatusMessage = itemMessage(s.orderID, it.LineID, "cancellation confirmed")
		}
	}
	return len(res.Confirmed) == len(s.lineIDs()), nil
}

// confirmationOverdue asks an operator what to do about a destination that
// has not confirmed within the limit: retry waits another period.
func (s *saga) confirmationOverdue(ctx workflow.Context) error {
	s.tx.LastError = "not confirmed within " + s.set.ConfirmTimeout.String()
	s.setState(ctx, crossconnect.StateNeedsAttention,
		s.tx.LastError+"; send retry to keep waiting or abandon")
	if !s.awaitDecision(ctx) {
		return errAbandoned
	}
	s.tx.Attempts++
	s.tx.LastError = ""
	s.setState(ctx, crossconnect.StateAwaitingConfirmation, "operator asked to keep waiting")
	return nil
}

// abandonPending reports whether an abandon arrived since the last wait:
// a new run would not see it, so it is honoured before continuing as new.
func (s *saga) abandonPending(ctx workflow.Context) bool {
	// Runs that continued as new before this check replay without it.
	if workflow.GetVersion(ctx, changeAbandonBeforeContinue, workflow.DefaultVersion, 1) < 1 {
		return false
	}
	return s.abandon.ReceiveAsync(nil)
}

func (s *saga) historyTooLong(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetCurrentHistoryLength() > s.set.HistoryLimit || info.GetContinueAsNewSuggested()
}

func (s *saga) continueAsNew(ctx workflow.Context, wait time.Duration, deadline time.Time) error {
	in := s.in
	in.Resume = &Progress{
		Transaction:  s.tx,
		PreviousNote: s.prevNote,
		OrderID:      s.orderID,
		Lines:        s.lines,
		NextPoll:     wait,
		Deadline:     deadline,
	}
	s.logger.Info("Continuing as new while waiting", "next_poll", wait.String())
	return workflow.NewContinueAsNewError(ctx, CancelCrossConnect, in)
}

func (s *saga) lineIDs() []string {
	ids := make([]string, 0, len(s.tx.Items))
	for _, it := range s.tx.Items {
		ids = append(ids, it.LineID)
	}
	return ids
}

// markCancelled writes the outcome on the adjustment: every item cancelled.
func (s *saga) markCancelled(ctx workflow.Context) error {
	s.setState(ctx, crossconnect.StateUpdatingSource, "writing the outcome on the adjustment")
	ctx = s.within(ctx, s.sourceRetrying())

	msg := "cancelled at " + string(s.tx.Destination) + " order " + s.orderID
	err := s.attempt(ctx, "writing the outcome", func(ctx workflow.Context) error {
		return s.setNote(ctx, s.note(crossconnect.StateCompleted, msg))
	})
	if err != nil {
		return err
	}

	for i := range s.tx.Items {
		it := &s.tx.Items[i]
		it.Status, it.ErrorMessage = crossconnect.ItemCancelled, ""
		it.StatusMessage = itemMessage(s.orderID, it.LineID, "cancelled")
	}
	s.setState(ctx, crossconnect.StateCompleted, msg)
	return nil
}
