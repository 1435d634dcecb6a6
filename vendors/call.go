package vendors

import "context"

// Call names one request a vendor client sends: the vendor and the
// operation, in the same words errors and sandbox faults use. The clients
// put it on each request's context, so that what sits beneath them (an
// instrumented HTTP transport) can name the call in spans and metrics
// without reading URLs.
type Call struct {
	Vendor string
	Op     string
}

type callKey struct{}

// WithCall returns a copy of ctx that carries call.
func WithCall(ctx context.Context, call Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// CallFrom returns the call ctx carries, and whether it carries one.
func CallFrom(ctx context.Context) (Call, bool) {
	call, ok := ctx.Value(callKey{}).(Call)
	return call, ok
}
