package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// OperationCheck is the second check: what was the request for, and does it
// do that? The operation comes from --operation, or is inferred from the
// endpoint and the body's fields that act (DESIGN §3b); every later check
// judges the request against it.
var OperationCheck = &diagnose.Check{
	ID:       "operation",
	Title:    "Operation",
	Doc:      "What the request was for (--operation, or inferred from the endpoint and the fields that act), and whether it does that: the whole-conversation teardown used to drop one participant, a documented operation other than the one meant, a participant PATCH whose fields do several things.",
	Requires: []*diagnose.Check{RequestLine},
	Causes:   []*diagnose.CauseInfo{causeEndpointFullTeardown, causeEndpointWrongOperation, causeBodySeveralActions},
	Run:      runOperation,
}

// The causes the operation check reports (stable ids: add, never rename).
var (
	causeEndpointFullTeardown = &diagnose.CauseInfo{ID: "endpoint.full-teardown",
		Title:     "Whole-conversation teardown used to drop one participant",
		Meaning:   "The request went to an endpoint that ends the whole conversation (POST /api/v2/conversations/{id}/disconnect, DELETE /api/v2/conversations/{id}, or PATCH on the whole conversation) while the caller meant to drop one participant. The public reference documents POST .../disconnect as a body-less recovery tool that disconnects every connected medium and gives wrap-up to anyone who owes it; a participant id in its body is not part of its contract.",
		Detection: "operation matches the method and path against the endpoint table; the endpoint tears the conversation down and a participant was targeted (--participant, a participant id in the body, or --operation disconnect).",
		Remedy:    "Drop the one participant with PATCH /api/v2/conversations/{conversationId}/participants/{participantId} (or its media variant) and the body {\"state\":\"disconnected\"}.",
		Confirm:   "Send the PATCH; expect 202, then GET the conversation again: the participant's communications show state \"disconnected\" and the rest of the conversation is still up.",
	}
	causeEndpointWrongOperation = &diagnose.CauseInfo{ID: "endpoint.wrong-operation",
		Title:     "A documented operation other than the one meant",
		Meaning:   "The request is a real operation of the API, but not the one the caller meant (DESIGN §3b): it reads (GET .../wrapup), changes a consult (PATCH .../consult) when a drop was meant, drops a participant when a hold was meant, writes a wrap-up code as a participant attribute, or asks the communication PATCH (which only disconnects) to hold. Whatever it answers, it was never going to do what was meant.",
		Detection: "operation reads what the request does from the endpoint table (generated from the official API definition) and the body's fields that act, and compares it with the operation meant (--operation, or what the request's own fields name).",
		Remedy:    "Send the request of the operation meant (the fix names it): the participant PATCH with only the field that acts (state, held, muted, recording, confined, wrapup), the wrap-up POST, the recordingstate PATCH, ...",
		Confirm:   "The corrected request answers 2xx, and GET the conversation shows what was meant (the participant held, dropped, wrapped up).",
	}
	causeBodySeveralActions = &diagnose.CauseInfo{ID: "body.several-actions",
		Title:     "The PATCH sets fields beyond the operation",
		Meaning:   "Every field of the participant PATCH that is present acts (Genesys staff: \"every property you set on that API resource tries to take an action\"): state drops or answers, held holds, muted mutes, recording records, confined confines, wrapup wraps up. A body that sets several of them (typically the whole participant object read back and sent again) asks for several changes at once, and one that cannot be done fails the whole request (conversation.participant.update.invalid, 500 conversation.participant.update.failed \"Failed to update all properties\", or a 403 on an action not allowed).",
		Detection: "operation lists the body's fields that act, each with the operation it performs, and reads the response's documented code.",
		Remedy:    "Send only the field of the operation meant (one field per PATCH, as Genesys's own softphone SDK does).",
		Confirm:   "The PATCH with the one field answers 202.",
	}
)

