package starter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/internal/casefile"
	"github.com/lattice/lattice/starter"
	"github.com/lattice/lattice/workflows"
)

// fakeTemporal stands in for the Temporal client. It records the workflow
// starts asked of it and answers them with err; any other call panics on
// the nil embedded client, since no test here expects one.
type fakeTemporal struct {
	client.Client

	mu     sync.Mutex
	starts []client.StartWorkflowOptions
	err    error
}

func (f *fakeTemporal) ExecuteWorkflow(
	_ context.Context, opts client.StartWorkflowOptions, _ any, _ ...any,
) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()

	f.starts = append(f.starts, opts)
	if f.err != nil {
		return nil, f.err
	}
	return fakeRun{id: opts.ID}, nil
}

// takeStarts returns the starts recorded so far and forgets them.
func (f *fakeTemporal) takeStarts() []client.StartWorkflowOptions {
	f.mu.Lock()
	defer f.mu.Unlock()

	s := f.starts
	f.starts = nil
	return s
}

type fakeRun struct {
	client.WorkflowRun
	id string
}

func (r fakeRun) GetID() string    { return r.id }
func (r fakeRun) GetRunID() string { return "run-1" }

// serveAPI serves the API over a real loopback server, so bodies go
// through net/http's own framing, chunked ones included.
func serveAPI(t *testing.T, c client.Client) *httptest.Server {
	t.Helper()
	api := starter.New(c, starter.Config{StartTimeout: time.Second})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// noRedirects reports a redirect as the answer instead of following it,
// so a test sees it.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func call(t *testing.T, srv *httptest.Server, method, path string, header map[string]string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

const cancelPath = "/v1/accounting/crossconnect/qcl_crossconnect_cancel"

var jsonType = map[string]string{"Content-Type": "application/json"}

// seedExample is the seed's example request as valid JSON.
const seedExample = `{"qcl_generic_data": {"qcl_source_id": "ZOH", "qcl_destination_id": "EQX"},
 "qcl_transaction_data": {"generic_fields": {}, "source_fields": {"qcl_ia_id": "4182712000000183000",
 "qcl_item_details": [{"qcl_cc_inventory_item_id": "4182712000000084077",
 "qcl_cc_inventory_item_name": "Cross Connect"}]}}, "destination_fields": {}}`

// contractCase is one request of the case files and the status it must
// get.
type contractCase struct{ casefile.Case }

func (c contractCase) bytes(t *testing.T) []byte {
	b, err := c.Bytes()
	require.NoError(t, err)
	return b
}

func loadContractCases(t *testing.T) []contractCase {
	all, err := casefile.Load("../testdata")
	require.NoError(t, err)
	cases := make([]contractCase, len(all))
	for i, c := range all {
		cases[i] = contractCase{c}
	}
	return cases
}

// TestCasesWithoutTemporal runs every case against the API with Temporal
// faked: each gets its status and an error body a client can act on, and
// only the accepted ones ask Temporal for anything.
func TestCasesWithoutTemporal(t *testing.T) {
	fake := &fakeTemporal{}
	srv := serveAPI(t, fake)

	for _, c := range loadContractCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			a := call(t, srv, c.Method, c.Path, c.Headers, bytes.NewReader(c.bytes(t)))
			starts := fake.takeStarts()
			require.Equal(t, c.ExpectStatus, a.status, "body: %.300s", a.body)

			if c.ExpectStatus == http.StatusCreated {
				require.Len(t, starts, 1)
				var out map[string]string
				require.NoError(t, json.Unmarshal(a.body, &out))
				assert.Equal(t, starts[0].ID, out["lattice_transaction_id"])
				return
			}
			assert.Empty(t, starts, "a rejected request asked Temporal to start a workflow")
			assertErrorBody(t, c, a)
		})
	}
}

