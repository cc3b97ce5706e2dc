// Package apply carries out a report's fix plan (DESIGN §5 "plan": steps
// that wait for a state, grant a role in a division, and send the
// request) against the org the report came from. It is the only part of
// convdiag that changes an org, and it is a code path of its own: it reads
// with the read-only genesys client, and sends the plan's changes through
// a transport that lets through exactly the approved steps' requests, each
// once.
//
// Prepare refuses, before anything is sent, a plan that cannot be carried
// out safely: one for the code's next run, one whose evidence is stale or
// undated, or from an org it does not name, a request that is not a
// documented operation, that performs another operation than the
// report's (read from the endpoint table, as the checks read it), or that
// still holds {braces}, unset shell variables or redaction labels. Verify
// checks the credentials' org and token kind; Execute carries the steps
// out, re-reading the conversation before each change, and sends nothing
// when the target is already as the operation meant.
package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/notify"
)

// Report is what apply reads of a JSON report (DESIGN §5, format "1").
type Report struct {
	FormatVersion string `json:"format_version"`
	Target        struct {
		ConversationID string     `json:"conversation_id"`
		ParticipantID  string     `json:"participant_id"`
		OrgID          string     `json:"org_id"`
		Operation      *Operation `json:"operation"`
	} `json:"target"`
	EvidenceReadAt string `json:"evidence_read_at"`
	Plan           *Plan  `json:"plan"`
	// Timeline is each participant's state as the evidence showed it.
	Timeline []TimelineEntry `json:"timeline"`
}

// TimelineEntry is what apply reads of a participant's timeline entry.
type TimelineEntry struct {
	ParticipantID string `json:"participant_id"`
	// StateNow is the participant's phase as the GET showed it
	// ("ended", "connected", ...).
	StateNow string `json:"state_now"`
}

// endedAtCheck says whether the report's evidence showed participant pid
// ended; known is false when the report's timeline does not show it.
func (r *Report) endedAtCheck(pid string) (ended, known bool) {
	for _, e := range r.Timeline {
		if e.ParticipantID == pid && e.StateNow != "" {
			return e.StateNow == "ended", true
		}
	}
	return false, false
}

// Operation is target.operation.
type Operation struct {
	ID     string `json:"id"`
	Source string `json:"source"`
}

// Plan is the report's top-level plan.
type Plan struct {
	When      string     `json:"when"`
	Steps     []Step     `json:"steps"`
	Variables []Variable `json:"variables"`
}

// Variable is a shell variable the plan's requests still hold.
type Variable struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
}

// Step kinds.
const (
	KindWait    = "wait"
	KindGrant   = "grant"
	KindRequest = "request"
)

// Step is one step of a plan.
type Step struct {
	Kind            string   `json:"kind"`
	ParticipantID   string   `json:"participant_id"`
	CommunicationID string   `json:"communication_id"`
	Until           string   `json:"until"`
	TimeoutS        float64  `json:"timeout_s"`
	Summary         string   `json:"summary"`
	Request         *Request `json:"request"`
	Note            string   `json:"note"`
}

// Request is a step's request.
type Request struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
}

// Refusal is a plan apply will not carry out; nothing was sent.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// Parse decodes a JSON report.
func Parse(b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a convdiag JSON report: %w", err)
	}
	if r.FormatVersion != "1" {
		return nil, fmt.Errorf("not a convdiag JSON report of format_version \"1\" (got %q)", r.FormatVersion)
	}
	return &r, nil
}

// Prepared is a plan checked and ready: each step with its request
// resolved (variables filled in).
type Prepared struct {
	Report *Report
	// ReadAt is when the evidence was read.
	ReadAt time.Time
	Steps  []Prepared1
}

// Prepared1 is one checked step.
type Prepared1 struct {
	Step
	// Method, Path (with its query) and Body are what will be sent
	// (request and grant steps).
	Method, Path string
	Body         []byte
	// Endpoint is the documented operation of a request step.
	Endpoint *genesys.Endpoint
	// Grant is set for a grant step.
	Grant *Grant
	// Timeout is a wait step's limit.
	Timeout time.Duration
}

// Grant is what a grant step gives (reference participant-operations.md
// §5): a role in a division to a subject.
type Grant struct {
	SubjectID, DivisionID, RoleID, SubjectType string
}

// GrantPath is the grant call's template.
const GrantPath = "/api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}"

var grantPath = regexp.MustCompile(`^/api/v2/authorization/subjects/([^/]+)/divisions/([^/]+)/roles/([^/]+)$`)

