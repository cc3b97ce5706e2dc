package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// permissionsReport is the part of the JSON report these tests read.
type permissionsReport struct {
	Causes []struct {
		ID          string `json:"id"`
		Likelihood  string `json:"likelihood"`
		Explanation string `json:"explanation"`
		Fix         struct {
			Summary string `json:"summary"`
		} `json:"fix"`
	} `json:"causes"`
	RuledOut []struct {
		ID     string `json:"id"`
		Reason string `json:"reason"`
	} `json:"ruled_out"`
	Permissions *struct {
		Needed                []string            `json:"needed"`
		HeldIn                map[string][]string `json:"held_in_divisions"`
		ConversationDivisions []string            `json:"conversation_divisions"`
		Verdict               string              `json:"verdict"`
	} `json:"permissions"`
	Checks []struct {
		ID      string   `json:"id"`
		Details []string `json:"details"`
	} `json:"checks"`
}

func readPermissions(t *testing.T, out string) permissionsReport {
	t.Helper()
	var r permissionsReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r
}

// TestGrantsBeforeSending: a live check given the request it means to
// send, and no status or response, proves what the token may do from its
// grants (the acceptance of the permissions issue); the same saved reads
// offline, and the bundle of the live check, give the same causes.
func TestGrantsBeforeSending(t *testing.T) {
	for _, c := range []struct {
		scenario, top, likelihood string
		mentions                  []string
		ruledOut                  []string
		verdict                   string
	}{
		{"missing-permission", "token.permission-missing", "likely", []string{"conversation:communication:disconnect", "Reporting integration"}, nil, "not-held"},
		{"division-missing", "token.division-missing", "likely", []string{"Sales", "the division of Support queue", "role Agent"}, []string{"token.permission-missing"}, "held-elsewhere"},
		{"healthy", "", "", nil, []string{"token.permission-missing", "token.division-missing"}, "held"},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			sc, _ := sim.LookupScenario(c.scenario)
			srv, log := testSim(t, sc.Name, sim.Options{AccessTokens: []string{"saver"}})
			bundle := filepath.Join(t.TempDir(), "bundle")
			args := []string{"check", "--conversation", sc.ConversationID(), "--request", sc.Request.Method + " " + sc.Request.URL, "--body", sc.Request.Body, "--format", "json"}
			live := runCLI(t, nil, "", append(append([]string{}, args...), "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--save-bundle", bundle)...)
			rep := readPermissions(t, live.Stdout)
			assertPermissions(t, "live", rep, c.top, c.likelihood, c.mentions, c.ruledOut, c.verdict)
			assertReadOnly(t, log)
			paths := strings.Join(logPaths(log), " ")
			if !strings.Contains(paths, "/api/v2/authorization/subjects/me") {
				t.Errorf("the grants were not read: %s", paths)
			}
			// Offline, from the same reads saved as files.
			offline := runCLI(t, nil, "", append(args, savedGrantFlags(t, srv, sc)...)...)
			orep := readPermissions(t, offline.Stdout)
			assertPermissions(t, "offline", orep, c.top, c.likelihood, c.mentions, c.ruledOut, c.verdict)
			lc, _ := causeSet(t, live.Stdout)
			oc, _ := causeSet(t, offline.Stdout)
			if !equalMaps(lc, oc) || live.Code != offline.Code {
				t.Errorf("live %v (exit %d), offline %v (exit %d)", lc, live.Code, oc, offline.Code)
			}
			again := runCLI(t, nil, "", "check", "--bundle", bundle, "--format", "json")
			bc, _ := causeSet(t, again.Stdout)
			if !equalMaps(lc, bc) {
				t.Errorf("the bundle reruns to %v, live was %v", bc, lc)
			}
			if brep := readPermissions(t, again.Stdout); brep.Permissions == nil || brep.Permissions.Verdict != c.verdict {
				t.Errorf("the bundle lost the grants: %+v", brep.Permissions)
			}
		})
	}
}

func assertPermissions(t *testing.T, mode string, rep permissionsReport, top, likelihood string, mentions, ruledOut []string, verdict string) {
	t.Helper()
	if rep.Permissions == nil || rep.Permissions.Verdict != verdict {
		t.Fatalf("%s: permissions %+v, want verdict %s", mode, rep.Permissions, verdict)
	}
	if top != "" {
		if len(rep.Causes) == 0 || rep.Causes[0].ID != top || rep.Causes[0].Likelihood != likelihood {
			t.Fatalf("%s: causes %+v, want %s (%s) first", mode, rep.Causes, top, likelihood)
		}
		text := rep.Causes[0].Explanation + " " + rep.Causes[0].Fix.Summary
		for _, m := range mentions {
			if !strings.Contains(text, m) {
				t.Errorf("%s: %s does not name %q: %s", mode, top, m, text)
			}
		}
	} else if len(rep.Causes) != 0 {
		t.Errorf("%s: causes %+v on a healthy request", mode, rep.Causes)
	}
	for _, id := range ruledOut {
		found := false
		for _, r := range rep.RuledOut {
			if r.ID == id {
				found = true
				if verdict == "held" && (!strings.Contains(r.Reason, "role Agent") || !strings.Contains(r.Reason, "Billing")) {
					t.Errorf("%s: %s ruled out without naming role and division: %q", mode, id, r.Reason)
				}
			}
		}
		if !found {
			t.Errorf("%s: %s not ruled out", mode, id)
		}
	}
}

