package starter

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
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
// visibility, filtered by the search attributes, newest first.
func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request) {
	const op = "list transactions"
	q := r.URL.Query()
	query, err := visibilityQuery(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size := 50
	if v := q.Get("page_size"); v != "" {
		size, err = strconv.Atoi(v)
		if err != nil || size < 1 || size > 1000 {
			s.writeError(w, r, crossconnect.E(op, crossconnect.Invalid,
				"page_size must be a number from 1 to 1000", err))
			return
		}
	}

	token, err := base64.RawURLEncoding.DecodeString(q.Get("page_token"))
	if err != nil {
		s.writeError(w, r, crossconnect.E(op, crossconnect.Invalid, "page_token is not valid", err))
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace:     s.cfg.Namespace,
		PageSize:      int32(size),
		NextPageToken: token,
		Query:         query,
	})
	if err != nil {
		s.writeError(w, r, temporalError(op, err))
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

func visibilityQuery(q map[string][]string) (string, error) {
	clauses := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	for _, f := range listFilters {
		v := ""
		if vs := q[f.param]; len(vs) > 0 {
			v = vs[0]
		}
		if v == "" {
			continue
		}
		// Values are quoted into the visibility query: only id-safe
		// characters are accepted.
		if strings.ContainsAny(v, "'\"\\") || len(v) > 64 {
			return "", crossconnect.E("list transactions", crossconnect.Invalid,
				f.param+" holds characters an id cannot have", nil)
		}
		clauses = append(clauses, fmt.Sprintf("%s = '%s'", f.attr, v))
	}
	return strings.Join(clauses, " AND "), nil
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
		Status:      strings.ToLower(e.GetStatus().String()),
		StartedAt:   e.GetStartTime().AsTime().UTC().Format(time.RFC3339Nano),
		RunID:       runID,
		WorkflowURL: s.workflowURL(id, runID),
	}
}

func keyword(attrs map[string]*commonpb.Payload, name string) string {
	var v string
	if p, ok := attrs[name]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
	}
	return v
}
