// Package devstack runs the whole of Lattice in one process: an embedded
// Temporal server and UI, the vendor sandbox, a worker and the HTTP API.
// lattice-dev is a thin command around it, and the end-to-end tests boot
// it on port 0 everywhere, so both run the same code.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/lattice/lattice/codec"
	"github.com/lattice/lattice/devserver"
	"github.com/lattice/lattice/httpserver"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/starter"
	"github.com/lattice/lattice/telemetry"
	"github.com/lattice/lattice/vendors/equinix"
	"github.com/lattice/lattice/vendors/netsuite"
	"github.com/lattice/lattice/vendors/zoho"
	"github.com/lattice/lattice/worker"
	"github.com/lattice/lattice/workflows"
)

// Config configures the stack. Addresses are host:port; port 0 picks a
// free port.
type Config struct {
	Listen    string // HTTP API
	Temporal  string // Temporal frontend (gRPC)
	UI        string // Temporal UI; empty runs none
	Sandbox   string // vendor sandbox
	DB        string // SQLite file of the Temporal server
	Ephemeral bool   // keep Temporal's state in memory instead

	// ConfirmDelay is how long the sandbox's Equinix takes to confirm a
	// cancel.
	ConfirmDelay time.Duration
	// Settings tune every new transaction.
	Settings workflows.Settings
	// Worker tunes the worker; vendor settings are filled in to point at
	// the sandbox.
	Worker worker.Config

	Logger *slog.Logger
	// Telemetry traces and measures the stack; nil builds one with
	// tracing off, shut down with the stack.
	Telemetry *telemetry.Telemetry
	// TemporalLogLevel is the embedded server's own log level ("none"
	// silences it).
	TemporalLogLevel string

	// APITokens guard the API with bearer tokens; none serves it open,
	// which lattice-dev does on loopback only.
	APITokens []string
	// PayloadCodec encrypts every payload the client writes; nil leaves
	// them in clear.
	PayloadCodec *codec.Codec
	// SandboxCredentials are the only ones the sandbox accepts, and the
	// worker is given; zero means sandbox.DefaultCredentials().
	SandboxCredentials sandbox.Credentials
}

// Stack is a running dev stack.
type Stack struct {
	Temporal *devserver.Server
	Sandbox  *sandbox.Sandbox
	Client   client.Client
	Worker   sdkworker.Worker

	// APIURL and SandboxURL are base URLs such as http://127.0.0.1:8080.
	APIURL     string
	SandboxURL string

	logger  *slog.Logger
	closers []func(context.Context) error
}

// Start starts every part and returns once the API serves.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Stack{logger: cfg.Logger}
	defer func() {
		if err != nil {
			s.Close(context.Background())
		}
	}()

	if cfg.Telemetry == nil {
		tel, err := telemetry.New(ctx, telemetry.Options{Service: "lattice-dev", Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("set up telemetry: %w", err)
		}
		cfg.Telemetry = tel
		s.onClose(tel.Shutdown)
	}
	if err := s.startSandbox(cfg); err != nil {
		return nil, err
	}
	if err := s.startTemporal(ctx, cfg); err != nil {
		return nil, err
	}
	if err := s.startWorker(cfg); err != nil {
		return nil, err
	}
	if err := s.startAPI(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// onClose registers a shutdown step; Close runs them in reverse order.
func (s *Stack) onClose(f func(context.Context) error) {
	s.closers = append(s.closers, f)
}

// Close stops everything, newest first: the API finishes in-flight
// requests, the worker hands back what it cannot finish, then the
// servers stop.
func (s *Stack) Close(ctx context.Context) error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i](ctx))
	}
	s.closers = nil
	return errors.Join(errs...)
}

func (s *Stack) startSandbox(cfg Config) error {
	l, err := net.Listen("tcp", cfg.Sandbox)
	if err != nil {
		return fmt.Errorf("listen for sandbox: %w", err)
	}
	s.Sandbox = sandbox.New(sandbox.Options{
		ConfirmDelay: cfg.ConfirmDelay,
		Credentials:  cfg.SandboxCredentials,
		Logger:       cfg.Logger.With("component", "sandbox"),
	})
	s.SandboxURL = "http://" + l.Addr().String()
	s.serve(l, s.Sandbox)
	s.onClose(func(context.Context) error { s.Sandbox.Close(); return nil })
	return nil
}

