package starter

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

type ctxKey int

const txKey ctxKey = 0

// txHolder lets a handler name the transaction a request concerns, so the
// request's log line carries its id.
type txHolder struct {
	mu sync.Mutex
	id string
}

// setTransactionID names the transaction the request concerns, on its log
// line and on its span, so a trace can be found by transaction id.
func setTransactionID(ctx context.Context, id string) {
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("lattice.transaction_id", id))
	if h, ok := ctx.Value(txKey).(*txHolder); ok {
		h.mu.Lock()
		h.id = id
		h.mu.Unlock()
	}
}

func transactionIDFrom(ctx context.Context) string {
	if h, ok := ctx.Value(txKey).(*txHolder); ok {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.id
	}
	return ""
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests writes one log line per request: route template, method,
// status, duration and, when known, the transaction id and the trace id
// that leads to the request's trace. It never logs bodies or headers.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := &txHolder{}
		r = r.WithContext(context.WithValue(r.Context(), txKey, h))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}

		next.ServeHTTP(rec, r)

		attrs := []any{
			"method", r.Method,
			"route", RouteName(s.router, r),
			"status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(),
		}
		if id := transactionIDFrom(r.Context()); id != "" {
			attrs = append(attrs, "transaction_id", id)
		}
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
			attrs = append(attrs, "trace_id", sc.TraceID().String())
		}
		s.cfg.Logger.Info("Request served", attrs...)
	})
}

// RouteName is the template of the route r matches, or "unmatched": a
// bounded name for logs, spans and metrics, never the raw path.
func RouteName(router *mux.Router, r *http.Request) string {
	var m mux.RouteMatch
	if router.Match(r, &m) && m.Route != nil {
		if t, err := m.Route.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

// RouteName is the template of the API's route that r matches, or
// "unmatched", for middleware that names spans and metrics.
func (s *Server) RouteName(r *http.Request) string {
	return RouteName(s.router, r)
}
