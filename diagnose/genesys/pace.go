package genesys

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pacer spaces a client's requests (ClientConfig.Pace): Wait is called
// before each request goes out, Observe with each answer (status 0 and a
// nil header when none came).
type Pacer interface {
	Wait(ctx context.Context) error
	Observe(status int, h http.Header)
}

// RatePacer keeps a client under the rate limit its org announces
// (reference §4, §8e): the inin-ratelimit-allowed requests per window, the
// window being the longest inin-ratelimit-reset seen (at least a second),
// so that no span of that length holds more requests than allowed, plus a
// margin for the network's jitter. A 429's Retry-After (or reset) pauses
// every request until it has passed; a count above what this client sent
// in the window (another client on the same token) pauses until the reset.
// Until the first answer tells the limit, one request goes out at a time.
type RatePacer struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// margin is added to each wait for a slot.
	margin time.Duration

	mu          sync.Mutex
	limit       int
	window      time.Duration
	sent        []time.Time // send times within the last window, oldest first
	pausedUntil time.Time
	probing     bool
	changed     chan struct{} // closed and replaced when the state changes
}

// NewRatePacer returns a pacer on a clock (nil: the real one) and a sleep
// that honours its context (nil: a timer).
func NewRatePacer(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) *RatePacer {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = SleepContext
	}
	return &RatePacer{now: now, sleep: sleep, margin: 50 * time.Millisecond, changed: make(chan struct{})}
}

// Limit is the limit learnt so far: requests per window (0 when unknown).
func (p *RatePacer) Limit() (int, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, p.window
}

// Wait blocks until a request may go out without passing the limit, and
// counts it as sent.
func (p *RatePacer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.now()
		var wait time.Duration
		changed := p.changed
		switch {
		case now.Before(p.pausedUntil):
			wait = p.pausedUntil.Sub(now)
		case p.limit == 0 && p.probing:
			wait = -1 // until the first answer
		case p.limit == 0:
			p.probing = true
			p.sent = append(p.sent, now)
			p.mu.Unlock()
			return nil
		default:
			p.prune(now)
			if len(p.sent) < p.limit {
				p.sent = append(p.sent, now)
				p.mu.Unlock()
				return nil
			}
			wait = p.sent[0].Add(p.window + p.margin).Sub(now)
		}
		p.mu.Unlock()
		if wait < 0 {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// prune forgets sends older than the window (plus the margin). p.mu is held.
func (p *RatePacer) prune(now time.Time) {
	i := 0
	for i < len(p.sent) && !p.sent[i].Add(p.window+p.margin).After(now) {
		i++
	}
	p.sent = p.sent[i:]
}

// Observe learns from an answer: the limit headers, a 429's wait.
func (p *RatePacer) Observe(status int, h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.broadcast()
	p.probing = false
	if h == nil {
		return
	}
	now := p.now()
	allowed, okA := headerInt(h, "inin-ratelimit-allowed")
	reset, okR := headerInt(h, "inin-ratelimit-reset")
	count, okC := headerInt(h, "inin-ratelimit-count")
	if okA && allowed > 0 {
		p.limit = allowed
		p.window = max(p.window, time.Second)
	}
	if okR && reset > 0 {
		p.window = max(p.window, time.Duration(reset)*time.Second)
	}
	if okA && okC && okR && count >= allowed && count > len(p.sent) {
		// The org counts requests this client did not send: wait for
		// the window to reset.
		p.pause(now.Add(time.Duration(reset) * time.Second))
	}
	if status == http.StatusTooManyRequests {
		d := time.Second
		if ra, ok := retryAfter(h); ok {
			d = max(ra, minRetryWait)
		} else if okR && reset > 0 {
			d = time.Duration(reset) * time.Second
		}
		p.pause(now.Add(d))
	}
}

func (p *RatePacer) pause(until time.Time) {
	if until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
}

// broadcast wakes the waiters. p.mu is held.
func (p *RatePacer) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}
