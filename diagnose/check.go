package diagnose

import (
	"encoding/json"
	"fmt"
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
	// Requires lists checks whose results Run reads through
	// Pass.ResultOf. They must come earlier in the chain.
	Requires []*Check
	// Run inspects the evidence and reports through the pass. Its result
	// is available to later checks that require this one.
	Run func(*Pass) (any, error)
}

// Pass is what a check run receives and reports through.
type Pass struct {
	Check    *Check
	Evidence *Evidence
	// ResultOf holds the results of the required checks; a required check
	// that crashed or skipped has a nil entry.
	ResultOf map[*Check]any

	status   Status
	summary  string
	refs     []Ref
	causes   []Cause
	ruledOut []RuledOut
	details  []string
	facts    *Facts
}

// Facts returns the shared facts; checks fill them in chain order.
func (p *Pass) Facts() *Facts { return p.facts }

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

// Report reports a cause. The check id is filled in.
func (p *Pass) Report(c Cause) {
	c.Check = p.Check.ID
	p.causes = append(p.causes, c)
}

// RuleOut records that a cause was checked and excluded, and why.
func (p *Pass) RuleOut(id, format string, args ...any) {
	p.ruledOut = append(p.ruledOut, RuledOut{ID: id, Reason: fmt.Sprintf(format, args...), Check: p.Check.ID})
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
}
