package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/sandbox"
)

type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

func TestAPIRefusesToStartWithoutTokens(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"api"}, env{}.lookup, &stderr)
	require.ErrorContains(t, err, "LATTICE_API_TOKENS is not set")
	require.ErrorContains(t, err, "LATTICE_API_OPEN=true")
}

func TestCodecRefusesToStartWithoutKeys(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"codec"}, env{}.lookup, &stderr)
	require.ErrorContains(t, err, "LATTICE_PAYLOAD_KEYS is not set")
	require.ErrorContains(t, err, "LATTICE_CODEC_ORIGINS is not set")
}

func TestHealth(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	}))
	defer srv.Close()

	var stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"health", srv.URL}, env{}.lookup, &stderr))

	status = http.StatusServiceUnavailable
	err := run(context.Background(), []string{"health", srv.URL}, env{}.lookup, &stderr)
	require.ErrorContains(t, err, "503")
}

// TestSandboxHandsOverItsKey runs `lattice sandbox` as compose does: it
// writes the NetSuite key the worker beside it signs with.
func TestSandboxHandsOverItsKey(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "sandbox", "netsuite.pem")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		e := env{"LATTICE_LISTEN": "127.0.0.1:0", "LATTICE_SANDBOX_NETSUITE_KEY_FILE": keyFile}
		done <- run(ctx, []string{"sandbox"}, e.lookup, &bytes.Buffer{})
	}()

	var pem []byte
	require.Eventually(t, func() bool {
		var err error
		pem, err = os.ReadFile(keyFile)
		return err == nil && len(pem) > 0
	}, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, sandbox.DefaultCredentials().NetSuitePrivateKeyPEM, string(pem))

	info, err := os.Stat(keyFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("lattice sandbox did not stop")
	}
}
