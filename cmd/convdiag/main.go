// Command convdiag explains why a Genesys Cloud request to drop one
// participant from a live conversation fails (above all with 409 Conflict),
// proves it from evidence, and prints the request that would have worked.
//
// This package only wires things together: flags into options, the
// environment, TTY and colour decisions, and the exit code. Diagnosis lives
// in packages diagnose and checks, rendering in package report.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptGrace is how long an interrupted convdiag may take to stop: the
// network calls and the simulated org end with the context; a read that
// cannot be interrupted (a terminal, a pipe) does not hold it longer.
const interruptGrace = time.Second

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		cancel(interruption{s})
		select {
		case <-sig: // a second interrupt: stop now
		case <-time.After(interruptGrace):
		}
		os.Exit(interruptCode(ctx))
	}()
	code := run(ctx, os.Args, systemEnv())
	signal.Stop(sig)
	os.Exit(code)
}

// interruption is the cause of a context that a signal ended.
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return "interrupted (" + i.sig.String() + ")" }

// interruptCode is the exit code of a run a signal ended: 143 for SIGTERM,
// else 130 (DESIGN §4b.9).
func interruptCode(ctx context.Context) int {
	var i interruption
	if errors.As(context.Cause(ctx), &i) && i.sig == syscall.SIGTERM {
		return 143
	}
	return 130
}
