// Package config reads the production processes' configuration from the
// environment and checks it at start, reporting every problem at once,
// one clear sentence each.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors/equinix"
	"github.com/lattice/lattice/vendors/netsuite"
	"github.com/lattice/lattice/vendors/zoho"
	"github.com/lattice/lattice/worker"
)

// LookupEnv reads one environment variable, as os.LookupEnv does.
type LookupEnv func(string) (string, bool)

// Temporal says how to reach the Temporal cluster.
type Temporal struct {
	Address   string // TEMPORAL_ADDRESS
	Namespace string // TEMPORAL_NAMESPACE
}

// Common is what both processes read.
type Common struct {
	Temporal  Temporal
	Listen    string     // LATTICE_LISTEN: API, health and metrics address
	LogFormat string     // LATTICE_LOG_FORMAT: json or text
	LogLevel  slog.Level // LATTICE_LOG_LEVEL
}

// API is the configuration of `lattice api`.
type API struct {
	Common
	UIURL        string        // LATTICE_TEMPORAL_UI_URL, for links to workflows
	StartTimeout time.Duration // LATTICE_START_TIMEOUT
}

// Worker is the configuration of `lattice worker`.
type Worker struct {
	Common
	Worker worker.Config
}

// reader collects problems while it reads variables.
type reader struct {
	env      LookupEnv
	problems []error
}

func (r *reader) str(key, def string) string {
	if v, ok := r.env(key); ok && v != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) required(key, why string) string {
	v := r.str(key, "")
	if v == "" {
		r.problems = append(r.problems, fmt.Errorf("%s is not set: %s", key, why))
	}
	return v
}

func (r *reader) integer(key string, def int) int {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.problems = append(r.problems, fmt.Errorf("%s=%q is not a whole number of 0 or more", key, v))
		return def
	}
	return n
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.problems = append(r.problems, fmt.Errorf("%s=%q is not a positive duration such as 10s", key, v))
		return def
	}
	return d
}

func (r *reader) common(listenDef string) Common {
	c := Common{
		Temporal: Temporal{
			Address:   r.str("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
			Namespace: r.str("TEMPORAL_NAMESPACE", "default"),
		},
		Listen:    r.str("LATTICE_LISTEN", listenDef),
		LogFormat: r.str("LATTICE_LOG_FORMAT", "json"),
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		r.problems = append(r.problems, fmt.Errorf("LATTICE_LOG_FORMAT=%q must be json or text", c.LogFormat))
	}
	if err := c.LogLevel.UnmarshalText([]byte(r.str("LATTICE_LOG_LEVEL", "info"))); err != nil {
		r.problems = append(r.problems, fmt.Errorf("LATTICE_LOG_LEVEL must be debug, info, warn or error"))
	}
	return c
}

func (r *reader) err() error {
	return errors.Join(r.problems...)
}

// LoadAPI reads `lattice api`'s configuration.
func LoadAPI(env LookupEnv) (API, error) {
	r := &reader{env: env}
	cfg := API{
		Common:       r.common(":8080"),
		UIURL:        strings.TrimRight(r.str("LATTICE_TEMPORAL_UI_URL", ""), "/"),
		StartTimeout: r.duration("LATTICE_START_TIMEOUT", 10*time.Second),
	}
	return cfg, r.err()
}

// LoadWorker reads `lattice worker`'s configuration, vendor credentials
// included: they exist only here.
func LoadWorker(env LookupEnv) (Worker, error) {
	r := &reader{env: env}
	cfg := Worker{Common: r.common(":8081")}
	w := &cfg.Worker

	w.Equinix = equinix.Config{
		BaseURL:      r.str("EQUINIX_BASE_URL", "https://api.equinix.com"),
		ClientID:     r.required("EQUINIX_CLIENT_ID", "the Equinix API client id"),
		ClientSecret: r.required("EQUINIX_CLIENT_SECRET", "the Equinix API client secret"),
	}
	w.Zoho = zoho.Config{
		BaseURL:        r.str("ZOHO_BASE_URL", "https://www.zohoapis.com/inventory/v1"),
		AccountsURL:    r.str("ZOHO_ACCOUNTS_URL", "https://accounts.zoho.com"),
		OrganizationID: r.required("ZOHO_ORGANIZATION_ID", "the Zoho Inventory organization id"),
		ClientID:       r.required("ZOHO_CLIENT_ID", "the Zoho OAuth client id"),
		ClientSecret:   r.required("ZOHO_CLIENT_SECRET", "the Zoho OAuth client secret"),
		RefreshToken:   r.required("ZOHO_REFRESH_TOKEN", "the Zoho OAuth refresh token"),
	}
	w.NetSuite = netsuite.Config{
		AccountURL:    r.str("NETSUITE_ACCOUNT_URL", ""),
		AccountID:     r.required("NETSUITE_ACCOUNT_ID", "the NetSuite account id"),
		ClientID:      r.required("NETSUITE_CLIENT_ID", "the NetSuite integration's client id"),
		CertificateID: r.required("NETSUITE_CERTIFICATE_ID", "the NetSuite certificate id (JWT kid)"),
		PrivateKeyPEM: r.privateKey(),
	}

	w.MaxConcurrentActivities = r.integer("LATTICE_WORKER_MAX_ACTIVITIES", 0)
	w.MaxConcurrentWorkflowTasks = r.integer("LATTICE_WORKER_MAX_WORKFLOW_TASKS", 0)
	w.ActivityPollers = r.integer("LATTICE_WORKER_ACTIVITY_POLLERS", 0)
	w.WorkflowPollers = r.integer("LATTICE_WORKER_WORKFLOW_POLLERS", 0)
	return cfg, r.err()
}

// privateKey reads NETSUITE_PRIVATE_KEY (the PEM itself) or
// NETSUITE_PRIVATE_KEY_FILE (a path to it, as a mounted secret).
func (r *reader) privateKey() string {
	if pem := r.str("NETSUITE_PRIVATE_KEY", ""); pem != "" {
		return pem
	}
	path := r.str("NETSUITE_PRIVATE_KEY_FILE", "")
	if path == "" {
		r.problems = append(r.problems, errors.New(
			"NETSUITE_PRIVATE_KEY or NETSUITE_PRIVATE_KEY_FILE must hold the NetSuite signing key"))
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("NETSUITE_PRIVATE_KEY_FILE: %w", err))
	}
	return string(b)
}
