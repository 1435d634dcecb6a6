package sandbox

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/lattice/lattice/vendors"
)

// Equinix order and line statuses the sandbox sets itself.
const (
	StatusReceived              = "RECEIVED"
	StatusSubmitted             = "SUBMITTED"
	StatusClosed                = "CLOSED"
	StatusCancelled             = "CANCELLED"
	StatusCancellationRequested = "CANCELLATION_REQUESTED"
)

// equinixLockAfter is how many bad token requests lock a client id.
const equinixLockAfter = 5

// Order is an Equinix colocation order as GET /colocations/v2/orders/{id}
// answers it.
type Order struct {
	OrderID             string      `json:"orderId"`
	Status              string      `json:"status"`
	Cancellable         bool        `json:"cancellable"`
	CustomerReferenceID string      `json:"customerReferenceId"`
	Details             []OrderLine `json:"details"`

	// Fields a client does not use and must ignore.
	IBX             string `json:"ibx"`
	CreatedDateTime string `json:"createdDateTime"`
}

// OrderLine is one line of an Equinix order.
type OrderLine struct {
	LineID      string `json:"lineId"`
	Status      string `json:"status"`
	ProductType string `json:"productType"`
	Cancellable bool   `json:"cancellable"`
}

// clone returns a copy that shares nothing with o.
func (o *Order) clone() Order {
	c := *o
	c.Details = append([]OrderLine(nil), o.Details...)
	return c
}

// equinixState is the emulated Equinix account. Guarded by Sandbox.mu.
type equinixState struct {
	orders      map[string]*Order
	badLogins   map[string]int
	lineCancels map[string]int // by orderID + "/" + lineID
	// confirmDelays overrides the sandbox's confirm delay per order.
	confirmDelays map[string]time.Duration
	nextOrder     int
	nextLine      int
}

// seedEquinix adds the demo orders, one per demo adjustment.
func (s *Sandbox) seedEquinix() {
	s.equinix = equinixState{
		orders:        map[string]*Order{},
		badLogins:     map[string]int{},
		lineCancels:   map[string]int{},
		confirmDelays: map[string]time.Duration{},
		nextOrder:     40000001,
		nextLine:      90001,
	}
	s.addOrder("1-23232322", "1-D89731S", seedZohoAdjustmentID, "DC1")
	s.addOrder("1-23232323", "1-D89732S", seedNetSuiteAdjustmentID, "DC2")
}

// addOrder stores a cancellable order with one cross-connect line. The
// caller holds s.mu or has not shared s yet.
func (s *Sandbox) addOrder(orderID, lineID, ref, ibx string) {
	s.equinix.orders[orderID] = &Order{
		OrderID:             orderID,
		Status:              StatusReceived,
		Cancellable:         true,
		CustomerReferenceID: ref,
		IBX:                 ibx,
		CreatedDateTime:     "2026-11-20T09:30:00Z",
		Details: []OrderLine{{
			LineID:      lineID,
			Status:      StatusSubmitted,
			ProductType: "CROSS_CONNECT",
			Cancellable: true,
		}},
	}
}

// addEquinixFixture stores a fresh order whose customer reference is ref.
func (s *Sandbox) addEquinixFixture(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	orderID := fmt.Sprintf("1-%08d", s.equinix.nextOrder)
	lineID := fmt.Sprintf("1-D%05dS", s.equinix.nextLine)
	s.equinix.nextOrder++
	s.equinix.nextLine++
	s.addOrder(orderID, lineID, ref, "DC1")
}

// equinixRoutes maps the Equinix paths to their operations.
func (s *Sandbox) equinixRoutes() []route {
	const base = "/equinix"
	return []route{
		{"POST", base + "/oauth2/v1/token", vendors.Equinix, OpToken, s.equinixToken},
		{"POST", base + "/v1/retrieve-orders", vendors.Equinix, OpFindOrder,
			s.equinixAuth(s.equinixFindOrders)},
		{"GET", base + "/colocations/v2/orders/{orderId}", vendors.Equinix, OpGetOrder,
			s.equinixAuth(s.equinixGetOrder)},
		{"POST", base + "/colocations/v2/orders/{orderId}/cancel", vendors.Equinix, OpCancel,
			s.equinixAuth(s.equinixCancel)},
	}
}

