package crossconnect_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
)

// Case is one request of testdata/cancel-requests.json and the status the
// service must answer it with.
type Case struct {
	Name       string            `json:"name"`
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body"`
	BodyBase64 string            `json:"body_base64"`
	BodyRepeat *struct {
		Prefix string `json:"prefix"`
		Repeat string `json:"repeat"`
		Times  int    `json:"times"`
		Suffix string `json:"suffix"`
	} `json:"body_repeat"`
	ExpectStatus     int    `json:"expect_status"`
	ExpectLoc        []any  `json:"expect_loc"`
	ExpectDetailType string `json:"expect_detail_type"`
	Why              string `json:"why"`
}

// Bytes returns the case's body.
func (c Case) Bytes(t testing.TB) []byte {
	switch {
	case c.Body != nil:
		return []byte(*c.Body)
	case c.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(c.BodyBase64)
		require.NoError(t, err)
		return b
	case c.BodyRepeat != nil:
		r := c.BodyRepeat
		return []byte(r.Prefix + strings.Repeat(r.Repeat, r.Times) + r.Suffix)
	}
	return nil
}

func loadCases(t testing.TB) []Case {
	raw, err := os.ReadFile("../testdata/cancel-requests.json")
	require.NoError(t, err)
	var file struct {
		Cases []Case `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

// TestDecodeCases runs every case whose answer the decoder decides: 201
// (decodes), 400 (syntax) and 422 (validation, at the expected location).
func TestDecodeCases(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Method != "POST" || len(c.Bytes(t)) > crossconnect.MaxBodyBytes {
			continue
		}
		if ct := c.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
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
