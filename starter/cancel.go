package starter

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/workflows"
)

// handleCancel answers 201 once Temporal has durably recorded the start of
// the transaction's workflow, or found one already running or completed
// under the same id.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	req, err := decodeRequest(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	id := crossconnect.TransactionID(req)
	setTransactionID(r.Context(), id)
	if err := s.start(r.Context(), req); err != nil {
		s.writeError(w, r, err)
		return
	}

	w.Header().Set("Location", "/v1"+strings.Replace(routeTransaction, "{id}", id, 1))
	writeJSON(w, http.StatusCreated, map[string]string{"lattice_transaction_id": id})
}

// decodeRequest checks the media type, reads at most MaxBodyBytes whether
// or not Content-Length is sent, and decodes the body.
func decodeRequest(w http.ResponseWriter, r *http.Request) (*crossconnect.Request, error) {
	const op = "decode request"
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	// A compressed body would reach the decoder as bytes that are not
	// JSON; saying why beats a 400 at line 1, column 1.
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, &mediaError{msg: "Content-Encoding is not supported: send the body uncompressed"}
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, crossconnect.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, crossconnect.E(op, crossconnect.TooLarge, "request body is over 1 MiB", err)
	case err != nil:
		return nil, crossconnect.E(op, crossconnect.Invalid, "request body could not be read", err)
	}
	return crossconnect.Decode(body)
}

// errUnsupportedMedia is answered 415.
var errUnsupportedMedia = errors.New("unsupported media type")

// checkContentType accepts application/json, in UTF-8 if a charset is
// named, and says what it got otherwise.
func checkContentType(ct string) error {
	const msg = "Content-Type must be application/json"
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case strings.TrimSpace(ct) == "":
		return &mediaError{msg: "Content-Type is missing: send application/json"}
	case err == nil && mt != "application/json" && len(mt) <= 64:
		return &mediaError{msg: msg + ", not " + mt}
	case err != nil || mt != "application/json":
		return &mediaError{msg: msg}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &mediaError{msg: msg + " in UTF-8"}
	}
	return nil
}

// mediaError is a request whose body Lattice will not read.
type mediaError struct{ msg string }

func (e *mediaError) Error() string { return e.msg }
func (e *mediaError) Unwrap() error { return errUnsupportedMedia }

// StartOf is what the API asks of Temporal to start req's transaction:
// the workflow's options (id, id policies, search attributes) and input.
func StartOf(req *crossconnect.Request, set workflows.Settings, now time.Time) (client.StartWorkflowOptions, workflows.Input) {
	id := crossconnect.TransactionID(req)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrState.ValueSet(string(crossconnect.StateReceived)),
			workflows.AttrIAID.ValueSet(req.IAID),
			workflows.AttrSource.ValueSet(string(req.Source)),
			workflows.AttrDestination.ValueSet(string(req.Destination)),
		),
	}
	in := workflows.Input{TransactionID: id, Request: *req, ReceivedAt: now, Settings: set}
	return opts, in
}

// start starts the workflow. Temporal enforces idempotency by workflow id:
// a running transaction is reused (no second run); a completed one is
// refused by the reuse policy and answered as it stands; a failed one may
// run again.
func (s *Server) start(ctx context.Context, req *crossconnect.Request) error {
	const op = "start transaction"
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()

	opts, in := StartOf(req, s.cfg.Settings, nowUTC())
	_, err := s.temporal.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return temporalError(op, err)
	}
	return nil
}
