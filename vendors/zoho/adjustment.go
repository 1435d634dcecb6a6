package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// record is an adjustment exactly as Zoho sent it, one raw JSON value per
// field, so that a PUT writes back what was read: numbers keep every
// digit (ids have 19) and values Lattice does not know survive untouched.
type record map[string]json.RawMessage

// wireAdjustment is the part of a record that Lattice reads.
type wireAdjustment struct {
	ID          rest.ID `json:"inventory_adjustment_id"`
	Description string  `json:"description"`
	LineItems   []struct {
		ItemID rest.ID `json:"item_id"`
		Name   string  `json:"name"`
	} `json:"line_items"`
}

// GetAdjustment reads the inventory adjustment with id. Note is its
// description. An unknown adjustment is a NotFound error.
func (c *Client) GetAdjustment(ctx context.Context, id string) (vendors.Adjustment, error) {
	raw, err := c.getRaw(ctx, id)
	if err != nil {
		return vendors.Adjustment{}, err
	}

	var w wireAdjustment
	if err := rest.Decode(raw, &w); err != nil {
		return vendors.Adjustment{}, c.undecodable(OpGetAdjustment, err)
	}
	return w.adjustment(id), nil
}

func (w wireAdjustment) adjustment(id string) vendors.Adjustment {
	a := vendors.Adjustment{ID: string(w.ID), Note: w.Description}
	if a.ID == "" {
		a.ID = id
	}

	for _, li := range w.LineItems {
		a.Items = append(a.Items, vendors.AdjustmentItem{
			ID:   string(li.ItemID),
			Name: li.Name,
		})
	}
	return a
}

// SetNote replaces the description of the adjustment with id by note.
//
// It is a read-modify-write: Zoho's PUT replaces the whole record, so
// SetNote reads the record, changes only its description and writes
// every other field back as it was read. Zoho offers no version check,
// so a change someone makes to the adjustment between the read and the
// write is lost. Writing the same note twice is harmless.
func (c *Client) SetNote(ctx context.Context, id, note string) error {
	raw, err := c.getRaw(ctx, id)
	if err != nil {
		return err
	}

	body, err := withDescription(raw, note)
	if err != nil {
		return c.undecodable(OpUpdateAdjustment, err)
	}

	_, err = c.call(ctx, rest.Request{
		Op:          OpUpdateAdjustment,
		Method:      http.MethodPut,
		URL:         c.adjustmentURL(id),
		ContentType: "application/json",
		Body:        body,
	})
	return err
}

// withDescription returns the record raw with its description set to
// note and every other field byte for byte as it was (whitespace aside).
func withDescription(raw json.RawMessage, note string) ([]byte, error) {
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}

	desc, err := marshal(note)
	if err != nil {
		return nil, fmt.Errorf("encode note: %w", err)
	}
	rec["description"] = desc

	return marshal(rec)
}

// marshal encodes v without escaping <, > and &, so that text written
// back reads as it was read.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// getRaw reads the adjustment and returns its record undecoded.
func (c *Client) getRaw(ctx context.Context, id string) (json.RawMessage, error) {
	if id == "" {
		err := errors.New("adjustment id is empty")
		return nil, c.rest.Error(OpGetAdjustment, vendors.Rejected, err)
	}

	resp, err := c.call(ctx, rest.Request{
		Op:     OpGetAdjustment,
		Method: http.MethodGet,
		URL:    c.adjustmentURL(id),
	})
	if err != nil {
		return nil, err
	}

	var env struct {
		Adjustment json.RawMessage `json:"inventory_adjustment"`
	}
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return nil, c.undecodable(OpGetAdjustment, err)
	}
	if !isObject(env.Adjustment) {
		err := errors.New("response has no inventory_adjustment object")
		return nil, c.undecodable(OpGetAdjustment, err)
	}
	return env.Adjustment, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// call sends req and checks Zoho's envelope as well as the status: an
// answer is a success only when its code is 0.
func (c *Client) call(ctx context.Context, req rest.Request) (*rest.Response, error) {
	resp, err := c.rest.Call(ctx, req)
	if err != nil {
		return nil, notFoundByCode(err)
	}

	var env envelope
	if rest.Decode(resp.Body, &env) != nil {
		return nil, c.undecodable(req.Op, errors.New("response is not JSON"))
	}
	if env.Code != "" && string(env.Code) != codeSuccess {
		return nil, notFoundByCode(c.rest.Fail(req.Op, resp))
	}
	return resp, nil
}

// notFoundByCode marks Zoho's "does not exist" code as NotFound whatever
// status it came with.
func notFoundByCode(err error) error {
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == codeNotFound {
		ve.Kind = vendors.NotFound
	}
	return err
}

// undecodable reports a 2xx body that is not what Zoho documents. It is
// transient: a proxy's error page is the usual cause.
func (c *Client) undecodable(op string, err error) error {
	return c.rest.Error(op, vendors.Transient, fmt.Errorf("decode response: %w", err))
}
