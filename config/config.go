// Package config reads the production processes' configuration from the
// environment and checks it at start, reporting every problem at once,
// one clear sentence each.
package config

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lattice/lattice/codec"
	"github.com/lattice/lattice/vendors/equinix"
	"github.com/lattice/lattice/vendors/netsuite"
	"github.com/lattice/lattice/vendors/zoho"
	"github.com/lattice/lattice/worker"
	"github.com/lattice/lattice/workflows"
)

// LookupEnv reads one environment variable, as os.LookupEnv does.
type LookupEnv func(string) (string, bool)

// Process is what every process reads: where it listens and how it logs.
type Process struct {
	Listen    string     // LATTICE_LISTEN: API, health and metrics address
	LogFormat string     // LATTICE_LOG_FORMAT: json or text
	LogLevel  slog.Level // LATTICE_LOG_LEVEL
}

// Common is what the API and the worker both read.
type Common struct {
	Process
	Temporal Temporal
	// Codec encrypts payloads; nil leaves them in clear.
	Codec *codec.Codec // LATTICE_PAYLOAD_KEYS
}

// ClientOptions returns the options to dial Temporal with: the cluster's
// address, TLS and credentials, and the encrypting converters when
// payload encryption is on.
func (c Common) ClientOptions() client.Options {
	opts := c.Temporal.ClientOptions()
	if c.Codec != nil {
		opts.DataConverter = c.Codec.DataConverter()
		opts.FailureConverter = c.Codec.FailureConverter()
	}
	return opts
}

// API is the configuration of `lattice api`.
type API struct {
	Common
	// Tokens are the bearer tokens the API accepts. Empty only when Open.
	Tokens []string // LATTICE_API_TOKENS
	// Open serves the API without authentication, as asked explicitly.
	Open         bool          // LATTICE_API_OPEN
	UIURL        string        // LATTICE_TEMPORAL_UI_URL, for links to workflows
	StartTimeout time.Duration // LATTICE_START_TIMEOUT
	// Settings tune every transaction the API starts; they travel in the
	// workflow's input, so a running transaction keeps those it began with.
	Settings workflows.Settings
}

// Worker is the configuration of `lattice worker`.
type Worker struct {
	Common
	Worker worker.Config
}

// CodecServer is the configuration of `lattice codec`, the codec endpoint
// the Temporal UI decrypts payloads with.
type CodecServer struct {
	Process
	Codec *codec.Codec // LATTICE_PAYLOAD_KEYS
	// Origins may call the endpoint from a browser: the Temporal UI's.
	Origins []string // LATTICE_CODEC_ORIGINS
}

// Sandbox is the configuration of `lattice sandbox`, the vendor emulators
// served on their own.
type Sandbox struct {
	Process
	ConfirmDelay time.Duration // LATTICE_CONFIRM_DELAY
	// NetSuiteKeyFile is where to write the sandbox's NetSuite signing
	// key, so a worker beside it can read it; empty writes none.
	NetSuiteKeyFile string // LATTICE_SANDBOX_NETSUITE_KEY_FILE
}

func (r *reader) common() Common {
	return Common{
		Process:  r.processSettings(),
		Temporal: r.temporal(),
		Codec:    r.payloadCodec(),
	}
}

// LoadAPI reads `lattice api`'s configuration. It refuses to run without
// bearer tokens unless LATTICE_API_OPEN=true says so.
func LoadAPI(env LookupEnv) (API, error) {
	r := &reader{process: ProcessAPI, env: env}
	cfg := API{
		Common:       r.common(),
		UIURL:        r.baseURL("LATTICE_TEMPORAL_UI_URL"),
		StartTimeout: r.duration("LATTICE_START_TIMEOUT"),
		Settings: workflows.Settings{
			PollInitial:        r.duration("LATTICE_POLL_INITIAL"),
			PollMax:            r.duration("LATTICE_POLL_MAX"),
			ConfirmTimeout:     r.duration("LATTICE_CONFIRM_TIMEOUT"),
			StepBudget:         r.duration("LATTICE_STEP_BUDGET"),
			CompensationBudget: r.duration("LATTICE_COMPENSATION_BUDGET"),
		},
	}
	if cfg.Settings.PollMax < cfg.Settings.PollInitial {
		r.problem("LATTICE_POLL_MAX=%s is shorter than LATTICE_POLL_INITIAL=%s",
			cfg.Settings.PollMax, cfg.Settings.PollInitial)
	}
	cfg.Tokens, cfg.Open = r.tokens()
	return cfg, r.err()
}

