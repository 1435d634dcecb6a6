package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/config"
)

// pki is a throwaway certificate authority with a server and a client
// certificate, written as PEM files.
type pki struct {
	dir        string
	caPool     *x509.CertPool
	serverCert tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), caPool: x509.NewCertPool()}

	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	p.caPool.AddCert(ca)
	p.write(t, "ca.pem", "CERTIFICATE", caDER)

	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			DNSNames:     []string{cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		return der, key
	}

	serverDER, serverKey := issue(2, "temporal.test", x509.ExtKeyUsageServerAuth)
	p.serverCert = tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}

	clientDER, clientKey := issue(3, "lattice-worker", x509.ExtKeyUsageClientAuth)
	p.write(t, "client.pem", "CERTIFICATE", clientDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(clientKey)
	require.NoError(t, err)
	p.write(t, "client.key", "PRIVATE KEY", keyDER)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	b := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	require.NoError(t, os.WriteFile(p.path(name), b, 0o600))
}

func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

// TestMutualTLS dials a server that trusts only the test CA's client
// certificates with the tls.Config the configuration builds.
func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientCAs:    p.caPool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
	// The untrusted handshake below is expected to fail; keep it quiet.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()

	cfg, err := config.LoadWorker(workerEnv.with(
		"TEMPORAL_ADDRESS", strings.TrimPrefix(srv.URL, "https://"),
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH", p.path("ca.pem"),
		"TEMPORAL_TLS_CLIENT_CERT_PATH", p.path("client.pem"),
		"TEMPORAL_TLS_CLIENT_KEY_PATH", p.path("client.key"),
		"TEMPORAL_TLS_SERVER_NAME", "temporal.test",
	).lookup)
	require.NoError(t, err)

	opts := cfg.ClientOptions()
	require.NotNil(t, opts.ConnectionOptions.TLS)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: opts.ConnectionOptions.TLS}}
	resp, err := client.Get("https://" + opts.HostPort)
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	require.Equal(t, "lattice-worker", string(buf[:n]))

	// Without the CA the server's certificate is not trusted.
	plain, err := config.LoadWorker(workerEnv.with("TEMPORAL_TLS", "true").lookup)
	require.NoError(t, err)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: plain.ClientOptions().ConnectionOptions.TLS}}
	_, err = c.Get(srv.URL)
	require.Error(t, err)
}

func TestAPIKeyImpliesTLS(t *testing.T) {
	const key = "temporal-cloud-api-key-marker"
	cfg, err := config.LoadAPI(apiEnv.with(
		"TEMPORAL_ADDRESS", "lattice.a1b2c.tmprl.cloud:7233",
		"TEMPORAL_NAMESPACE", "lattice.a1b2c",
		"TEMPORAL_API_KEY", key,
	).lookup)
	require.NoError(t, err)

	opts := cfg.ClientOptions()
	require.NotNil(t, opts.Credentials)
	require.NotNil(t, opts.ConnectionOptions.TLS)
	require.Equal(t, "lattice.a1b2c", opts.Namespace)

	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("temporal", "temporal", cfg.Temporal)
	require.NotContains(t, logged.String(), key)
	require.Contains(t, logged.String(), `"api_key":true`)
}

func TestTLSProblems(t *testing.T) {
	p := newPKI(t)
	notPEM := filepath.Join(p.dir, "garbage.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))

	cases := map[string]struct {
		kv   []string
		want string
	}{
		"api key in clear": {
			[]string{"TEMPORAL_TLS", "false", "TEMPORAL_API_KEY", "k"},
			"TEMPORAL_TLS=false, but TEMPORAL_TLS_* or TEMPORAL_API_KEY is set",
		},
		"cert without key": {
			[]string{"TEMPORAL_TLS_CLIENT_CERT_PATH", p.path("client.pem")},
			"go together",
		},
		"key and cert mismatched": {
			[]string{"TEMPORAL_TLS_CLIENT_CERT_PATH", p.path("ca.pem"),
				"TEMPORAL_TLS_CLIENT_KEY_PATH", p.path("client.key")},
			"TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH:",
		},
		"CA file holds no certificate": {
			[]string{"TEMPORAL_TLS_SERVER_CA_CERT_PATH", notPEM},
			"holds no PEM certificate",
		},
		"tls not a bool": {[]string{"TEMPORAL_TLS", "on"}, `TEMPORAL_TLS="on" must be true or false`},
		"address":        {[]string{"TEMPORAL_ADDRESS", "temporal"}, `TEMPORAL_ADDRESS="temporal" is not host:port`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := config.LoadAPI(apiEnv.with(tc.kv...).lookup)
			require.Len(t, problems(err), 1, "%v", err)
			require.ErrorContains(t, err, tc.want)
		})
	}

	_, err := config.LoadAPI(apiEnv.with("TEMPORAL_TLS_SERVER_CA_CERT_PATH", p.path("none.pem")).lookup)
	require.ErrorIs(t, err, fs.ErrNotExist)
}