// OperationFacts is what the operation check established: what the
// request was meant to do, and what it does.
type OperationFacts struct {
	// Meant is the chain's operation (its ID is "" when unknown); Source
	// says how it is known.
	Meant  *diagnose.Operation
	Source diagnose.OpSource
	// Actions are what the request does, one per field that acts (or the
	// endpoint's own operation); nil when the request is unknown.
	Actions []genesys.Action
	// Performs is set when one of the actions is the operation meant.
	Performs bool
	// Extra are the actions beyond the operation meant (and its
	// companions): a body that does several things.
	Extra []genesys.Action
	// Faulty is set when the check found a likely or confirmed cause.
	Faulty bool
}

// Inference is what a request was meant to do, read from the evidence
// alone: the operation (--operation, else inferred; "" when it cannot be
// told), how it is known, and what the request does.
type Inference struct {
	Op      diagnose.OpID
	Source  diagnose.OpSource
	Actions []genesys.Action
	// Why says how an inferred operation was read.
	Why string
}

// Infer reads what the request was for (DESIGN §3b): --operation when
// given; otherwise the endpoint's own operation, or the one operation the
// body's fields perform (a wrap-up with a drop is part of the drop); a
// request that names one participant on the teardown was meant to drop
// that one; a wrap-up written into the attributes was meant as a wrap-up.
// When the fields act several ways, the documented code of the response
// may say which was meant; otherwise the operation is unknown.
func Infer(ev *diagnose.Evidence) Inference {
	inf := Inference{Op: ev.Operation, Source: diagnose.OpFromFlag}
	if !ev.Request.Known() {
		if inf.Op == "" {
			inf.Source = ""
		}
		return inf
	}
	ep, named := endpointOf(ev)
	inf.Actions = actionsOf(ep, ev.Request.Body)
	if inf.Op != "" {
		return inf
	}
	inf.Source = diagnose.OpFromInferred
	ops := distinctOps(inf.Actions)
	switch {
	case ep != nil && ep.Op == genesys.OpAttributes && attributesHoldWrapup(ev.Request.Body):
		inf.Op, inf.Why = diagnose.OpWrapup, "the attributes hold a wrap-up"
	case len(ops) == 1 && ops[0] == diagnose.OpTeardown && (named || ev.ParticipantID != ""):
		inf.Op, inf.Why = diagnose.OpDisconnect, "a participant is named on the whole-conversation teardown"
	case len(ops) == 1:
		inf.Op = ops[0]
	case len(ops) > 1:
		if op := opOfCode(ev, ops); op != "" {
			inf.Op, inf.Why = op, "the response's code belongs to it"
		}
	case len(ops) == 0:
		if op, field := misspeltAction(ep, ev.Request.Body); op != "" {
			inf.Op, inf.Why = op, fmt.Sprintf("the body's %q is a misspelt %q", field[0], field[1])
		}
	}
	if inf.Op == "" {
		inf.Source = ""
	}
	return inf
}

// misspeltAction is the operation a body that no field acts in was meant
// for, when exactly one of its keys is a misspelling of a field that acts
// ("mute" for muted, "hold" for held): the most common slip on these
// tickets. field is the key sent and the field meant.
func misspeltAction(ep *genesys.Endpoint, body []byte) (diagnose.OpID, [2]string) {
	if ep == nil || ep.Body == nil || !ep.Body.Acting() {
		return "", [2]string{}
	}
	var op diagnose.OpID
	var field [2]string
	for _, m := range genesys.TopMembers(body) {
		if ep.Body.Field(m.Key) != nil {
			continue
		}
		fm := closestField(m.Key, ep.Body)
		if fm == nil || len(fm.Field.Acts) == 0 {
			continue
		}
		a, ok := fm.Field.Does(m.Value)
		if !ok || a.Invalid {
			continue
		}
		if op != "" && op != a.Op {
			return "", [2]string{} // several: what was meant is not known
		}
		op, field = a.Op, [2]string{m.Key, fm.Field.Name}
	}
	return op, field
}

