package crossconnect

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what a caller can do about it. The HTTP layer
// maps kinds to statuses in one place.
type Kind int

// Error kinds.
const (
	Internal     Kind = iota // a bug or an unexpected failure; details go to the log only
	Invalid                  // the request is malformed or breaks a rule
	NotFound                 // the thing asked for does not exist
	Conflict                 // the request clashes with the current state
	Unavailable              // a dependency is down; try again later
	NotSupported             // the request is valid but Lattice cannot do it
	TooLarge                 // the request body is over the limit
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Unavailable:
		return "unavailable"
	case NotSupported:
		return "not_supported"
	case TooLarge:
		return "too_large"
	}
	return "internal"
}

// Error is a Lattice error: an operation, a kind, a message a client may
// read, and an underlying cause that only the log sees.
type Error struct {
	Op   string // what was being done, e.g. "start transaction"
	Kind Kind
	Msg  string // safe to show to a client
	Err  error  // cause; never shown to a client
}

// E builds an *Error.
func E(op string, kind Kind, msg string, cause error) *Error {
	return &Error{Op: op, Kind: kind, Msg: msg, Err: cause}
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first *Error in err's chain, else Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the client-safe message of err: the Msg of its *Error,
// or a generic sentence for anything else.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Msg
	}
	return "internal error"
}

// Problem is one thing wrong with a request body, in the shape clients of
// the previous service already parse: a location from "body" down to the
// field or list index, a sentence, and a stable type.
type Problem struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// Problem types. They are stable: clients may switch on them.
const (
	ProblemMissing            = "missing"
	ProblemStringType         = "string_type"
	ProblemDictType           = "dict_type"
	ProblemListType           = "list_type"
	ProblemEnum               = "enum"
	ProblemStringTooShort     = "string_too_short"
	ProblemStringTooLong      = "string_too_long"
	ProblemPattern            = "string_pattern_mismatch"
	ProblemTooShort           = "too_short"
	ProblemTooLong            = "too_long"
	ProblemDuplicateItem      = "duplicate_item"
	ProblemAliasConflict      = "alias_conflict"
	ProblemCancelNotSupported = "cancel_not_supported"
	ProblemExtraForbidden     = "extra_forbidden"
)

// ValidationError lists every problem found in a request body at once.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid request"
	}
	p := e.Problems[0]
	s := fmt.Sprintf("invalid request: %v: %s", p.Loc, p.Msg)
	if n := len(e.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// SyntaxError is a body that is not one well-formed JSON object. Line and
// Column are 1-based and zero when no position applies (an empty body).
type SyntaxError struct {
	Msg    string
	Line   int
	Column int
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s at line %d, column %d", e.Msg, e.Line, e.Column)
}
