package main

import (
	"errors"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// emptyRefused are the flags whose empty value is refused: a file, a
// request or an id given as "" is almost always an unset shell variable
// ("--har $HAR"), and judging nothing in its place would read as "should
// succeed". --body is not among them: an empty body is evidence.
var emptyRefused = []string{"conversation", "participant", "operation", "request", "status", "response", "conversation-json", "call-json", "token-info-json",
	"analytics-json", "subject-json", "oauth-client-json", "role-json", "at", "curl", "har", "bundle", "save-bundle", "output", "profile", "addr", "request-log"}

// refuseEmpty refuses a flag of c that was given with an empty value.
func refuseEmpty(c *cli.Context) error {
	for _, name := range emptyRefused {
		if !c.IsSet(name) {
			continue
		}
		values := c.StringSlice(name)
		if len(values) == 0 {
			values = []string{c.String(name)}
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return usageErr("--%s is empty (an unset shell variable?): give it a value, or leave the flag out", name)
			}
		}
	}
	return nil
}

// failedWrites passes writes on and remembers the first that failed: a
// command whose output did not arrive (stdout on a full disk, a closed
// pipe) must not exit as if it had.
type failedWrites struct {
	w   io.Writer
	err error
}

func (f *failedWrites) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err != nil && f.err == nil {
		f.err = err
	}
	return n, err
}

// watchStdout puts a failedWrites around e's stdout; the terminal
// questions are still asked of the real one.
func watchStdout(e *env) *failedWrites {
	out := &failedWrites{w: e.Stdout}
	e.Stdout = out
	real := func(w io.Writer) io.Writer {
		if w == io.Writer(out) {
			return out.w
		}
		return w
	}
	if isTerm := e.IsTerminal; isTerm != nil {
		e.IsTerminal = func(w io.Writer) bool { return isTerm(real(w)) }
	}
	if width := e.TermWidth; width != nil {
		e.TermWidth = func(w io.Writer) int { return width(real(w)) }
	}
	return out
}

// isExitWithMessage reports whether err already ends the command with a
// message of its own (a failed report write says so itself).
func isExitWithMessage(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.msg != ""
}
