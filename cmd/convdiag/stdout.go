package main

import (
	"errors"
	"io"
)

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