// assertErrorBody checks the previous service's error shape: a list of
// located problems for 422, one sentence otherwise.
func assertErrorBody(t *testing.T, c contractCase, a answer) {
	t.Helper()
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))

	if a.status == http.StatusUnprocessableEntity {
		var out struct {
			Detail []crossconnect.Problem `json:"detail"`
		}
		require.NoError(t, json.Unmarshal(a.body, &out), "%s", a.body)
		want, _ := json.Marshal(c.ExpectLoc)
		for _, p := range out.Detail {
			got, _ := json.Marshal(p.Loc)
			if string(got) == string(want) && (c.ExpectDetailType == "" || p.Type == c.ExpectDetailType) {
				return
			}
		}
		t.Errorf("no problem at %s of type %q in %s", want, c.ExpectDetailType, a.body)
		return
	}

	var out struct {
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(a.body, &out), "%s", a.body)
	assert.NotEmpty(t, out.Detail)
	switch a.status {
	case http.StatusBadRequest:
		if len(bytes.TrimSpace(c.bytes(t))) > 0 {
			assert.Regexp(t, `at line \d+, column \d+$`, out.Detail)
		}
		assert.Less(t, len(out.Detail), 300)
	case http.StatusMethodNotAllowed:
		assert.Equal(t, "POST", a.header.Get("Allow"))
	}
}

func TestCancelStartsTheTransactionWorkflow(t *testing.T) {
	fake := &fakeTemporal{}
	srv := serveAPI(t, fake)

	a := call(t, srv, http.MethodPost, cancelPath, jsonType, strings.NewReader(seedExample))
	require.Equal(t, http.StatusCreated, a.status, "%s", a.body)

	req, err := crossconnect.Decode([]byte(seedExample))
	require.NoError(t, err)
	id := crossconnect.TransactionID(req)
	assert.JSONEq(t, `{"lattice_transaction_id":"`+id+`"}`, string(a.body))
	assert.Equal(t, "/v1/accounting/crossconnect/transactions/"+id, a.header.Get("Location"))

	starts := fake.takeStarts()
	require.Len(t, starts, 1)
	opts := starts[0]
	assert.Equal(t, id, opts.ID)
	assert.Equal(t, workflows.TaskQueue, opts.TaskQueue)
	// A running or completed transaction is never run again; a failed one
	// may be.
	assert.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, opts.WorkflowIDReusePolicy)
	assert.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, opts.WorkflowIDConflictPolicy)
}

func TestMediaTypes(t *testing.T) {
	fake := &fakeTemporal{}
	srv := serveAPI(t, fake)

	for ct, want := range map[string]int{
		"application/json":                  http.StatusCreated,
		"application/json; charset=utf-8":   http.StatusCreated,
		"application/json;charset=UTF-8":    http.StatusCreated,
		"Application/JSON":                  http.StatusCreated,
		"application/json; charset=latin1":  http.StatusUnsupportedMediaType,
		"application/json; charset=utf-16":  http.StatusUnsupportedMediaType,
		"text/plain":                        http.StatusUnsupportedMediaType,
		"application/x-www-form-urlencoded": http.StatusUnsupportedMediaType,
		"application/jsonx":                 http.StatusUnsupportedMediaType,
		"application/merge-patch+json":      http.StatusUnsupportedMediaType,
		"application/json; charset":         http.StatusUnsupportedMediaType,
		"":                                  http.StatusUnsupportedMediaType,
	} {
		a := call(t, srv, http.MethodPost, cancelPath, map[string]string{"Content-Type": ct},
			strings.NewReader(seedExample))
		assert.Equal(t, want, a.status, "Content-Type %q: %s", ct, a.body)
		if want != http.StatusCreated {
			assert.JSONEq(t, `{"detail":"`+detailOf(t, a)+`"}`, string(a.body))
			assert.Contains(t, detailOf(t, a), "application/json")
			assert.Empty(t, fake.takeStarts(), "Content-Type %q", ct)
		}
		fake.takeStarts()
	}
}

func TestMediaTypeAnswersSayWhatToSend(t *testing.T) {
	srv := serveAPI(t, &fakeTemporal{})
	for _, tc := range []struct {
		header map[string]string
		want   string
	}{
		{map[string]string{}, "Content-Type is missing: send application/json"},
		{map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			"Content-Type must be application/json, not text/plain"},
		{map[string]string{"Content-Type": "application/json; charset=latin1"},
			"Content-Type must be application/json in UTF-8"},
		{map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"},
			"Content-Encoding is not supported: send the body uncompressed"},
	} {
		a := call(t, srv, http.MethodPost, cancelPath, tc.header, strings.NewReader(seedExample))
		assert.Equal(t, http.StatusUnsupportedMediaType, a.status)
		assert.Equal(t, tc.want, detailOf(t, a))
	}
}

