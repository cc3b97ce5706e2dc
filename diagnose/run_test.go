package diagnose

import (
	"strings"
	"testing"
)

var (
	aRoot    = &CauseInfo{ID: "a.root", Title: "Root"}
	aOther   = &CauseInfo{ID: "a.other", Title: "Other"}
	bMiddle  = &CauseInfo{ID: "b.middle", Title: "Middle", SuppressedBy: []*CauseInfo{aRoot}}
	bSymptom = &CauseInfo{ID: "b.symptom", Title: "Symptom", SuppressedBy: []*CauseInfo{bMiddle, aRoot}}
	cLate    = &CauseInfo{ID: "c.late", Title: "Late"}
	xNone    = &CauseInfo{ID: "x.none", Title: "None"}
)

// causesOf are the causes each test check declares, by check id.
var causesOf = map[string][]*CauseInfo{"one": {aRoot, aOther}, "two": {bSymptom, bMiddle}, "three": {cLate, xNone}}

func check(id string, run func(*Pass) (any, error), requires ...*Check) *Check {
	return &Check{ID: id, Title: id, Run: run, Requires: requires, Causes: causesOf[id]}
}

// run builds the chain (failing the test on a programmer error) and runs it.
func run(t *testing.T, ev *Evidence, checks []*Check, conclude func(*Report, *Results) Conclusion) *Report {
	t.Helper()
	ch, err := NewChain(&Operation{ID: OpDisconnect}, checks, conclude)
	if err != nil {
		t.Fatal(err)
	}
	return ch.Run(ev, Options{})
}

func TestRunContainsCrash(t *testing.T) {
	crashing := check("one", func(p *Pass) (any, error) {
		p.RuleOut(aOther, "looked")
		var p2 *Pass
		_ = p2.Evidence.Mode // a nil dereference: panics
		return nil, nil
	})
	var sawNil bool
	after := check("two", func(p *Pass) (any, error) {
		_, ok := Result[any](p, crashing)
		sawNil = !ok
		p.Report(Cause{Info: bMiddle, Likelihood: Likely})
		return "ok", nil
	}, crashing)
	rep := run(t, &Evidence{Mode: ModeOffline}, []*Check{crashing, after}, nil)
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
	rep := run(t, &Evidence{}, []*Check{c}, nil)
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
			p.Report(Cause{Info: aOther, Likelihood: Possible})
			p.Report(Cause{Info: aRoot, Likelihood: Likely})
			p.RuleOut(aRoot, "contradiction: must be dropped because a.root was found")
			return nil, nil
		}),
		check("two", func(p *Pass) (any, error) {
			p.Report(Cause{Info: bSymptom, Likelihood: Confirmed})
			p.Report(Cause{Info: bMiddle, Likelihood: Confirmed})
			return nil, nil
		}),
		check("three", func(p *Pass) (any, error) {
			p.Report(Cause{Info: cLate, Likelihood: Confirmed})
			p.RuleOut(xNone, "first")
			p.RuleOut(xNone, "second")
			return nil, nil
		}),
	}
	rep := run(t, &Evidence{}, chain, nil)
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
		p.Report(Cause{Info: aRoot, Likelihood: Possible})
		return nil, nil
	}), check("two", func(p *Pass) (any, error) {
		p.Report(Cause{Info: bMiddle, Likelihood: Confirmed})
		return nil, nil
	})}
	rep := run(t, &Evidence{}, chain, nil)
	if len(rep.Causes) != 2 || rep.Causes[0].ID != "b.middle" {
		t.Errorf("a possible root must not swallow a confirmed cause: %+v", rep.Causes)
	}
}

func TestVerdict(t *testing.T) {
	mk := func(l Likelihood) []*Check {
		return []*Check{check("one", func(p *Pass) (any, error) {
			if l > 0 {
				p.Report(Cause{Info: aRoot, Likelihood: l})
			}
			return nil, nil
		})}
	}
	for _, tc := range []struct {
		l          Likelihood
		incomplete bool
		status     VerdictStatus
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
		rep := run(t, ev, mk(tc.l), nil)
		if rep.Verdict.Status != tc.status || rep.ExitCode() != tc.code {
			t.Errorf("likelihood %v incomplete %v: verdict %+v", tc.l, tc.incomplete, rep.Verdict)
		}
	}
}

// TestConclusionIsTheOnlyJoin: the final step concludes from the typed
// results, once, after every check ran; the driver leaves the causes'
// fixes as the checks reported them (the conclusion's plan is where the
// request is), and the request's curl reads the token from the shell.
func TestConclusionIsTheOnlyJoin(t *testing.T) {
	first := check("one", func(p *Pass) (any, error) {
		p.Report(Cause{Info: aRoot, Likelihood: Confirmed, Fix: &Fix{Summary: "Do it"}})
		return "/old", nil
	})
	second := check("two", func(p *Pass) (any, error) {
		old, _ := Result[string](p, first)
		return strings.Replace(old, "old", "new", 1), nil
	}, first)
	rep := run(t, &Evidence{}, []*Check{first, second}, func(rep *Report, res *Results) Conclusion {
		last, ok := ResultOf[string](res, second)
		if !ok || len(rep.Causes) != 1 {
			t.Errorf("conclude saw result %q (%v) and %d causes", last, ok, len(rep.Causes))
		}
		req := &FixRequest{Method: "PATCH", BaseURL: "https://api.mypurecloud.de", Path: "/api/v2/conversations/c/participants" + last, Body: []byte(`{"state":"disconnected"}`)}
		return Conclusion{Corrected: req, Plan: NewPlan(PlanNow, []Step{{Kind: StepRequest, Request: req}})}
	})
	if f := rep.Causes[0].Fix; f.Request != nil || len(f.Steps) > 0 || f.Summary != "Do it" {
		t.Fatalf("the driver rewrote the fix: %+v", f)
	}
	req := rep.Conclusion.Plan.Request()
	if req == nil || !strings.HasSuffix(req.Path, "/new") {
		t.Fatalf("plan request %+v", req)
	}
	curl := req.Curl()
	if !strings.Contains(curl, "curl -sS -X PATCH 'https://api.mypurecloud.de/api/v2/conversations/c/participants/new'") ||
		!strings.Contains(curl, `$GENESYSCLOUD_ACCESS_TOKEN`) || !strings.Contains(curl, `--data-raw '{"state":"disconnected"}'`) {
		t.Errorf("curl %q", curl)
	}
	for _, n := range req.VarNotes() {
		if n == BaseNote {
			t.Error("base note added although the base is known")
		}
	}
}

