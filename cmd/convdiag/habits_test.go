package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestHelpFits: every help page fits 100 columns and does not print
// "(default: false)" on every switch.
func TestHelpFits(t *testing.T) {
	for _, cmd := range [][]string{{"--help"}, {"check", "--help"}, {"demo", "--help"}, {"sim", "--help"}, {"watch", "--help"}, {"apply", "--help"}, {"explain", "--help"}, {"version", "--help"}, {"completion", "--help"}} {
		r := runCLI(t, nil, "", cmd...)
		if r.Code != 0 || !strings.Contains(r.Stdout, "USAGE") {
			t.Errorf("%v: exit %d, %q", cmd, r.Code, r.Stderr)
		}
		for _, l := range strings.Split(r.Stdout, "\n") {
			if n := len([]rune(l)); n > 100 {
				t.Errorf("%v: a %d-column line: %q", cmd, n, l)
			}
		}
		if strings.Contains(r.Stdout, "(default: false)") || strings.Contains(r.Stdout, "(default: 0)") {
			t.Errorf("%v: help prints empty defaults", cmd)
		}
	}
	// A default that says something stays.
	if r := runCLI(t, nil, "", "check", "--help"); !strings.Contains(r.Stdout, `(default: "text")`) || !strings.Contains(r.Stdout, "(default: 30s)") {
		t.Error("check --help lost its meaningful defaults")
	}
}

// TestFlagsAfterWordsAndHelpAnywhere: flags after positional words work
// for every command, and --help anywhere shows the command's help.
func TestFlagsAfterWordsAndHelpAnywhere(t *testing.T) {
	r := runCLI(t, nil, "", "demo", "stale-leg", "--format", "json")
	var v map[string]any
	if r.Code != 1 || json.Unmarshal([]byte(r.Stdout), &v) != nil {
		t.Errorf("demo stale-leg --format json: exit %d, stdout not JSON: %.200s", r.Code, r.Stdout)
	}
	for _, args := range [][]string{{"explain", "participant.stale-leg", "--help"}, {"demo", "stale-leg", "-h"}, {"explain", "no.such", "--help"}} {
		r := runCLI(t, nil, "", args...)
		if r.Code != 0 || !strings.Contains(r.Stdout, "convdiag "+args[0]+" - ") {
			t.Errorf("%v: exit %d stdout %.120q stderr %q", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	r = runCLI(t, nil, "", "explain", "participant.stale-leg", "--format", "json")
	if r.Code != 2 {
		// explain takes no --format: a usage error, not a silent ignore.
		t.Errorf("explain with an unknown flag: exit %d", r.Code)
	}
}

// TestSuggestions: a near miss gets "did you mean", a word far from
// everything gets the list and no guess.
func TestSuggestions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" means: no suggestion
	}{
		{[]string{"chekc"}, `did you mean "check"`},
		{[]string{"dmeo"}, `did you mean "demo"`},
		{[]string{"zzzz"}, ""},
		{[]string{"demo", "stale_leg"}, `did you mean "stale-leg"`},
		{[]string{"demo", "nosuch"}, ""},
		{[]string{"explain", "participant.stale"}, `did you mean "participant.stale-leg"`},
		{[]string{"explain", "qqq.zzz"}, ""},
		{[]string{"check", "--region", "eu-centrl-1", "--dry-run", "--request", "PATCH /api/v2/conversations/c/participants/p"}, `did you mean "eu-central-1"`},
		{[]string{"completion", "bsh"}, `did you mean "bash"`},
	} {
		r := runCLI(t, nil, "", c.args...)
		if r.Code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, r.Code)
		}
		switch {
		case c.want == "" && strings.Contains(r.Stderr, "did you mean"):
			t.Errorf("%v: a wild guess: %s", c.args, r.Stderr)
		case c.want != "" && !strings.Contains(r.Stderr, c.want):
			t.Errorf("%v: stderr %q lacks %s", c.args, r.Stderr, c.want)
		}
		if strings.Count(strings.TrimSpace(r.Stderr), "\n") > 0 {
			t.Errorf("%v: more than one line: %q", c.args, r.Stderr)
		}
	}
}

// TestVersion: the version line names the commit and Go version from the
// build information, and says so when there is none.
func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "3631ae3c2d1e9f00aa11bb22cc33dd44ee55ff66"}, {Key: "vcs.time", Value: "2026-11-27T11:11:22Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionLine("v1.2.0", bi)
	for _, want := range []string{"convdiag v1.2.0", "commit 3631ae3c2d1e", "2026-11-27T11:11:22Z", "uncommitted changes", "go1.26.8"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := versionLine("dev", &debug.BuildInfo{GoVersion: "go1.26.8"}); !strings.Contains(got, "commit unknown") || !strings.Contains(got, "-buildvcs=true") {
		t.Errorf("without VCS information: %q", got)
	}
}

// TestVersionOfBuiltBinary: a binary built from this checkout with VCS
// stamping names the commit HEAD is at. Go stamps only a checkout whose
// .git is a directory (cmd/go's vcs.FromDir); in a git worktree, where
// .git is a file, the binary must say the commit is unknown and how to
// get it.
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	st, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git"))
	stamped := err == nil && st.IsDir()
	bin := filepath.Join(t.TempDir(), "convdiag")
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build with VCS stamping here: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "commit " + strings.TrimSpace(string(head))[:12]
	if !stamped {
		want = "commit unknown: built without version control information"
	}
	if !strings.Contains(string(out), want) {
		t.Errorf("version %q does not say %q (.git is a directory: %v)", out, want, stamped)
	}
}

