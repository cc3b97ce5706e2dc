package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// fixReport is the part of the JSON report that says what to send.
type fixReport struct {
	Target struct {
		ParticipantID string `json:"participant_id"`
		Operation     *struct {
			ID     string `json:"id"`
			Source string `json:"source"`
		} `json:"operation"`
	} `json:"target"`
	Causes []struct {
		ID         string `json:"id"`
		Likelihood string `json:"likelihood"`
		Fix        struct {
			Summary string `json:"summary"`
		} `json:"fix"`
	} `json:"causes"`
	Corrected *fixRequest `json:"corrected_request"`
	Plan      *fixPlan    `json:"plan"`
	RequestOK bool        `json:"request_ok"`
	Nothing   string      `json:"nothing_to_send"`
	Verdict   struct {
		ExitCode int `json:"exit_code"`
	} `json:"verdict"`
}

type fixRequest struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
	Vars   []struct {
		Name string `json:"name"`
	} `json:"vars"`
	Before []*fixRequest `json:"before"`
}

// fixPlan is the report's plan (DESIGN §5).
type fixPlan struct {
	When  string `json:"when"`
	Steps []struct {
		Kind          string      `json:"kind"`
		Summary       string      `json:"summary"`
		ParticipantID string      `json:"participant_id"`
		Until         string      `json:"until"`
		Request       *fixRequest `json:"request"`
	} `json:"steps"`
	Variables []struct {
		Name    string `json:"name"`
		Meaning string `json:"meaning"`
	} `json:"variables"`
}

// TestEveryScenarioPlanWorks proves the printed plans (DESIGN §4b.5): for
// each built-in scenario the demo's plan is carried out against a fresh
// simulated org, step by step, in order (a wait: the party answers; a
// grant: an admin gives the role in the division; the request, its
// variables set as the scenario says a user would), every request answers
// 2xx, and the target ends as the operation meant (held, wrapped up,
// gone, ...). Where the report says there is nothing to send, it prints no
// plan, and the scenario's own request still fails against a fresh org.
func TestEveryScenarioPlanWorks(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runCLI(t, nil, "", "demo", sc.Name, "--format", "json")
			var rep fixReport
			if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
				t.Fatalf("exit %d, not JSON: %v\n%s", r.Code, err, r.Stderr)
			}
			org, srv := freshOrg(t, sc)
			before := map[string]bool{}
			for _, p := range getConversation(t, srv, sc.ConversationID()).Participants {
				before[p.ID] = true
			}
			u, _ := url.Parse(sc.Request.URL)
			if rep.Nothing != "" {
				if rep.Corrected != nil || rep.Plan != nil {
					t.Fatalf("nothing to send (%s), yet a plan %+v", rep.Nothing, rep.Plan)
				}
				if st := send(t, srv, sc.Request.Method, u.EscapedPath(), []byte(sc.Request.Body)); st/100 == 2 {
					t.Errorf("the report says nothing can work, but the scenario's request answers %d", st)
				}
				return
			}
			applyNonRequestFixes(t, sc, org, rep)
			var sent *fixRequest
			switch {
			case rep.Plan != nil && rep.Plan.When == "next-time":
				// This conversation is over: the plan is for the code's next
				// call. Nothing of it can be sent now, and its request is
				// the operation's own.
				if st := send(t, srv, sc.Request.Method, u.EscapedPath(), []byte(sc.Request.Body)); st/100 == 2 {
					t.Errorf("a plan for next time, but the scenario's request answers %d now", st)
				}
				last := rep.Plan.Steps[len(rep.Plan.Steps)-1]
				if last.Kind != "request" || last.Request == nil || last.Request.Method != sc.Request.Method {
					t.Errorf("the plan for next time does not end with the operation's request: %+v", last)
				}
				return
			case rep.Plan != nil:
				if rep.Plan.When != "now" {
					t.Fatalf("a built-in scenario's plan is for %s", rep.Plan.When)
				}
				sent = carryOut(t, sc, org, srv, rep.Plan)
				if c := rep.Corrected; c != nil && (c.Method != sent.Method || c.Path != sent.Path) {
					t.Errorf("corrected_request %s %s is not the plan's request %s %s", c.Method, c.Path, sent.Method, sent.Path)
				}
			case rep.Verdict.ExitCode != 0:
				t.Fatalf("causes found but no plan and no reason: %s", r.Stdout)
			default:
				// A healthy control: the request as sent is the fix.
				sent = &fixRequest{Method: sc.Request.Method, Path: u.EscapedPath(), Body: json.RawMessage(sc.Request.Body)}
				if st := send(t, srv, sent.Method, sent.Path, sent.Body); st/100 != 2 {
					t.Fatalf("the healthy control's own request answered %d", st)
				}
			}
			op := "disconnect"
			if rep.Target.Operation != nil {
				op = rep.Target.Operation.ID
			}
			assertOutcome(t, srv, sc, op, sent, rep.Target.ParticipantID, before)
		})
	}
}

