package diagnose

import (
	"context"
	"testing"
	"time"
)

// TestInterruptedBy: only a context cancelled with an interruption as its
// cause is interrupted; a spent budget or a plain cancel is not.
func TestInterruptedBy(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if InterruptedBy(ctx) != nil {
		t.Error("a live context is interrupted")
	}
	cancel(&Interrupted{Signal: "SIGTERM", Code: 143})
	if in := InterruptedBy(ctx); in == nil || in.Code != 143 || in.Error() != "interrupted (SIGTERM)" {
		t.Errorf("cancelled by SIGTERM: %v", in)
	}
	// A budget inside an interrupted run is interrupted too.
	inner, stop := context.WithTimeout(ctx, time.Hour)
	defer stop()
	if InterruptedBy(inner) == nil {
		t.Error("a context derived from an interrupted one is not interrupted")
	}
	spent, stop2 := context.WithTimeout(context.Background(), 0)
	defer stop2()
	<-spent.Done()
	if InterruptedBy(spent) != nil {
		t.Error("a spent budget is called an interruption")
	}
	plain, cancelPlain := context.WithCancel(context.Background())
	cancelPlain()
	if InterruptedBy(plain) != nil {
		t.Error("a plain cancel is called an interruption")
	}
}