// MaxWait bounds a wait step.
const MaxWait = time.Hour

// WaitTime is how long the plan's waits may take together (their
// timeout_s).
func (p *Prepared) WaitTime() time.Duration {
	var d time.Duration
	for _, s := range p.Steps {
		if s.Kind == KindWait {
			d += s.Timeout
		}
	}
	return d
}

// Prepare checks a report's plan without sending anything. now and maxAge
// judge the evidence's age; getenv fills in the plan's shell variables.
func Prepare(r *Report, now time.Time, maxAge time.Duration, getenv func(string) string) (*Prepared, error) {
	if err := checkProvenance(r); err != nil {
		return nil, err
	}
	readAt, err := checkAge(r.EvidenceReadAt, now, maxAge)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Report: r, ReadAt: readAt}
	vars := variables{plan: r.Plan.Variables, getenv: getenv}
	for i, s := range r.Plan.Steps {
		ps, err := prepareStep(r, s, vars)
		if err != nil {
			return nil, refuse("step %d (%s): %v", i+1, s.Kind, err)
		}
		p.Steps = append(p.Steps, ps)
	}
	if err := checkOperations(genesys.Op(r.Target.Operation.ID), p.Steps); err != nil {
		return nil, err
	}
	return p, nil
}

// checkProvenance: a plan for now, from a named org.
func checkProvenance(r *Report) error {
	switch {
	case r.Plan == nil || len(r.Plan.Steps) == 0:
		return refuse("the report has no plan: nothing to carry out")
	case r.Plan.When == "next-time":
		return refuse("the plan is marked next-time: this conversation is over, and the request is for the code's next run, not for this org now")
	case r.Plan.When != "now":
		return refuse("the plan's when is %q: only a plan for now is carried out", r.Plan.When)
	case strings.TrimSpace(r.Target.OrgID) == "":
		return refuse("the report does not say which org its evidence came from (target.org_id is null): it is not applied to any")
	case strings.TrimSpace(r.Target.ConversationID) == "":
		return refuse("the report names no conversation (target.conversation_id)")
	case r.Target.Operation == nil || r.Target.Operation.ID == "":
		return refuse("the report names no operation (target.operation is null): apply cannot tell that the plan's request does what was meant")
	case !slices.Contains(genesys.Ops, genesys.Op(r.Target.Operation.ID)):
		return refuse("target.operation %q is not an operation convdiag knows", r.Target.Operation.ID)
	}
	return nil
}

// planOps are the operations the requests of a plan for op may perform,
// as the engine builds plans: last, the plan's final request; before,
// requests sent first. Besides op itself only the documented cases: a
// drop of a party in a consult under way first finishes the consult
// (speakTo CONFERENCE, or cancelling it), and a drop of the consulted
// party is the cancel that ends its leg (participant.consult-in-progress);
// a hold of a party in a consult is steered with the consult's speakTo
// (hold.consult-leg, DESIGN §4).
func planOps(op genesys.Op) (last, before []genesys.Op) {
	switch op {
	case genesys.OpDisconnect:
		return []genesys.Op{op, genesys.OpConsultCancel}, []genesys.Op{genesys.OpConsultSpeakTo, genesys.OpConsultCancel}
	case genesys.OpHold:
		return []genesys.Op{op, genesys.OpConsultSpeakTo}, nil
	}
	return []genesys.Op{op}, nil
}

// checkOperations refuses a plan whose request steps do not perform the
// report's operation (DESIGN §3b: a fix never turns a hold into a
// hang-up). What a request does is read from the endpoint table, as the
// checks read it: the endpoint's own operation, or what its body's fields
// do; a field that comes with the operation (a wrap-up with a drop) may
// come along. A grant step is its own kind, and a wait sends nothing.
func checkOperations(op genesys.Op, steps []Prepared1) error {
	last := -1
	for i, s := range steps {
		if s.Kind == KindRequest {
			last = i
		}
	}
	if last < 0 {
		return refuse("the plan has no request step: there is nothing that would %s", op)
	}
	lastOps, beforeOps := planOps(op)
	for i, s := range steps {
		if s.Kind != KindRequest {
			continue
		}
		allowed := beforeOps
		if i == last {
			allowed = lastOps
		}
		if err := performs(op, allowed, s); err != nil {
			return refuse("step %d (request): %v", i+1, err)
		}
	}
	return nil
}

