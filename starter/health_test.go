package starter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/client"

	"github.com/lattice/lattice/starter"
)

// temporalHealth is a Temporal client whose health check answers err;
// nothing else of it is used.
type temporalHealth struct {
	client.Client
	err error
}

func (t temporalHealth) CheckHealth(
	context.Context, *client.CheckHealthRequest,
) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, t.err
}

func TestReadiness(t *testing.T) {
	stopping := errors.New("shutting down")
	for _, tc := range []struct {
		name       string
		temporal   error
		ready      error
		wantStatus int
		wantBody   string
	}{
		{"ready", nil, nil, http.StatusOK, `"ready"`},
		{"temporal down", errors.New("connection refused"), nil,
			http.StatusServiceUnavailable, "Temporal is not reachable"},
		{"shutting down", nil, stopping, http.StatusServiceUnavailable, "shutting down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := starter.Readiness{
				Temporal: temporalHealth{err: tc.temporal},
				Ready:    func() error { return tc.ready },
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))

			assert.Equal(t, tc.wantStatus, w.Code)
			assert.Contains(t, w.Body.String(), tc.wantBody)
			if tc.wantStatus != http.StatusOK {
				assert.Equal(t, "5", w.Header().Get("Retry-After"))
			}
			assert.NotContains(t, w.Body.String(), "connection refused")
		})
	}
}

func TestAPIReadinessFollowsItsReadyCheck(t *testing.T) {
	var ready error
	api := starter.New(temporalHealth{}, starter.Config{Ready: func() error { return ready }})

	get := func(path string) int {
		w := httptest.NewRecorder()
		api.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code
	}
	assert.Equal(t, http.StatusOK, get("/readyz"))
	ready = errors.New("shutting down")
	assert.Equal(t, http.StatusServiceUnavailable, get("/readyz"))
	assert.Equal(t, http.StatusOK, get("/healthz"), "a process shutting down is alive")
	assert.Equal(t, http.StatusNotFound, get("/metrics"), "no metrics unless configured")
}
