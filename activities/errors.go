package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lattice/lattice/vendors"
)

// Application error types the activities return. All but ErrTransient are
// non-retryable: the workflow fails the transaction with their message.
const (
	ErrTransient           = "VendorTransient"
	ErrNotFound            = "NotFound"
	ErrRejected            = "Rejected"
	ErrCredentials         = "CredentialsRejected"
	ErrNotCancellable      = "NotCancellable"
	ErrItemNotOnAdjustment = "ItemNotOnAdjustment"
)

// invalidLoginRetries bounds the retries of NetSuite's 401 INVALID_LOGIN,
// which NetSuite also answers when its concurrency limit is hit.
const invalidLoginRetries = 3

// final returns a non-retryable error of type typ, carrying details for
// the workflow to read.
func final(typ, msg string, details ...any) error {
	return temporal.NewNonRetryableApplicationError(msg, typ, nil, details...)
}

// classify turns a vendor client's error into what Temporal should do
// with it. Transient errors keep the vendor's requested delay; the
// vendor's own text is kept as the reason a person reads.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ve *vendors.Error
	if !errors.As(err, &ve) {
		// Context expiry and the like: let Temporal retry.
		return err
	}

	msg := ve.Error()
	switch ve.Kind {
	case vendors.Transient:
		if ve.Code == "INVALID_LOGIN" && activity.GetInfo(ctx).Attempt > invalidLoginRetries {
			return final(ErrCredentials, msg)
		}
		return temporal.NewApplicationErrorWithOptions(msg, ErrTransient,
			temporal.ApplicationErrorOptions{NextRetryDelay: ve.RetryAfter})
	case vendors.Credentials:
		return final(ErrCredentials, msg)
	case vendors.NotFound:
		return final(ErrNotFound, msg)
	case vendors.Rejected:
		return final(ErrRejected, msg)
	}
	return err
}
