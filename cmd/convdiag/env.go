package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"

	"github.com/convdiag/convdiag/report"
)

// env is everything the commands need from the outside world, as values and
// functions a test can replace (after cli/cli's Factory). systemEnv wires
// the real ones.
type env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Now is the clock (reports carry generated_at).
	Now func() time.Time
	// IsTerminal reports whether a writer is a terminal.
	IsTerminal func(io.Writer) bool
	// StdinIsTerminal reports whether stdin is a terminal, where apply
	// may ask (nil: it is not).
	StdinIsTerminal func() bool
	// TermWidth is a terminal's width in columns (0 when unknown).
	TermWidth func(io.Writer) int
	// TermHeight is a terminal's height in lines (0 when unknown): a
	// report longer than that goes through the pager.
	TermHeight func(io.Writer) int
	// HomeDir finds the user's home (for ~/.gc/config.toml).
	HomeDir func() (string, error)
	// Transport is the base HTTP transport of live checks.
	Transport http.RoundTripper
	// Sleep waits between a live check's retries (nil: a real timer); a
	// test passes a fake clock's.
	Sleep func(ctx context.Context, d time.Duration) error
	// ProgressClock drives a terminal's progress line (nil: the real
	// clock); a test passes a fake one and ticks it by hand.
	ProgressClock progressClock
	// Version is the tool version.
	Version string
	// CreateFile opens an --output file.
	CreateFile func(name string) (io.WriteCloser, error)
	// Args is the command line (for the report's "to reproduce").
	Args []string
	// HoldInterrupts gives SIGINT to a pager until release is called
	// (less uses Ctrl-C itself); nil when convdiag handles no signals (in
	// tests).
	HoldInterrupts func() (release func())
	// redactor removes secrets from everything written to stderr; run
	// builds it from the command line and the environment.
	redactor *report.Redactor
	// stderrTTY and stderrWidth describe the real stderr (before the
	// redacting wrapper hides it): a progress line is drawn only there.
	stderrTTY   bool
	stderrWidth int
}

func systemEnv() *env {
	return &env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Getenv:     os.Getenv,
		Now:        time.Now,
		IsTerminal: isTerminal,
		StdinIsTerminal: func() bool {
			fd := os.Stdin.Fd()
			return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
		},
		TermWidth:  termWidth,
		TermHeight: termRows,
		HomeDir:    os.UserHomeDir,
		Transport:  http.DefaultTransport.(*http.Transport).Clone(),
		Version:    version(),
		CreateFile: func(name string) (io.WriteCloser, error) { return os.Create(name) },
	}
}

// isTerminal reports whether w is a terminal (or a Cygwin/MSYS pty).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// termWidth asks the terminal behind w for its width.
func termWidth(w io.Writer) int {
	cols, _ := termSize(w)
	return cols
}

// termRows asks the terminal behind w for its height.
func termRows(w io.Writer) int {
	_, rows := termSize(w)
	return rows
}

func termSize(w io.Writer) (cols, rows int) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, 0
	}
	cols, rows, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0, 0
	}
	return cols, rows
}

// reportWidth is the text report's width: the terminal's, else COLUMNS,
// else report.DefaultWidth.
func reportWidth(e *env, w io.Writer, tty bool) int {
	if tty && e.TermWidth != nil {
		if n := e.TermWidth(w); n > 0 {
			return n
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(e.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return report.DefaultWidth
}

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
