package diagnose

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/suggest"
)

// OpID names what a request was meant to do (DESIGN §3b): the ids of
// --operation and of the JSON report's target.operation. Stable: scripts
// depend on them. They are the operations of the endpoint table
// (genesys.Op).
type OpID = genesys.Op

// The operations (DESIGN §3b).
const (
	OpDisconnect     = genesys.OpDisconnect
	OpAnswer         = genesys.OpAnswer
	OpHold           = genesys.OpHold
	OpUnhold         = genesys.OpUnhold
	OpMute           = genesys.OpMute
	OpUnmute         = genesys.OpUnmute
	OpRecording      = genesys.OpRecording
	OpRecordingState = genesys.OpRecordingState
	OpConfine        = genesys.OpConfine
	OpWrapup         = genesys.OpWrapup
	OpTransfer       = genesys.OpTransfer
	OpConsult        = genesys.OpConsult
	OpConsultSpeakTo = genesys.OpConsultSpeakTo
	OpConsultCancel  = genesys.OpConsultCancel
	OpConferenceAdd  = genesys.OpConferenceAdd
	OpAttributes     = genesys.OpAttributes
	OpCallback       = genesys.OpCallback
	OpTeardown       = genesys.OpTeardown
)

// OpIDs lists every operation id, in DESIGN §3b order.
var OpIDs = genesys.Ops

// ParseOpID validates an --operation value, with a did-you-mean.
func ParseOpID(s string) (OpID, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	names := make([]string, len(OpIDs))
	for i, id := range OpIDs {
		if string(id) == s {
			return id, nil
		}
		names[i] = string(id)
	}
	if best := suggest.Closest(s, names); best != "" {
		return "", fmt.Errorf("unknown operation %q; did you mean %q? (operations: %s)", s, best, strings.Join(names, ", "))
	}
	return "", fmt.Errorf("unknown operation %q (operations: %s)", s, strings.Join(names, ", "))
}

// OpSource says how the operation of a diagnosis is known.
type OpSource string

// Operation sources (JSON target.operation.source).
const (
	OpFromFlag     OpSource = "flag"
	OpFromInferred OpSource = "inferred"
)

// Need is the state an operation needs its target in (a precondition as
// data, judged by the shared participant-state check).
type Need string

// Needs.
const (
	// NeedConnected: a connected communication (hold, mute, transfer).
	NeedConnected Need = "connected"
	// NeedAlerting: an alerting communication (answer).
	NeedAlerting Need = "alerting"
	// NeedLive: a communication that has not ended, connected or not
	// (a drop: ending a leg that is still being set up conflicts, which
	// the drop's own check judges).
	NeedLive Need = "live"
	// NeedParticipant: the participant exists; its state does not matter
	// (wrap-up after the call, attributes).
	NeedParticipant Need = "participant"
	// NeedConversation: the conversation is up; no participant is acted
	// on (recording state).
	NeedConversation Need = "conversation"
)

// Words are how reports speak of an operation.
type Words struct {
	// Verb, Gerund and Done: "hold", "holding", "held".
	Verb, Gerund, Done string
	// Object is what it acts on: "the participant", "the conversation".
	Object string
}

// Operation is what a request is for, as a value in the style of a
// go/analysis Analyzer: its endpoints, what it needs of its target, its own
// checks (run after the shared chain), the documents it reads, and how its
// fix is built. The checks of every diagnosis judge the request against the
// operation meant; a fix never changes it.
type Operation struct {
	ID OpID
	// Title is a verb phrase: "put one participant on hold".
	Title string
	Words Words
	// Doc says what the operation does and where it is sent.
	Doc string
	// Endpoints are the genesys endpoint ids that perform it, in the order
	// a fix prefers them (the first a token may use is sent).
	Endpoints []string
	// Needs is the state the operation needs its target in.
	Needs Need
	// AfterEnd is set for an operation meant for after the conversation
	// (or the participant's part) ended: wrap-up.
	AfterEnd bool
	// UserOnly is set when every endpoint of the operation needs a user
	// token (not.a.user, or a documented need such as answering).
	UserOnly bool
	// Permission is the permission that performs it, named first when a
	// fix asks for one (the endpoint's ANY-of list may hold others).
	Permission string
	// Reads names the documents it reads besides the shared ones.
	Reads []string
	// Checks are its own checks (preconditions), run after the shared
	// chain, whose results they may require.
	Checks []*Check
	// Codes maps the documented error codes that point to a cause for
	// this operation (beyond the shared table) to the cause.
	Codes map[string]*CauseInfo
	// Build builds the request that performs the operation for the target
	// the chain established; nil when none can be built (the operation is
	// unknown). It returns notes about the request.
	Build func(*FixContext) (*FixRequest, []string)
}

