// Command lattice-load drives a running Lattice with concurrent clients
// and reports what it saw: throughput, latency percentiles, errors, and
// the final state every accepted transaction reached.
//
// Each cancel it sends is for a fresh record that it asks the sandbox to
// create (POST /_sandbox/fixtures), so every one starts a transaction of
// its own. After sending, it polls each accepted transaction until it is
// final or the settle time runs out; one that is not final by then is
// listed, and the command exits 1.
//
//	lattice-load -clients 200 -count 1000
//	lattice-load -clients 50 -duration 30s -api http://127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lattice-load:", err)
		os.Exit(1)
	}
}

// config is what one run does.
type config struct {
	api      string
	sandbox  string
	source   string
	token    string
	clients  int
	count    int
	duration time.Duration
	settle   time.Duration
	poll     time.Duration
	json     bool
}

// tokenEnv holds the bearer token, if the API asks for one; it is read
// from the environment so it never shows in a process listing.
const tokenEnv = "LATTICE_API_TOKEN"

// run sends the load, waits for the transactions to settle and prints
// the summary. It fails when a request failed or a transaction did not
// reach a final state.
func run(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, env, stderr)
	if err != nil {
		return err
	}

	sum, runErr := newLoad(cfg).run(ctx)
	if sum == nil {
		return runErr
	}
	if cfg.json {
		err = sum.writeJSON(stdout)
	} else {
		err = sum.writeText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return errors.Join(runErr, sum.verdict())
}

func parseConfig(args []string, env func(string) (string, bool), stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("lattice-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.api, "api", "http://127.0.0.1:8080", "base URL of the Lattice API")
	fs.StringVar(&cfg.sandbox, "sandbox", "http://127.0.0.1:8090",
		"base URL of the vendor sandbox that creates the records to cancel")
	fs.StringVar(&cfg.source, "source", "ZOH", "accounting system of the records: ZOH or ONS")
	fs.IntVar(&cfg.clients, "clients", 10, "concurrent clients")
	fs.IntVar(&cfg.count, "count", 100, "cancels to send")
	fs.DurationVar(&cfg.duration, "duration", 0, "send for this long instead of -count")
	fs.DurationVar(&cfg.settle, "settle", 2*time.Minute,
		"how long to wait, after sending, for every transaction to reach a final state")
	fs.DurationVar(&cfg.poll, "poll", 500*time.Millisecond, "pause between polls of a transaction")
	fs.BoolVar(&cfg.json, "json", false, "print the summary as JSON")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lattice-load [flags]\n\n"+
			"Sends cancels for fresh sandbox records with concurrent clients, then\n"+
			"waits for each accepted transaction to end. The bearer token, if the\n"+
			"API needs one, is read from %s.\n\nFlags:\n", tokenEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	cfg.token, _ = env(tokenEnv)
	cfg.api = strings.TrimRight(cfg.api, "/")
	cfg.sandbox = strings.TrimRight(cfg.sandbox, "/")
	return cfg, cfg.check()
}

func (c config) check() error {
	var problems []error
	if c.clients < 1 {
		problems = append(problems, errors.New("-clients must be 1 or more"))
	}
	if c.duration <= 0 && c.count < 1 {
		problems = append(problems, errors.New("-count must be 1 or more, or -duration set"))
	}
	if c.source != "ZOH" && c.source != "ONS" {
		problems = append(problems, fmt.Errorf("-source %q must be ZOH or ONS", c.source))
	}
	if c.settle <= 0 || c.poll <= 0 {
		problems = append(problems, errors.New("-settle and -poll must be positive"))
	}
	return errors.Join(problems...)
}
