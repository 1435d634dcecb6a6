package telemetry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/lattice/lattice/vendors"
)

// call sends one request through the vendor client, inside a span of
// its own, named as vendor call c when c is not empty.
func call(t *testing.T, tel *Telemetry, c vendors.Call, url string) (*http.Response, trace.SpanContext, error) {
	t.Helper()
	ctx, parent := tel.TracerProvider().Tracer("test").Start(context.Background(), "activity")
	defer parent.End()
	if c != (vendors.Call{}) {
		ctx = vendors.WithCall(ctx, c)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	require.NoError(t, err)
	resp, err := tel.VendorClient().Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, parent.SpanContext(), err
}

func TestVendorTransportTracesAndPropagates(t *testing.T) {
	tel, spans := newTestTelemetry(t)
	var gotTraceparent, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotTraceparent = r.Header.Get("traceparent")
		gotQuery = r.URL.RawQuery
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	c := vendors.Call{Vendor: vendors.Zoho, Op: "token"}
	resp, parent, err := call(t, tel, c, srv.URL+"/oauth/v2/token?client_secret=s3cret&refresh_token=r3fresh")
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	s := spanNamed(t, spans, "POST zoho token")
	assert.Equal(t, trace.SpanKindClient, s.SpanKind)
	assert.Equal(t, parent.TraceID(), s.SpanContext.TraceID())
	assert.Equal(t, parent.SpanID(), s.Parent.SpanID())
	assert.Equal(t, "zoho", attr(s, "lattice.vendor"))
	assert.Equal(t, "token", attr(s, "lattice.operation"))
	assert.Equal(t, "202", attr(s, "http.response.status_code"))

	// The vendor gets the query and the span's trace context; the span
	// never holds the query's secrets.
	assert.Equal(t, "client_secret=s3cret&refresh_token=r3fresh", gotQuery)
	assert.Contains(t, gotTraceparent, s.SpanContext.SpanID().String())
	assert.Equal(t, srv.URL+"/oauth/v2/token", attr(s, "url.full"))
	for _, a := range s.Attributes {
		assert.NotContains(t, a.Value.Emit(), "s3cret", "attribute %s", a.Key)
		assert.NotContains(t, a.Value.Emit(), "r3fresh", "attribute %s", a.Key)
	}
}

func TestVendorTransportCountsCalls(t *testing.T) {
	tel, _ := newTestTelemetry(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	cancel := vendors.Call{Vendor: vendors.Equinix, Op: "cancel"}
	call(t, tel, cancel, srv.URL)
	call(t, tel, cancel, srv.URL)
	call(t, tel, vendors.Call{}, srv.URL)

	// A port nothing listens on: the call gets no response.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	l.Close()
	_, _, err = call(t, tel, cancel, closed)
	require.Error(t, err)

	labels := map[string]string{"vendor": "equinix", "operation": "cancel", "status": "503"}
	assert.Equal(t, 2.0, sampleValue(t, tel, "lattice_vendor_calls_total", labels))
	assert.Equal(t, 2.0, sampleValue(t, tel, "lattice_vendor_call_duration_seconds", labels))

	unknown := map[string]string{"vendor": "unknown", "operation": "unknown", "status": "503"}
	assert.Equal(t, 1.0, sampleValue(t, tel, "lattice_vendor_calls_total", unknown))

	failed := map[string]string{"vendor": "equinix", "operation": "cancel", "status": "error"}
	assert.Equal(t, 1.0, sampleValue(t, tel, "lattice_vendor_calls_total", failed))
}
