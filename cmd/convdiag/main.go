// Command convdiag explains why a Genesys Cloud request on a conversation's
// participants fails (above all with 409 Conflict), proves it from evidence,
// and prints the request that would have worked.
//
// This package only wires things together: flags into options, the
// environment, TTY and colour decisions, signals, and the exit code.
// Diagnosis lives in packages diagnose and checks, rendering in package
// report.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	e := systemEnv()
	ctx, in := watchInterrupts(context.Background(), sigs, os.Stderr, os.Exit, interruptGrace)
	e.HoldInterrupts = in.hold
	code := run(ctx, os.Args, e)
	signal.Stop(sigs)
	os.Exit(code)
}