func detailOf(t *testing.T, a answer) string {
	t.Helper()
	var out struct {
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(a.body, &out), "%s", a.body)
	return out.Detail
}

// paddedExample is the seed's example grown to exactly n bytes by a
// padding field in generic_fields.
func paddedExample(t *testing.T, n int) []byte {
	const marker = `"generic_fields": {}`
	base := strings.Replace(seedExample, marker, `"generic_fields": {"pad": ""}`, 1)
	pad := n - len(base)
	require.Positive(t, pad)
	body := strings.Replace(base, `"pad": ""`, `"pad": "`+strings.Repeat("x", pad)+`"`, 1)
	require.Len(t, body, n)
	return []byte(body)
}

// lengthHidden is a body whose length net/http cannot see, so the client
// sends it chunked, without Content-Length.
type lengthHidden struct{ r io.Reader }

func (l lengthHidden) Read(p []byte) (int, error) { return l.r.Read(p) }

// TestBodyLimit: 1 MiB is read, one byte more is 413, whether the client
// says the length up front or sends the body chunked.
func TestBodyLimit(t *testing.T) {
	fake := &fakeTemporal{}
	api := starter.New(fake, starter.Config{StartTimeout: time.Second})
	var mu sync.Mutex
	var lengths []int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lengths = append(lengths, r.ContentLength)
		mu.Unlock()
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		size    int
		chunked bool
		want    int
	}{
		{crossconnect.MaxBodyBytes, false, http.StatusCreated},
		{crossconnect.MaxBodyBytes, true, http.StatusCreated},
		{crossconnect.MaxBodyBytes + 1, false, http.StatusRequestEntityTooLarge},
		{crossconnect.MaxBodyBytes + 1, true, http.StatusRequestEntityTooLarge},
		{8 * crossconnect.MaxBodyBytes, true, http.StatusRequestEntityTooLarge},
	} {
		var body io.Reader = bytes.NewReader(paddedExample(t, tc.size))
		if tc.chunked {
			body = lengthHidden{body}
		}
		a := call(t, srv, http.MethodPost, cancelPath, jsonType, body)
		assert.Equal(t, tc.want, a.status, "size %d chunked %v: %.200s", tc.size, tc.chunked, a.body)

		mu.Lock()
		got := lengths[len(lengths)-1]
		mu.Unlock()
		if tc.chunked {
			assert.Equal(t, int64(-1), got, "the body was not sent chunked")
		}
		if tc.want == http.StatusRequestEntityTooLarge {
			assert.Equal(t, "request body is over 1 MiB", detailOf(t, a))
			assert.Empty(t, fake.takeStarts())
		}
		fake.takeStarts()
	}
}

// TestDeepNestingAnsweredQuickly: a mebibyte of open brackets is refused
// at the decoder's depth limit, quickly and in a few words.
func TestDeepNestingAnsweredQuickly(t *testing.T) {
	srv := serveAPI(t, &fakeTemporal{})
	prefix := `{"qcl_generic_data":`
	body := prefix + strings.Repeat("[", crossconnect.MaxBodyBytes-len(prefix))

	start := time.Now()
	a := call(t, srv, http.MethodPost, cancelPath, jsonType, strings.NewReader(body))
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Less(t, len(a.body), 300, "%s", a.body)
	assert.Contains(t, detailOf(t, a), "nested more than 32 levels")
}

// TestTemporalUnreachable uses a real client aimed at a loopback port
// nothing listens on: the client is told to come back later, and nothing
// of the failure's internals.
func TestTemporalUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	c, err := client.NewLazyClient(client.Options{HostPort: addr})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	srv := serveAPI(t, c)

	start := time.Now()
	a := call(t, srv, http.MethodPost, cancelPath, jsonType, strings.NewReader(seedExample))
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a.body)
	assert.Equal(t, "5", a.header.Get("Retry-After"))
	assert.JSONEq(t, `{"detail":"Temporal is unavailable; retry later"}`, string(a.body))
}