// Known reports whether the operation is one of DESIGN §3b (not the
// unknown operation of a request nobody gave).
func (o *Operation) Known() bool { return o != nil && o.ID != "" }

// Member is one top-level field of a JSON object body, in order.
type Member struct {
	Key   string
	Value json.RawMessage
}

// FixContext is what an operation's Build reads: the target the chain
// established and what the request sent.
type FixContext struct {
	Evidence *Evidence
	// Conv is the conversation (nil without a GET).
	Conv *Conv
	// ConversationID, ParticipantID and CommunicationID are the ids the
	// fix names ("" when unknown: Build uses a shell variable).
	ConversationID, ParticipantID, CommunicationID string
	// Segment is the media segment the fix may use ("" for the generic
	// path).
	Segment string
	// BaseURL is the API base ("" when unknown).
	BaseURL string
	// Sent is the endpoint the request was sent to (nil when unknown).
	Sent *genesys.Endpoint
	// Members are the body sent's top-level members, in order (nil for no
	// JSON object body).
	Members []Member
	// ClientCredentials is set for a client-credentials token.
	ClientCredentials bool
	// Found reports whether a cause was found (likely or confirmed).
	Found func(*CauseInfo) bool
}

// StepKind is the kind of one step of a plan.
type StepKind string

// Step kinds (JSON plan.steps[].kind).
const (
	StepWait    StepKind = "wait"
	StepGrant   StepKind = "grant"
	StepRequest StepKind = "request"
)

// Step is one step of a fix plan: wait for a communication's state, grant a
// role (the real API call that does it), or send the operation's request.
type Step struct {
	Kind StepKind `json:"kind"`
	// Summary says the step in words.
	Summary string `json:"summary,omitempty"`
	// ParticipantID, CommunicationID and Until are what a wait step waits
	// for: the communication's state ("connected"), or "gone".
	ParticipantID   string `json:"participant_id,omitempty"`
	CommunicationID string `json:"communication_id,omitempty"`
	Until           string `json:"until,omitempty"`
	// TimeoutS is how long a wait may take, in seconds.
	TimeoutS int `json:"timeout_s,omitempty"`
	// Request is the request of a grant or request step.
	Request *FixRequest `json:"request,omitempty"`
	Note    string      `json:"note,omitempty"`
}

// PlanWhen says when a plan is for.
type PlanWhen string

// Plan times.
const (
	// PlanNow: the steps would work on this conversation now.
	PlanNow PlanWhen = "now"
	// PlanNextTime: this conversation is over; the steps are what the
	// code should do on its next run.
	PlanNextTime PlanWhen = "next-time"
)

// Plan is the steps that would have worked, in order.
type Plan struct {
	When  PlanWhen `json:"when"`
	Steps []Step   `json:"steps"`
	// Variables are the shell variables its requests still hold.
	Variables []Var `json:"variables"`
}

// Request is the plan's request step (the operation itself), nil when it
// has none.
func (p *Plan) Request() *FixRequest {
	if p == nil {
		return nil
	}
	for i := len(p.Steps) - 1; i >= 0; i-- {
		if p.Steps[i].Kind == StepRequest {
			return p.Steps[i].Request
		}
	}
	return nil
}

// NewPlan builds a plan from steps, collecting the variables of their
// requests (each once).
func NewPlan(when PlanWhen, steps []Step) *Plan {
	p := &Plan{When: when, Steps: steps, Variables: []Var{}}
	seen := map[string]bool{}
	for _, s := range steps {
		if s.Request == nil {
			continue
		}
		for _, v := range s.Request.Vars {
			if !seen[v.Name] {
				seen[v.Name] = true
				p.Variables = append(p.Variables, v)
			}
		}
	}
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	return p
}