// endpointOf matches the request line: the row (documented or a forum
// recipe), and whether the request names a participant (the path, or a
// target-like field of the body).
func endpointOf(ev *diagnose.Evidence) (*genesys.Endpoint, bool) {
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		return nil, false
	}
	m := genesys.MatchRequest(rl.Method, rl.Path)
	named := m.Params["participantId"] != ""
	for _, mb := range genesys.TopMembers(ev.Request.Body) {
		named = named || targetLike[normKey(mb.Key)]
	}
	if m.Endpoint == nil && len(m.OtherMethods) == 1 {
		// A documented path with the wrong method (PATCH where only PUT
		// is): what the path's one operation does is what was meant.
		return m.OtherMethods[0], named
	}
	if m.Endpoint == nil && strings.Contains(rl.Path, "/participants/") {
		// A path Genesys does not have, on a participant: its body says
		// what it was meant to do, as the participant PATCH reads it.
		return genesys.EndpointByID(genericPatch), named
	}
	return m.Endpoint, named
}

// genericPatch is the generic participant PATCH.
const genericPatch = "patchConversationParticipant"

func actionsOf(ep *genesys.Endpoint, body []byte) []genesys.Action {
	if ep == nil {
		return nil
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && !json.Valid(t) {
		return ep.LooseActions(t)
	}
	return ep.Actions(body)
}

// distinctOps lists the operations the actions perform, each once, a
// companion (a wrap-up with a drop) not counted apart.
func distinctOps(actions []genesys.Action) []diagnose.OpID {
	var ops []diagnose.OpID
	for _, a := range actions {
		if !containsOp(ops, a.Op) {
			ops = append(ops, a.Op)
		}
	}
	var out []diagnose.OpID
	for _, op := range ops {
		companion := false
		for _, other := range ops {
			companion = companion || other != op && genesys.Companion(other, op)
		}
		if !companion {
			out = append(out, op)
		}
	}
	return out
}

func containsOp(list []diagnose.OpID, op diagnose.OpID) bool {
	for _, x := range list {
		if x == op {
			return true
		}
	}
	return false
}

// opOfCode is the operation among ops that the response's documented code
// belongs to (conversation.error.hold.alerting is a hold's).
func opOfCode(ev *diagnose.Evidence, ops []diagnose.OpID) diagnose.OpID {
	eb := ev.Response.ErrorBody()
	if eb == nil {
		return ""
	}
	row, ok := genesys.LookupErrorCode(eb.Code)
	if !ok {
		return ""
	}
	for _, op := range ops {
		if containsOp(row.Ops, op) {
			return op
		}
	}
	return ""
}

// attributesHoldWrapup reports whether an attributes body carries a
// wrap-up (a wrapup object, or a wrap-up code under an attribute).
func attributesHoldWrapup(body []byte) bool {
	for _, m := range genesys.TopMembers(body) {
		if m.Key != "attributes" {
			continue
		}
		for _, a := range genesys.TopMembers(m.Value) {
			if k := normKey(a.Key); k == "wrapup" || k == "wrapupcode" || k == "wrapupcodeid" {
				return true
			}
		}
	}
	return false
}

func runOperation(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	inf := Infer(ev)
	of := &OperationFacts{Meant: p.Operation, Source: inf.Source, Actions: inf.Actions}
	meant := p.Operation
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	if !ev.Request.Known() || rf == nil || !rf.Known {
		if meant.Known() {
			p.Skip("the request is unknown; the operation meant is %s (%s)", meant.ID, sourceWords(inf.Source))
		} else {
			p.Skip("the request is unknown, so what it was for is not known: give --operation, or the request (--request, --curl, --har)")
		}
		return of, nil
	}
	for _, a := range inf.Actions {
		if a.Op == meant.ID && !a.Unsupported {
			of.Performs = true
		}
	}
	for _, a := range inf.Actions {
		if a.Op != meant.ID && !genesys.Companion(meant.ID, a.Op) {
			of.Extra = append(of.Extra, a)
		}
	}
	ep := rf.Endpoint
	if ep == nil {
		ep = rf.Recipe
	}
	switch {
	case !meant.Known():
		unknownOperation(p, of, ep)
		return of, nil
	case ep == nil:
		p.Summary("meant to %s (%s); the endpoint is not a documented one (see request-line)", meant.Words.Phrase(), sourceWords(inf.Source))
		return of, nil
	case rf.Endpoint == nil:
		p.Summary("meant to %s (%s): a forum recipe", meant.Words.Phrase(), sourceWords(inf.Source))
		return of, nil
	}
	ref := diagnose.Ref{Source: srcRequest, Value: rf.Line.Method + " " + rf.Line.Path}
	tearsDown := ep.Op == diagnose.OpTeardown || containsOp(distinctOps(inf.Actions), diagnose.OpTeardown)
	switch {
	case meant.ID == diagnose.OpDisconnect && tearsDown:
		p.RuleOut(causeEndpointWrongOperation, "%s %s ends the conversation (judged as endpoint.full-teardown)", ep.Method, ep.Path)
		teardown(p, rf, inf, ref)
	case !of.Performs && (!canPerform(ep, meant.ID) || len(inf.Actions) > 0):
		p.RuleOut(causeEndpointFullTeardown, "%s %s is not the whole-conversation teardown used for a drop", ep.Method, ep.Path)
		wrongOperation(p, rf, of, ref)
	case !of.Performs:
		p.RuleOut(causeEndpointWrongOperation, "%s %s can %s; its body sets no field that does (see body-shape)", ep.Method, ep.Path, meant.Words.Phrase())
	default:
		p.RuleOut(causeEndpointWrongOperation, "%s %s %s", ep.Method, ep.Path, doesWords(inf.Actions, meant.ID))
		p.RuleOut(causeEndpointFullTeardown, "%s %s acts on one participant, not the whole conversation", ep.Method, ep.Path)
	}
	severalActions(p, of)
	of.Faulty = p.Found()
	if inf.Why != "" {
		p.Detail("operation %s inferred: %s", meant.ID, inf.Why)
	}
	p.Summary("meant to %s (%s); the request %s", meant.Words.Phrase(), sourceWords(inf.Source), describeActions(inf.Actions, ep))
	return of, nil
}

// canPerform reports whether the endpoint can perform op: it always does,
// or a field of its body does (and it acts on that field).
func canPerform(ep *genesys.Endpoint, op diagnose.OpID) bool {
	if ep.Op == op {
		return true
	}
	if ep.Body == nil {
		return false
	}
	for _, f := range ep.Body.FieldsFor(op) {
		if !f.NotHere {
			return true
		}
	}
	return false
}

func sourceWords(s diagnose.OpSource) string {
	switch s {
	case diagnose.OpFromFlag:
		return "--operation"
	case diagnose.OpFromInferred:
		return "inferred from the request"
	}
	return "unknown"
}

// unknownOperation judges a request whose operation cannot be told: its
// fields act several ways, or it performs none of the operations.
func unknownOperation(p *diagnose.Pass, of *OperationFacts, ep *genesys.Endpoint) {
	ops := distinctOps(of.Actions)
	if len(ops) > 1 {
		severalActions(p, of)
		p.Summary("the body acts several ways (%s), so what it was for is not known: give --operation", joinOps(ops))
		return
	}
	what := "does none of the operations convdiag judges"
	if ep != nil && ep.Reads() {
		what = "only reads"
	} else if ep != nil && ep.Body != nil && ep.Body.Acting() && p.Evidence.Request.BodyUnknown {
		p.Set(diagnose.StatusSkip, "the body sent was not read, and on this endpoint only the body says what the request was for: give --body or --operation")
		return
	} else if ep != nil && ep.Body != nil && ep.Body.Acting() {
		what = "has no field that acts (" + strings.Join(actingFields(ep.Body), ", ") + ")"
	}
	p.Set(diagnose.StatusSkip, "the request %s, so what it was for is not known: give --operation", what)
}

func actingFields(c *genesys.BodyContract) []string {
	var out []string
	for _, f := range c.Fields {
		if len(f.Acts) > 0 && !f.NotHere {
			out = append(out, f.Name)
		}
	}
	return out
}

func joinOps(ops []diagnose.OpID) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, ", ")
}

