package checks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// outcome is the checks' typed results, read once by the final step.
type outcome struct {
	rep  *diagnose.Report
	ev   *diagnose.Evidence
	op   *diagnose.Operation
	rf   *RequestFacts
	of   *OperationFacts
	bf   *BodyFacts
	tf   *TokenFacts
	conv *diagnose.Conv
	cf   *ConversationFacts
	pf   *ProvenanceFacts
	tl   *TimelineFacts
	sf   *StateFacts
}

// conclude is every chain's final step: from the checks' typed results and
// the ranked causes it computes, once, what every report format shows
// besides checks and causes: the target and the operation, the participants
// table, and the plan that would have worked (its request built by the
// operation), or why none can.
func conclude(rep *diagnose.Report, res *diagnose.Results) diagnose.Conclusion {
	o := outcome{rep: rep, ev: rep.Evidence, op: rep.Operation}
	o.rf, _ = diagnose.ResultOf[*RequestFacts](res, RequestLine)
	o.of, _ = diagnose.ResultOf[*OperationFacts](res, OperationCheck)
	o.bf, _ = diagnose.ResultOf[*BodyFacts](res, BodyShape)
	o.tf, _ = diagnose.ResultOf[*TokenFacts](res, Token)
	if cf, ok := diagnose.ResultOf[*ConversationFacts](res, Conversation); ok {
		o.conv, o.cf = cf.Conv, cf
	}
	o.pf, _ = diagnose.ResultOf[*ProvenanceFacts](res, Provenance)
	o.sf, _ = diagnose.ResultOf[*StateFacts](res, State)
	o.tl, _ = diagnose.ResultOf[*TimelineFacts](res, Timeline)

	c := diagnose.Conclusion{ConversationID: o.ev.ConversationID, ParticipantID: o.ev.ParticipantID, Operation: o.op,
		Answer: diagnose.AnswerNone, Plans: make([]*diagnose.Plan, len(rep.Causes))}
	if o.of != nil {
		c.OpSource = o.of.Source
	}
	if o.rf != nil && o.rf.ConversationID != "" {
		c.ConversationID = o.rf.ConversationID
	}
	if o.pf != nil && o.pf.Given != "" {
		c.ParticipantID = o.pf.Given
	}
	c.Failure = o.ev.Failure
	if o.tf != nil {
		c.Permissions = o.tf.Permissions
	}
	if o.tl != nil {
		c.Timeline = o.tl.Lanes
	}
	c.OrgID, c.EvidenceReadAt = orgID(o.ev), evidenceReadAt(o.ev)
	switch {
	case o.pf != nil && o.pf.Conv != nil && o.pf.Target() != nil:
		c.Participants = participantTable(o.pf.Conv, marks(o.pf.Conv, o.pf.Target(), o.pf.Meant, o.words()), o.ev.Failure)
	case o.conv != nil:
		c.Participants = participantTable(o.conv, nil, o.ev.Failure)
	}
	if o.rf == nil {
		return c // the request line could not be read
	}
	var req *diagnose.FixRequest
	var notes []string
	if why := o.nothingToSend(); why != "" {
		c.NothingToSend, c.Answer = why, diagnose.AnswerNothingToSend
		o.causePlans(&c, nil, diagnose.PlanNow)
		return c
	}
	if o.op.Known() && o.op.Build != nil {
		req, notes = o.op.Build(o.fixContext())
		fillRequired(req)
	}
	when := diagnose.PlanNow
	if why := o.goneSince(); why != "" {
		if !o.requestCauseFound() && !o.timingCauseFound() {
			// What would have worked then cannot work now, and nothing
			// about the request itself needs changing.
			c.NothingToSend, c.Answer = why, diagnose.AnswerNothingToSend
			o.causePlans(&c, nil, diagnose.PlanNow)
			return c
		}
		when = diagnose.PlanNextTime
		if o.requestCauseFound() {
			notes = append(notes, why+" The request above is the one to send next time: the causes about the request itself are in code that runs again.")
		} else {
			notes = append(notes, why+" The steps above are for next time: the code acted before the party was ready, and it will again on the next call.")
		}
	}
	if why := o.tokenFirst(); why != "" && req != nil {
		notes = append(notes, why)
	}
	plan, contributed := o.plan(req, when)
	c.Plan = plan.Plan
	c.Corrected = plan.Request()
	c.Before = plan.requestsBefore()
	c.CorrectedNotes = uniqueNotes(append(notes, contributed...), c.Corrected)
	o.causePlans(&c, c.Corrected, when)
	found := o.found()
	// The request as sent is right only when no cause about the request
	// itself was found: a body cause with the body unchanged is a fix that
	// does not fix, not a right request.
	c.RequestOK = found && len(c.Before) == 0 && sameAsSent(o.ev, c.Corrected) && !o.shapeCauseFound()
	switch {
	case c.Corrected == nil && !found:
		c.Plan = nil
	case c.RequestOK && len(plan.Steps) == 1:
		c.Answer = diagnose.AnswerRequestOK
	case found && (c.Corrected != nil || len(plan.Steps) > 0):
		// The plan: its steps (a wait, a grant), then the request, which
		// may be the one sent.
		c.Answer = diagnose.AnswerCorrected
	}
	if !found {
		c.Plan, c.Corrected, c.Before, c.CorrectedNotes = nil, nil, nil, nil
	}
	return c
}

