package crossconnect_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/lattice/lattice/crossconnect"
)

// FuzzDecode feeds the decoder arbitrary bodies, seeded with every case of
// the request tables, and checks what must hold of any answer: exactly one
// of a request or an error of the two kinds clients are told about, a
// position in every syntax error, a located, typed problem in every
// validation error, and a request that keeps every rule and decodes to
// itself again once written back out.
func FuzzDecode(f *testing.F) {
	for _, c := range loadCases(f) {
		if b := c.Bytes(f); len(b) <= crossconnect.MaxBodyBytes {
			f.Add(b)
		}
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := crossconnect.Decode(body)
		var se *crossconnect.SyntaxError
		var ve *crossconnect.ValidationError
		switch {
		case err == nil && req != nil:
			checkRequest(t, body, req)
		case req != nil:
			t.Fatalf("both a request and an error: %v", err)
		case errors.As(err, &se):
			checkSyntaxError(t, body, se)
		case errors.As(err, &ve):
			checkValidationError(t, body, ve)
		default:
			t.Fatalf("error of an unexpected kind %T: %v", err, err)
		}
	})
}

// idShape is the documented shape of an id.
var idShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

func checkRequest(t *testing.T, body []byte, req *crossconnect.Request) {
	if !json.Valid(body) || !utf8.Valid(body) {
		t.Fatalf("accepted a body that is not valid JSON in UTF-8")
	}
	if req.Source != crossconnect.Zoho && req.Source != crossconnect.NetSuite {
		t.Fatalf("accepted source %q", req.Source)
	}
	if req.Destination != crossconnect.Equinix {
		t.Fatalf("accepted destination %q", req.Destination)
	}
	checkID(t, "ia id", req.IAID, false)
	checkID(t, "order id", req.OrderID, true)
	checkItems(t, req.Items)
	for _, k := range []string{"qcl_source_id", "qcl_destination_id"} {
		if _, ok := req.GenericData[k]; ok {
			t.Fatalf("generic data keeps %s", k)
		}
	}
	if id := crossconnect.TransactionID(req); !crossconnect.ValidTransactionID(id) {
		t.Fatalf("transaction id %q has the wrong shape", id)
	}
	checkRoundTrip(t, req)
}

func checkID(t *testing.T, what, id string, optional bool) {
	if optional && id == "" {
		return
	}
	if !idShape.MatchString(id) {
		t.Fatalf("accepted %s %q", what, id)
	}
}

func checkItems(t *testing.T, items []crossconnect.Item) {
	if len(items) < 1 || len(items) > crossconnect.MaxItems {
		t.Fatalf("accepted %d items", len(items))
	}
	seen := map[string]bool{}
	for _, it := range items {
		checkID(t, "item id", it.ID, false)
		checkID(t, "line id", it.LineID, true)
		if n := utf8.RuneCountInString(it.Name); n < 1 || n > 1000 {
			t.Fatalf("accepted a name of %d characters", n)
		}
		if seen[it.ID] {
			t.Fatalf("accepted item %q twice", it.ID)
		}
		seen[it.ID] = true
	}
}

// checkRoundTrip writes the request back out under the documented names
// and decodes it again: normalising must lose nothing the workflow uses.
func checkRoundTrip(t *testing.T, req *crossconnect.Request) {
	again, err := crossconnect.Decode(encodeRequest(t, req))
	if err != nil {
		t.Fatalf("the request written back out is refused: %v", err)
	}
	if crossconnect.TransactionID(again) != crossconnect.TransactionID(req) {
		t.Fatalf("transaction id changed on a round trip")
	}
	strip := func(r crossconnect.Request) crossconnect.Request {
		r.GenericData, r.GenericFields, r.DestinationFields = nil, nil, nil
		r.Items = slices.Clone(r.Items)
		for i := range r.Items {
			r.Items[i].OriginalItemDetails = nil
		}
		return r
	}
	if !reflect.DeepEqual(strip(*again), strip(*req)) {
		t.Fatalf("round trip changed the request:\n%+v\n%+v", *req, *again)
	}
	if !sameJSON(t, again.GenericData, req.GenericData) {
		t.Fatalf("round trip changed the generic data")
	}
}