// performs says why a request step does not do one of the allowed
// operations (nil when it does).
func performs(op genesys.Op, allowed []genesys.Op, s Prepared1) error {
	what := s.Method + " " + strings.SplitN(s.Path, "?", 2)[0]
	if s.Endpoint.Summary != "" {
		what += " (" + s.Endpoint.Summary + ")"
	}
	acts := s.Endpoint.Actions(s.Body)
	if len(acts) == 0 {
		return fmt.Errorf("%s performs none of the operations, not %s, the report's operation (target.operation)", what, op)
	}
	does := false
	for _, a := range acts {
		switch {
		case a.Unsupported:
			return fmt.Errorf("%s cannot do what its field %q asks (%s): it is not the request that would %s", what, a.Field, a.Op, op)
		case a.Invalid:
			return fmt.Errorf("%s: %s is not a value the field %q takes", what, a.Value, a.Field)
		case slices.Contains(allowed, a.Op):
			does = true
		case genesys.Companion(op, a.Op):
		default:
			return fmt.Errorf("%s performs %s, not %s, the report's operation (target.operation): a plan never turns one operation into another", what, a.Op, op)
		}
	}
	if !does {
		return fmt.Errorf("%s does not perform %s, the report's operation (target.operation)", what, op)
	}
	return nil
}

// clockSkew is how far in the future a report's reading time may be.
const clockSkew = 2 * time.Minute

// checkAge: the evidence was read, and not longer ago than maxAge.
func checkAge(readAt string, now time.Time, maxAge time.Duration) (time.Time, error) {
	if strings.TrimSpace(readAt) == "" {
		return time.Time{}, refuse("the report does not say when its evidence was read (evidence_read_at is null): the state it judged may be long gone")
	}
	t, err := time.Parse(time.RFC3339Nano, readAt)
	if err != nil {
		return time.Time{}, refuse("evidence_read_at %q is not an RFC 3339 time", readAt)
	}
	age := now.Sub(t)
	switch {
	case age < -clockSkew:
		return time.Time{}, refuse("evidence_read_at %s is %s in the future: check this machine's clock", readAt, (-age).Round(time.Second))
	case age > maxAge:
		return time.Time{}, refuse("the evidence was read %s ago (%s), longer than --max-age %s: run convdiag check again for a fresh report", age.Round(time.Second), readAt, maxAge)
	}
	return t, nil
}

func prepareStep(r *Report, s Step, vars variables) (Prepared1, error) {
	ps := Prepared1{Step: s}
	switch s.Kind {
	case KindWait:
		return prepareWait(ps, vars)
	case KindGrant, KindRequest:
	default:
		return ps, fmt.Errorf("unknown step kind %q (want wait, grant or request)", s.Kind)
	}
	if s.Request == nil {
		return ps, errors.New("no request")
	}
	var err error
	if ps.Method, ps.Path, ps.Body, err = resolveRequest(*s.Request, vars); err != nil {
		return ps, err
	}
	path, query, _ := strings.Cut(ps.Path, "?")
	if s.Kind == KindGrant {
		ps.Grant, err = parseGrant(ps.Method, path, query, ps.Body)
		return ps, err
	}
	m := genesys.MatchRequest(ps.Method, path)
	if m.Endpoint == nil || !m.Endpoint.Exists {
		return ps, fmt.Errorf("%s %s is not a documented operation", ps.Method, path)
	}
	ps.Endpoint = m.Endpoint
	if conv := m.Params["conversationId"]; conv != "" && conv != r.Target.ConversationID {
		return ps, fmt.Errorf("%s %s is about conversation %s, not the report's %s", ps.Method, path, conv, r.Target.ConversationID)
	}
	return ps, nil
}

func prepareWait(ps Prepared1, vars variables) (Prepared1, error) {
	for _, f := range []*string{&ps.ParticipantID, &ps.CommunicationID} {
		v, err := vars.fill(*f)
		if err != nil {
			return ps, err
		}
		if err := leftovers(v); err != nil {
			return ps, err
		}
		*f = v
	}
	if ps.ParticipantID == "" {
		return ps, errors.New("a wait names no participant_id")
	}
	until, err := notify.ParseUntil(ps.Until)
	if err != nil {
		return ps, err
	}
	ps.Until = until
	ps.Timeout = time.Duration(ps.TimeoutS * float64(time.Second))
	if ps.Timeout <= 0 || ps.Timeout > MaxWait {
		return ps, fmt.Errorf("timeout_s %v: want more than 0 and at most %s", ps.TimeoutS, MaxWait)
	}
	return ps, nil
}

