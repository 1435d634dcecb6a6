package sandbox

import (
	"encoding/json"
	"fmt"
)

// Source ids a fixture can be made at.
const (
	SourceZoho     = "ZOH"
	SourceNetSuite = "ONS"
)

// maxFixtures bounds one Fixtures call.
const maxFixtures = 1000

// cancelRequest is the body of a Lattice cancel request, fields in the
// order the API documentation shows them.
type cancelRequest struct {
	GenericData struct {
		SourceID      string `json:"qcl_source_id"`
		DestinationID string `json:"qcl_destination_id"`
	} `json:"qcl_generic_data"`
	TransactionData struct {
		GenericFields struct{} `json:"generic_fields"`
		SourceFields  struct {
			IAID  string       `json:"qcl_ia_id"`
			Items []cancelItem `json:"qcl_item_details"`
		} `json:"source_fields"`
	} `json:"qcl_transaction_data"`
	DestinationFields struct{} `json:"destination_fields"`
}

// cancelItem is one item of a cancel request.
type cancelItem struct {
	ID   string `json:"qcl_cc_inventory_item_id"`
	Name string `json:"qcl_cc_inventory_item_name"`
}

// Fixtures creates n fresh adjustments at source ("ZOH" or "ONS"), each
// holding one fresh item, and for each a cancellable Equinix order whose
// customer reference is the adjustment id. It returns, for each, the body
// of a Lattice cancel request for that item.
func (s *Sandbox) Fixtures(source string, n int) ([]json.RawMessage, error) {
	if n < 1 || n > maxFixtures {
		return nil, fmt.Errorf("create fixtures: count %d is not in 1..%d", n, maxFixtures)
	}

	var create func() (iaID, itemID string)
	switch source {
	case SourceZoho:
		create = s.addZohoFixture
	case SourceNetSuite:
		create = s.addNetSuiteFixture
	default:
		return nil, fmt.Errorf("create fixtures: unknown source %q", source)
	}

	out := make([]json.RawMessage, 0, n)
	for range n {
		iaID, itemID := create()
		s.addEquinixFixture(iaID)
		out = append(out, mustJSON(newCancelRequest(source, iaID, itemID)))
	}
	return out, nil
}

// newCancelRequest asks Equinix to cancel the cross connect itemID of
// adjustment iaID at source.
func newCancelRequest(source, iaID, itemID string) cancelRequest {
	var req cancelRequest
	req.GenericData.SourceID = source
	req.GenericData.DestinationID = "EQX"
	req.TransactionData.SourceFields.IAID = iaID
	req.TransactionData.SourceFields.Items = []cancelItem{
		{ID: itemID, Name: "Cross Connect"},
	}
	return req
}
