package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnderTheRaceDetector runs the engine's packages (the collector's
// parallel reads, triage's workers, the simulated org's handlers and
// notifications, the report) under the race detector, so that `go test
// ./...`, the one test command, holds them to it (a real race was once found
// only by hand). The race detector needs cgo and a C compiler: without
// them, or with -short, it skips, saying so. This package's own tests are
// left out: under -race they take longer than go test's default timeout.
func TestUnderTheRaceDetector(t *testing.T) {
	if testing.Short() || os.Getenv("CONVDIAG_UNDER_RACE") != "" {
		t.Skip("-short, or already under the race detector")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	if out, err := exec.Command(goBin, "env", "CGO_ENABLED", "CC").Output(); err != nil || !raceCapable(string(out)) {
		t.Skip("the race detector needs cgo and a C compiler (CGO_ENABLED=1 and CC on PATH)")
	}
	cmd := exec.Command(goBin, "test", "-race", "-count=1", "-timeout", "8m", "./diagnose/...", "./report/...", "./checks/...")
	cmd.Dir, _ = filepath.Abs("../..")
	cmd.Env = append(os.Environ(), "CONVDIAG_UNDER_RACE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -race: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "WARNING: DATA RACE") {
		t.Fatalf("a data race:\n%s", out)
	}
}

// raceCapable reads `go env CGO_ENABLED CC`: cgo on, and the C compiler
// found.
func raceCapable(env string) bool {
	lines := strings.Fields(env)
	if len(lines) < 2 || lines[0] != "1" {
		return false
	}
	_, err := exec.LookPath(lines[1])
	return err == nil
}
