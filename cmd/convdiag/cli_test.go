package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/checks/ops"
)

// Well-formed ids for requests that should pass.
const testConv, testPart = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31", "8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"

const trFixture = "../../diagnose/sim/scenarios/conversations/transfer-retry.json"

// TestBadInput: every usage error and unreadable input ends with exit 2 and
// one clear line on stderr: no panic, no stack trace, no report.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	binary := write("binary.json", []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3})
	truncated := write("truncated.json", []byte(`{"id":"c","participants":[{"id":"p",`))
	array := write("array.json", []byte(`[{"id":"c","participants":[]}]`))
	deep := write("deep.json", []byte(`{"id":"c","participants":`+strings.Repeat("[", 200000)+strings.Repeat("]", 200000)+`}`))
	big := write("big.json", bytes.Repeat([]byte(" "), 30<<20))
	token := write("conversation-as-token.json", []byte(`{"id":"c","participants":[{"id":"p"}]}`))
	drop := `{"state":"disconnected"}`
	for _, tc := range []struct {
		name string
		args []string
		want string // substring of the one stderr line
	}{
		{"missing file", []string{"check", "--body", filepath.Join(dir, "nope.json")}, "no such file"},
		{"missing conversation", []string{"check", "--conversation-json", filepath.Join(dir, "nope.json")}, "--conversation-json"},
		{"binary conversation", []string{"check", "--conversation-json", binary, "--body", drop}, "binary"},
		{"truncated conversation", []string{"check", "--conversation-json", truncated, "--body", drop}, "truncated"},
		{"array conversation", []string{"check", "--conversation-json", array}, "JSON array"},
		{"deep nesting", []string{"check", "--conversation-json", deep}, "not valid JSON"},
		{"token info that is a conversation", []string{"check", "--token-info-json", token}, "not token info"},
		{"directory", []string{"check", "--body", dir}, "directory"},
		{"30 MB body", []string{"check", "--body", big}, "at most"},
		{"format xml", []string{"check", "--format", "xml"}, `unknown format "xml"`},
		{"status abc", []string{"check", "--status", "abc"}, `--status "abc"`},
		{"status 9999", []string{"check", "--status", "9999"}, "100-599"},
		{"color purple", []string{"check", "--color", "purple"}, "--color"},
		{"request without method", []string{"check", "--request", "/api/v2/conversations/c/disconnect"}, "no method"},
		{"request with bad method", []string{"check", "--request", "YANK /api/v2/x"}, "not an HTTP method"},
		{"unknown flag", []string{"check", "--participants", "x"}, "unknown flag --participants; did you mean --participant? (see convdiag check --help)"},
		{"stray argument", []string{"check", "body.json"}, "unexpected argument"},
		{"unknown command", []string{"chek"}, "unknown command"},
		{"dry run with evidence", []string{"check", "--dry-run", "--conversation-json", trFixture}, "--dry-run"},
		{"stdin twice", []string{"check", "--body", "-", "--response", "-"}, "already used"},
		{"unknown region", []string{"check", "--conversation", testConv, "--region", "eu-centrl-1", "--access-token", "t"}, "did you mean"},
		{"unknown cause", []string{"explain", "full-teardown-x"}, "unknown cause"},
		{"timeout", []string{"check", "--body", "{}", "--timeout", "-1s"}, "--timeout"},
		{"nothing to check", []string{"check", "--format", "json"}, "nothing to check"},
		{"misspelt flag", []string{"check", "--reqest", "PATCH /x"}, "unknown flag --reqest; did you mean --request?"},
		{"unknown flag of convdiag", []string{"--bogus"}, "unknown flag --bogus (see convdiag --help)"},
		{"a format as the output file", []string{"check", "-o", "json", "--body", "{}"}, "give --format json (to write a file called json, give --output ./json)"},
		{"request without a URL", []string{"check", "--request", "POST"}, `request line "POST" has no URL`},
		{"HAR entry 0", []string{"check", "--har", "x.har", "--har-entry", "0"}, "--har-entry 0: entries are numbered from 1"},
		{"help for no command", []string{"help", "chek"}, `unknown command "chek"; did you mean "check"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, "{}", tc.args...)
			if r.Code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", r.Code, r.Stderr)
			}
			lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "convdiag: ") {
				t.Errorf("stderr is not one 'convdiag: ...' line: %q", r.Stderr)
			}
			if !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", r.Stderr, tc.want)
			}
			if strings.Contains(r.Stderr, "convdiag convdiag") {
				t.Errorf("the program is named twice: %q", r.Stderr)
			}
			if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine") {
				t.Errorf("stack trace: %s", r.Stderr)
			}
			if r.Stdout != "" {
				t.Errorf("stdout not empty: %q", r.Stdout)
			}
		})
	}
}

// TestBadBodyIsEvidence: a body that is not JSON is diagnosed (exit 1), not
// refused.
func TestBadBodyIsEvidence(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "body.bin")
	if err := os.WriteFile(bin, []byte{0xff, 0xfe, 0, 's', 0, 't'}, 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(dir, "deep.json")
	if err := os.WriteFile(deep, []byte(strings.Repeat("[", 200000)+strings.Repeat("]", 200000)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{bin, deep, "{'state': 'disconnected'}"} {
		r := runCLI(t, nil, "", "check", "--dry-run", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", body, "--format", "json")
		if r.Code != 1 {
			t.Fatalf("body %q: exit %d, stderr %q", body, r.Code, r.Stderr)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Causes) == 0 || rep.Causes[0].ID != "body.malformed-json" {
			t.Errorf("body %q: causes %+v", body, rep.Causes)
		}
	}
}

func TestCurlFromStdin(t *testing.T) {
	cmd := `curl -X PATCH 'https://api.mypurecloud.com/api/v2/conversations/calls/` + testConv + `/participants/` + testPart + `' \
  -H 'Content-Type: application/json' --data-raw '{"state":"disconnected"}'`
	r := runCLI(t, nil, cmd, "check", "--dry-run", "--curl", "-", "--format", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"origin": "curl"`) {
		t.Errorf("exit %d stderr %q", r.Code, r.Stderr)
	}
}

