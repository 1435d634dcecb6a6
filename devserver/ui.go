package devserver

import (
	"context"
	"fmt"
	"net"
	"strconv"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

type ui struct {
	server *uiserver.Server
	addr   string
}

// startUI runs the Temporal UI against the frontend. The UI server takes a
// host and port, not a listener, and exits the process if it cannot bind,
// so the port is checked free just before.
func startUI(ctx context.Context, addr, frontend string, opts Options) (*ui, error) {
	addr, err := resolveAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("choose UI address: %w", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("UI address %s: %w", addr, err)
	}
	l.Close()

	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: frontend,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    opts.Namespace,
		HideLogs:            true,
		DisableNewsFetch:    true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		Codec:               uiconfig.Codec{Endpoint: opts.CodecEndpoint},
	}
	s := uiserver.NewServer(server_options.WithConfigProvider(cfg))
	go func() { _ = s.Start() }()

	if err := waitForPort(ctx, addr); err != nil {
		s.Stop()
		return nil, err
	}
	return &ui{server: s, addr: addr}, nil
}

func (u *ui) stop() { u.server.Stop() }
