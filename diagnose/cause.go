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

// Fix says what to do about a cause.
type Fix struct {
	// Summary is a verb phrase ("Drop the participant with the PATCH ...").
	Summary string `json:"summary"`
	// Before lists requests to send first (e.g. end a consult).
	Before []*FixRequest `json:"before,omitempty"`
	// Request is the corrected request; nil when the fix is not a request.
	Request *FixRequest `json:"request,omitempty"`
	// Curl is Request as a ready curl command.
	Curl string `json:"curl,omitempty"`
	// Notes are caveats of the fix.
	Notes []string `json:"notes,omitempty"`
	// UseCorrected asks the driver to fill Request (and Curl) with the
	// request that would have worked, as the whole chain established it.
	UseCorrected bool `json:"-"`
}

// BaseNote is the note added to a fix whose API base is unknown.
const BaseNote = "set GENESYSCLOUD_API_BASE to https://api.<your region's domain> (e.g. https://api.mypurecloud.de) and GENESYSCLOUD_ACCESS_TOKEN to a token first"

// Finish fills in the curl command and the notes about values convdiag
// does not know (the API base, ids), which the request names as shell
// variables.
func (f *Fix) Finish() {
	if f.Request == nil {
		return
	}
	f.Curl = f.Request.Curl()
	for _, n := range f.Request.VarNotes() {
		if !containsString(f.Notes, n) {
			f.Notes = append(f.Notes, n)
		}
	}
}

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

// shellQuote quotes s for a POSIX shell with single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// CauseInfo is one entry of the cause catalogue: a stable id, a title and
// the long explanation behind `convdiag explain`. Each is declared as a
// package-level handle beside the check that reports it
// (var causeStaleLeg = &diagnose.CauseInfo{...}); checks report and rule out
// causes by handle, so a misspelt id does not compile.
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

	// check is the id of the check that declares the cause (set by
	// NewCatalogue).
	check string
}

// Check is the id of the check that reports the cause.
func (ci *CauseInfo) Check() string { return ci.check }

// Catalogue is the ordered list of cause handles: the causes of each check
// of a chain, in chain order.
type Catalogue []*CauseInfo

// NewCatalogue collects the causes the checks declare, in chain order, and
// validates them: ids are unique and non-empty, each handle belongs to one
// check, and every suppression names a handle of the catalogue. An error is
// a programmer error.
func NewCatalogue(chain []*Check) (Catalogue, error) {
	var cat Catalogue
	owner := map[*CauseInfo]string{}
	ids := map[string]bool{}
	for _, c := range chain {
		for _, ci := range c.Causes {
			if ci == nil || ci.ID == "" {
				return nil, fmt.Errorf("check %s declares a cause without an id", c.ID)
			}
			if o, dup := owner[ci]; dup {
				return nil, fmt.Errorf("cause %s is declared by both %s and %s", ci.ID, o, c.ID)
			}
			if ids[ci.ID] {
				return nil, fmt.Errorf("two causes have the id %s", ci.ID)
			}
			owner[ci], ids[ci.ID] = c.ID, true
			ci.check = c.ID
			cat = append(cat, ci)
		}
	}
	for _, ci := range cat {
		for _, s := range ci.SuppressedBy {
			if _, ok := owner[s]; !ok || s == ci {
				return nil, fmt.Errorf("cause %s is suppressed by a cause outside the catalogue (or itself)", ci.ID)
			}
		}
	}
	return cat, nil
}

// Lookup finds a catalogue entry by id.
func (c Catalogue) Lookup(id string) (*CauseInfo, bool) {
	for _, ci := range c {
		if ci.ID == id {
			return ci, true
		}
	}
	return nil, false
}

func (c Catalogue) index(ci *CauseInfo) int {
	for i, x := range c {
		if x == ci {
			return i
		}
	}
	return len(c)
}
