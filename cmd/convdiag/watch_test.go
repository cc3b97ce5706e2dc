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
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/convdiag/convdiag/diagnose/sim"
)

// The ringing scenario's ids.
const (
	ringConv     = "b8d1f3a5-7c9e-4b2d-9f4a-6e8c0a2d4f17"
	ringAgent    = "a3c6e8fa-c1e3-4072-a49f-b3d15f729e6c"
	ringCustomer = "c9e2a4b6-8daf-4c3e-a05b-7f9d1b3e5a28"
)

// manualTimers is the simulated org's clock in these tests: its timers
// fire when the test says so.
type manualTimers struct {
	mu      sync.Mutex
	pending map[time.Duration][]func()
}

func (m *manualTimers) AfterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pending == nil {
		m.pending = map[time.Duration][]func(){}
	}
	m.pending[d] = append(m.pending[d], f)
	return func() bool { return true }
}

// fire runs (once) the timers set for d.
func (m *manualTimers) fire(d time.Duration) int {
	m.mu.Lock()
	fs := m.pending[d]
	delete(m.pending, d)
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs)
}

// liveOrg serves a scenario with manual timers (started), behind an
// optional wrapper.
func liveOrg(t *testing.T, scenario string, live sim.LiveOptions, wrap func(http.Handler) http.Handler) (*httptest.Server, *syncBuffer, *sim.Org, *manualTimers) {
	t.Helper()
	clock := &manualTimers{}
	live.AfterFunc = clock.AfterFunc
	srv, log, org, s := serveScenario(t, scenario, sim.Options{Live: live, AccessTokens: []string{"fix-token"}}, wrap)
	s.StartTimers()
	return srv, log, org, clock
}

// running is a convdiag command running in the background.
type running struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func startCLI(t *testing.T, e *env, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	e.Stdout, e.Stderr = r.stdout, r.stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	r.cancel = cancel
	go func() { r.done <- run(ctx, append([]string{"convdiag"}, args...), e) }()
	t.Cleanup(cancel)
	return r
}

func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		return code
	case <-time.After(20 * time.Second):
		t.Fatalf("still running; stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	return -1
}

// eventually waits for cond, failing with what the command printed.
func eventually(t *testing.T, r *running, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never %s; stdout:\n%s\nstderr:\n%s", what, r.stdout, r.stderr)
}

// count counts the log lines with method and a path prefix.
func count(log *syncBuffer, method, prefix string) int {
	n := 0
	for _, l := range log.lines() {
		if l["method"] == method && strings.HasPrefix(l["path"].(string), prefix) {
			n++
		}
	}
	return n
}

// listening: the watch has its socket and has re-read the conversation
// after connecting (sockets connected, and one more GET than sockets).
func listening(log *syncBuffer, sockets int) func() bool {
	return func() bool {
		return count(log, "GET", "/channels/") == sockets && count(log, "GET", "/api/v2/conversations/") == sockets+1
	}
}

// changeLines decodes the JSON Lines of a watch.
func changeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var v map[string]any
		if err := dec.Decode(&v); err == io.EOF {
			return lines
		} else if err != nil {
			t.Fatalf("not JSON Lines: %v\n%s", err, out)
		}
		lines = append(lines, v)
	}
}

// assertWatchOnly fails if the log holds anything but the token, GETs,
// the channel calls and the socket.
func assertWatchOnly(t *testing.T, log *syncBuffer) {
	t.Helper()
	for _, l := range log.lines() {
		m, p := l["method"], l["path"].(string)
		ok := m == "GET" || m == "POST" && (p == "/oauth/token" || p == "/api/v2/notifications/channels" ||
			strings.HasPrefix(p, "/api/v2/notifications/channels/") && strings.HasSuffix(p, "/subscriptions"))
		if !ok {
			t.Errorf("watch sent %v %v", m, p)
		}
	}
}

func watchArgs(base string, more ...string) []string {
	return append([]string{"watch", "--api-base", base, "--client-id", "x", "--client-secret", "y", "--conversation", ringConv}, more...)
}

