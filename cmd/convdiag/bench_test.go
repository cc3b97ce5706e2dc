package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/benchdata"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// bigConversation writes benchdata's conference of n participants to
// path and returns its target participant.
func bigConversation(tb testing.TB, path string, n int) (target string) {
	tb.Helper()
	target, err := benchdata.WriteConference(path, n)
	if err != nil {
		tb.Fatal(err)
	}
	return target
}

// BenchmarkOffline5000 diagnoses a 5,000-participant conference offline,
// with the moment of failure given (so every participant's state at that
// moment is rebuilt and the timeline drawn): in-process, as the built binary
// (process start included), and jq selecting the participant's state from
// the same file, for comparison. The binary run reports its peak RSS.
//
//	go test ./cmd/convdiag -run '^$' -bench Offline5000 -benchtime 20x
func BenchmarkOffline5000(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "conference.json")
	target := bigConversation(b, file, 5000)
	st, _ := os.Stat(file)
	b.Logf("conversation file: %.1f MB", float64(st.Size())/(1<<20))
	args := benchdata.CheckArgs(file, target)

	b.Run("in-process", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e, _, _ := testEnv(nil, "")
			if code := run(b.Context(), append([]string{"convdiag"}, args...), e); code != 0 {
				b.Fatalf("exit %d", code)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		bin := buildBinary(b, dir)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := exec.Command(bin, args...).Run(); err != nil {
				b.Fatalf("%v", err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(peakRSS(b, bin, args))/(1<<20), "peak-RSS-MB")
	})
	b.Run("jq", func(b *testing.B) {
		jq, err := exec.LookPath("jq")
		if err != nil {
			b.Skip("jq not installed")
		}
		for i := 0; i < b.N; i++ {
			out, err := exec.Command(jq, "--arg", "id", target, `.participants[] | select(.id==$id) | .calls[0].state`, file).Output()
			if err != nil || string(out) != "\"connected\"\n" {
				b.Fatalf("jq: %v %q", err, out)
			}
		}
	})
}

// BenchmarkLiveRoundTrips runs a live check against the simulated org with
// 100 ms added to every response and reports the wall time in round trips.
// Both paths have a floor of 2: the token, then every GET in parallel. On
// the roles path (a client-credentials token whose subject lists no
// grants) the roles of its OAuth client come from the org's roles listing,
// read in the same round; only a role the listing lacks costs a third.
//
//	go test ./cmd/convdiag -run '^$' -bench LiveRoundTrips -benchtime 10x
func BenchmarkLiveRoundTrips(b *testing.B) {
	for _, c := range []struct{ name, scenario string }{{"common", "stale-leg"}, {"roles", "missing-permission"}} {
		b.Run(c.name, func(b *testing.B) {
			const latency = 100 * time.Millisecond
			sc, _ := sim.LookupScenario(c.scenario)
			org, err := sc.Org()
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(sim.New(org, sim.Options{Latency: latency}))
			defer srv.Close()
			args := []string{"convdiag", "check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(),
				"--request", sc.Request.Method + " " + sc.Request.URL, "--body", sc.Request.Body}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				e, _, _ := testEnv(nil, "")
				if code := run(b.Context(), args, e); code > 1 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(time.Since(start))/float64(b.N)/float64(latency), "round-trips/op")
		})
	}
}

// BenchmarkBundle5000 saves the bundle of the 5,000-participant conference
// (every phone number masked, the manifest written), against the check
// alone: saving should cost at most a few times the check.
//
//	go test ./cmd/convdiag -run '^$' -bench Bundle5000 -benchtime 5x
func BenchmarkBundle5000(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "conference.json")
	target := bigConversation(b, file, 5000)
	args := benchdata.CheckArgs(file, target)
	b.Run("check", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			e, _, _ := testEnv(nil, "")
			if code := run(b.Context(), append([]string{"convdiag"}, args...), e); code != 0 {
				b.Fatalf("exit %d", code)
			}
		}
	})
	b.Run("check+save-bundle", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			e, _, _ := testEnv(nil, "")
			out := filepath.Join(dir, fmt.Sprintf("bundle-%d", i))
			if code := run(b.Context(), append([]string{"convdiag"}, append(args, "--save-bundle", out)...), e); code != 0 {
				b.Fatalf("exit %d", code)
			}
		}
	})
}

