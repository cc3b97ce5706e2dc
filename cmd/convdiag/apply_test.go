package main

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/apply"
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
	// Read before the plan (is the target already gone?), by the wait,
	// and again once the wait's socket is up.
	eventually(t, r, "waiting on the socket", func() bool {
		return count(log, "GET", "/channels/") == 1 && count(log, "GET", "/api/v2/conversations/") == 3
	})
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
		// Review finding 10: a hold's report whose request was edited into
		// the teardown, or a drop, is not sent whatever --yes says.
		{"a hold turned into the teardown", func(r map[string]any) {
			r["target"].(map[string]any)["operation"] = map[string]any{"id": "hold", "source": "flag"}
			request(r, 1)["method"], request(r, 1)["path"], request(r, 1)["body"] = "DELETE", "/api/v2/conversations/"+conv, nil
		}, nil, false, "", "refused: step 2 (request): DELETE /api/v2/conversations/" + conv + " (disconnect all participants of the conversation) performs teardown, not hold, the report's operation (target.operation)"},
		{"a hold turned into a drop", func(r map[string]any) {
			r["target"].(map[string]any)["operation"] = map[string]any{"id": "hold", "source": "flag"}
		}, nil, false, "", "performs disconnect, not hold, the report's operation (target.operation): a plan never turns one operation into another"},
		{"no operation", func(r map[string]any) { r["target"].(map[string]any)["operation"] = nil }, nil, false, "",
			"refused: the report names no operation (target.operation is null)"},
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

