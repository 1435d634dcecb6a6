package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/lattice/lattice/vendors"
)

// Bounds Equinix puts on a cancel request.
const (
	reasonMin = 5
	reasonMax = 4000
	pageMax   = 100
)

// loginResult is the outcome of an Equinix token request.
type loginResult int

const (
	loginOK loginResult = iota
	loginBad
	loginLocked
)

// equinixToken serves POST /oauth2/v1/token. Equinix takes a JSON body,
// not the form body most OAuth servers take.
func (s *Sandbox) equinixToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if !hasMediaType(r, contentJSON) || decodeBody(r, &req) != nil {
		writeGatewayError(w, http.StatusBadRequest, "invalid_request", "Invalid request",
			"The body must be a JSON object sent as application/json")
		return
	}
	if req.GrantType != "client_credentials" {
		writeGatewayError(w, http.StatusBadRequest, "unsupported_grant_type",
			"Unsupported grant type", "grant_type must be client_credentials")
		return
	}

	switch s.equinixLogin(req.ClientID, req.ClientSecret) {
	case loginLocked:
		writeGatewayError(w, http.StatusUnauthorized, "invalid_client", "Client locked",
			"The client id is locked after too many failed attempts")
		return
	case loginBad:
		writeGatewayError(w, http.StatusUnauthorized, "invalid_client", "Invalid client",
			"The client id or secret is not valid")
		return
	}

	writeJSON(w, http.StatusOK, map[string]string{
		"access_token":  s.issueToken(vendors.Equinix),
		"token_timeout": "3599",
		"user_name":     "sandbox",
		"token_type":    "Bearer",
	})
}

// equinixLogin checks credentials and keeps the lock-out count: five bad
// attempts lock the client id for good, as Equinix does.
func (s *Sandbox) equinixLogin(id, secret string) loginResult {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.equinix.badLogins[id] >= equinixLockAfter {
		return loginLocked
	}
	if same(id, s.creds.EquinixClientID) && same(secret, s.creds.EquinixClientSecret) {
		delete(s.equinix.badLogins, id)
		return loginOK
	}
	s.equinix.badLogins[id]++
	return loginBad
}

// writeGatewayError answers in the API gateway's shape, used by the token
// endpoint only.
func writeGatewayError(w http.ResponseWriter, status int, code, title, msg string) {
	writeJSON(w, status, map[string]string{
		"error_domain":      "apigateway",
		"error_title":       title,
		"error_code":        code,
		"developer_message": msg,
		"error_message":     msg,
	})
}

// equinixGetOrder serves GET /colocations/v2/orders/{orderId}.
func (s *Sandbox) equinixGetOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("orderId")
	o, ok := s.EquinixOrder(id)
	if !ok {
		writeEquinixError(w, http.StatusNotFound, "EQ-2014005", "Order not found",
			equinixIssue{Property: "orderId", Reason: "no order " + id})
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// retrieveRequest is the body of POST /v1/retrieve-orders.
type retrieveRequest struct {
	Filter struct {
		And []struct {
			Property string   `json:"property"`
			Operator string   `json:"operator"`
			Values   []string `json:"values"`
		} `json:"and"`
	} `json:"filter"`
	Pagination struct {
		Offset int `json:"offset"`
		Limit  int `json:"limit"`
	} `json:"pagination"`
}

// equinixFindOrders serves POST /v1/retrieve-orders. The sandbox supports
// only the filter Lattice uses: customer reference number equals.
func (s *Sandbox) equinixFindOrders(w http.ResponseWriter, r *http.Request) {
	var req retrieveRequest
	if err := decodeBody(r, &req); err != nil {
		writeEquinixError(w, http.StatusBadRequest, "EQ-2010010", "Invalid request body",
			equinixIssue{Property: "body", Reason: err.Error()})
		return
	}
	if issue, ok := checkRetrieve(&req); !ok {
		writeEquinixError(w, http.StatusBadRequest, "EQ-2010010", "Invalid properties", issue)
		return
	}

	refs := map[string]bool{}
	for _, t := range req.Filter.And {
		for _, v := range t.Values {
			refs[v] = true
		}
	}
	found, total := s.ordersByReference(refs, req.Pagination.Offset, req.Pagination.Limit)

	writeJSON(w, http.StatusOK, map[string]any{
		"content": found,
		"page": map[string]int{
			"offset": req.Pagination.Offset,
			"limit":  req.Pagination.Limit,
			"total":  total,
		},
	})
}

// checkRetrieve validates a retrieve request and fills in the default
// page size.
func checkRetrieve(req *retrieveRequest) (equinixIssue, bool) {
	for _, t := range req.Filter.And {
		if t.Property != "/customerReferenceNumber" || t.Operator != "=" {
			return equinixIssue{Property: "filter",
				Reason: "the sandbox filters on /customerReferenceNumber = only"}, false
		}
	}

	p := &req.Pagination
	if p.Limit == 0 {
		p.Limit = 20
	}
	if p.Offset < 0 || p.Limit < 0 || p.Limit > pageMax {
		return equinixIssue{Property: "pagination",
			Reason: "offset must be >= 0 and limit 1..100"}, false
	}
	return equinixIssue{}, true
}

// ordersByReference returns one page of the orders whose customer
// reference is in refs (all orders when refs is empty), by order id, and
// how many there are in all.
func (s *Sandbox) ordersByReference(refs map[string]bool, offset, limit int) ([]Order, int) {
	s.mu.Lock()
	matched := []Order{}
	for _, o := range s.equinix.orders {
		if len(refs) == 0 || refs[o.CustomerReferenceID] {
			matched = append(matched, o.clone())
		}
	}
	s.mu.Unlock()

	slices.SortFunc(matched, func(a, b Order) int { return cmp.Compare(a.OrderID, b.OrderID) })
	total := len(matched)
	if offset > total {
		offset = total
	}
	return matched[offset:min(offset+limit, total)], total
}

// equinixCancel serves POST /colocations/v2/orders/{orderId}/cancel.
func (s *Sandbox) equinixCancel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason  string   `json:"reason"`
		LineIDs []string `json:"lineIds"`
	}
	if err := decodeBody(r, &req); err != nil {
		writeEquinixError(w, http.StatusBadRequest, "EQ-2010010", "Invalid request body",
			equinixIssue{Property: "body", Reason: err.Error()})
		return
	}
	if issues := checkCancel(req.Reason, req.LineIDs); len(issues) > 0 {
		writeEquinixError(w, http.StatusBadRequest, "EQ-2010010", "Invalid properties",
			issues...)
		return
	}

	orderID := r.PathValue("orderId")
	if e := s.cancelLine(orderID, req.LineIDs[0]); e != nil {
		writeEquinixError(w, e.status, e.code, e.msg, e.issues...)
		return
	}

	w.Header().Set("Location", "/colocations/v2/orders/"+orderID)
	w.WriteHeader(http.StatusAccepted)
}

