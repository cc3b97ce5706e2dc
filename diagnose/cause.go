package diagnose

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Likelihood grades how sure a cause is.
type Likelihood int

// Likelihoods, weakest first.
const (
	// Possible: consistent with the evidence but not shown by it, or
	// resting on a fact the reference marks UNCONFIRMED.
	Possible Likelihood = iota + 1
	// Likely: the condition is shown by the evidence, but that it makes
	// the request fail is inferred rather than documented.
	Likely
	// Confirmed: the evidence proves the condition and the public reference
	// (or the response itself) says it makes the request fail.
	Confirmed
)

func (l Likelihood) String() string {
	switch l {
	case Possible:
		return "possible"
	case Likely:
		return "likely"
	case Confirmed:
		return "confirmed"
	}
	return fmt.Sprintf("likelihood(%d)", int(l))
}

// MarshalText encodes the likelihood as its name.
func (l Likelihood) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a likelihood name.
func (l *Likelihood) UnmarshalText(b []byte) error {
	switch string(b) {
	case "possible":
		*l = Possible
	case "likely":
		*l = Likely
	case "confirmed":
		*l = Confirmed
	default:
		return fmt.Errorf("unknown likelihood %q", b)
	}
	return nil
}

// Cause is one reason the request failed (or would fail).
type Cause struct {
	// Info is the catalogue handle; Pass.Report fills ID from it.
	Info *CauseInfo `json:"-"`
	// ID is the catalogue id ("body.target-misnamed").
	ID         string     `json:"id"`
	Rank       int        `json:"rank"`
	Likelihood Likelihood `json:"likelihood"`
	// Title is the catalogue title.
	Title string `json:"title"`
	// Explanation says, for this evidence, what is wrong.
	Explanation string `json:"explanation"`
	Evidence    []Ref  `json:"evidence"`
	Fix         *Fix   `json:"fix,omitempty"`
	// Check is the check that reported it.
	Check string `json:"check"`
	// Symptoms lists causes that were also true but follow from this one;
	// they are folded in here rather than listed on their own.
	Symptoms []string `json:"symptoms,omitempty"`
}

// Fix says what to do about a cause. A check reports what it knows of the
// fix: the verb phrase, the steps this cause needs before the operation's
// request (wait for a state, grant a role, finish a consult), and whether
// the operation's request is part of it. The request itself is built once,
// for the whole chain, by the operation (Conclusion.Plans holds each
// cause's plan); nothing rewrites a cause after it is reported.
type Fix struct {
	// Summary is a verb phrase ("Drop the participant with the PATCH ...").
	Summary string `json:"summary"`
	// Steps are what this cause needs before the operation's request, in
	// order.
	Steps []Step `json:"steps,omitempty"`
	// Request, when set, is the request that fixes this cause instead of
	// the operation's corrected request (cancelling a consult ends the
	// consulted party's leg).
	Request *FixRequest `json:"request,omitempty"`
	// NoRequest is set when no request fixes this cause: nothing can be
	// sent (the participant is gone), or the fix is not a request.
	NoRequest bool `json:"no_request,omitempty"`
	// NoneCanWork is set when, while this cause holds, no request can do
	// what was meant (the party cannot be confined: it is in no
	// conference): the report says so and prints no request.
	NoneCanWork bool `json:"none_can_work,omitempty"`
	// Notes are caveats of the fix.
	Notes []string `json:"notes,omitempty"`
}

// BaseNote is the note added to a fix whose API base is unknown.
const BaseNote = "set GENESYSCLOUD_API_BASE to https://api.<your region's domain> (e.g. https://api.mypurecloud.de) and GENESYSCLOUD_ACCESS_TOKEN to a token first"

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FixRequest is a request that would work. A value convdiag does not know
// is a shell variable ($PARTICIPANT_ID) in Path or Body, named in Vars;
// never a {placeholder}, which curl would glob.
type FixRequest struct {
	Method string `json:"method"`
	// BaseURL is the API base (https://api.<domain>); empty when unknown,
	// in which case the request uses $GENESYSCLOUD_API_BASE.
	BaseURL string `json:"base_url,omitempty"`
	Path    string `json:"path"`
	// Body is the JSON body; nil for none.
	Body json.RawMessage `json:"body,omitempty"`
	// Vars are the shell variables Path and Body use, with what to set
	// each to.
	Vars []Var `json:"vars,omitempty"`
}

// Var is a value a fix needs that convdiag does not know.
type Var struct {
	// Name is the shell variable (PARTICIPANT_ID), without the $.
	Name string `json:"name"`
	// Set says what to set it to.
	Set string `json:"set"`
}

// VarNotes says what to set each variable of the request to.
func (r *FixRequest) VarNotes() []string {
	var out []string
	if r.BaseURL == "" {
		out = append(out, BaseNote)
	}
	for _, v := range r.Vars {
		out = append(out, "set "+v.Name+" to "+v.Set)
	}
	return out
}

// URL is the full URL, or the path after "$GENESYSCLOUD_API_BASE".
func (r *FixRequest) URL() string {
	if r.BaseURL == "" {
		return "$GENESYSCLOUD_API_BASE" + r.Path
	}
	return strings.TrimSuffix(r.BaseURL, "/") + r.Path
}