// LoadWorker reads `lattice worker`'s configuration, vendor credentials
// included: they exist only here.
func LoadWorker(env LookupEnv) (Worker, error) {
	r := &reader{process: ProcessWorker, env: env}
	cfg := Worker{Common: r.common()}
	w := &cfg.Worker

	w.Equinix = equinix.Config{
		BaseURL:      r.baseURL("EQUINIX_BASE_URL"),
		ClientID:     r.required("EQUINIX_CLIENT_ID", "the Equinix API client id"),
		ClientSecret: r.required("EQUINIX_CLIENT_SECRET", "the Equinix API client secret"),
	}
	w.Zoho = zoho.Config{
		BaseURL:        r.baseURL("ZOHO_BASE_URL"),
		AccountsURL:    r.baseURL("ZOHO_ACCOUNTS_URL"),
		OrganizationID: r.required("ZOHO_ORGANIZATION_ID", "the Zoho Inventory organization id"),
		ClientID:       r.required("ZOHO_CLIENT_ID", "the Zoho OAuth client id"),
		ClientSecret:   r.required("ZOHO_CLIENT_SECRET", "the Zoho OAuth client secret"),
		RefreshToken:   r.required("ZOHO_REFRESH_TOKEN", "the Zoho OAuth refresh token"),
	}
	w.NetSuite = netsuite.Config{
		AccountURL:    r.baseURL("NETSUITE_ACCOUNT_URL"),
		AccountID:     r.required("NETSUITE_ACCOUNT_ID", "the NetSuite account id"),
		ClientID:      r.required("NETSUITE_CLIENT_ID", "the NetSuite integration's client id"),
		CertificateID: r.required("NETSUITE_CERTIFICATE_ID", "the NetSuite certificate id (JWT kid)"),
		PrivateKeyPEM: r.privateKey(),
	}

	w.MaxConcurrentActivities = r.integer("LATTICE_WORKER_MAX_ACTIVITIES")
	w.MaxConcurrentWorkflowTasks = r.integer("LATTICE_WORKER_MAX_WORKFLOW_TASKS")
	w.ActivityPollers = r.integer("LATTICE_WORKER_ACTIVITY_POLLERS")
	w.WorkflowPollers = r.integer("LATTICE_WORKER_WORKFLOW_POLLERS")
	return cfg, r.err()
}

// LoadCodecServer reads `lattice codec`'s configuration: it needs the
// payload keys and the Temporal UI's origin.
func LoadCodecServer(env LookupEnv) (CodecServer, error) {
	r := &reader{process: ProcessCodec, env: env}
	cfg := CodecServer{
		Process: r.processSettings(),
		Codec:   r.payloadCodec(),
		Origins: r.origins(),
	}
	if !r.isSet("LATTICE_PAYLOAD_KEYS") {
		r.problem("LATTICE_PAYLOAD_KEYS is not set: the keys the API and worker encrypt with")
	}
	return cfg, r.err()
}

// LoadSandbox reads `lattice sandbox`'s configuration.
func LoadSandbox(env LookupEnv) (Sandbox, error) {
	r := &reader{process: ProcessSandbox, env: env}
	cfg := Sandbox{
		Process:         r.processSettings(),
		ConfirmDelay:    r.duration("LATTICE_CONFIRM_DELAY"),
		NetSuiteKeyFile: r.str("LATTICE_SANDBOX_NETSUITE_KEY_FILE"),
	}
	return cfg, r.err()
}
