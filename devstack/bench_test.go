package devstack_test

// Lattice beside bare Temporal, measured side by side:
//
//	go test -bench . -run '^$' ./devstack
//
// Each benchmark measures Lattice and a baseline that does the same with
// nothing of Lattice's, in the same run, on the same embedded server, and
// reports the ratio. On a shared machine only the ratios mean much; the
// absolute numbers move with whatever else runs. BENCHMARKS.md has the
// method and the results.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/sync/errgroup"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/devstack"
	"github.com/lattice/lattice/starter"
	"github.com/lattice/lattice/worker"
	"github.com/lattice/lattice/workflows"
)

// Sizes of the benchmarks.
const (
	// benchAcceptClients is the concurrency of the accept benchmark's
	// second case; its first has one client.
	benchAcceptClients = 16
	// benchBurstSize cancels are started at once, by benchBurstClients.
	benchBurstSize    = 1000
	benchBurstClients = 32
	// benchBurstTimeout bounds one side of a burst.
	benchBurstTimeout = 4 * time.Minute
)

// Names of the baseline, on a task queue of its own.
const (
	benchQueue       = "lattice-bench-baseline"
	benchTrivialName = "BenchTrivial"
	benchSagaName    = "BenchSaga"
	benchShapedName  = "BenchShapedSaga"
	benchNoopName    = "BenchNoop"
)

// benchConfig is a stack of its own for a benchmark: in memory, no UI, and
// a sandbox that confirms a cancel almost at once while the saga first
// looks after 50 ms, so that one look finds it confirmed and a burst
// measures work, not waiting. The worker's tuning is Lattice's default
// unless the LATTICE_WORKER_* variables say otherwise.
func benchConfig(b *testing.B) devstack.Config {
	return devstack.Config{
		Listen:           "127.0.0.1:0",
		Temporal:         "127.0.0.1:0",
		Sandbox:          "127.0.0.1:0",
		Ephemeral:        true,
		ConfirmDelay:     time.Millisecond,
		TemporalLogLevel: "none",
		Settings:         benchSettings,
		Worker:           benchTuning(b),
	}
}

// benchSettings are every benchmark saga's: see benchConfig.
var benchSettings = workflows.Settings{
	PollInitial: 50 * time.Millisecond,
	PollMax:     time.Second,
}

// benchTuning reads the worker tuning from the variables `lattice worker`
// reads, so that one test binary compares settings run after run.
func benchTuning(b *testing.B) worker.Config {
	var c worker.Config
	fields := []struct {
		name string
		to   *int
	}{
		{"LATTICE_WORKER_MAX_ACTIVITIES", &c.MaxConcurrentActivities},
		{"LATTICE_WORKER_MAX_WORKFLOW_TASKS", &c.MaxConcurrentWorkflowTasks},
		{"LATTICE_WORKER_ACTIVITY_POLLERS", &c.ActivityPollers},
		{"LATTICE_WORKER_WORKFLOW_POLLERS", &c.WorkflowPollers},
	}
	for _, f := range fields {
		v := os.Getenv(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("%s=%q is not a whole number of 0 or more", f.name, v)
		}
		*f.to = n
	}
	return c
}

func startBenchStack(b *testing.B, cfg devstack.Config) *devstack.Stack {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := devstack.Start(ctx, cfg)
	if err != nil {
		b.Fatalf("start dev stack: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = st.Close(ctx)
	})
	return st
}

// BenchmarkAccept compares POST cancel → 201 with a bare
// client.ExecuteWorkflow of a trivial workflow on the same server, at the
// same concurrency: requests a second and p99 latency of each, and their
// ratios (ratio, target ≥ 0.9; p99_ratio, target ≤ 1.2). A third side
// starts the saga straight from the Temporal client with what the API
// asks of Temporal, its id policies, search attributes and input
// (shape_ratio): what separates Lattice from it is the HTTP path,
// decoding and validation.
func BenchmarkAccept(b *testing.B) {
	st := startBenchStack(b, benchConfig(b))

	// With no worker, the workflows every side starts wait untouched in
	// their task queues: this measures accepting a cancel, not running it
	// (BenchmarkBurst does that), and the saga's work does not compete
	// with the measurement for the cores.
	st.Worker.Stop()

	for _, clients := range []int{1, benchAcceptClients} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			benchAccept(b, st, clients)
		})
	}
}

