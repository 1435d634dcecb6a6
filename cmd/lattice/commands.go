package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/lattice/lattice/codec"
	"github.com/lattice/lattice/config"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/starter"
)

// runCodec serves the codec endpoint the Temporal UI decrypts payloads
// with. It is a process of its own so that the decrypting endpoint can sit
// where the UI's users are, away from the API the accounting systems call.
func runCodec(ctx context.Context, cfg config.CodecServer, logger *slog.Logger) error {
	// TODO: check the UI users' access token, which the UI can pass on,
	// once Lattice's UI runs behind an identity provider; until then the
	// endpoint trusts the network it is reachable from.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", starter.Health)
	mux.Handle("/", codec.NewHandler(cfg.Codec, cfg.Origins))

	logger.Info("Codec endpoint ready", "key_id", cfg.Codec.KeyID(), "origins", cfg.Origins)
	return serve(ctx, cfg.Listen, mux, logger, func() {})
}

// runSandbox serves the vendor emulators on their own, for a compose
// stack that has no vendor accounts.
func runSandbox(ctx context.Context, cfg config.Sandbox, logger *slog.Logger) error {
	sb := sandbox.New(sandbox.Options{ConfirmDelay: cfg.ConfirmDelay, Logger: logger})
	defer sb.Close()

	// The worker signs NetSuite assertions with the sandbox's key. It is a
	// published, sandbox-only key; handing it over as a file spares the
	// repository a private key file.
	if cfg.NetSuiteKeyFile != "" {
		if err := writeKey(cfg.NetSuiteKeyFile, sb.Credentials().NetSuitePrivateKeyPEM); err != nil {
			return err
		}
		logger.Info("Sandbox NetSuite key written", "path", cfg.NetSuiteKeyFile)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", starter.Health)
	mux.Handle("/", sb)
	return serve(ctx, cfg.Listen, mux, logger, func() {})
}

func writeKey(path, pem string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write sandbox key: %w", err)
	}
	if err := os.WriteFile(path, []byte(pem), 0o600); err != nil {
		return fmt.Errorf("write sandbox key: %w", err)
	}
	return nil
}

// runHealth asks url and succeeds on a 2xx answer: the container health
// check, in an image that has no shell and no curl.
func runHealth(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("check health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("check health: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("check health: %s answered %s", url, resp.Status)
	}
	return nil
}