// equinixAuth refuses calls without a live Equinix bearer token.
func (s *Sandbox) equinixAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.validToken(r.Header.Get("Authorization"), "Bearer", vendors.Equinix) {
			writeEquinixError(w, http.StatusUnauthorized, "EQ-2010001",
				"Invalid or expired access token")
			return
		}
		h(w, r)
	}
}

// EquinixOrder returns a copy of the order with orderID.
func (s *Sandbox) EquinixOrder(orderID string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	o, ok := s.equinix.orders[orderID]
	if !ok {
		return Order{}, false
	}
	return o.clone(), true
}

// EquinixOrderByReference returns a copy of the first order, by order id,
// whose customer reference is ref: the order a fixture made for the
// adjustment ref.
func (s *Sandbox) EquinixOrderByReference(ref string) (Order, bool) {
	found, _ := s.ordersByReference(map[string]bool{ref: true}, 0, 1)
	if len(found) == 0 {
		return Order{}, false
	}
	return found[0], true
}

// SetConfirmDelay makes cancels of orderID that are accepted from now on
// confirm after d instead of the sandbox's confirm delay: an order whose
// data centre is slow to confirm.
func (s *Sandbox) SetConfirmDelay(orderID string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.equinix.confirmDelays[orderID] = d
}

// LineCancels returns how many cancels of the line took effect. A cancel
// refused because the line was already cancelled does not count.
func (s *Sandbox) LineCancels(orderID, lineID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.equinix.lineCancels[orderID+"/"+lineID]
}

// SetOrderStatus sets an order's status, as Equinix would on its own. CLOSED
// (completed) and CANCELLED also set every line to that status and make the
// order and its lines not cancellable; other statuses change nothing else.
func (s *Sandbox) SetOrderStatus(orderID, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	o, ok := s.equinix.orders[orderID]
	if !ok {
		return
	}
	o.Status = status
	if status != StatusClosed && status != StatusCancelled {
		return
	}

	o.Cancellable = false
	for i := range o.Details {
		o.Details[i].Status = status
		o.Details[i].Cancellable = false
	}
}

// equinixIssue is one entry of an Equinix error's additionalInfo.
type equinixIssue struct {
	Property string `json:"property"`
	Reason   string `json:"reason"`
}

// equinixErrorItem is one element of the Equinix error array.
type equinixErrorItem struct {
	ErrorCode      string         `json:"errorCode"`
	ErrorMessage   string         `json:"errorMessage"`
	Details        string         `json:"details"`
	CorrelationID  string         `json:"correlationId"`
	AdditionalInfo []equinixIssue `json:"additionalInfo"`
}

// writeEquinixError answers in the orders API's error shape: an array.
func writeEquinixError(
	w http.ResponseWriter,
	status int,
	code, msg string,
	issues ...equinixIssue,
) {
	if issues == nil {
		issues = []equinixIssue{}
	}
	writeJSON(w, status, []equinixErrorItem{{
		ErrorCode:      code,
		ErrorMessage:   msg,
		Details:        msg,
		CorrelationID:  rand.Text(),
		AdditionalInfo: issues,
	}})
}

// equinixCode is the error code Equinix sends with status when nothing
// more specific applies.
func equinixCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "EQ-2010010"
	case http.StatusUnauthorized:
		return "EQ-2010001"
	case http.StatusForbidden:
		return "EQ-2012007"
	case http.StatusNotFound:
		return "EQ-2014005"
	case http.StatusConflict:
		return "EQ-2012010"
	}
	return fmt.Sprintf("EQ-2010%03d", status)
}
