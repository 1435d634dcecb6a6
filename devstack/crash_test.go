package devstack_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/vendors/equinix"
	"github.com/lattice/lattice/vendors/netsuite"
	"github.com/lattice/lattice/vendors/zoho"
	"github.com/lattice/lattice/worker"
	"github.com/lattice/lattice/workflows"
)

// childWorkerEnv, set in this test binary's environment, makes it run a
// worker instead of the tests: the crash test starts such children and
// kills them. Its value is a childSpec in JSON.
const childWorkerEnv = "LATTICE_TEST_CHILD_WORKER"

// childReady is the line a child prints once its worker polls.
const childReady = "worker ready"

// childSpec tells a child worker where the shared stack is.
type childSpec struct {
	Frontend    string
	Namespace   string
	TaskQueue   string
	SandboxURL  string
	Credentials sandbox.Credentials
}

// runWorkerIfAsked runs a child worker and exits, when this process is
// one; TestMain calls it before anything else.
func runWorkerIfAsked() {
	raw := os.Getenv(childWorkerEnv)
	if raw == "" {
		return
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "read child worker spec:", err)
		os.Exit(2)
	}
	if err := runChildWorker(spec); err != nil {
		fmt.Fprintln(os.Stderr, "child worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runChildWorker runs the saga's worker on the spec's task queue until
// its standard input closes: a parent that dies takes its children with
// it. The crash test ends it with SIGKILL instead.
func runChildWorker(spec childSpec) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c, err := client.Dial(client.Options{
		HostPort:  spec.Frontend,
		Namespace: spec.Namespace,
		Logger:    sdklog.NewStructuredLogger(logger),
	})
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	defer c.Close()

	w := sdkworker.New(c, spec.TaskQueue, sdkworker.Options{})
	worker.Register(w, worker.NewActivities(childWorkerConfig(spec, logger)))
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()

	fmt.Println(childReady)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// childWorkerConfig points the vendor clients at the sandbox, as the dev
// stack does for its own worker.
func childWorkerConfig(spec childSpec, logger *slog.Logger) worker.Config {
	creds := spec.Credentials
	return worker.Config{
		Equinix: equinix.Config{
			BaseURL:      spec.SandboxURL + "/equinix",
			ClientID:     creds.EquinixClientID,
			ClientSecret: creds.EquinixClientSecret,
		},
		Zoho: zoho.Config{
			BaseURL:        spec.SandboxURL + "/zoho/inventory/v1",
			AccountsURL:    spec.SandboxURL + "/zoho/accounts",
			OrganizationID: creds.ZohoOrganizationID,
			ClientID:       creds.ZohoClientID,
			ClientSecret:   creds.ZohoClientSecret,
			RefreshToken:   creds.ZohoRefreshToken,
		},
		NetSuite: netsuite.Config{
			AccountURL:    spec.SandboxURL + "/netsuite",
			AccountID:     creds.NetSuiteAccountID,
			ClientID:      creds.NetSuiteClientID,
			CertificateID: creds.NetSuiteCertificateID,
			PrivateKeyPEM: creds.NetSuitePrivateKeyPEM,
		},
		Logger: logger,
	}
}

// child is a worker process started by a test.
type child struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	logs   *syncBuffer
	waited sync.Once
}

// startChild starts a worker process on queue and waits until it polls.
func startChild(t *testing.T, queue string) *child {
	t.Helper()
	spec, err := json.Marshal(childSpec{
		Frontend:    stack.Temporal.FrontendAddr(),
		Namespace:   stack.Temporal.Namespace(),
		TaskQueue:   queue,
		SandboxURL:  stack.SandboxURL,
		Credentials: stack.Sandbox.Credentials(),
	})
	require.NoError(t, err)

	ch := &child{logs: &syncBuffer{}}
	ch.cmd = exec.Command(os.Args[0], "-test.run=^$")
	ch.cmd.Env = append(os.Environ(), childWorkerEnv+"="+string(spec))
	ch.cmd.Stderr = ch.logs
	stdout, err := ch.cmd.StdoutPipe()
	require.NoError(t, err)
	ch.stdin, err = ch.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, ch.cmd.Start())
	t.Cleanup(func() {
		ch.kill()
		if t.Failed() {
			t.Logf("child worker %d:\n%s", ch.cmd.Process.Pid, ch.logs.String())
		}
	})

	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == childReady {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		require.True(t, ok, "child worker exited: %s", ch.logs.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("child worker not ready: %s", ch.logs.String())
	}
	return ch
}

// kill ends the child at once with SIGKILL: no deferred call, no
// graceful stop, no activity handed back.
func (ch *child) kill() {
	ch.waited.Do(func() {
		_ = ch.cmd.Process.Signal(syscall.SIGKILL)
		_ = ch.cmd.Wait()
		_ = ch.stdin.Close()
	})
}

// syncBuffer is a bytes.Buffer safe for a process to write while a test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkerKilledDuringTheEquinixCancel kills the worker process while its
// cancel call is in flight at Equinix, after Equinix applied it, and
// starts another: the transaction completes, with one effective cancel.
func TestWorkerKilledDuringTheEquinixCancel(t *testing.T) {
	c := newCase(t, "ZOH")
	queue := "lattice-crash-" + c.id[:8] // the stack's own worker must not take it
	// The cancel is applied at once; the answer never comes.
	c.fault(t, sandbox.Fault{Vendor: "equinix", Operation: "cancel",
		Mode: sandbox.ModePerformedThenTimeout, DelayMS: 60_000})
	first := startChild(t, queue)
	before := c.note(t)

	run := c.start(t, queue, workflows.Settings{
		PollInitial:      200 * time.Millisecond,
		PollMax:          time.Second,
		StepBudget:       time.Minute,
		HeartbeatTimeout: 2 * time.Second,
	})
	c.awaitCalls(t, "equinix", "cancel", 1)
	require.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID), "the cancel landed")
	first.kill()
	startChild(t, queue)
	tx := result(t, run, 30*time.Second)

	assertCompleted(t, c, tx, before)
	assert.Equal(t, 1, c.calls("equinix", "cancel"), "the new worker sent no cancel")
	assert.Equal(t, 1, stack.Sandbox.LineCancels(c.orderID, c.lineID))
	assertCancelRetriedAfterHeartbeatTimeout(t, c.id, run.GetRunID())
}

// assertCancelRetriedAfterHeartbeatTimeout checks that the cancel's
// successful attempt followed a heartbeat timeout: the killed worker was
// noticed by its silence.
func assertCancelRetriedAfterHeartbeatTimeout(t *testing.T, id, runID string) {
	t.Helper()
	for _, ev := range history(t, id, runID).GetEvents() {
		if ev.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED {
			continue
		}
		started := ev.GetActivityTaskStartedEventAttributes()
		last := started.GetLastFailure()
		if started.GetAttempt() < 2 || last == nil {
			continue
		}
		timeout := last.GetTimeoutFailureInfo().GetTimeoutType()
		assert.Equal(t, enumspb.TIMEOUT_TYPE_HEARTBEAT, timeout, "last failure: %s",
			strings.TrimSpace(last.GetMessage()))
		return
	}
	t.Fatal("no activity was retried")
}
