package devstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/telemetry"
)

// spans and logs hold what the shared stack traces and logs.
var (
	spans = tracetest.NewInMemoryExporter()
	logs  = &logCapture{}
)

// testTelemetry sends the stack's spans to the in-memory exporter.
func testTelemetry() *telemetry.Telemetry {
	tel, err := telemetry.New(context.Background(), telemetry.Options{
		Service:      "lattice-test",
		SpanExporter: spans,
	})
	if err != nil {
		panic("set up test telemetry: " + err.Error())
	}
	return tel
}

// logCapture keeps every line the stack logs. The JSON handler writes
// each record in one call.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// logLine is one captured line, raw and decoded.
type logLine struct {
	raw   string
	attrs map[string]any
}

func (c *logCapture) lines(t *testing.T) []logLine {
	t.Helper()
	c.mu.Lock()
	text := c.buf.String()
	c.mu.Unlock()

	var out []logLine
	for raw := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		var attrs map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &attrs), "log line %s", raw)
		out = append(out, logLine{raw: raw, attrs: attrs})
	}
	return out
}

// obsCase is a fresh fixture's cancel, run to completion.
type obsCase struct {
	id   string
	iaID string
	tx   crossconnect.Transaction
}

// completeFixture cancels a fresh fixture at source, sending traceparent
// when it is not empty, and waits until the transaction completes.
func completeFixture(t *testing.T, source, traceparent string) obsCase {
	t.Helper()
	body := fixture(t, source)
	req, err := crossconnect.Decode(body)
	require.NoError(t, err)

	r, err := http.NewRequest(http.MethodPost, stack.APIURL+cancelPath, bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/json")
	if traceparent != "" {
		r.Header.Set("traceparent", traceparent)
	}
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	id := crossconnect.TransactionID(req)
	tx := awaitState(t, id, crossconnect.StateCompleted, 15*time.Second)
	return obsCase{id: id, iaID: req.IAID, tx: tx}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// traceOf waits until the trace holds the workflow's span, which ends
// when the workflow returns, a moment after the transaction reads
// completed, and returns the trace's spans.
func traceOf(t *testing.T, traceID string) []tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	require.Eventually(t, func() bool {
		found = found[:0]
		done := false
		for _, s := range spans.GetSpans() {
			if s.SpanContext.TraceID().String() == traceID {
				found = append(found, s)
				done = done || s.Name == "RunWorkflow:CancelCrossConnect"
			}
		}
		return done
	}, 5*time.Second, 50*time.Millisecond, "the workflow's span never ended")
	return found
}

func TestOneTraceFromRequestToVendorCalls(t *testing.T) {
	traceID, parentID := randomHex(t, 16), randomHex(t, 8)
	c := completeFixture(t, "ZOH", "00-"+traceID+"-"+parentID+"-01")

	tr := traceOf(t, traceID)
	byID := map[string]tracetest.SpanStub{}
	for _, s := range tr {
		byID[s.SpanContext.SpanID().String()] = s
	}
	parentOf := func(s tracetest.SpanStub) tracetest.SpanStub {
		return byID[s.Parent.SpanID().String()]
	}
	one := func(name string) tracetest.SpanStub {
		t.Helper()
		var got []tracetest.SpanStub
		for _, s := range tr {
			if s.Name == name {
				got = append(got, s)
			}
		}
		require.Len(t, got, 1, "spans named %q", name)
		return got[0]
	}

	// The request's span is the caller's child; StartWorkflow is the
	// request's, and the workflow run is StartWorkflow's.
	server := one("POST " + cancelPath)
	assert.Equal(t, parentID, server.Parent.SpanID().String())
	assert.True(t, server.Parent.IsRemote())
	start := one("StartWorkflow:CancelCrossConnect")
	assert.Equal(t, server.SpanContext.SpanID(), start.Parent.SpanID())
	assert.Equal(t, c.id, attrOf(server, "lattice.transaction_id"))

	// A worker that rebuilds the workflow from its history (after its
	// cache dropped it) runs the workflow function again, and the SDK's
	// interceptor gives that run a span of its own, in the same trace.
	runs := map[trace.SpanID]bool{}
	for _, s := range tr {
		if s.Name == "RunWorkflow:CancelCrossConnect" {
			runs[s.SpanContext.SpanID()] = true
			assert.Equal(t, start.SpanContext.SpanID(), s.Parent.SpanID())
			assert.Equal(t, c.id, attrOf(s, "lattice.transaction_id"))
			assert.Equal(t, c.iaID, attrOf(s, "lattice.ia_id"))
		}
	}
	require.NotEmpty(t, runs)

	// Each activity runs under its start, scheduled by the workflow.
	activities := map[string]bool{}
	for _, s := range tr {
		if name, ok := strings.CutPrefix(s.Name, "RunActivity:"); ok {
			activities[name] = true
			scheduled := parentOf(s)
			assert.Equal(t, "StartActivity:"+name, scheduled.Name)
			assert.True(t, runs[scheduled.Parent.SpanID()], "activity %s outside the run", name)
		}
	}
	for _, name := range []string{"FetchAdjustment", "ResolveOrder", "SetNote", "CancelLine", "CheckOrder"} {
		assert.True(t, activities[name], "no span of activity %s in %v", name, activities)
	}

	// Each vendor call is a client span under the activity that made it.
	calls := map[string]bool{}
	for _, s := range tr {
		vendor, op := attrOf(s, "lattice.vendor"), attrOf(s, "lattice.operation")
		if vendor == "" {
			continue
		}
		assert.Equal(t, trace.SpanKindClient, s.SpanKind)
		calls[vendor+" "+op] = true
		assert.True(t, strings.HasPrefix(parentOf(s).Name, "RunActivity:"),
			"vendor call %s %s under %q", vendor, op, parentOf(s).Name)
	}
	for _, call := range []string{"zoho get_adjustment", "zoho update_adjustment", "equinix cancel"} {
		assert.True(t, calls[call], "no span of vendor call %s in %v", call, calls)
	}

	// No part of the run went to another trace. Queries of the
	// transaction are other requests, with traces of their own.
	for _, s := range spans.GetSpans() {
		if attrOf(s, "temporalWorkflowID") == c.id && !strings.Contains(s.Name, "Query") {
			assert.Equal(t, traceID, s.SpanContext.TraceID().String(), "span %s", s.Name)
		}
	}
}

func attrOf(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func TestSpansHoldNoVendorSecret(t *testing.T) {
	completeFixture(t, "ZOH", "")
	completeFixture(t, "ONS", "")

	// The process's first Zoho call fetched a token, with the refresh
	// token and client secret in the URL's query.
	all := spans.GetSpans()
	assert.True(t, slices.ContainsFunc(all, func(s tracetest.SpanStub) bool {
		return attrOf(s, "lattice.vendor") == "zoho" && attrOf(s, "lattice.operation") == "token"
	}), "no span of a Zoho token request")
	for _, s := range all {
		for _, a := range s.Attributes {
			for _, secret := range vendorSecrets() {
				require.NotContains(t, a.Value.Emit(), secret,
					"span %s attribute %s", s.Name, a.Key)
			}
		}
	}
}

// vendorSecrets are the credentials in the sandbox's vendor configuration
// that must appear in no log line and no span: the client secrets, the
// refresh token, and each line of the NetSuite signing key.
func vendorSecrets() []string {
	creds := stack.Sandbox.Credentials()
	out := []string{creds.EquinixClientSecret, creds.ZohoClientSecret, creds.ZohoRefreshToken}
	for line := range strings.SplitSeq(creds.NetSuitePrivateKeyPEM, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}

func TestLogsNameTheTransactionAndHoldNoSecret(t *testing.T) {
	c := completeFixture(t, "ZOH", "")
	require.Len(t, c.tx.Items, 1)
	orderID, lineID := c.tx.OrderID, c.tx.Items[0].LineID
	require.NotEmpty(t, orderID)
	require.NotEmpty(t, lineID)

	// The workflow's last lines are written as it returns, a moment
	// after the transaction reads completed.
	require.Eventually(t, func() bool {
		for _, l := range logs.lines(t) {
			if l.attrs["transaction_id"] == c.id && l.attrs["state"] == "completed" {
				return true
			}
		}
		return false
	}, 5*time.Second, 50*time.Millisecond)

	perComponent := map[string]int{}
	requests := 0
	for _, l := range logs.lines(t) {
		for _, secret := range vendorSecrets() {
			require.NotContains(t, l.raw, secret, "a vendor secret in a log line")
		}
		require.NotContains(t, l.raw, "Bearer ")

		// The sandbox stands in for the vendors, which know no
		// transaction; every line of Lattice's that names one of this
		// transaction's records names the transaction.
		if l.attrs["component"] == "sandbox" || !mentions(l.raw, c.id, c.iaID, orderID, lineID) {
			continue
		}
		assert.Equal(t, c.id, l.attrs["transaction_id"], "line %s", l.raw)
		perComponent[l.attrs["component"].(string)]++
		if l.attrs["msg"] == "Request served" && l.attrs["method"] == "POST" {
			requests++
		}
	}

	// The HTTP layer, the workflow (through the Temporal client's
	// logger) and the activities all wrote about it; the cancel request
	// got one line.
	assert.Positive(t, perComponent["api"], "lines by component: %v", perComponent)
	assert.Positive(t, perComponent["temporal-client"], "lines by component: %v", perComponent)
	assert.Positive(t, perComponent["worker"], "lines by component: %v", perComponent)
	assert.Equal(t, 1, requests)
}

func mentions(s string, values ...string) bool {
	for _, v := range values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// scrape reads the API's /metrics.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp := do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/plain")

	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(resp.Body))
	require.NoError(t, err)
	return families
}

// sample is the value of the series of family name whose labels include
// want: a counter's count, a histogram's sample count; zero when absent.
func sample(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := families[name]
	if !ok {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if !includes(got, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func includes(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestMetricsCountRequestsTransactionsAndVendorCalls(t *testing.T) {
	series := []struct {
		name   string
		labels map[string]string
	}{
		{"lattice_http_requests_total",
			map[string]string{"route": cancelPath, "method": "POST", "status": "201"}},
		{"lattice_http_request_duration_seconds",
			map[string]string{"route": cancelPath, "method": "POST", "status": "201"}},
		{"lattice_transactions_started_total",
			map[string]string{"source": "ZOH", "destination": "EQX"}},
		{"lattice_transactions_finished_total",
			map[string]string{"source": "ZOH", "destination": "EQX", "outcome": "completed"}},
		{"lattice_vendor_calls_total",
			map[string]string{"vendor": "zoho", "operation": "get_adjustment", "status": "200"}},
		{"lattice_vendor_calls_total",
			map[string]string{"vendor": "equinix", "operation": "cancel", "status": "202"}},
		{"lattice_vendor_call_duration_seconds",
			map[string]string{"vendor": "equinix", "operation": "cancel", "status": "202"}},
		{"temporal_workflow_completed_total",
			map[string]string{"workflow_type": "CancelCrossConnect"}},
	}
	before := scrape(t)

	c := completeFixture(t, "ZOH", "")

	// The finished count is recorded as the workflow returns, a moment
	// after the transaction reads completed.
	var after map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		after = scrape(t)
		for _, s := range series {
			if sample(after, s.name, s.labels) <= sample(before, s.name, s.labels) {
				return false
			}
		}
		return true
	}, 5*time.Second, 100*time.Millisecond, "a series did not grow")

	for _, s := range series {
		assert.Greater(t, sample(after, s.name, s.labels), sample(before, s.name, s.labels),
			"%s%v", s.name, s.labels)
	}

	// Routes are templates: no series carries a transaction id.
	for _, m := range after["lattice_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			assert.NotContains(t, l.GetValue(), c.id)
		}
	}
}
