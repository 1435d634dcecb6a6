package crossconnect_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/internal/casefile"
)

// Case is one request of the case files and the answer it must get.
type Case struct{ casefile.Case }

// Bytes returns the case's body.
func (c Case) Bytes(t testing.TB) []byte {
	b, err := c.Case.Bytes()
	require.NoError(t, err)
	return b
}

func loadCases(t testing.TB) []Case {
	all, err := casefile.Load("../testdata")
	require.NoError(t, err)
	cases := make([]Case, len(all))
	for i, c := range all {
		cases[i] = Case{c}
	}
	return cases
}

// cancelPaths are the paths the cancel is served at.
var cancelPaths = []string{
	"/v1/accounting/crossconnect/qcl_crossconnect_cancel",
	"/api/v1/accounting/crossconnect/qcl_crossconnect_cancel",
}

// TestDecodeCases runs every case whose answer the decoder decides: 201
// (decodes), 400 (syntax) and 422 (validation, at the expected location).
func TestDecodeCases(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Method != "POST" || len(c.Bytes(t)) > crossconnect.MaxBodyBytes {
			continue
		}
		if !slices.Contains(cancelPaths, c.Path) {
			continue
		}
		if c.ExpectStatus == 415 {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			req, err := crossconnect.Decode(c.Bytes(t))
			switch c.ExpectStatus {
			case 201:
				require.NoError(t, err)
				assert.NotEmpty(t, req.IAID)
			case 400:
				var se *crossconnect.SyntaxError
				require.True(t, errors.As(err, &se), "want a syntax error, got %v", err)
			case 422:
				var ve *crossconnect.ValidationError
				require.True(t, errors.As(err, &ve), "want a validation error, got %v", err)
				assertProblem(t, ve, c.ExpectLoc, c.ExpectDetailType)
			default:
				t.Fatalf("status %d is not the decoder's to decide", c.ExpectStatus)
			}
		})
	}
}

func assertProblem(t *testing.T, ve *crossconnect.ValidationError, loc []any, typ string) {
	t.Helper()
	want, _ := json.Marshal(loc)
	for _, p := range ve.Problems {
		got, _ := json.Marshal(p.Loc)
		if string(got) == string(want) && (typ == "" || p.Type == typ) {
			return
		}
	}
	t.Errorf("no problem at %s (type %q) in %+v", want, typ, ve.Problems)
}

func TestSyntaxErrorNamesLineAndColumn(t *testing.T) {
	_, err := crossconnect.Decode([]byte("{\n  \"a\": 1,\n}"))
	var se *crossconnect.SyntaxError
	require.ErrorAs(t, err, &se)
	// The decoder stops at the trailing comma.
	assert.Equal(t, 2, se.Line)
	assert.Equal(t, 9, se.Column)
}

func TestEveryProblemAtOnce(t *testing.T) {
	body := `{"qcl_generic_data":{"qcl_source_id":"SAP","qcl_destination_id":7},
	"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"","qcl_item_details":[
	{"qcl_cc_inventory_item_id":"1","qcl_cc_inventory_item_name":"CC"},
	{"qcl_cc_inventory_item_id":"1","qcl_cc_inventory_item_name":"CC"},
	{"qcl_cc_inventory_item_id":"../x"}]}}}`
	_, err := crossconnect.Decode([]byte(body))
	var ve *crossconnect.ValidationError
	require.ErrorAs(t, err, &ve)

	src := []any{"body", "qcl_transaction_data", "source_fields"}
	items := append(src, "qcl_item_details")
	assertProblem(t, ve, []any{"body", "qcl_generic_data", "qcl_source_id"}, "enum")
	assertProblem(t, ve, []any{"body", "qcl_generic_data", "qcl_destination_id"}, "string_type")
	assertProblem(t, ve, append(src, "qcl_ia_id"), "string_too_short")
	assertProblem(t, ve, append(items, 1), "duplicate_item")
	assertProblem(t, ve, append(items, 2, "qcl_cc_inventory_item_id"), "string_pattern_mismatch")
	assertProblem(t, ve, append(items, 2, "qcl_cc_inventory_item_name"), "missing")
	assert.Len(t, ve.Problems, 6)
}

func TestDecodeNormalises(t *testing.T) {
	body := `{"qcl_generic_data":{"qcl_source_id":"ONS","qcl_destination_id":"EQX",
	"lattice_username":"ana","time_initiated":"2026-12-01T10:00:00Z"},
	"qcl_transaction_data":{"generic_fields":{},"source_fields":{"qcl_ia_id":"5120",
	"qcl_item_details":[{"qcl_inventory_item_id":"981","qcl_inventory_item_name":"Cross Connect",
	"destination_line_id":"1-D89732S"}]},"destination_fields":{"order_id":"1-23232323"}}}`
	req, err := crossconnect.Decode([]byte(body))
	require.NoError(t, err)

	assert.Equal(t, crossconnect.NetSuite, req.Source)
	assert.Equal(t, "1-23232323", req.OrderID)
	require.Len(t, req.Items, 1)
	assert.Equal(t, crossconnect.Item{ID: "981", Name: "Cross Connect", LineID: "1-D89732S"}, req.Items[0])
	assert.JSONEq(t, `"ana"`, string(req.GenericData["lattice_username"]))
	assert.NotContains(t, req.GenericData, "qcl_source_id")
}

