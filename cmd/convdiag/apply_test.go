package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/sim"
)

// reportFile writes the hand-written report testdata/apply/NAME, changed
// by edit, to a temporary file.
func reportFile(t *testing.T, name string, edit func(r map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "apply", name))
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(r)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, []byte(mustJSON(t, r)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// step returns step i of a report's plan, to edit.
func step(r map[string]any, i int) map[string]any {
	return r["plan"].(map[string]any)["steps"].([]any)[i].(map[string]any)
}

func request(r map[string]any, i int) map[string]any {
	return step(r, i)["request"].(map[string]any)
}

// terminal makes stdin a terminal that answers with the given lines.
func terminal(e *env) { e.StdinIsTerminal = func() bool { return true } }

func applyArgs(base string, more ...string) []string {
	return append([]string{"apply", "--api-base", base, "--client-id", "x", "--client-secret", "y"}, more...)
}

// changes lists the requests of the log that are not GETs, the token or
// the channel calls.
func changes(log *syncBuffer) []string {
	var out []string
	for _, l := range log.lines() {
		m, p := l["method"].(string), l["path"].(string)
		if m == "GET" || p == "/oauth/token" || strings.HasPrefix(p, "/api/v2/notifications/channels") {
			continue
		}
		out = append(out, m+" "+p)
	}
	return out
}

// TestApplyRingingPlan: the ringing scenario's plan is shown and asked
// for; after "y" apply waits for the agent to connect (the scenario's
// timer), re-reads, sends the PATCH once, and the re-read shows the agent
// gone.
func TestApplyRingingPlan(t *testing.T) {
	srv, log, _, clock := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	e, _, _ := testEnv(nil, "y\n")
	terminal(e)
	r := startCLI(t, e, applyArgs(srv.URL, reportFile(t, "ringing.json", nil))...)
	eventually(t, r, "waiting on the socket", listening(log, 1))
	if len(changes(log)) != 0 {
		t.Fatalf("sent before the wait was over: %v", changes(log))
	}
	clock.fire(3 * time.Second)
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
	}
	out := r.stdout.String()
	for _, want := range []string{
		"plan of ", "conversation " + ringConv + ", org 6c2e9a4f-1d7b-4e3c-8a5f-9b1d4e7c2a06; evidence read 2026-11-25T09:58:00Z (2m0s ago)",
		"  1. wait until participant " + ringAgent + " (communication b4d7f90b-d2f4-4183-b5a0-c4e26083af7d) is connected (at most 1m0s)",
		"  2. PATCH /api/v2/conversations/calls/" + ringConv + "/participants/" + ringAgent,
		`     body: {"state":"disconnected"}`,
		"participant " + ringAgent + " is connected",
		"PATCH /api/v2/conversations/calls/" + ringConv + "/participants/" + ringAgent + " -> 202",
		"done: participant " + ringAgent + " is gone",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "  2. PATCH") > strings.Index(out, "carrying out") || !strings.Contains(r.stderr.String(), "Carry out these 2 steps? [y/N] ") {
		t.Errorf("the steps were not shown before asking:\nstdout:\n%s\nstderr:\n%s", out, r.stderr)
	}
	if got := changes(log); len(got) != 1 || got[0] != "PATCH /api/v2/conversations/calls/"+ringConv+"/participants/"+ringAgent {
		t.Errorf("changes sent: %v", got)
	}
	// The conversation was read again right before the PATCH, and after.
	lines := log.lines()
	for i, l := range lines {
		if l["method"] == "PATCH" && (i == 0 || lines[i-1]["path"] != "/api/v2/conversations/"+ringConv || i == len(lines)-1 || lines[i+1]["path"] != "/api/v2/conversations/"+ringConv) {
			t.Errorf("the PATCH was not between two reads of the conversation: %v", lines)
		}
	}
	if !participantEnded(t, srv, ringConv, ringAgent) {
		t.Error("the org still has the agent")
	}
}

