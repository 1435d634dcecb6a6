package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lattice/lattice/crossconnect"
)

// settle polls every accepted transaction until each is final, the settle
// time has passed or ctx ends, and returns the last state seen of each;
// "" when the API never answered for it.
func (l *load) settle(ctx context.Context, ids []string) map[string]crossconnect.State {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.settle)
	defer cancel()

	states := make(map[string]crossconnect.State, len(ids))
	pending := slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, id := range pending {
		states[id] = ""
	}
	for len(pending) > 0 {
		for id, st := range l.pollAll(ctx, pending) {
			states[id] = st
		}
		pending = slices.DeleteFunc(pending, func(id string) bool { return states[id].Final() })
		if len(pending) == 0 || !pause(ctx, l.cfg.poll) {
			break
		}
	}
	return states
}

// pollAll asks for each transaction's state with as many clients as the
// load used. A transaction the API did not answer for is left out.
func (l *load) pollAll(ctx context.Context, ids []string) map[string]crossconnect.State {
	var (
		mu   sync.Mutex
		out  = make(map[string]crossconnect.State, len(ids))
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(l.cfg.clients, len(ids)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) || ctx.Err() != nil {
					return
				}
				st, err := l.state(ctx, ids[i])
				if err != nil {
					continue
				}
				mu.Lock()
				out[ids[i]] = st
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// state reads one transaction's state from the API.
func (l *load) state(ctx context.Context, id string) (crossconnect.State, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.api+transactionPath+id, nil)
	if err != nil {
		return "", err
	}
	l.authorize(req)
	resp, err := l.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get transaction: status %d", resp.StatusCode)
	}
	var tx struct {
		State crossconnect.State `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tx); err != nil {
		return "", fmt.Errorf("read transaction: %w", err)
	}
	return tx.State, nil
}

// pause waits d, or less if ctx ends first; it reports whether ctx is
// still live.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
