package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestSimCommand runs `convdiag sim` as a user would: the first stdout line
// is the base URL, a live check against it gives the same causes as the
// offline check of the same saved conversation, the request log proves the
// check only read, and interrupting the sim ends it with exit 0.
func TestSimCommand(t *testing.T) {
	sc, _ := sim.LookupScenario("stale-leg")
	conv, tok, _ := sc.Files()
	dir := t.TempDir()
	convFile, tokFile, logFile := filepath.Join(dir, "saved.json"), filepath.Join(dir, "tokens-me.json"), filepath.Join(dir, "requests.jsonl")
	_ = os.WriteFile(convFile, conv, 0o644)
	_ = os.WriteFile(tokFile, tok, 0o644)

	pr, pw := io.Pipe()
	e, _, errb := testEnv(nil, "")
	e.Stdout = pw
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"convdiag", "sim", "--conversation-json", convFile, "--token-info-json", tokFile, "--request-log", logFile, "--client-id", "cid", "--client-secret", "csecret"}, e)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v (stderr %s)", err, errb.String())
	}
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first stdout line %q is not the base URL", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	common := []string{"--request", sc.Request.Method + " " + sc.Request.URL, "--body", sc.Request.Body, "--status", "409", "--format", "json"}
	live := runCLI(t, nil, "", append([]string{"check", "--api-base", base, "--client-id", "cid", "--client-secret", "csecret", "--conversation", sc.ConversationID()}, common...)...)
	offline := runCLI(t, nil, "", append([]string{"check", "--conversation-json", convFile, "--token-info-json", tokFile}, common...)...)
	lc, _ := causeSet(t, live.Stdout)
	oc, _ := causeSet(t, offline.Stdout)
	if !equalMaps(lc, oc) || live.Code != 1 || offline.Code != 1 {
		t.Errorf("live %v (exit %d) offline %v (exit %d); stderr %s", lc, live.Code, oc, offline.Code, live.Stderr)
	}
	bad := runCLI(t, nil, "", append([]string{"check", "--api-base", base, "--client-id", "cid", "--client-secret", "wrong", "--conversation", sc.ConversationID()}, common...)...)
	if bad.Code != 3 {
		t.Errorf("wrong secret against --client-secret: exit %d", bad.Code)
	}

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("sim exited %d after the interrupt; stderr %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop after the interrupt")
	}
	log := &syncBuffer{}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = log.Write(b)
	assertReadOnly(t, log)
	if n := len(log.lines()); n != 9 {
		t.Errorf("request log has %d lines, want 9 (8 for the check: the token, then 7 GETs; 1 refused token request)", n)
	}
}

func TestSimUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--scenario", "stale-lg"}, `did you mean "stale-leg"`},
		{[]string{"sim", "--fail-rate", "2"}, "--fail-rate"},
		{[]string{"sim", "--client-id", "x"}, "go together"},
		{[]string{"sim", "--scenario", "healthy", "--conversation-json", "x.json"}, "exclude each other"},
		{[]string{"sim", "--bundle", t.TempDir()}, "not a convdiag bundle"},
		{[]string{"demo", "nope"}, "unknown scenario"},
	} {
		r := runCLI(t, nil, "", tc.args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v: exit %d stderr %q", tc.args, r.Code, r.Stderr)
		}
	}
	r := runCLI(t, nil, "", "sim", "--list")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, sim.DefaultScenario) || strings.Count(r.Stdout, "\n") != len(sim.Scenarios()) {
		t.Errorf("--list: %q", r.Stdout)
	}
}

// TestDemo: the README's first command, as a test: the seed's case over
// real HTTP, exit 1, and one line saying what was done.
func TestDemo(t *testing.T) {
	r := runCLI(t, nil, "", "demo", "--format", "json")
	if r.Code != 1 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	c, _ := causeSet(t, r.Stdout)
	// The recipe's cause rests only on the undocumented recipe: at most
	// possible, ranked below the documented teardown (DESIGN §4b.8).
	for id, l := range map[string]string{"endpoint.full-teardown": "confirmed", "participant.id-format": "confirmed", "body.target-misnamed": "possible"} {
		if c[id] != l {
			t.Errorf("%s = %q, want %s", id, c[id], l)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "started a simulated Genesys org") || !strings.Contains(lines[0], "1 token request, then 7 GETs in parallel") {
		t.Errorf("stderr %q", r.Stderr)
	}
	// The fix is printed against the scenario's real host, and the
	// one-liner to try it targets a simulated org that stays up.
	if !strings.Contains(r.Stdout, `"url": "$GENESYSCLOUD_API_BASE/api/v2/conversations/`) || strings.Contains(r.Stdout, `"url": "http://127.0.0.1`) {
		t.Errorf("the fix names the demo's port, which is gone after the demo:\n%s", r.Stdout)
	}
	if len(lines) == 3 && (!strings.Contains(lines[2], "convdiag sim --scenario seed-forum-409 --addr "+tryAddr) || !strings.Contains(lines[2], "http://"+tryAddr+"/api/v2/conversations/")) {
		t.Errorf("try-the-fix line %q", lines[2])
	}
	if !strings.Contains(r.Stdout, `"mode": "live"`) {
		t.Error("the demo is not a live check")
	}
	r = runCLI(t, nil, "", "demo", "healthy")
	if r.Code != 0 {
		t.Errorf("healthy demo exit %d", r.Code)
	}
}
