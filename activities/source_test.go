package activities_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/lattice/lattice/activities"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/vendors"
)

// oneAdjustment is a source holding one adjustment.
type oneAdjustment struct{ adj vendors.Adjustment }

func (o oneAdjustment) GetAdjustment(context.Context, string) (vendors.Adjustment, error) {
	return o.adj, nil
}

func (o oneAdjustment) SetNote(context.Context, string, string) error { return nil }

// Guards the missing failure note: a read that finds the adjustment but
// not every item hands the workflow the adjustment's note with the error,
// so the failure can be written under it.
func TestFetchAdjustmentMissingItemCarriesTheNote(t *testing.T) {
	src := oneAdjustment{vendors.Adjustment{
		ID: "4182712000000183000", Note: "Cross connect CC-4077",
		Items: []vendors.AdjustmentItem{{ID: "4182712000000084077", Name: "Cross Connect"}},
	}}
	a := &activities.Activities{Sources: map[crossconnect.Source]activities.Source{
		crossconnect.Zoho: src,
	}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)

	_, err := env.ExecuteActivity(a.FetchAdjustment, activities.FetchInput{
		TransactionID: "t1", Source: crossconnect.Zoho, IAID: "4182712000000183000",
		ItemIDs: []string{"4182712000000084077", "4182712000000084078"},
	})

	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "err %v", err)
	assert.Equal(t, activities.ErrItemNotOnAdjustment, app.Type())
	assert.True(t, app.NonRetryable())
	assert.Equal(t, "adjustment 4182712000000183000 does not hold item 4182712000000084078",
		app.Message())
	var res activities.FetchResult
	require.NoError(t, app.Details(&res))
	assert.Equal(t, "Cross connect CC-4077", res.Note)
}