// TestApplyAlreadyDone (review finding 15): the same plan carried out
// twice: the first run drops the agent (exit 0); the second finds the
// target already as the drop meant and sends nothing (exit 2, one line).
func TestApplyAlreadyDone(t *testing.T) {
	srv, log, org, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
	org.Connect(ringConv, ringAgent, fixedNow)
	path := reportFile(t, "ringing.json", func(r map[string]any) {
		r["plan"].(map[string]any)["steps"] = []any{step(r, 1)} // the agent has answered: no wait
	})
	r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "done: participant "+ringAgent+" is gone") {
		t.Fatalf("first run: exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r = runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
	want := "convdiag: the target is already as the operation meant (participant " + ringAgent + " is gone): nothing was sent\n"
	if r.Code != 2 || r.Stderr != want {
		t.Errorf("second run: exit %d, stderr %q; want 2 and %q", r.Code, r.Stderr, want)
	}
	if got := changes(log); len(got) != 1 {
		t.Errorf("sent %v: the second run sent again", got)
	}
}

// TestApplyStateChangedSince (review finding 15): the agent to hold hung
// up after the evidence was read; the re-read before the PATCH sees it and
// sends nothing (exit 2), and says "since" only when the report's
// timeline shows the agent live when the evidence was read.
func TestApplyStateChangedSince(t *testing.T) {
	for _, tc := range []struct {
		stateThen string
		want      string
	}{
		{"connected", "has ended since the evidence was read: nothing was sent"},
		{"ended", "had already ended when the evidence was read (the report's timeline says so): nothing was sent"},
		{"", "has ended (the report's timeline does not say whether it had when the evidence was read): nothing was sent"},
	} {
		srv, log, org, _ := liveOrg(t, "ringing", sim.LiveOptions{}, nil)
		org.Connect(ringConv, ringAgent, fixedNow)
		path := reportFile(t, "ringing.json", func(r map[string]any) {
			r["target"].(map[string]any)["operation"] = map[string]any{"id": "hold", "source": "flag"}
			request(r, 1)["body"] = map[string]any{"held": true}
			// The wait is for the customer; meanwhile the agent is gone.
			step(r, 0)["participant_id"], step(r, 0)["communication_id"] = ringCustomer, nil
			if tc.stateThen != "" {
				r["timeline"] = []any{map[string]any{"participant_id": ringAgent, "state_now": tc.stateThen, "communications": []any{}}}
			}
		})
		if got := send(t, srv, "PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringAgent, []byte(`{"state":"disconnected"}`)); got != 202 {
			t.Fatal(got)
		}
		r := runCLI(t, nil, "", applyArgs(srv.URL, "--yes", path)...)
		want := "convdiag: step 2: participant " + ringAgent + " " + tc.want + "\n"
		if r.Code != 2 || r.Stderr != want {
			t.Errorf("timeline %q: exit %d, stderr %q; want 2 and %q", tc.stateThen, r.Code, r.Stderr, want)
		}
		if got := changes(log); len(got) != 1 { // the test's own PATCH
			t.Errorf("sent %v", got)
		}
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

// TestApplyAcceptsEveryScenarioPlan (review finding 10): every plan the
// engine builds for a built-in scenario (convdiag demo NAME --format json)
// passes apply's checks, the consult steps of a drop and of a hold
// included; the same plan with its last request turned into the teardown,
// or into another operation on the participant, is refused.
func TestApplyAcceptsEveryScenarioPlan(t *testing.T) {
	var accepted []string
	for _, sc := range sim.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runCLI(t, nil, "", "demo", sc.Name, "--format", "json")
			rep, err := apply.Parse([]byte(r.Stdout))
			if err != nil {
				t.Fatalf("exit %d: %v\n%s", r.Code, err, r.Stderr)
			}
			if rep.Plan == nil || rep.Plan.When != "now" {
				return
			}
			vars := map[string]string{"ROLE_ID": "fix-role"}
			maps.Copy(vars, sc.Vars)
			getenv := func(k string) string { return vars[k] }
			readAt, err := time.Parse(time.RFC3339, rep.EvidenceReadAt)
			if err != nil {
				t.Fatalf("evidence_read_at %q: %v", rep.EvidenceReadAt, err)
			}
			if _, err := apply.Prepare(rep, readAt, 15*time.Minute, getenv); err != nil {
				t.Fatalf("the engine's own plan is refused: %v", err)
			}
			accepted = append(accepted, sc.Name)
			op, conv := rep.Target.Operation.ID, rep.Target.ConversationID
			other, otherOp := `{"held":true}`, "hold"
			if op == "hold" {
				other, otherOp = `{"state":"disconnected"}`, "disconnect"
			}
			last := 0
			for i, st := range rep.Plan.Steps {
				if st.Kind == apply.KindRequest {
					last = i
				}
			}
			for _, edit := range []struct{ method, path, body, want string }{
				{"DELETE", "/api/v2/conversations/" + conv, "", "performs teardown, not " + op},
				{"PATCH", "/api/v2/conversations/" + conv + "/participants/0d5e8a1c-7b3f-4e2a-9c6d-1f4b8e2a5c73", other, "performs " + otherOp + ", not " + op},
			} {
				edited := *rep
				plan := *rep.Plan
				plan.Steps = slices.Clone(plan.Steps)
				rq := &apply.Request{Method: edit.method, Path: edit.path}
				if edit.body != "" {
					rq.Body = json.RawMessage(edit.body)
				}
				plan.Steps[last].Request = rq
				edited.Plan = &plan
				_, err := apply.Prepare(&edited, readAt, 15*time.Minute, getenv)
				var rf *apply.Refusal
				if !errors.As(err, &rf) || !strings.Contains(err.Error(), edit.want) {
					t.Errorf("%s %s as the last request: %v, want a refusal with %q", edit.method, edit.path, err, edit.want)
				}
			}
		})
	}
	for _, want := range []string{"consult", "hold-consult-leg", "ringing", "missing-permission", "wrapup-no-code", "transfer-queue-missing", "callback-too-far", "recording-pause-cc"} {
		if !slices.Contains(accepted, want) {
			t.Errorf("the plan of %s was not judged (accepted: %v)", want, accepted)
		}
	}
}