// TestWatchUntilConnected: the ringing scenario's agent is seen alerting,
// then connected when the scenario's timer fires, from the topic; the
// watch ends with until-met and exit 0, having sent only what watch may.
func TestWatchUntilConnected(t *testing.T) {
	srv, log, _, clock := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	e, _, _ := testEnv(nil, "")
	r := startCLI(t, e, watchArgs(srv.URL, "--participant", ringAgent, "--until", "connected", "--format", "json")...)
	eventually(t, r, "listening", listening(log, 1))
	if clock.fire(3*time.Second) != 1 {
		t.Fatal("the ringing scenario has no 3s timer")
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
	}
	lines := changeLines(t, r.stdout.String())
	var agent []map[string]any
	for _, l := range lines {
		if l["participant_id"] == ringAgent {
			agent = append(agent, l)
		}
	}
	if len(agent) != 2 || agent[0]["state"] != "alerting" || agent[0]["previous_state"] != nil || agent[0]["source"] != "poll" ||
		agent[1]["state"] != "connected" || agent[1]["previous_state"] != "alerting" || agent[1]["source"] != "topic" || agent[1]["event_time"] == nil {
		t.Errorf("the agent's lines: %v", agent)
	}
	for _, k := range []string{"seen_at", "event_time", "participant_id", "communication_id", "media", "state", "previous_state", "held", "muted", "source"} {
		if _, ok := lines[0][k]; !ok {
			t.Errorf("a change line lacks %q: %v", k, lines[0])
		}
	}
	if last := lines[len(lines)-1]; len(last) != 1 || last["result"] != "until-met" {
		t.Errorf("last line: %v", last)
	}
	assertWatchOnly(t, log)
}

// TestWatchSeesAnotherClientsPatch: a PATCH sent by someone else while the
// watch runs is a state change in its text output; an interrupt ends it
// with 130 and says so.
func TestWatchSeesAnotherClientsPatch(t *testing.T) {
	srv, log, org, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	e, _, _ := testEnv(nil, "")
	r := startCLI(t, e, watchArgs(srv.URL)...)
	eventually(t, r, "listening", listening(log, 1))
	if got := send(t, srv, "PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringCustomer, []byte(`{"state":"disconnected"}`)); got != 202 {
		t.Fatalf("PATCH: %d", got)
	}
	eventually(t, r, "seen the PATCH", func() bool { return strings.Contains(r.stdout.String(), "connected -> disconnected") })
	line := ""
	for _, l := range strings.Split(r.stdout.String(), "\n") {
		if strings.Contains(l, "connected -> disconnected") {
			line = l
		}
	}
	if !strings.Contains(line, ringCustomer) || !strings.Contains(line, "topic") || !strings.Contains(line, "customer <phone-1>") || strings.Contains(r.stdout.String(), "+44") {
		t.Errorf("the change line: %q", line)
	}
	// The agent's lane grows with each change.
	org.Connect(ringConv, ringAgent, fixedNow)
	if got := send(t, srv, "PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringAgent, []byte(`{"state":"disconnected"}`)); got != 202 {
		t.Fatalf("PATCH: %d", got)
	}
	eventually(t, r, "seen the agent's three states", func() bool {
		for _, l := range strings.Split(r.stdout.String(), "\n") {
			if strings.Contains(l, ringAgent+"  agent Sam Okafor ") && strings.Contains(l, " call   alerting -> connected -> disconnected  (org time ") {
				return true
			}
		}
		return false
	})
	r.cancel()
	if code := r.wait(t); code != 130 || !strings.HasSuffix(r.stdout.String(), "interrupted\n") {
		t.Errorf("exit %d; stdout:\n%s", code, r.stdout)
	}
}

