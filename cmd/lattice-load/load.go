package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Paths of the API and of the sandbox's control endpoint.
const (
	cancelPath      = "/v1/accounting/crossconnect/qcl_crossconnect_cancel"
	transactionPath = "/v1/accounting/crossconnect/transactions/"
	fixturesPath    = "/_sandbox/fixtures"
)

// fixtureBatch is how many records one call to the sandbox creates; the
// sandbox takes at most 1,000.
const fixtureBatch = 500

// load is one run against a running system.
type load struct {
	cfg  config
	http *http.Client
}

func newLoad(cfg config) *load {
	// Every client keeps its connection: reconnecting would measure the
	// load generator, not the API.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = cfg.clients
	tr.MaxIdleConnsPerHost = cfg.clients
	return &load{cfg: cfg, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// outcome is the answer to one cancel.
type outcome struct {
	latency time.Duration
	// status is the HTTP status, 0 when no answer came.
	status int
	id     string
	// problem names what went wrong, empty on a 201.
	problem string
}

// run sends the cancels, then waits for the accepted ones to settle. If
// the sandbox stops making records midway, the cancels sent so far are
// still followed and summed up, and the error is returned beside them.
func (l *load) run(ctx context.Context) (*summary, error) {
	bodies := make(chan json.RawMessage, 2*fixtureBatch)
	fixErr := make(chan error, 1)
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	go func() { fixErr <- l.feed(feedCtx, bodies) }()

	// The clock starts with the first fixture in hand: creating records
	// is the sandbox's work, not the API's.
	first, ok := <-bodies
	if !ok {
		return nil, <-fixErr
	}
	start := time.Now()
	outcomes := l.send(ctx, start, first, bodies)
	elapsed := time.Since(start)
	stopFeed()
	feedErr := <-fixErr

	sum := newSummary(l.cfg.clients, outcomes, elapsed)
	settleStart := time.Now()
	sum.settled(l.settle(ctx, sum.accepted()), time.Since(settleStart))
	return sum, feedErr
}

// feed creates fresh records in the sandbox, a batch at a time, until the
// count is reached or ctx ends, and closes out.
func (l *load) feed(ctx context.Context, out chan<- json.RawMessage) error {
	defer close(out)
	for made := 0; l.cfg.duration > 0 || made < l.cfg.count; {
		n := fixtureBatch
		if l.cfg.duration <= 0 {
			n = min(n, l.cfg.count-made)
		}
		batch, err := l.fixtures(ctx, n)
		if ctx.Err() != nil {
			// Sending is over: the records made so far are enough.
			return nil
		}
		if err != nil {
			return err
		}
		for _, b := range batch {
			select {
			case out <- b:
			case <-ctx.Done():
				return nil
			}
		}
		made += n
	}
	return nil
}

// fixtures asks the sandbox for n fresh records and the cancel of each.
func (l *load) fixtures(ctx context.Context, n int) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"source": l.cfg.source, "count": n})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		l.cfg.sandbox+fixturesPath, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("create fixtures: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("create fixtures: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("create fixtures: sandbox answered %d: %s", resp.StatusCode, msg)
	}
	var out struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("read fixtures: %w", err)
	}
	if len(out.Requests) != n {
		return nil, fmt.Errorf("create fixtures: asked for %d, got %d", n, len(out.Requests))
	}
	return out.Requests, nil
}

// send runs the clients until the bodies run out, the duration has passed
// or ctx ends. A request under way when time is up still finishes: its
// answer may be a 201 that must be followed.
func (l *load) send(ctx context.Context, start time.Time, first json.RawMessage, bodies <-chan json.RawMessage) []outcome {
	if l.cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(l.cfg.duration))
		defer cancel()
	}
	var (
		mu  sync.Mutex
		out []outcome
		wg  sync.WaitGroup
	)
	pending := make(chan json.RawMessage, 1)
	pending <- first

	for range l.cfg.clients {
		wg.Go(func() {
			var mine []outcome
			for {
				body, ok := next(ctx, pending, bodies)
				if !ok {
					break
				}
				mine = append(mine, l.cancel(body))
			}
			mu.Lock()
			out = append(out, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// next takes the first body if no client has, else the next one fed; it
// reports false once the bodies run out or ctx ends.
func next(ctx context.Context, first chan json.RawMessage, bodies <-chan json.RawMessage) (json.RawMessage, bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	select {
	case b := <-first:
		return b, true
	default:
	}
	select {
	case b, ok := <-bodies:
		return b, ok
	case <-ctx.Done():
		return nil, false
	}
}

// cancel sends one cancel. It runs on a context of its own so that an
// interrupt does not leave a started transaction unaccounted for.
func (l *load) cancel(body json.RawMessage) outcome {
	req, err := http.NewRequest(http.MethodPost, l.cfg.api+cancelPath, bytes.NewReader(body))
	if err != nil {
		return outcome{problem: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	l.authorize(req)

	start := time.Now()
	resp, err := l.http.Do(req)
	if err != nil {
		return outcome{latency: time.Since(start), problem: "no answer"}
	}
	defer resp.Body.Close()
	var created struct {
		ID string `json:"lattice_transaction_id"`
	}
	decodeErr := json.NewDecoder(resp.Body).Decode(&created)
	o := outcome{latency: time.Since(start), status: resp.StatusCode, id: created.ID}
	switch {
	case resp.StatusCode != http.StatusCreated:
		o.problem = fmt.Sprintf("status %d", resp.StatusCode)
	case decodeErr != nil || created.ID == "":
		o.problem = "201 without a transaction id"
	}
	return o
}

func (l *load) authorize(req *http.Request) {
	if l.cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.cfg.token)
	}
}
