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
	} `json:"target"`
	Causes []struct {
		ID         string `json:"id"`
		Likelihood string `json:"likelihood"`
		Fix        struct {
			Summary string `json:"summary"`
		} `json:"fix"`
	} `json:"causes"`
	Corrected *fixRequest `json:"corrected_request"`
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
	Vars   []any           `json:"vars"`
	Before []*fixRequest   `json:"before"`
}

// TestEveryScenarioFixWorks proves the printed fixes (DESIGN §4b.5): for
// each built-in scenario the demo's corrected request (and any request to
// send first), sent to a fresh simulated org after the fix's non-request
// part is applied (a token with the missing scope, a leg that has since
// connected), answers 2xx and the target is gone. Where the report says
// there is nothing to send, it prints no request, and the scenario's own
// request still fails against a fresh org.
func TestEveryScenarioFixWorks(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runCLI(t, nil, "", "demo", sc.Name, "--format", "json")
			var rep fixReport
			if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
				t.Fatalf("exit %d, not JSON: %v\n%s", r.Code, err, r.Stderr)
			}
			org, srv := freshOrg(t, sc)
			if rep.Nothing != "" {
				if rep.Corrected != nil {
					t.Fatalf("nothing to send (%s), yet a corrected request %+v", rep.Nothing, rep.Corrected)
				}
				u, _ := url.Parse(sc.Request.URL)
				if st := send(t, srv, sc.Request.Method, u.EscapedPath(), []byte(sc.Request.Body)); st/100 == 2 {
					t.Errorf("the report says nothing can work, but the scenario's request answers %d", st)
				}
				return
			}
			req := rep.Corrected
			if req == nil {
				if rep.Verdict.ExitCode != 0 {
					t.Fatalf("causes found but no corrected request and no reason: %s", r.Stdout)
				}
				// A healthy control: the request as sent is the fix.
				u, _ := url.Parse(sc.Request.URL)
				req = &fixRequest{Method: sc.Request.Method, Path: u.EscapedPath(), Body: json.RawMessage(sc.Request.Body)}
			}
			applyNonRequestFixes(t, sc, org, rep)
			for _, b := range append(append([]*fixRequest{}, req.Before...), req) {
				if len(b.Vars) > 0 || strings.Contains(b.Path, "{") {
					t.Fatalf("the fix of a built-in scenario leaves values unknown: %+v", b)
				}
				if st := send(t, srv, b.Method, b.Path, b.Body); st/100 != 2 {
					t.Fatalf("%s %s %s answered %d", b.Method, b.Path, b.Body, st)
				}
			}
			target := rep.Target.ParticipantID
			if req.Method == "PATCH" {
				segs := genesys.SplitPath(req.Path)
				target = segs[len(segs)-1]
			}
			if !participantEnded(t, srv, sc.ConversationID(), target) {
				t.Errorf("participant %s is still there after the fix", target)
			}
		})
	}
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
			// "Grant a role carrying P (or role R) to the client in the
			// conversation's division": an admin does, in every division
			// the fix names.
			divs := org.ConversationDivisions(sc.ConversationID())
			if len(divs) == 0 {
				t.Fatalf("%s on a conversation without divisions", c.ID)
			}
			role := genesys.DomainOrganizationRole{ID: "fix-role", Name: "Granted by the fix", Permissions: []string{"conversation:communication:disconnect"}}
			if c.ID == "token.permission-missing" && !strings.Contains(c.Fix.Summary, "conversation:communication:disconnect") {
				t.Errorf("the fix does not name the permission: %q", c.Fix.Summary)
			}
			if c.ID == "token.division-missing" {
				name := heldRoleName(t, org)
				if !strings.Contains(c.Fix.Summary, "role "+name) {
					t.Errorf("the fix does not name the role %q: %q", name, c.Fix.Summary)
				}
				role = heldRole(org, name)
			}
			for _, d := range divs {
				org.Grant(role, d)
			}
		case "participant.not-connected-yet":
			// "Wait until it connects": the agent answers.
			if !org.Connect(sc.ConversationID(), rep.Target.ParticipantID, time.Now()) {
				t.Fatalf("no participant %s to connect", rep.Target.ParticipantID)
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

func heldRole(org *sim.Org, name string) genesys.DomainOrganizationRole {
	for _, r := range org.Access().Roles {
		if r.Name == name {
			return r
		}
	}
	return genesys.DomainOrganizationRole{}
}