// TestUndeclaredCauseIsAProgrammerError: a check that reports a cause it
// does not declare crashes (contained), and a chain whose check requires a
// later one, or whose causes collide, is refused before it runs.
func TestUndeclaredCauseIsAProgrammerError(t *testing.T) {
	c := check("one", func(p *Pass) (any, error) {
		p.Report(Cause{Info: cLate, Likelihood: Confirmed}) // declared by "three"
		return nil, nil
	})
	rep := run(t, &Evidence{}, []*Check{c}, nil)
	if rep.Checks[0].Status != StatusError || !strings.Contains(rep.Checks[0].Summary, "does not declare") {
		t.Errorf("undeclared cause: %+v", rep.Checks[0])
	}
	later := check("three", func(*Pass) (any, error) { return nil, nil })
	early := check("one", func(*Pass) (any, error) { return nil, nil }, later)
	if _, err := NewChain(&Operation{}, []*Check{early, later}, nil); err == nil {
		t.Error("a check requiring a later one was accepted")
	}
	// One cause may serve several checks (and operations); the chain
	// records every check that declares it. Two handles of one id collide.
	shared := &Check{ID: "two", Causes: []*CauseInfo{aRoot}}
	ch, err := NewChain(&Operation{}, []*Check{check("one", nil), shared}, nil)
	if err != nil || strings.Join(ch.Catalogue.Owners(aRoot), ",") != "one,two" {
		t.Errorf("a cause declared by two checks: %v, owners %v", err, ch.Catalogue.Owners(aRoot))
	}
	twin := &Check{ID: "two", Causes: []*CauseInfo{{ID: aRoot.ID, Title: "twin"}}}
	if _, err := NewChain(&Operation{}, []*Check{check("one", nil), twin}, nil); err == nil {
		t.Error("two handles of one id were accepted")
	}
	reader := check("four", func(p *Pass) (any, error) {
		_, _ = Result[any](p, later) // not required
		return nil, nil
	})
	rep = run(t, &Evidence{}, []*Check{later, reader}, nil)
	if rep.Checks[1].Status != StatusError || !strings.Contains(rep.Checks[1].Summary, "without requiring") {
		t.Errorf("reading an unrequired result: %+v", rep.Checks[1])
	}
}

func TestCurlQuotesAndUnknownBase(t *testing.T) {
	r := &FixRequest{Method: "PATCH", Path: "/api/v2/x/it's", Body: []byte(`{"name":"O'Brien"}`)}
	c := r.Curl()
	if !strings.Contains(c, `"$GENESYSCLOUD_API_BASE"'/api/v2/x/it'\''s'`) {
		t.Errorf("unknown base must be a double-quoted variable, the rest single-quoted: %s", c)
	}
	if !strings.Contains(c, `'{"name":"O'\''Brien"}'`) {
		t.Errorf("single quote in body not escaped for the shell: %s", c)
	}
}

// TestCurlVariables: unknown values are shell variables the shell expands,
// in the URL and inside a single-quoted body; never {placeholders}, which
// curl globs; each variable gets a note saying what to set it to.
func TestCurlVariables(t *testing.T) {
	r := &FixRequest{Method: "PATCH", BaseURL: "https://api.mypurecloud.de", Path: "/api/v2/conversations/c/participants/$PARTICIPANT_ID",
		Body: []byte(`{"state":"disconnected","wrapup":{"code":"$WRAPUP_CODE_ID"}}`),
		Vars: []Var{{Name: "PARTICIPANT_ID", Set: "the participant's id"}, {Name: "WRAPUP_CODE_ID", Set: "a wrap-up code"}}}
	curl := r.Curl()
	for _, want := range []string{`'https://api.mypurecloud.de/api/v2/conversations/c/participants/'"$PARTICIPANT_ID"`, `'{"state":"disconnected","wrapup":{"code":"'"$WRAPUP_CODE_ID"'"}}'`} {
		if !strings.Contains(curl, want) {
			t.Errorf("curl lacks %s:\n%s", want, curl)
		}
	}
	if strings.ContainsAny(curl, "{}") && strings.Contains(curl, "{participant") {
		t.Errorf("a {placeholder} reached the curl: %s", curl)
	}
	if notes := r.VarNotes(); len(notes) != 2 || !strings.Contains(notes[0], "PARTICIPANT_ID") {
		t.Errorf("notes %q", notes)
	}
	if p := NewPlan(PlanNow, []Step{{Kind: StepRequest, Request: r}}); len(p.Variables) != 2 || p.Variables[1].Name != "WRAPUP_CODE_ID" {
		t.Errorf("plan variables %+v", p.Variables)
	}
}
