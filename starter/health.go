package starter

import (
	"context"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
)

// readyTimeout bounds the readiness check's call to Temporal: a probe
// must get an answer well within its own timeout.
const readyTimeout = 2 * time.Second

// Health answers /healthz: 200 while the process serves. It checks
// nothing else, so that a Temporal outage never gets a process restarted.
func Health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readiness answers /readyz: 200 when Temporal answers and Ready, if set,
// returns nil; else 503 with Retry-After and the reason, so a load
// balancer sends the process no work.
type Readiness struct {
	Temporal client.Client
	// Ready reports what else the process needs to take work: the worker
	// that it polls, either process that it is not shutting down.
	Ready func() error
}

func (h Readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			notReady(w, err.Error())
			return
		}
	}

	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if _, err := h.Temporal.CheckHealth(ctx, nil); err != nil {
		notReady(w, "Temporal is not reachable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func notReady(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", retryAfterSeconds)
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{
		"status": "unavailable", "detail": why,
	})
}

// handleHealth answers while the process runs.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	Health(w, r)
}

// handleReady answers 200 when Temporal answers and the API is not
// shutting down, else 503.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	Readiness{Temporal: s.temporal, Ready: s.cfg.Ready}.ServeHTTP(w, r)
}
