package genesys

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A hostile API on loopback: each test scripts a server that answers what
// a broken gateway or an attacker's endpoint would, and checks that the
// client's retries and memory stay bounded.

// TestRetryAfterZeroHasAFloorAndACap: 429 with Retry-After: 0 forever is
// waited out at the floor, and a read stops after MaxAttempts.
func TestRetryAfterZeroHasAFloorAndACap(t *testing.T) {
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
	}}
	c, waits := newFake(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	res, err := c.Get(ctx, "/api/v2/conversations/c")
	if err != nil || res.Status != 429 {
		t.Fatalf("%+v %v", res, err)
	}
	if f.apiCalls != 4 || res.Attempts != 4 {
		t.Errorf("%d requests, want MaxAttempts (4)", f.apiCalls)
	}
	for _, w := range *waits {
		if w < minRetryWait {
			t.Errorf("waited %s, less than the floor %s", w, minRetryWait)
		}
	}
}

// TestRetryAfterBeyondADuration: a Retry-After too large for a duration
// is later than the budget: no wait, no retry, no overflow into a short
// wait.
func TestRetryAfterBeyondADuration(t *testing.T) {
	for _, v := range []string{"9223372036854775807", "99999999999999999999999", "9999999999"} {
		f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", v)
			w.WriteHeader(429)
		}}
		c, waits := newFake(t, f)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		res, err := c.Get(ctx, "/api/v2/tokens/me")
		cancel()
		if err != nil || !res.BudgetSpent || f.apiCalls != 1 || len(*waits) != 0 {
			t.Errorf("Retry-After %s: %+v %v, %d calls, waits %v", v, res, err, f.apiCalls, *waits)
		}
	}
}

// TestBodyOverTheCapIsNotRetried: reading it again would cost as much.
func TestBodyOverTheCapIsNotRetried(t *testing.T) {
	for name, h := range map[string]func(int, http.ResponseWriter, *http.Request){
		"declared": func(n int, w http.ResponseWriter, r *http.Request) { _, _ = w.Write(bytes.Repeat([]byte("x"), 4096)) },
		"chunked": func(n int, w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 64; i++ {
				if _, err := w.Write(bytes.Repeat([]byte("x"), 512)); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		},
	} {
		f := &fakeOrg{api: h}
		srv := httptest.NewServer(f)
		c, _ := NewClient(ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", AccessToken: "static", MaxBody: 1024, Transport: srv.Client().Transport})
		_, err := c.Get(context.Background(), "/api/v2/x")
		srv.Close()
		if !errors.Is(err, errBodyTooLarge) || f.apiCalls != 1 {
			t.Errorf("%s: %v after %d requests", name, err, f.apiCalls)
		}
	}
}

// TestParallelReadsShareOneBudget: six endless bodies and a gzip bomb,
// read at once over HTTP, take no more than the shared budget, are not
// retried, and keep it charged when they fail (their memory is garbage
// not yet collected: given back, the reads still under way would allocate
// it again). A read after them is refused at once.
func TestParallelReadsShareOneBudget(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 64<<20))
	_ = zw.Close()
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/bomb") {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
			return
		}
		chunk := bytes.Repeat([]byte("y"), 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	const perRead, total = 4 << 20, 6 << 20
	c, _ := NewClient(ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", AccessToken: "static", MaxBody: perRead, MaxTotalBody: total,
		Transport: srv.Client().Transport, AttemptTimeout: 20 * time.Second})
	var wg sync.WaitGroup
	errs := make([]error, 7)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := "/api/v2/endless"
			if i == 6 {
				p = "/api/v2/bomb"
			}
			_, errs[i] = c.Get(context.Background(), p)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, errBodyTooLarge) {
			t.Errorf("read %d: %v", i, err)
		}
	}
	if f.apiCalls != 7 {
		t.Errorf("%d requests: a body over the cap was retried", f.apiCalls)
	}
	if c.bodies.left != 0 {
		t.Errorf("%d of %d bytes went back to the budget", c.bodies.left, total)
	}
	if _, err := c.Get(context.Background(), "/api/v2/endless"); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("a read after the budget was spent: %v", err)
	}
}

// TestTokenThatExpiresAtOnce: expires_in <= 0 gives a token fetched once,
// not once per read.
func TestTokenThatExpiresAtOnce(t *testing.T) {
	for _, expires := range []int{0, -30, 5} {
		f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }}
		f.token = func(w http.ResponseWriter, r *http.Request) bool {
			f.mu.Lock()
			f.tokens++
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "short", "token_type": "bearer", "expires_in": expires})
			return false
		}
		c, _ := newFake(t, f)
		ctx := context.Background()
		if err := c.Token(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if res, err := c.Get(ctx, "/api/v2/tokens/me"); err != nil || res.Status != 200 {
				t.Fatalf("%+v %v", res, err)
			}
		}
		if f.tokens != 1 {
			t.Errorf("expires_in %d: %d token requests for 5 reads", expires, f.tokens)
		}
	}
}

// TestInvalidHeaderIsNotRetried: a server that answers with a malformed
// header will answer so again; a dropped connection may not.
func TestInvalidHeaderIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		want         int
	}{
		{"malformed header", "HTTP/1.1 200 OK\r\nBad Header\x01: x\r\nContent-Length: 2\r\n\r\n{}", 1},
		{"dropped", "", 3},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		hits := 0
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				hits++
				mu.Unlock()
				_, _ = conn.Read(make([]byte, 4096))
				_, _ = io.WriteString(conn, tc.answer)
				conn.Close()
			}
		}()
		c, _ := NewClient(ClientConfig{APIBase: "http://" + ln.Addr().String(), AccessToken: "static", MaxAttempts: 3,
			Sleep: func(ctx context.Context, d time.Duration) error { return nil }})
		_, err = c.Get(context.Background(), "/api/v2/x")
		ln.Close()
		mu.Lock()
		got := hits
		mu.Unlock()
		if err == nil || got != tc.want {
			t.Errorf("%s: %v after %d attempts, want %d", tc.name, err, got, tc.want)
		}
	}
}

// TestBudgetCountsWhatIsKept: the bodies of answers that were retried are
// given back; the one returned stays counted (its buffer's capacity) until
// its caller releases it.
func TestBudgetCountsWhatIsKept(t *testing.T) {
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(503)
		_, _ = w.Write([]byte(strings.Repeat("z", 100)))
	}}
	c, _ := newFake(t, f)
	before := c.bodies.left
	res, err := c.Get(context.Background(), "/api/v2/x")
	if err != nil || res.Status != 503 || res.Attempts != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	if used := before - c.bodies.left; used != int64(cap(res.Body)) || used < 100 || used > 101 {
		t.Errorf("the budget holds %d bytes for one 100-byte body kept", used)
	}
	c.Release(res)
	if c.bodies.left != before || res.Body != nil {
		t.Errorf("after Release: %d of %d bytes left, body %q", c.bodies.left, before, res.Body)
	}
}
