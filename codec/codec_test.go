package codec_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/lattice/lattice/codec"
)

func key(id string, fill byte) codec.Key {
	return codec.Key{ID: id, Secret: bytes.Repeat([]byte{fill}, codec.KeySize)}
}

func newCodec(t *testing.T, keys ...codec.Key) *codec.Codec {
	t.Helper()
	c, err := codec.New(keys...)
	require.NoError(t, err)
	return c
}

type request struct {
	IAID  string `json:"ia_id"`
	Items int    `json:"items"`
}

const plainIAID = "4182712000000183000"

func TestRoundTripHidesPlaintext(t *testing.T) {
	dc := newCodec(t, key("k1", 1)).DataConverter()

	p, err := dc.ToPayload(request{IAID: plainIAID, Items: 2})
	require.NoError(t, err)
	require.Equal(t, codec.Encoding, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[codec.MetadataKeyID]))
	require.NotContains(t, string(p.Data), plainIAID)
	require.NotContains(t, string(p.Data), "json/plain")

	var got request
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, request{IAID: plainIAID, Items: 2}, got)
}

func TestEachPayloadGetsItsOwnNonce(t *testing.T) {
	dc := newCodec(t, key("k1", 1)).DataConverter()

	a, err := dc.ToPayload("same")
	require.NoError(t, err)
	b, err := dc.ToPayload("same")
	require.NoError(t, err)
	require.NotEqual(t, a.Data, b.Data)
}

func TestRotationKeepsOldPayloadsReadable(t *testing.T) {
	old := newCodec(t, key("2025-01", 1)).DataConverter()
	sealed, err := old.ToPayload(request{IAID: plainIAID})
	require.NoError(t, err)

	// The new key goes first and encrypts; the old one stays to decrypt.
	rotated := newCodec(t, key("2026-01", 2), key("2025-01", 1))
	var got request
	require.NoError(t, rotated.DataConverter().FromPayload(sealed, &got))
	require.Equal(t, plainIAID, got.IAID)

	fresh, err := rotated.DataConverter().ToPayload("x")
	require.NoError(t, err)
	require.Equal(t, "2026-01", string(fresh.Metadata[codec.MetadataKeyID]))
}

func TestDecodeRefuses(t *testing.T) {
	c := newCodec(t, key("k1", 1))
	sealed, err := c.Encode([]*commonpb.Payload{{Data: []byte("secret")}})
	require.NoError(t, err)

	cases := map[string]func(p *commonpb.Payload){
		"unknown key id": func(p *commonpb.Payload) {
			p.Metadata[codec.MetadataKeyID] = []byte("k9")
		},
		"key id swapped for another known key": func(p *commonpb.Payload) {
			p.Metadata[codec.MetadataKeyID] = []byte("k2")
		},
		"flipped ciphertext bit": func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 },
		"truncated":              func(p *commonpb.Payload) { p.Data = p.Data[:5] },
	}
	both := newCodec(t, key("k1", 1), key("k2", 2))
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			p := cloneWithMetadata(sealed[0])
			spoil(p)
			_, err := both.Decode([]*commonpb.Payload{p})
			require.Error(t, err)
		})
	}
}

func cloneWithMetadata(p *commonpb.Payload) *commonpb.Payload {
	md := map[string][]byte{}
	for k, v := range p.Metadata {
		md[k] = bytes.Clone(v)
	}
	return &commonpb.Payload{Metadata: md, Data: bytes.Clone(p.Data)}
}

func TestDecodePassesPlainPayloadsThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload("written before encryption")
	require.NoError(t, err)

	out, err := newCodec(t, key("k1", 1)).Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
}

func TestNewRejectsBadKeys(t *testing.T) {
	cases := map[string][]codec.Key{
		"no key":      nil,
		"short key":   {{ID: "k1", Secret: make([]byte, 16)}},
		"empty id":    {{ID: "", Secret: make([]byte, 32)}},
		"id with ':'": {{ID: "a:b", Secret: make([]byte, 32)}},
	}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := codec.New(keys...)
			require.Error(t, err)
		})
	}
}

func TestKeyNeverPrintsItsSecret(t *testing.T) {
	k := codec.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", k)

	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), logged.String()} {
		require.NotContains(t, s, "0123456789abcdef")
		require.Contains(t, s, "k1")
	}
}

func TestFailureConverterEncryptsMessages(t *testing.T) {
	fc := newCodec(t, key("k1", 1)).FailureConverter()

	f := fc.ErrorToFailure(fmt.Errorf("adjustment %s not found", plainIAID))
	require.NotContains(t, f.GetMessage(), plainIAID)
	require.NotNil(t, f.GetEncodedAttributes())
	require.NotContains(t, string(f.GetEncodedAttributes().GetData()), plainIAID)

	require.Contains(t, fc.FailureToError(f).Error(), plainIAID)
}

// decodeOverHTTP posts payloads to the codec endpoint as the Temporal UI
// does.
func decodeOverHTTP(t *testing.T, url string, in []*commonpb.Payload) (*http.Response, []*commonpb.Payload) {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: in})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/decode", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	req.Header.Set("Origin", "http://localhost:8233")

	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out commonpb.Payloads
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, protojson.Unmarshal(buf.Bytes(), &out))
	}
	return resp, out.Payloads
}

func TestHandlerDecodes(t *testing.T) {
	c := newCodec(t, key("k1", 1))
	srv := httptest.NewServer(codec.NewHandler(c, []string{"http://localhost:8233"}))
	defer srv.Close()

	sealed, err := c.DataConverter().ToPayload(request{IAID: plainIAID})
	require.NoError(t, err)

	resp, out := decodeOverHTTP(t, srv.URL, []*commonpb.Payload{sealed})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Len(t, out, 1)
	require.Equal(t, "json/plain", string(out[0].Metadata[converter.MetadataEncoding]))
	require.Contains(t, string(out[0].Data), plainIAID)
}

func TestHandlerRefusesUnknownKey(t *testing.T) {
	sealed, err := newCodec(t, key("other", 3)).DataConverter().ToPayload("x")
	require.NoError(t, err)

	srv := httptest.NewServer(codec.NewHandler(newCodec(t, key("k1", 1)), nil))
	defer srv.Close()
	resp, _ := decodeOverHTTP(t, srv.URL, []*commonpb.Payload{sealed})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestHandlerCORS(t *testing.T) {
	srv := httptest.NewServer(codec.NewHandler(newCodec(t, key("k1", 1)), []string{"http://localhost:8233"}))
	defer srv.Close()

	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}

	ok := preflight("http://localhost:8233")
	require.Equal(t, "http://localhost:8233", ok.Header.Get("Access-Control-Allow-Origin"))
	allowed := strings.ToLower(ok.Header.Get("Access-Control-Allow-Headers"))
	require.Contains(t, allowed, "x-namespace")
	require.Contains(t, allowed, "content-type")

	other := preflight("http://evil.example")
	require.Empty(t, other.Header.Get("Access-Control-Allow-Origin"))
}

func TestHandlerBoundsTheBody(t *testing.T) {
	srv := httptest.NewServer(codec.NewHandler(newCodec(t, key("k1", 1)), nil))
	defer srv.Close()

	big := bytes.Repeat([]byte("a"), 9<<20)
	resp, err := http.Post(srv.URL+"/decode", "application/json", bytes.NewReader(big))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
