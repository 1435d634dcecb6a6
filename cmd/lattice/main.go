// Command lattice runs Lattice's production processes against any
// Temporal cluster, configured by environment variables:
//
//	lattice api      the HTTP API
//	lattice worker   the Temporal worker that runs the cancel saga
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/lattice/lattice/config"
	"github.com/lattice/lattice/devstack"
	"github.com/lattice/lattice/starter"
	"github.com/lattice/lattice/worker"
)

const usage = `Usage: lattice <command>

Commands:
  api      serve the HTTP API
  worker   run the Temporal worker

Configuration is read from environment variables; see the README.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.LookupEnv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lattice:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, env config.LookupEnv, stderr io.Writer) error {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return errors.New("expected one command")
	}
	switch args[0] {
	case "api":
		cfg, err := config.LoadAPI(env)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		return runAPI(ctx, cfg, newLogger(cfg.Common, stderr))
	case "worker":
		cfg, err := config.LoadWorker(env)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		return runWorker(ctx, cfg, newLogger(cfg.Common, stderr))
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(c config.Common, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// dial connects lazily, so the process starts, and answers 503 from the
// API, while Temporal is still coming up.
func dial(t config.Temporal, logger *slog.Logger) (client.Client, error) {
	return client.NewLazyClient(client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
		Logger:    sdklog.NewStructuredLogger(logger),
	})
}

func runAPI(ctx context.Context, cfg config.API, logger *slog.Logger) error {
	c, err := dial(cfg.Temporal, logger)
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	defer c.Close()

	api := starter.New(c, starter.Config{
		Namespace:    cfg.Temporal.Namespace,
		UIURL:        cfg.UIURL,
		StartTimeout: cfg.StartTimeout,
		Logger:       logger,
	})
	return serve(ctx, cfg.Listen, api, logger)
}

func runWorker(ctx context.Context, cfg config.Worker, logger *slog.Logger) error {
	c, err := dial(cfg.Temporal, logger)
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	defer c.Close()

	if err := worker.EnsureSearchAttributes(ctx, c, cfg.Temporal.Namespace); err != nil {
		logger.Warn("Search attributes not checked; register them on the cluster", "error", err)
	}
	cfg.Worker.Logger = logger
	w := worker.New(c, cfg.Worker)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()

	health := http.NewServeMux()
	health.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	return serve(ctx, cfg.Listen, health, logger)
}

// serve serves h until ctx ends, then shuts down gracefully: in-flight
// requests get a bounded time to finish.
func serve(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := devstack.NewHTTPServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	logger.Info("Serving", "addr", l.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logger.Info("Shutting down")
	return srv.Shutdown(shutdown)
}
