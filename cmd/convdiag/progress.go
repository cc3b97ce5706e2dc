package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/report"
)

// progressLine is the one self-clearing stderr line a terminal shows while
// live reads wait: what is being fetched, which attempt, a Retry-After
// countdown. It appears only once a read has taken longer than delay, and
// is erased before anything else is written.
//
// Hand-written rather than a spinner library: the line's text follows the
// requests in flight, it writes through the redacting stderr writer (the
// libraries insist on an *os.File to decide whether they may draw), and a
// test can drive it.
type progressLine struct {
	w     io.Writer
	width int
	now   func() time.Time
	delay time.Duration

	mu       sync.Mutex
	inflight map[string]*progressItem
	started  time.Time
	drawn    bool
	stop     chan struct{}
	stopped  chan struct{}
}

type progressItem struct {
	attempt   int
	waitUntil time.Time
	status    int
}

// progressClock is where the progress line reads the time and its redraw
// ticks from: the real clock in convdiag, a fake one in tests (so that no
// test waits for a real slow read to see the line).
type progressClock interface {
	Now() time.Time
	// Ticker ticks every d until stop is called.
	Ticker(d time.Duration) (ticks <-chan time.Time, stop func())
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Ticker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// startProgress starts redrawing on every tick of clock; Stop erases the
// line.
func startProgress(w io.Writer, width int, clock progressClock, delay, tick time.Duration) *progressLine {
	p := &progressLine{w: w, width: max(width, 20), now: clock.Now, delay: delay, inflight: map[string]*progressItem{}, started: clock.Now(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	ticks, stopTicks := clock.Ticker(tick)
	go func() {
		defer close(p.stopped)
		defer stopTicks()
		for {
			select {
			case <-p.stop:
				return
			case <-ticks:
				p.draw()
			}
		}
	}()
	return p
}

// Event records a client's progress event.
func (p *progressLine) Event(ev genesys.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case genesys.ProgressStart:
		p.inflight[ev.What] = &progressItem{attempt: ev.Attempt}
	case genesys.ProgressWait:
		p.inflight[ev.What] = &progressItem{attempt: ev.Attempt, waitUntil: p.now().Add(ev.Wait), status: ev.Status}
	case genesys.ProgressDone:
		delete(p.inflight, ev.What)
	}
}

// text is the line without terminal control: "reading the org (3.2s):
// GET /api/v2/tokens/me, GET /api/v2/conversations/3f1c2a9e… (retry 2
// after 429, 3s)".
func (p *progressLine) text() string {
	now := p.now()
	keys := make([]string, 0, len(p.inflight))
	for k := range p.inflight {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Waits and retries are named; plain requests are named when there
	// are few, else counted.
	var parts, plain []string
	for _, k := range keys {
		it := p.inflight[k]
		s := report.ShortenIDs(strings.Replace(k, " /api/v2/", " ", 1), "…")
		switch {
		case !it.waitUntil.IsZero():
			why := "a network error"
			if it.status != 0 {
				why = fmt.Sprint(it.status)
			}
			left := max(it.waitUntil.Sub(now), 0).Round(time.Second)
			parts = append(parts, s+fmt.Sprintf(" (%s; retry %d in %s)", why, it.attempt+1, left))
		case it.attempt > 1:
			parts = append(parts, s+fmt.Sprintf(" (attempt %d)", it.attempt))
		default:
			plain = append(plain, s)
		}
	}
	if len(plain) > 2 {
		plain = []string{fmt.Sprintf("%d requests", len(plain))}
	}
	parts = append(plain, parts...)
	return fmt.Sprintf("reading the org (%s): %s", now.Sub(p.started).Round(100*time.Millisecond), strings.Join(parts, ", "))
}

func (p *progressLine) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.inflight) == 0 || p.now().Sub(p.started) < p.delay {
		if p.drawn && len(p.inflight) == 0 {
			fmt.Fprint(p.w, "\r\x1b[K")
			p.drawn = false
		}
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", fitProgress(p.text(), p.width-1))
	p.drawn = true
}

// fitProgress cuts the line to n columns, never wrapping it, and keeps
// what informs: "reading the org (3.2s): " and the end, where the waits
// and their Retry-After countdowns are; the names in between go first.
func fitProgress(line string, n int) string {
	head, rest, ok := strings.Cut(line, ": ")
	head += ": "
	if !ok || len([]rune(head))+12 > n {
		return report.FitEnd(line, n, "…")
	}
	return head + report.FitEnd(rest, n-len([]rune(head)), "…")
}

// Stop ends the redrawing and erases the line.
func (p *progressLine) Stop() {
	close(p.stop)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
