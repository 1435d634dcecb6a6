package activities

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/activity"
)

// logger returns the activity's logger with the transaction id and the
// activity's name and attempt on every line.
func (a *Activities) logger(ctx context.Context, transactionID string) *slog.Logger {
	l := a.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	info := activity.GetInfo(ctx)
	return l.With(
		"transaction_id", transactionID,
		"activity", info.ActivityType.Name,
		"attempt", info.Attempt,
	)
}