// describeActions says what the request does: "drops the participant
// (state \"disconnected\")".
func describeActions(actions []genesys.Action, ep *genesys.Endpoint) string {
	if len(actions) == 0 {
		switch {
		case ep != nil && ep.Reads():
			return "only reads"
		case ep != nil && ep.Body != nil && ep.Body.Acting():
			return "sets no field that acts"
		}
		return "does none of the operations (" + ep.Summary + ")"
	}
	var parts []string
	for _, a := range actions {
		w := diagnose.WordsOf(a.Op)
		s := w.Verb + "s " + w.Object
		if strings.HasSuffix(w.Verb, "h") || strings.HasSuffix(w.Verb, "s") {
			s = w.Verb + "es " + w.Object
		}
		if strings.Contains(w.Verb, " ") {
			first, rest, _ := strings.Cut(w.Verb, " ")
			s = first + "s " + rest + " " + w.Object
		}
		if a.Field != "" {
			s += fmt.Sprintf(" (%s %s)", a.Field, compact(a.Value))
		}
		if a.Unsupported {
			s += " — which this endpoint cannot do"
		}
		if a.Invalid {
			s += " — not a value it takes"
		}
		parts = append(parts, s)
	}
	return diagnose.JoinAnd(parts)
}

func doesWords(actions []genesys.Action, op diagnose.OpID) string {
	w := diagnose.WordsOf(op)
	for _, a := range actions {
		if a.Op == op && a.Field != "" {
			return fmt.Sprintf("%ss %s with %s %s", strings.Fields(w.Verb)[0], w.Object, a.Field, compact(a.Value))
		}
	}
	return "performs " + string(op)
}

