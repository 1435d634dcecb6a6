package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reader reads one process's variables through the table, collecting
// every problem rather than stopping at the first.
type reader struct {
	process  string
	env      LookupEnv
	problems []error
}

func (r *reader) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Errorf(format, args...))
}

func (r *reader) err() error {
	return errors.Join(r.problems...)
}

// str is the variable's value with spaces trimmed, or its default when it
// is unset or empty.
func (r *reader) str(name string) string {
	def := variable(r.process, name).Default
	if v, ok := r.env(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// isSet reports whether name was given a value, as opposed to defaulted.
func (r *reader) isSet(name string) bool {
	v, ok := r.env(name)
	return ok && strings.TrimSpace(v) != ""
}

func (r *reader) required(name, why string) string {
	v := r.str(name)
	if v == "" {
		r.problem("%s is not set: %s", name, why)
	}
	return v
}

func (r *reader) boolean(name string) bool {
	v := r.str(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.problem("%s=%q must be true or false", name, v)
	}
	return b
}

func (r *reader) integer(name string) int {
	v := r.str(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.problem("%s=%q is not a whole number of 0 or more", name, v)
		return 0
	}
	return n
}

func (r *reader) duration(name string) time.Duration {
	v := r.str(name)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.problem("%s=%q is not a positive duration such as 10s", name, v)
		return 0
	}
	return d
}

// address reads a host:port to listen on or dial.
func (r *reader) address(name string) string {
	v := r.str(name)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		r.problem("%s=%q is not host:port, such as :8080 or 127.0.0.1:7233", name, v)
	}
	return v
}

// baseURL reads an absolute http or https URL, without a trailing slash.
func (r *reader) baseURL(name string) string {
	v := strings.TrimRight(r.str(name), "/")
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.problem("%s=%q is not an http or https URL", name, v)
	}
	return v
}

// list reads comma-separated values; an empty entry is a problem, since
// it is most likely a stray comma.
func (r *reader) list(name string) []string {
	v := r.str(name)
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
		if parts[i] == "" {
			r.problem("%s: entry %d of %d is empty", name, i+1, len(parts))
		}
	}
	return parts
}

// processSettings reads what every process reads.
func (r *reader) processSettings() Process {
	p := Process{
		Listen:    r.address("LATTICE_LISTEN"),
		LogFormat: r.str("LATTICE_LOG_FORMAT"),
	}
	if p.LogFormat != "json" && p.LogFormat != "text" {
		r.problem("LATTICE_LOG_FORMAT=%q must be json or text", p.LogFormat)
	}
	if err := p.LogLevel.UnmarshalText([]byte(r.str("LATTICE_LOG_LEVEL"))); err != nil {
		r.problem("LATTICE_LOG_LEVEL must be debug, info, warn or error")
		p.LogLevel = slog.LevelInfo
	}
	return p
}
