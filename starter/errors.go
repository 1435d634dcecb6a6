package starter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"

	"github.com/lattice/lattice/crossconnect"
)

// retryAfterSeconds is what a 503 tells clients to wait.
const retryAfterSeconds = "5"

// statusOf maps an error kind to its HTTP status: the one place that does.
func statusOf(kind crossconnect.Kind) int {
	switch kind {
	case crossconnect.Invalid:
		return http.StatusBadRequest
	case crossconnect.NotFound:
		return http.StatusNotFound
	case crossconnect.Conflict:
		return http.StatusConflict
	case crossconnect.Unavailable:
		return http.StatusServiceUnavailable
	case crossconnect.NotSupported:
		return http.StatusUnprocessableEntity
	case crossconnect.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// writeError answers err in the previous service's error shape: 422 lists
// every problem, anything else is {"detail": "..."}. Internal details go
// to the log, never to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *crossconnect.ValidationError
	var se *crossconnect.SyntaxError
	var me *mediaError
	switch {
	case errors.As(err, &me):
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"detail": me.Error()})
		return
	case errors.As(err, &ve):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": ve.Problems})
		return
	case errors.As(err, &se):
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": se.Error()})
		return
	}

	kind := crossconnect.KindOf(err)
	code := statusOf(kind)
	if kind == crossconnect.Internal {
		s.log(r).Error("Request failed", "error", err)
	}
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
		s.log(r).Warn("Temporal unavailable", "error", err)
	}
	writeJSON(w, code, map[string]any{"detail": crossconnect.MessageOf(err)})
}

// recoverPanics answers a handler's panic as a 500 in the usual shape and
// logs it with its stack: a bug must neither drop the client's connection
// without an answer nor show the client anything of its cause.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // a deliberate abort, which net/http handles
			}
			s.log(r).Error("Handler panicked", "error", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": "internal error"})
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// temporalError classifies an error from the Temporal client: anything
// that says the cluster cannot be reached now is Unavailable, so the
// client is told to come back rather than that Lattice broke.
//
// The SDK reports an unreachable server as a wrapped service error (a
// connection refused on first use comes back as "failed reaching server"
// around serviceerror.Unavailable), not as a bare gRPC status, so the
// code is read through serviceerror.ToStatus, which unwraps both.
func temporalError(op string, err error) error {
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return crossconnect.E(op, crossconnect.NotFound, "no transaction with that id", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return crossconnect.E(op, crossconnect.Unavailable, "Temporal did not answer in time", err)
	}
	switch serviceerror.ToStatus(err).Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Canceled:
		return crossconnect.E(op, crossconnect.Unavailable, "Temporal is unavailable; retry later", err)
	}
	return crossconnect.E(op, crossconnect.Internal, "internal error", err)
}

func (s *Server) log(r *http.Request) *slog.Logger {
	l := s.cfg.Logger
	if id := transactionIDFrom(r.Context()); id != "" {
		l = l.With("transaction_id", id)
	}
	return l
}