func benchAccept(b *testing.B, st *devstack.Stack, clients int) {
	bodies := benchFixtures(b, st, b.N)
	reqs := benchDecoded(b, benchFixtures(b, st, b.N))
	hc := benchHTTPClient(clients)
	post := func(ctx context.Context, i int) error {
		_, err := benchPost(ctx, hc, st.APIURL, bodies[i])
		return err
	}
	bare := client.StartWorkflowOptions{TaskQueue: benchQueue}
	start := func(ctx context.Context, i int) error {
		_, err := st.Client.ExecuteWorkflow(ctx, bare, benchTrivialName)
		return err
	}
	startShaped := func(ctx context.Context, i int) error {
		opts, in := benchStartOf(reqs[i])
		_, err := st.Client.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, in)
		return err
	}
	side := func(op func(context.Context, int) error) func(int, int) benchPhase {
		return func(from, to int) benchPhase { return benchDrive(b, clients, from, to, op) }
	}

	b.ResetTimer()
	sides := benchSides(b, b.N, side(post), side(start), side(startShaped))
	lattice, base, shaped := sides[0], sides[1], sides[2]

	b.ReportMetric(lattice.rate(), "req/s")
	b.ReportMetric(base.rate(), "base_req/s")
	b.ReportMetric(lattice.rate()/base.rate(), "ratio")
	b.ReportMetric(benchMS(lattice.p99()), "p99_ms")
	b.ReportMetric(benchMS(base.p99()), "base_p99_ms")
	b.ReportMetric(float64(lattice.p99())/float64(base.p99()), "p99_ratio")
	b.ReportMetric(shaped.rate(), "shaped_req/s")
	b.ReportMetric(lattice.rate()/shaped.rate(), "shape_ratio")
	b.ReportMetric(float64(lattice.p99())/float64(shaped.p99()), "shape_p99_ratio")
}

// benchDecoded decodes the bodies, before any clock runs.
func benchDecoded(b *testing.B, bodies [][]byte) []*crossconnect.Request {
	reqs := make([]*crossconnect.Request, len(bodies))
	for i, body := range bodies {
		req, err := crossconnect.Decode(body)
		if err != nil {
			b.Fatalf("decode fixture: %v", err)
		}
		reqs[i] = req
	}
	return reqs
}

// benchStartOf is what the API asks of Temporal to start req's saga.
func benchStartOf(req *crossconnect.Request) (client.StartWorkflowOptions, workflows.Input) {
	return starter.StartOf(req, benchSettings, time.Now().UTC())
}

// benchSides measures n operations of each side, half of each in the order
// C B A and the other half A B C, so that a drift in the machine's load or
// the server's state falls on every side alike. The first side is
// Lattice's; the benchmark's timer runs for its halves only.
func benchSides(b *testing.B, n int, sides ...func(from, to int) benchPhase) []benchPhase {
	out := make([]benchPhase, len(sides))
	run := func(i, from, to int) {
		if i == 0 {
			b.StartTimer()
		}
		out[i].add(sides[i](from, to))
		if i == 0 {
			b.StopTimer()
		}
	}

	b.StopTimer()
	h := n / 2
	for i := len(sides) - 1; i >= 0; i-- {
		run(i, 0, h)
	}
	for i := range sides {
		run(i, h, n)
	}
	return out
}

// benchPhase is what one side measured: its operations, the time they
// took together and each one's latency.
type benchPhase struct {
	ops  int
	took time.Duration
	lat  []time.Duration
	ids  []string
}

func (p *benchPhase) add(q benchPhase) {
	p.ops += q.ops
	p.took += q.took
	p.lat = append(p.lat, q.lat...)
}

func (p benchPhase) rate() float64 {
	return float64(p.ops) / p.took.Seconds()
}

