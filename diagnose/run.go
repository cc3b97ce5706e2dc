package diagnose

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Conclusion is what the report shows besides checks and causes, computed
// once, after every check ran, from their typed results (Chain.Conclude):
// what the request targeted and was for, the participants table, and the
// plan that would have worked. Renderers lay it out; they decide nothing.
type Conclusion struct {
	// ConversationID is the conversation the request targets.
	ConversationID string
	// ParticipantID is the participant the request targets, as given.
	ParticipantID string
	// Operation is what the request was for (its ID is "" when unknown),
	// OpSource how that is known.
	Operation *Operation
	OpSource  OpSource
	// Participants is the conversation's participants table.
	Participants *ParticipantTable
	// Answer is what the report answers with: the request that would have
	// worked, the request as sent being right, nothing to send, or none.
	Answer Answer
	// Corrected is the request that would have worked (the plan's request
	// step); nil when none is known or none can work (then NothingToSend
	// says why).
	Corrected *FixRequest
	// Before lists requests to send before Corrected (finish a consult).
	Before []*FixRequest
	// CorrectedNotes are caveats of the corrected request (values convdiag
	// does not know, written as shell variables), each once.
	CorrectedNotes []string
	// Plan is the steps that would have worked, in order (waits, grants,
	// the request); nil when there are none.
	Plan *Plan
	// Plans holds each cause's fix plan, in the order of Report.Causes
	// (nil where the cause's fix is no request and no step).
	Plans []*Plan
	// RequestOK is set when the request as sent is already the right one:
	// the causes are about the participant, the conversation, the token or
	// the timing, not about the request.
	RequestOK bool
	// NothingToSend says why no request can do what was meant ("" when
	// one can): the conversation ended, the target is a system leg, ...
	NothingToSend string
	// Failure is when the request failed (nil when unknown); Timeline the
	// participants' lanes around it (nil without a conversation).
	Failure  *FailureTime
	Timeline *Timeline
	// Permissions is what the token's grants show for the request (nil
	// when they were not read).
	Permissions *Permissions
	// OrgID is the org the evidence came from (tokens/me), "" when unknown.
	OrgID string
	// EvidenceReadAt is when the evidence was read (zero when unknown).
	EvidenceReadAt time.Time
}

// Answer is the kind of answer a report gives on its first screen.
type Answer string

// Answers.
const (
	// AnswerCorrected: the request (or plan) that would have worked.
	AnswerCorrected Answer = "corrected-request"
	// AnswerRequestOK: the request as sent is right; what to change is
	// the top cause's fix.
	AnswerRequestOK Answer = "request-ok"
	// AnswerNothingToSend: no request can do what was meant.
	AnswerNothingToSend Answer = "nothing-to-send"
	// AnswerNone: nothing to recommend (no cause found, or the operation
	// is unknown).
	AnswerNone Answer = "none"
)

// ParticipantTable is the conversation's participants, for the report.
type ParticipantTable struct {
	// Source names the GET the rows come from.
	Source string           `json:"source"`
	Media  string           `json:"media,omitempty"`
	Rows   []ParticipantRow `json:"participants"`
	// Omitted counts participants left out of Rows (large conferences:
	// ended legs unrelated to the target).
	Omitted int `json:"omitted,omitempty"`
	Total   int `json:"total"`
}

// ParticipantRow is one participant as the report shows it.
type ParticipantRow struct {
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	UserID  string `json:"user_id,omitempty"`
	// State is the communication state(s) read, e.g. "connected" or
	// "disconnected (calls[0]), connected (calls[1])".
	State   string `json:"state"`
	EndTime string `json:"end_time,omitempty"`
	// Role marks rows that matter: "target", "live leg of the same user",
	// "consult link", ...
	Role string `json:"role,omitempty"`
	// AtFailure is the participant's phase when the request failed, when
	// that is known and differs from State (what the GET shows now).
	AtFailure string `json:"at_failure,omitempty"`
}

