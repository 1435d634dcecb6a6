package config

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
)

// Temporal says how to reach the Temporal cluster: a self-hosted one in
// clear or over (mutual) TLS, or Temporal Cloud with an API key or a
// client certificate.
type Temporal struct {
	Address   string // TEMPORAL_ADDRESS
	Namespace string // TEMPORAL_NAMESPACE
	// TLS is nil for a connection in clear.
	TLS *tls.Config
	// APIKey is sent as a bearer token on every call; empty sends none.
	APIKey string // TEMPORAL_API_KEY
}

// LogValue describes the connection without the API key.
func (t Temporal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("address", t.Address),
		slog.String("namespace", t.Namespace),
		slog.Bool("tls", t.TLS != nil),
		slog.Bool("api_key", t.APIKey != ""),
	)
}

// ClientOptions returns the options that reach the cluster: address,
// namespace, TLS and credentials. Callers add their logger, interceptors
// and data converter.
func (t Temporal) ClientOptions() client.Options {
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
	}
	if t.TLS != nil {
		opts.ConnectionOptions.TLS = t.TLS.Clone()
	}
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	return opts
}

// temporal reads the cluster's address and how to authenticate to it.
// Every file is read now, so a missing or broken certificate stops the
// process at start rather than at its first call.
func (r *reader) temporal() Temporal {
	t := Temporal{
		Address:   r.address("TEMPORAL_ADDRESS"),
		Namespace: r.str("TEMPORAL_NAMESPACE"),
		APIKey:    r.str("TEMPORAL_API_KEY"),
	}
	enabled := r.boolean("TEMPORAL_TLS")
	ca := r.str("TEMPORAL_TLS_SERVER_CA_CERT_PATH")
	name := r.str("TEMPORAL_TLS_SERVER_NAME")
	cert := r.str("TEMPORAL_TLS_CLIENT_CERT_PATH")
	key := r.str("TEMPORAL_TLS_CLIENT_KEY_PATH")

	// Any TLS setting, or an API key, turns TLS on: a key must not cross
	// the network in clear, and half a TLS set-up is a mistake.
	implied := ca != "" || name != "" || cert != "" || key != "" || t.APIKey != ""
	if r.isSet("TEMPORAL_TLS") && !enabled && implied {
		r.problem("TEMPORAL_TLS=false, but TEMPORAL_TLS_* or TEMPORAL_API_KEY is set: " +
			"TLS settings and API keys need TLS; unset them or set TEMPORAL_TLS=true")
		return t
	}
	if enabled || implied {
		t.TLS = r.tlsConfig(ca, name, cert, key)
	}
	return t
}

func (r *reader) tlsConfig(ca, serverName, cert, key string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}

	if ca != "" {
		pem, err := os.ReadFile(ca)
		switch {
		case err != nil:
			r.problem("TEMPORAL_TLS_SERVER_CA_CERT_PATH: %w", err)
		default:
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				r.problem("TEMPORAL_TLS_SERVER_CA_CERT_PATH: %s holds no PEM certificate", ca)
			}
		}
	}

	switch {
	case cert != "" && key != "":
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			r.problem("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: %w", err)
			break
		}
		cfg.Certificates = []tls.Certificate{pair}
	case cert != "" || key != "":
		r.problem("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: " +
			"set both for a client certificate, or neither")
	}
	return cfg
}
