package diagnose

import (
	"context"
	"errors"
)

// Interrupted is the cause of a context cancelled because convdiag was
// told to stop: the user's Ctrl-C (SIGINT) or the system's SIGTERM. It is
// not a failure of the org nor a spent time budget, and nothing read after
// it is judged (DESIGN §4b.9): code that sees it stops and says
// "interrupted".
type Interrupted struct {
	// Signal names the signal: "SIGINT" or "SIGTERM".
	Signal string
	// Code is the exit code it ends convdiag with: 130 for SIGINT, 143
	// for SIGTERM (128 plus the signal's number, as shells report it).
	Code int
}

func (i *Interrupted) Error() string { return "interrupted (" + i.Signal + ")" }

// InterruptedBy returns the interruption that cancelled ctx, or nil when
// ctx is live or ended otherwise (a deadline, a plain cancel).
func InterruptedBy(ctx context.Context) *Interrupted {
	var in *Interrupted
	if errors.As(context.Cause(ctx), &in) {
		return in
	}
	return nil
}
