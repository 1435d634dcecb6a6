package starter

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

const opList = "list transactions"

// Listing page sizes: the default, and the most Temporal is asked for.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// listFilters maps query parameters to search attributes.
var listFilters = []struct {
	param, attr string
}{
	{"state", workflows.AttrState.GetName()},
	{"ia_id", workflows.AttrIAID.GetName()},
	{"source", workflows.AttrSource.GetName()},
	{"destination", workflows.AttrDestination.GetName()},
}

// listedTransaction is one row of a transaction listing.
type listedTransaction struct {
	ID          string `json:"lattice_transaction_id"`
	State       string `json:"state"`
	IAID        string `json:"qcl_ia_id"`
	Source      string `json:"qcl_source_id"`
	Destination string `json:"qcl_destination_id"`
	Status      string `json:"workflow_status"`
	StartedAt   string `json:"started_at"`
	RunID       string `json:"run_id"`
	WorkflowURL string `json:"workflow_url,omitempty"`
}

// listTransactions answers a page of transactions from Temporal
// visibility, filtered by the search attributes, newest first; a
// transaction run again after a failure is listed once per run.
// Visibility follows the workflows a moment behind, so a state just
// reached may not be listed yet.
func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request) {
	req, err := listRequest(s.cfg.Namespace, r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(ctx, req)
	if err != nil {
		s.writeError(w, r, s.listError(r.Context(), req, err))
		return
	}

	out := make([]listedTransaction, 0, len(resp.GetExecutions()))
	for _, e := range resp.GetExecutions() {
		out = append(out, s.listed(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"transactions":    out,
		"next_page_token": base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken()),
	})
}

// listError explains a failed listing. Temporal answers a page token it
// cannot read as it answers an outage, so when a token was sent and the
// cluster is healthy, the token is what the client must fix.
func (s *Server) listError(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest, err error) error {
	if len(req.GetNextPageToken()) == 0 {
		return temporalError(opList, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, herr := s.temporal.CheckHealth(ctx, nil); herr != nil {
		return temporalError(opList, err)
	}
	return crossconnect.E(opList, crossconnect.Invalid,
		"page_token is not valid: send the next_page_token of the previous page", err)
}

// listRequest reads the filters, page size and page token of a listing.
func listRequest(namespace string, q url.Values) (*workflowservice.ListWorkflowExecutionsRequest, error) {
	if err := checkParams(q); err != nil {
		return nil, err
	}
	query, err := visibilityQuery(q)
	if err != nil {
		return nil, err
	}

	size := defaultPageSize
	if v := q.Get("page_size"); v != "" {
		size, err = strconv.Atoi(v)
		if err != nil || size < 1 || size > maxPageSize {
			return nil, crossconnect.E(opList, crossconnect.Invalid,
				fmt.Sprintf("page_size must be a number from 1 to %d", maxPageSize), err)
		}
	}

	// The token is Temporal's, opaque, passed through base64 so that it
	// survives a query string.
	token, err := base64.RawURLEncoding.DecodeString(q.Get("page_token"))
	if err != nil {
		return nil, crossconnect.E(opList, crossconnect.Invalid, "page_token is not valid", err)
	}

	return &workflowservice.ListWorkflowExecutionsRequest{
		Namespace:     namespace,
		PageSize:      int32(size),
		NextPageToken: token,
		Query:         query,
	}, nil
}

// visibilityQuery builds the visibility query of the filters q sets.
func visibilityQuery(q url.Values) (string, error) {
	clauses := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	for _, f := range listFilters {
		v := q.Get(f.param)
		if v == "" {
			continue
		}
		if err := checkFilter(f.param, v); err != nil {
			return "", err
		}
		clauses = append(clauses, fmt.Sprintf("%s = '%s'", f.attr, v))
	}
	return strings.Join(clauses, " AND "), nil
}

// checkFilter refuses a filter value no transaction can have. Values are
// quoted into the visibility query, so only known values and id-shaped
// ones get through.
func checkFilter(param, v string) error {
	invalid := func(msg string) error { return crossconnect.E(opList, crossconnect.Invalid, msg, nil) }
	switch param {
	case "state":
		if !slices.Contains(crossconnect.States, crossconnect.State(v)) {
			return invalid("state must be one of " + statesText(crossconnect.States))
		}
	case "source":
		if v != string(crossconnect.NetSuite) && v != string(crossconnect.Zoho) {
			return invalid("source must be ONS or ZOH")
		}
	case "destination":
		if v != string(crossconnect.Equinix) {
			return invalid("destination must be EQX, the one destination with a cancel")
		}
	default:
		if !crossconnect.ValidID(v) {
			return invalid(param + " must be an id: 1 to 64 letters, digits, '.', '_', ':' or '-'")
		}
	}
	return nil
}

// checkParams refuses unknown and repeated query parameters: a misspelt
// filter would otherwise list everything.
func checkParams(q url.Values) error {
	known := []string{"page_size", "page_token"}
	for _, f := range listFilters {
		known = append(known, f.param)
	}
	for name, vs := range q {
		if !slices.Contains(known, name) {
			return crossconnect.E(opList, crossconnect.Invalid,
				"unknown parameter "+name+"; use "+strings.Join(known, ", "), nil)
		}
		if len(vs) > 1 {
			return crossconnect.E(opList, crossconnect.Invalid, name+" is given more than once", nil)
		}
	}
	return nil
}

func (s *Server) listed(e *workflowpb.WorkflowExecutionInfo) listedTransaction {
	attrs := e.GetSearchAttributes().GetIndexedFields()
	id, runID := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
	return listedTransaction{
		ID:          id,
		State:       keyword(attrs, workflows.AttrState.GetName()),
		IAID:        keyword(attrs, workflows.AttrIAID.GetName()),
		Source:      keyword(attrs, workflows.AttrSource.GetName()),
		Destination: keyword(attrs, workflows.AttrDestination.GetName()),
		Status:      workflowStatus(e.GetStatus()),
		StartedAt:   e.GetStartTime().AsTime().UTC().Format(time.RFC3339Nano),
		RunID:       runID,
		WorkflowURL: s.workflowURL(id, runID),
	}
}

// workflowStatus is Temporal's status of a run in lowercase without its
// prefix: running, completed, failed, terminated, continued_as_new.
func workflowStatus(st enumspb.WorkflowExecutionStatus) string {
	return strings.ToLower(strings.TrimPrefix(st.String(), "WORKFLOW_EXECUTION_STATUS_"))
}

// keyword reads a Keyword search attribute; a missing one reads empty.
func keyword(attrs map[string]*commonpb.Payload, name string) string {
	var v string
	if p, ok := attrs[name]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
	}
	return v
}
