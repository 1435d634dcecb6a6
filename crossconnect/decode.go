package crossconnect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxBodyBytes is the largest request body Lattice reads.
const MaxBodyBytes = 1 << 20

// maxStringLen is the most characters a string field may hold.
const maxStringLen = 1000

// MaxDepth is how deeply objects and arrays may nest in a request. The
// request itself needs six levels; the open objects may use the rest. The
// limit keeps every accepted request decodable by the worker, whose JSON
// decoder stops at 10,000 levels, and makes deep input cheap to refuse.
const MaxDepth = 32

// quotedMax is how many characters of a client's value an error message
// quotes.
const quotedMax = 40

// quoted quotes a client's value for an error message, cut short: the
// message names the value, it does not echo a kilobyte back.
func quoted(s string) string {
	if utf8.RuneCountInString(s) <= quotedMax {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:quotedMax])) + "…"
}

// Field names of the request. The item fields have the aliases the
// previous service read.
const (
	fieldGenericData       = "qcl_generic_data"
	fieldSourceID          = "qcl_source_id"
	fieldDestinationID     = "qcl_destination_id"
	fieldTransactionData   = "qcl_transaction_data"
	fieldGenericFields     = "generic_fields"
	fieldSourceFields      = "source_fields"
	fieldIAID              = "qcl_ia_id"
	fieldItemDetails       = "qcl_item_details"
	fieldItemID            = "qcl_cc_inventory_item_id"
	fieldItemName          = "qcl_cc_inventory_item_name"
	fieldLegacyItemID      = "qcl_inventory_item_id"
	fieldLegacyItemName    = "qcl_inventory_item_name"
	fieldOriginalDetails   = "original_item_details"
	fieldDestinationFields = "destination_fields"
	fieldOrderID           = "order_id"
	fieldLineID            = "destination_line_id"
)

type object = map[string]jsontext.Value

// Decode parses and validates a cancel request body. A body that is not one
// well-formed JSON object gives a *SyntaxError; a well-formed body that
// breaks the contract gives a *ValidationError listing every problem.
//
// Decoding is strict where JSON is ambiguous: names match exactly,
// duplicate names and invalid UTF-8 are errors, nothing may follow the
// object, and ids must be strings (Zoho's 19-digit ids do not survive a
// float64, so a number is refused rather than converted).
func Decode(body []byte) (*Request, error) {
	if off, deep := tooDeep(body); deep {
		line, col := position(body, off)
		return nil, &SyntaxError{
			Msg:  fmt.Sprintf("JSON nested more than %d levels deep", MaxDepth),
			Line: line, Column: col,
		}
	}
	if req, ok := decodeFast(body); ok {
		return req, nil
	}
	return decodeSlow(body)
}

// decodeSlow parses the body into a tree and validates it field by field,
// collecting every problem with its location.
func decodeSlow(body []byte) (*Request, error) {
	top, err := parseObject(body)
	if err != nil {
		return nil, err
	}

	v := validator{}
	req := v.request(top)
	if len(v.problems) > 0 {
		return nil, &ValidationError{Problems: v.problems}
	}
	return req, nil
}

func parseObject(body []byte) (object, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &SyntaxError{Msg: "request body is empty: send one JSON object"}
	}

	var top object
	err := jsonv2.Unmarshal(body, &top)
	var serr *jsontext.SyntacticError
	switch {
	case errors.As(err, &serr):
		off, reason := serr.ByteOffset, syntaxReason(serr)
		if comma, ok := trailingComma(body, off); ok {
			off, reason = comma, "trailing comma before a closing bracket; remove the comma"
		}
		line, col := position(body, off)
		return nil, &SyntaxError{Msg: "malformed JSON: " + reason, Line: line, Column: col}
	case err != nil || top == nil || trimmed[0] != '{':
		line, col := position(body, int64(len(body)-len(trimmed)))
		return nil, &SyntaxError{Msg: "request body must be one JSON object", Line: line, Column: col}
	}
	return top, nil
}

// maxPointerLen bounds the JSON pointer quoted in a syntax error. A body
// nested thousands of levels deep has a pointer of as many segments, and
// the answer to it must stay short.
const maxPointerLen = 120

