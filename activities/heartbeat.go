package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// minBeat bounds how often a heartbeat is sent, whatever the timeout.
const minBeat = 100 * time.Millisecond

// heartbeating runs call and, while it runs, tells Temporal every third of
// the activity's heartbeat timeout that this worker is still on it. A
// call slower than the timeout is then not taken for a lost worker, while
// a worker that dies is noticed within the timeout. The heartbeat also
// carries a cancellation of the activity back into ctx. Without a
// heartbeat timeout, call runs alone.
func heartbeating(ctx context.Context, detail string, call func() error) error {
	timeout := activity.GetInfo(ctx).HeartbeatTimeout
	if timeout <= 0 {
		return call()
	}

	activity.RecordHeartbeat(ctx, detail)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(max(timeout/3, minBeat))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx, detail)
			}
		}
	})
	defer wg.Wait()
	defer close(done)
	return call()
}
