package devstack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lattice/lattice/devstack"
)

// Peak resident memory targets of the production processes, in MiB.
const (
	benchAPITargetMiB    = 64
	benchWorkerTargetMiB = 256
)

// benchRSSClients drive the API in the memory benchmark, for
// benchBurstSize cancels.
const benchRSSClients = 200

// benchToken guards the API process, as it would in production.
const benchToken = "bench-token-5f0c2a9d8e7b6a41"

// BenchmarkPeakRSS runs `lattice api` and `lattice worker` as processes
// of their own, against a stack whose in-process worker is stopped so the
// worker process does all the work. lattice-load drives the API with 200
// clients for a burst of 1,000 cancels, then follows every one to its
// end. It reports each process's peak resident memory (VmHWM), idle
// resident memory after start, and the peak against its target: 64 MiB
// for the API, 256 MiB for the worker (of_target ≤ 1 meets it).
//
// The binaries are built into a temporary folder, which takes a minute;
// LATTICE_BENCH_BIN names a folder holding lattice and lattice-load
// built already.
func BenchmarkPeakRSS(b *testing.B) {
	bins := benchBinaries(b)
	st := startBenchStack(b, benchConfig(b))
	st.Worker.Stop()

	var apiPeak, apiIdle, workerPeak, workerIdle, rate float64
	for range b.N {
		wrk := benchStart(b, bins.lattice, "worker", benchWorkerEnv(st))
		api := benchStart(b, bins.lattice, "api", benchAPIEnv(st))
		apiIdle, workerIdle = api.mib(b, "VmRSS"), wrk.mib(b, "VmRSS")

		rate = benchLoad(b, bins.load, api.url, st.SandboxURL)
		apiPeak = max(apiPeak, api.mib(b, "VmHWM"))
		workerPeak = max(workerPeak, wrk.mib(b, "VmHWM"))
		api.stop(b)
		wrk.stop(b)
	}

	b.ReportMetric(apiPeak, "api_peak_MiB")
	b.ReportMetric(apiIdle, "api_idle_MiB")
	b.ReportMetric(apiPeak/benchAPITargetMiB, "api_of_target")
	b.ReportMetric(workerPeak, "worker_peak_MiB")
	b.ReportMetric(workerIdle, "worker_idle_MiB")
	b.ReportMetric(workerPeak/benchWorkerTargetMiB, "worker_of_target")
	b.ReportMetric(rate, "load_accepted/s")
}

// benchBins are the paths of the built commands.
type benchBins struct{ lattice, load string }