// syntaxReason is the decoder's explanation without its own position
// prefix, which the caller replaces with a line and column.
func syntaxReason(e *jsontext.SyntacticError) string {
	msg := "invalid syntax"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if p := string(e.JSONPointer); p != "" {
		msg += " in " + shortPointer(p)
	}
	return msg
}

// shortPointer cuts a long JSON pointer after a whole segment, marking the
// cut, and never inside a UTF-8 sequence.
func shortPointer(p string) string {
	if len(p) <= maxPointerLen {
		return p
	}
	cut := strings.LastIndexByte(p[:maxPointerLen], '/')
	if cut <= 0 {
		cut = maxPointerLen
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
	}
	return p[:cut] + "/…"
}

// tooDeep reports the offset of the first bracket that opens a level
// deeper than MaxDepth, skipping brackets inside strings.
func tooDeep(body []byte) (int64, bool) {
	depth, inString, escaped := 0, false, false
	for i, c := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return int64(i), true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return 0, false
}

// trailingComma finds the comma of a trailing comma, the mistake in the
// seed's own example, so the error can say so plainly and point at the
// comma itself. The decoder stops either at the comma or at the closing
// bracket after it, depending on how deep the mistake is, so both are
// recognised.
func trailingComma(body []byte, off int64) (int64, bool) {
	if off < 0 || off >= int64(len(body)) {
		return 0, false
	}

	switch body[off] {
	case ',':
		rest := bytes.TrimLeft(body[off+1:], " \t\r\n")
		return off, len(rest) > 0 && (rest[0] == '}' || rest[0] == ']')
	case '}', ']':
		before := bytes.TrimRight(body[:off], " \t\r\n")
		n := int64(len(before))
		return n - 1, n > 0 && before[n-1] == ','
	}
	return 0, false
}

