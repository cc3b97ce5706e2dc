package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// TestInterruptsCancelWithTheSignal: the first signal cancels the context
// with the signal as its cause; while a pager holds the terminal SIGINT is
// the pager's and SIGTERM is not; a second signal ends the process at
// once, and a command that outlives the grace is ended with the signal's
// code, saying so.
func TestInterruptsCancelWithTheSignal(t *testing.T) {
	exits := make(chan int, 2)
	var errb syncBuffer
	sigs := make(chan os.Signal)
	ctx, in := watchInterrupts(context.Background(), sigs, &errb, func(code int) { exits <- code }, time.Hour)
	release := in.hold()
	sigs <- os.Interrupt // the pager's: nothing ends
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	if got := diagnose.InterruptedBy(ctx); got == nil || got.Code != 143 || got.Signal != "SIGTERM" {
		t.Fatalf("SIGTERM while paging: cause %v", context.Cause(ctx))
	}
	release()
	sigs <- os.Interrupt // the second signal: the process ends now
	if code := <-exits; code != 143 {
		t.Errorf("the second signal ended it with %d, want the first signal's 143", code)
	}
	if !strings.Contains(errb.String(), "convdiag: interrupted (SIGTERM)") {
		t.Errorf("stderr %q", errb.String())
	}

	sigs2 := make(chan os.Signal)
	ctx2, _ := watchInterrupts(context.Background(), sigs2, io.Discard, func(code int) { exits <- code }, 0)
	sigs2 <- os.Interrupt
	if code := <-exits; code != 130 {
		t.Errorf("after the grace: exit %d, want 130", code)
	}
	if got := diagnose.InterruptedBy(ctx2); got == nil || got.Signal != "SIGINT" {
		t.Errorf("SIGINT: cause %v", context.Cause(ctx2))
	}
}

// blockingReader blocks every read until the test ends, and says when the
// first read began.
type blockingReader struct {
	once    sync.Once
	reading chan struct{}
	never   chan struct{}
}

func (b *blockingReader) Read([]byte) (int, error) {
	b.once.Do(func() { close(b.reading) })
	<-b.never
	return 0, io.EOF
}

// TestInterruptWhileReadingStdin: interrupted while it waits for a body on
// standard input (a pipe nobody writes to), check ends with 130 and says
// it was interrupted, not that the input could not be read.
func TestInterruptWhileReadingStdin(t *testing.T) {
	e, out, errb := testEnv(nil, "")
	stdin := &blockingReader{reading: make(chan struct{}), never: make(chan struct{})}
	defer close(stdin.never)
	e.Stdin = stdin
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"convdiag", "check", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", "-"}, e)
	}()
	<-stdin.reading
	cancel(interruptOf(os.Interrupt))
	if code := <-done; code != 130 {
		t.Errorf("exit %d, want 130; stderr %q", code, errb.String())
	}
	if got := errb.String(); !strings.Contains(got, "interrupted (SIGINT)") || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr %q: want one line saying interrupted", got)
	}
	if out.Len() != 0 {
		t.Errorf("a report was written after the interrupt: %q", out.String())
	}
}

// TestInterruptLiveCheck runs the binary as a user would: `convdiag check`
// against `convdiag sim --latency 5s`, stopped by SIGINT or SIGTERM while
// it waits on the org. It ends within a second with 130 or 143 and one
// line saying it was interrupted, never a spent budget or a report of an
// org that could not be read; the sim ends with 0 on either signal.
func TestInterruptLiveCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := testBinary(t)
	for _, sig := range []struct {
		sig  os.Signal
		name string
		code int
	}{{os.Interrupt, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(sig.name, func(t *testing.T) {
			simCmd := exec.Command(bin, "sim", "--latency", "5s")
			simOut, err := simCmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var simErr syncBuffer
			simCmd.Stderr = &simErr
			if err := simCmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = simCmd.Process.Kill() }()
			line, err := bufio.NewReader(simOut).ReadString('\n')
			if err != nil {
				t.Fatalf("sim: no base URL: %v; %s", err, simErr.String())
			}
			base := strings.TrimSpace(line)

			check := exec.Command(bin, "check", "-v", "--api-base", base, "--client-id", "x", "--client-secret", "y",
				"--conversation", "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10", "--format", "json")
			var stdout syncBuffer
			check.Stdout = &stdout
			stderr, err := check.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := check.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = check.Process.Kill() }()
			// -v says when the reads begin; the token request then waits
			// 5 s on the org.
			rd := bufio.NewReader(stderr)
			var before strings.Builder
			for !strings.Contains(before.String(), "live check of conversation") {
				l, err := rd.ReadString('\n')
				before.WriteString(l)
				if err != nil {
					t.Fatalf("check never started reading: %v; stderr %q", err, before.String())
				}
			}
			start := time.Now()
			if err := check.Process.Signal(sig.sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(rd)
			err = check.Wait()
			took := time.Since(start)
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err == nil {
				code = 0
			}
			if code != sig.code {
				t.Errorf("exit %d, want %d; stderr %q", code, sig.code, rest)
			}
			if took > time.Second {
				t.Errorf("ended %s after %s, want within a second", took, sig.name)
			}
			got := string(rest)
			if !strings.Contains(got, "convdiag: interrupted ("+sig.name+") while reading the org") {
				t.Errorf("stderr after the signal %q does not say interrupted", got)
			}
			for _, bad := range []string{"time budget", "budget spent", "context canceled", "INCOMPLETE"} {
				if strings.Contains(got+stdout.String(), bad) {
					t.Errorf("the interrupted check says %q: %q %q", bad, got, stdout.String())
				}
			}
			if stdout.String() != "" {
				t.Errorf("a report after the interrupt: %q", stdout.String())
			}

			// The sim serves until interrupted, then exits 0.
			if err := simCmd.Process.Signal(sig.sig); err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, simOut)
			if err := simCmd.Wait(); err != nil {
				t.Errorf("sim after %s: %v; stderr %q", sig.name, err, simErr.String())
			}
			if !strings.Contains(simErr.String(), "convdiag sim: interrupted ("+sig.name+"), stopped") {
				t.Errorf("sim stderr %q", simErr.String())
			}
		})
	}
}
