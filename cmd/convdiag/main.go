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
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, systemEnv())
	stop()
	os.Exit(code)
}
