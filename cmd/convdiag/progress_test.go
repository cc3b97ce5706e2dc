package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestProgressLineText: on a fake clock, the line names what is in flight,
// counts a Retry-After down, and is erased on Stop.
func TestProgressLineText(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var out syncBuffer
	p := startProgress(&out, 200, clock, 400*time.Millisecond, time.Hour)
	p.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10", Attempt: 1})
	p.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/tokens/me", Attempt: 1})
	p.draw()
	if out.String() != "" {
		t.Fatalf("drawn before the delay: %q", out.String())
	}
	now = now.Add(time.Second)
	p.Event(genesys.Progress{Kind: genesys.ProgressWait, What: "GET /api/v2/tokens/me", Attempt: 1, Wait: 3 * time.Second, Status: 429})
	p.draw()
	got := out.String()
	for _, want := range []string{"\r\x1b[Kreading the org (1s): ", "GET conversations/3f1c2a9e…", "GET tokens/me (429; retry 2 in 3s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
	now = now.Add(2 * time.Second)
	p.draw()
	if !strings.Contains(out.String(), "retry 2 in 1s") {
		t.Errorf("the countdown did not count: %q", out.String())
	}
	p.Event(genesys.Progress{Kind: genesys.ProgressDone, What: "GET /api/v2/tokens/me"})
	p.Event(genesys.Progress{Kind: genesys.ProgressDone, What: "GET /api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10"})
	p.Stop()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("the line was not erased: %q", out.String())
	}
	// Narrow terminals get the line cut, never wrapped.
	var narrow syncBuffer
	q := startProgress(&narrow, 30, clock, 0, time.Hour)
	q.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/analytics/conversations/x/details", Attempt: 3})
	q.draw()
	q.Stop()
	for _, l := range strings.Split(strings.ReplaceAll(narrow.String(), "\r\x1b[K", "\n"), "\n") {
		if len([]rune(l)) > 29 {
			t.Errorf("a %d-rune progress line on a 30-column terminal: %q", len([]rune(l)), l)
		}
	}
}

// TestProgressOnTerminalOnly: against a slow org, a terminal's stderr
// shows the progress line within a second and it is gone before convdiag
// ends; a stderr that is not a terminal gets none of it.
func TestProgressOnTerminalOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a slow simulated org")
	}
	sc, _ := sim.LookupScenario("stale-leg")
	srv, _ := testSim(t, sc.Name, sim.Options{Latency: 1200 * time.Millisecond})
	args := []string{"convdiag", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(), "--format", "json"}
	for _, tty := range []bool{true, false} {
		e, out, _ := testEnv(nil, "")
		var errb syncBuffer
		e.Stderr = &errb
		e.IsTerminal = func(w io.Writer) bool { return tty && w == io.Writer(&errb) }
		e.TermWidth = func(io.Writer) int { return 100 }
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code := run(ctx, args, e)
		cancel()
		if code > 1 || !strings.HasPrefix(out.String(), "{") {
			t.Fatalf("tty=%v: exit %d, stdout %.80q", tty, code, out.String())
		}
		got := errb.String()
		if !tty {
			if strings.Contains(got, "\x1b") || strings.Contains(got, "reading the org") {
				t.Errorf("progress written to a stderr that is not a terminal: %q", got)
			}
			continue
		}
		last := strings.LastIndex(got, "reading the org")
		if last < 0 || !strings.Contains(got, "requests") {
			t.Fatalf("no progress line on a terminal after a 2.4s wait: %q", got)
		}
		if !strings.HasSuffix(got, "\r\x1b[K") || strings.LastIndex(got, "\r\x1b[K") < last {
			t.Errorf("the progress line was not erased at the end: %q", got[max(0, len(got)-200):])
		}
	}
}