// position turns a byte offset into a 1-based line and column. Columns
// count characters, as editors do, so a name with accents before the
// error does not shift it.
func position(body []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// validator walks a parsed body and collects every problem at once.
type validator struct {
	problems []Problem
}

func (v *validator) add(loc []any, typ, msg string) {
	v.problems = append(v.problems, Problem{Loc: loc, Msg: msg, Type: typ})
}

func at(loc []any, elem any) []any {
	return append(slices.Clip(loc), elem)
}

func (v *validator) request(top object) *Request {
	body := []any{"body"}
	req := &Request{}

	if gd, ok := v.object(top, fieldGenericData, body, true); ok {
		v.genericData(gd, at(body, fieldGenericData), req)
	}
	if td, ok := v.object(top, fieldTransactionData, body, true); ok {
		v.transactionData(td, at(body, fieldTransactionData), req)
	}

	// destination_fields may sit at the top level, where the seed's example
	// puts it, or beside source_fields; both are read.
	if df, ok := v.object(top, fieldDestinationFields, body, false); ok {
		v.destinationFields(df, at(body, fieldDestinationFields), req)
		if req.DestinationFields == nil {
			req.DestinationFields = json.RawMessage(top[fieldDestinationFields])
		}
	}
	return req
}

func (v *validator) genericData(gd object, loc []any, req *Request) {
	if s, ok := v.str(gd, fieldSourceID, loc, true); ok {
		switch Source(s) {
		case NetSuite, Zoho:
			req.Source = Source(s)
		default:
			v.add(at(loc, fieldSourceID), ProblemEnum,
				"Input should be 'ONS' or 'ZOH', not "+quoted(s))
		}
	}
	if s, ok := v.str(gd, fieldDestinationID, loc, true); ok {
		switch Destination(s) {
		case Equinix:
			req.Destination = Equinix
		case Cyxtera:
			v.add(at(loc, fieldDestinationID), ProblemCancelNotSupported,
				"Cyxtera offers no cancel for cross connects")
		default:
			v.add(at(loc, fieldDestinationID), ProblemEnum,
				"Input should be 'EQX', the one destination with a cancel, not "+quoted(s))
		}
	}

	for k, val := range gd {
		if k == fieldSourceID || k == fieldDestinationID {
			continue
		}
		if req.GenericData == nil {
			req.GenericData = make(map[string]json.RawMessage, len(gd))
		}
		req.GenericData[k] = json.RawMessage(val)
	}
}

func (v *validator) transactionData(td object, loc []any, req *Request) {
	if _, ok := v.object(td, fieldGenericFields, loc, false); ok {
		req.GenericFields = json.RawMessage(td[fieldGenericFields])
	}
	if df, ok := v.object(td, fieldDestinationFields, loc, false); ok {
		v.destinationFields(df, at(loc, fieldDestinationFields), req)
		req.DestinationFields = json.RawMessage(td[fieldDestinationFields])
	}

	sf, ok := v.object(td, fieldSourceFields, loc, true)
	if !ok {
		return
	}
	loc = at(loc, fieldSourceFields)
	if s, ok := v.id(sf, fieldIAID, loc); ok {
		req.IAID = s
	}
	v.items(sf, loc, req)
}

func (v *validator) destinationFields(df object, loc []any, req *Request) {
	id, ok := v.optionalID(df, fieldOrderID, loc)
	if !ok || id == "" {
		return
	}
	if req.OrderID != "" && req.OrderID != id {
		v.add(at(loc, fieldOrderID), ProblemAliasConflict,
			"order_id differs from the one given in the other destination_fields")
		return
	}
	req.OrderID = id
}

func (v *validator) items(sf object, loc []any, req *Request) {
	raw, ok := sf[fieldItemDetails]
	loc = at(loc, fieldItemDetails)
	switch {
	case !ok || raw.Kind() == 'n':
		v.add(loc, ProblemMissing, "Field required")
		return
	case raw.Kind() != '[':
		v.add(loc, ProblemListType, "Input should be a list of item objects")
		return
	}

	var list []jsontext.Value
	if err := jsonv2.Unmarshal(raw, &list); err != nil {
		v.add(loc, ProblemListType, "Input should be a list of item objects")
		return
	}
	switch {
	case len(list) == 0:
		v.add(loc, ProblemTooShort, "List should have at least 1 item")
		return
	case len(list) > MaxItems:
		v.add(loc, ProblemTooLong,
			fmt.Sprintf("List should have at most %d items, not %d", MaxItems, len(list)))
		return
	}

	seen := make(map[string]int, len(list))
	for i, elem := range list {
		it, ok := v.item(elem, at(loc, i))
		if !ok {
			continue
		}
		if first, dup := seen[it.ID]; dup {
			v.add(at(loc, i), ProblemDuplicateItem,
				fmt.Sprintf("Item %s is already listed at index %d", quoted(it.ID), first))
			continue
		}
		seen[it.ID] = i
		req.Items = append(req.Items, it)
	}
}

func (v *validator) item(elem jsontext.Value, loc []any) (Item, bool) {
	var obj object
	if elem.Kind() != '{' || jsonv2.Unmarshal(elem, &obj) != nil {
		v.add(loc, ProblemDictType, "Input should be an item object")
		return Item{}, false
	}

	before := len(v.problems)
	v.unknownItemFields(obj, loc)
	id, idOK := v.aliased(obj, fieldItemID, fieldLegacyItemID, loc, true)
	name, nameOK := v.aliased(obj, fieldItemName, fieldLegacyItemName, loc, false)
	lineID, lineOK := v.optionalID(obj, fieldLineID, loc)
	// Absent and null details are both none; any other kind but an
	// object is a problem, which the count below sees.
	var details json.RawMessage
	if _, ok := v.object(obj, fieldOriginalDetails, loc, false); ok {
		details = json.RawMessage(obj[fieldOriginalDetails])
	}
	if !idOK || !nameOK || !lineOK || len(v.problems) > before {
		return Item{}, false
	}
	return Item{
		ID:                  id,
		Name:                name,
		LineID:              lineID,
		OriginalItemDetails: details,
	}, true
}

// itemFields are the names an item may carry. Items are closed, unlike the
// open objects around them: a misspelt destination_line_id would
// otherwise be dropped, and the item matched to a line by position.
var itemFields = []string{
	fieldItemID, fieldItemName, fieldLegacyItemID, fieldLegacyItemName,
	fieldLineID, fieldOriginalDetails,
}

func (v *validator) unknownItemFields(obj object, loc []any) {
	var unknown []string
	for k := range obj {
		if !slices.Contains(itemFields, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		v.add(at(loc, k), ProblemExtraForbidden,
			"Unknown item field "+quoted(k)+"; an item holds only "+strings.Join(itemFields, ", "))
	}
}

// aliased reads a field that the previous service read under another name.
// Either name is accepted; both with different values is a conflict,
// reported at the item itself.
func (v *validator) aliased(obj object, name, legacy string, loc []any, isID bool) (string, bool) {
	_, hasName := obj[name]
	_, hasLegacy := obj[legacy]
	field := name
	if !hasName && hasLegacy {
		field = legacy
	}

	read := v.str
	if isID {
		read = func(o object, k string, l []any, _ bool) (string, bool) { return v.id(o, k, l) }
	}
	val, ok := read(obj, field, loc, true)
	if !ok || !hasName || !hasLegacy {
		return val, ok
	}

	other, ok := read(obj, legacy, loc, true)
	if !ok {
		return "", false
	}
	if other != val {
		v.add(loc, ProblemAliasConflict,
			fmt.Sprintf("%s %s and its alias %s %s differ: send one",
				name, quoted(val), legacy, quoted(other)))
		return "", false
	}
	return val, true
}

// object reads an object-valued field. An absent or null optional field
// gives ok false without a problem.
func (v *validator) object(parent object, key string, loc []any, required bool) (object, bool) {
	raw, present := parent[key]
	if !present || raw.Kind() == 'n' {
		if required {
			v.add(at(loc, key), ProblemMissing, "Field required")
		}
		return nil, false
	}

	var obj object
	if raw.Kind() != '{' || jsonv2.Unmarshal(raw, &obj) != nil {
		v.add(at(loc, key), ProblemDictType, "Input should be an object")
		return nil, false
	}
	return obj, true
}

// str reads a required, non-empty string field.
func (v *validator) str(parent object, key string, loc []any, _ bool) (string, bool) {
	raw, present := parent[key]
	loc = at(loc, key)
	switch {
	case !present:
		v.add(loc, ProblemMissing, "Field required")
		return "", false
	case raw.Kind() == 'n':
		v.add(loc, ProblemMissing, "Field required: null is not a value")
		return "", false
	case raw.Kind() != '"':
		v.add(loc, ProblemStringType, "Input should be a string")
		return "", false
	}

	var s string
	if err := jsonv2.Unmarshal(raw, &s); err != nil {
		v.add(loc, ProblemStringType, "Input should be a string")
		return "", false
	}
	if s == "" {
		v.add(loc, ProblemStringTooShort, "String should not be empty")
		return "", false
	}
	if len(s) > maxStringLen && utf8.RuneCountInString(s) > maxStringLen {
		v.add(loc, ProblemStringTooLong,
			fmt.Sprintf("String should have at most %d characters", maxStringLen))
		return "", false
	}
	return s, true
}

// id reads a required id: a string, never a number, of a safe shape.
func (v *validator) id(parent object, key string, loc []any) (string, bool) {
	if raw, ok := parent[key]; ok && raw.Kind() == '0' {
		v.add(at(loc, key), ProblemStringType,
			"Input should be a string: send ids quoted, a JSON number loses digits")
		return "", false
	}
	s, ok := v.str(parent, key, loc, true)
	if !ok {
		return "", false
	}
	// Ids end up in vendor URL paths and search attributes: nothing that
	// could change a path or a query gets through.
	if !ValidID(s) {
		v.add(at(loc, key), ProblemPattern,
			"Id should be 1 to 64 letters, digits, '.', '_', ':' or '-'")
		return "", false
	}
	return s, true
}

// optionalID reads an id that may be absent or null; ok is false only when
// a present value is wrong.
func (v *validator) optionalID(parent object, key string, loc []any) (string, bool) {
	raw, present := parent[key]
	if !present || raw.Kind() == 'n' {
		return "", true
	}
	return v.id(parent, key, loc)
}
