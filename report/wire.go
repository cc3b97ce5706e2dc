// Package report renders a diagnose.Report as text for a terminal, Markdown
// for a ticket, or JSON (format_version "1"). All three render one wire
// model, built and redacted once, so they always agree on what they show.
package report

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/convdiag/convdiag/diagnose"
)

// FormatVersion is the version of the JSON report schema.
const FormatVersion = "1"

// Model is the report as every format shows it; its JSON encoding is the
// public schema (DESIGN §5). snake_case keys; lists are never null.
type Model struct {
	// Shell is the shell the request was pasted from (diagnose.Shell*):
	// views print fixes for it. Not part of the JSON report.
	Shell         string        `json:"-"`
	FormatVersion string        `json:"format_version"`
	Tool          Tool          `json:"tool"`
	GeneratedAt   string        `json:"generated_at"`
	Mode          string        `json:"mode"`
	Target        Target        `json:"target"`
	Conversation  *Conversation `json:"conversation,omitempty"`
	Checks        []Check       `json:"checks"`
	Causes        []Cause       `json:"causes"`
	RuledOut      []RuledOut    `json:"ruled_out"`
	// Corrected is the one request that would have worked (causes were
	// found and a request can work), or null: scripts read it. When
	// RequestOK it is the request as sent. It is the plan's request.
	Corrected *Request `json:"corrected_request"`
	// Plan is the steps that would have worked, in order (waits, grants,
	// the request), or null (DESIGN §5).
	Plan *Plan `json:"plan"`
	// Answer is what the report answers with: corrected-request,
	// request-ok, nothing-to-send or none.
	Answer string `json:"answer"`
	// RequestOK is set when the request as sent is already the right one
	// (the causes are about the conversation, the token or the timing).
	RequestOK bool `json:"request_ok,omitempty"`
	// NothingToSend says why no request can do what was meant (the
	// conversation ended, a system leg); then Corrected is null.
	NothingToSend string `json:"nothing_to_send,omitempty"`
	// FailureTime is when the request failed (null when unknown);
	// Timeline one entry per participant around it.
	FailureTime *FailureTime    `json:"failure_time"`
	Timeline    []TimelineEntry `json:"timeline"`
	// TimelineOmitted counts participants left out of Timeline.
	TimelineOmitted int      `json:"timeline_omitted,omitempty"`
	Verdict         Verdict  `json:"verdict"`
	Notes           []string `json:"notes"`
	// Permissions is what the token's grants show for the request: the
	// permissions needed, where the token holds them, the conversation's
	// divisions (absent when the grants were not read).
	Permissions *diagnose.Permissions `json:"permissions,omitempty"`
	// RequestsSent lists every request a live check sent (the proof it
	// stayed read-only); empty offline.
	RequestsSent []string `json:"requests_sent"`
	// Reproduce is the command line that reruns this diagnosis (bundles).
	Reproduce string `json:"reproduce,omitempty"`
	// EvidenceReadAt is when the evidence was read (null when unknown).
	EvidenceReadAt *string `json:"evidence_read_at"`

	// Words are how the report speaks of the operation (not serialised).
	Words diagnose.Words `json:"-"`

	failure time.Time
}

// OperationRef names the operation a request was for (DESIGN §3b).
type OperationRef struct {
	ID     string `json:"id"`
	Source string `json:"source"`
}

// Plan is a fix plan: the steps that would have worked, in order.
type Plan struct {
	When      string     `json:"when"`
	Steps     []PlanStep `json:"steps"`
	Variables []Variable `json:"variables"`
}

// PlanStep is one step of a plan: wait, grant or request.
type PlanStep struct {
	Kind            string   `json:"kind"`
	Summary         string   `json:"summary,omitempty"`
	ParticipantID   string   `json:"participant_id,omitempty"`
	CommunicationID string   `json:"communication_id,omitempty"`
	Until           string   `json:"until,omitempty"`
	TimeoutS        int      `json:"timeout_s,omitempty"`
	Request         *Request `json:"request,omitempty"`
	Note            string   `json:"note,omitempty"`
}

// Variable is a shell variable a plan's requests hold.
type Variable struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
}