// carryOut carries out a plan's steps in order and returns its request.
func carryOut(t *testing.T, sc sim.Scenario, org *sim.Org, srv *httptest.Server, plan *fixPlan) *fixRequest {
	t.Helper()
	var last *fixRequest
	for i, st := range plan.Steps {
		switch st.Kind {
		case "wait":
			// The party does what the plan waits for: the agent answers.
			if st.Until != "connected" || !org.Connect(sc.ConversationID(), st.ParticipantID, time.Now()) {
				t.Fatalf("step %d: cannot carry out a wait until %q for %s", i+1, st.Until, st.ParticipantID)
			}
		case "grant":
			grant(t, org, srv, st.Summary, st.Request)
		case "request":
			req := withVars(t, sc, st.Request)
			if st := send(t, srv, req.Method, req.Path, req.Body); st/100 != 2 {
				t.Fatalf("step %d: %s %s %s answered %d", i+1, req.Method, req.Path, req.Body, st)
			}
			last = req
		default:
			t.Fatalf("step %d: unknown kind %q", i+1, st.Kind)
		}
	}
	if last == nil {
		t.Fatalf("the plan has no request: %+v", plan)
	}
	return last
}

// withVars sets the shell variables of a request to the values the
// scenario gives (as a user would before sending it); none may be left.
func withVars(t *testing.T, sc sim.Scenario, r *fixRequest) *fixRequest {
	t.Helper()
	out := *r
	for _, v := range r.Vars {
		val, ok := sc.Vars[v.Name]
		if !ok {
			t.Fatalf("the fix of a built-in scenario leaves $%s unknown and the scenario gives no value: %+v", v.Name, r)
		}
		if after, ok := strings.CutPrefix(val, "now+"); ok {
			d, err := time.ParseDuration(after)
			if err != nil {
				t.Fatalf("scenario var %s=%q: %v", v.Name, val, err)
			}
			val = time.Now().Add(d).UTC().Format("2006-01-02T15:04:05.000Z")
		}
		out.Path = strings.ReplaceAll(out.Path, "$"+v.Name, val)
		out.Body = json.RawMessage(strings.ReplaceAll(string(out.Body), "$"+v.Name, val))
	}
	if strings.Contains(out.Path, "{") || strings.Contains(out.Path, "$") || strings.Contains(string(out.Body), "$") {
		t.Fatalf("values left unknown: %+v", out)
	}
	return &out
}

// grant carries out a plan's grant step as an admin would: a role the
// step names by a variable is one the admin makes first, carrying the
// permissions the step names; then the step's own request, the grant
// call, is sent to the org.
func grant(t *testing.T, org *sim.Org, srv *httptest.Server, summary string, r *fixRequest) {
	t.Helper()
	segs := genesys.SplitPath(strings.SplitN(r.Path, "?", 2)[0])
	if r.Method != "POST" || len(segs) != 9 || segs[2] != "authorization" || segs[3] != "subjects" || segs[5] != "divisions" || segs[7] != "roles" {
		t.Fatalf("not the grant call: %s %s", r.Method, r.Path)
	}
	if strings.HasPrefix(segs[6], "$") {
		t.Fatalf("the grant names no division: %s", r.Path)
	}
	path := r.Path
	if strings.Contains(path, "$ROLE_ID") {
		perms := permissionRe.FindAllString(summary, -1)
		if len(perms) == 0 {
			t.Fatalf("the grant step names no permission for the role to make: %q", summary)
		}
		org.AddRole(genesys.DomainOrganizationRole{ID: "fix-role", Name: "Made for the fix", Permissions: perms})
		path = strings.ReplaceAll(path, "$ROLE_ID", "fix-role")
	}
	if strings.Contains(path, "$") {
		t.Fatalf("values left unknown in the grant: %s", path)
	}
	if st := send(t, srv, r.Method, path, r.Body); st/100 != 2 {
		t.Fatalf("the grant %s %s answered %d", r.Method, path, st)
	}
}