// TestCompletion: scripts for three shells, and convdiag answers what may
// come next: commands, scenario names, cause ids, flags.
func TestCompletion(t *testing.T) {
	for sh, want := range map[string]string{"bash": "complete -o bashdefault", "zsh": "#compdef convdiag", "fish": "complete -c convdiag"} {
		r := runCLI(t, nil, "", "completion", sh)
		if r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Errorf("completion %s: exit %d, lacks %q: %.200s %s", sh, r.Code, want, r.Stdout, r.Stderr)
		}
	}
	lines := func(args ...string) map[string]bool {
		r := runCLI(t, nil, "", append(args, "--generate-bash-completion")...)
		out := map[string]bool{}
		for _, l := range strings.Split(r.Stdout, "\n") {
			out[strings.SplitN(strings.TrimSpace(l), ":", 2)[0]] = true
		}
		return out
	}
	if got := lines(); !got["check"] || !got["demo"] || !got["completion"] {
		t.Errorf("commands: %v", got)
	}
	if got := lines("demo"); !got[sim.Scenarios()[1].Name] {
		t.Errorf("scenarios: %v", got)
	}
	if got := lines("explain"); !got[ops.Catalogue.Causes[0].ID] {
		t.Errorf("cause ids: %v", got)
	}
	if got := lines("check", "--form"); !got["--format"] {
		t.Errorf("flags: %v", got)
	}
}

// TestSimHintUsesAcceptedCredentials: the check command sim suggests uses
// credentials it accepts.
func TestSimHintUsesAcceptedCredentials(t *testing.T) {
	o := simHintCredentials(sim.Options{})
	if o != "--client-id x --client-secret y" {
		t.Errorf("open sim: %q", o)
	}
	o = simHintCredentials(sim.Options{ClientID: "abc", ClientSecret: "shh"})
	if !strings.Contains(o, "--client-id abc") || strings.Contains(o, "shh") || strings.Contains(o, " y") {
		t.Errorf("configured sim: %q", o)
	}
}

// TestHelpCommandAndVersionFlag: `convdiag help [COMMAND]` is the help of
// --help, and `convdiag --version` the line of `convdiag version`, as gh
// and kubectl have them.
func TestHelpCommandAndVersionFlag(t *testing.T) {
	for _, tc := range [][2][]string{
		{{"help"}, {"--help"}},
		{{"help", "check"}, {"check", "--help"}},
		{{"help", "sim"}, {"sim", "--help"}},
		{{"--version"}, {"version"}},
	} {
		got, want := runCLI(t, nil, "", tc[0]...), runCLI(t, nil, "", tc[1]...)
		if got.Code != 0 || got.Stdout == "" || got.Stdout != want.Stdout {
			t.Errorf("%v: exit %d, stdout %.200q; want the output of %v: %.200q", tc[0], got.Code, got.Stdout, tc[1], want.Stdout)
		}
	}
	if r := runCLI(t, nil, "", "help"); !strings.Contains(r.Stdout, "help ") {
		t.Errorf("the command list lacks help: %s", r.Stdout)
	}
}

// TestResponseThatIsAConversation: a --response holding a conversation
// document, not an error body, is diagnosed with a warning naming the flag
// it belongs to; an error body gets none.
func TestResponseThatIsAConversation(t *testing.T) {
	conv := "../../diagnose/sim/scenarios/conversations/transfer-retry.json"
	line := "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent
	r := runCLI(t, nil, "", "check", "--request", line, "--body", `{"state":"disconnected"}`, "--status", "409", "--response", conv, "--format", "json")
	if r.Code == 2 || !strings.HasPrefix(r.Stdout, "{") {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "--response "+conv+" holds a conversation") || !strings.Contains(r.Stderr, "give it as --conversation-json "+conv) {
		t.Errorf("no warning for a conversation given as --response: %q", r.Stderr)
	}
	dir := t.TempDir()
	eb := filepath.Join(dir, "error.json")
	if err := os.WriteFile(eb, []byte(`{"message":"conflict","code":"request.conflict","status":409}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", "check", "--request", line, "--body", `{"state":"disconnected"}`, "--status", "409", "--response", eb, "--format", "json")
	if strings.Contains(r.Stderr, "holds a conversation") {
		t.Errorf("an error body called a conversation: %q", r.Stderr)
	}
}

// TestExplainFitsTheWidth: the catalogue and each explanation fit the
// terminal's width (or COLUMNS), down to a narrow 50 columns, and lose no
// word doing so.
func TestExplainFitsTheWidth(t *testing.T) {
	wide := runCLI(t, map[string]string{"COLUMNS": "200"}, "", "explain")
	for _, width := range []int{50, 72, 100} {
		for _, args := range [][]string{{"explain"}, {"explain", "participant.stale-leg"}, {"explain", "endpoint.full-teardown"}} {
			e, out, _ := testEnv(nil, "")
			e.IsTerminal = func(w io.Writer) bool { return w == io.Writer(out) }
			e.TermWidth = func(io.Writer) int { return width }
			if code := run(context.Background(), append([]string{"convdiag"}, args...), e); code != 0 {
				t.Fatalf("%v: exit %d", args, code)
			}
			for _, l := range strings.Split(out.String(), "\n") {
				if n := len([]rune(l)); n > width && strings.Contains(strings.TrimSpace(l), " ") {
					t.Errorf("%v at %d columns: a %d-column line %q", args, width, n, l)
				}
			}
			if args[len(args)-1] == "explain" && strings.Join(strings.Fields(out.String()), " ") != strings.Join(strings.Fields(wide.Stdout), " ") {
				t.Errorf("the catalogue at %d columns says something else than at 200", width)
			}
		}
	}
}
