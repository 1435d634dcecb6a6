package netsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

// wireAdjustment is the part of an inventory adjustment Lattice reads.
type wireAdjustment struct {
	ID        rest.ID `json:"id"`
	Memo      string  `json:"memo"`
	Inventory struct {
		Items []struct {
			Item struct {
				ID      rest.ID `json:"id"`
				RefName string  `json:"refName"`
			} `json:"item"`
		} `json:"items"`
	} `json:"inventory"`
}

// GetAdjustment reads the inventory adjustment with id, with its
// inventory sublist expanded. Note is its memo. An unknown adjustment is
// a NotFound error.
//
// A 401 that persists after one token refresh is returned as Transient
// with Code INVALID_LOGIN: under load NetSuite answers its concurrency
// limit that way, so callers retry it a bounded number of times before
// treating it as final.
func (c *Client) GetAdjustment(ctx context.Context, id string) (vendors.Adjustment, error) {
	if id == "" {
		return vendors.Adjustment{}, c.invalid(OpGetAdjustment, "adjustment id is empty")
	}

	resp, err := c.call(ctx, rest.Request{
		Op:     OpGetAdjustment,
		Method: http.MethodGet,
		URL:    c.adjustmentURL(id) + "?expandSubResources=true",
	})
	if err != nil {
		return vendors.Adjustment{}, err
	}

	var w wireAdjustment
	if err := rest.Decode(resp.Body, &w); err != nil {
		return vendors.Adjustment{}, c.undecodable(OpGetAdjustment, err)
	}
	return w.adjustment(id), nil
}

func (w wireAdjustment) adjustment(id string) vendors.Adjustment {
	a := vendors.Adjustment{ID: string(w.ID), Note: w.Memo}
	if a.ID == "" {
		a.ID = id
	}

	for _, it := range w.Inventory.Items {
		a.Items = append(a.Items, vendors.AdjustmentItem{
			ID:   string(it.Item.ID),
			Name: it.Item.RefName,
		})
	}
	return a
}

// SetNote sets the memo of the adjustment with id to note. NetSuite's
// PATCH changes only the fields sent, so nothing else is touched, and
// sending the same note twice is harmless.
//
// A 401 that persists after one token refresh is returned as Transient
// with Code INVALID_LOGIN, as for GetAdjustment: retry it a bounded
// number of times before treating it as final.
func (c *Client) SetNote(ctx context.Context, id, note string) error {
	if id == "" {
		return c.invalid(OpUpdateAdjustment, "adjustment id is empty")
	}

	body, err := json.Marshal(map[string]string{"memo": note})
	if err != nil {
		return c.rest.Error(OpUpdateAdjustment, vendors.Rejected, err)
	}

	_, err = c.call(ctx, rest.Request{
		Op:          OpUpdateAdjustment,
		Method:      http.MethodPatch,
		URL:         c.adjustmentURL(id),
		ContentType: "application/json",
		Body:        body,
	})
	return err
}

func (c *Client) adjustmentURL(id string) string {
	return c.records + "/inventoryAdjustment/" + url.PathEscape(id)
}

// call sends req and adapts the error kinds to NetSuite's habits.
func (c *Client) call(ctx context.Context, req rest.Request) (*rest.Response, error) {
	resp, err := c.rest.Call(ctx, req)
	if err != nil {
		return nil, reclassify(err)
	}
	return resp, nil
}

// reclassify adjusts an error from a call that got an answer.
func reclassify(err error) error {
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Op == OpToken {
		return err
	}

	switch {
	// A 401 that survived a fresh token is most likely the account's
	// concurrency limit, which NetSuite reports as INVALID_LOGIN under
	// load: worth a bounded retry, unlike a real credentials failure.
	case ve.Status == http.StatusUnauthorized:
		ve.Kind = vendors.Transient
		if ve.Code == "" {
			ve.Code = CodeInvalidLogin
		}
	case ve.Code == CodeNonexistentID:
		ve.Kind = vendors.NotFound
	case ve.Code == CodeConcurrencyLimit:
		ve.Kind = vendors.Transient
	}
	return err
}

func (c *Client) invalid(op, msg string) error {
	return c.rest.Error(op, vendors.Rejected, errors.New(msg))
}

// undecodable reports a 2xx body that is not what NetSuite documents. It
// is transient: a proxy's error page is the usual cause.
func (c *Client) undecodable(op string, err error) error {
	return c.rest.Error(op, vendors.Transient, fmt.Errorf("decode response: %w", err))
}
