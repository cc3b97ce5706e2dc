package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// interruptGrace is how long an interrupted convdiag may take to stop on
// its own: network calls, the simulated org and reads of standard input
// end with the context at once; should anything still hold it (a write to
// a pipe nobody reads), it is ended when the grace is over.
const interruptGrace = 900 * time.Millisecond

// interruptOf names a signal as the cause of a cancellation.
func interruptOf(sig os.Signal) *diagnose.Interrupted {
	if sig == syscall.SIGTERM {
		return &diagnose.Interrupted{Signal: "SIGTERM", Code: 143}
	}
	return &diagnose.Interrupted{Signal: "SIGINT", Code: 130}
}

// interrupts turns SIGINT and SIGTERM into the cancellation of a context
// whose cause is a *diagnose.Interrupted, so that whatever runs stops and
// says "interrupted" (DESIGN §4b.9). A second signal, or the end of the
// grace, ends the process with the signal's exit code. While a pager owns
// the terminal, SIGINT is the pager's (less uses Ctrl-C itself) and ends
// nothing; SIGTERM still does.
type interrupts struct {
	cancel context.CancelCauseFunc
	stderr io.Writer
	exit   func(code int)
	grace  time.Duration

	mu   sync.Mutex
	held int
}

// watchInterrupts cancels the returned context on the first signal from
// sigs; exit ends the process.
func watchInterrupts(parent context.Context, sigs <-chan os.Signal, stderr io.Writer, exit func(int), grace time.Duration) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancelCause(parent)
	in := &interrupts{cancel: cancel, stderr: stderr, exit: exit, grace: grace}
	go in.loop(sigs)
	return ctx, in
}

func (in *interrupts) loop(sigs <-chan os.Signal) {
	var first *diagnose.Interrupted
	for sig := range sigs {
		cause := interruptOf(sig)
		if cause.Signal == "SIGINT" && in.paging() {
			continue
		}
		if first != nil {
			in.forceExit(first)
			return
		}
		first = cause
		in.cancel(cause)
		time.AfterFunc(in.grace, func() { in.forceExit(cause) })
	}
}

// forceExit ends a process that did not stop on its own in time.
func (in *interrupts) forceExit(cause *diagnose.Interrupted) {
	fmt.Fprintf(in.stderr, "convdiag: %s\n", cause.Error())
	in.exit(cause.Code)
}

func (in *interrupts) paging() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.held > 0
}

// hold gives SIGINT to a pager until release is called.
func (in *interrupts) hold() (release func()) {
	in.mu.Lock()
	in.held++
	in.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			in.mu.Lock()
			in.held--
			in.mu.Unlock()
		})
	}
}

// interruptible makes reads of r end when ctx is interrupted: a read of a
// terminal or a pipe cannot be cancelled, so it runs in a goroutine that
// is left behind (the process is about to end).
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

type readResult struct {
	b   []byte
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.interrupted(); err != nil {
		return 0, err
	}
	done := make(chan readResult, 1)
	go func() {
		buf := make([]byte, len(p))
		n, err := c.r.Read(buf)
		done <- readResult{buf[:n], err}
	}()
	select {
	case res := <-done:
		return copy(p, res.b), res.err
	case <-c.ctx.Done():
		if err := c.interrupted(); err != nil {
			return 0, err
		}
		return 0, c.ctx.Err()
	}
}

func (c *ctxReader) interrupted() error {
	if in := diagnose.InterruptedBy(c.ctx); in != nil {
		return in
	}
	return nil
}

// stopIfInterrupted is the error that ends a command interrupted while it
// was doing something: nothing read after the signal is judged, so no
// report is written.
func stopIfInterrupted(ctx context.Context, doing string) error {
	in := diagnose.InterruptedBy(ctx)
	if in == nil {
		return nil
	}
	return &exitError{code: in.Code, msg: fmt.Sprintf("%s %s: nothing was judged", in.Error(), doing)}
}