func (s *Stack) startTemporal(ctx context.Context, cfg Config) error {
	srv, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr: cfg.Temporal,
		UIAddr:       cfg.UI,
		DBPath:       cfg.DB,
		Ephemeral:    cfg.Ephemeral,
		LogLevel:     cfg.TemporalLogLevel,
	})
	if err != nil {
		return fmt.Errorf("start temporal: %w", err)
	}
	s.Temporal = srv
	s.onClose(func(context.Context) error { return srv.Stop() })

	opts, err := cfg.Telemetry.ClientOptions(client.Options{
		HostPort:  srv.FrontendAddr(),
		Namespace: srv.Namespace(),
		Logger:    telemetry.TemporalLogger(cfg.Logger.With("component", "temporal-client")),
	})
	if err != nil {
		return err
	}
	if cfg.PayloadCodec != nil {
		opts.DataConverter = cfg.PayloadCodec.DataConverter()
		opts.FailureConverter = cfg.PayloadCodec.FailureConverter()
	}
	c, err := client.Dial(opts)
	if err != nil {
		return fmt.Errorf("connect to temporal: %w", err)
	}
	s.Client = c
	s.onClose(func(context.Context) error { c.Close(); return nil })

	return worker.EnsureSearchAttributes(ctx, c, srv.Namespace())
}

func (s *Stack) startWorker(cfg Config) error {
	wc := cfg.Worker
	creds := s.Sandbox.Credentials()
	wc.Equinix = equinix.Config{
		BaseURL:      s.SandboxURL + "/equinix",
		ClientID:     creds.EquinixClientID,
		ClientSecret: creds.EquinixClientSecret,
	}
	wc.Zoho = zoho.Config{
		BaseURL:        s.SandboxURL + "/zoho/inventory/v1",
		AccountsURL:    s.SandboxURL + "/zoho/accounts",
		OrganizationID: creds.ZohoOrganizationID,
		ClientID:       creds.ZohoClientID,
		ClientSecret:   creds.ZohoClientSecret,
		RefreshToken:   creds.ZohoRefreshToken,
	}
	wc.NetSuite = netsuite.Config{
		AccountURL:    s.SandboxURL + "/netsuite",
		AccountID:     creds.NetSuiteAccountID,
		ClientID:      creds.NetSuiteClientID,
		CertificateID: creds.NetSuiteCertificateID,
		PrivateKeyPEM: creds.NetSuitePrivateKeyPEM,
	}
	if wc.Logger == nil {
		wc.Logger = cfg.Logger.With("component", "worker")
	}
	if wc.HTTPClient == nil {
		wc.HTTPClient = cfg.Telemetry.VendorClient()
	}

	w := worker.New(s.Client, wc)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	s.Worker = w
	s.onClose(func(context.Context) error { w.Stop(); return nil })
	return nil
}

func (s *Stack) startAPI(cfg Config) error {
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen for api: %w", err)
	}
	api := starter.New(s.Client, starter.Config{
		Namespace: s.Temporal.Namespace(),
		UIURL:     s.Temporal.UIURL(),
		Settings:  cfg.Settings,
		Logger:    cfg.Logger.With("component", "api"),
		Metrics:   cfg.Telemetry.MetricsHandler(),
	})
	s.APIURL = "http://" + l.Addr().String()
	guarded := starter.RequireTokens(api, cfg.APITokens, cfg.Logger.With("component", "api"))
	s.serve(l, cfg.Telemetry.Middleware(api.RouteName)(guarded))
	return nil
}

// serve serves h on l with timeouts on every phase, and registers its
// graceful shutdown.
func (s *Stack) serve(l net.Listener, h http.Handler) {
	srv := NewHTTPServer(h)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("HTTP server stopped", "addr", l.Addr().String(), "error", err)
		}
	}()
	s.onClose(func(ctx context.Context) error {
		// In-flight requests get a few seconds; a vendor call the sandbox
		// is holding for a fault must not hold up Ctrl-C.
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			s.logger.Warn("HTTP server closed with requests in flight", "addr", l.Addr().String())
			return srv.Close()
		}
		return nil
	})
}

// NewHTTPServer returns an http.Server with timeouts on every phase, so a
// slow client cannot hold a connection forever.
func NewHTTPServer(h http.Handler) *http.Server {
	return httpserver.New(h)
}