func compact(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return clip(b.String(), 60)
	}
	return clip(string(v), 60)
}

// teardown reports endpoint.full-teardown: the whole-conversation teardown
// sent to drop one participant.
func teardown(p *diagnose.Pass, rf *RequestFacts, inf Inference, ref diagnose.Ref) {
	ev := p.Evidence
	ep := rf.Endpoint
	targeted := ev.ParticipantID != "" || len(bytes.TrimSpace(ev.Request.Body)) > 0 || rf.PathParticipant != "" || inf.Source == diagnose.OpFromFlag
	l := diagnose.Confirmed
	expl := fmt.Sprintf("%s %s is a whole-conversation endpoint: it will %s. The API definition has no participant in its contract, so naming one does not make it drop just that participant: it ends everyone's part, or conflicts.", ep.Method, ep.Path, ep.Summary)
	if !targeted {
		l = diagnose.Possible
		expl = fmt.Sprintf("%s %s is a whole-conversation endpoint: it will %s. No participant was named; if the aim was to drop one participant, this is the wrong endpoint.", ep.Method, ep.Path, ep.Summary)
	}
	p.Report(diagnose.Cause{Info: causeEndpointFullTeardown, Likelihood: l, Evidence: []diagnose.Ref{ref}, Explanation: expl,
		Fix: newFix("Drop the one participant with the participant PATCH instead of the conversation-wide disconnect")})
}

