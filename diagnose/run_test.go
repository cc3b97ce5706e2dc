package diagnose

import (
	"strings"
	"testing"
)

var testCatalogue = Catalogue{
	{ID: "a.root", Title: "Root", Check: "one"},
	{ID: "a.other", Title: "Other", Check: "one"},
	{ID: "b.symptom", Title: "Symptom", Check: "two", SuppressedBy: []string{"b.middle", "a.root"}},
	{ID: "b.middle", Title: "Middle", Check: "two", SuppressedBy: []string{"a.root"}},
	{ID: "c.late", Title: "Late", Check: "three"},
}

func check(id string, run func(*Pass) (any, error), requires ...*Check) *Check {
	return &Check{ID: id, Title: id, Run: run, Requires: requires}
}

func TestRunContainsCrash(t *testing.T) {
	crashing := check("one", func(p *Pass) (any, error) {
		p.RuleOut("a.other", "looked")
		var p2 *Pass
		_ = p2.Evidence.Mode // a nil dereference: panics
		return nil, nil
	})
	var sawNil bool
	after := check("two", func(p *Pass) (any, error) {
		sawNil = p.ResultOf[crashing] == nil
		p.Report(Cause{ID: "b.middle", Likelihood: Likely})
		return "ok", nil
	}, crashing)
	rep := Run(&Evidence{Mode: ModeOffline}, []*Check{crashing, after}, testCatalogue, Options{})
	if rep.Checks[0].Status != StatusError || !strings.Contains(rep.Checks[0].Summary, "check crashed") {
		t.Errorf("crashed check: %+v", rep.Checks[0])
	}
	if !strings.Contains(rep.Checks[0].Crash, "goroutine") {
		t.Errorf("crash trace not kept for verbose output: %q", rep.Checks[0].Crash)
	}
	if !sawNil {
		t.Error("a check requiring a crashed check saw a non-nil result")
	}
	if rep.Checks[1].Status != StatusFail || len(rep.Causes) != 1 || rep.Causes[0].ID != "b.middle" {
		t.Errorf("the check after the crash did not run normally: %+v %+v", rep.Checks[1], rep.Causes)
	}
	for _, r := range rep.RuledOut {
		if r.ID == "a.other" {
			t.Error("a crashed check's ruled-out entries were kept")
		}
	}
}

func TestRunErrorIsContained(t *testing.T) {
	c := check("one", func(p *Pass) (any, error) { return nil, errTest })
	rep := Run(&Evidence{}, []*Check{c}, testCatalogue, Options{})
	if rep.Checks[0].Status != StatusError || !strings.Contains(rep.Checks[0].Summary, "test failure") {
		t.Errorf("%+v", rep.Checks[0])
	}
}

type testErr string

func (e testErr) Error() string { return string(e) }

const errTest = testErr("test failure")

func TestRankAndSuppress(t *testing.T) {
	chain := []*Check{
		check("one", func(p *Pass) (any, error) {
			p.Report(Cause{ID: "a.other", Likelihood: Possible})
			p.Report(Cause{ID: "a.root", Likelihood: Likely})
			return nil, nil
		}),
		check("two", func(p *Pass) (any, error) {
			p.Report(Cause{ID: "b.symptom", Likelihood: Confirmed})
			p.Report(Cause{ID: "b.middle", Likelihood: Confirmed})
			p.RuleOut("a.root", "contradiction: must be dropped because a.root was found")
			return nil, nil
		}),
		check("three", func(p *Pass) (any, error) {
			p.Report(Cause{ID: "c.late", Likelihood: Confirmed})
			p.RuleOut("x.none", "first")
			p.RuleOut("x.none", "second")
			return nil, nil
		}),
	}
	rep := Run(&Evidence{}, chain, testCatalogue, Options{})
	var ids []string
	for _, c := range rep.Causes {
		ids = append(ids, c.ID+":"+c.Likelihood.String())
	}
	// b.symptom and b.middle fold into a.root (through b.middle); confirmed
	// c.late ranks before likely a.root; possible a.other last.
	want := "c.late:confirmed a.root:likely a.other:possible"
	if got := strings.Join(ids, " "); got != want {
		t.Fatalf("causes %q, want %q", got, want)
	}
	root := rep.Causes[1]
	if strings.Join(root.Symptoms, ",") != "b.symptom,b.middle" && strings.Join(root.Symptoms, ",") != "b.middle,b.symptom" {
		t.Errorf("a.root symptoms %v", root.Symptoms)
	}
	for i, c := range rep.Causes {
		if c.Rank != i+1 {
			t.Errorf("rank of %s = %d, want %d", c.ID, c.Rank, i+1)
		}
	}
	if len(rep.RuledOut) != 1 || rep.RuledOut[0].Reason != "first" {
		t.Errorf("ruled out %+v: want x.none once (a.root was found)", rep.RuledOut)
	}
	if rep.Checks[1].Status != StatusFail || rep.Checks[0].Status != StatusFail {
		t.Errorf("derived statuses %s %s", rep.Checks[0].Status, rep.Checks[1].Status)
	}
}

