package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
)

// fakeSystem plays the sandbox's fixtures endpoint and the API: a cancel
// is answered by answer, and its transaction moves to the state finalOf
// gives it on the second poll.
type fakeSystem struct {
	t       *testing.T
	made    atomic.Int64
	batches atomic.Int64
	// batch, when set, may refuse or delay the nth call for fixtures.
	batch   func(n int64) (status int, delay time.Duration)
	answer  func(ia string) int
	finalOf func(ia string) crossconnect.State
	token   string

	mu    sync.Mutex
	polls map[string]int
}

func newFakeSystem(t *testing.T) *fakeSystem {
	return &fakeSystem{
		t:       t,
		answer:  func(string) int { return http.StatusCreated },
		finalOf: func(string) crossconnect.State { return crossconnect.StateCompleted },
		polls:   map[string]int{},
	}
}

func (f *fakeSystem) serve() (api, sandbox string) {
	sb := httptest.NewServer(http.HandlerFunc(f.fixtures))
	f.t.Cleanup(sb.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+cancelPath, f.cancel)
	mux.HandleFunc("GET "+transactionPath+"{id}", f.transaction)
	srv := httptest.NewServer(f.authorized(mux))
	f.t.Cleanup(srv.Close)
	return srv.URL, sb.URL
}

func (f *fakeSystem) fixtures(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Source string `json:"source"`
		Count  int    `json:"count"`
	}
	if r.URL.Path != fixturesPath || json.NewDecoder(r.Body).Decode(&req) != nil || req.Count > 1000 {
		http.Error(w, "bad fixtures request", http.StatusBadRequest)
		return
	}
	if f.batch != nil {
		status, delay := f.batch(f.batches.Add(1))
		time.Sleep(delay)
		if status != http.StatusOK {
			http.Error(w, "refused", status)
			return
		}
	}
	var out struct {
		Requests []json.RawMessage `json:"requests"`
	}
	for range req.Count {
		ia := fmt.Sprintf("ia-%d", f.made.Add(1))
		out.Requests = append(out.Requests, json.RawMessage(
			`{"qcl_transaction_data":{"source_fields":{"qcl_ia_id":"`+ia+`"}}}`))
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeSystem) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
			http.Error(w, `{"detail":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cancel answers with the IA id as the transaction id: each fixture's is
// its own.
func (f *fakeSystem) cancel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Data struct {
			Source struct {
				IAID string `json:"qcl_ia_id"`
			} `json:"source_fields"`
		} `json:"qcl_transaction_data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("cancel body: %v", err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	ia := req.Data.Source.IAID
	status := f.answer(ia)
	w.WriteHeader(status)
	if status == http.StatusCreated {
		fmt.Fprintf(w, `{"lattice_transaction_id":%q}`, ia)
	}
}

func (f *fakeSystem) transaction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	f.polls[id]++
	n := f.polls[id]
	f.mu.Unlock()

	st := crossconnect.StateAwaitingConfirmation
	if n >= 2 {
		st = f.finalOf(id)
	}
	fmt.Fprintf(w, `{"lattice_transaction_id":%q,"state":%q,"items":[]}`, id, st)
}

func runLoad(t *testing.T, args ...string) (string, error) {
	return runLoadEnv(t, map[string]string{}, args...)
}

func runLoadEnv(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errs bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err := run(ctx, args, lookup, &out, &errs)
	return out.String(), err
}

func decodeSummary(t *testing.T, out string) summary {
	t.Helper()
	var s summary
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	return s
}

func TestEveryAcceptedTransactionIsFollowedToItsEnd(t *testing.T) {
	f := newFakeSystem(t)
	f.finalOf = func(ia string) crossconnect.State {
		if strings.HasSuffix(ia, "7") {
			return crossconnect.StateFailed
		}
		return crossconnect.StateCompleted
	}
	api, sb := f.serve()

	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "5", "-count", "30",
		"-poll", "10ms", "-json")
	require.NoError(t, err)

	s := decodeSummary(t, out)
	assert.Equal(t, 30, s.Sent)
	assert.Equal(t, 30, s.Accepted)
	assert.Empty(t, s.Errors)
	assert.Equal(t, map[crossconnect.State]int{
		crossconnect.StateCompleted: 27, crossconnect.StateFailed: 3,
	}, s.Final)
	assert.Empty(t, s.NotFinal)
	assert.Greater(t, s.PerSecond, 0.0)
	assert.Greater(t, s.LatencyMS.Max, 0.0)
	assert.LessOrEqual(t, s.LatencyMS.P50, s.LatencyMS.P99)
	for id, n := range f.polls {
		assert.Equal(t, 2, n, "a final transaction is not polled again: %s", id)
	}
}