// Report is the outcome of a run: what was checked, the ranked causes,
// what was ruled out, and the verdict every format shares.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	Mode        Mode      `json:"mode"`
	// Operation is what the chain judged the request against.
	Operation  *Operation    `json:"-"`
	Evidence   *Evidence     `json:"-"`
	Conclusion Conclusion    `json:"-"`
	Checks     []CheckResult `json:"checks"`
	Causes     []Cause       `json:"causes"`
	RuledOut   []RuledOut    `json:"ruled_out"`
	Verdict    Verdict       `json:"verdict"`
}

// Verdict sums the report up.
type Verdict struct {
	Status   VerdictStatus `json:"status"`
	ExitCode int           `json:"exit_code"`
	Summary  string        `json:"summary"`
}

// VerdictStatus is the verdict of a report.
type VerdictStatus string

// Verdict statuses and exit codes.
const (
	VerdictCausesFound VerdictStatus = "causes-found"
	VerdictNoCause     VerdictStatus = "no-cause-found"
	VerdictIncomplete  VerdictStatus = "incomplete"

	ExitNoCause    = 0
	ExitCauses     = 1
	ExitUsage      = 2
	ExitIncomplete = 3
)

// ExitCode is the process exit code the report implies.
func (r *Report) ExitCode() int { return r.Verdict.ExitCode }

// Options tune a run.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Chain is a validated chain of checks for one operation, with its
// catalogue and the final step that concludes from the checks' results.
type Chain struct {
	// Operation is what the chain judges requests against (the unknown
	// operation has an empty ID).
	Operation *Operation
	Checks    []*Check
	Catalogue *Catalogue
	// Conclude computes, once, what the report shows besides checks and
	// causes. It sees the ranked causes. Nil concludes nothing.
	Conclude func(rep *Report, res *Results) Conclusion
	// Unjudged says what evidence is missing when no cause was found and
	// the checks could not judge what would have shown one (DESIGN §4b.7:
	// nothing judged is not healthy); "" when the evidence was enough.
	// Nil: finding nothing is always a verdict.
	Unjudged func(rep *Report) string
}

// NewChain validates the chain of an operation: ids are unique, every
// required check comes earlier, and the causes the checks declare form a
// valid catalogue. An error is a programmer error.
func NewChain(op *Operation, checks []*Check, conclude func(*Report, *Results) Conclusion) (*Chain, error) {
	if op == nil {
		return nil, fmt.Errorf("a chain needs an operation (the unknown one has an empty ID)")
	}
	seen := map[*Check]bool{}
	ids := map[string]bool{}
	for _, c := range checks {
		if c.ID == "" || ids[c.ID] {
			return nil, fmt.Errorf("operation %q: check id %q is empty or repeated", op.ID, c.ID)
		}
		for _, r := range c.Requires {
			if !seen[r] {
				return nil, fmt.Errorf("operation %q: check %s requires %s, which does not come before it", op.ID, c.ID, r.ID)
			}
		}
		seen[c], ids[c.ID] = true, true
	}
	cat, err := NewCatalogue(checks)
	if err != nil {
		return nil, fmt.Errorf("operation %q: %w", op.ID, err)
	}
	return &Chain{Operation: op, Checks: checks, Catalogue: cat, Conclude: conclude}, nil
}

// Results are the checks' results, for the final step.
type Results struct{ m map[*Check]any }

// ResultOf returns check c's result as a T; ok is false when c crashed or
// returned another type.
func ResultOf[T any](r *Results, c *Check) (res T, ok bool) {
	res, ok = r.m[c].(T)
	return res, ok
}