// planSteps is a plan's steps, with helpers for the conclusion.
type planSteps struct{ *diagnose.Plan }

// requestsBefore are the request steps before the plan's last request
// (the consult to finish first).
func (p planSteps) requestsBefore() []*diagnose.FixRequest {
	if p.Plan == nil {
		return nil
	}
	var out []*diagnose.FixRequest
	last := p.Request()
	for _, s := range p.Steps {
		if s.Kind == diagnose.StepRequest && s.Request != last {
			out = append(out, s.Request)
		}
	}
	return out
}

// plan is the steps that would have worked: each found cause's steps in
// rank order (a wait, a grant, a request to send first), each once, then
// the request: a found cause's own request when one has it (cancel the
// consult), else the operation's. It also returns the notes of the causes
// whose steps or request the plan took.
func (o outcome) plan(req *diagnose.FixRequest, when diagnose.PlanWhen) (planSteps, []string) {
	var steps []diagnose.Step
	var notes []string
	final := req
	for _, cs := range o.rep.Causes {
		if cs.Likelihood < diagnose.Likely || cs.Fix == nil {
			continue
		}
		for _, s := range cs.Fix.Steps {
			steps = appendStep(steps, s)
		}
		took := len(cs.Fix.Steps) > 0
		if cs.Fix.Request != nil && final == req {
			final, took = cs.Fix.Request, true
		}
		if took {
			notes = append(notes, cs.Fix.Notes...)
		}
	}
	if final != nil {
		steps = appendStep(steps, diagnose.Step{Kind: diagnose.StepRequest, Summary: upperFirst(o.opPhrase()), Request: final})
	}
	return planSteps{diagnose.NewPlan(when, steps)}, notes
}

// causePlans gives each cause its fix plan: its own steps, then its own
// request or the operation's (none for a fix that is no request).
func (o outcome) causePlans(c *diagnose.Conclusion, req *diagnose.FixRequest, when diagnose.PlanWhen) {
	for i, cs := range o.rep.Causes {
		f := cs.Fix
		if f == nil {
			continue
		}
		steps := append([]diagnose.Step(nil), f.Steps...)
		switch {
		case f.Request != nil:
			steps = append(steps, diagnose.Step{Kind: diagnose.StepRequest, Request: f.Request})
		case !f.NoRequest && req != nil:
			steps = append(steps, diagnose.Step{Kind: diagnose.StepRequest, Request: req})
		}
		if len(steps) > 0 {
			c.Plans[i] = diagnose.NewPlan(when, steps)
		}
	}
}