func benchBinaries(b *testing.B) benchBins {
	if dir := os.Getenv("LATTICE_BENCH_BIN"); dir != "" {
		return benchBins{filepath.Join(dir, "lattice"), filepath.Join(dir, "lattice-load")}
	}
	dir := b.TempDir()
	bins := benchBins{filepath.Join(dir, "lattice"), filepath.Join(dir, "lattice-load")}
	for path, pkg := range map[string]string{
		bins.lattice: "github.com/lattice/lattice/cmd/lattice",
		bins.load:    "github.com/lattice/lattice/cmd/lattice-load",
	} {
		out, err := exec.Command("go", "build", "-o", path, pkg).CombinedOutput()
		if err != nil {
			b.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	return bins
}

// benchAPIEnv configures `lattice api` against the stack's Temporal.
func benchAPIEnv(st *devstack.Stack) []string {
	return []string{
		"TEMPORAL_ADDRESS=" + st.Temporal.FrontendAddr(),
		"TEMPORAL_NAMESPACE=" + st.Temporal.Namespace(),
		"LATTICE_API_TOKENS=" + benchToken,
		"LATTICE_LOG_LEVEL=warn",
	}
}

// benchWorkerEnv configures `lattice worker` against the stack's Temporal
// and sandbox, with the tuning the benchmark was given, if any.
func benchWorkerEnv(st *devstack.Stack) []string {
	c, base := st.Sandbox.Credentials(), st.SandboxURL
	env := []string{
		"TEMPORAL_ADDRESS=" + st.Temporal.FrontendAddr(),
		"TEMPORAL_NAMESPACE=" + st.Temporal.Namespace(),
		"LATTICE_LOG_LEVEL=warn",
		"EQUINIX_BASE_URL=" + base + "/equinix",
		"EQUINIX_CLIENT_ID=" + c.EquinixClientID,
		"EQUINIX_CLIENT_SECRET=" + c.EquinixClientSecret,
		"ZOHO_BASE_URL=" + base + "/zoho/inventory/v1",
		"ZOHO_ACCOUNTS_URL=" + base + "/zoho/accounts",
		"ZOHO_ORGANIZATION_ID=" + c.ZohoOrganizationID,
		"ZOHO_CLIENT_ID=" + c.ZohoClientID,
		"ZOHO_CLIENT_SECRET=" + c.ZohoClientSecret,
		"ZOHO_REFRESH_TOKEN=" + c.ZohoRefreshToken,
		"NETSUITE_ACCOUNT_URL=" + base + "/netsuite",
		"NETSUITE_ACCOUNT_ID=" + c.NetSuiteAccountID,
		"NETSUITE_CLIENT_ID=" + c.NetSuiteClientID,
		"NETSUITE_CERTIFICATE_ID=" + c.NetSuiteCertificateID,
		"NETSUITE_PRIVATE_KEY=" + c.NetSuitePrivateKeyPEM,
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LATTICE_WORKER_") {
			env = append(env, kv)
		}
	}
	return env
}

// benchProc is a lattice process started by a benchmark.
type benchProc struct {
	cmd    *exec.Cmd
	url    string
	logs   string
	exited chan struct{}
}

// benchStart starts `lattice <command>` with env alone, on a free
// loopback port, and waits until it answers /healthz.
func benchStart(b *testing.B, bin, command string, env []string) *benchProc {
	b.Helper()
	addr := benchFreeAddr(b)
	p := &benchProc{
		url:    "http://" + addr,
		logs:   filepath.Join(b.TempDir(), command+".log"),
		exited: make(chan struct{}),
	}
	logs, err := os.Create(p.logs)
	if err != nil {
		b.Fatal(err)
	}
	defer logs.Close()

	p.cmd = exec.Command(bin, command)
	p.cmd.Env = append(env, "LATTICE_LISTEN="+addr)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	if err := p.cmd.Start(); err != nil {
		b.Fatalf("start lattice %s: %v", command, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	b.Cleanup(func() { p.stop(b) })

	deadline := time.Now().Add(30 * time.Second)
	for !p.healthy() {
		if time.Now().After(deadline) || p.hasExited() {
			b.Fatalf("lattice %s not healthy after 30s:\n%s", command, p.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

func benchFreeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (p *benchProc) healthy() bool {
	resp, err := http.Get(p.url + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// mib reads one memory figure of the process from /proc, in MiB.
func (p *benchProc) mib(b *testing.B, field string) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read process memory (Linux /proc only): %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		if err != nil {
			b.Fatalf("read %s: %v", field, err)
		}
		return float64(kb) / 1024
	}
	b.Fatalf("no %s in /proc/%d/status", field, p.cmd.Process.Pid)
	return 0
}

// stop ends the process as a platform would, with SIGTERM, and kills it
// if it has not stopped within 30 s.
func (p *benchProc) stop(b *testing.B) {
	if p.hasExited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		b.Errorf("%s did not stop within 30s of SIGTERM:\n%s", p.cmd.Args[1], p.tail())
	}
}

func (p *benchProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// tail is the end of the process's log, for a failure message.
func (p *benchProc) tail() string {
	b, _ := os.ReadFile(p.logs)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// benchLoad runs lattice-load against the API for a burst of
// benchBurstSize cancels from benchRSSClients clients, fails the
// benchmark unless every cancel was accepted and every transaction
// ended, and returns the cancels accepted a second.
func benchLoad(b *testing.B, bin, apiURL, sandboxURL string) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"-api", apiURL, "-sandbox", sandboxURL,
		"-clients", strconv.Itoa(benchRSSClients), "-count", strconv.Itoa(benchBurstSize),
		"-settle", "3m", "-json")
	cmd.Env = []string{"LATTICE_API_TOKEN=" + benchToken}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("lattice-load: %v\n%s\n%s", err, stderr.String(), out)
	}

	var sum struct {
		Accepted  int            `json:"accepted"`
		PerSecond float64        `json:"accepted_per_s"`
		Final     map[string]int `json:"final"`
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		b.Fatalf("read lattice-load summary: %v\n%s", err, out)
	}
	if sum.Accepted != benchBurstSize || sum.Final["completed"] != benchBurstSize {
		b.Fatalf("lattice-load: want %d accepted and completed:\n%s", benchBurstSize, out)
	}
	return sum.PerSecond
}
