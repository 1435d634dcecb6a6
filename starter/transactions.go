package starter

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/gorilla/mux"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

func nowUTC() time.Time { return time.Now().UTC() }

// handleGet answers a transaction's state: from the running workflow's
// query, or from a closed workflow's result.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	setTransactionID(r.Context(), id)
	tx, err := s.transaction(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tx)
}

func (s *Server) transaction(ctx context.Context, id string) (crossconnect.Transaction, error) {
	const op = "get transaction"
	if !crossconnect.ValidTransactionID(id) {
		return crossconnect.Transaction{}, crossconnect.E(op, crossconnect.NotFound,
			"no transaction with that id", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()

	desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return crossconnect.Transaction{}, temporalError(op, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	runID := info.GetExecution().GetRunId()

	tx, err := s.readTransaction(ctx, id, runID, info.GetStatus())
	if err != nil {
		return crossconnect.Transaction{}, temporalError(op, err)
	}
	tx.RunID = runID
	tx.WorkflowURL = s.workflowURL(id, runID)
	return tx, nil
}

// readTransaction reads the transaction without needing a worker where it
// can: a closed run's result or failure details are in its history.
func (s *Server) readTransaction(ctx context.Context, id, runID string, st enumspb.WorkflowExecutionStatus) (crossconnect.Transaction, error) {
	var tx crossconnect.Transaction
	switch st {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		err := s.temporal.GetWorkflow(ctx, id, runID).Get(ctx, &tx)
		return tx, err
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		err := s.temporal.GetWorkflow(ctx, id, runID).Get(ctx, &tx)
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.HasDetails() {
			return tx, app.Details(&tx)
		}
	}

	res, err := s.temporal.QueryWorkflow(ctx, id, runID, workflows.QueryTransaction)
	if err != nil {
		return tx, err
	}
	return tx, res.Get(&tx)
}

func (s *Server) workflowURL(id, runID string) string {
	if s.cfg.UIURL == "" {
		return ""
	}
	return s.cfg.UIURL + "/namespaces/" + url.PathEscape(s.cfg.Namespace) +
		"/workflows/" + url.PathEscape(id) + "/" + url.PathEscape(runID) + "/history"
}

// handleRetry and handleAbandon pass an operator's decision to a
// transaction that waits for one.
func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request) {
	s.signal(w, r, workflows.SignalRetry, crossconnect.StateNeedsAttention)
}

func (s *Server) handleAbandon(w http.ResponseWriter, r *http.Request) {
	s.signal(w, r, workflows.SignalAbandon,
		crossconnect.StateNeedsAttention, crossconnect.StateAwaitingConfirmation)
}

func (s *Server) signal(w http.ResponseWriter, r *http.Request, name string, when ...crossconnect.State) {
	const op = "signal transaction"
	id := mux.Vars(r)["id"]
	setTransactionID(r.Context(), id)

	tx, err := s.transaction(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !stateIn(tx.State, when) {
		s.writeError(w, r, crossconnect.E(op, crossconnect.Conflict,
			"transaction is "+string(tx.State)+"; "+name+" applies only when it is "+statesText(when), nil))
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	if err := s.temporal.SignalWorkflow(ctx, id, "", name, nil); err != nil {
		s.writeError(w, r, temporalError(op, err))
		return
	}
	s.log(r).Info("Operator decision sent", "signal", name)
	writeJSON(w, http.StatusAccepted, map[string]string{"lattice_transaction_id": id, "signal": name})
}

func stateIn(s crossconnect.State, states []crossconnect.State) bool {
	for _, st := range states {
		if s == st {
			return true
		}
	}
	return false
}

func statesText(states []crossconnect.State) string {
	out := ""
	for i, st := range states {
		if i > 0 {
			out += " or "
		}
		out += string(st)
	}
	return out
}

// handleList is served in full by the visibility-backed listing.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	s.listTransactions(w, r)
}