// appendStep adds a step unless the same one is there.
func appendStep(steps []diagnose.Step, s diagnose.Step) []diagnose.Step {
	for _, x := range steps {
		if x.Kind == s.Kind && x.ParticipantID == s.ParticipantID && x.Until == s.Until && sameFixRequest(x.Request, s.Request) {
			return steps
		}
	}
	return append(steps, s)
}

func sameFixRequest(a, b *diagnose.FixRequest) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Method == b.Method && a.Path == b.Path && string(a.Body) == string(b.Body)
}

// uniqueNotes are the notes of the corrected request, each once, without
// the ones its variables already make.
func uniqueNotes(notes []string, req *diagnose.FixRequest) []string {
	var out []string
	for _, n := range notes {
		dup := false
		for _, x := range out {
			dup = dup || x == n
		}
		if req != nil {
			for _, v := range req.VarNotes() {
				dup = dup || v == n
			}
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

func (o outcome) opPhrase() string {
	if o.op.Known() {
		return o.op.Words.Phrase()
	}
	return diagnose.WordsOf("").Phrase()
}

// fixContext is what the operation's Build reads.
func (o outcome) fixContext() *diagnose.FixContext {
	rf := o.rf
	ctx := &diagnose.FixContext{Evidence: o.ev, Conv: o.conv, ConversationID: rf.ConversationID, ParticipantID: rf.PathParticipant,
		BaseURL: rf.BaseURL, Sent: rf.Endpoint, Found: o.has}
	if ctx.ParticipantID == "" || isPlaceholder(ctx.ParticipantID) {
		ctx.ParticipantID = o.ev.ParticipantID
	}
	if o.pf != nil && o.pf.Target() != nil {
		ctx.Conv = o.pf.Conv
		ctx.ConversationID, ctx.ParticipantID = correctedTarget(rf, o.pf.Conv, o.pf.Target(), o.pf.Meant)
	}
	if o.bf != nil {
		ctx.Members = o.bf.Kept
	}
	ctx.ClientCredentials = o.tf != nil && o.tf.Kind == TokenClientCredentials
	ctx.Segment = o.segment(ctx.Conv)
	ctx.CommunicationID = rf.Match.Params["communicationId"]
	if ctx.Conv != nil {
		if v := ctx.Conv.ByID(ctx.ParticipantID); v != nil && !ownsCommunication(ctx.Conv, v, ctx.CommunicationID) {
			ctx.CommunicationID = liveCommunication(ctx.Conv, v)
		}
	}
	return ctx
}

// ownsCommunication reports whether the communication id is one of the
// participant's.
func ownsCommunication(conv *diagnose.Conv, v *diagnose.PView, id string) bool {
	for _, s := range v.States(conv) {
		if id != "" && s.Comm != nil && strings.EqualFold(s.Comm.ID, id) {
			return true
		}
	}
	return false
}

// liveCommunication is the id of the participant's communication that
// matters: its live one, else its last.
func liveCommunication(conv *diagnose.Conv, v *diagnose.PView) string {
	last := ""
	for _, s := range v.States(conv) {
		if s.Comm == nil || s.Comm.ID == "" {
			continue
		}
		last = s.Comm.ID
		if !genesys.Ended(s.State) {
			return s.Comm.ID
		}
	}
	return last
}

// segment is the media segment the fix may use: the one the user sent when
// the request did what was meant on the conversation's media and the token
// may use it; otherwise none: the generic paths serve every media and,
// unlike the /calls/ variants, do not need a user (reference §8b).
func (o outcome) segment(conv *diagnose.Conv) string {
	rf := o.rf
	if rf.Endpoint == nil || rf.Segment == "" || o.of == nil || !o.of.Performs {
		return ""
	}
	if conv != nil && conv.Segment != rf.Segment {
		return ""
	}
	if o.tf != nil && o.tf.Kind == TokenClientCredentials || o.has(causeTokenNoUserContext) || o.has(causeTokenNotParty) {
		return ""
	}
	return rf.Segment
}

// goneSince says why nothing can be sent now although the request failed
// for another reason: the conversation, or the participant, has ended since
// (the GET shows it ended; its end is no cause of the failure). An
// operation meant for after the end (wrap-up) is never gone.
func (o outcome) goneSince() string {
	if o.conv == nil || o.op.Known() && o.op.AfterEnd {
		return ""
	}
	if o.cf != nil && !o.cf.End.IsZero() {
		switch o.cf.EndOrder {
		case diagnose.After:
			return fmt.Sprintf("Conversation %s has ended since (at %s): there is nothing to send to it now. When the request failed, it was still up: the causes above are why it failed then.", o.conv.ID, diagnose.FormatTime(o.cf.End))
		case diagnose.Around:
			return fmt.Sprintf("Conversation %s ended at %s, around the moment of failure: there is nothing to send to it now.", o.conv.ID, diagnose.FormatTime(o.cf.End))
		case diagnose.OrderUnknown:
			return fmt.Sprintf("Conversation %s has ended (at %s, as the GET shows it now): there is nothing to send to it now.", o.conv.ID, diagnose.FormatTime(o.cf.End))
		}
	}
	if o.pf != nil && o.pf.Target() != nil && o.op.Needs != diagnose.NeedConversation {
		if v := o.pf.Target().Intended; v != nil && v.Ended(o.conv) && len(liveOf(o.conv, o.conv.SameParty(v))) == 0 {
			return fmt.Sprintf("Participant %s has ended since: there is nothing to send to it now. When the request failed, it was still there: the causes above are why it failed then.", v.ID)
		}
	}
	return ""
}

// requestCauses are the checks whose causes are about the request itself
// (the endpoint, the body, the ids, the token): code that runs again next
// time, unlike the state of one conversation.
var requestCauses = map[string]bool{RequestLine.ID: true, OperationCheck.ID: true, BodyShape.ID: true, Provenance.ID: true, Token.ID: true}

// requestCauseFound reports whether a likely or confirmed cause is about
// the request itself.
func (o outcome) requestCauseFound() bool {
	for _, cs := range o.rep.Causes {
		if cs.Likelihood >= diagnose.Likely && requestCauses[cs.Check] {
			return true
		}
	}
	return false
}

// timingCauseFound reports whether a likely or confirmed cause's fix is to
// wait for the party first (acting before it was connected): code that
// runs again too early on the next call, so the plan is for next time.
func (o outcome) timingCauseFound() bool {
	for _, cs := range o.rep.Causes {
		if cs.Likelihood < diagnose.Likely || cs.Fix == nil || cs.Fix.NoRequest || cs.Fix.NoneCanWork {
			continue
		}
		for _, s := range cs.Fix.Steps {
			if s.Kind == diagnose.StepWait {
				return true
			}
		}
	}
	return false
}

// shapeCauseFound reports whether a likely or confirmed cause is about the
// request's endpoint, ids or body (not its token, which may be right to
// keep while another token is used).
func (o outcome) shapeCauseFound() bool {
	for _, cs := range o.rep.Causes {
		if cs.Likelihood >= diagnose.Likely && requestCauses[cs.Check] && cs.Check != Token.ID {
			return true
		}
	}
	return false
}

// found reports whether the report stands behind a corrected request:
// a confirmed or likely cause, or a dry run that found anything.
func (o outcome) found() bool {
	for _, cs := range o.rep.Causes {
		if cs.Likelihood >= diagnose.Likely || o.rep.Mode == diagnose.ModeDryRun {
			return true
		}
	}
	return false
}

// tokenFirst says what the token needs before any request can work, when
// a cause about its scopes or permissions was found.
func (o outcome) tokenFirst() string {
	for _, cs := range o.rep.Causes {
		switch cs.Info {
		case causeTokenPermissionMissing, causeTokenDivisionMissing, causeTokenScopeMissing:
			if cs.Likelihood >= diagnose.Likely && cs.Fix != nil {
				return fmt.Sprintf("it works only once the token may send it (%s): %s", cs.ID, cs.Fix.Summary)
			}
		}
	}
	return ""
}

// has reports whether a cause was found (likely or confirmed, listed on
// its own, not folded into a root).
func (o outcome) has(ci *diagnose.CauseInfo) bool {
	for _, cs := range o.rep.Causes {
		if cs.Info == ci && cs.Likelihood >= diagnose.Likely {
			return true
		}
	}
	return false
}

// nothingToSend says why no request can do what was meant, or "".
func (o outcome) nothingToSend() string {
	w := o.words()
	target := ""
	if o.sf != nil && o.sf.Target != nil {
		target = "participant " + o.sf.Target.ID
	}
	switch {
	case o.has(causeParticipantRaceWithHangup):
		return fmt.Sprintf("%s ended just before the request was answered: the request raced the hang-up, and there is no one left to %s. Treat the failure as done.", orConversation(target, o.rf.ConversationID), w.Verb)
	case o.has(causeConversationEnded):
		now := ""
		if o.cf != nil && o.cf.EndOrder == diagnose.OrderUnknown {
			// Without a moment of failure, the GET tells only of now.
			now = " (as the GET shows it now; whether it had when the request failed is unknown: --at would tell)"
		}
		return fmt.Sprintf("Conversation %s has ended%s: there is no one left to %s. If a participant still owes wrap-up, apply it instead.", o.rf.ConversationID, now, w.Verb)
	case o.has(causeParticipantAlreadyEnded) && target != "":
		s := target + " has already ended: there is nothing left to " + w.Verb + "."
		if o.op.ID == diagnose.OpDisconnect {
			s += " Treat the failed request as done."
		}
		return s
	case o.blocked() != "":
		return o.blocked()
	case o.has(causeParticipantSystemPurpose) && target != "":
		s := fmt.Sprintf("%s is a system leg (%s): routing or a flow owns it and ends it when it moves the interaction on; no request %ss it.", target, o.sf.Target.Purpose(), strings.Fields(w.Verb)[0])
		if b := o.sf.Behind; b != nil {
			s += fmt.Sprintf(" The person behind it is participant %s (%s): if the aim is to end the interaction for them, drop that participant instead.", b.ID, describeParty(o.conv, b))
		}
		return s
	}
	return ""
}

// blocked is why no request can work while a found cause holds (a cause
// of an operation's own check that says so), or "".
func (o outcome) blocked() string {
	for _, cs := range o.rep.Causes {
		if cs.Likelihood >= diagnose.Likely && cs.Fix != nil && cs.Fix.NoneCanWork {
			return fmt.Sprintf("No request can %s (%s): %s.", o.words().Phrase(), cs.ID, strings.ToLower(cs.Fix.Summary[:1])+strings.TrimSuffix(cs.Fix.Summary[1:], "."))
		}
	}
	return ""
}

func (o outcome) words() diagnose.Words {
	if o.op.Known() {
		return o.op.Words
	}
	return diagnose.WordsOf("")
}

func orConversation(target, convID string) string {
	if target != "" {
		return upperFirst(target)
	}
	return "Conversation " + convID
}

func describeParty(conv *diagnose.Conv, v *diagnose.PView) string {
	var parts []string
	if n := v.Name(); n != "" {
		parts = append(parts, quoteName(n))
	}
	if pu := v.Purpose(); pu != "" {
		parts = append(parts, pu)
	}
	if conv != nil {
		if st := stateSummary(conv, v); st != "-" {
			parts = append(parts, st)
		}
	}
	return strings.Join(parts, ", ")
}

// orgID is the org the evidence came from (tokens/me).
func orgID(ev *diagnose.Evidence) string {
	if ti := ev.TokenInfo; ti != nil && ti.Organization != nil {
		return ti.Organization.ID
	}
	return ""
}

// evidenceReadAt is when the evidence was read: live, when the reads were
// answered; offline, the newest Date among the saved documents; zero when
// nothing says.
func evidenceReadAt(ev *diagnose.Evidence) time.Time {
	var t time.Time
	for _, f := range []*diagnose.Fetch{ev.ConversationFetch, ev.CallFetch, ev.TokenFetch, ev.AnalyticsFetch, ev.SubjectFetch, ev.OAuthClientFetch} {
		if f != nil && f.At.After(t) {
			t = f.At
		}
	}
	if t.IsZero() && ev.Mode == diagnose.ModeLive {
		t = ev.ObservedAt
	}
	return t.UTC()
}

// sameAsSent reports whether the corrected request is the request that
// was sent: same method, host, path and (JSON-equal) body.
func sameAsSent(ev *diagnose.Evidence, c *diagnose.FixRequest) bool {
	if c == nil || !ev.Request.Known() || len(c.Vars) > 0 {
		return false
	}
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil || rl.Method != c.Method || rl.Path != c.Path || c.BaseURL == "" || rl.Host == "" {
		return false
	}
	if !strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(c.BaseURL, "https://"), "http://"), rl.Host) {
		return false
	}
	if len(c.Body) == 0 && len(strings.TrimSpace(string(ev.Request.Body))) == 0 {
		return true
	}
	var a, b any
	if json.Unmarshal(ev.Request.Body, &a) != nil || json.Unmarshal(c.Body, &b) != nil {
		return false
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

// fillRequired adds to a fix's body the fields its endpoint's contract
// requires that it lacks (a callback's callbackNumbers, an external
// contact's contactId and phoneType), each as a shell variable to set: a
// fix that leaves out what the contract requires does not work.
func fillRequired(req *diagnose.FixRequest) {
	if req == nil {
		return
	}
	ep := genesys.MatchRequest(req.Method, strings.SplitN(req.Path, "?", 2)[0]).Endpoint
	if ep == nil || ep.Body == nil || len(req.Body) > 0 && jsonKind(req.Body) != "object" {
		return
	}
	var members []diagnose.Member
	present := map[string]bool{}
	for _, m := range genesys.TopMembers(req.Body) {
		members = append(members, diagnose.Member{Key: m.Key, Value: m.Value})
		present[m.Key] = true
	}
	added := 0
	for _, f := range ep.Body.Fields {
		if !f.Required || f.Target || len(f.Acts) > 0 || present[f.Name] {
			continue
		}
		v := diagnose.Var{Name: varName(f.Name), Set: requiredMeaning(ep.Body, &f)}
		var value string
		switch f.Type {
		case genesys.TypeArray:
			value = `["$` + v.Name + `"]`
		case genesys.TypeString, genesys.TypeDateTime:
			value = `"$` + v.Name + `"`
		default:
			continue // an object or a number: nothing a variable stands for
		}
		members = append(members, diagnose.Member{Key: f.Name, Value: json.RawMessage(value)})
		req.Vars = append(req.Vars, v)
		added++
	}
	if added > 0 {
		req.Body = Object(members) // each variable says what to set it to
	}
}

// requiredMeaning says what to set a required field's variable to.
func requiredMeaning(c *genesys.BodyContract, f *genesys.Field) string {
	s := "the " + f.Name + " " + c.Model + " requires"
	if f.Doc != "" {
		s += " (" + f.Doc + ")"
	}
	if len(f.Values) > 0 {
		s += ": one of " + quoteList(f.Values)
	}
	return s
}
