package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestProgressLineText: on a fake clock, the line names what is in flight,
// counts a Retry-After down, and is erased on Stop.
func TestProgressLineText(t *testing.T) {
	clock := newTickClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	var out syncBuffer
	p := startProgress(&out, 200, clock, 400*time.Millisecond, time.Hour)
	p.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10", Attempt: 1})
	p.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/tokens/me", Attempt: 1})
	p.draw()
	if out.String() != "" {
		t.Fatalf("drawn before the delay: %q", out.String())
	}
	clock.advance(time.Second)
	p.Event(genesys.Progress{Kind: genesys.ProgressWait, What: "GET /api/v2/tokens/me", Attempt: 1, Wait: 3 * time.Second, Status: 429})
	p.draw()
	got := out.String()
	for _, want := range []string{"\r\x1b[Kreading the org (1s): ", "GET conversations/3f1c2a9e…", "GET tokens/me (429; retry 2 in 3s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
	clock.advance(2 * time.Second)
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
	// Narrow terminals get the line cut, never wrapped; the cut keeps the
	// elapsed time and the end, where the countdown is.
	var narrow syncBuffer
	q := startProgress(&narrow, 50, clock, 0, time.Hour)
	q.Event(genesys.Progress{Kind: genesys.ProgressStart, What: "GET /api/v2/analytics/conversations/x/details", Attempt: 3})
	q.Event(genesys.Progress{Kind: genesys.ProgressWait, What: "GET /api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10", Attempt: 1, Wait: 4 * time.Second, Status: 429})
	q.draw()
	q.Stop()
	drawn := strings.Split(strings.ReplaceAll(narrow.String(), "\r\x1b[K", "\n"), "\n")
	for _, l := range drawn {
		if len([]rune(l)) > 49 {
			t.Errorf("a %d-rune progress line on a 50-column terminal: %q", len([]rune(l)), l)
		}
	}
	if !strings.Contains(narrow.String(), "reading the org (0s): …") || !strings.Contains(narrow.String(), "(429; retry 2 in 4s)") {
		t.Errorf("the cut lost the head or the countdown: %q", drawn)
	}
}

// TestProgressOnTerminalOnly: while the org's reads wait, a terminal's
// stderr shows the progress line, and it is gone before convdiag ends; a
// stderr that is not a terminal gets none of it. The reads wait on the
// test (a server that answers when told), the line's clock is a fake the
// test ticks: nothing waits for real time.
func TestProgressOnTerminalOnly(t *testing.T) {
	sc, _ := sim.LookupScenario("stale-leg")
	org, _ := sc.Org()
	h := sim.New(org, sim.Options{})
	for _, tty := range []bool{true, false} {
		release, arrived := make(chan struct{}), make(chan struct{}, 16)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				arrived <- struct{}{}
				<-release
			}
			h.ServeHTTP(w, r)
		}))
		clock := newTickClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
		e, out, _ := testEnv(nil, "")
		var errb syncBuffer
		e.Stderr = &errb
		e.IsTerminal = func(w io.Writer) bool { return tty && w == io.Writer(&errb) }
		e.TermWidth = func(io.Writer) int { return 100 }
		e.ProgressClock = clock
		args := []string{"convdiag", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(), "--format", "json"}
		done := make(chan int)
		go func() { done <- run(context.Background(), args, e) }()
		<-arrived // a GET is waiting on the server
		if tty {
			clock.advance(time.Second)
			clock.tick() // the line is drawn on this tick...
			clock.tick() // ...and finished once the next one is taken
			if got := errb.String(); !strings.Contains(got, "\r\x1b[Kreading the org (1s): ") {
				t.Errorf("no progress line on a terminal while a read waits: %q", got)
			}
		}
		close(release)
		code := <-done
		srv.Close()
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
		if last := strings.LastIndex(got, "reading the org"); !strings.HasSuffix(got, "\r\x1b[K") || strings.LastIndex(got, "\r\x1b[K") < last {
			t.Errorf("the progress line was not erased at the end: %q", got[max(0, len(got)-200):])
		}
	}
}

// tickClock is a progress clock a test sets and ticks by hand.
type tickClock struct {
	mu    sync.Mutex
	t     time.Time
	ticks chan time.Time
}

func newTickClock(t time.Time) *tickClock { return &tickClock{t: t, ticks: make(chan time.Time)} }

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *tickClock) Ticker(time.Duration) (<-chan time.Time, func()) { return c.ticks, func() {} }

func (c *tickClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tick hands the progress line one tick; it returns once the line's loop
// has taken it.
func (c *tickClock) tick() { c.ticks <- c.Now() }
