package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// update rewrites golden files: go test ./cmd/convdiag -run TestScenarios -update
var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// fixedNow is the clock of every test report.
var fixedNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// testRun is one run of the real cli.App with captured streams.
type testRun struct {
	Stdout, Stderr string
	Code           int
}

// testEnv returns an env with buffers, a fixed clock, no terminal and the
// given environment variables only.
func testEnv(vars map[string]string, stdin string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	e := &env{
		Stdin:      strings.NewReader(stdin),
		Stdout:     &out,
		Stderr:     &errb,
		Getenv:     func(k string) string { return vars[k] },
		Now:        func() time.Time { return fixedNow },
		IsTerminal: func(io.Writer) bool { return false },
		HomeDir:    func() (string, error) { return vars["HOME"], nil },
		Transport:  http.DefaultTransport.(*http.Transport).Clone(),
		Version:    "test",
		CreateFile: func(name string) (io.WriteCloser, error) { return os.Create(name) },
	}
	return e, &out, &errb
}

// runCLI runs convdiag with args.
func runCLI(t testing.TB, vars map[string]string, stdin string, args ...string) testRun {
	t.Helper()
	e, out, errb := testEnv(vars, stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"convdiag"}, args...), e)
	return testRun{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// checkGolden compares got with the golden file, rewriting it under
// -update; on a mismatch it shows a line diff and writes got next to the
// golden file for inspection.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s: %v (run with -update to create it)", path, err)
	}
	if string(want) == got {
		_ = os.Remove(path + ".got")
		return
	}
	_ = os.WriteFile(path+".got", []byte(got), 0o644)
	t.Errorf("%s differs from the output (actual output written to %s.got; rerun with -update if the change is intended):\n%s",
		filepath.Base(path), filepath.Base(path), lineDiff(string(want), got))
}

// lineDiff is a small line-oriented diff (longest common subsequence),
// enough to review a golden mismatch.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	shown := 0
	i, j := 0, 0
	for (i < n || j < m) && shown < 80 {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + y[j] + "\n")
			j++
			shown++
		default:
			out.WriteString("- " + x[i] + "\n")
			i++
			shown++
		}
	}
	return out.String()
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// testBinary builds convdiag once per test run and returns its path.
func testBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "convdiag-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "convdiag")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestMain removes the binary testBinary built; started by peakRSS,
// the test binary is its launcher instead.
func TestMain(m *testing.M) {
	if os.Getenv(launchEnv) != "" {
		os.Exit(launch(os.Args[1:]))
	}
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