func encodeRequest(t *testing.T, req *crossconnect.Request) []byte {
	generic := map[string]any{
		"qcl_source_id":      req.Source,
		"qcl_destination_id": req.Destination,
	}
	for k, v := range req.GenericData {
		generic[k] = v
	}
	items := make([]map[string]any, len(req.Items))
	for i, it := range req.Items {
		items[i] = map[string]any{
			"qcl_cc_inventory_item_id":   it.ID,
			"qcl_cc_inventory_item_name": it.Name,
		}
		if it.LineID != "" {
			items[i]["destination_line_id"] = it.LineID
		}
		if it.OriginalItemDetails != nil {
			items[i]["original_item_details"] = it.OriginalItemDetails
		}
	}
	dest := map[string]any{}
	if req.OrderID != "" {
		dest["order_id"] = req.OrderID
	}
	body, err := json.Marshal(map[string]any{
		"qcl_generic_data": generic,
		"qcl_transaction_data": map[string]any{
			"source_fields": map[string]any{
				"qcl_ia_id":        req.IAID,
				"qcl_item_details": items,
			},
		},
		"destination_fields": dest,
	})
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return body
}

func sameJSON(t *testing.T, a, b any) bool {
	var x, y any
	for _, p := range []struct {
		in  any
		out *any
	}{{a, &x}, {b, &y}} {
		raw, err := json.Marshal(p.in)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if err := json.Unmarshal(raw, p.out); err != nil {
			t.Fatalf("decode: %v", err)
		}
	}
	return reflect.DeepEqual(x, y)
}

// maxMessage bounds what any error may say: it goes back to the client.
const maxMessage = 400

func checkSyntaxError(t *testing.T, body []byte, se *crossconnect.SyntaxError) {
	msg := se.Error()
	if msg == "" || len(msg) > maxMessage || !utf8.ValidString(msg) {
		t.Fatalf("syntax error message unfit for a client: %q", msg)
	}
	if se.Line == 0 {
		if len(bytes.TrimLeft(body, " \t\r\n")) != 0 {
			t.Fatalf("syntax error without a position for a non-empty body: %q", msg)
		}
		return
	}
	lines := 1 + bytes.Count(body, []byte{'\n'})
	if se.Line < 1 || se.Line > lines || se.Column < 1 {
		t.Fatalf("position %d:%d outside a body of %d lines", se.Line, se.Column, lines)
	}
}

// problemTypes are the documented problem types.
var problemTypes = []string{
	crossconnect.ProblemMissing, crossconnect.ProblemStringType,
	crossconnect.ProblemDictType, crossconnect.ProblemListType,
	crossconnect.ProblemEnum, crossconnect.ProblemStringTooShort,
	crossconnect.ProblemStringTooLong, crossconnect.ProblemPattern,
	crossconnect.ProblemTooShort, crossconnect.ProblemTooLong,
	crossconnect.ProblemDuplicateItem, crossconnect.ProblemAliasConflict,
	crossconnect.ProblemCancelNotSupported,
}

func checkValidationError(t *testing.T, body []byte, ve *crossconnect.ValidationError) {
	if !json.Valid(body) {
		t.Fatalf("a body that is not JSON got a validation error")
	}
	if len(ve.Problems) == 0 || len(ve.Problems) > 6*crossconnect.MaxItems+20 {
		t.Fatalf("%d problems", len(ve.Problems))
	}
	for _, p := range ve.Problems {
		if len(p.Loc) == 0 || p.Loc[0] != "body" {
			t.Fatalf("problem not located from the body: %+v", p)
		}
		for _, e := range p.Loc[1:] {
			switch e.(type) {
			case string, int:
			default:
				t.Fatalf("location element %T in %+v", e, p)
			}
		}
		if !slices.Contains(problemTypes, p.Type) {
			t.Fatalf("undocumented problem type %q", p.Type)
		}
		if p.Msg == "" || len(p.Msg) > maxMessage || !utf8.ValidString(p.Msg) {
			t.Fatalf("problem message unfit for a client: %q", p.Msg)
		}
	}
}
