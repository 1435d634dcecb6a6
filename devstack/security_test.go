package devstack_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/lattice/lattice/codec"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/devstack"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/telemetry"
	"github.com/lattice/lattice/workflows"
)

// secStack is a dev stack of its own, so the shared one keeps its
// credentials, its openness and its payloads in clear.
type secStack struct {
	*devstack.Stack
	token string
	spans *tracetest.InMemoryExporter
	logs  *lockedBuffer
}

// lockedBuffer collects log lines written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSecStack starts a stack with cfg's security settings on top of the
// tests' usual short timings, logging at debug level into a buffer and
// tracing into memory.
func startSecStack(t *testing.T, cfg devstack.Config) *secStack {
	t.Helper()
	s := &secStack{spans: tracetest.NewInMemoryExporter(), logs: &lockedBuffer{}}
	if len(cfg.APITokens) > 0 {
		s.token = cfg.APITokens[0]
	}

	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tel, err := telemetry.New(context.Background(), telemetry.Options{
		Service: "lattice-security-test", SpanExporter: s.spans, Logger: logger,
	})
	require.NoError(t, err)

	base := testConfig()
	cfg.Listen, cfg.Temporal, cfg.Sandbox = base.Listen, base.Temporal, base.Sandbox
	cfg.Ephemeral, cfg.TemporalLogLevel = true, "none"
	cfg.ConfirmDelay, cfg.Settings = base.ConfirmDelay, base.Settings
	cfg.Logger, cfg.Telemetry = logger, tel

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.Stack, err = devstack.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		s.Close(context.Background())
		tel.Shutdown(context.Background())
	})
	return s
}

