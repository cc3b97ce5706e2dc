package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestRateLimitedForeverSendsAFewDozen is the acceptance of issue 19 item
// 6: a fake org answering every GET with 429 and Retry-After: 0 gets at
// most a few dozen requests from one check, which ends incomplete (exit 3).
func TestRateLimitedForeverSendsAFewDozen(t *testing.T) {
	var mu sync.Mutex
	gets := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-abcdef", "token_type": "bearer", "expires_in": 3600})
			return
		}
		mu.Lock()
		gets++
		mu.Unlock()
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	e, out, errb := testEnv(nil, "")
	var slept time.Duration
	e.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept += d
		mu.Unlock()
		return ctx.Err()
	}
	code := run(context.Background(), []string{"convdiag", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y",
		"--conversation", trConv, "--status", "409"}, e)
	mu.Lock()
	defer mu.Unlock()
	if code != 3 {
		t.Errorf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if gets > 40 {
		t.Errorf("%d GETs for one check", gets)
	}
	if slept == 0 {
		t.Error("Retry-After: 0 was retried without any wait")
	}
}
