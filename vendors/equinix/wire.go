package equinix

import (
	"encoding/json"

	"github.com/lattice/lattice/vendors/internal/rest"
)

// wireOrder is an order as Equinix sends it. Fields Lattice does not
// use are ignored; rest.Decode drops a field of an unexpected type.
type wireOrder struct {
	OrderID     rest.ID  `json:"orderId"`
	Status      string   `json:"status"`
	Cancellable flexBool `json:"cancellable"`
	// customerReferenceNumber is the name the order search filters on;
	// the order itself calls it customerReferenceId.
	CustomerReferenceID     string     `json:"customerReferenceId"`
	CustomerReferenceNumber string     `json:"customerReferenceNumber"`
	Details                 []wireLine `json:"details"`
}

type wireLine struct {
	LineID      rest.ID  `json:"lineId"`
	Status      string   `json:"status"`
	ProductType string   `json:"productType"`
	Cancellable flexBool `json:"cancellable"`
}

type wirePage struct {
	Content []wireOrder `json:"content"`
}

type cancelRequest struct {
	Reason  string   `json:"reason"`
	LineIDs []string `json:"lineIds"`
}

// referenceQuery is the order search for one customer reference.
func referenceQuery(ref string) map[string]any {
	return map[string]any{
		"filter": map[string]any{
			"and": []map[string]any{{
				"property": "/customerReferenceNumber",
				"operator": "=",
				"values":   []string{ref},
			}},
		},
		"pagination": map[string]any{"offset": 0, "limit": 20},
	}
}

func (w wireOrder) order() Order {
	o := Order{
		ID:                  string(w.OrderID),
		Status:              w.Status,
		Cancellable:         bool(w.Cancellable),
		CustomerReferenceID: w.CustomerReferenceID,
	}
	if o.CustomerReferenceID == "" {
		o.CustomerReferenceID = w.CustomerReferenceNumber
	}

	for _, d := range w.Details {
		o.Lines = append(o.Lines, Line{
			ID:          string(d.LineID),
			Status:      d.Status,
			ProductType: d.ProductType,
			Cancellable: bool(d.Cancellable),
		})
	}
	return o
}

func (p wirePage) orders() []Order {
	out := make([]Order, len(p.Content))
	for i, w := range p.Content {
		out[i] = w.order()
	}
	return out
}

// flexBool reads true, false, "true" and "false"; anything else is false,
// so an odd value cannot make the order unreadable. False is the safe
// reading: Lattice only cancels what Equinix calls cancellable.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}

	switch t := v.(type) {
	case bool:
		*b = flexBool(t)
	case string:
		*b = flexBool(t == "true" || t == "TRUE" || t == "True")
	default:
		*b = false
	}
	return nil
}
