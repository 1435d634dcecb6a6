package starter_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// listingTemporal answers listings and health checks as told, and records
// the visibility query it was asked.
type listingTemporal struct {
	fakeTemporal
	listErr   error
	healthErr error
	query     string
}

func (f *listingTemporal) ListWorkflow(
	_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest,
) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.query = req.GetQuery()
	if f.listErr != nil {
		return nil, f.listErr
	}
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

func (f *listingTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, f.healthErr
}

const listPath = "/v1/accounting/crossconnect/transactions"

func TestListFiltersAreChecked(t *testing.T) {
	fake := &listingTemporal{}
	srv := serveAPI(t, fake)

	for _, q := range []string{
		"source=XXX", "destination=CYX", "ia_id=a%20b", "ia_id=a%60b", "ia_id=x'y",
		"iaid=4182712000000183000", "state=completed&state=failed", "state=done",
	} {
		a := call(t, srv, http.MethodGet, listPath+"?"+q, nil, nil)
		assert.Equal(t, http.StatusBadRequest, a.status, "%s: %s", q, a.body)
		assert.NotEmpty(t, detailOf(t, a), q)
	}

	a := call(t, srv, http.MethodGet,
		listPath+"?"+url.Values{"ia_id": {"4182712000000183000"}, "source": {"ZOH"}}.Encode(), nil, nil)
	assert.Equal(t, http.StatusOK, a.status, "%s", a.body)
	assert.Contains(t, fake.query, "LatticeIAId = '4182712000000183000'")
	assert.Contains(t, fake.query, "LatticeSource = 'ZOH'")
}

// TestUnreadablePageToken guards against telling a client to retry, as for
// an outage, a page token that will never work.
func TestUnreadablePageToken(t *testing.T) {
	fake := &listingTemporal{listErr: serviceerror.NewUnavailable("cannot read token")}
	srv := serveAPI(t, fake)

	a := call(t, srv, http.MethodGet, listPath+"?page_token=Z2FyYmFnZQ", nil, nil)
	assert.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	assert.Contains(t, detailOf(t, a), "page_token is not valid")

	// Without a token, or with Temporal really down, it is an outage.
	a = call(t, srv, http.MethodGet, listPath, nil, nil)
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a.body)

	fake.healthErr = serviceerror.NewUnavailable("down")
	a = call(t, srv, http.MethodGet, listPath+"?page_token=Z2FyYmFnZQ", nil, nil)
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a.body)
}