// checkCancel lists what is wrong with a cancel request's properties.
func checkCancel(reason string, lineIDs []string) []equinixIssue {
	var issues []equinixIssue
	if n := utf8.RuneCountInString(reason); n < reasonMin || n > reasonMax {
		issues = append(issues, equinixIssue{Property: "reason",
			Reason: "reason must be 5 to 4000 characters"})
	}
	if len(lineIDs) != 1 || lineIDs[0] == "" {
		issues = append(issues, equinixIssue{Property: "lineIds",
			Reason: "lineIds must hold exactly one line id"})
	}
	return issues
}

// equinixFailure is a refused Equinix call.
type equinixFailure struct {
	status int
	code   string
	msg    string
	issues []equinixIssue
}

// cancelLine requests the cancellation of one line and schedules its
// confirmation.
func (s *Sandbox) cancelLine(orderID, lineID string) *equinixFailure {
	s.mu.Lock()
	defer s.mu.Unlock()

	o, ok := s.equinix.orders[orderID]
	if !ok {
		return &equinixFailure{status: http.StatusNotFound, code: "EQ-2014005",
			msg: "Order not found", issues: []equinixIssue{{"orderId", "no order " + orderID}}}
	}
	i := slices.IndexFunc(o.Details, func(l OrderLine) bool { return l.LineID == lineID })
	if i < 0 {
		return &equinixFailure{status: http.StatusBadRequest, code: "EQ-2010010",
			msg:    "Invalid properties",
			issues: []equinixIssue{{"lineIds", "line " + lineID + " is not on order " + orderID}}}
	}
	if e := cancelConflict(o, &o.Details[i]); e != nil {
		return e
	}

	o.Details[i].Status = StatusCancellationRequested
	o.Details[i].Cancellable = false
	s.equinix.lineCancels[orderID+"/"+lineID]++
	s.scheduleConfirm(orderID, lineID)
	return nil
}

// cancelConflict says why the line cannot be cancelled now, or nil.
func cancelConflict(o *Order, l *OrderLine) *equinixFailure {
	conflict := func(msg string) *equinixFailure {
		return &equinixFailure{status: http.StatusConflict, code: "EQ-2012010", msg: msg,
			issues: []equinixIssue{{"lineIds", msg}}}
	}

	switch {
	case o.Status == StatusClosed || o.Status == StatusCancelled:
		return conflict("Order " + o.OrderID + " is " + o.Status + " and cannot be cancelled")
	case l.Status == StatusCancelled || l.Status == StatusCancellationRequested:
		return conflict("Line " + l.LineID + " is already " + l.Status)
	case !o.Cancellable || !l.Cancellable:
		return conflict("Line " + l.LineID + " is not cancellable")
	}
	return nil
}

// scheduleConfirm turns the line CANCELLED after the confirm delay. The
// caller holds s.mu.
func (s *Sandbox) scheduleConfirm(orderID, lineID string) {
	if s.closed {
		return
	}

	delay, ok := s.equinix.confirmDelays[orderID]
	if !ok {
		delay = s.confirmDelay
	}
	id := s.nextID()
	s.timers[id] = time.AfterFunc(delay, func() {
		s.confirmLine(id, orderID, lineID)
	})
}

// confirmLine marks the line CANCELLED, and the order too once every line
// of it is.
func (s *Sandbox) confirmLine(timerID uint64, orderID, lineID string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	delete(s.timers, timerID)
	o, ok := s.equinix.orders[orderID]
	if s.closed || !ok {
		return
	}

	all := true
	for i := range o.Details {
		l := &o.Details[i]
		if l.LineID == lineID && l.Status == StatusCancellationRequested {
			l.Status = StatusCancelled
		}
		all = all && l.Status == StatusCancelled
	}
	if all {
		o.Status = StatusCancelled
		o.Cancellable = false
	}
	s.log.Info("sandbox cancel confirmed", "vendor", vendors.Equinix,
		"order_id", orderID, "line_id", lineID)
}