// permissionRe finds the permissions a step names.
var permissionRe = regexp.MustCompile(`\b[a-z]+:[a-zA-Z]+:[a-zA-Z]+\b`)

// assertOutcome reads the conversation again: the target is as the
// operation meant.
func assertOutcome(t *testing.T, srv *httptest.Server, sc sim.Scenario, op string, sent *fixRequest, target string, before map[string]bool) {
	t.Helper()
	segs := genesys.SplitPath(sent.Path)
	pid := target
	for i, s := range segs {
		// The participant the request acts on; a consult's speak-to names
		// the consult's object but acts on the consulted party (the
		// target).
		if s == "participants" && i+1 < len(segs) && sent.Method != "DELETE" && segs[len(segs)-1] != "consult" {
			pid = segs[i+1]
		}
	}
	c := getConversation(t, srv, sc.ConversationID())
	var p *genesys.Participant
	for i := range c.Participants {
		if c.Participants[i].ID == pid {
			p = &c.Participants[i]
		}
	}
	comm := func() genesys.Communication {
		if p == nil || len(p.Calls) == 0 {
			t.Fatalf("no participant %s with a call in %s", pid, sc.ConversationID())
		}
		return p.Calls[len(p.Calls)-1]
	}
	switch op {
	case "disconnect":
		if !participantEnded(t, srv, sc.ConversationID(), pid) {
			t.Errorf("participant %s is still there after the fix", pid)
		}
	case "hold":
		if !comm().Held {
			t.Errorf("participant %s is not held after the fix", pid)
		}
	case "answer":
		if comm().State != "connected" {
			t.Errorf("participant %s is %s after answering", pid, comm().State)
		}
	case "wrapup":
		if p == nil || p.Wrapup == nil || p.Wrapup.Code == "" {
			t.Errorf("participant %s has no wrap-up after the fix: %+v", pid, p)
		}
	case "transfer":
		// The transferring party leaves; the destination is added alerting.
		if !participantEnded(t, srv, sc.ConversationID(), pid) {
			t.Errorf("participant %s is still on the call after the transfer", pid)
		}
		added := 0
		for _, q := range c.Participants {
			if !before[q.ID] && len(q.Calls) > 0 && q.Calls[len(q.Calls)-1].State == "alerting" {
				added++
			}
		}
		if added != 1 {
			t.Errorf("the transfer added %d alerting destinations, not 1", added)
		}
	case "consult":
		// The consulted party joins, linked to the consult's object.
		added := 0
		for _, q := range c.Participants {
			if !before[q.ID] && q.ConsultParticipantID != "" {
				added++
			}
		}
		if added != 1 {
			t.Errorf("the consult added %d linked parties, not 1", added)
		}
	case "conference-add":
		added := 0
		for _, q := range c.Participants {
			if !before[q.ID] {
				added++
			}
		}
		if added != 1 {
			t.Errorf("the add joined %d parties, not 1", added)
		}
	case "callback":
		var body struct {
			At string `json:"callbackScheduledTime"`
		}
		_ = json.Unmarshal(sent.Body, &body)
		changed := false
		for _, q := range c.Participants {
			for _, cb := range q.Callbacks {
				changed = changed || body.At != "" && cb.ScheduledTime == body.At
			}
		}
		if !changed {
			t.Errorf("no callback is scheduled at %q after the fix", body.At)
		}
	case "recording-state":
		if c.RecordingState == "" {
			t.Errorf("the recording state did not change")
		}
	default:
		t.Errorf("the outcome of %s is not checked: add it", op)
	}
}

func getConversation(t *testing.T, srv *httptest.Server, convID string) genesys.Conversation {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v2/conversations/"+convID, nil)
	req.Header.Set("Authorization", "Bearer fix-token")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c genesys.Conversation
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// freshOrg serves a new copy of the scenario's org that accepts the test
// token.
func freshOrg(t *testing.T, sc sim.Scenario) (*sim.Org, *httptest.Server) {
	t.Helper()
	org, err := sc.Org()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.New(org, sim.Options{AccessTokens: []string{"fix-token"}}))
	t.Cleanup(srv.Close)
	return org, srv
}

