// Command lattice-dev runs the whole of Lattice on one machine: an
// embedded Temporal server and UI, the vendor sandbox, a worker and the
// HTTP API. Every flag can also be set by an environment variable.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/lattice/lattice/devstack"
	"github.com/lattice/lattice/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lattice-dev:", err)
		os.Exit(1)
	}
}

// run parses the configuration, starts the stack, prints the ready line and
// waits for ctx to end, then shuts down within a bounded time.
func run(ctx context.Context, args []string, env lookupEnv, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, env, stderr)
	if err != nil {
		return err
	}
	tel, err := telemetry.New(ctx, telemetry.Options{Service: "lattice-dev", Env: env, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	cfg.Telemetry = tel

	stack, err := devstack.Start(ctx, cfg)
	if err != nil {
		tel.Shutdown(context.Background())
		return err
	}
	printReady(stdout, stack, cfg)

	<-ctx.Done()
	fmt.Fprintln(stderr, "lattice-dev: shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(stack.Close(shutdown), tel.Shutdown(shutdown))
}

// flagDef is one flag with the environment variable that can also set it.
type flagDef struct {
	name, env, def, usage string
}

var flagDefs = []flagDef{
	{"listen", "LATTICE_LISTEN", "127.0.0.1:8080", "HTTP API address"},
	{"temporal", "LATTICE_TEMPORAL", "127.0.0.1:7233", "embedded Temporal frontend address"},
	{"ui", "LATTICE_UI", "127.0.0.1:8233", "Temporal UI address; empty turns the UI off"},
	{"sandbox", "LATTICE_SANDBOX", "127.0.0.1:8090", "vendor sandbox address"},
	{"db", "LATTICE_DB", defaultDB(), "SQLite file holding Temporal's state"},
	{"confirm-delay", "LATTICE_CONFIRM_DELAY", "2s", "how long the sandbox's Equinix takes to confirm a cancel"},
	{"log-level", "LATTICE_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
}

func defaultDB() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "lattice", "temporal.db")
}

// lookupEnv reads an environment variable, as os.LookupEnv does; set but
// empty counts as set, so LATTICE_UI= turns the UI off.
type lookupEnv func(string) (string, bool)

func parseConfig(args []string, env lookupEnv, stderr io.Writer) (devstack.Config, error) {
	fs := flag.NewFlagSet("lattice-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, d := range flagDefs {
		def := d.def
		if v, ok := env(d.env); ok {
			def = v
		}
		vals[d.name] = fs.String(d.name, def, d.usage+" (env "+d.env+")")
	}
	ephDefault := false
	if v, ok := env("LATTICE_EPHEMERAL"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return devstack.Config{}, fmt.Errorf("LATTICE_EPHEMERAL=%q must be true or false", v)
		}
		ephDefault = b
	}
	ephemeral := fs.Bool("ephemeral", ephDefault,
		"keep Temporal's state in memory: nothing survives a restart (env LATTICE_EPHEMERAL=true)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lattice-dev [flags]\n\nRuns Temporal, its UI, the vendor sandbox, a worker and the API in one process.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return devstack.Config{}, err
	}
	if fs.NArg() > 0 {
		return devstack.Config{}, fmt.Errorf("unexpected argument %q: lattice-dev takes only flags", fs.Arg(0))
	}

	delay, err := time.ParseDuration(*vals["confirm-delay"])
	if err != nil || delay <= 0 {
		return devstack.Config{}, fmt.Errorf("--confirm-delay=%q must be a positive duration such as 2s",
			*vals["confirm-delay"])
	}
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(*vals["log-level"])); err != nil {
		return devstack.Config{}, fmt.Errorf("--log-level: %w", err)
	}

	return devstack.Config{
		Listen:       *vals["listen"],
		Temporal:     *vals["temporal"],
		UI:           *vals["ui"],
		Sandbox:      *vals["sandbox"],
		DB:           *vals["db"],
		Ephemeral:    *ephemeral,
		ConfirmDelay: delay,
		Logger:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}, nil
}

// exampleRequest is the seed's example request, as valid JSON.
const exampleRequest = `{"qcl_generic_data":{"qcl_source_id":"ZOH","qcl_destination_id":"EQX"},` +
	`"qcl_transaction_data":{"generic_fields":{},"source_fields":{"qcl_ia_id":"4182712000000183000",` +
	`"qcl_item_details":[{"qcl_cc_inventory_item_id":"4182712000000084077",` +
	`"qcl_cc_inventory_item_name":"Cross Connect"}]}},"destination_fields":{}}`

func printReady(w io.Writer, s *devstack.Stack, cfg devstack.Config) {
	ui := s.Temporal.UIURL()
	state := "state=" + cfg.DB
	if cfg.Ephemeral {
		state = "state=in-memory"
	}
	fmt.Fprintf(w, "ready api=%s ui=%s temporal=%s sandbox=%s %s\n",
		s.APIURL, cmp.Or(ui, "off"), s.Temporal.FrontendAddr(), s.SandboxURL, state)
	fmt.Fprintf(w, "\nCancel the example cross connect:\n\n"+
		"  curl -i -X POST %s/v1/accounting/crossconnect/qcl_crossconnect_cancel \\\n"+
		"    -H 'Content-Type: application/json' \\\n    -d '%s'\n\n", s.APIURL, exampleRequest)
	if ui == "" {
		fmt.Fprintln(w, "Then GET the Location it answers.")
		return
	}
	fmt.Fprintf(w, "Then GET the Location it answers, or watch it at %s\n", ui)
}
