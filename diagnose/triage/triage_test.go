package triage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// writeLog writes n log lines, each on its own conversation c0, c1, ...
func writeLog(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"method":"PATCH","url":"/api/v2/conversations/c%d/participants/p","request_body":"{}","status":409,"time":"2026-11-25T10:%02d:00Z"}`+"\n", i, i%60)
	}
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeDiagnose gives every ticket a cause named after its conversation's
// number modulo 3, so clusters are predictable.
func fakeDiagnose(ev *diagnose.Evidence) *diagnose.Report {
	conv := strings.Split(ev.Request.URL, "/")[4]
	var n int
	fmt.Sscanf(conv, "c%d", &n)
	rep := &diagnose.Report{Evidence: ev, Conclusion: diagnose.Conclusion{ConversationID: conv, ParticipantID: "p"}}
	if n%3 == 2 {
		rep.Verdict = diagnose.Verdict{Status: diagnose.VerdictNoCause}
		return rep
	}
	rep.Verdict = diagnose.Verdict{Status: diagnose.VerdictCausesFound, ExitCode: 1}
	rep.Causes = []diagnose.Cause{{ID: fmt.Sprintf("cause.%d", n%3), Likelihood: diagnose.Likely,
		Fix: &diagnose.Fix{Summary: "Send it to " + conv}}}
	req := &diagnose.FixRequest{Method: "PATCH", BaseURL: "https://api.mypurecloud.com", Path: "/api/v2/conversations/" + conv + "/participants/p"}
	rep.Conclusion.Plans = []*diagnose.Plan{diagnose.NewPlan(diagnose.PlanNow, []diagnose.Step{{Kind: diagnose.StepRequest, Request: req}})}
	return rep
}

// TestRunOrderWhateverTheWorkers: tickets come out in input order when the
// workers finish in another order, and clusters count and template them.
func TestRunOrderWhateverTheWorkers(t *testing.T) {
	path := writeLog(t, 300)
	slow := func(ev *diagnose.Evidence) *diagnose.Report {
		if strings.Contains(ev.Request.URL, "/c7/") {
			time.Sleep(20 * time.Millisecond) // finishes long after the others
		}
		return fakeDiagnose(ev)
	}
	res := Run(context.Background(), Options{Paths: []string{path}, Jobs: 8, Diagnose: slow})
	if len(res.Tickets) != 300 || len(res.Errors) != 0 {
		t.Fatalf("%d tickets, errors %v", len(res.Tickets), res.Errors)
	}
	for i, tk := range res.Tickets {
		if want := fmt.Sprintf("%s:%d", path, i+1); tk.Source != want {
			t.Fatalf("ticket %d is %s, want %s", i, tk.Source, want)
		}
	}
	if res.Counts != (Counts{Tickets: 300, CausesFound: 200, NoCauseFound: 100}) {
		t.Errorf("counts %+v", res.Counts)
	}
	if len(res.Clusters) != 2 || res.Clusters[0].Count != 100 || res.Clusters[0].Cause != "cause.0" {
		t.Fatalf("clusters %+v", res.Clusters)
	}
	c := res.Clusters[0]
	if !strings.HasPrefix(c.Fix, `curl -sS -X PATCH 'https://api.mypurecloud.com/api/v2/conversations/'"$CONVERSATION_ID"'/participants/'"$PARTICIPANT_ID"''`) || c.FixSummary != "Send it to $CONVERSATION_ID" || c.Variants != 0 {
		t.Errorf("fix %q summary %q variants %d", c.Fix, c.FixSummary, c.Variants)
	}
	if c.FirstSeen.Format("15:04") != "10:00" || c.LastSeen.Format("15:04") != "10:57" || c.Share < 0.33 || c.Share > 0.34 {
		t.Errorf("seen %v to %v, share %v", c.FirstSeen, c.LastSeen, c.Share)
	}
	if res.Verdict.ExitCode != 1 {
		t.Errorf("verdict %+v", res.Verdict)
	}
}

// TestRunBoundedWindow: while the first ticket is stuck, the others are
// read no further than the window ahead of it.
func TestRunBoundedWindow(t *testing.T) {
	path := writeLog(t, 2000)
	release := make(chan struct{})
	var diagnosed atomic.Int64
	stuck := func(ev *diagnose.Evidence) *diagnose.Report {
		if strings.Contains(ev.Request.URL, "/c0/") {
			<-release
		}
		diagnosed.Add(1)
		return fakeDiagnose(ev)
	}
	done := make(chan *Result)
	go func() { done <- Run(context.Background(), Options{Paths: []string{path}, Jobs: 2, Diagnose: stuck}) }()
	deadline := time.Now().Add(5 * time.Second)
	for diagnosed.Load() < 2*64-2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := diagnosed.Load(); n > 2*64 {
		t.Errorf("%d tickets diagnosed while the first was stuck: the window is 128", n)
	}
	close(release)
	if res := <-done; len(res.Tickets) != 2000 {
		t.Errorf("%d tickets", len(res.Tickets))
	}
}

// TestRunInterrupted: a run stopped halfway keeps the tickets it settled,
// in order, and says it was interrupted.
func TestRunInterrupted(t *testing.T) {
	path := writeLog(t, 500)
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	var once sync.Once
	stop := func(ev *diagnose.Evidence) *diagnose.Report {
		if n.Add(1) == 40 {
			once.Do(cancel)
		}
		return fakeDiagnose(ev)
	}
	res := Run(ctx, Options{Paths: []string{path}, Jobs: 4, Diagnose: stop})
	if !res.Interrupted || len(res.Tickets) < 39 || len(res.Tickets) >= 500 {
		t.Fatalf("interrupted %v with %d tickets", res.Interrupted, len(res.Tickets))
	}
	last := 0
	for _, tk := range res.Tickets {
		var line int
		fmt.Sscanf(tk.Source[strings.LastIndexByte(tk.Source, ':')+1:], "%d", &line)
		if line <= last {
			t.Fatalf("tickets out of order: %s after line %d", tk.Source, last)
		}
		last = line
	}
	if res.Counts.Tickets != len(res.Tickets) {
		t.Errorf("counts %+v for %d tickets", res.Counts, len(res.Tickets))
	}
}

// TestFixTemplate: fixes that differ only in ids are one template with a
// variable per differing id; another shape is a variant.
func TestFixTemplate(t *testing.T) {
	ft := &fixTemplate{curl: true}
	a := "curl 'x/11111111-1111-4111-8111-111111111111/y/22222222-2222-4222-8222-222222222222'"
	b := "curl 'x/33333333-3333-4333-8333-333333333333/y/22222222-2222-4222-8222-222222222222'"
	ft.add(a)
	ft.add(b)
	ft.add("curl 'other'")
	if got := ft.String(); got != `curl 'x/'"$ID_1"'/y/22222222-2222-4222-8222-222222222222'` || ft.variants != 1 {
		t.Errorf("template %q, %d variants", got, ft.variants)
	}
}

// TestStateTornLine: a state cut in the middle of a record keeps the whole
// records and goes on after them.
func TestStateTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Record(Ticket{Source: "a", Status: "causes-found"})
	_ = st.Record(Ticket{Source: "b", Status: "incomplete"})
	_ = st.Close()
	b, _ := os.ReadFile(path)
	_ = os.WriteFile(path, b[:len(b)-5], 0o600)
	st, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.Done(); len(d) != 1 || d["a"].Status != "causes-found" {
		t.Fatalf("done %+v", d)
	}
	_ = st.Record(Ticket{Source: "c"})
	_ = st.Close()
	st, _ = OpenState(path)
	if d := st.Done(); len(d) != 2 || d["c"].Source != "c" {
		t.Errorf("done %+v after a record past the torn line", d)
	}
	_ = st.Close()
	_ = os.WriteFile(path, []byte("hello\n"), 0o600)
	if _, err := OpenState(path); err == nil || !strings.Contains(err.Error(), "not a convdiag triage state") {
		t.Errorf("a foreign file: %v", err)
	}
}
