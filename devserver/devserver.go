// Package devserver runs a Temporal server and the Temporal UI inside the
// current process, on loopback, for lattice-dev and the tests. State lives
// in a SQLite file, or in memory when ephemeral.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Options configure the embedded server.
type Options struct {
	// FrontendAddr is the gRPC frontend's host:port; port 0 picks a free
	// port.
	FrontendAddr string
	// UIAddr is the Temporal UI's host:port; empty runs no UI, port 0
	// picks a free port.
	UIAddr string
	// DBPath is the SQLite file; ignored when Ephemeral.
	DBPath    string
	Ephemeral bool
	// Namespace is created at start; "default" when empty.
	Namespace string
	// LogLevel of the server's own log on stderr ("fatal" when empty, as
	// it logs errors that are routine on shutdown); "none" silences it.
	LogLevel string
	// CodecEndpoint, when set, is the payload codec the UI uses.
	CodecEndpoint string
}

// Server is a running embedded Temporal server and, optionally, its UI.
type Server struct {
	temporal  temporal.Server
	ui        *ui
	frontend  string
	namespace string
	unlock    func() // releases the database file
}

// Start starts the server and waits until its frontend answers.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	frontend, err := resolveAddr(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("choose frontend address: %w", err)
	}

	cfg, err := serverConfig(frontend, opts)
	if err != nil {
		return nil, err
	}
	unlock := func() {}
	if !opts.Ephemeral && opts.DBPath != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DBPath), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		if unlock, err = lockDB(opts.DBPath); err != nil {
			return nil, err
		}
	}
	sqlCfg := cfg.Persistence.DataStores[sqliteplugin.PluginName].SQL
	if err := prepareDB(sqlCfg, opts); err != nil {
		unlock()
		return nil, err
	}

	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(serverLogger(opts.LogLevel)),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// Search attributes registered at start are usable at once.
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{
				{Value: true},
			},
		}),
	)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		unlock()
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{temporal: srv, frontend: frontend, namespace: opts.Namespace, unlock: unlock}

	if err := waitForPort(ctx, frontend); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if opts.UIAddr != "" {
		s.ui, err = startUI(ctx, opts.UIAddr, frontend, opts)
		if err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// FrontendAddr is the host:port clients and workers dial.
func (s *Server) FrontendAddr() string { return s.frontend }

// Namespace is the namespace created at start.
func (s *Server) Namespace() string { return s.namespace }

// UIURL is the Temporal UI's base URL, or "" when it does not run.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return "http://" + s.ui.addr
}

// Stop stops the UI, then the server, then releases the database file.
func (s *Server) Stop() error {
	if s.ui != nil {
		s.ui.stop()
	}
	err := s.temporal.Stop()
	s.unlock()
	return err
}

func serverConfig(frontend string, opts Options) (*config.Config, error) {
	host, portStr, _ := net.SplitHostPort(frontend)
	port, _ := strconv.Atoi(portStr)

	sqlCfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{"mode": "rwc"},
		DatabaseName:      opts.DBPath,
	}
	if opts.Ephemeral {
		// A shared in-memory database, private to this server by name.
		sqlCfg.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		sqlCfg.DatabaseName = "lattice-" + strconv.FormatUint(rand.Uint64(), 36)
	}

	services := map[string]config.Service{}
	for i, name := range []string{"frontend", "history", "matching", "worker"} {
		grpcPort := port
		if i > 0 {
			p, err := freePort(host)
			if err != nil {
				return nil, err
			}
			grpcPort = p
		}
		membership, err := freePort(host)
		if err != nil {
			return nil, err
		}
		services[name] = config.Service{RPC: config.RPC{
			GRPCPort: grpcPort, MembershipPort: membership, BindOnIP: host,
		}}
	}
	pprof, err := freePort(host)
	if err != nil {
		return nil, err
	}

	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: host},
			PProf:      config.PProf{Port: pprof, Host: host},
			Metrics:    &metrics.Config{},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services:            services,
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: frontend},
	}, nil
}

// prepareDB creates the schema in a new database file and the namespace.
func prepareDB(sqlCfg *config.SQL, opts Options) error {
	if !opts.Ephemeral {
		if opts.DBPath == "" {
			return errors.New("a database path is required unless ephemeral")
		}
		_, err := os.Stat(opts.DBPath)
		if errors.Is(err, os.ErrNotExist) {
			if err := sqlite.SetupSchema(sqlCfg); err != nil {
				return fmt.Errorf("set up database schema: %w", err)
			}
		}
	}
	// An in-memory database gets its schema from the SQLite plugin itself.

	ns, err := sqlite.NewNamespaceConfig("active", opts.Namespace, false, nil)
	if err != nil {
		return fmt.Errorf("configure namespace: %w", err)
	}
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	return nil
}

func serverLogger(level string) log.Logger {
	switch level {
	case "none":
		return log.NewNoopLogger()
	case "":
		level = "fatal"
	}
	return log.NewZapLogger(log.BuildZapLogger(log.Config{Level: level, Format: "console"}))
}

// resolveAddr turns host:0 into host:<a free port>.
func resolveAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port != "0" {
		return addr, nil
	}
	p, err := freePort(host)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// freePort asks the kernel for a free port. The Temporal server takes
// ports, not listeners, so another process could take it first; on
// loopback in practice it does not.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitForPort(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for temporal frontend at %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
