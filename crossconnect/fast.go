package crossconnect

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The fast path decodes a body into typed structs in one pass and accepts
// it only when every rule holds. Anything it does not accept, valid or
// not, goes to the validator, which alone explains problems; a test runs
// both on every case and fuzz input and requires them to agree whenever
// the fast path accepts.

type fastRequest struct {
	GenericData       object           `json:"qcl_generic_data"`
	TransactionData   *fastTransaction `json:"qcl_transaction_data"`
	DestinationFields jsontext.Value   `json:"destination_fields"`
}

type fastTransaction struct {
	GenericFields     jsontext.Value `json:"generic_fields"`
	DestinationFields jsontext.Value `json:"destination_fields"`
	SourceFields      *fastSource    `json:"source_fields"`
}

type fastSource struct {
	IAID string `json:"qcl_ia_id"`
	// Items stay maps of raw values: whether a field is present at all
	// decides which name the validator reads, and unknown fields are
	// refused.
	Items []object `json:"qcl_item_details"`
}

type fastDestination struct {
	OrderID jsontext.Value `json:"order_id"`
}

// decodeFast returns the request and true when body is one valid cancel
// request; false means "ask the validator".
func decodeFast(body []byte) (*Request, bool) {
	var w fastRequest
	if jsonv2.Unmarshal(body, &w) != nil || w.GenericData == nil ||
		w.TransactionData == nil || w.TransactionData.SourceFields == nil {
		return nil, false
	}
	gd, td, sf := w.GenericData, w.TransactionData, w.TransactionData.SourceFields

	src, ok := requiredString(gd[fieldSourceID], false)
	if !ok {
		return nil, false
	}
	dst, ok := requiredString(gd[fieldDestinationID], false)
	if !ok {
		return nil, false
	}
	req := &Request{Source: Source(src), Destination: Destination(dst), IAID: sf.IAID}
	if req.Source != NetSuite && req.Source != Zoho || req.Destination != Equinix || !ValidID(sf.IAID) {
		return nil, false
	}
	for k, v := range gd {
		if k == fieldSourceID || k == fieldDestinationID {
			continue
		}
		if req.GenericData == nil {
			req.GenericData = make(map[string]json.RawMessage, len(gd))
		}
		req.GenericData[k] = json.RawMessage(v)
	}

	if !optionalObject(td.GenericFields) || !optionalObject(td.DestinationFields) ||
		!optionalObject(w.DestinationFields) {
		return nil, false
	}
	if isObject(td.GenericFields) {
		req.GenericFields = json.RawMessage(td.GenericFields)
	}
	for _, df := range []jsontext.Value{td.DestinationFields, w.DestinationFields} {
		if !isObject(df) {
			continue
		}
		if !fastOrderID(df, req) {
			return nil, false
		}
		if req.DestinationFields == nil {
			req.DestinationFields = json.RawMessage(df)
		}
	}

	if !fastItems(sf.Items, req) {
		return nil, false
	}
	return req, true
}

func fastOrderID(df jsontext.Value, req *Request) bool {
	if len(df) == 2 { // {}
		return true
	}
	var d fastDestination
	if jsonv2.Unmarshal(df, &d) != nil {
		return false
	}
	id, ok := optionalString(d.OrderID, true)
	switch {
	case !ok:
		return false
	case id == "":
		return true
	case req.OrderID != "" && req.OrderID != id:
		return false
	}
	req.OrderID = id
	return true
}

func fastItems(items []object, req *Request) bool {
	if len(items) == 0 || len(items) > MaxItems {
		return false
	}
	req.Items = make([]Item, 0, len(items))
	seen := make(map[string]struct{}, len(items))
	for _, fi := range items {
		if fi == nil {
			return false
		}
		for k := range fi {
			if !slices.Contains(itemFields, k) {
				return false
			}
		}
		id, ok := aliasedString(fi[fieldItemID], fi[fieldLegacyItemID], true)
		if !ok {
			return false
		}
		name, ok := aliasedString(fi[fieldItemName], fi[fieldLegacyItemName], false)
		if !ok {
			return false
		}
		lineID, ok := optionalString(fi[fieldLineID], true)
		details := fi[fieldOriginalDetails]
		if !ok || !optionalObject(details) {
			return false
		}
		if _, dup := seen[id]; dup {
			return false
		}
		seen[id] = struct{}{}

		it := Item{ID: id, Name: name, LineID: lineID}
		if isObject(details) {
			it.OriginalItemDetails = json.RawMessage(details)
		}
		req.Items = append(req.Items, it)
	}
	return true
}

// aliasedString mirrors the validator's alias rule: the documented name
// when present, else the legacy one; both present must agree.
func aliasedString(name, legacy jsontext.Value, isID bool) (string, bool) {
	if len(name) == 0 {
		return requiredString(legacy, isID)
	}
	s, ok := requiredString(name, isID)
	if !ok || len(legacy) == 0 {
		return s, ok
	}
	other, ok := requiredString(legacy, isID)
	return s, ok && other == s
}

func requiredString(raw jsontext.Value, isID bool) (string, bool) {
	if raw.Kind() != '"' {
		return "", false
	}
	s, ok := unquote(raw)
	if !ok || s == "" || len(s) > maxStringLen && utf8.RuneCountInString(s) > maxStringLen {
		return "", false
	}
	return s, !isID || ValidID(s)
}

// optionalString accepts an absent or null value as "".
func optionalString(raw jsontext.Value, isID bool) (string, bool) {
	if len(raw) == 0 || raw.Kind() == 'n' {
		return "", true
	}
	return requiredString(raw, isID)
}

func unquote(raw jsontext.Value) (string, bool) {
	// Most strings have no escapes: the bytes between the quotes are the
	// string (the decoder has already checked them).
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			return s, jsonv2.Unmarshal(raw, &s) == nil
		}
	}
	return string(inner), true
}

func isObject(raw jsontext.Value) bool { return len(raw) > 0 && raw.Kind() == '{' }

// optionalObject accepts absent, null or an object.
func optionalObject(raw jsontext.Value) bool {
	return len(raw) == 0 || raw.Kind() == 'n' || raw.Kind() == '{'
}

// ValidID reports whether s has the shape ids must have: 1 to 64 ASCII
// letters, digits, '.', '_', ':' or '-', starting with a letter or digit.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != ':' && c != '-') {
			return false
		}
	}
	return true
}