// Run runs the chain over the evidence and builds the report.
func (ch *Chain) Run(ev *Evidence, opts Options) *Report {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rep := &Report{GeneratedAt: now().UTC(), Mode: ev.Mode, Evidence: ev, Operation: ch.Operation}
	results := &Results{m: map[*Check]any{}}
	order := map[string]int{}
	var causes []Cause
	var ruled []RuledOut
	for i, c := range ch.Checks {
		order[c.ID] = i
		p := &Pass{Check: c, Evidence: ev, Operation: ch.Operation, Now: now, resultOf: map[*Check]any{}}
		for _, req := range c.Requires {
			if r, ok := results.m[req]; ok {
				p.resultOf[req] = r
			}
		}
		res, crash := runOne(c, p)
		cr := CheckResult{ID: c.ID, Title: c.Title, Status: p.status, Summary: p.summary, Evidence: nonNilRefs(p.refs), Details: p.details}
		if crash != "" {
			cr.Status, cr.Crash = StatusError, crash
			if cr.Summary == "" || !strings.HasPrefix(cr.Summary, "check crashed") {
				cr.Summary = firstLine(crash)
			}
			// Causes reported before the crash stand; nothing is ruled out
			// by a check that did not finish.
			p.ruledOut = nil
		} else {
			results.m[c] = res
		}
		if cr.Status == "" {
			cr.Status = derivedStatus(p.causes)
		}
		if cr.Summary == "" {
			cr.Summary = defaultSummary(cr.Status, p.causes)
		}
		rep.Checks = append(rep.Checks, cr)
		causes = append(causes, p.causes...)
		ruled = append(ruled, p.ruledOut...)
	}
	rep.Causes = rankCauses(causes, ch.Catalogue, order)
	rep.RuledOut = pruneRuledOut(ruled, rep.Causes)
	rep.Verdict = verdict(ev, rep.Causes)
	if rep.Verdict.Status == VerdictNoCause && ch.Unjudged != nil {
		if missing := ch.Unjudged(rep); missing != "" {
			rep.Verdict = Verdict{Status: VerdictIncomplete, ExitCode: ExitIncomplete, Summary: "diagnosis incomplete: " + missing}
		}
	}
	if ch.Conclude != nil {
		rep.Conclusion = ch.Conclude(rep, results)
	}
	return rep
}

// runOne runs a check with its crash contained.
func runOne(c *Check, p *Pass) (res any, crash string) {
	defer func() {
		if r := recover(); r != nil {
			crash = fmt.Sprintf("check crashed: %v\n%s", r, debug.Stack())
		}
	}()
	res, err := c.Run(p)
	if err != nil {
		return nil, "check crashed: " + err.Error()
	}
	return res, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (the other checks still ran)"
	}
	return s + " (the other checks still ran)"
}

func nonNilRefs(r []Ref) []Ref {
	if r == nil {
		return []Ref{}
	}
	return r
}

func derivedStatus(causes []Cause) Status {
	s := StatusPass
	for _, c := range causes {
		if c.Likelihood >= Likely {
			return StatusFail
		}
		s = StatusWarn
	}
	return s
}

