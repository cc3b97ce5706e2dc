package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/shell"
)

// defaultPager is the pager when PAGER is not set, as git and gh run it:
// -F quits when the report fits one screen, -R passes colour, -X leaves
// the report on the terminal after quitting, so the first screen (the
// verdict, the top cause, the fix) stays in view.
const defaultPager = "less -FRX"

// pagerCommand is the pager to run: $PAGER, else defaultPager; "" for
// none (PAGER=cat).
func pagerCommand(getenv func(string) string) string {
	p := strings.TrimSpace(getenv("PAGER"))
	switch p {
	case "":
		return defaultPager
	case "cat":
		return ""
	}
	return p
}

// pagerEnv is the pager's environment: convdiag's, with LESS=FRX and
// LV=-c when they are not set (what git does for a PAGER=less of the
// user's).
func pagerEnv(getenv func(string) string) []string {
	env := os.Environ()
	if getenv("LESS") == "" {
		env = append(env, "LESS=FRX")
	}
	if getenv("LV") == "" {
		env = append(env, "LV=-c")
	}
	return env
}

// pageReport writes a rendered report to stdout, a terminal: through the
// pager when it is longer than the terminal is high (or the height is
// unknown), else directly. A pager that cannot be started is not an
// error: the report is written without it. While the pager runs it owns
// Ctrl-C; SIGTERM (ctx) ends it.
func pageReport(ctx context.Context, e *env, report []byte) error {
	if height := termHeight(e); height > 0 && bytes.Count(report, []byte("\n")) < height {
		_, err := e.Stdout.Write(report)
		return err
	}
	pager := pagerCommand(e.Getenv)
	if pager == "" {
		_, err := e.Stdout.Write(report)
		return err
	}
	args, err := shell.Fields(pager, e.Getenv)
	if err != nil || len(args) == 0 {
		fmt.Fprintf(e.Stderr, "convdiag: PAGER %q cannot be read as a command (%v); the report follows without it\n", pager, err)
		_, err := e.Stdout.Write(report)
		return err
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(report)
	cmd.Stdout, cmd.Stderr = e.Stdout, e.Stderr
	cmd.Env = pagerEnv(e.Getenv)
	// less restores the terminal on SIGTERM, not on the default kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 500 * time.Millisecond
	if e.HoldInterrupts != nil {
		release := e.HoldInterrupts()
		defer release()
	}
	if err := cmd.Start(); err != nil {
		if pager != defaultPager {
			fmt.Fprintf(e.Stderr, "convdiag: the pager %q could not be started (%v); the report follows without it (--no-pager, or PAGER=cat, turns paging off)\n", pager, err)
		}
		_, err := e.Stdout.Write(report)
		return err
	}
	// The pager's own exit status (quit early, a pager that fails) is
	// the user's business, as it is for git and gh.
	_ = cmd.Wait()
	return nil
}

// termHeight is the terminal's height in lines (0 when unknown).
func termHeight(e *env) int {
	if e.TermHeight == nil {
		return 0
	}
	return e.TermHeight(e.Stdout)
}
