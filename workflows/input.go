package workflows

import (
	"time"

	"github.com/lattice/lattice/crossconnect"
)

// Input starts a CancelCrossConnect workflow.
type Input struct {
	TransactionID string               `json:"transaction_id"`
	Request       crossconnect.Request `json:"request"`
	ReceivedAt    time.Time            `json:"received_at"`
	Settings      Settings             `json:"settings"`
	// Resume carries a transaction across continue-as-new; nil on a fresh
	// start.
	Resume *Progress `json:"resume,omitempty"`
}

// Settings tune the saga. Zero fields take the defaults; they are part of
// the input so that a replay sees the values the run started with.
type Settings struct {
	// PollInitial is the first wait before asking the destination whether
	// it confirmed; each wait doubles up to PollMax.
	PollInitial time.Duration `json:"poll_initial,omitempty"`
	PollMax     time.Duration `json:"poll_max,omitempty"`
	// ConfirmTimeout is how long to wait for confirmation before asking an
	// operator.
	ConfirmTimeout time.Duration `json:"confirm_timeout,omitempty"`
	// StepBudget is how long one step may retry transient errors before
	// the transaction needs attention.
	StepBudget time.Duration `json:"step_budget,omitempty"`
	// CompensationBudget is how long compensation may retry.
	CompensationBudget time.Duration `json:"compensation_budget,omitempty"`
	// HeartbeatTimeout is how long a cancel call at the destination may
	// go without a heartbeat before Temporal takes its worker for lost
	// and gives the call to another.
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout,omitempty"`
	// HistoryLimit is the history length past which the workflow continues
	// as new while it waits.
	HistoryLimit int `json:"history_limit,omitempty"`
}

// Default settings.
const (
	DefaultPollInitial        = 1 * time.Second
	DefaultPollMax            = time.Hour
	DefaultConfirmTimeout     = 14 * 24 * time.Hour
	DefaultStepBudget         = 10 * time.Minute
	DefaultCompensationBudget = 24 * time.Hour
	DefaultHeartbeatTimeout   = 20 * time.Second
	DefaultHistoryLimit       = 2000
)

func (s Settings) withDefaults() Settings {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.PollInitial, DefaultPollInitial)
	def(&s.PollMax, DefaultPollMax)
	def(&s.ConfirmTimeout, DefaultConfirmTimeout)
	def(&s.StepBudget, DefaultStepBudget)
	def(&s.CompensationBudget, DefaultCompensationBudget)
	def(&s.HeartbeatTimeout, DefaultHeartbeatTimeout)
	if s.HistoryLimit <= 0 {
		s.HistoryLimit = DefaultHistoryLimit
	}
	s.PollMax = max(s.PollMax, s.PollInitial)
	return s
}

// Progress is the part of a transaction that outlives a continue-as-new:
// only the wait for confirmation continues as new.
type Progress struct {
	Transaction  crossconnect.Transaction `json:"transaction"`
	PreviousNote string                   `json:"previous_note"`
	OrderID      string                   `json:"order_id"`
	Lines        map[string]string        `json:"lines"`
	NextPoll     time.Duration            `json:"next_poll"`
	Deadline     time.Time                `json:"deadline"`
}