// Tool names the program.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is what was diagnosed.
type Target struct {
	ConversationID string `json:"conversation_id"`
	ParticipantID  string `json:"participant_id"`
	// Operation is what the request was for; null when it cannot be told.
	Operation *OperationRef `json:"operation"`
	// OrgID is the org the evidence came from; null when unknown.
	OrgID    *string       `json:"org_id"`
	Request  SentRequest   `json:"request"`
	Response *SentResponse `json:"response"`
	Host     string        `json:"host,omitempty"`
	Region   string        `json:"region,omitempty"`
}

// SentRequest is the request as sent.
type SentRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Body is the body as sent (redacted, truncated past 4 KiB); null when
	// no body was sent.
	Body          *string `json:"body"`
	BodyBytes     int     `json:"body_bytes"`
	BodyTruncated bool    `json:"body_truncated,omitempty"`
	Origin        string  `json:"origin,omitempty"`
	// BodyUnknown: a body was sent but convdiag could not read it (a
	// curl's -d @file that was not attached).
	BodyUnknown bool `json:"body_unknown,omitempty"`
	// Headers are the request headers when known (curl, HAR); secrets are
	// never kept by the parsers.
	Headers []Header `json:"headers,omitempty"`
}

// Header is one HTTP header.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SentResponse is the response received.
type SentResponse struct {
	Status            int               `json:"status"`
	Code              string            `json:"code"`
	Message           string            `json:"message"`
	MessageWithParams string            `json:"message_with_params,omitempty"`
	MessageParams     map[string]string `json:"message_params,omitempty"`
	ContextID         string            `json:"context_id,omitempty"`
	CorrelationID     string            `json:"correlation_id"`
	// Raw is a body that is not a Genesys error body (an HTML page from a
	// proxy, say), truncated.
	Raw string `json:"raw,omitempty"`
}

// Conversation is the participants table.
type Conversation struct {
	ID           string        `json:"id"`
	Media        string        `json:"media,omitempty"`
	Source       string        `json:"source"`
	Total        int           `json:"participant_count"`
	Omitted      int           `json:"omitted"`
	Participants []Participant `json:"participants"`
}

