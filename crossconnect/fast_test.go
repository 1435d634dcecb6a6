package crossconnect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/internal/casefile"
)

// caseBodies returns the bodies of every case in the project's case files.
func caseBodies(t testing.TB) [][]byte {
	cases, err := casefile.Load("../testdata")
	require.NoError(t, err)
	var bodies [][]byte
	for _, c := range cases {
		b, err := c.Bytes()
		require.NoError(t, err)
		if len(b) <= MaxBodyBytes {
			bodies = append(bodies, b)
		}
	}
	return bodies
}

// assertFastAgrees fails when the fast path accepts a body the validator
// refuses, or reads it differently.
func assertFastAgrees(t *testing.T, body []byte) {
	fast, ok := decodeFast(body)
	if !ok {
		return
	}
	slow, err := decodeSlow(body)
	if err != nil {
		t.Fatalf("fast path accepted what the validator refuses (%v): %q", err, body)
	}
	f, _ := json.Marshal(fast)
	s, _ := json.Marshal(slow)
	if string(f) != string(s) {
		t.Fatalf("fast path read %s, validator %s, from %q", f, s, body)
	}
}

func TestFastPathAgreesWithValidator(t *testing.T) {
	accepted := 0
	for _, body := range caseBodies(t) {
		assertFastAgrees(t, body)
		if _, ok := decodeFast(body); ok {
			accepted++
		}
	}
	// The valid cases must take the fast path, or it buys nothing.
	require.Positive(t, accepted)
}

// TestFastPathEdges pins inputs where a careless fast path would accept
// what the validator refuses.
func TestFastPathEdges(t *testing.T) {
	base := `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},` +
		`"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"1","qcl_item_details":[ITEM]}}}`
	for _, item := range []string{
		`{"qcl_cc_inventory_item_id":null,"qcl_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC"}`,
		`{"qcl_cc_inventory_item_id":"","qcl_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC"}`,
		`{"qcl_cc_inventory_item_id":"2","qcl_inventory_item_id":"3","qcl_cc_inventory_item_name":"CC"}`,
		`{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC","original_item_details":[]}`,
		`{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC","destination_line_id":7}`,
		`{"QCL_CC_INVENTORY_ITEM_ID":"2","qcl_cc_inventory_item_name":"CC"}`,
		`{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"CC","destination_line_idd":"X"}`,
		`{"qcl_cc_inventory_item_id":"2\u0000","qcl_cc_inventory_item_name":"CC"}`,
		`{"qcl_cc_inventory_item_id":"2","qcl_cc_inventory_item_name":"` + strings.Repeat("é", 1001) + `"}`,
	} {
		body := []byte(strings.Replace(base, "ITEM", item, 1))
		assertFastAgrees(t, body)
		if _, ok := decodeFast(body); ok {
			t.Errorf("fast path accepted %s", item)
		}
	}
}

func FuzzFastPathAgrees(f *testing.F) {
	for _, body := range caseBodies(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		assertFastAgrees(t, body)
	})
}
