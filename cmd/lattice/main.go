// Command lattice runs Lattice's production processes against any
// Temporal cluster, configured by environment variables:
//
//	lattice api           the HTTP API
//	lattice worker        the Temporal worker that runs the cancel saga
//	lattice codec         the payload codec endpoint for the Temporal UI
//	lattice sandbox       the vendor emulators, for a stack without vendors
//	lattice health URL    exit 0 if URL answers 2xx: a container health check
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
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lattice/lattice/config"
	"github.com/lattice/lattice/httpserver"
	"github.com/lattice/lattice/starter"
	"github.com/lattice/lattice/telemetry"
	"github.com/lattice/lattice/worker"
)

// workerStopTimeout is how long a stopping worker lets its running
// activities finish before it cancels them and Temporal hands them to
// another worker. With the HTTP shutdown it fits in the 30 s a container
// platform usually grants after SIGTERM.
const workerStopTimeout = 15 * time.Second

const usage = `Usage: lattice <command>

Commands:
  api          serve the HTTP API
  worker       run the Temporal worker
  codec        serve the payload codec endpoint for the Temporal UI
  sandbox      serve the vendor emulators (Equinix, Zoho, NetSuite)
  health URL   exit 0 if URL answers 2xx

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
	if len(args) == 2 && args[0] == "health" {
		return runHealth(ctx, args[1])
	}
	if len(args) == 2 && isHelp(args[1]) {
		args = args[1:]
	}
	if len(args) == 1 && args[0] == "health" {
		fmt.Fprint(stderr, usage)
		return errors.New("health needs the URL to check, such as http://127.0.0.1:8080/readyz")
	}
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
		logger := newLogger(cfg.Common, stderr)
		return withTelemetry(ctx, "lattice-api", env, logger, func(tel *telemetry.Telemetry) error {
			return runAPI(ctx, cfg, tel, logger)
		})
	case "worker":
		cfg, err := config.LoadWorker(env)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		logger := newLogger(cfg.Common, stderr)
		return withTelemetry(ctx, "lattice-worker", env, logger, func(tel *telemetry.Telemetry) error {
			return runWorker(ctx, cfg, tel, logger)
		})
	case "codec":
		cfg, err := config.LoadCodecServer(env)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		return runCodec(ctx, cfg, newLogger(config.Common{Process: cfg.Process}, stderr))
	case "sandbox":
		cfg, err := config.LoadSandbox(env)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		return runSandbox(ctx, cfg, newLogger(config.Common{Process: cfg.Process}, stderr))
	}
	if isHelp(args[0]) {
		fmt.Fprint(stderr, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help"
}

func newLogger(c config.Common, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// withTelemetry runs fn with the process's traces and metrics, set up from
// the OTEL_* variables, and flushes the spans not yet exported after it.
func withTelemetry(
	ctx context.Context, service string, env config.LookupEnv, logger *slog.Logger,
	fn func(*telemetry.Telemetry) error,
) error {
	tel, err := telemetry.New(ctx, telemetry.Options{Service: service, Env: env, Logger: logger})
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(flush); err != nil {
			logger.Warn("Telemetry not flushed", "error", err)
		}
	}()
	return fn(tel)
}

// dial connects lazily, so the process starts, and answers 503 from the
// API, while Temporal is still coming up. The options carry TLS, the API
// key and payload encryption as configured.
func dial(c config.Common, tel *telemetry.Telemetry, logger *slog.Logger) (client.Client, error) {
	base := c.ClientOptions()
	base.Logger = telemetry.TemporalLogger(logger)
	opts, err := tel.ClientOptions(base)
	if err != nil {
		return nil, err
	}
	return client.NewLazyClient(opts)
}

// apiMemoryLimit is the API's soft memory limit unless GOMEMLIMIT sets
// one. The API keeps little live (about 10 MB under 200 clients) but, left
// alone, Go lets its heap grow to three times that between collections;
// the limit makes it collect sooner, at no measured cost in throughput.
const apiMemoryLimit = 40 << 20

func runAPI(ctx context.Context, cfg config.API, tel *telemetry.Telemetry, logger *slog.Logger) error {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(apiMemoryLimit)
	}

	c, err := dial(cfg.Common, tel, logger)
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	defer c.Close()

	var stopping atomic.Bool
	api := starter.New(c, starter.Config{
		Namespace:    cfg.Temporal.Namespace,
		UIURL:        cfg.UIURL,
		StartTimeout: cfg.StartTimeout,
		Settings:     cfg.Settings,
		Logger:       logger,
		Metrics:      tel.MetricsHandler(),
		Ready:        unlessStopping(&stopping),
	})
	if cfg.Open {
		logger.Warn("Serving without authentication, as LATTICE_API_OPEN=true asks")
	}
	h := tel.Middleware(api.RouteName)(starter.RequireTokens(api, cfg.Tokens, logger))
	return serve(ctx, cfg.Listen, h, logger, func() { stopping.Store(true) })
}

func runWorker(ctx context.Context, cfg config.Worker, tel *telemetry.Telemetry, logger *slog.Logger) error {
	c, err := dial(cfg.Common, tel, logger)
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	defer c.Close()

	if err := worker.EnsureSearchAttributes(ctx, c, cfg.Temporal.Namespace); err != nil {
		logger.Warn("Search attributes not checked; register them on the cluster", "error", err)
	}
	cfg.Worker.Logger = logger
	cfg.Worker.HTTPClient = tel.VendorClient()
	cfg.Worker.StopTimeout = workerStopTimeout
	w := worker.New(c, cfg.Worker)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}

	// On SIGTERM the worker stops polling at once, lets running activities
	// finish for workerStopTimeout, then hands back what is left; /readyz
	// answers 503 from the start of it, /healthz 200 until the end.
	var stopping atomic.Bool
	stop := sync.OnceFunc(func() {
		stopping.Store(true)
		w.Stop()
	})
	defer stop()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", starter.Health)
	mux.Handle("GET /readyz", starter.Readiness{Temporal: c, Ready: unlessStopping(&stopping)})
	mux.Handle("GET /metrics", tel.MetricsHandler())
	return serve(ctx, cfg.Listen, mux, logger, stop)
}

// unlessStopping is a readiness check that fails once stopping is set.
func unlessStopping(stopping *atomic.Bool) func() error {
	return func() error {
		if stopping.Load() {
			return errors.New("shutting down")
		}
		return nil
	}
}

// serve serves h until ctx ends, then runs beforeShutdown and shuts down
// gracefully: in-flight requests get a bounded time to finish.
func serve(
	ctx context.Context, addr string, h http.Handler, logger *slog.Logger, beforeShutdown func(),
) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := httpserver.New(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	logger.Info("Serving", "addr", l.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("Shutting down")
	beforeShutdown()
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
