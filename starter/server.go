// Package starter is Lattice's HTTP API: it decodes and validates cancel
// requests, starts the CancelCrossConnect workflow under the transaction
// id, and answers questions about transactions from Temporal.
package starter

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"go.temporal.io/sdk/client"

	"github.com/lattice/lattice/workflows"
)

// Route templates. Each is mounted under /v1 and, for clients of the
// previous service, under /api/v1.
const (
	routeCancel       = "/accounting/crossconnect/qcl_crossconnect_cancel"
	routeTransactions = "/accounting/crossconnect/transactions"
	routeTransaction  = "/accounting/crossconnect/transactions/{id}"
	routeRetry        = "/accounting/crossconnect/transactions/{id}/retry"
	routeAbandon      = "/accounting/crossconnect/transactions/{id}/abandon"
)

// Config configures the API.
type Config struct {
	// Namespace is the Temporal namespace transactions run in.
	Namespace string
	// UIURL is the Temporal UI's base URL, for links to workflows; empty
	// leaves links out.
	UIURL string
	// Settings are passed to every new workflow.
	Settings workflows.Settings
	// StartTimeout bounds a call to Temporal; past it the client gets 503.
	StartTimeout time.Duration
	Logger       *slog.Logger

	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// Ready, when set, is part of /readyz: an error makes it answer 503,
	// as while the process shuts down.
	Ready func() error
}

// Server is the HTTP API.
type Server struct {
	cfg      Config
	temporal client.Client
	router   *mux.Router
}

// New returns the API, routed, using c to reach Temporal.
func New(c client.Client, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	s := &Server{cfg: cfg, temporal: c, router: mux.NewRouter()}
	s.routes()
	return s
}

func (s *Server) routes() {
	r := s.router
	// An unclean path (//v1/…) is answered 404, never redirected: a client
	// that follows the redirect turns its POST into a GET.
	r.SkipClean(true)
	for _, prefix := range []string{"/v1", "/api/v1"} {
		r.Handle(prefix+routeCancel, allow{http.MethodPost: s.handleCancel})
		r.Handle(prefix+routeTransactions, allow{http.MethodGet: s.handleList})
		r.Handle(prefix+routeTransaction, allow{http.MethodGet: s.handleGet})
		r.Handle(prefix+routeRetry, allow{http.MethodPost: s.handleRetry})
		r.Handle(prefix+routeAbandon, allow{http.MethodPost: s.handleAbandon})
	}
	r.Handle("/healthz", allow{http.MethodGet: s.handleHealth})
	r.Handle("/readyz", allow{http.MethodGet: s.handleReady})
	r.Handle(routeOpenAPI, allow{http.MethodGet: s.handleOpenAPI})
	if s.cfg.Metrics != nil {
		r.Handle("/metrics", allow{http.MethodGet: s.cfg.Metrics.ServeHTTP})
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "no such route"})
	})
}

// ServeHTTP serves the API with its middleware: one log line per request,
// and a 500 for a handler's panic.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.logRequests(s.recoverPanics(s.router)).ServeHTTP(w, r)
}

// Router exposes the routes so middleware can name spans and metrics by
// route template.
func (s *Server) Router() *mux.Router { return s.router }

// allow serves a path with a handler per method and answers any other
// method 405 with the Allow header.
type allow map[string]http.HandlerFunc

func (a allow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := a[r.Method]; ok {
		h(w, r)
		return
	}
	if r.Method == http.MethodHead {
		if h, ok := a[http.MethodGet]; ok {
			h(w, r)
			return
		}
	}
	methods := make([]string, 0, len(a))
	for m := range a {
		methods = append(methods, m)
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, map[string]any{
		"detail": "method " + r.Method + " not allowed; use " + strings.Join(methods, ", "),
	})
}
