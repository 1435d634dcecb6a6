package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/lattice/lattice/crossconnect"
)

func (a *Activities) source(s crossconnect.Source) (Source, error) {
	src, ok := a.Sources[s]
	if !ok || src == nil {
		return nil, final(ErrRejected, fmt.Sprintf("source %s is not configured on this worker", s))
	}
	return src, nil
}

// FetchAdjustment reads the adjustment and checks it holds every item the
// cancel names. It returns the adjustment's note as it is now. When an
// item is missing, the error's details carry that note as a FetchResult:
// the adjustment exists, so the workflow can still write its failure under
// what the adjustment said.
func (a *Activities) FetchAdjustment(ctx context.Context, in FetchInput) (FetchResult, error) {
	src, err := a.source(in.Source)
	if err != nil {
		return FetchResult{}, err
	}

	adj, err := src.GetAdjustment(ctx, in.IAID)
	if err != nil {
		return FetchResult{}, classify(ctx, err)
	}

	var missing []string
	for _, id := range in.ItemIDs {
		if !adj.HasItem(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return FetchResult{}, final(ErrItemNotOnAdjustment, fmt.Sprintf(
			"adjustment %s does not hold item %s", in.IAID, strings.Join(missing, ", ")),
			FetchResult{Note: adj.Note})
	}
	return FetchResult{Note: adj.Note}, nil
}

// SetNote writes the adjustment's note. Writing the same note twice is
// harmless, so the activity is safe to retry.
func (a *Activities) SetNote(ctx context.Context, in NoteInput) error {
	src, err := a.source(in.Source)
	if err != nil {
		return err
	}
	return classify(ctx, src.SetNote(ctx, in.IAID, in.Note))
}