// TestWatchReconnectsAndRereads: after v2.system.socket_closing the watch
// connects again, and a change made while it had no socket (the event is
// lost, as on the real service) is found by the re-read.
func TestWatchReconnectsAndRereads(t *testing.T) {
	var dials atomic.Int32
	dialing, release := make(chan struct{}), make(chan struct{})
	hold := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/channels/") && dials.Add(1) == 2 {
				close(dialing)
				<-release
			}
			h.ServeHTTP(w, r)
		})
	}
	srv, log, org, clock := liveOrg(t, "ringing", sim.LiveOptions{SocketClosingAfter: 5 * time.Second}, hold)
	e, _, _ := testEnv(nil, "")
	r := startCLI(t, e, watchArgs(srv.URL, "--participant", ringAgent, "--until", "connected", "--format", "json")...)
	eventually(t, r, "listening", listening(log, 1))
	clock.fire(5 * time.Second)
	<-dialing
	org.Connect(ringConv, ringAgent, fixedNow) // while no socket is up
	close(release)
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
	}
	if !strings.Contains(r.stderr.String(), "maintenance close (v2.system.socket_closing): reconnecting, then re-reading the conversation") {
		t.Errorf("stderr does not say why it reconnected:\n%s", r.stderr)
	}
	var connected []map[string]any
	for _, l := range changeLines(t, r.stdout.String()) {
		if l["participant_id"] == ringAgent && l["state"] == "connected" {
			connected = append(connected, l)
		}
	}
	if len(connected) != 1 || connected[0]["source"] != "poll" || connected[0]["previous_state"] != "alerting" {
		t.Errorf("the change made in the gap: %v\n%s", connected, r.stdout)
	}
	// The sim logs an upgrade once its handler returns, which may be after
	// the watch has ended.
	eventually(t, r, "logged two sockets (one reconnect)", func() bool { return count(log, "GET", "/channels/") == 2 })
	assertWatchOnly(t, log)
}

// TestWatchRefusesAForeignConnectURI: a channel whose connectUri is not
// on the org's own host is never dialled; the watch polls instead, says
// so, and still sees the change.
func TestWatchRefusesAForeignConnectURI(t *testing.T) {
	for _, uri := range []string{"wss://streaming.mypurecloud.com.evil.example/channels/x", "ws://203.0.113.7/channels/x", "wss://user:pw@127.0.0.1/channels/x"} {
		t.Run(uri, func(t *testing.T) {
			rewrite := func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != "POST" || r.URL.Path != "/api/v2/notifications/channels" {
						h.ServeHTTP(w, r)
						return
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					var ch map[string]string
					_ = json.Unmarshal(rec.Body.Bytes(), &ch)
					ch["connectUri"] = uri
					w.Header().Set("Content-Type", "application/json")
					_ = json.NewEncoder(w).Encode(ch)
				})
			}
			srv, log, _, clock := liveOrg(t, "ringing", sim.LiveOptions{}, rewrite)
			e, _, _ := testEnv(nil, "")
			e.Sleep = func(ctx context.Context, d time.Duration) error { time.Sleep(10 * time.Millisecond); return ctx.Err() }
			r := startCLI(t, e, watchArgs(srv.URL, "--participant", ringAgent, "--until", "connected", "--format", "json")...)
			eventually(t, r, "polling", func() bool { return strings.Contains(r.stderr.String(), "polling GET") })
			clock.fire(3 * time.Second)
			if code := r.wait(t); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
			}
			if !strings.Contains(r.stderr.String(), "not connecting: connectUri") || strings.Contains(r.stderr.String(), "pw@") {
				t.Errorf("stderr:\n%s", r.stderr)
			}
			if n := count(log, "GET", "/channels/"); n != 0 {
				t.Errorf("dialled %d sockets", n)
			}
			if !strings.Contains(r.stdout.String(), `"state":"connected","previous_state":"alerting","held":false,"muted":false,"source":"poll"`) {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
}

// TestWatchRejectedTopicsArePolled: without the permission the topics
// need, each rejected topic is named with its reason; the watch polls.
func TestWatchRejectedTopicsArePolled(t *testing.T) {
	srv, log, org, clock := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	org.SetAccess(&sim.Access{})
	e, _, _ := testEnv(nil, "")
	e.Sleep = func(ctx context.Context, d time.Duration) error { time.Sleep(10 * time.Millisecond); return ctx.Err() }
	r := startCLI(t, e, watchArgs(srv.URL, "--participant", ringAgent, "--until", "gone", "--timeout", "1s")...)
	eventually(t, r, "polling", func() bool { return strings.Contains(r.stderr.String(), "polling GET") })
	clock.fire(3 * time.Second)
	if code := r.wait(t); code != 3 {
		t.Fatalf("exit %d, want 3 (the agent answered, it never left); stderr:\n%s", code, r.stderr)
	}
	for _, want := range []string{
		"topic v2.routing.queues.0c3a5e7f-9b1d-4f3a-8c5e-7a9b1d3f5e60.conversations rejected: No divisioned permissions for this topic. (missing conversation:communication:view)",
		"topic v2.users.5d7f9b1d-3f5a-4b7d-9f1b-3d5f7b9d1f3b.conversations rejected",
		"no topic of the conversation could be subscribed: polling instead",
	} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout.String(), "alerting -> connected") || !strings.Contains(r.stdout.String(), "timeout: 1s passed before participant "+ringAgent+" was gone") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	assertWatchOnly(t, log)
}

func TestWatchBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--api-base", "http://127.0.0.1:1", "--client-id", "x", "--client-secret", "y"}, "watch needs --conversation ID"},
		{[]string{"watch", "--conversation", ringConv, "--until", "connected"}, "--until connected needs --participant ID"},
		{[]string{"watch", "--conversation", ringConv, "--participant", ringAgent, "--until", "conected"}, `did you mean "connected"`},
		{[]string{"watch", "--conversation", ringConv, "--format", "markdown"}, `--format "markdown": want text or json`},
		{[]string{"watch", "--conversation", ringConv}, "watch needs the org: credentials"},
	} {
		r := runCLI(t, nil, "", tc.args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tc.args, r.Code, r.Stderr, tc.want)
		}
	}
	// A conversation the org does not have: exit 3 with the reason.
	srv, _, _, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	r := runCLI(t, nil, "", "watch", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", "00000000-0000-4000-8000-000000000000")
	if r.Code != 3 || !strings.Contains(r.Stderr, "answered 404") {
		t.Errorf("unknown conversation: exit %d, stderr %q", r.Code, r.Stderr)
	}
}

// silentOrg is an org that logs in (or not) and then never answers, or
// answers errors: what a watch reads from it is nothing.
func silentOrg(t *testing.T, token, api func(w http.ResponseWriter, r *http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			token(w, r)
			return
		}
		api(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func grantToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"access_token":"silent-token","token_type":"bearer","expires_in":3600}`)
}

// hang answers nothing until the client gives up (the body is read first:
// only then does the server notice a connection the client closed).
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// TestWatchThatReadsNothingIsNotClean (review finding 11): against an org
// that never answers, or answers only errors, the watch could not read the
// conversation: exit 3 with one line saying so, within --timeout, and no
// "timeout: watched for" as if it had watched (DESIGN §4b.7).
func TestWatchThatReadsNothingIsNotClean(t *testing.T) {
	for _, tc := range []struct {
		name       string
		token, api func(w http.ResponseWriter, r *http.Request)
		want       string
	}{
		{"GETs never answered", grantToken, hang, "watch: the conversation could not be read within 500ms: GET /api/v2/conversations/" + ringConv},
		{"503 until the time is up", grantToken, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, "answered 503"},
		{"500", grantToken, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, "answered 500"},
		{"the token never answered", hang, hang, "could not log in to the org, so nothing was read (token request failed: context deadline exceeded (budget spent))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := silentOrg(t, tc.token, tc.api)
			for _, format := range []string{"text", "json"} {
				r := runCLI(t, nil, "", watchArgs(base, "--timeout", "500ms", "--format", format)...)
				stderr := strings.TrimPrefix(r.Stderr, "convdiag: watching conversation "+ringConv+" at "+base+" (Ctrl-C to stop)\n")
				if r.Code != 3 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%s: exit %d, stderr %q; want 3 and one line with %q", format, r.Code, r.Stderr, tc.want)
				}
				if strings.Contains(r.Stdout, "timeout") || strings.Contains(r.Stdout, "result") {
					t.Errorf("%s: the watch reports a result it did not have:\n%s", format, r.Stdout)
				}
			}
		})
	}
}

// TestWatchAgainstTheSimCommand is the acceptance as a user runs
// it, with the built binary: `convdiag sim --scenario ringing
// --socket-closing-after D` serves; `convdiag watch --until connected`
// sees the agent alerting, keeps reconnecting as the sockets close, and
// sees it connected when the scenario's timer fires (after 3s); exit 0.
func TestWatchAgainstTheSimCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for the scenario's timer")
	}
	bin := testBinary(t)
	logFile := filepath.Join(t.TempDir(), "requests.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	simCmd := exec.CommandContext(ctx, bin, "sim", "--scenario", "ringing", "--socket-closing-after", "700ms", "--request-log", logFile)
	stdout, err := simCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := simCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = simCmd.Process.Signal(os.Interrupt); _ = simCmd.Wait() }()
	base, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	watch := exec.CommandContext(ctx, bin, watchArgs(strings.TrimSpace(base), "--participant", ringAgent, "--until", "connected", "--format", "json", "--timeout", "20s")...)
	var out, errb bytes.Buffer
	watch.Stdout, watch.Stderr = &out, &errb
	if err := watch.Run(); err != nil {
		t.Fatalf("watch: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	var states []string
	for _, l := range changeLines(t, out.String()) {
		if l["participant_id"] == ringAgent {
			states = append(states, l["state"].(string))
		}
	}
	if strings.Join(states, " ") != "alerting connected" {
		t.Errorf("the agent's states: %v\n%s", states, out.String())
	}
	if n := strings.Count(errb.String(), "(v2.system.socket_closing): reconnecting"); n < 2 {
		t.Errorf("%d reconnects in 3s with sockets closing every 700ms:\n%s", n, errb.String())
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	log.Write(b)
	assertWatchOnly(t, log)
	if count(log, "GET", "/channels/") < 3 {
		t.Errorf("the request log shows too few sockets:\n%s", b)
	}
}

// TestWatchOpensANewChannel: a 21st channel of the same client replaces
// the watch's (the oldest, all the others but the new one being
// connected); its socket closes and its connectUri is gone, so the watch
// opens a new channel (which replaces the unconnected 21st), subscribes
// again and goes on.
func TestWatchOpensANewChannel(t *testing.T) {
	srv, log, _, clock := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	e, _, _ := testEnv(nil, "")
	r := startCLI(t, e, watchArgs(srv.URL, "--participant", ringAgent, "--until", "connected", "--format", "json")...)
	eventually(t, r, "listening", listening(log, 1))
	for i := range 20 {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v2/notifications/channels", nil)
		req.Header.Set("Authorization", "Bearer fix-token")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ch struct{ ConnectURI string }
		_ = json.NewDecoder(resp.Body).Decode(&ch)
		resp.Body.Close()
		if i == 19 {
			break
		}
		conn, _, err := websocket.Dial(context.Background(), ch.ConnectURI, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
	}
	eventually(t, r, "on a new channel", func() bool {
		return strings.Count(log.String(), `"path":"/api/v2/notifications/channels",`) == 22 && strings.Count(log.String(), "/subscriptions") == 2 &&
			count(log, "GET", "/api/v2/conversations/") == 3
	})
	clock.fire(3 * time.Second)
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
	}
	for _, want := range []string{"the WebSocket dropped", "the channel's socket could not be reached", "opening a new channel"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout.String(), `"state":"connected","previous_state":"alerting","held":false,"muted":false,"source":"topic"`) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