// savedGrantFlags saves the scenario's conversation, token info and grant
// reads as a customer would (GETs with their token) and returns the flags
// that give them to an offline check.
func savedGrantFlags(t *testing.T, srv *httptest.Server, sc sim.Scenario) []string {
	t.Helper()
	dir := t.TempDir()
	get := func(path, file string) string {
		b := simGet(t, srv.URL+path, "saver")
		f := filepath.Join(dir, file)
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	flags := []string{"--conversation-json", get("/api/v2/conversations/"+sc.ConversationID(), "conversation.json"),
		"--token-info-json", get("/api/v2/tokens/me", "tokens-me.json"),
		"--subject-json", get("/api/v2/authorization/subjects/me", "subject.json")}
	_, tok, _ := sc.Files()
	ti, _ := genesys.DecodeTokenInfo(tok)
	if !strings.EqualFold(ti.OAuthClient.AuthorizedGrantType, "CLIENT-CREDENTIALS") {
		return flags
	}
	cf := get("/api/v2/oauth/clients/"+ti.OAuthClient.ID, "client.json")
	flags = append(flags, "--oauth-client-json", cf)
	b, _ := os.ReadFile(cf)
	c, err := genesys.DecodeOAuthClient(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, rd := range c.RoleDivisions {
		flags = append(flags, "--role-json", get("/api/v2/authorization/roles/"+rd.RoleID, "role-"+string(rune('a'+i))+".json"))
	}
	return flags
}

func logPaths(log *syncBuffer) []string {
	var out []string
	for _, l := range log.lines() {
		out = append(out, l["method"].(string)+" "+l["path"].(string))
	}
	return out
}

// TestGrantsUnreadable: a token that may not read its own grants gets a
// note, and the 403 is judged as it was without them.
func TestGrantsUnreadable(t *testing.T) {
	sc, _ := sim.LookupScenario("missing-permission")
	org, _ := sc.Org()
	h := sim.New(org, sim.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v2/authorization/") || strings.HasPrefix(r.URL.Path, "/api/v2/oauth/clients/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(403)
			_, _ = io.WriteString(w, `{"message":"You are not authorized to perform the requested action.","code":"missing.any.permissions","status":403}`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	resp := filepath.Join(dir, "response.json")
	_ = os.WriteFile(resp, []byte(`{"message":"Unable to perform the requested action. You must have at least one of the following permissions assigned: [conversation:communication:disconnect]","code":"missing.any.permissions","status":403}`), 0o644)
	r := runCLI(t, nil, "", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
		"--request", sc.Request.Method+" "+sc.Request.URL, "--body", sc.Request.Body, "--status", "403", "--response", resp, "--format", "json")
	rep := readPermissions(t, r.Stdout)
	if r.Code != 1 || len(rep.Causes) == 0 || rep.Causes[0].ID != "token.permission-missing" {
		t.Fatalf("exit %d, causes %+v", r.Code, rep.Causes)
	}
	if rep.Permissions != nil {
		t.Errorf("permissions reported from grants nobody could read: %+v", rep.Permissions)
	}
	noted := false
	for _, c := range rep.Checks {
		for _, d := range c.Details {
			noted = noted || strings.Contains(d, "cannot read its own grants")
		}
	}
	if !noted {
		t.Errorf("no note that the grants could not be read: %+v", rep.Checks)
	}
}

// TestGrantsContradictedByTheResponse: grants that lack the permission
// against a response that shows the request was authorised: the response
// (the customer's own evidence) wins, and the report says the two tokens
// differ.
func TestGrantsContradictedByTheResponse(t *testing.T) {
	g := func(f string) string { return filepath.Join("..", "..", "testdata", "grants", f) }
	sc, _ := sim.LookupScenario("missing-permission")
	conv, tok, _ := sc.Files()
	dir := t.TempDir()
	cf, tf := filepath.Join(dir, "conv.json"), filepath.Join(dir, "tok.json")
	_ = os.WriteFile(cf, conv, 0o644)
	_ = os.WriteFile(tf, tok, 0o644)
	r := runCLI(t, nil, "", "check", "--request", sc.Request.Method+" "+sc.Request.URL, "--body", sc.Request.Body, "--status", "202",
		"--conversation-json", cf, "--token-info-json", tf, "--subject-json", g("subject-client.json"), "--oauth-client-json", g("oauth-client-reporting.json"),
		"--role-json", g("role-reporting.json"), "--format", "json")
	rep := readPermissions(t, r.Stdout)
	for _, c := range rep.Causes {
		if strings.HasPrefix(c.ID, "token.") {
			t.Errorf("a token cause against a 202: %+v", c)
		}
	}
	said := false
	for _, c := range rep.Checks {
		for _, d := range c.Details {
			said = said || strings.Contains(d, "the token lacks the permission, yet the request was authorised")
		}
	}
	if !said {
		t.Errorf("the contradiction is not reported: %+v", rep.Checks)
	}
}