// applyNonRequestFixes does what a fix says besides sending a request.
func applyNonRequestFixes(t *testing.T, sc sim.Scenario, org *sim.Org, rep fixReport) {
	for _, c := range rep.Causes {
		if c.Likelihood == "possible" {
			continue
		}
		switch c.ID {
		case "token.scope-missing":
			// "Add the conversations scope": a user token that has it.
			tok, err := sim.ScenarioFile("tokens/user.json")
			if err != nil {
				t.Fatal(err)
			}
			ti, err := genesys.DecodeTokenInfo(tok)
			if err != nil {
				t.Fatal(err)
			}
			org.SetTokenInfo(ti)
		case "token.permission-missing", "token.division-missing":
			// The grant is a plan step (carryOut); the fix names what to
			// grant.
			if c.ID == "token.permission-missing" && !strings.Contains(c.Fix.Summary, "conversation:communication:disconnect") {
				t.Errorf("the fix does not name the permission: %q", c.Fix.Summary)
			}
			if c.ID == "token.division-missing" {
				if name := heldRoleName(t, org); !strings.Contains(c.Fix.Summary, "role "+name) {
					t.Errorf("the fix does not name the role %q: %q", name, c.Fix.Summary)
				}
			}
		}
	}
}

func send(t *testing.T, srv *httptest.Server, method, path string, body []byte) int {
	t.Helper()
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer fix-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// participantEnded reads the conversation again: the participant has an
// endTime or only ended communications.
func participantEnded(t *testing.T, srv *httptest.Server, convID, pid string) bool {
	t.Helper()
	c := getConversation(t, srv, convID)
	for _, p := range c.Participants {
		if p.ID != pid {
			continue
		}
		if p.EndTime != "" {
			return true
		}
		for _, cm := range p.Comms() {
			if !genesys.Ended(cm.State) {
				return false
			}
		}
		return true
	}
	t.Fatalf("participant %s not in the conversation", pid)
	return false
}

// TestDemoTryLineWorks: the one-liner a demo prints to try its fix, run by
// bash as a user would paste it (on a free port, with the built binary),
// gets 2xx for every request it sends. The line carries no "<redacted>":
// the redaction of stderr must not break it.
func TestDemoTryLineWorks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs bash")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	bin := testBinary(t)
	tried := 0
	for _, sc := range sim.Scenarios() {
		r := runCLI(t, nil, "", "demo", sc.Name)
		i := strings.Index(r.Stderr, "try the fix against a simulated org that stays up:\n")
		if i < 0 {
			continue
		}
		line := strings.TrimSpace(strings.SplitN(r.Stderr[i:], "\n", 3)[1])
		if strings.Contains(line, "<redacted>") {
			t.Fatalf("%s: the try line was redacted into uselessness: %s", sc.Name, line)
		}
		tried++
		t.Run(sc.Name, func(t *testing.T) {
			port := freePort(t)
			line := strings.ReplaceAll(line, tryAddr, "127.0.0.1:"+port)
			line = strings.Replace(line, "convdiag sim", bin+" sim", 1)
			// Wait for the port rather than a fixed sleep.
			line = regexp.MustCompile(`sleep \d+`).ReplaceAllString(line, "for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:"+port+"/ && break; sleep 0.05; done")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, bash, "-c", line).CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			codes := regexp.MustCompile(` -> (\d{3})`).FindAllStringSubmatch(string(out), -1)
			if len(codes) == 0 {
				t.Fatalf("no status printed:\n%s", out)
			}
			for _, c := range codes {
				if c[1][0] != '2' {
					t.Errorf("a request of the try line got %s:\n%s", c[1], out)
				}
			}
		})
	}
	if tried == 0 {
		t.Fatal("no demo printed a try line")
	}
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// heldRoleName is the one role the org's token holds.
func heldRoleName(t *testing.T, org *sim.Org) string {
	t.Helper()
	a := org.Access()
	if len(a.Roles) != 1 {
		t.Fatalf("want one role, have %d", len(a.Roles))
	}
	return a.Roles[0].Name
}
