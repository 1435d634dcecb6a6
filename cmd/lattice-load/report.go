package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lattice/lattice/crossconnect"
)

// maxListed is how many unfinished transactions the text summary names.
const maxListed = 20

// summary is what a run saw. Its JSON form is for scripts and the
// benchmarks; its text form for people.
type summary struct {
	Clients  int            `json:"clients"`
	Sent     int            `json:"sent"`
	Accepted int            `json:"accepted"`
	Errors   map[string]int `json:"errors"`
	// ElapsedS is the sending time in seconds; PerSecond the 201s a
	// second over it.
	ElapsedS  float64 `json:"elapsed_s"`
	PerSecond float64 `json:"accepted_per_s"`
	// LatencyMS are percentiles of every request's time to its answer.
	LatencyMS latencies `json:"latency_ms"`
	// Final counts the transactions by the final state they reached.
	Final map[crossconnect.State]int `json:"final"`
	// NotFinal maps each transaction still not final after the settle
	// time to the last state seen, "" when the API never answered for it.
	NotFinal map[string]crossconnect.State `json:"not_final"`
	SettleS  float64                       `json:"settle_s"`

	ids []string
}

// latencies are in milliseconds.
type latencies struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func newSummary(clients int, outs []outcome, elapsed time.Duration) *summary {
	s := &summary{
		Clients:  clients,
		Sent:     len(outs),
		Errors:   map[string]int{},
		ElapsedS: elapsed.Seconds(),
		Final:    map[crossconnect.State]int{},
		NotFinal: map[string]crossconnect.State{},
	}
	lat := make([]time.Duration, 0, len(outs))
	for _, o := range outs {
		lat = append(lat, o.latency)
		if o.problem != "" {
			s.Errors[o.problem]++
			continue
		}
		s.Accepted++
		s.ids = append(s.ids, o.id)
	}
	if elapsed > 0 {
		s.PerSecond = float64(s.Accepted) / elapsed.Seconds()
	}
	s.LatencyMS = percentiles(lat)
	return s
}

func (s *summary) accepted() []string { return s.ids }

// settled records the state each accepted transaction ended in.
func (s *summary) settled(states map[string]crossconnect.State, took time.Duration) {
	s.SettleS = took.Seconds()
	for id, st := range states {
		if st.Final() {
			s.Final[st]++
		} else {
			s.NotFinal[id] = st
		}
	}
}

// percentiles are nearest-rank percentiles of lat.
func percentiles(lat []time.Duration) latencies {
	if len(lat) == 0 {
		return latencies{}
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(lat)))) - 1
		return float64(lat[max(i, 0)]) / float64(time.Millisecond)
	}
	return latencies{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}

// verdict fails the run when a cancel was not accepted or a transaction
// did not end.
func (s *summary) verdict() error {
	var problems []string
	if n := s.Sent - s.Accepted; n > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d cancels were not accepted", n, s.Sent))
	}
	if n := len(s.NotFinal); n > 0 {
		problems = append(problems, fmt.Sprintf(
			"%d accepted transactions did not reach a final state", n))
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

func (s *summary) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func (s *summary) writeText(w io.Writer) error {
	l := s.LatencyMS
	lines := []string{
		fmt.Sprintf("sent      %d cancels with %d clients in %.2fs", s.Sent, s.Clients, s.ElapsedS),
		fmt.Sprintf("accepted  %d (%.1f/s)", s.Accepted, s.PerSecond),
		fmt.Sprintf("latency   p50 %.1fms  p90 %.1fms  p99 %.1fms  max %.1fms", l.P50, l.P90, l.P99, l.Max),
		"errors    " + countsText(s.Errors),
		fmt.Sprintf("final     %s (polled for %.1fs)", countsText(s.Final), s.SettleS),
		"not final " + s.notFinalText(),
	}
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

// countsText lists counts by key, largest first, or "none".
func countsText[K ~string](counts map[K]int) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b K) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

func (s *summary) notFinalText() string {
	if len(s.NotFinal) == 0 {
		return "none"
	}
	ids := slices.Sorted(maps.Keys(s.NotFinal))
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", len(ids))
	for _, id := range ids[:min(len(ids), maxListed)] {
		st := s.NotFinal[id]
		if st == "" {
			st = "no answer"
		}
		fmt.Fprintf(&b, "\n  %s %s", id, st)
	}
	if len(ids) > maxListed {
		fmt.Fprintf(&b, "\n  and %d more", len(ids)-maxListed)
	}
	return b.String()
}
