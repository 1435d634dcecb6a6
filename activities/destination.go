package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/equinix"
)

// ResolveOrder finds the destination order and the line of each item, and
// checks every line can be cancelled (or already is).
func (a *Activities) ResolveOrder(ctx context.Context, in ResolveInput) (ResolveResult, error) {
	order, err := a.findOrder(ctx, in)
	if err != nil {
		return ResolveResult{}, err
	}
	if strings.EqualFold(order.Status, equinix.StatusClosed) {
		return ResolveResult{}, final(ErrNotCancellable, fmt.Sprintf(
			"order %s is already completed (CLOSED) and cannot be cancelled", order.ID))
	}

	lines, err := matchLines(order, in.Items)
	if err != nil {
		return ResolveResult{}, err
	}

	res := ResolveResult{OrderID: order.ID, Lines: lines}
	for _, it := range in.Items {
		line, _ := order.Line(lines[it.ID])
		switch {
		case line.CancelRequested():
			res.Cancelled = append(res.Cancelled, line.ID)
		case !line.Cancellable || !order.Cancellable:
			return ResolveResult{}, final(ErrNotCancellable, fmt.Sprintf(
				"line %s of order %s cannot be cancelled (order %s, line %s)",
				line.ID, order.ID, order.Status, line.Status))
		}
	}
	return res, nil
}

func (a *Activities) findOrder(ctx context.Context, in ResolveInput) (equinix.Order, error) {
	if in.OrderID != "" {
		order, err := a.Equinix.GetOrder(ctx, in.OrderID)
		return order, classify(ctx, err)
	}
	order, err := a.Equinix.FindOrderByReference(ctx, in.IAID)
	if vendors.KindOf(err) == vendors.NotFound {
		return order, final(ErrNotFound, fmt.Sprintf(
			"no order at Equinix has customer reference %s", in.IAID))
	}
	return order, classify(ctx, err)
}

// matchLines maps each item to a cross-connect line: the line the request
// names, else, when the order holds exactly as many cross-connect lines as
// the request has unnamed items, the lines in order.
func matchLines(order equinix.Order, items []crossconnect.Item) (map[string]string, error) {
	lines := make(map[string]string, len(items))
	taken := make(map[string]bool)
	var unnamed []crossconnect.Item
	for _, it := range items {
		if it.LineID == "" {
			unnamed = append(unnamed, it)
			continue
		}
		if _, ok := order.Line(it.LineID); !ok {
			return nil, final(ErrNotFound, fmt.Sprintf(
				"order %s has no line %s (item %s)", order.ID, it.LineID, it.ID))
		}
		lines[it.ID], taken[it.LineID] = it.LineID, true
	}
	if len(unnamed) == 0 {
		return lines, nil
	}

	var free []string
	for _, l := range order.Lines {
		if l.CrossConnect() && !taken[l.ID] {
			free = append(free, l.ID)
		}
	}
	if len(free) != len(unnamed) {
		return nil, final(ErrNotFound, fmt.Sprintf(
			"order %s has %d cross-connect lines for %d items: name each item's destination_line_id",
			order.ID, len(free), len(unnamed)))
	}
	for i, it := range unnamed {
		lines[it.ID] = free[i]
	}
	return lines, nil
}

// CancelLine cancels one line. Equinix takes no idempotency key, so the
// order is read first: a line whose cancel already landed (an earlier
// attempt that timed out after Equinix applied it) counts as done and is
// not cancelled again.
func (a *Activities) CancelLine(ctx context.Context, in CancelInput) (CancelResult, error) {
	var res CancelResult
	err := heartbeating(ctx, "cancelling line "+in.LineID, func() error {
		var err error
		res, err = a.cancelLine(ctx, in)
		return err
	})
	return res, err
}

func (a *Activities) cancelLine(ctx context.Context, in CancelInput) (CancelResult, error) {
	log := a.logger(ctx, in.TransactionID)
	landed, err := a.cancelLanded(ctx, in)
	if landed {
		log.Info("Cancel already landed", "order_id", in.OrderID, "line_id", in.LineID)
	}
	if err != nil || landed {
		return CancelResult{AlreadyCancelled: landed}, err
	}

	err = a.Equinix.CancelLine(ctx, in.OrderID, in.LineID, in.Reason)
	if vendors.KindOf(err) == vendors.Rejected {
		// A refusal may mean a concurrent attempt got there first.
		if landed, rerr := a.cancelLanded(ctx, in); rerr == nil && landed {
			return CancelResult{AlreadyCancelled: true}, nil
		}
	}
	if err != nil {
		return CancelResult{}, classify(ctx, err)
	}
	log.Info("Cancel sent", "order_id", in.OrderID, "line_id", in.LineID)
	return CancelResult{}, nil
}

func (a *Activities) cancelLanded(ctx context.Context, in CancelInput) (bool, error) {
	order, err := a.Equinix.GetOrder(ctx, in.OrderID)
	if err != nil {
		return false, classify(ctx, err)
	}
	line, ok := order.Line(in.LineID)
	if !ok {
		return false, final(ErrNotFound, fmt.Sprintf("order %s has no line %s", in.OrderID, in.LineID))
	}
	return line.CancelRequested(), nil
}

// CheckOrder reads the order and reports which lines the destination has
// confirmed cancelled.
func (a *Activities) CheckOrder(ctx context.Context, in CheckInput) (CheckResult, error) {
	order, err := a.Equinix.GetOrder(ctx, in.OrderID)
	if err != nil {
		return CheckResult{}, classify(ctx, err)
	}

	res := CheckResult{OrderStatus: order.Status}
	for _, id := range in.LineIDs {
		line, ok := order.Line(id)
		switch {
		case !ok:
			return CheckResult{}, final(ErrNotFound, fmt.Sprintf("order %s has no line %s", order.ID, id))
		case line.Cancelled():
			res.Confirmed = append(res.Confirmed, id)
		case !line.CancelRequested():
			res.Reverted = append(res.Reverted, id)
		}
	}
	return res, nil
}