func TestSymptomOfPossibleRootIsKept(t *testing.T) {
	chain := []*Check{check("one", func(p *Pass) (any, error) {
		p.Report(Cause{ID: "a.root", Likelihood: Possible})
		p.Report(Cause{ID: "b.middle", Likelihood: Confirmed})
		return nil, nil
	})}
	rep := Run(&Evidence{}, chain, testCatalogue, Options{})
	if len(rep.Causes) != 2 || rep.Causes[0].ID != "b.middle" {
		t.Errorf("a possible root must not swallow a confirmed cause: %+v", rep.Causes)
	}
}

func TestVerdict(t *testing.T) {
	mk := func(l Likelihood) []*Check {
		return []*Check{check("one", func(p *Pass) (any, error) {
			if l > 0 {
				p.Report(Cause{ID: "a.root", Likelihood: l})
			}
			return nil, nil
		})}
	}
	for _, tc := range []struct {
		l          Likelihood
		incomplete bool
		status     string
		code       int
	}{
		{0, false, VerdictNoCause, 0},
		{Possible, false, VerdictNoCause, 0},
		{Likely, false, VerdictCausesFound, 1},
		{Confirmed, false, VerdictCausesFound, 1},
		{Confirmed, true, VerdictIncomplete, 3},
		{0, true, VerdictIncomplete, 3},
	} {
		ev := &Evidence{}
		if tc.incomplete {
			ev.Incomplete = []string{"API unreachable"}
		}
		rep := Run(ev, mk(tc.l), testCatalogue, Options{})
		if rep.Verdict.Status != tc.status || rep.ExitCode() != tc.code {
			t.Errorf("likelihood %v incomplete %v: verdict %+v", tc.l, tc.incomplete, rep.Verdict)
		}
	}
}

func TestFixUsesCorrectedRequest(t *testing.T) {
	chain := []*Check{
		check("one", func(p *Pass) (any, error) {
			p.Report(Cause{ID: "a.root", Likelihood: Confirmed, Fix: &Fix{Summary: "Do it", UseCorrected: true}})
			p.Facts().Corrected = &FixRequest{Method: "PATCH", Path: "/api/v2/conversations/c/participants/old", Body: []byte(`{"state":"disconnected"}`)}
			return nil, nil
		}),
		check("two", func(p *Pass) (any, error) {
			// A later check refines the request; the earlier cause's fix follows.
			p.Facts().Corrected = &FixRequest{Method: "PATCH", BaseURL: "https://api.mypurecloud.de", Path: "/api/v2/conversations/c/participants/new", Body: []byte(`{"state":"disconnected"}`)}
			return nil, nil
		}),
	}
	rep := Run(&Evidence{}, chain, testCatalogue, Options{})
	f := rep.Causes[0].Fix
	if f.Request == nil || !strings.HasSuffix(f.Request.Path, "/new") {
		t.Fatalf("fix request %+v", f.Request)
	}
	if !strings.Contains(f.Curl, "curl -sS -X PATCH 'https://api.mypurecloud.de/api/v2/conversations/c/participants/new'") ||
		!strings.Contains(f.Curl, `$GENESYSCLOUD_ACCESS_TOKEN`) || !strings.Contains(f.Curl, `--data-raw '{"state":"disconnected"}'`) {
		t.Errorf("curl %q", f.Curl)
	}
	for _, n := range f.Notes {
		if n == BaseNote {
			t.Error("base note added although the base is known")
		}
	}
}

func TestCurlQuotesAndUnknownBase(t *testing.T) {
	r := &FixRequest{Method: "PATCH", Path: "/api/v2/x/it's", Body: []byte(`{"name":"O'Brien"}`)}
	c := r.Curl()
	if !strings.Contains(c, `"$GENESYSCLOUD_API_BASE/api/v2/x/it's"`) {
		t.Errorf("unknown base must be a double-quoted variable: %s", c)
	}
	if !strings.Contains(c, `'{"name":"O'\''Brien"}'`) {
		t.Errorf("single quote in body not escaped for the shell: %s", c)
	}
}