// p99 is the nearest-rank 99th percentile of the latencies.
func (p benchPhase) p99() time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(p.lat))
	return s[(len(s)*99+99)/100-1]
}

func benchMS(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// benchDrive runs op for each i in [from, to) on clients goroutines and
// fails the benchmark at the first error.
func benchDrive(b *testing.B, clients, from, to int, op func(context.Context, int) error) benchPhase {
	if from >= to {
		return benchPhase{}
	}
	lat := make([]time.Duration, to-from)
	var next atomic.Int64
	next.Store(int64(from))
	g, ctx := errgroup.WithContext(context.Background())

	start := time.Now()
	for range min(clients, to-from) {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= to {
					return nil
				}
				t := time.Now()
				if err := op(ctx, i); err != nil {
					return err
				}
				lat[i-from] = time.Since(t)
			}
		})
	}
	err := g.Wait()
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return benchPhase{ops: to - from, took: took, lat: lat}
}

// benchFixtures creates n fresh records in the sandbox and returns the
// cancel of each; every one starts a transaction of its own.
func benchFixtures(b *testing.B, st *devstack.Stack, n int) [][]byte {
	b.Helper()
	out := make([][]byte, 0, n)
	for len(out) < n {
		reqs, err := st.Sandbox.Fixtures("ZOH", min(n-len(out), 1000))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range reqs {
			out = append(out, r)
		}
	}
	return out
}