// BenchmarkOffline100k diagnoses a 100,000-participant conference (about
// 103 MB) offline as the built binary and reports its peak RSS against the
// file's size (the target: at most 2x).
//
//	go test ./cmd/convdiag -run '^$' -bench Offline100k -benchtime 3x
func BenchmarkOffline100k(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "conference.json")
	target := bigConversation(b, file, 100000)
	st, _ := os.Stat(file)
	bin := buildBinary(b, dir)
	args := benchdata.CheckArgs(file, target)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := exec.Command(bin, args...).Run(); err != nil {
			b.Fatalf("%v", err)
		}
	}
	b.StopTimer()
	peak := peakRSS(b, bin, args)
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(peak)/float64(st.Size()), "peak/file")
}

// BenchmarkTriage1000 triages 1,000 replay bundles (the built-in
// scenarios' bundles, copied) with the built binary, against a shell loop
// of `convdiag check --bundle` over the same bundles with the same binary,
// and reports the speed-up. Every ticket's verdict and top cause is
// compared with the loop's.
//
//	go test ./cmd/convdiag -run '^$' -bench Triage1000 -benchtime 1x
func BenchmarkTriage1000(b *testing.B) {
	dir := b.TempDir()
	cases := filepath.Join(dir, "cases")
	seeds := filepath.Join(dir, "seeds")
	names := saveScenarioBundles(b, seeds)
	for i := 0; i < 1000; i++ {
		src := filepath.Join(seeds, names[i%len(names)])
		if err := os.CopyFS(filepath.Join(cases, fmt.Sprintf("case-%04d", i)), os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
	}
	bin := buildBinary(b, dir)
	b.ResetTimer()
	var triageTime, loopTime time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		out, _ := exec.Command(bin, "triage", cases, "--format", "json").Output()
		triageTime += time.Since(start)
		var rep struct {
			Tickets []struct {
				Source  string `json:"source"`
				Verdict struct {
					Status string `json:"status"`
				} `json:"verdict"`
				TopCause *string `json:"top_cause"`
			} `json:"tickets"`
		}
		if err := json.Unmarshal(out, &rep); err != nil || len(rep.Tickets) != 1000 {
			b.Fatalf("triage: %v, %d tickets", err, len(rep.Tickets))
		}
		start = time.Now()
		loop := exec.Command("sh", "-c", `for d in "$1"/*/; do "$2" check --bundle "${d%/}" --format json; echo; done`, "sh", cases, bin)
		all, _ := loop.Output()
		loopTime += time.Since(start)
		dec := json.NewDecoder(bytes.NewReader(all))
		for j := 0; j < 1000; j++ {
			var one jsonReport
			if err := dec.Decode(&one); err != nil {
				b.Fatalf("loop output %d: %v", j, err)
			}
			top := ""
			if len(one.Causes) > 0 {
				top = one.Causes[0].ID
			}
			tk := rep.Tickets[j]
			if tk.Verdict.Status != one.Verdict.Status || topOf(tk.TopCause) != top {
				b.Errorf("%s: triage %s %q, check %s %q", tk.Source, tk.Verdict.Status, topOf(tk.TopCause), one.Verdict.Status, top)
			}
		}
	}
	b.ReportMetric(float64(triageTime.Milliseconds())/float64(b.N), "triage-ms")
	b.ReportMetric(float64(loopTime.Milliseconds())/float64(b.N), "loop-ms")
	b.ReportMetric(float64(loopTime)/float64(triageTime), "speed-up")
}

// launchEnv makes the test binary the launcher of peakRSS (TestMain).
const launchEnv = "CONVDIAG_BENCH_LAUNCH"

// peakRSS runs bin with args, which must exit 0, and returns its peak
// resident memory in bytes (0 where the system does not say). It is
// launched from a fresh copy of the test binary: on Linux a child started
// from this process (os/exec clones it sharing its memory until exec)
// inherits this process's peak as its own, and the benchmarks' process
// holds the 100,000-participant conference it wrote (it was measured as
// 650 MB whatever convdiag took).
func peakRSS(b *testing.B, bin string, args []string) int64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], append([]string{bin}, args...)...)
	cmd.Env = append(os.Environ(), launchEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v", bin, err)
	}
	var kb int64
	if _, err := fmt.Sscan(string(out), &kb); err != nil {
		b.Fatalf("launcher said %q: %v", out, err)
	}
	return kb << 10
}

// launch is the launcher peakRSS starts: it runs the command its
// arguments name, prints the command's peak resident memory in KiB, and
// exits with its status.
func launch(argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var kb int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && runtime.GOOS == "linux" {
		kb = ru.Maxrss
	}
	fmt.Println(kb)
	return 0
}

// buildBinary builds convdiag into dir.
func buildBinary(b *testing.B, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "convdiag")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