func TestTransactionsThatDoNotEndAreReported(t *testing.T) {
	f := newFakeSystem(t)
	f.finalOf = func(ia string) crossconnect.State {
		if ia == "ia-3" || ia == "ia-5" {
			return crossconnect.StateNeedsAttention
		}
		return crossconnect.StateCompleted
	}
	api, sb := f.serve()

	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "3", "-count", "10",
		"-poll", "10ms", "-settle", "300ms")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 accepted transactions did not reach a final state")
	assert.Contains(t, out, "final     completed 8")
	assert.Contains(t, out, "not final 2:\n  ia-3 needs_attention\n  ia-5 needs_attention")
}

func TestRefusedCancelsAreCountedAsErrors(t *testing.T) {
	f := newFakeSystem(t)
	f.answer = func(ia string) int {
		if strings.HasSuffix(ia, "0") {
			return http.StatusServiceUnavailable
		}
		return http.StatusCreated
	}
	api, sb := f.serve()

	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "4", "-count", "20",
		"-poll", "10ms", "-json")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 of 20 cancels were not accepted")

	s := decodeSummary(t, out)
	assert.Equal(t, 18, s.Accepted)
	assert.Equal(t, map[string]int{"status 503": 2}, s.Errors)
	assert.Equal(t, 18, s.Final[crossconnect.StateCompleted])
}

func TestDurationSendsUntilTimeIsUp(t *testing.T) {
	f := newFakeSystem(t)
	api, sb := f.serve()

	start := time.Now()
	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "2",
		"-duration", "200ms", "-poll", "10ms", "-json")
	require.NoError(t, err)

	s := decodeSummary(t, out)
	assert.Greater(t, s.Sent, 2)
	assert.Equal(t, s.Sent, s.Accepted)
	assert.Equal(t, s.Accepted, s.Final[crossconnect.StateCompleted])
	assert.InDelta(t, 0.2, s.ElapsedS, 0.15)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestTokenFromTheEnvironmentIsSent(t *testing.T) {
	f := newFakeSystem(t)
	f.token = "load-token-0123456789"
	api, sb := f.serve()
	args := []string{"-api", api, "-sandbox", sb, "-count", "3", "-poll", "10ms", "-json"}

	_, err := runLoad(t, args...)
	require.ErrorContains(t, err, "3 of 3 cancels were not accepted")

	out, err := runLoadEnv(t, map[string]string{tokenEnv: f.token}, args...)
	require.NoError(t, err)
	assert.Equal(t, 3, decodeSummary(t, out).Final[crossconnect.StateCompleted])
}

func TestBadFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-clients", "0"},
		{"-count", "0"},
		{"-source", "SAP"},
		{"-settle", "0s"},
		{"extra"},
	} {
		_, err := runLoad(t, args...)
		assert.Error(t, err, "%v", args)
	}
}

func TestSandboxThatRefusesFixturesStopsTheRun(t *testing.T) {
	sb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer sb.Close()

	_, err := runLoad(t, "-sandbox", sb.URL, "-api", sb.URL, "-count", "5")
	require.ErrorContains(t, err, "sandbox answered 500")
}

func TestSandboxFailingMidwayStillFollowsWhatWasSent(t *testing.T) {
	f := newFakeSystem(t)
	f.batch = func(n int64) (int, time.Duration) {
		if n > 1 {
			return http.StatusServiceUnavailable, 0
		}
		return http.StatusOK, 0
	}
	api, sb := f.serve()

	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "8",
		"-count", strconv.Itoa(2*fixtureBatch), "-poll", "10ms", "-json")
	require.ErrorContains(t, err, "sandbox answered 503")

	s := decodeSummary(t, out)
	assert.Equal(t, fixtureBatch, s.Sent)
	assert.Equal(t, fixtureBatch, s.Final[crossconnect.StateCompleted])
	assert.Empty(t, s.NotFinal)
}

func TestDurationEndingDuringAFixtureCallIsNoError(t *testing.T) {
	f := newFakeSystem(t)
	f.batch = func(n int64) (int, time.Duration) {
		if n > 1 {
			return http.StatusOK, time.Second
		}
		return http.StatusOK, 0
	}
	api, sb := f.serve()

	out, err := runLoad(t, "-api", api, "-sandbox", sb, "-clients", "1",
		"-duration", "100ms", "-poll", "10ms", "-json")
	require.NoError(t, err)
	s := decodeSummary(t, out)
	assert.Equal(t, s.Sent, s.Final[crossconnect.StateCompleted])
	assert.Less(t, s.ElapsedS, 0.5, "sending stops when time is up, not when records come")
}
