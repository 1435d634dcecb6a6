// Package sandbox emulates Equinix, Zoho Inventory and NetSuite in process,
// on loopback, for the dev stack and the tests. It speaks the vendors' wire
// contract (paths, auth, status codes, error bodies), keeps their records in
// memory, and lets a caller inject faults per operation.
//
// Everything is served under one base URL: Equinix under /equinix, Zoho
// under /zoho, NetSuite under /netsuite and the control endpoints under
// /_sandbox.
package sandbox

import (
	"crypto/ecdsa"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// defaultConfirmDelay is how long an accepted Equinix cancel takes to be
// confirmed when Options.ConfirmDelay is zero.
const defaultConfirmDelay = 2 * time.Second

// Options configures a Sandbox. The zero value is ready to use.
type Options struct {
	// ConfirmDelay is how long after an accepted cancel the line (and the
	// order, once all its lines are) turns CANCELLED. Zero means 2s.
	ConfirmDelay time.Duration

	// Credentials are the only ones the emulators accept. The zero value
	// means DefaultCredentials().
	Credentials Credentials

	// Logger receives a debug line per call and an info line per
	// injected fault. Nil discards.
	Logger *slog.Logger
}

// Sandbox serves the three vendor emulators and the control endpoints. It is
// an http.Handler; all its methods are safe for concurrent use.
type Sandbox struct {
	confirmDelay time.Duration
	creds        Credentials
	log          *slog.Logger
	mux          *http.ServeMux

	// netsuiteKey verifies client assertions; nil when the configured
	// private key does not parse, and then every assertion is refused.
	netsuiteKey *ecdsa.PublicKey

	mu       sync.Mutex
	closed   bool
	calls    map[callKey]int
	faults   []Fault
	tokens   map[string]token
	equinix  equinixState
	zoho     zohoState
	netsuite netsuiteState
	timers   map[uint64]*time.Timer
	seq      uint64
}

// callKey names one operation of one vendor on one record ("" when the
// path names none).
type callKey struct {
	vendor    string
	operation string
	record    string
}

// New returns a sandbox seeded with the demo records.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		confirmDelay: opts.ConfirmDelay,
		creds:        opts.Credentials,
		log:          opts.Logger,
		calls:        map[callKey]int{},
		tokens:       map[string]token{},
		timers:       map[uint64]*time.Timer{},
	}
	if s.confirmDelay <= 0 {
		s.confirmDelay = defaultConfirmDelay
	}
	if s.creds == (Credentials{}) {
		s.creds = DefaultCredentials()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	key, err := publicKeyFromPEM(s.creds.NetSuitePrivateKeyPEM)
	if err != nil {
		s.log.Error("sandbox netsuite key unusable, assertions will fail",
			"vendor", "netsuite", "error", err)
	}
	s.netsuiteKey = key

	s.seedEquinix()
	s.seedZoho()
	s.seedNetSuite()
	s.startFixturesAt(time.Now())
	s.mux = s.routes()
	return s
}

// ServeHTTP serves every vendor and the control endpoints.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close stops the pending confirmation timers. The sandbox keeps answering
// calls, but accepted cancels are no longer confirmed.
func (s *Sandbox) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.closed = true
	for id, t := range s.timers {
		t.Stop()
		delete(s.timers, id)
	}
}

// Credentials returns the credentials the sandbox accepts.
func (s *Sandbox) Credentials() Credentials {
	return s.creds
}

// Calls returns how many calls reached an operation, faulted ones included.
// An empty vendor or operation matches any.
func (s *Sandbox) Calls(vendor, operation string) int {
	return s.CallsOn(vendor, operation, "")
}

// CallsOn is Calls limited to one record, as Fault.Record names it; an
// empty record matches any.
func (s *Sandbox) CallsOn(vendor, operation, record string) int {
	s.mu.Lock()
	defer s.mu.Unlock()

	n := 0
	for k, c := range s.calls {
		if (vendor == "" || k.vendor == vendor) &&
			(operation == "" || k.operation == operation) &&
			(record == "" || k.record == record) {
			n += c
		}
	}
	return n
}

// startFixturesAt moves the fixture id counters to a point that depends on
// the start time, so fixtures of a restarted sandbox never reuse the ids
// of an earlier run: lattice-dev keeps Temporal's state across restarts,
// and an old id would find its old, completed transaction. A run may make
// 100,000 fixtures a second of its start before it overlaps the next.
//
// NetSuite's internal ids are short integers, so its counters move on a
// coarser clock: ten minutes of start time apart, 10,000 fixtures each.
func (s *Sandbox) startFixturesAt(t time.Time) {
	offset := uint64(t.Unix()%10_000_000) * 100_000
	s.zoho.nextID += offset
	s.equinix.nextOrder += int(offset)
	s.equinix.nextLine += int(offset)

	short := int(t.Unix()/600%10_000) * 10_000
	s.netsuite.nextID += short
	s.netsuite.nextItem += short
}

// nextID returns a number never returned before by this sandbox. The
// caller holds s.mu.
func (s *Sandbox) nextID() uint64 {
	s.seq++
	return s.seq
}
