package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestEmptyEvidenceIsNoEvidence: a flag given an empty value (an unset
// variable in a script) is exit 2 with one line, never "should succeed".
func TestEmptyEvidenceIsNoEvidence(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--har", ""},
		{"check", "--curl", ""},
		{"check", "--request", ""},
		{"check", "--request", " ", "--body", "{}"},
		{"check", "--conversation-json", ""},
		{"check", "--request", "PATCH /api/v2/conversations/c/participants/p", "--role-json", ""},
		{"check", "--bundle", ""},
		{"sim", "--conversation-json", ""},
	} {
		r := runCLI(t, nil, "", args...)
		if r.Code != 2 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "is empty") || r.Stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	// An empty body is evidence, not a usage error.
	r := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/"+trConv+"/participants/"+trAgent, "--body", "")
	if r.Code != 1 {
		t.Errorf("--body '': exit %d %s", r.Code, r.Stderr)
	}
}

// brokenWriter fails every write, as stdout on a full disk does.
type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestStdoutWriteErrorFails: `convdiag explain > /dev/full` exits
// non-zero and says why, for every command that writes to stdout.
func TestStdoutWriteErrorFails(t *testing.T) {
	for _, args := range [][]string{{"explain"}, {"explain", "body.target-misnamed"}, {"version"}, {"demo", "--list"},
		{"check", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", "{}"}} {
		e, _, errb := testEnv(nil, "")
		e.Stdout = brokenWriter{}
		code := run(context.Background(), append([]string{"convdiag"}, args...), e)
		if code == 0 || !strings.Contains(errb.String(), "no space left") || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
	if testing.Short() {
		return
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	c := exec.Command(testBinary(t), "explain")
	c.Stdout = full
	if err := c.Run(); err == nil {
		t.Error("convdiag explain > /dev/full exited 0")
	}
}

// TestSimOnEveryInterfaceWarns: `convdiag sim --addr 0.0.0.0:0` says it
// can be reached from other machines and where it really listens; the
// first stdout line is still a base URL this machine can use.
func TestSimOnEveryInterfaceWarns(t *testing.T) {
	pr, pw := io.Pipe()
	e, _, errb := testEnv(nil, "")
	e.Stdout = pw
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"convdiag", "sim", "--addr", "0.0.0.0:0"}, e)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	if code := <-exit; code != 0 || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	if !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Errorf("first line %q", line)
	}
	port := strings.TrimSpace(line[strings.LastIndexByte(line, ':')+1:])
	if s := errb.String(); !strings.Contains(s, "WARNING") || !strings.Contains(s, ":"+port+" (every network interface)") {
		t.Errorf("stderr %q", s)
	}
}

// TestFileNamesDoNotPaintTheTerminal: a file name from a ticket with an
// escape sequence in it is shown escaped in the one line of an error.
func TestFileNamesDoNotPaintTheTerminal(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", "{}", "--conversation-json", "nonexist\x1b[2J.json"},
		{"check", "--har", "h\x1b]52;c;aGk=\x07.har"},
		{"check", "--bundle", "d\x1b[2J"},
		{"sim", "--conversation-json", "c\x1b[2J"},
	} {
		r := runCLI(t, nil, "", args...)
		if r.Code != 2 || strings.ContainsAny(r.Stderr, "\x1b\x07") || !strings.Contains(r.Stderr, `\x1b`) {
			t.Errorf("%q: exit %d, stderr %q", args, r.Code, r.Stderr)
		}
	}
}