// Curl renders the request as a curl command that reads the token from
// $GENESYSCLOUD_ACCESS_TOKEN; variables are left for the shell to expand.
func (r *FixRequest) Curl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X %s %s \\\n  -H \"Authorization: Bearer $GENESYSCLOUD_ACCESS_TOKEN\"", r.Method, shellQuoteVars(r.URL()))
	if len(r.Body) > 0 {
		fmt.Fprintf(&b, " \\\n  -H 'Content-Type: application/json' \\\n  --data-raw %s", shellQuoteVars(string(r.Body)))
	}
	return b.String()
}

// varRe matches a shell variable a fix uses ($NAME, upper case).
var varRe = regexp.MustCompile(`\$[A-Z][A-Z0-9_]*`)

// shellQuoteVars quotes s for a POSIX shell with single quotes, except the
// $VARIABLES in it, which are left in double quotes for the shell to
// expand.
func shellQuoteVars(s string) string {
	locs := varRe.FindAllStringIndex(s, -1)
	if locs == nil {
		return shellQuote(s)
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if l[0] > last {
			b.WriteString(shellQuote(s[last:l[0]]))
		}
		b.WriteString(`"` + s[l[0]:l[1]] + `"`)
		last = l[1]
	}
	if last < len(s) {
		b.WriteString(shellQuote(s[last:]))
	}
	return b.String()
}

// shellQuote quotes s for any POSIX shell with single quotes: a fix's curl
// is pasted into sh, bash and zsh alike, and always reads the same
// (ShellQuote picks bash's shortest form, for commands convdiag prints
// about a bundle).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// CauseInfo is one entry of the cause catalogue: a stable id, a title and
// the long explanation behind `convdiag explain`. Each is declared as a
// package-level handle beside the check that reports it
// (var causeStaleLeg = &diagnose.CauseInfo{...}); checks report and rule out
// causes by handle, so a misspelt id does not compile. A handle holds no
// state: which checks declare it is the chain's to know.
type CauseInfo struct {
	ID    string
	Title string
	// Meaning, Detection, Remedy and Confirm are the long explanation
	// (convdiag explain ID).
	Meaning, Detection, Remedy, Confirm string
	// SuppressedBy lists root causes of which this one is a symptom: when
	// one of them is found (likely or confirmed), this cause is folded into
	// it instead of being listed.
	SuppressedBy []*CauseInfo
}

// Catalogue is the ordered list of cause handles, and which checks declare
// each. A handle may be declared by several checks (one cause serves
// several operations); the chain, not the handle, records that.
type Catalogue struct {
	Causes []*CauseInfo
	owners map[*CauseInfo][]string
}

// NewCatalogue collects the causes the checks declare, in chain order, and
// validates them: ids are unique and non-empty (one id, one handle), and
// every suppression names a handle of the catalogue. An error is a
// programmer error.
func NewCatalogue(chain []*Check) (*Catalogue, error) {
	cat := &Catalogue{owners: map[*CauseInfo][]string{}}
	for _, c := range chain {
		if err := cat.add(c); err != nil {
			return nil, err
		}
	}
	if err := cat.validate(); err != nil {
		return nil, err
	}
	return cat, nil
}

// MergeCatalogues is the union of catalogues (the chains of every
// operation), in order, each cause once with every check that declares it.
func MergeCatalogues(cats ...*Catalogue) (*Catalogue, error) {
	out := &Catalogue{owners: map[*CauseInfo][]string{}}
	for _, c := range cats {
		for _, ci := range c.Causes {
			if err := out.addCause(ci, c.owners[ci]...); err != nil {
				return nil, err
			}
		}
	}
	return out, out.validate()
}

func (c *Catalogue) add(ch *Check) error {
	for _, ci := range ch.Causes {
		if ci == nil || ci.ID == "" {
			return fmt.Errorf("check %s declares a cause without an id", ch.ID)
		}
		if err := c.addCause(ci, ch.ID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Catalogue) addCause(ci *CauseInfo, owners ...string) error {
	if o, ok := c.Lookup(ci.ID); ok && o != ci {
		return fmt.Errorf("two causes have the id %s", ci.ID)
	}
	if _, ok := c.owners[ci]; !ok {
		c.Causes = append(c.Causes, ci)
		c.owners[ci] = nil
	}
	for _, o := range owners {
		if !containsString(c.owners[ci], o) {
			c.owners[ci] = append(c.owners[ci], o)
		}
	}
	return nil
}

func (c *Catalogue) validate() error {
	for _, ci := range c.Causes {
		for _, s := range ci.SuppressedBy {
			if _, ok := c.owners[s]; !ok || s == ci {
				return fmt.Errorf("cause %s is suppressed by a cause outside the catalogue (or itself)", ci.ID)
			}
		}
	}
	return nil
}

// Owners lists the checks that declare the cause, in chain order.
func (c *Catalogue) Owners(ci *CauseInfo) []string { return c.owners[ci] }

// Lookup finds a catalogue entry by id.
func (c *Catalogue) Lookup(id string) (*CauseInfo, bool) {
	for _, ci := range c.Causes {
		if ci.ID == id {
			return ci, true
		}
	}
	return nil, false
}

func (c *Catalogue) index(ci *CauseInfo) int {
	for i, x := range c.Causes {
		if x == ci {
			return i
		}
	}
	return len(c.Causes)
}