// wrongOperation reports endpoint.wrong-operation: the request does
// something else than the operation meant.
func wrongOperation(p *diagnose.Pass, rf *RequestFacts, of *OperationFacts, ref diagnose.Ref) {
	ep, meant := rf.Endpoint, of.Meant
	what := describeActions(of.Actions, ep)
	unsupported := false
	for _, a := range of.Actions {
		unsupported = unsupported || a.Op == meant.ID && a.Unsupported
	}
	expl := fmt.Sprintf("This is %s %s (%s: %s). It %s; it does not %s.", ep.Method, ep.Path, ep.ID, ep.Summary, what, meant.Words.Phrase())
	if unsupported {
		expl = fmt.Sprintf("This is %s %s (%s: %s), which cannot %s: the field is part of the SDK model but the endpoint refuses it.", ep.Method, ep.Path, ep.ID, ep.Summary, meant.Words.Phrase())
	}
	if via := viaWords(meant); via != "" {
		expl += " To " + meant.Words.Phrase() + ", send " + via + "."
	}
	expl += consultHint(ep, meant.ID)
	p.Report(diagnose.Cause{Info: causeEndpointWrongOperation, Likelihood: diagnose.Confirmed,
		Evidence:    []diagnose.Ref{ref, {Source: "endpoint table", Path: ep.ID, Value: what}},
		Explanation: expl,
		Fix:         newFix(fmt.Sprintf("%s with the request that does it", upperFirst(meant.Words.Phrase())))})
}

// viaWords names the request of an operation, from its preferred endpoint.
func viaWords(op *diagnose.Operation) string {
	if len(op.Endpoints) == 0 {
		return ""
	}
	ep := genesys.EndpointByID(op.Endpoints[0])
	s := ep.Method + " " + ep.Path
	if ep.Body != nil {
		if fs := ep.Body.FieldsFor(op.ID); len(fs) > 0 {
			s += " with " + fs[0].Name
		}
	}
	return s
}

func consultHint(ep *genesys.Endpoint, meant diagnose.OpID) string {
	if strings.HasSuffix(ep.Path, "/consult") && meant == diagnose.OpDisconnect {
		return " To end the consult transfer itself, DELETE .../participants/{participantId}/consult cancels it."
	}
	return ""
}

// severalActions reports body.several-actions: the body does more than the
// operation meant.
func severalActions(p *diagnose.Pass, of *OperationFacts) {
	ops := distinctOps(of.Actions)
	if len(ops) < 2 {
		if len(of.Actions) > 0 {
			p.RuleOut(causeBodySeveralActions, "the body does one thing")
		}
		return
	}
	var parts []string
	var refs []diagnose.Ref
	for _, a := range of.Actions {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", a.Field, clip(compact(a.Value), 24), a.Op))
		refs = append(refs, diagnose.Ref{Source: srcBody, Path: jsonPath(a.Field), Value: compact(a.Value)})
	}
	l := diagnose.Likely
	why := "Each of them acts, so the request asks for all of these at once, and one that cannot be done fails the whole request."
	if ec := responseCode(p.Evidence); ec != nil && ec.Cause == causeBodySeveralActions.ID {
		l = diagnose.Confirmed
		why = fmt.Sprintf("The server answered %d %s (%q): one of the changes could not be made, so none was.", ec.Row.Status, ec.Row.Code, ec.Row.Message)
		refs = append(refs, diagnose.Ref{Source: "response", Path: "code", Value: ec.Body.Code})
	}
	meant := of.Meant
	fix := newFix("Send only the fields that do what was meant, one operation per request")
	expl := fmt.Sprintf("The body sets %s: %s. %s", diagnose.Plural(len(of.Actions), "field that acts", "fields that act"), strings.Join(parts, ", "), why)
	if meant.Known() {
		fix = newFix(fmt.Sprintf("Send only the field that does what was meant (%s); change the others with requests of their own, if at all", meant.ID))
		expl += fmt.Sprintf(" What was meant is to %s (%s).", meant.Words.Phrase(), sourceWords(of.Source))
	} else {
		fix = noRequestFix("Send one request per change, with only the field that makes it; give --operation to get the request for the one meant")
		expl += " Which of them was meant is not known: give --operation."
	}
	p.Report(diagnose.Cause{Info: causeBodySeveralActions, Likelihood: l, Evidence: refs, Explanation: expl, Fix: fix})
}