// TestApplyRefusals: each refusal is one line, exit 2, and nothing that
// changes the org is sent.
func TestApplyRefusals(t *testing.T) {
	const conv, agent = ringConv, ringAgent
	for _, tc := range []struct {
		name  string
		edit  func(r map[string]any)
		env   map[string]string
		tty   bool
		stdin string
		want  string
	}{
		{"no terminal and no --yes", nil, nil, false, "", "refused: there is no terminal to ask on, and no --yes"},
		{"declined", nil, nil, true, "n\n", "declined: nothing was sent"},
		{"another org", func(r map[string]any) {
			r["target"].(map[string]any)["org_id"] = "0f1e2d3c-4b5a-4968-8776-655443322110"
		}, nil, true, "y\n",
			"refused: the report is from org 0f1e2d3c-4b5a-4968-8776-655443322110, and these credentials are for org 6c2e9a4f-1d7b-4e3c-8a5f-9b1d4e7c2a06"},
		{"no org", func(r map[string]any) { r["target"].(map[string]any)["org_id"] = nil }, nil, true, "y\n", "refused: the report does not say which org its evidence came from"},
		{"stale", func(r map[string]any) { r["evidence_read_at"] = "2026-11-25T09:30:00Z" }, nil, true, "y\n", "refused: the evidence was read 30m0s ago (2026-11-25T09:30:00Z), longer than --max-age 15m0s"},
		{"undated", func(r map[string]any) { r["evidence_read_at"] = nil }, nil, true, "y\n", "refused: the report does not say when its evidence was read"},
		{"next-time", func(r map[string]any) { r["plan"].(map[string]any)["when"] = "next-time" }, nil, true, "y\n", "refused: the plan is marked next-time"},
		{"no plan", func(r map[string]any) { r["plan"] = nil }, nil, true, "y\n", "refused: the report has no plan"},
		{"undocumented", func(r map[string]any) {
			request(r, 1)["method"], request(r, 1)["path"] = "POST", "/api/v2/conversations/"+conv+"/participants/"+agent+"/disconnect"
		}, nil, true, "y\n", "is not a documented operation"},
		{"braces", func(r map[string]any) {
			request(r, 1)["path"] = "/api/v2/conversations/calls/" + conv + "/participants/{participantId}"
		}, nil, true, "y\n", "holds the placeholder {participantId}"},
		{"unset variable", func(r map[string]any) {
			request(r, 1)["path"] = "/api/v2/conversations/calls/" + conv + "/participants/$PARTICIPANT_ID"
			r["plan"].(map[string]any)["variables"] = []any{map[string]any{"name": "PARTICIPANT_ID", "meaning": "the agent's participant id"}}
		}, nil, true, "y\n", "uses the shell variable $PARTICIPANT_ID (the agent's participant id), which is not set"},
		{"redaction label", func(r map[string]any) {
			request(r, 1)["method"], request(r, 1)["path"] = "POST", "/api/v2/conversations/"+conv+"/participants/"+agent+"/transfer"
			request(r, 1)["body"] = map[string]any{"address": "<phone-3>", "transferType": "Unattended"}
		}, nil, true, "y\n", "holds the redaction label <phone-3>"},
		{"another conversation", func(r map[string]any) {
			request(r, 1)["path"] = "/api/v2/conversations/calls/7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31/participants/" + agent
		}, nil, true, "y\n", "is about conversation 7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31, not the report's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, log, _, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
			e, _, _ := testEnv(tc.env, tc.stdin)
			if tc.tty {
				terminal(e)
			}
			r := startCLI(t, e, applyArgs(srv.URL, reportFile(t, "ringing.json", tc.edit))...)
			code := r.wait(t)
			stderr := strings.TrimSuffix(strings.TrimPrefix(r.stderr.String(), "Carry out these 2 steps? [y/N] "), "\n")
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "\n") {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, r.stderr, tc.want)
			}
			if got := changes(log); len(got) != 0 {
				t.Errorf("sent %v", got)
			}
		})
	}
}

