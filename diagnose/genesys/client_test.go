package genesys

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOrg is a tiny token endpoint plus API, scripted per test.
type fakeOrg struct {
	mu       sync.Mutex
	tokens   int
	requests []string
	api      func(n int, w http.ResponseWriter, r *http.Request)
	apiCalls int
	token    func(w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	if r.URL.Path == "/oauth/token" {
		if f.token != nil && !f.token(w, r) {
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || id != "id" || secret != "secret" || r.FormValue("grant_type") != "client_credentials" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad client"}`))
			return
		}
		f.mu.Lock()
		f.tokens++
		n := f.tokens
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok" + string(rune('0'+n)), "token_type": "bearer", "expires_in": 3600})
		return
	}
	f.mu.Lock()
	f.apiCalls++
	n := f.apiCalls
	f.mu.Unlock()
	f.api(n, w, r)
}

func newFake(t *testing.T, f *fakeOrg) (*Client, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	var mu sync.Mutex
	c, err := NewClient(ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "secret",
		Transport: srv.Client().Transport, MaxAttempts: 4,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &waits
}

func TestClientRetriesHonourRetryAfter(t *testing.T) {
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		case 2:
			w.WriteHeader(503)
		default:
			w.Header().Set("ININ-Correlation-Id", "corr-1")
			w.Header().Set("inin-ratelimit-count", "3")
			_, _ = w.Write([]byte(`{"id":"c"}`))
		}
	}}
	c, waits := newFake(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(ctx, "/api/v2/conversations/c")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Attempts != 3 || res.CorrelationID() != "corr-1" || res.RateLimit()["inin-ratelimit-count"] != "3" {
		t.Errorf("result %+v", res)
	}
	if len(*waits) != 2 || (*waits)[0] != 2*time.Second {
		t.Errorf("waits %v: want Retry-After (2s) honoured, then a backoff", *waits)
	}
	if w := (*waits)[1]; w < 250*time.Millisecond || w > 500*time.Millisecond {
		t.Errorf("second wait %v: want jittered backoff in [250ms,500ms]", w)
	}
}

func TestClientStopsWhenBudgetWouldBeExceeded(t *testing.T) {
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(429)
	}}
	c, waits := newFake(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Get(ctx, "/api/v2/tokens/me")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 429 || !res.BudgetSpent || len(*waits) != 0 {
		t.Errorf("res %+v waits %v: a Retry-After past the budget must end the retries at once", res, *waits)
	}
}

func TestClientRefetchesTokenOnceOn401(t *testing.T) {
	f := &fakeOrg{}
	f.api = func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok1" {
			w.WriteHeader(401)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}
	c, _ := newFake(t, f)
	ctx := context.Background()
	if err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(ctx, "/api/v2/tokens/me")
	if err != nil || res.Status != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	if f.tokens != 2 {
		t.Errorf("%d token requests, want 2 (one refresh after the 401)", f.tokens)
	}
	// A 401 that persists is returned, not retried forever.
	f.api = func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }
	res, err = c.Get(ctx, "/api/v2/tokens/me")
	if err != nil || res.Status != 401 || f.tokens != 3 {
		t.Errorf("persistent 401: %+v %v, %d tokens", res, err, f.tokens)
	}
}

func TestClientTokenErrors(t *testing.T) {
	f := &fakeOrg{api: func(int, http.ResponseWriter, *http.Request) {}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := NewClient(ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "wrong", Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.Status != 401 || te.Unreachable {
		t.Fatalf("err %#v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Error("the token error repeats the secret")
	}
	// An unreachable token host.
	c, _ = NewClient(ClientConfig{APIBase: "http://127.0.0.1:1", TokenURL: "http://127.0.0.1:1/oauth/token", ClientID: "id", ClientSecret: "s", MaxAttempts: 1})
	err = c.Token(context.Background())
	if !errors.As(err, &te) || !te.Unreachable {
		t.Fatalf("unreachable: %#v", err)
	}
}

// TestClientIsReadOnly: the client's transport refuses anything but GET
// (and the token POST) before it reaches the network.
func TestClientIsReadOnly(t *testing.T) {
	var hits atomic.Int32
	f := &fakeOrg{api: func(int, http.ResponseWriter, *http.Request) { hits.Add(1) }}
	c, _ := newFake(t, f)
	if err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"PATCH", "POST", "PUT", "DELETE"} {
		req, _ := http.NewRequest(m, c.api.String()+"/api/v2/conversations/c/participants/p", strings.NewReader(`{"state":"disconnected"}`))
		_, err := c.HTTPClient().Do(req)
		if !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("%s: err %v, want ErrNotReadOnly", m, err)
		}
	}
	// The token URL itself may only be POSTed by the grant, not by a PATCH.
	req, _ := http.NewRequest("PATCH", c.cfg.TokenURL, nil)
	if _, err := c.HTTPClient().Do(req); !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("PATCH to the token URL: %v", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d mutating requests reached the server", hits.Load())
	}
	for _, s := range c.Sent() {
		if !strings.HasPrefix(s, "GET ") && s != "POST /oauth/token" {
			t.Errorf("sent %s", s)
		}
	}
}

func TestClientBodyLimit(t *testing.T) {
	f := &fakeOrg{api: func(n int, w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(strings.Repeat("x", 2048))) }}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, _ := NewClient(ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", AccessToken: "static", MaxBody: 1024, MaxAttempts: 1, Transport: srv.Client().Transport})
	if _, err := c.Get(context.Background(), "/api/v2/x"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err %v", err)
	}
	if f.tokens != 0 {
		t.Error("an access token must not trigger a token request")
	}
}