func TestBodyFromStdin(t *testing.T) {
	r := runCLI(t, nil, `{"state":"disconnect"}`, "check", "--dry-run", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", "-", "--format", "json")
	if r.Code != 1 || !strings.Contains(r.Stdout, `"body.state-value"`) || !strings.Contains(r.Stdout, `did you mean \"disconnected\"`) {
		t.Errorf("exit %d stdout %s", r.Code, r.Stdout)
	}
}

// TestStreams: in JSON the stdout is the document alone; --output writes
// the report to a file and says so on stderr.
func TestStreams(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.md")
	r := runCLI(t, nil, "", "check", "--dry-run", "--request", "PATCH /api/v2/conversations/"+testConv+"/participants/"+testPart, "--body", `{"state":"disconnected"}`, "--format", "markdown", "--output", out)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "report written to "+out) {
		t.Fatalf("exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "## convdiag: no confirmed or likely cause") {
		t.Fatalf("report file: %v %q", err, b)
	}
	r = runCLI(t, nil, "", "check", "--dry-run", "--body", `{"participantId":"x"}`, "--format", "json")
	var v map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil {
		t.Errorf("stdout is not exactly one JSON document: %v", err)
	}
	if r.Stderr != "" {
		t.Errorf("stderr %q", r.Stderr)
	}
}

func TestColorDecision(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		mode string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"auto", true, env(), true},
		{"auto", false, env(), false},
		{"auto", true, env("NO_COLOR", "1"), false},
		{"auto", true, env("TERM", "dumb"), false},
		{"auto", true, env("CLICOLOR", "0"), false},
		{"auto", false, env("CLICOLOR_FORCE", "1"), true},
		{"always", false, env("NO_COLOR", "1"), true},
		{"never", true, env(), false},
	} {
		if got := decideColor(tc.mode, tc.tty, tc.env); got != tc.want {
			t.Errorf("decideColor(%s, tty=%v) = %v", tc.mode, tc.tty, got)
		}
	}
	r := runCLI(t, nil, "", "check", "--dry-run", "--body", `{}`, "--color", "always")
	if !strings.Contains(r.Stdout, "\x1b[") {
		t.Error("--color always: no colour")
	}
}

func TestExplain(t *testing.T) {
	r := runCLI(t, nil, "", "explain")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// Titles wrap within the width: compare the words.
	words := strings.Join(strings.Fields(r.Stdout), " ")
	for _, ci := range ops.Catalogue.Causes {
		if !strings.Contains(words, ci.ID+" "+strings.Join(strings.Fields(ci.Title), " ")) {
			t.Errorf("catalogue listing lacks %s with its title", ci.ID)
		}
	}
	r = runCLI(t, nil, "", "explain", "participant.stale-leg")
	for _, want := range []string{"What it means", "How convdiag detects it", "Fix", "How to confirm the fix", "WEBRTC-40"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("explain output lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = runCLI(t, nil, "", "explain", "stale-leg")
	if r.Code != 2 || !strings.Contains(r.Stderr, `did you mean "participant.stale-leg"`) {
		t.Errorf("exit %d stderr %q", r.Code, r.Stderr)
	}
}

func TestHelpNamesEnvAndExitCodes(t *testing.T) {
	r := runCLI(t, nil, "", "check", "--help")
	for _, want := range []string{"GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_REGION", "GENESYSCLOUD_API_BASE", "--profile", "Exit codes", "precedence", "--dry-run", "--conversation-json"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("check --help lacks %q", want)
		}
	}
}