// TestApplyCarriesOutConsultPlans: plans whose request is another
// operation than the report's (the drop of a consulted party is the
// consult's cancel; a hold during a consult is its speak-to), and one on
// the conversation with no participant (the secure pause), from a live
// check of the scenario, unchanged: apply sends the one request and judges
// the report's target (not the consult's object the path names); a second
// run finds the target already as meant and sends nothing (exit 2), where
// the conversation can show it.
func TestApplyCarriesOutConsultPlans(t *testing.T) {
	const consultPath = "/api/v2/conversations/calls/2e5a8c1f-4b7d-4e9a-8c2f-5b8d1e4a7c90/participants/4a7c0e31-6d9f-40bc-ae41-7daf306c9eb2/consult"
	for _, tc := range []struct {
		scenario, change, done string
		againCode, againSent   int
		again                  string
	}{
		{"consult", "DELETE " + consultPath, "participant 8eb04275-a1d3-44f0-a285-b1e374a1d2f6 is gone",
			2, 1, "the target is already as the operation meant (participant 8eb04275-a1d3-44f0-a285-b1e374a1d2f6 is gone): nothing was sent"},
		{"hold-consult-leg", "PATCH " + consultPath, "participant 8eb04275-a1d3-44f0-a285-b1e374a1d2f6 is held",
			2, 1, "the target is already as the operation meant (participant 8eb04275-a1d3-44f0-a285-b1e374a1d2f6 is held): nothing was sent"},
		{"recording-pause-cc", "PUT /api/v2/conversations/calls/7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31/recordingstate",
			"the org accepted recording-state; the conversation does not show whether it took effect", 0, 2, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sc, err := sim.LookupScenario(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			inputs := scenarioInputs(t, sc)
			srv, log, _, _ := liveOrg(t, tc.scenario, sim.LiveOptions{}, nil)
			chk := runCLI(t, nil, "", append([]string{"check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID()}, inputs...)...)
			if chk.Code != 1 {
				t.Fatalf("check: exit %d: %s", chk.Code, chk.Stderr)
			}
			path := filepath.Join(t.TempDir(), "report.json")
			if err := os.WriteFile(path, []byte(chk.Stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			e, _, _ := testEnv(nil, "")
			e.Now = time.Now // the report's evidence_read_at is the sim's real Date
			r := startCLI(t, e, applyArgs(srv.URL, path, "--yes")...)
			if code := r.wait(t); code != 0 || !strings.Contains(r.stdout.String(), "done: "+tc.done) {
				t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
			}
			if got := changes(log); len(got) != 1 || got[0] != tc.change {
				t.Errorf("changes sent: %v", got)
			}
			e, _, _ = testEnv(nil, "")
			e.Now = time.Now
			r = startCLI(t, e, applyArgs(srv.URL, path, "--yes")...)
			if code := r.wait(t); code != tc.againCode || !strings.Contains(r.stderr.String(), tc.again) {
				t.Errorf("second run: exit %d, stderr %q", code, r.stderr)
			}
			if got := changes(log); len(got) != tc.againSent {
				t.Errorf("after the second run, changes sent: %v", got)
			}
		})
	}
}

// TestApplyTimeout (review finding 15): --timeout bounds apply's network
// time, as check's does: an org that never answers the login, the token's
// org or the re-read before the change ends apply with exit 3 and one line,
// nothing sent.
func TestApplyTimeout(t *testing.T) {
	tokensMe := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/tokens/me" {
			hang(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"organization":{"id":"6c2e9a4f-1d7b-4e3c-8a5f-9b1d4e7c2a06"},"homeOrganization":{"id":"6c2e9a4f-1d7b-4e3c-8a5f-9b1d4e7c2a06"}}`)
	}
	for _, tc := range []struct {
		name       string
		token, api func(w http.ResponseWriter, r *http.Request)
		want       string
	}{
		{"the login never answers", hang, hang, "could not log in to the org, so nothing was read (token request failed: context deadline exceeded (budget spent))"},
		{"the token's org never answers", grantToken, hang, "the network budget (--timeout 500ms) was spent: read the credentials' org (GET /api/v2/tokens/me)"},
		{"the re-read never answers", grantToken, tokensMe, "the network budget (--timeout 500ms) was spent: step 1: re-read the conversation: GET "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var sent []string
			base := silentOrg(t, tc.token, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				sent = append(sent, r.Method+" "+r.URL.Path)
				mu.Unlock()
				tc.api(w, r)
			})
			path := reportFile(t, "ringing.json", func(r map[string]any) {
				r["plan"].(map[string]any)["steps"] = []any{step(r, 1)}
			})
			e, _, _ := testEnv(nil, "")
			e.Now = func() time.Time { return time.Date(2026, 11, 25, 9, 59, 0, 0, time.UTC) }
			run := startCLI(t, e, applyArgs(base, "--yes", "--timeout", "500ms", path)...)
			code := run.wait(t)
			if code != 3 || !strings.Contains(run.stderr.String(), tc.want) || strings.Count(run.stderr.String(), "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 3 and one line with %q", code, run.stderr, tc.want)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, s := range sent {
				if !strings.HasPrefix(s, "GET ") {
					t.Errorf("sent %s", s)
				}
			}
		})
	}
}
