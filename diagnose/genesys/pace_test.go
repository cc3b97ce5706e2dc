package genesys

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose sleeps advance it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

func limitHeader(allowed, count, reset int) http.Header {
	h := http.Header{}
	h.Set("inin-ratelimit-allowed", strconv.Itoa(allowed))
	h.Set("inin-ratelimit-count", strconv.Itoa(count))
	h.Set("inin-ratelimit-reset", strconv.Itoa(reset))
	return h
}

// TestRatePacerNeverPassesTheLimit: once the org has said 5 a second, no
// second of the sends holds more than 5, and the sends keep up with what
// the limit allows.
func TestRatePacerNeverPassesTheLimit(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	p := NewRatePacer(clk.now, clk.sleep)
	ctx := context.Background()
	var sends []time.Time
	for i := 0; i < 50; i++ {
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		sends = append(sends, clk.now())
		p.Observe(200, limitHeader(5, 1, 1))
	}
	for i := range sends {
		n := 0
		for j := i; j < len(sends) && sends[j].Sub(sends[i]) < time.Second; j++ {
			n++
		}
		if n > 5 {
			t.Fatalf("%d sends within a second from send %d (%v)", n, i, sends[i])
		}
	}
	// 50 sends at 5 a second need 9 full windows after the first burst;
	// the margin may add 50 ms to each.
	if got := sends[len(sends)-1].Sub(sends[0]); got < 9*time.Second || got > 9*time.Second+10*50*time.Millisecond {
		t.Errorf("50 sends took %v, want about 9s", got)
	}
}

// TestRatePacerProbesThenPausesOn429: before any answer one request goes
// out at a time; a 429's Retry-After holds every request until it passed.
func TestRatePacerProbesThenPausesOn429(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	p := NewRatePacer(clk.now, clk.sleep)
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() { second <- p.Wait(ctx) }()
	select {
	case err := <-second:
		t.Fatalf("a second request went out before the first was answered (%v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	h := limitHeader(300, 300, 60)
	h.Set("Retry-After", "7")
	start := clk.now()
	p.Observe(http.StatusTooManyRequests, h)
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if waited := clk.now().Sub(start); waited < 7*time.Second {
		t.Errorf("waited %v after a 429 with Retry-After 7", waited)
	}
	if n, w := p.Limit(); n != 300 || w != 60*time.Second {
		t.Errorf("limit %d per %v, want 300 per minute", n, w)
	}
	cancel()
}

// TestRatePacerHonoursAnotherClientsCount: a count above what this client
// sent means someone else uses the token: wait for the reset.
func TestRatePacerHonoursAnotherClientsCount(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	p := NewRatePacer(clk.now, clk.sleep)
	ctx := context.Background()
	_ = p.Wait(ctx)
	start := clk.now()
	p.Observe(200, limitHeader(10, 10, 3))
	_ = p.Wait(ctx)
	if waited := clk.now().Sub(start); waited < 3*time.Second {
		t.Errorf("waited %v, want the 3s until the reset", waited)
	}
}
