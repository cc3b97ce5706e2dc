package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// pagedRun runs `convdiag demo` with stdout taken for a terminal of the
// given height, PAGER and extra flags; it returns the run and how often
// the pager held Ctrl-C.
func pagedRun(t *testing.T, vars map[string]string, height int, args ...string) (testRun, int) {
	t.Helper()
	e, out, errb := testEnv(vars, "")
	e.IsTerminal = func(w io.Writer) bool { return w == io.Writer(out) }
	e.TermWidth = func(io.Writer) int { return 80 }
	e.TermHeight = func(io.Writer) int { return height }
	holds, released := 0, 0
	e.HoldInterrupts = func() func() {
		holds++
		return func() { released++ }
	}
	code := run(context.Background(), append([]string{"convdiag", "demo"}, args...), e)
	if holds != released {
		t.Errorf("the pager held Ctrl-C %d times and released it %d times", holds, released)
	}
	return testRun{Stdout: out.String(), Stderr: errb.String(), Code: code}, holds
}

// fakePager prefixes every line it pages, and says what LESS it was given.
const fakePager = `sh -c 'echo "LESS=$LESS"; sed "s/^/PAGED: /"'`

// TestPagerOnTerminal: a text report longer than the terminal goes through
// $PAGER, whole and in order, with LESS=FRX, and the exit code is the
// verdict's; the pager holds Ctrl-C while it runs.
func TestPagerOnTerminal(t *testing.T) {
	plain := runCLI(t, map[string]string{"COLUMNS": "80"}, "", "demo")
	r, holds := pagedRun(t, map[string]string{"PAGER": fakePager}, 24)
	if r.Code != plain.Code || r.Code != 1 {
		t.Errorf("exit %d through the pager, %d without", r.Code, plain.Code)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) < 2 || lines[0] != "LESS=FRX" {
		t.Fatalf("the pager did not run with LESS=FRX: %.300q", r.Stdout)
	}
	want := strings.Split(strings.TrimSuffix(plain.Stdout, "\n"), "\n")
	if len(lines)-1 != len(want) {
		t.Fatalf("the pager got %d lines, the report has %d", len(lines)-1, len(want))
	}
	// A terminal changes the glyphs, not the lines: every line of the
	// report went through the pager, the verdict first.
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, "PAGED: ") {
			t.Fatalf("line %d did not go through the pager: %q", i+1, l)
		}
	}
	if !strings.Contains(lines[1], "CAUSES FOUND") {
		t.Errorf("the pager's first line is not the verdict: %q", lines[1])
	}
	if holds != 1 {
		t.Errorf("the pager held Ctrl-C %d times, want once", holds)
	}
	// A LESS of the user's is left alone.
	r, _ = pagedRun(t, map[string]string{"PAGER": fakePager, "LESS": "-S"}, 24)
	if strings.HasPrefix(r.Stdout, "LESS=FRX") {
		t.Errorf("the user's LESS was overridden: %.40q", r.Stdout)
	}
}

// TestNoPager: no pager when the report fits the terminal, when stdout is
// not a terminal, with --no-pager, PAGER=cat, for JSON, or when the pager
// cannot be started (then the report is written directly, with one line
// saying why).
func TestNoPager(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		height int
		args   []string
	}{
		{"fits the terminal", map[string]string{"PAGER": fakePager}, 500, nil},
		{"--no-pager", map[string]string{"PAGER": fakePager}, 24, []string{"--no-pager"}},
		{"PAGER=cat", map[string]string{"PAGER": "cat"}, 24, nil},
		{"json", map[string]string{"PAGER": fakePager}, 24, []string{"--format", "json"}},
	} {
		r, holds := pagedRun(t, tc.vars, tc.height, tc.args...)
		if strings.Contains(r.Stdout, "PAGED: ") || strings.Contains(r.Stdout, "LESS=") || holds != 0 || r.Code != 1 || r.Stdout == "" {
			t.Errorf("%s: paged (holds %d) or lost: exit %d, %.200q", tc.name, holds, r.Code, r.Stdout)
		}
	}
	if r := runCLI(t, map[string]string{"PAGER": fakePager}, "", "demo"); strings.Contains(r.Stdout, "PAGED: ") {
		t.Errorf("paged to a stdout that is not a terminal: %.200q", r.Stdout)
	}
	r, _ := pagedRun(t, map[string]string{"PAGER": "/nonexistent/pager -x"}, 24)
	if !strings.Contains(r.Stdout, "CAUSES FOUND") || !strings.Contains(r.Stderr, `the pager "/nonexistent/pager -x" could not be started`) {
		t.Errorf("a pager that cannot start: stdout %.100q, stderr %q", r.Stdout, r.Stderr)
	}
}

// TestPagerCommand: PAGER wins, less -FRX when it is unset, none for cat.
func TestPagerCommand(t *testing.T) {
	for in, want := range map[string]string{"": "less -FRX", "more": "more", " most -s ": "most -s", "cat": ""} {
		if got := pagerCommand(func(string) string { return in }); got != want {
			t.Errorf("PAGER=%q: %q, want %q", in, got, want)
		}
	}
}
