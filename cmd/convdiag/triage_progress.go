package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/convdiag/convdiag/diagnose/triage"
)

// triageProgress is the one self-clearing stderr line a terminal shows
// while triage runs: tickets done of those known, conversations read, and
// an estimate of the time left from the pace so far. Hand-written like
// progressLine (it writes through the redacting stderr writer), redrawn at
// most every tick.
type triageProgress struct {
	w     io.Writer
	width int
	now   func() time.Time

	mu      sync.Mutex
	started time.Time
	last    time.Time
	drawn   bool
}

const triageTick = 100 * time.Millisecond

func startTriageProgress(w io.Writer, width int, now func() time.Time) *triageProgress {
	return &triageProgress{w: w, width: width, now: now, started: now()}
}

// update redraws the line for p (throttled).
func (t *triageProgress) update(p triage.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if now.Sub(t.last) < triageTick && p.Done < p.Total {
		return
	}
	t.last = now
	line := []rune(triageProgressText(p, now.Sub(t.started)))
	if len(line) > t.width-1 {
		line = append(line[:t.width-2], '…')
	}
	fmt.Fprintf(t.w, "\r\x1b[K%s", string(line))
	t.drawn = true
}

// triageProgressText is "triage: 120 of 300 tickets, 40 of 100
// conversations read, 1m02s, about 41s left".
func triageProgressText(p triage.Progress, elapsed time.Duration) string {
	s := fmt.Sprintf("triage: %d of %d tickets", p.Done, p.Total)
	if p.ConversationsTotal > 0 {
		s += fmt.Sprintf(", %d of %d conversations read", p.Conversations, p.ConversationsTotal)
	}
	s += ", " + elapsed.Round(time.Second).String()
	if p.Done > 0 && p.Total > p.Done {
		left := time.Duration(float64(elapsed) * float64(p.Total-p.Done) / float64(p.Done))
		s += ", about " + left.Round(time.Second).String() + " left"
	}
	return s
}

// stop erases the line.
func (t *triageProgress) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.drawn {
		fmt.Fprint(t.w, "\r\x1b[K")
		t.drawn = false
	}
}