// call sends a request to the stack's API, with its token when withToken.
func (s *secStack) call(t *testing.T, method, path string, body []byte, withToken bool) response {
	t.Helper()
	req, err := http.NewRequest(method, s.APIURL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if withToken && s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// cancel starts a cancel and waits for want; it returns the transaction
// and every API answer it read on the way.
func (s *secStack) cancel(t *testing.T, body []byte, want crossconnect.State) (crossconnect.Transaction, []byte) {
	t.Helper()
	resp := s.call(t, http.MethodPost, cancelPath, body, true)
	require.Equal(t, http.StatusCreated, resp.Status, "body: %s", resp.Body)
	var started struct {
		ID string `json:"lattice_transaction_id"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &started))
	answers := append([]byte(nil), resp.Body...)

	var tx crossconnect.Transaction
	require.Eventually(t, func() bool {
		got := s.call(t, http.MethodGet, "/v1/accounting/crossconnect/transactions/"+started.ID, nil, true)
		answers = append(answers, got.Body...)
		if got.Status != http.StatusOK {
			return false
		}
		require.NoError(t, json.Unmarshal(got.Body, &tx))
		return tx.State == want
	}, 30*time.Second, 100*time.Millisecond, "transaction %s never reached %s: %+v",
		started.ID, want, &tx)
	return tx, answers
}

// history is every event of a transaction's workflow, as JSON.
func (s *secStack) history(t *testing.T, id string) []any {
	t.Helper()
	it := s.Client.GetWorkflowHistory(context.Background(), id, "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []any
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		b, err := protojson.Marshal(e)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		events = append(events, m)
	}
	require.NotEmpty(t, events)
	return events
}

// markerCredentials are sandbox credentials no other test uses, with a
// freshly made NetSuite key, so finding one of them anywhere is a leak.
func markerCredentials(t *testing.T) (sandbox.Credentials, []string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	creds := sandbox.Credentials{
		EquinixClientID:       "marker-equinix-client-id-5c1d",
		EquinixClientSecret:   "marker-equinix-client-secret-9a2f",
		ZohoClientID:          "1000.MARKERZOHOCLIENT7E3B",
		ZohoClientSecret:      "marker-zoho-client-secret-44d0",
		ZohoRefreshToken:      "1000.marker-zoho-refresh-token-b81e",
		ZohoOrganizationID:    "77665544",
		NetSuiteAccountID:     "7654321_SB2",
		NetSuiteClientID:      "marker-netsuite-client-id-0f6a",
		NetSuiteCertificateID: "marker-netsuite-certificate-d27c",
		NetSuitePrivateKeyPEM: keyPEM,
	}
	markers := []string{
		creds.EquinixClientID, creds.EquinixClientSecret,
		creds.ZohoClientID, creds.ZohoClientSecret, creds.ZohoRefreshToken,
		creds.NetSuiteClientID, creds.NetSuiteCertificateID,
	}
	for line := range strings.SplitSeq(keyPEM, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			markers = append(markers, line)
		}
	}
	return creds, markers
}

// TestVendorCredentialsLeakNowhere runs a transaction from each source to
// completed, through token failures that are retried, with vendor
// credentials set to unique markers, then looks for the markers in the
// workflow histories, the logs, the spans, /metrics and every API answer.
func TestVendorCredentialsLeakNowhere(t *testing.T) {
	creds, markers := markerCredentials(t)
	const token = "security-test-token-0123456789abcdef"
	s := startSecStack(t, devstack.Config{
		SandboxCredentials: creds,
		APITokens:          []string{token},
	})
	markers = append(markers, token)

	// Token calls that fail and are retried put errors in the logs and
	// spans: where a credential in a URL or a body would surface.
	for _, f := range []sandbox.Fault{
		{Vendor: "zoho", Operation: "token", Mode: sandbox.ModeDrop},
		{Vendor: "equinix", Operation: "token", Mode: sandbox.ModeDrop},
		{Vendor: "netsuite", Operation: "token", Status: http.StatusServiceUnavailable},
	} {
		require.NoError(t, s.Sandbox.AddFault(f))
	}

	// Without the token nothing starts.
	zoh, err := s.Sandbox.Fixtures("ZOH", 1)
	require.NoError(t, err)
	refused := s.call(t, http.MethodPost, cancelPath, zoh[0], false)
	require.Equal(t, http.StatusUnauthorized, refused.Status)
	require.Equal(t, 1, strings.Count(refused.Header.Get("WWW-Authenticate"), "Bearer"))

	ons, err := s.Sandbox.Fixtures("ONS", 1)
	require.NoError(t, err)
	zohTx, zohAnswers := s.cancel(t, zoh[0], crossconnect.StateCompleted)
	onsTx, onsAnswers := s.cancel(t, ons[0], crossconnect.StateCompleted)
	for _, vendor := range []string{"zoho", "equinix", "netsuite"} {
		require.GreaterOrEqual(t, s.Sandbox.Calls(vendor, "token"), 2, "%s token retried", vendor)
	}

	metrics := s.call(t, http.MethodGet, "/metrics", nil, true)
	require.Equal(t, http.StatusOK, metrics.Status)
	require.Contains(t, string(metrics.Body), "lattice_")
	require.Equal(t, http.StatusUnauthorized, s.call(t, http.MethodGet, "/metrics", nil, false).Status)

	places := map[string]string{
		"history of the Zoho transaction":     texts(s.history(t, zohTx.ID)),
		"history of the NetSuite transaction": texts(s.history(t, onsTx.ID)),
		"logs":                                s.logs.String(),
		"spans":                               fmt.Sprintf("%+v", s.spans.GetSpans()),
		"/metrics":                            string(metrics.Body),
		"API answers":                         string(refused.Body) + string(zohAnswers) + string(onsAnswers),
	}
	require.NotEmpty(t, s.spans.GetSpans())
	require.Contains(t, places["logs"], zohTx.ID, "the logs were captured")
	require.Contains(t, places["history of the Zoho transaction"], zohTx.IAID,
		"payloads are read in clear")
	for where, text := range places {
		for _, m := range markers {
			require.NotContains(t, text, m, "a credential is in the %s", where)
		}
	}
}

// stripped drops the parts of history events Temporal must be able to
// read: search attributes, which it indexes, and headers, which carry the
// trace context.
func stripped(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if k != "searchAttributes" && k != "header" {
				out[k] = stripped(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = stripped(e)
		}
		return out
	}
	return v
}

// withGenericField returns a cancel request with one more field in
// qcl_generic_data, which the transaction keeps.
func withGenericField(t *testing.T, body []byte, key, value string) []byte {
	t.Helper()
	var req map[string]any
	require.NoError(t, json.Unmarshal(body, &req))
	req["qcl_generic_data"].(map[string]any)[key] = value
	b, err := json.Marshal(req)
	require.NoError(t, err)
	return b
}

// TestEncryptedHistory turns payload encryption on: a completed and a
// failed transaction leave no request field and no failure message in
// clear in the history, the API still reads them, and the codec endpoint
// the Temporal UI calls decrypts them.
func TestEncryptedHistory(t *testing.T) {
	c, err := codec.New(codec.Key{ID: "test-2026", Secret: bytes.Repeat([]byte{7}, codec.KeySize)})
	require.NoError(t, err)
	s := startSecStack(t, devstack.Config{PayloadCodec: c})

	const user = "encryption-marker-user-31c9"
	fixtures, err := s.Sandbox.Fixtures("ZOH", 1)
	require.NoError(t, err)
	done, _ := s.cancel(t, withGenericField(t, fixtures[0], "lattice_username", user),
		crossconnect.StateCompleted)
	require.JSONEq(t, `"`+user+`"`, string(done.GenericData["lattice_username"]),
		"the API decrypts what it shows")

	// An adjustment Zoho does not have fails validation, and the failure
	// names it.
	const missingIA = "4182712999999999999"
	missing := []byte(strings.Replace(string(fixtures[0]), done.IAID, missingIA, 1))
	failed, _ := s.cancel(t, missing, crossconnect.StateFailed)
	require.Contains(t, failed.Reason, "does not exist")

	for _, tx := range []crossconnect.Transaction{done, failed} {
		clear := texts(stripped(s.history(t, tx.ID)))
		for _, plain := range []string{
			user, tx.IAID, tx.Items[0].ID, `"ia_id"`, "json/plain", "does not exist",
		} {
			require.NotContains(t, clear, plain, "history of %s", tx.ID)
		}
		require.Contains(t, clear, codec.Encoding)
	}
	// The validation failure is in the history, with its message sealed.
	require.Contains(t, texts(stripped(s.history(t, failed.ID))), "Encoded failure")

	// The codec endpoint opens the start event's input, also once a new
	// key has been put in front of the one that sealed it.
	input := startInput(t, s.Client, done.ID)
	require.Equal(t, codec.Encoding, string(input.Metadata["encoding"]))
	rotated, err := codec.New(
		codec.Key{ID: "test-2027", Secret: bytes.Repeat([]byte{8}, codec.KeySize)},
		codec.Key{ID: "test-2026", Secret: bytes.Repeat([]byte{7}, codec.KeySize)},
	)
	require.NoError(t, err)
	srv := httptest.NewServer(codec.NewHandler(rotated, []string{"http://localhost:8233"}))
	defer srv.Close()

	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{input}})
	require.NoError(t, err)
	resp, err := http.Post(srv.URL+"/decode", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &decoded))
	require.Len(t, decoded.Payloads, 1)

	var in workflows.Input
	require.NoError(t, json.Unmarshal(decoded.Payloads[0].Data, &in))
	require.Equal(t, done.IAID, in.Request.IAID)
	require.JSONEq(t, `"`+user+`"`, string(in.Request.GenericData["lattice_username"]))
}

// texts is every string in v, and what each that is base64 decodes to:
// protojson shows a payload's bytes in base64.
func texts(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			b.WriteString(v + "\n")
			if raw, err := base64.StdEncoding.DecodeString(v); err == nil {
				b.Write(raw)
				b.WriteString("\n")
			}
		}
	}
	walk(v)
	return b.String()
}

// startInput is the encoded input of a transaction's first run.
func startInput(t *testing.T, c client.Client, id string) *commonpb.Payload {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	require.True(t, it.HasNext())
	first, err := it.Next()
	require.NoError(t, err)
	payloads := first.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	require.Len(t, payloads, 1)
	return payloads[0]
}