// resolveRequest fills in the variables of a request and refuses what is
// left that is not a value: {braces}, redaction labels.
func resolveRequest(rq Request, vars variables) (method, path string, body []byte, err error) {
	method = strings.ToUpper(strings.TrimSpace(rq.Method))
	if method == "" {
		return "", "", nil, errors.New("the request has no method")
	}
	path = rq.Path
	if path == "" {
		u, perr := url.Parse(rq.URL)
		if perr != nil || u.Path == "" {
			return "", "", nil, fmt.Errorf("the request has no path, and its url %q has none", rq.URL)
		}
		path = u.RequestURI()
	}
	if !strings.HasPrefix(path, "/api/v2/") {
		return "", "", nil, fmt.Errorf("path %q is not under /api/v2/", path)
	}
	if path, err = vars.fill(path); err != nil {
		return "", "", nil, err
	}
	if err := leftovers(path); err != nil {
		return "", "", nil, fmt.Errorf("path %s: %w", path, err)
	}
	if body, err = resolveBody(rq.Body, vars); err != nil {
		return "", "", nil, err
	}
	return method, path, body, nil
}

// resolveBody fills in the body's string values ({} is structure, not a
// placeholder: only strings are looked at).
func resolveBody(raw json.RawMessage, vars variables) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	if s, ok := v.(string); ok {
		// A body given as its text (the report's request.body is "as
		// sent").
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("the body text is not JSON: %w", err)
		}
	}
	var walkErr error
	v = walkStrings(v, func(s string) string {
		out, err := vars.fill(s)
		if err == nil {
			err = leftovers(out)
		}
		if err != nil && walkErr == nil {
			walkErr = fmt.Errorf("body value %q: %w", s, err)
		}
		return out
	})
	if walkErr != nil {
		return nil, walkErr
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the body: %w", err)
	}
	return b, nil
}

// walkStrings maps every string (keys and values) of a decoded JSON
// value.
func walkStrings(v any, f func(string) string) any {
	switch t := v.(type) {
	case string:
		return f(t)
	case []any:
		for i := range t {
			t[i] = walkStrings(t[i], f)
		}
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[f(k)] = walkStrings(x, f)
		}
		return out
	}
	return v
}

var (
	placeholder    = regexp.MustCompile(`\{[^{}]*\}`)
	redactionLabel = regexp.MustCompile(`<(redacted|[a-z]+-[0-9]+)>`)
	shellVar       = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
)

// leftovers refuses a value that is still a template or was redacted.
func leftovers(s string) error {
	if m := placeholder.FindString(s); m != "" {
		return fmt.Errorf("holds the placeholder %s: the real value is not in the report", m)
	}
	if m := redactionLabel.FindString(s); m != "" {
		return fmt.Errorf("holds the redaction label %s: the report was redacted, and the real value is not in it", m)
	}
	if strings.ContainsAny(s, "$`") {
		return fmt.Errorf("holds shell syntax (%q) that is not a variable", s)
	}
	return nil
}

// variables fills in $NAME and ${NAME} from the environment.
type variables struct {
	plan   []Variable
	getenv func(string) string
}

func (v variables) fill(s string) (string, error) {
	var missing []string
	out := shellVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := shellVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		val := ""
		if v.getenv != nil {
			val = v.getenv(name)
		}
		if val == "" {
			missing = append(missing, name)
			return m
		}
		return val
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		name := missing[0]
		meaning := ""
		for _, pv := range v.plan {
			if pv.Name == name && pv.Meaning != "" {
				meaning = " (" + pv.Meaning + ")"
			}
		}
		return "", fmt.Errorf("uses the shell variable $%s%s, which is not set: set it and run apply again", name, meaning)
	}
	return out, nil
}

// parseGrant checks a grant step against the one grant call apply makes.
func parseGrant(method, path, query string, body []byte) (*Grant, error) {
	m := grantPath.FindStringSubmatch(path)
	if method != "POST" || m == nil {
		return nil, fmt.Errorf("%s %s is not the grant call POST %s", method, path, GrantPath)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("the grant's query %q does not parse", query)
	}
	g := &Grant{SubjectID: m[1], DivisionID: m[2], RoleID: m[3], SubjectType: q.Get("subjectType")}
	if g.SubjectType == "" {
		g.SubjectType = "PC_USER"
	}
	if g.SubjectType != "PC_USER" && g.SubjectType != "PC_OAUTH_CLIENT" {
		return nil, fmt.Errorf("subjectType %q: want PC_USER or PC_OAUTH_CLIENT", g.SubjectType)
	}
	if len(body) > 0 {
		return nil, errors.New("the grant call takes no body")
	}
	return g, nil
}
