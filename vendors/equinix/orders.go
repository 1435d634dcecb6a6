package equinix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// Order statuses Equinix documents. Others may appear; Status keeps
// whatever Equinix sent.
const (
	StatusReceived   = "RECEIVED"
	StatusInProgress = "IN_PROGRESS"
	StatusOnHold     = "ON_HOLD"
	StatusClosed     = "CLOSED"
	StatusCancelled  = "CANCELLED"
)

// Line statuses that matter to a cancel. Line status is free text.
const (
	LineCancelled             = "CANCELLED"
	LineCancellationRequested = "CANCELLATION_REQUESTED"
)

// ProductCrossConnect is the product type of a cross-connect line.
const ProductCrossConnect = "CROSS_CONNECT"

// Reason length limits of the cancel call, in characters.
const (
	MinReasonLen = 5
	MaxReasonLen = 4000
)

// Order is a colocation order, as far as Lattice reads it.
type Order struct {
	ID                  string
	Status              string
	CustomerReferenceID string
	Cancellable         bool
	Lines               []Line
}

// Line is one line of an order: here, one cross connect.
type Line struct {
	ID          string
	Status      string
	ProductType string
	Cancellable bool
}

// Line returns the order's line with id.
func (o Order) Line(id string) (Line, bool) {
	for _, l := range o.Lines {
		if l.ID == id {
			return l, true
		}
	}
	return Line{}, false
}

// Cancelled reports whether the line's status is CANCELLED.
func (l Line) Cancelled() bool {
	return strings.EqualFold(strings.TrimSpace(l.Status), LineCancelled)
}

// CancelRequested reports whether a cancel of the line has landed at
// Equinix: its status is CANCELLATION_REQUESTED or already CANCELLED.
func (l Line) CancelRequested() bool {
	s := strings.TrimSpace(l.Status)
	return l.Cancelled() || strings.EqualFold(s, LineCancellationRequested)
}

// CrossConnect reports whether the line is a cross connect.
func (l Line) CrossConnect() bool {
	return strings.EqualFold(strings.TrimSpace(l.ProductType), ProductCrossConnect)
}

// GetOrder reads the order with orderID. An unknown order is a NotFound
// error.
func (c *Client) GetOrder(ctx context.Context, orderID string) (Order, error) {
	if orderID == "" {
		return Order{}, c.invalid(OpGetOrder, "order id is empty")
	}

	resp, err := c.rest.Call(ctx, rest.Request{
		Op:     OpGetOrder,
		Method: http.MethodGet,
		URL:    c.orderURL(orderID, ""),
	})
	if err != nil {
		return Order{}, err
	}

	var w wireOrder
	if err := rest.Decode(resp.Body, &w); err != nil {
		return Order{}, c.undecodable(OpGetOrder, err)
	}
	return w.order(), nil
}

// FindOrderByReference finds the cross-connect order whose customer
// reference is ref; Lattice sets it to the source IA id when it orders.
// No such order is a NotFound error; more than one is Rejected, since
// cancelling a guess would be worse than asking a person.
//
// Only the first page (20 orders) is read: more orders than that with
// one reference is ambiguous anyway.
func (c *Client) FindOrderByReference(ctx context.Context, ref string) (Order, error) {
	if ref == "" {
		return Order{}, c.invalid(OpFindOrder, "customer reference is empty")
	}

	req, err := postJSON(OpFindOrder, c.base+"/v1/retrieve-orders", referenceQuery(ref))
	if err != nil {
		return Order{}, c.rest.Error(OpFindOrder, vendors.Rejected, err)
	}
	resp, err := c.rest.Call(ctx, req)
	if err != nil {
		return Order{}, err
	}

	var page wirePage
	if err := rest.Decode(resp.Body, &page); err != nil {
		return Order{}, c.undecodable(OpFindOrder, err)
	}
	return c.pickOrder(ref, page.orders())
}

// pickOrder returns the one cross-connect order with reference ref among
// orders.
func (c *Client) pickOrder(ref string, orders []Order) (Order, error) {
	var found []Order
	for _, o := range orders {
		if matchesReference(o, ref) && maybeCrossConnect(o) {
			found = append(found, o)
		}
	}

	switch len(found) {
	case 0:
		return Order{}, c.notFound(OpFindOrder, fmt.Sprintf(
			"no cross-connect order with customer reference %q", ref))
	case 1:
		return found[0], nil
	}

	ids := make([]string, len(found))
	for i, o := range found {
		ids[i] = o.ID
	}
	return Order{}, c.invalid(OpFindOrder, fmt.Sprintf(
		"ambiguous: %d cross-connect orders have customer reference %q: %s",
		len(found), ref, strings.Join(ids, ", ")))
}

// matchesReference checks the reference again in case the server
// ignored the filter; an order that does not state one is trusted.
func matchesReference(o Order, ref string) bool {
	return o.CustomerReferenceID == "" || o.CustomerReferenceID == ref
}

// maybeCrossConnect reports whether o has a cross-connect line, or lists
// no lines at all, so that its product cannot be told from the search.
func maybeCrossConnect(o Order) bool {
	if len(o.Lines) == 0 {
		return true
	}
	for _, l := range o.Lines {
		if l.CrossConnect() {
			return true
		}
	}
	return false
}

// CancelLine asks Equinix to cancel one line of an order. Success means
// Equinix accepted the request (202 or 204), not that the line is
// cancelled yet: read the order to follow it.
//
// Equinix has no idempotency key. A 400 or 409, such as for a line that
// is already cancelled, is returned as Rejected with Equinix's text; the
// caller reads the order to tell that case apart.
func (c *Client) CancelLine(ctx context.Context, orderID, lineID, reason string) error {
	if err := c.checkCancel(orderID, lineID, reason); err != nil {
		return err
	}

	req, err := postJSON(OpCancel, c.orderURL(orderID, "/cancel"), cancelRequest{
		Reason:  reason,
		LineIDs: []string{lineID},
	})
	if err != nil {
		return c.rest.Error(OpCancel, vendors.Rejected, err)
	}

	_, err = c.rest.Call(ctx, req)
	return err
}

// checkCancel validates a cancel before it is sent, so that Equinix sees
// only requests it can accept.
func (c *Client) checkCancel(orderID, lineID, reason string) error {
	switch n := utf8.RuneCountInString(reason); {
	case orderID == "":
		return c.invalid(OpCancel, "order id is empty")
	case lineID == "":
		return c.invalid(OpCancel, "line id is empty")
	case n < MinReasonLen || n > MaxReasonLen:
		return c.invalid(OpCancel, fmt.Sprintf(
			"reason has %d characters, want %d to %d", n, MinReasonLen, MaxReasonLen))
	}
	return nil
}

func (c *Client) invalid(op, msg string) error {
	return c.rest.Error(op, vendors.Rejected, errors.New(msg))
}

func (c *Client) notFound(op, msg string) error {
	return c.rest.Error(op, vendors.NotFound, errors.New(msg))
}

// undecodable reports a 2xx body that is not the JSON expected. It is
// transient: a proxy's error page is the usual cause.
func (c *Client) undecodable(op string, err error) error {
	return c.rest.Error(op, vendors.Transient, fmt.Errorf("decode response: %w", err))
}