// benchHTTPClient keeps a connection per client: reconnecting would
// measure the client, not the API.
func benchHTTPClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients
	tr.MaxIdleConnsPerHost = clients
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// benchPost sends one cancel and returns its transaction id; anything but
// a 201 is an error.
func benchPost(ctx context.Context, hc *http.Client, apiURL string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+cancelPath,
		bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("cancel answered %d: %s", resp.StatusCode, b)
	}
	var out struct {
		ID string `json:"lattice_transaction_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return "", fmt.Errorf("read 201: %w", err)
	}
	return out.ID, nil
}

// BenchmarkBurst starts a burst of 1,000 cancels against the sandbox and
// measures the time from the first start to the last completion, beside
// two baselines of 1,000 workflows each on a worker with the same tuning:
//
//   - bare: as many no-op activities as the saga runs, and nothing else
//     (ratio; target ≥ 0.8);
//   - same shape: the same, plus the durable timers and search attribute
//     updates the saga asks Temporal for, and an overall timeout on each
//     activity as the saga sets (shape_ratio). What separates Lattice
//     from it is Lattice's own work: HTTP, vendor calls, payloads.
//
// It also reports what one saga asks of Temporal and how long its 50 ms
// confirmation timer took to fire during the burst.
func BenchmarkBurst(b *testing.B) {
	cfg := benchConfig(b)
	st := startBenchStack(b, cfg)
	benchBaselineWorker(b, st, cfg.Worker)

	shape := benchOneSaga(b, st)
	shape.Timer = cfg.Settings.PollInitial
	shape.Budget = cmp.Or(cfg.Settings.StepBudget, workflows.DefaultStepBudget)
	bare := benchShape{Activities: shape.Activities}
	hc := benchHTTPClient(benchBurstClients)
	calls := st.Sandbox.Calls("", "")

	b.ResetTimer()
	var lattice, base, shaped benchPhase
	var ids []string
	for range b.N {
		b.StopTimer()
		bodies := benchFixtures(b, st, benchBurstSize)
		base.add(benchBurst(b, st, benchSagaName, benchStartSaga(st, benchSagaName, bare)))
		b.StartTimer()
		p := benchBurst(b, st, workflows.WorkflowName, func(ctx context.Context, i int) (string, error) {
			return benchPost(ctx, hc, st.APIURL, bodies[i])
		})
		b.StopTimer()
		lattice.add(p)
		ids = p.ids
		shaped.add(benchBurst(b, st, benchShapedName, benchStartSaga(st, benchShapedName, shape)))
	}
	calls = st.Sandbox.Calls("", "") - calls
	benchAllCompleted(b, st, 1+b.N*benchBurstSize)

	b.ReportMetric(lattice.rate(), "cancels/s")
	b.ReportMetric(base.rate(), "base_wf/s")
	b.ReportMetric(lattice.rate()/base.rate(), "ratio")
	b.ReportMetric(shaped.rate(), "shaped_wf/s")
	b.ReportMetric(lattice.rate()/shaped.rate(), "shape_ratio")
	b.ReportMetric(float64(shape.Activities), "activities/saga")
	b.ReportMetric(float64(shape.Timers), "timers/saga")
	b.ReportMetric(float64(shape.Upserts), "upserts/saga")
	b.ReportMetric(float64(calls)/float64(b.N*benchBurstSize), "vendor_calls/saga")
	b.ReportMetric(benchTimerFired(b, st, ids).Seconds(), "timer_fired_s")
}

// benchBurst starts benchBurstSize workflows of type typ with start,
// which returns each one's workflow id, and waits until visibility counts
// them all closed. The phase it returns runs from the first start to the
// last close as the server recorded it, so how the end is noticed costs
// neither side anything.
func benchBurst(b *testing.B, st *devstack.Stack, typ string, start func(context.Context, int) (string, error)) benchPhase {
	closed := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus != 'Running'", typ)
	before := benchCount(b, st, closed)
	ids := make([]string, benchBurstSize)

	begin := time.Now()
	benchDrive(b, benchBurstClients, 0, benchBurstSize, func(ctx context.Context, i int) error {
		id, err := start(ctx, i)
		ids[i] = id
		return err
	})
	deadline := begin.Add(benchBurstTimeout)
	for n := before; n < before+benchBurstSize; n = benchCount(b, st, closed) {
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d closed after %s", typ, n-before, benchBurstSize, benchBurstTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}

	last := benchLastClose(b, st, closed, ids)
	return benchPhase{ops: benchBurstSize, took: last.Sub(begin), ids: ids}
}

// benchLastClose is the latest close time among the workflows ids, as
// visibility lists them.
func benchLastClose(b *testing.B, st *devstack.Stack, query string, ids []string) time.Time {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var last time.Time
	var token []byte
	for found := 0; ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		resp, err := st.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace:     st.Temporal.Namespace(),
			Query:         query,
			PageSize:      250,
			NextPageToken: token,
		})
		cancel()
		if err != nil {
			b.Fatalf("list workflows: %v", err)
		}
		for _, e := range resp.GetExecutions() {
			if want[e.GetExecution().GetWorkflowId()] {
				found++
				if t := e.GetCloseTime().AsTime(); t.After(last) {
					last = t
				}
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			if found != len(ids) {
				b.Fatalf("%d of %d workflows listed closed", found, len(ids))
			}
			return last
		}
	}
}

func benchCount(b *testing.B, st *devstack.Stack, query string) int {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := st.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: st.Temporal.Namespace(),
		Query:     query,
	})
	if err != nil {
		b.Fatalf("count workflows: %v", err)
	}
	return int(resp.GetCount())
}

// benchAllCompleted fails the benchmark unless every saga it started
// ended completed: a faster failure is no result.
func benchAllCompleted(b *testing.B, st *devstack.Stack, want int) {
	typ := "WorkflowType = '" + workflows.WorkflowName + "'"
	completed := benchCount(b, st, typ+" AND "+workflows.AttrState.GetName()+" = 'completed'")
	if completed != want {
		b.Fatalf("%d of %d transactions completed; %d are not running", completed, want,
			benchCount(b, st, typ+" AND ExecutionStatus != 'Running'"))
	}
}

// benchShape is what a saga asks of Temporal, counted from its history;
// a baseline of the same shape asks the same with no-op activities.
type benchShape struct {
	Activities int
	Timers     int
	Upserts    int
	// Timer is how long each timer waits.
	Timer time.Duration
	// Budget bounds each activity overall, as the saga's step budget
	// does; zero sets no bound.
	Budget time.Duration
}

// benchBaselineWorker runs the baseline workflows on their own task queue,
// with the same tuning as the saga's worker.
func benchBaselineWorker(b *testing.B, st *devstack.Stack, tuning worker.Config) {
	w := sdkworker.New(st.Client, benchQueue, worker.Options(tuning))
	w.RegisterWorkflowWithOptions(benchSaga, workflow.RegisterOptions{Name: benchSagaName})
	w.RegisterWorkflowWithOptions(benchSaga, workflow.RegisterOptions{Name: benchShapedName})
	w.RegisterActivityWithOptions(benchNoop, activity.RegisterOptions{Name: benchNoopName})
	if err := w.Start(); err != nil {
		b.Fatalf("start baseline worker: %v", err)
	}
	b.Cleanup(w.Stop)
}

func benchStartSaga(st *devstack.Stack, name string, shape benchShape) func(context.Context, int) (string, error) {
	opts := client.StartWorkflowOptions{TaskQueue: benchQueue}
	return func(ctx context.Context, _ int) (string, error) {
		run, err := st.Client.ExecuteWorkflow(ctx, opts, name, shape)
		if err != nil {
			return "", err
		}
		return run.GetID(), nil
	}
}

// benchSaga is a baseline of the saga: its activities are no-ops, one
// after the other, and it sets as many timers and search attribute
// updates as the shape says, the timers before the last two activities
// as the saga waits before its last two steps. An overall bound on an
// activity costs the server a timer task of its own.
func benchSaga(ctx workflow.Context, s benchShape) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: s.Budget,
	})

	upserts := s.Upserts
	upsert := func() error {
		if upserts == 0 {
			return nil
		}
		upserts--
		return workflow.UpsertTypedSearchAttributes(ctx, workflows.AttrState.ValueSet("baseline"))
	}
	for i := range s.Activities {
		if i == s.Activities-2 {
			for range s.Timers {
				if err := workflow.Sleep(ctx, s.Timer); err != nil {
					return err
				}
			}
		}
		if err := upsert(); err != nil {
			return err
		}
		if err := workflow.ExecuteActivity(ctx, benchNoopName).Get(ctx, nil); err != nil {
			return err
		}
	}
	for upserts > 0 {
		if err := upsert(); err != nil {
			return err
		}
	}
	return nil
}

func benchNoop(context.Context) error { return nil }

// benchOneSaga runs one cancel to completed and returns its shape.
func benchOneSaga(b *testing.B, st *devstack.Stack) benchShape {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := benchPost(ctx, http.DefaultClient, st.APIURL, benchFixtures(b, st, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	var tx crossconnect.Transaction
	if err := st.Client.GetWorkflow(ctx, id, "").Get(ctx, &tx); err != nil {
		b.Fatalf("run one saga: %v", err)
	}
	if tx.State != crossconnect.StateCompleted {
		b.Fatalf("one saga ended %s: %s", tx.State, tx.Reason)
	}

	var shape benchShape
	for _, e := range benchHistory(b, st, id) {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			shape.Activities++
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			shape.Timers++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			shape.Upserts++
		}
	}
	return shape
}

// benchTimerFired is how long, at the median, the saga's first timer took
// to fire during the burst, in a sample of its sagas: how far the server's
// timer queue fell behind.
func benchTimerFired(b *testing.B, st *devstack.Stack, ids []string) time.Duration {
	var fired []time.Duration
	for i := 0; i < len(ids); i += max(len(ids)/20, 1) {
		var started time.Time
		for _, e := range benchHistory(b, st, ids[i]) {
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				started = e.GetEventTime().AsTime()
			case enumspb.EVENT_TYPE_TIMER_FIRED:
				fired = append(fired, e.GetEventTime().AsTime().Sub(started))
			}
		}
	}
	if len(fired) == 0 {
		return 0
	}
	slices.Sort(fired)
	return fired[len(fired)/2]
}

func benchHistory(b *testing.B, st *devstack.Stack, id string) []*historypb.HistoryEvent {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := st.Client.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			b.Fatalf("read history: %v", err)
		}
		events = append(events, e)
	}
	return events
}
