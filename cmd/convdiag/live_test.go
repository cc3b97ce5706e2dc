package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// syncBuffer is a request log several handlers write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var v map[string]any
		if json.Unmarshal(sc.Bytes(), &v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// assertReadOnly fails if the log holds anything but GETs and the token
// POST.
func assertReadOnly(t *testing.T, log *syncBuffer) {
	t.Helper()
	lines := log.lines()
	if len(lines) == 0 {
		t.Error("the request log is empty")
	}
	for _, l := range lines {
		if l["method"] != "GET" && !(l["method"] == "POST" && l["path"] == "/oauth/token") {
			t.Errorf("check sent %v %v", l["method"], l["path"])
		}
	}
}

// testSim serves a scenario over loopback with a request log.
func testSim(t *testing.T, scenario string, opts sim.Options) (*httptest.Server, *syncBuffer) {
	t.Helper()
	srv, log, _, _ := serveScenario(t, scenario, opts, nil)
	return srv, log
}

// serveScenario serves a scenario, behind an optional wrapper, with a
// request log; it returns the org and its handler too.
func serveScenario(t *testing.T, scenario string, opts sim.Options, wrap func(http.Handler) http.Handler) (*httptest.Server, *syncBuffer, *sim.Org, *sim.Server) {
	t.Helper()
	sc, err := sim.LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	org, err := sc.Org()
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	opts.RequestLog = log
	s := sim.New(org, opts)
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return srv, log, org, s
}

// scenarioInputs writes what a user would attach for a scenario: the body
// as sent and the response it got (replayed against a separate sim), and
// returns the check flags for them.
func scenarioInputs(t *testing.T, sc sim.Scenario) []string {
	t.Helper()
	dir := t.TempDir()
	srv, _ := testSim(t, sc.Name, sim.Options{ClientID: demoClientID, ClientSecret: demoClientSecret})
	e, _, _ := testEnv(nil, "")
	resp, err := replay(context.Background(), e, srv.URL, sc.Request)
	if err != nil {
		t.Fatal(err)
	}
	body := filepath.Join(dir, "body.json")
	respFile := filepath.Join(dir, "response.json")
	if err := os.WriteFile(body, []byte(sc.Request.Body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(respFile, resp.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--request", sc.Request.Method + " " + sc.Request.URL, "--body", body, "--status", strconv.Itoa(resp.Status), "--response", respFile, "--format", "json"}
}

func causeSet(t *testing.T, out string) (map[string]string, int) {
	t.Helper()
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, c := range rep.Causes {
		m[c.ID] = c.Likelihood
	}
	return m, rep.Verdict.ExitCode
}

// TestLiveEqualsOffline: for every built-in scenario, the live check over
// real HTTP against the simulated org gives the same causes and verdict as
// the offline check of the same evidence, and sends only GETs (plus the
// token request).
func TestLiveEqualsOffline(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		sc := sc
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			flags := scenarioInputs(t, sc)
			srv, log := testSim(t, sc.Name, sim.Options{})
			live := runCLI(t, nil, "", append([]string{"check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID()}, flags...)...)
			conv, tok, err := sc.Files()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			convFile, tokFile := filepath.Join(dir, "conversation.json"), filepath.Join(dir, "tokeninfo.json")
			_ = os.WriteFile(convFile, conv, 0o644)
			_ = os.WriteFile(tokFile, tok, 0o644)
			offline := runCLI(t, nil, "", append([]string{"check", "--conversation-json", convFile, "--token-info-json", tokFile}, flags...)...)
			lc, lcode := causeSet(t, live.Stdout)
			oc, ocode := causeSet(t, offline.Stdout)
			if lcode != ocode || live.Code != offline.Code || !equalMaps(lc, oc) {
				t.Errorf("live (exit %d) %v\noffline (exit %d) %v", live.Code, lc, offline.Code, oc)
			}
			if sc.Healthy && live.Code != 0 || !sc.Healthy && live.Code != 1 {
				t.Errorf("exit %d for scenario %s; stderr %s", live.Code, sc.Name, live.Stderr)
			}
			assertReadOnly(t, log)
			var rep struct {
				Mode string `json:"mode"`
			}
			_ = json.Unmarshal([]byte(live.Stdout), &rep)
			if rep.Mode != "live" {
				t.Errorf("mode %q", rep.Mode)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestLiveReadsInParallel: the seven GETs (the token's info and grants, its
// OAuth client and the org's roles listing, both conversation views, the
// analytics) are in flight
// together after the token request: two round trips, proved by the order
// and overlap of requests rather than by timing.
func TestLiveReadsInParallel(t *testing.T) {
	sc, _ := sim.LookupScenario("stale-leg")
	assertOneRound(t, sc, []string{"GET /api/v2/analytics/conversations/" + sc.ConversationID() + "/details", "GET /api/v2/authorization/roles", "GET /api/v2/authorization/subjects/me", "GET /api/v2/conversations/" + sc.ConversationID(),
		"GET /api/v2/conversations/calls/" + sc.ConversationID(), "GET /api/v2/oauth/clients/x", "GET /api/v2/tokens/me"})
}

// TestLiveDestinationReadInTheSameRound: a transfer's destination queue is
// read beside the conversation, not after it (issue 15: the destination
// read adds no round trip).
func TestLiveDestinationReadInTheSameRound(t *testing.T) {
	sc, _ := sim.LookupScenario("transfer-queue-missing")
	assertOneRound(t, sc, []string{"GET /api/v2/analytics/conversations/" + sc.ConversationID() + "/details", "GET /api/v2/authorization/roles", "GET /api/v2/authorization/subjects/me", "GET /api/v2/conversations/" + sc.ConversationID(),
		"GET /api/v2/conversations/calls/" + sc.ConversationID(), "GET /api/v2/oauth/clients/x", "GET /api/v2/routing/queues/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "GET /api/v2/tokens/me"})
}

// assertOneRound runs a live check of the scenario and proves its GETs
// (want, sorted) were all in flight together after the token request: two
// round trips, by the order and overlap of requests rather than by timing.
func assertOneRound(t *testing.T, sc sim.Scenario, want []string) {
	t.Helper()
	org, _ := sc.Org()
	gets := len(want)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	var order []string
	// A barrier, not latency, makes the overlap: each GET waits until all
	// are in flight (or a generous deadline passes, so that reads sent one
	// after another fail the test instead of hanging it).
	all := make(chan struct{})
	deadline, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := sim.New(org, sim.Options{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		get := r.Method == http.MethodGet
		mu.Lock()
		order = append(order, r.Method+" "+r.URL.Path)
		if get {
			inFlight++
			peak = max(peak, inFlight)
			if inFlight == gets {
				once.Do(func() { close(all) })
			}
		}
		mu.Unlock()
		if get {
			select {
			case <-all:
			case <-deadline.Done():
			}
		}
		h.ServeHTTP(w, r)
		if get {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}
	}))
	defer srv.Close()
	r := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
		"--request", sc.Request.Method+" "+sc.Request.URL, "--body", sc.Request.Body, "--status", "409")
	if r.Code != 1 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if len(order) != gets+1 || order[0] != "POST /oauth/token" {
		t.Fatalf("requests %v: want the token request, then %d GETs", order, gets)
	}
	rest := append([]string(nil), order[1:]...)
	sort.Strings(rest)
	if strings.Join(rest, "|") != strings.Join(want, "|") {
		t.Errorf("GETs %v, want %v", rest, want)
	}
	if peak != gets {
		t.Errorf("at most %d GETs were in flight together, want all %d", peak, gets)
	}
}

// TestLiveFaults: with 30% of API responses failing and 5 requests per
// second allowed, at least 4 of 5 live checks still reach the right
// diagnosis, and none crashes. The org and the client share a fake clock:
// every Retry-After and backoff is waited out by advancing it, so the test
// exercises the rate limiter without sleeping.
func TestLiveFaults(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 25, 9, 20, 0, 0, time.UTC)}
	sc, _ := sim.LookupScenario("stale-leg")
	srv, log := testSim(t, sc.Name, sim.Options{FailRate: 0.3, RateLimit: 5, Seed: 7, Now: clock.now})
	right := 0
	start := time.Now()
	for i := 0; i < 5; i++ {
		e, out, errb := testEnv(nil, "")
		e.Sleep = clock.sleep
		code := run(context.Background(), []string{"convdiag", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
			"--request", sc.Request.Method + " " + sc.Request.URL, "--body", sc.Request.Body, "--status", "409", "--format", "json", "--timeout", "20s"}, e)
		if code != 1 && code != 3 {
			t.Errorf("run %d: exit %d, stderr %q", i, code, errb.String())
			continue
		}
		causes, _ := causeSet(t, out.String())
		// No failure time was given: the live GET may be from after the
		// failure, so the stale leg is likely, not confirmed.
		if code == 1 && causes["participant.stale-leg"] == "likely" {
			right++
		}
	}
	if right < 4 {
		t.Errorf("%d of 5 checks reached the diagnosis", right)
	}
	statuses := map[float64]int{}
	for _, l := range log.lines() {
		statuses[l["status"].(float64)]++
	}
	if statuses[503] == 0 || statuses[429] == 0 {
		t.Errorf("the faults were not exercised: %v", statuses)
	}
	if waited := clock.slept(); waited < time.Second {
		t.Errorf("the retries waited %s of fake time: the rate limit was not waited out", waited)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s of real time: something slept for real", d)
	}
	assertReadOnly(t, log)
}

// fakeClock is a clock that moves only when slept on.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	total time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.total += d
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// TestLiveIncomplete: what cannot be reached or authenticated ends with
// exit 3 and a report of what was established.
func TestLiveIncomplete(t *testing.T) {
	sc, _ := sim.LookupScenario(sim.DefaultScenario)
	body := sc.Request.Body
	t.Run("unreachable", func(t *testing.T) {
		r := runCLI(t, nil, "", "check", "--api-base", "http://127.0.0.1:1", "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
			"--request", sc.Request.Method+" "+sc.Request.URL, "--body", body, "--format", "json", "--timeout", "5s")
		if r.Code != 3 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		causes, _ := causeSet(t, r.Stdout)
		if causes["endpoint.full-teardown"] != "confirmed" {
			t.Errorf("what the request line shows must still be reported: %v", causes)
		}
		if !strings.Contains(r.Stdout, "unreachable") {
			t.Errorf("the report does not say the API was unreachable")
		}
	})
	t.Run("invalid client", func(t *testing.T) {
		srv, _ := testSim(t, sc.Name, sim.Options{ClientID: "right", ClientSecret: "secret-right"})
		r := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "right", "--client-secret", "secret-wrong", "--conversation", sc.ConversationID(), "--format", "json")
		if r.Code != 3 {
			t.Fatalf("exit %d", r.Code)
		}
		causes, _ := causeSet(t, r.Stdout)
		// convdiag's own login failed: that is not the customer's token.
		if _, ok := causes["token.invalid"]; ok || !strings.Contains(r.Stdout, "invalid_client") || !strings.Contains(r.Stdout, "could not read the org") {
			t.Errorf("causes %v\n%s", causes, r.Stdout)
		}
		if strings.Contains(r.Stdout+r.Stderr, "secret-wrong") {
			t.Error("the client secret appears in the output")
		}
	})
	t.Run("nothing listens, a 409 given", func(t *testing.T) {
		r := runCLI(t, nil, "", "check", "--api-base", "http://127.0.0.1:9", "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
			"--status", "409", "--format", "json", "--timeout", "5s")
		causes, _ := causeSet(t, r.Stdout)
		if _, ok := causes["token.invalid"]; r.Code != 3 || ok || !strings.Contains(r.Stdout, "could not read the org") {
			t.Errorf("exit %d, causes %v\n%s", r.Code, causes, r.Stdout)
		}
	})
	t.Run("wrong region", func(t *testing.T) {
		// The token works, but the conversation is not in its org.
		srv, _ := testSim(t, "healthy", sim.Options{})
		r := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(), "--format", "json")
		if r.Code != 1 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		causes, _ := causeSet(t, r.Stdout)
		if causes["conversation.not-found"] != "confirmed" || !strings.Contains(r.Stdout, `org \"Mycompany\"`) {
			t.Errorf("causes %v; the org of the token must be named", causes)
		}
	})
}

// TestCredentialSources: flags, environment and profile each work, and
// flags beat the environment, which beats the profile.
func TestCredentialSources(t *testing.T) {
	sc, _ := sim.LookupScenario("healthy")
	srv, _ := testSim(t, sc.Name, sim.Options{ClientID: "good-id", ClientSecret: "good-secret", AccessTokens: []string{"good-token"}})
	home := t.TempDir()
	writeProfile := func(body string) {
		if err := os.MkdirAll(filepath.Join(home, ".gc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".gc", "config.toml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeProfile("[DEFAULT]\nenvironment = \"mypurecloud.com\"\nclient_credentials = \"good-id\"\nclient_secret = \"good-secret\"\n\n[bad]\nclient_credentials = \"good-id\"\nclient_secret = \"bad-secret\"\n\n[tok]\naccess_token = \"good-token\"\n")
	base := []string{"check", "--conversation", sc.ConversationID(), "--request", sc.Request.Method + " " + sc.Request.URL, "--body", sc.Request.Body, "--format", "json"}
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		ok   bool
	}{
		{"flags", nil, []string{"--api-base", srv.URL, "--client-id", "good-id", "--client-secret", "good-secret"}, true},
		{"environment", map[string]string{collect.EnvClientID: "good-id", collect.EnvClientSecret: "good-secret", collect.EnvAPIBase: srv.URL}, nil, true},
		{"access token from environment", map[string]string{collect.EnvAccessToken: "good-token", collect.EnvAPIBase: srv.URL}, nil, true},
		{"access token flag", nil, []string{"--api-base", srv.URL, "--access-token", "good-token"}, true},
		{"profile", map[string]string{"HOME": home}, []string{"--api-base", srv.URL, "--profile", "DEFAULT"}, true},
		{"profile access token", map[string]string{"HOME": home}, []string{"--api-base", srv.URL, "--profile", "tok"}, true},
		{"flag beats environment", map[string]string{collect.EnvClientID: "good-id", collect.EnvClientSecret: "bad-secret", collect.EnvAPIBase: srv.URL}, []string{"--client-secret", "good-secret"}, true},
		{"environment beats profile", map[string]string{"HOME": home, collect.EnvClientSecret: "good-secret"}, []string{"--api-base", srv.URL, "--profile", "bad"}, true},
		{"profile's bad secret", map[string]string{"HOME": home}, []string{"--api-base", srv.URL, "--profile", "bad"}, false},
		{"environment's bad secret beats a good profile", map[string]string{"HOME": home, collect.EnvClientSecret: "bad-secret"}, []string{"--api-base", srv.URL, "--profile", "DEFAULT"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.vars, "", append(append([]string{}, base...), tc.args...)...)
			if tc.ok && r.Code != 0 || !tc.ok && r.Code != 3 {
				t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
			}
			for _, secret := range []string{"good-secret", "bad-secret", "good-token"} {
				if strings.Contains(r.Stdout+r.Stderr, secret) {
					t.Errorf("%s appears in the output", secret)
				}
			}
		})
	}
	// A half pair, a missing profile, a missing region: exit 2, one line.
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{collect.EnvClientID: "id"}, []string{"--api-base", srv.URL}, "no client secret"},
		{map[string]string{"HOME": home}, []string{"--profile", "nope"}, "no such profile"},
		{map[string]string{"HOME": t.TempDir()}, []string{"--profile", "DEFAULT"}, "does not exist"},
		{map[string]string{collect.EnvClientID: "id", collect.EnvClientSecret: "s"}, nil, "region"},
		{nil, []string{"--api-base", srv.URL}, "needs credentials"},
	} {
		r := runCLI(t, tc.vars, "", append(append([]string{}, base...), tc.args...)...)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%v %v: exit %d stderr %q, want %q", tc.vars, tc.args, r.Code, r.Stderr, tc.want)
		}
	}
}

// TestLiveAtTheMomentOfFailure: a live check against a conversation that has
// since ended, told when the request failed (--at), reads the analytics
// history in the same parallel round, judges the state at that moment, and
// sends nothing but GETs (and the token request).
func TestLiveAtTheMomentOfFailure(t *testing.T) {
	srv, log := testSim(t, "posthoc-ringing", sim.Options{})
	sc, _ := sim.LookupScenario("posthoc-ringing")
	r := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y",
		"--request", sc.Request.Method+" "+sc.Request.URL, "--body", sc.Request.Body, "--status", "409",
		"--at", "2026-11-25 09:41:10", "--format", "json")
	if r.Code != 1 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	causes, _ := causeSet(t, r.Stdout)
	if causes["participant.not-connected-yet"] != "likely" {
		t.Errorf("causes %v", causes)
	}
	for _, id := range []string{"conversation.ended", "participant.already-ended"} {
		if l := causes[id]; l == "confirmed" || l == "likely" {
			t.Errorf("%s %s: the GET shows the state after the failure", l, id)
		}
	}
	if !strings.Contains(r.Stdout, `"failure_time": {`) || !strings.Contains(r.Stdout, `"state_at_failure": "alerting"`) {
		t.Errorf("no failure time or timeline in the JSON:\n%s", r.Stdout)
	}
	analytics := false
	for _, l := range log.lines() {
		analytics = analytics || l["path"] == "/api/v2/analytics/conversations/"+sc.ConversationID()+"/details"
	}
	if !analytics {
		t.Errorf("the analytics history was not read: %v", log.lines())
	}
	assertReadOnly(t, log)
}

// TestAtIsCheckedFirst: a time that is not a time is a usage error listing
// the accepted forms, in one line.
func TestAtIsCheckedFirst(t *testing.T) {
	r := runCLI(t, nil, "", "check", "--conversation", "c", "--status", "409", "--at", "yesterday")
	if r.Code != 2 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "RFC 3339") || !strings.Contains(r.Stderr, "epoch milliseconds") {
		t.Errorf("exit %d: %q", r.Code, r.Stderr)
	}
}

// recorder is a server that must never see a credential: it records what
// reaches it.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.seen = append(rc.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(b))
	rc.mu.Unlock()
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"bearer","expires_in":60}`))
}

// TestCredentialsStayHome: an API that redirects every GET to another
// server, and a token endpoint that redirects to another port: the other
// server never sees the token or the client secret, and the report names
// the redirect.
func TestCredentialsStayHome(t *testing.T) {
	sc, _ := sim.LookupScenario("healthy")
	org, _ := sc.Org()
	other := &recorder{}
	elsewhere := httptest.NewServer(other)
	defer elsewhere.Close()
	h := sim.New(org, sim.Options{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			h.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	defer api.Close()
	r := runCLI(t, nil, "", "check", "--api-base", api.URL, "--client-id", "id", "--client-secret", "the-client-secret", "--conversation", sc.ConversationID(), "--format", "json", "--timeout", "5s")
	if r.Code != 3 || !strings.Contains(r.Stdout, "redirecting to "+elsewhere.URL) || !strings.Contains(r.Stdout, "a gateway or proxy is in the way") {
		t.Errorf("exit %d; the report does not name the redirect:\n%s", r.Code, r.Stdout)
	}
	if len(other.seen) != 0 {
		t.Errorf("the other server was reached: %v", other.seen)
	}

	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/oauth/token", http.StatusTemporaryRedirect)
	}))
	defer login.Close()
	r = runCLI(t, nil, "", "check", "--api-base", api.URL, "--login-base", login.URL, "--client-id", "id", "--client-secret", "the-client-secret", "--conversation", sc.ConversationID(), "--format", "json", "--timeout", "5s")
	if r.Code != 3 || !strings.Contains(r.Stdout, "redirecting to "+elsewhere.URL) {
		t.Errorf("exit %d; the token redirect is not named:\n%s", r.Code, r.Stdout)
	}
	if len(other.seen) != 0 {
		t.Errorf("the other server was reached by the token request: %v", other.seen)
	}
	if strings.Contains(r.Stdout+r.Stderr, "the-client-secret") {
		t.Error("the client secret appears in the output")
	}
}

// TestNoCredentialsOverPlainHTTP: plain http to a host that is not this
// machine, with credentials, is refused before anything is sent.
func TestNoCredentialsOverPlainHTTP(t *testing.T) {
	r := runCLI(t, nil, "", "check", "--api-base", "http://192.0.2.10:8080", "--client-id", "id", "--client-secret", "S3CRET", "--conversation", "c")
	if r.Code != 2 || !strings.Contains(r.Stderr, "plain http") || strings.Count(r.Stderr, "\n") != 1 || strings.Contains(r.Stderr, "S3CRET") {
		t.Errorf("exit %d: %q", r.Code, r.Stderr)
	}
}