func defaultSummary(s Status, causes []Cause) string {
	if len(causes) == 0 {
		return string(s)
	}
	var ids []string
	for _, c := range causes {
		if !containsString(ids, c.ID) { // a cause reported twice (by a check and by its code) is one
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// rankCauses merges duplicates, folds symptoms into their root causes and
// orders the rest: confirmed before likely before possible; within a level
// by position in the chain (request line before body before state), then by
// catalogue order.
func rankCauses(in []Cause, cat *Catalogue, order map[string]int) []Cause {
	var merged []Cause
	pos := map[string]int{}
	for _, c := range in {
		if i, ok := pos[c.ID]; ok {
			m := &merged[i]
			if c.Likelihood > m.Likelihood {
				ev := append(c.Evidence, m.Evidence...)
				*m = c
				m.Evidence = ev
			} else {
				m.Evidence = append(m.Evidence, c.Evidence...)
			}
			continue
		}
		pos[c.ID] = len(merged)
		merged = append(merged, c)
	}
	for i := range merged {
		if merged[i].Title == "" && merged[i].Info != nil {
			merged[i].Title = merged[i].Info.Title
		}
	}
	// Fold symptoms into roots: a cause is a symptom when one of its roots
	// was found (likely or confirmed); it is folded into the nearest root
	// that is not itself a symptom.
	rootOf := map[string]string{}
	var resolve func(c Cause, depth int) string
	resolve = func(c Cause, depth int) string {
		if r, ok := rootOf[c.ID]; ok {
			return r
		}
		rootOf[c.ID] = c.ID
		if depth > len(cat.Causes) || c.Info == nil {
			return c.ID
		}
		for _, root := range c.Info.SuppressedBy {
			if i, ok := pos[root.ID]; ok && root.ID != c.ID && merged[i].Likelihood >= Likely {
				rootOf[c.ID] = resolve(merged[i], depth+1)
				break
			}
		}
		return rootOf[c.ID]
	}
	symptoms := map[string][]string{}
	var kept []Cause
	for _, c := range merged {
		if r := resolve(c, 0); r != c.ID {
			symptoms[r] = append(symptoms[r], c.ID)
			continue
		}
		kept = append(kept, c)
	}
	for i := range kept {
		kept[i].Symptoms = append(kept[i].Symptoms, symptoms[kept[i].ID]...)
		if kept[i].Evidence == nil {
			kept[i].Evidence = []Ref{}
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.Likelihood != b.Likelihood {
			return a.Likelihood > b.Likelihood
		}
		if order[a.Check] != order[b.Check] {
			return order[a.Check] < order[b.Check]
		}
		return cat.index(a.Info) < cat.index(b.Info)
	})
	for i := range kept {
		kept[i].Rank = i + 1
	}
	if kept == nil {
		kept = []Cause{}
	}
	return kept
}

func pruneRuledOut(in []RuledOut, causes []Cause) []RuledOut {
	found := map[string]bool{}
	for _, c := range causes {
		found[c.ID] = true
		for _, s := range c.Symptoms {
			found[s] = true
		}
	}
	out := []RuledOut{}
	seen := map[string]bool{}
	for _, r := range in {
		if found[r.ID] || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	return out
}

func verdict(ev *Evidence, causes []Cause) Verdict {
	var conf, likely, possible int
	for _, c := range causes {
		switch c.Likelihood {
		case Confirmed:
			conf++
		case Likely:
			likely++
		default:
			possible++
		}
	}
	var parts []string
	if conf > 0 {
		parts = append(parts, plural(conf, "confirmed cause", "confirmed causes"))
	}
	if likely > 0 {
		parts = append(parts, plural(likely, "likely cause", "likely causes"))
	}
	if possible > 0 {
		parts = append(parts, plural(possible, "possible cause", "possible causes"))
	}
	found := strings.Join(parts, ", ")
	if len(ev.Incomplete) > 0 {
		s := "diagnosis incomplete: could not read the org: " + strings.Join(ev.Incomplete, "; ") + ". What was given (the request, the body, the status) is judged without it"
		if found != "" {
			s += " (found so far: " + found + ")"
		}
		return Verdict{Status: VerdictIncomplete, ExitCode: ExitIncomplete, Summary: s}
	}
	if conf+likely > 0 {
		return Verdict{Status: VerdictCausesFound, ExitCode: ExitCauses,
			Summary: fmt.Sprintf("%s; start with %s", found, causes[0].ID)}
	}
	s := "no confirmed or likely cause: the request as judged should succeed"
	if possible > 0 {
		s += " (" + found + " listed)"
	}
	if ev.Mode == ModeOffline && ev.Response == nil && ev.Conv() == nil && ev.TokenInfo == nil {
		// Only the request was given: what was judged is what a dry run
		// judges, and the report says so.
		s = "no confirmed or likely cause in the request line and body; nothing else was given (no response, no GET of the conversation or the token), so this is what a dry run says"
		if possible > 0 {
			s += " (" + found + " listed)"
		}
	}
	if r := ev.Response; r != nil && r.Status >= 400 {
		s += fmt.Sprintf("; the %d it got is not explained by this evidence: it may have been transient (a change between the GET and the request), or the saved GET may be from another moment than the failure (GET the conversation right after a failure, or check live)", r.Status)
	}
	return Verdict{Status: VerdictNoCause, ExitCode: ExitNoCause, Summary: s}
}

func plural(n int, one, many string) string { return Plural(n, one, many) }