// Participant is one row of the participants table.
type Participant struct {
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	UserID  string `json:"user_id,omitempty"`
	State   string `json:"state"`
	// AtFailure is the state when the request failed, where it differs
	// from State (now).
	AtFailure string `json:"at_failure,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
	Role      string `json:"role,omitempty"`
}

// Evidence is one piece of evidence read.
type Evidence struct {
	Source string `json:"source"`
	Path   string `json:"path"`
	Value  string `json:"value"`
}

// Check is one check's result.
type Check struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	Summary  string     `json:"summary"`
	Evidence []Evidence `json:"evidence"`
	Details  []string   `json:"details"`
}

// Cause is one ranked cause.
type Cause struct {
	ID          string `json:"id"`
	Rank        int    `json:"rank"`
	Likelihood  string `json:"likelihood"`
	Title       string `json:"title"`
	Explanation string `json:"explanation"`
	// Why is the explanation's first sentence: the one line a first
	// screen shows.
	Why      string     `json:"why"`
	Evidence []Evidence `json:"evidence"`
	Fix      *Fix       `json:"fix"`
	Check    string     `json:"check"`
	Symptoms []string   `json:"symptoms"`
}

// Fix is what to do about a cause.
type Fix struct {
	Summary string `json:"summary"`
	// SameAsCorrected says the fix's request is the corrected request
	// (printed once, not under every cause).
	SameAsCorrected bool       `json:"same_as_corrected,omitempty"`
	Before          []*Request `json:"before,omitempty"`
	Request         *Request   `json:"request"`
	Curl            string     `json:"curl"`
	Notes           []string   `json:"notes"`
	// Plan is this cause's fix as steps (null when it is no step).
	Plan *Plan `json:"plan"`
	// Shown are the notes a view prints under the fix: Notes without
	// those the corrected request already carries.
	Shown []string `json:"-"`
}

// Request is a request that would work.
type Request struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
	Curl   string          `json:"curl,omitempty"`
	// Vars are the shell variables the request uses for values convdiag
	// does not know, with what to set each to.
	Vars []diagnose.Var `json:"vars,omitempty"`
	// Before lists requests to send first (the corrected request only).
	Before []*Request `json:"before,omitempty"`
	// Notes are caveats of the corrected request.
	Notes []string `json:"notes,omitempty"`
}

// RuledOut is a cause checked and excluded.
type RuledOut struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Verdict sums the report up.
type Verdict struct {
	Status   diagnose.VerdictStatus `json:"status"`
	ExitCode int                    `json:"exit_code"`
	Summary  string                 `json:"summary"`
	// Counts repeat the causes by likelihood so consumers need not count.
	Confirmed int `json:"confirmed"`
	Likely    int `json:"likely"`
	Possible  int `json:"possible"`
}

// maxBodyShown is how much of the sent body a report shows.
const maxBodyShown = 4 << 10

// Build turns a report into the wire model (not yet redacted).
func Build(rep *diagnose.Report, version string) *Model {
	ev := rep.Evidence
	m := &Model{
		FormatVersion: FormatVersion,
		Tool:          Tool{Name: "convdiag", Version: version},
		GeneratedAt:   rep.GeneratedAt.UTC().Format(time.RFC3339),
		Mode:          string(rep.Mode),
		Checks:        []Check{},
		Causes:        []Cause{},
		RuledOut:      []RuledOut{},
		Notes:         []string{},
		RequestsSent:  []string{},
	}
	cl := rep.Conclusion
	m.Shell = ev.Request.Shell
	m.Target = Target{ConversationID: cl.ConversationID, ParticipantID: cl.ParticipantID,
		Request: SentRequest{Method: ev.Request.Method, URL: ev.Request.URL, Origin: ev.Request.Origin, BodyBytes: len(ev.Request.Body), BodyUnknown: ev.Request.BodyUnknown}}
	for _, h := range ev.Request.Headers {
		m.Target.Request.Headers = append(m.Target.Request.Headers, Header{Name: h.Name, Value: h.Value})
	}
	if ev.Request.HasBody {
		b := ev.Request.Body
		if len(b) > maxBodyShown {
			b = b[:maxBodyShown]
			m.Target.Request.BodyTruncated = true
		}
		s := strings.ToValidUTF8(string(b), "\ufffd")
		if !utf8.Valid(b) || strings.ContainsRune(s, 0) {
			s = strings.ReplaceAll(s, "\x00", "\ufffd")
		}
		m.Target.Request.Body = &s
	}
	if r := ev.Response; r != nil {
		sr := &SentResponse{Status: r.Status, CorrelationID: r.CorrelationID}
		if eb := r.ErrorBody(); eb != nil {
			sr.Code, sr.Message, sr.MessageWithParams, sr.MessageParams, sr.ContextID = eb.Code, eb.Message, eb.MessageWithParams, eb.MessageParams, eb.ContextID
		} else if len(r.Body) > 0 {
			raw := strings.ToValidUTF8(string(r.Body), "\ufffd")
			if len(raw) > 500 {
				raw = raw[:500] + "..."
			}
			sr.Raw = raw
		}
		m.Target.Response = sr
	}
	if rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL); err == nil {
		m.Target.Host = rl.Host
	}
	m.Target.Region = ev.Region
	if t := cl.Participants; t != nil {
		c := &Conversation{ID: "", Media: t.Media, Source: t.Source, Total: t.Total, Omitted: t.Omitted, Participants: []Participant{}}
		if conv := ev.Conv(); conv != nil {
			c.ID = conv.ID
		}
		for _, r := range t.Rows {
			c.Participants = append(c.Participants, Participant{Index: r.Index, ID: r.ID, Name: r.Name, Purpose: r.Purpose, UserID: r.UserID, State: r.State, AtFailure: r.AtFailure, EndTime: r.EndTime, Role: r.Role})
		}
		m.Conversation = c
	}
	for _, c := range rep.Checks {
		m.Checks = append(m.Checks, Check{ID: c.ID, Title: c.Title, Status: string(c.Status), Summary: c.Summary, Evidence: refs(c.Evidence), Details: nonNil(c.Details)})
	}
	for i, c := range rep.Causes {
		wc := Cause{ID: c.ID, Rank: c.Rank, Likelihood: c.Likelihood.String(), Title: c.Title, Explanation: c.Explanation,
			Why: FirstSentence(c.Explanation), Evidence: refs(c.Evidence), Check: c.Check, Symptoms: nonNil(c.Symptoms)}
		if f := c.Fix; f != nil {
			wf := &Fix{Summary: f.Summary, Notes: nonNil(f.Notes)}
			if i < len(cl.Plans) && cl.Plans[i] != nil {
				pl := cl.Plans[i]
				wf.Plan = plan(pl)
				if r := pl.Request(); r != nil {
					wf.Request = request(r)
					wf.Curl = wf.Request.Curl
				}
				for _, st := range pl.Steps {
					if st.Kind == diagnose.StepRequest && st.Request != pl.Request() {
						wf.Before = append(wf.Before, request(st.Request))
					}
				}
			}
			wc.Fix = wf
		}
		switch c.Likelihood {
		case diagnose.Confirmed:
			m.Verdict.Confirmed++
		case diagnose.Likely:
			m.Verdict.Likely++
		default:
			m.Verdict.Possible++
		}
		m.Causes = append(m.Causes, wc)
	}
	for _, r := range rep.RuledOut {
		m.RuledOut = append(m.RuledOut, RuledOut{ID: r.ID, Reason: r.Reason})
	}
	buildTimeline(m, cl)
	m.Permissions = cl.Permissions
	m.RequestOK, m.NothingToSend, m.Answer = cl.RequestOK, cl.NothingToSend, string(cl.Answer)
	if cl.Answer == "" {
		m.Answer = string(diagnose.AnswerNone)
	}
	if op := cl.Operation; op.Known() {
		m.Target.Operation = &OperationRef{ID: string(op.ID), Source: string(cl.OpSource)}
		m.Words = op.Words
	} else {
		m.Words = diagnose.WordsOf("")
	}
	if cl.OrgID != "" {
		id := cl.OrgID
		m.Target.OrgID = &id
	}
	if !cl.EvidenceReadAt.IsZero() {
		t := cl.EvidenceReadAt.UTC().Format(time.RFC3339)
		m.EvidenceReadAt = &t
	}
	if (cl.Answer == diagnose.AnswerCorrected || cl.RequestOK) && cl.Corrected != nil {
		m.Corrected = request(cl.Corrected)
		for _, b := range cl.Before {
			m.Corrected.Before = append(m.Corrected.Before, request(b))
		}
		m.Corrected.Notes = cl.CorrectedNotes
		m.Plan = plan(cl.Plan)
		for i := range m.Causes {
			if f := m.Causes[i].Fix; f != nil && f.Request != nil && !m.RequestOK && sameRequest(f.Request, m.Corrected) {
				f.SameAsCorrected = true
			}
		}
	} else if cl.Answer == diagnose.AnswerCorrected {
		m.Plan = plan(cl.Plan) // steps without a request (a grant, a wait)
	}
	for i := range m.Causes {
		if f := m.Causes[i].Fix; f != nil {
			f.Shown = shownNotes(f, m.Corrected)
		}
	}
	m.Verdict.Status, m.Verdict.ExitCode, m.Verdict.Summary = rep.Verdict.Status, rep.Verdict.ExitCode, rep.Verdict.Summary
	if ev.Replayed != "" {
		when := ""
		if !ev.ObservedAt.IsZero() {
			when = " at " + ev.ObservedAt.UTC().Format(time.RFC3339)
		}
		m.Notes = append(m.Notes, fmt.Sprintf("replayed offline from bundle %s: the evidence was recorded in %s mode%s", ev.Replayed, ev.Mode, when))
	}
	m.Notes = append(m.Notes, ev.Notes...)
	m.RequestsSent = append(m.RequestsSent, ev.Sent...)
	return m
}

// shownNotes are a fix's notes without those the corrected request (shown
// once, above) already carries, when the fix is that request.
func shownNotes(f *Fix, corrected *Request) []string {
	if !f.SameAsCorrected || corrected == nil {
		return f.Notes
	}
	var out []string
	for _, n := range f.Notes {
		if !containsString(varNotes(corrected), n) && !containsString(corrected.Notes, n) {
			out = append(out, n)
		}
	}
	return out
}

// plan is a plan in the wire shape.
func plan(p *diagnose.Plan) *Plan {
	if p == nil {
		return nil
	}
	out := &Plan{When: string(p.When), Steps: []PlanStep{}, Variables: []Variable{}}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, PlanStep{Kind: string(s.Kind), Summary: s.Summary, ParticipantID: s.ParticipantID,
			CommunicationID: s.CommunicationID, Until: s.Until, TimeoutS: s.TimeoutS, Request: request(s.Request), Note: s.Note})
	}
	for _, v := range p.Variables {
		out.Variables = append(out.Variables, Variable{Name: v.Name, Meaning: v.Set})
	}
	return out
}

func request(r *diagnose.FixRequest) *Request {
	if r == nil {
		return nil
	}
	return &Request{Method: r.Method, URL: r.URL(), Path: r.Path, Body: r.Body, Curl: r.Curl(), Vars: r.Vars}
}

func refs(in []diagnose.Ref) []Evidence {
	out := make([]Evidence, 0, len(in))
	for _, r := range in {
		out = append(out, Evidence{Source: r.Source, Path: r.Path, Value: r.Value})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// statusText is "409 Conflict".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

func sameRequest(a, b *Request) bool {
	return a.Method == b.Method && a.URL == b.URL && string(a.Body) == string(b.Body)
}

// FirstSentence is the first sentence of a paragraph: up to the first
// ". " that ends a sentence (not "e.g. ", not inside a quoted value or an
// id), else the whole text.
func FirstSentence(s string) string {
	s = strings.TrimSpace(s)
	depth, quoted := 0, false
	for i := 0; i+1 < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			quoted = !quoted
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case '.', ':', '!', '?':
			if c == ':' || quoted || depth > 0 || s[i+1] != ' ' {
				continue
			}
			prev := s[max(0, i-4):i]
			if strings.HasSuffix(prev, "e.g") || strings.HasSuffix(prev, "i.e") || strings.HasSuffix(prev, "etc") || strings.HasSuffix(prev, "vs") {
				continue
			}
			return s[:i+1]
		}
	}
	return s
}

// Answer is the kind of answer a report gives (Model.Answer).
type Answer string

// Answers (diagnose.Answer).
const (
	AnswerCorrected     = Answer(diagnose.AnswerCorrected)
	AnswerRequestOK     = Answer(diagnose.AnswerRequestOK)
	AnswerNothingToSend = Answer(diagnose.AnswerNothingToSend)
	AnswerNone          = Answer(diagnose.AnswerNone)
)

// FirstSteps are the plan's steps before its request (waits, grants, a
// request to send first), in order.
func (m *Model) FirstSteps() []PlanStep {
	if m.Plan == nil {
		return nil
	}
	steps := m.Plan.Steps
	if m.Corrected != nil && len(steps) > 0 && steps[len(steps)-1].Kind == "request" {
		steps = steps[:len(steps)-1]
	}
	return steps
}

// answerHeading is the heading of the answer: the request that would have
// worked, or (the conversation is over) the one to send next time.
func answerHeading(m *Model) string {
	if m.Plan != nil && m.Plan.When == string(diagnose.PlanNextTime) {
		return "The request to send next time"
	}
	if m.Corrected == nil {
		return "What would have worked"
	}
	return "The request that would have worked"
}

// waitHint is what a wait step adds to its summary: how long it may take
// and how to wait, now; for a plan for next time, that the wait is on the
// next call's party (this one is gone, so nothing can watch it).
func waitHint(m *Model, s PlanStep, code func(string) string) string {
	if m.Plan != nil && m.Plan.When == string(diagnose.PlanNextTime) {
		return fmt.Sprintf(" (on the next call, the agent's own participant there; at most %d s)", s.TimeoutS)
	}
	return fmt.Sprintf(" (at most %d s; %s waits for it)", s.TimeoutS, code("convdiag watch --until "+s.Until))
}

// requestOKText says that the request as sent was right.
func requestOKText(m *Model) string {
	return fmt.Sprintf("The request as sent is already the right request for %s %s: the causes above are about the participant, the conversation or the token, not about the request.", m.Words.Gerund, m.Words.Object)
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
