package diagnose

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is the outcome of one check.
type Status string

// Check statuses.
const (
	StatusPass  Status = "pass"
	StatusWarn  Status = "warn"
	StatusFail  Status = "fail"
	StatusSkip  Status = "skip"  // no evidence; the summary says what would let it run
	StatusError Status = "error" // the check crashed; the others still ran
)

// Ref names one piece of evidence a check read: where it came from, the JSON
// path (or header, or flag) inside it, and the value seen.
type Ref struct {
	Source string `json:"source"`
	Path   string `json:"path,omitempty"`
	Value  string `json:"value,omitempty"`
}

func (r Ref) String() string {
	s := r.Source
	if r.Path != "" {
		s += " → " + r.Path
	}
	if r.Value != "" {
		s += " = " + r.Value
	}
	return s
}

// Check is one link of the chain. Like a go/analysis Analyzer it is a plain
// struct: adding a field later breaks nobody.
type Check struct {
	// ID is the stable kebab-case name ("request-line").
	ID string
	// Title is a short human title.
	Title string
	// Doc says what the check asks.
	Doc string
	// Requires lists checks whose results Run reads with Result. They must
	// come earlier in the chain (the driver validates it).
	Requires []*Check
	// Causes are the causes the check may report or rule out, declared as
	// handles beside it; the catalogue is built from them.
	Causes []*CauseInfo
	// Run inspects the evidence and reports through the pass. Its result
	// is available to later checks that require this one.
	Run func(*Pass) (any, error)
}

// Pass is what a check run receives and reports through.
type Pass struct {
	Check    *Check
	Evidence *Evidence
	// Operation is what the request was for: the chain's operation (its
	// ID is "" when unknown). Checks judge the request against it.
	Operation *Operation
	// Now is the run's clock (the report's time): an upper bound of when
	// any request in the evidence was sent.
	Now func() time.Time

	// resultOf holds the results of the required checks; a required check
	// that crashed has no entry.
	resultOf map[*Check]any
	status   Status
	summary  string
	refs     []Ref
	causes   []Cause
	ruledOut []RuledOut
	details  []string
}

// Result returns the result of check c, which the pass's check must
// require, as a T; ok is false when c crashed or returned another type
// (or nil). Asking for a check that is not required is a programmer error
// and panics (the driver contains it as a crash of the asking check).
func Result[T any](p *Pass, c *Check) (res T, ok bool) {
	required := false
	for _, r := range p.Check.Requires {
		required = required || r == c
	}
	if !required {
		panic(fmt.Sprintf("check %s reads the result of %s without requiring it", p.Check.ID, c.ID))
	}
	res, ok = p.resultOf[c].(T)
	return res, ok
}

// Saw records a piece of evidence read and returns its reference. Value is
// shown as is when it is a string, as JSON otherwise.
func (p *Pass) Saw(source, path string, value any) Ref {
	r := Ref{Source: source, Path: path, Value: ValueString(value)}
	p.refs = append(p.refs, r)
	return r
}

// ValueString renders an evidence value: strings as they are, anything else
// as compact JSON.
func ValueString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Set sets the check's status and one-line summary. Without a call the
// driver derives the status from the causes reported.
func (p *Pass) Set(s Status, format string, args ...any) {
	p.status, p.summary = s, fmt.Sprintf(format, args...)
}

// Summary sets the summary and lets the driver derive the status.
func (p *Pass) Summary(format string, args ...any) { p.summary = fmt.Sprintf(format, args...) }

// Skip marks the check as skipped; reason says what would let it run.
func (p *Pass) Skip(format string, args ...any) { p.Set(StatusSkip, format, args...) }

// Detail adds a line of detail shown under the check in verbose output.
func (p *Pass) Detail(format string, args ...any) {
	p.details = append(p.details, fmt.Sprintf(format, args...))
}

// Report reports a cause. Its Info must be one of the check's declared
// causes (a programmer error otherwise); the id and check are filled in.
func (p *Pass) Report(c Cause) {
	p.mustDeclare(c.Info)
	c.ID, c.Check = c.Info.ID, p.Check.ID
	p.causes = append(p.causes, c)
}

// Found reports whether the pass has reported a likely or confirmed cause
// so far.
func (p *Pass) Found() bool {
	for _, c := range p.causes {
		if c.Likelihood >= Likely {
			return true
		}
	}
	return false
}

// RuleOut records that a cause was checked and excluded, and why.
func (p *Pass) RuleOut(ci *CauseInfo, format string, args ...any) {
	p.mustDeclare(ci)
	p.ruledOut = append(p.ruledOut, RuledOut{ID: ci.ID, Reason: fmt.Sprintf(format, args...), Check: p.Check.ID, info: ci})
}

// Declares reports whether the pass's check declares the cause.
func (p *Pass) Declares(ci *CauseInfo) bool {
	for _, d := range p.Check.Causes {
		if d == ci {
			return true
		}
	}
	return false
}

func (p *Pass) mustDeclare(ci *CauseInfo) {
	if ci == nil || !p.Declares(ci) {
		id := "(nil)"
		if ci != nil {
			id = ci.ID
		}
		panic(fmt.Sprintf("check %s reports cause %s, which it does not declare", p.Check.ID, id))
	}
}

// CheckResult is what one check established.
type CheckResult struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Status   Status   `json:"status"`
	Summary  string   `json:"summary"`
	Evidence []Ref    `json:"evidence"`
	Details  []string `json:"details,omitempty"`
	// Crash holds the panic value and stack of a crashed check (verbose
	// output only).
	Crash string `json:"-"`
}

// RuledOut is a cause that was checked and excluded.
type RuledOut struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
	Check  string `json:"check,omitempty"`

	info *CauseInfo
}