// TestTemporalErrors maps what the Temporal client may answer: being
// unreachable or busy is 503 with Retry-After, a start that finds its
// workflow already there is the same 201, and anything else is a 500
// that tells the client nothing of its cause.
func TestTemporalErrors(t *testing.T) {
	const secret = "dial 10.0.0.7:7233: password=hunter2"
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"unavailable", serviceerror.NewUnavailable(secret), http.StatusServiceUnavailable},
		{"wrapped unavailable",
			fmt.Errorf("failed reaching server: %w", serviceerror.NewUnavailable(secret)),
			http.StatusServiceUnavailable},
		{"grpc unavailable", status.Error(codes.Unavailable, secret), http.StatusServiceUnavailable},
		{"busy", serviceerror.NewResourceExhausted(0, secret), http.StatusServiceUnavailable},
		{"deadline", fmt.Errorf("start: %w", context.DeadlineExceeded), http.StatusServiceUnavailable},
		{"already started", serviceerror.NewWorkflowExecutionAlreadyStarted(secret, "", "run-0"),
			http.StatusCreated},
		{"internal", serviceerror.NewInternal(secret), http.StatusInternalServerError},
		{"plain bug", errors.New(secret), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveAPI(t, &fakeTemporal{err: tc.err})
			a := call(t, srv, http.MethodPost, cancelPath, jsonType, strings.NewReader(seedExample))
			require.Equal(t, tc.want, a.status, "%s", a.body)
			assert.NotContains(t, string(a.body), "hunter2")
			assert.NotContains(t, string(a.body), "10.0.0.7")

			switch tc.want {
			case http.StatusServiceUnavailable:
				assert.Equal(t, "5", a.header.Get("Retry-After"))
			case http.StatusInternalServerError:
				assert.JSONEq(t, `{"detail":"internal error"}`, string(a.body))
				assert.Empty(t, a.header.Get("Retry-After"))
			}
		})
	}
}

// TestPathsAreNeverRedirected: a path that is not exactly a route is 404
// in the usual error shape. A redirect would do worse: clients follow a
// 301 with a GET, and the cancel would be lost.
func TestPathsAreNeverRedirected(t *testing.T) {
	fake := &fakeTemporal{}
	srv := serveAPI(t, fake)

	for _, path := range []string{
		cancelPath + "/",
		"/" + cancelPath,
		"/v1/accounting/./crossconnect/qcl_crossconnect_cancel",
		"/v1/accounting/crossconnect/x/../qcl_crossconnect_cancel",
		"/v1/accounting/crossconnect/qcl_crossconnect_cancel.json",
		"/v2/accounting/crossconnect/qcl_crossconnect_cancel",
		"/",
	} {
		a := call(t, srv, http.MethodPost, path, jsonType, strings.NewReader(seedExample))
		assert.Equal(t, http.StatusNotFound, a.status, path)
		assert.Empty(t, a.header.Get("Location"), path)
		assert.Equal(t, "application/json", a.header.Get("Content-Type"), path)
		assert.JSONEq(t, `{"detail":"no such route"}`, string(a.body), path)
	}
	assert.Empty(t, fake.takeStarts())

	a := call(t, srv, http.MethodPost, "/api"+cancelPath, jsonType, strings.NewReader(seedExample))
	assert.Equal(t, http.StatusCreated, a.status, "%s", a.body)
}

func TestOtherMethodsOnTheCancel(t *testing.T) {
	fake := &fakeTemporal{}
	srv := serveAPI(t, fake)

	for _, m := range []string{"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		a := call(t, srv, m, cancelPath, jsonType, strings.NewReader(seedExample))
		assert.Equal(t, http.StatusMethodNotAllowed, a.status, m)
		assert.Equal(t, "POST", a.header.Get("Allow"), m)
		if m != "HEAD" {
			assert.JSONEq(t, `{"detail":"method `+m+` not allowed; use POST"}`, string(a.body))
		}
	}
	assert.Empty(t, fake.takeStarts())
}