// TestApplyNeedsAUser: the /calls/ PATCH lists not.a.user; with client
// credentials it is refused before anything is sent.
func TestApplyNeedsAUser(t *testing.T) {
	srv, log, _, _ := liveOrg(t, "missing-permission", sim.LiveOptions{}, nil)
	path := reportFile(t, "ringing.json", func(r map[string]any) {
		r["target"].(map[string]any)["conversation_id"] = trConvID
		r["plan"].(map[string]any)["steps"] = []any{step(r, 1)}
		request(r, 0)["path"] = "/api/v2/conversations/calls/" + trConvID + "/participants/" + trAgentID
	})
	r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	if r.Code != 2 || !strings.Contains(r.Stderr, "needs a user context (its definition lists not.a.user), and these are client credentials") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if got := changes(log); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
}

const (
	trConvID  = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31"
	trAgentID = "8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"
	trUserID  = "a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63"
)

// TestApplyGrantIsAskedApart: a grant step is asked for on its own; --yes
// does not approve it, --yes-grants does; once granted, the PATCH the
// division refused goes through.
func TestApplyGrantIsAskedApart(t *testing.T) {
	vars := map[string]string{"USER_ID": trUserID}
	grant := "POST /api/v2/authorization/subjects/" + trUserID + "/divisions/9b2f6d1e-4c8a-4e7b-a3d5-1f8c6e2b9a47/roles/4d8f2b6e-9a3c-4e1d-b7f5-2a6c0e8d4b13"
	for _, tc := range []struct {
		name        string
		tty         bool
		stdin       string
		flags       []string
		code        int
		want        string
		wantChanges int
	}{
		{"--yes alone, no terminal", false, "", []string{"--yes"}, 2, "refused: step 1 grants a role (it changes security settings); without a terminal only --yes-grants approves it", 0},
		{"--yes, grant declined", true, "n\n", []string{"--yes"}, 2, "declined the grant of step 1: nothing was sent", 0},
		{"both asked", true, "y\ny\n", nil, 0, "", 2},
		{"--yes --yes-grants", false, "", []string{"--yes", "--yes-grants"}, 0, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, log, _, _ := liveOrg(t, "division-missing", sim.LiveOptions{}, nil)
			e, _, _ := testEnv(vars, tc.stdin)
			if tc.tty {
				terminal(e)
			}
			r := startCLI(t, e, applyArgs(srv.URL, append(tc.flags, reportFile(t, "division-grant.json", nil))...)...)
			code := r.wait(t)
			if code != tc.code || !strings.Contains(r.stderr.String(), tc.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, r.stdout, r.stderr)
			}
			got := changes(log)
			if len(got) != tc.wantChanges {
				t.Fatalf("changes sent: %v", got)
			}
			if tc.wantChanges == 0 {
				return
			}
			if got[0] != grant || got[1] != "PATCH /api/v2/conversations/"+trConvID+"/participants/"+trAgentID {
				t.Errorf("changes sent: %v", got)
			}
			if tc.tty && !strings.Contains(r.stderr.String(), "Step 1 changes security settings: grant role 4d8f2b6e-9a3c-4e1d-b7f5-2a6c0e8d4b13 in division 9b2f6d1e-4c8a-4e7b-a3d5-1f8c6e2b9a47 to "+trUserID+"? [y/N] ") {
				t.Errorf("the grant was not asked for apart:\n%s", r.stderr)
			}
			if !strings.Contains(r.stdout.String(), "  1. GRANT, changes security settings: role 4d8f2b6e") || !strings.Contains(r.stdout.String(), "done: participant "+trAgentID+" is gone") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
}

// TestApplyWaitTimesOut: the agent never answers; nothing is sent after
// the wait, and apply exits 3.
func TestApplyWaitTimesOut(t *testing.T) {
	srv, log, _, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	path := reportFile(t, "ringing.json", func(r map[string]any) { step(r, 0)["timeout_s"] = 0.3 })
	r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	if r.Code != 3 || !strings.Contains(r.Stderr, "step 1: participant "+ringAgent+" was not connected within 300ms") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if got := changes(log); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
}

// TestApplyStateChangedSince: the agent hung up after the wait; the
// re-read before the PATCH sees it and sends nothing.
func TestApplyStateChangedSince(t *testing.T) {
	srv, log, org, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	org.Connect(ringConv, ringAgent, fixedNow)
	path := reportFile(t, "ringing.json", func(r map[string]any) {
		// The wait is for the customer; meanwhile the agent is gone.
		step(r, 0)["participant_id"], step(r, 0)["communication_id"] = ringCustomer, nil
	})
	if got := send(t, srv, "PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringAgent, []byte(`{"state":"disconnected"}`)); got != 202 {
		t.Fatal(got)
	}
	r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	if r.Code != 1 || !strings.Contains(r.Stderr, "step 2: participant "+ringAgent+" has ended since: nothing was sent") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if got := changes(log); len(got) != 1 { // the test's own PATCH
		t.Errorf("sent %v", got)
	}
}

// TestApplyHostileReport: escape sequences and newlines from a report are
// shown escaped, and a refusal stays one line.
func TestApplyHostileReport(t *testing.T) {
	srv, log, _, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	path := reportFile(t, "ringing.json", func(r map[string]any) {
		r["target"].(map[string]any)["org_id"] = "\x1b]52;c;ZXZpbA==\x07\nsecond line"
	})
	r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	if r.Code != 2 || strings.ContainsAny(r.Stderr, "\x1b\x07") || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, `\x1b]52`) {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	path = reportFile(t, "ringing.json", func(r map[string]any) { step(r, 0)["note"] = "\x1b[2Jcleared" })
	e, _, _ := testEnv(nil, "n\n")
	terminal(e)
	run := startCLI(t, e, applyArgs(srv.URL, path)...)
	if code := run.wait(t); code != 2 || strings.Contains(run.stdout.String(), "\x1b") || !strings.Contains(run.stdout.String(), `note: \x1b[2Jcleared`) {
		t.Errorf("exit %d, stdout %q", code, run.stdout)
	}
	if got := changes(log); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
}

// TestApplyCarriesOutACheckReport: the report `convdiag check` writes,
// unchanged, is what apply carries out. A live check of the ringing
// scenario's drop gives the plan (wait until the agent connects, then
// drop); apply --yes waits for the scenario's timer, sends the one PATCH,
// and the agent is gone.
func TestApplyCarriesOutACheckReport(t *testing.T) {
	srv, log, _, clock := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	sc, _ := sim.LookupScenario("ringing")
	chk := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
		"--request", sc.Request.Method+" "+sc.Request.URL, "--body", sc.Request.Body, "--status", "409", "--format", "json")
	if chk.Code != 1 {
		t.Fatalf("check: exit %d: %s", chk.Code, chk.Stderr)
	}
	if got := changes(log); len(got) != 0 {
		t.Fatalf("check changed the org: %v", got)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, []byte(chk.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	e, _, _ := testEnv(nil, "")
	e.Now = time.Now                                    // the report's evidence_read_at is the sim's real Date
	read := count(log, "GET", "/api/v2/conversations/") // the check's reads
	r := startCLI(t, e, applyArgs(srv.URL, path, "--yes")...)
	eventually(t, r, "waiting on the socket", func() bool {
		return count(log, "GET", "/channels/") == 1 && count(log, "GET", "/api/v2/conversations/") >= read+2
	})
	clock.fire(3 * time.Second)
	if code := r.wait(t); code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
	}
	if got := changes(log); len(got) != 1 || !strings.HasPrefix(got[0], "PATCH ") || !strings.HasSuffix(got[0], "/participants/"+ringAgent) {
		t.Errorf("changes sent: %v", got)
	}
	if !participantEnded(t, srv, ringConv, ringAgent) {
		t.Errorf("the org still has the agent\n%s", r.stdout)
	}
}