func TestTransactionIDIgnoresItemOrder(t *testing.T) {
	a := &crossconnect.Request{Source: "ZOH", Destination: "EQX", IAID: "1",
		Items: []crossconnect.Item{{ID: "x"}, {ID: "y"}}}
	b := &crossconnect.Request{Source: "ZOH", Destination: "EQX", IAID: "1",
		Items: []crossconnect.Item{{ID: "y"}, {ID: "x"}}}
	c := &crossconnect.Request{Source: "ONS", Destination: "EQX", IAID: "1",
		Items: []crossconnect.Item{{ID: "y"}, {ID: "x"}}}

	id := crossconnect.TransactionID(a)
	assert.True(t, crossconnect.ValidTransactionID(id), id)
	assert.Equal(t, id, crossconnect.TransactionID(b))
	assert.NotEqual(t, id, crossconnect.TransactionID(c))
}

// TestSyntaxErrorStaysShort guards against an answer that quotes a huge
// path of the body back to the client.
func TestSyntaxErrorStaysShort(t *testing.T) {
	long := strings.Repeat("k", 20000)
	body := `{"qcl_generic_data":{"` + long + `":{"` + long + `" 1}}}`
	_, err := crossconnect.Decode([]byte(body))
	var se *crossconnect.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Less(t, len(se.Error()), 300, se.Error())
	assert.Contains(t, se.Error(), "in /qcl_generic_data/")
	assert.Equal(t, 1, se.Line)
}

func TestSyntaxErrorColumnCountsCharacters(t *testing.T) {
	_, err := crossconnect.Decode([]byte(`{"é": "ü",}`))
	var se *crossconnect.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 10, se.Column, se.Error()) // 12 if bytes were counted
	assert.Contains(t, se.Error(), "trailing comma")
}

// TestStringLengthCountsCharacters: a 600-character name of two-byte
// letters is under the 1000-character limit, 1001 letters are not.
func TestStringLengthCountsCharacters(t *testing.T) {
	item := func(name string) string {
		return `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},
		"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"1","qcl_item_details":[
		{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"` + name + `"}]}}}`
	}
	_, err := crossconnect.Decode([]byte(item(strings.Repeat("é", 600))))
	assert.NoError(t, err)

	_, err = crossconnect.Decode([]byte(item(strings.Repeat("é", 1001))))
	var ve *crossconnect.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "string_too_long", ve.Problems[0].Type)
}

// TestProblemQuotesValuesShort: a problem names the wrong value without
// echoing all of it.
func TestProblemQuotesValuesShort(t *testing.T) {
	long := strings.Repeat("S", 900)
	body := `{"qcl_generic_data":{"qcl_source_id":"` + long + `","qcl_destination_id":"EQX"},
	"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"1","qcl_item_details":[
	{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC"}]}}}`
	_, err := crossconnect.Decode([]byte(body))
	var ve *crossconnect.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1)
	msg := ve.Problems[0].Msg
	assert.Contains(t, msg, `not "`+strings.Repeat("S", 40)+`"…`)
	assert.Less(t, len(msg), 120)
}

// TestSeedExampleSaysWhatToFix: a user who copies the seed's example gets
// told which comma to remove, wherever the decoder stopped.
func TestSeedExampleSaysWhatToFix(t *testing.T) {
	var seed Case
	for _, c := range loadCases(t) {
		if c.Name == "seed-example-verbatim" {
			seed = c
		}
	}
	_, err := crossconnect.Decode(seed.Bytes(t))
	var se *crossconnect.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "malformed JSON: trailing comma before a closing bracket; "+
		"remove the comma at line 15, column 10", se.Error())

	_, err = crossconnect.Decode([]byte(`{"a":{"b":[1,
	]}}`))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1, se.Line)
	assert.Equal(t, 13, se.Column)
}

// TestNullItemDetailsKeepTheItem guards against an item with
// original_item_details null being dropped without a word, which once
// let a request through with no item at all.
func TestNullItemDetailsKeepTheItem(t *testing.T) {
	body := `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},
	"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"1","qcl_item_details":[
	{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC","original_item_details":null}]}}}`
	req, err := crossconnect.Decode([]byte(body))
	require.NoError(t, err)
	require.Len(t, req.Items, 1)
	assert.Equal(t, "2", req.Items[0].ID)
	assert.Nil(t, req.Items[0].OriginalItemDetails)
}

// TestUnknownItemFieldRefused guards against a misspelt destination_line_id
// being dropped, which would match the item to a line by position.
func TestUnknownItemFieldRefused(t *testing.T) {
	body := `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},
	"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"1","qcl_item_details":[
	{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC","destination_line_idd":"1-D1S"}]}}}`
	_, err := crossconnect.Decode([]byte(body))
	var ve *crossconnect.ValidationError
	require.ErrorAs(t, err, &ve)
	assertProblem(t, ve, []any{"body", "qcl_transaction_data", "source_fields", "qcl_item_details", 0,
		"destination_line_idd"}, "extra_forbidden")
	assert.Len(t, ve.Problems, 1)
}
