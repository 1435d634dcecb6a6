package telemetry

import (
	"context"
	"log/slog"
	"strings"
	"unicode"

	sdklog "go.temporal.io/sdk/log"
)

// keyTransactionID is the log key of a transaction's id everywhere.
const keyTransactionID = "transaction_id"

// TemporalLogger is l adapted for the Temporal SDK, in Lattice's key
// vocabulary: the SDK's keys become snake_case (TaskQueue → task_queue,
// RunID → run_id), ActivityType becomes activity, and WorkflowID becomes
// transaction_id, since every workflow Lattice runs is a transaction whose
// workflow id is its transaction id. So the SDK's own lines about a
// workflow carry the transaction id too, and a line never carries it
// twice. Workflow code gets it through workflow.GetLogger, which stays
// silent during replay.
func TemporalLogger(l *slog.Logger) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(&sdkKeys{next: l.Handler()}))
}

// sdkKeys renames the attributes of the records it passes on.
type sdkKeys struct {
	next slog.Handler
	// hasTx says a transaction_id is among next's attributes already.
	hasTx bool
	// grouped says attributes now go inside a group the SDK opened; they
	// are passed on as they are.
	grouped bool
}

func (h *sdkKeys) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *sdkKeys) WithAttrs(attrs []slog.Attr) slog.Handler {
	if h.grouped {
		return &sdkKeys{next: h.next.WithAttrs(attrs), hasTx: h.hasTx, grouped: true}
	}
	out, hasTx := renameAttrs(attrs, h.hasTx)
	return &sdkKeys{next: h.next.WithAttrs(out), hasTx: hasTx}
}

func (h *sdkKeys) WithGroup(name string) slog.Handler {
	return &sdkKeys{next: h.next.WithGroup(name), hasTx: h.hasTx, grouped: true}
}

func (h *sdkKeys) Handle(ctx context.Context, r slog.Record) error {
	if h.grouped {
		return h.next.Handle(ctx, r)
	}

	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	out, _ := renameAttrs(attrs, h.hasTx)

	renamed := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	renamed.AddAttrs(out...)
	return h.next.Handle(ctx, renamed)
}

// renameAttrs renames attrs, dropping a transaction_id when one is
// present already. It reports whether one is present afterwards.
func renameAttrs(attrs []slog.Attr, hasTx bool) ([]slog.Attr, bool) {
	out := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		a.Key = logKey(a.Key)
		if a.Key == keyTransactionID {
			if hasTx {
				continue
			}
			hasTx = true
		}
		out = append(out, a)
	}
	return out, hasTx
}

// logKey is Lattice's key for one of the SDK's.
func logKey(key string) string {
	switch key {
	case "WorkflowID":
		return keyTransactionID
	case "ActivityType":
		return "activity"
	}
	return snakeCase(key)
}

// snakeCase turns CamelCase into snake_case, keeping initialisms whole:
// WorkflowID is workflow_id, HTTPStatus is http_status.
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (nextLower && unicode.IsUpper(rs[i-1])) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
