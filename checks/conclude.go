package checks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// outcome is the checks' typed results, read once by the final step.
type outcome struct {
	rep  *diagnose.Report
	ev   *diagnose.Evidence
	rf   *RequestFacts
	bf   *BodyFacts
	tf   *TokenFacts
	conv *diagnose.Conv
	cf   *ConversationFacts
	pf   *ProvenanceFacts
	tl   *TimelineFacts
	sf   *StateFacts
}

// conclude is the chain's final step: from the checks' typed results and the
// ranked causes it computes, once, what every report format shows besides
// checks and causes: the target, the participants table, and the request
// that would have worked, or why none can.
func conclude(rep *diagnose.Report, res *diagnose.Results) diagnose.Conclusion {
	o := outcome{rep: rep, ev: rep.Evidence}
	o.rf, _ = diagnose.ResultOf[*RequestFacts](res, RequestLine)
	o.bf, _ = diagnose.ResultOf[*BodyFacts](res, BodyShape)
	o.tf, _ = diagnose.ResultOf[*TokenFacts](res, Token)
	if cf, ok := diagnose.ResultOf[*ConversationFacts](res, Conversation); ok {
		o.conv, o.cf = cf.Conv, cf
	}
	o.pf, _ = diagnose.ResultOf[*ProvenanceFacts](res, Provenance)
	o.sf, _ = diagnose.ResultOf[*StateFacts](res, State)
	o.tl, _ = diagnose.ResultOf[*TimelineFacts](res, Timeline)

	c := diagnose.Conclusion{ConversationID: o.ev.ConversationID, ParticipantID: o.ev.ParticipantID}
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
	switch {
	case o.pf != nil && o.pf.Conv != nil && o.pf.Target() != nil:
		c.Participants = participantTable(o.pf.Conv, marks(o.pf.Conv, o.pf.Target(), o.pf.Meant), o.ev.Failure)
	case o.conv != nil:
		c.Participants = participantTable(o.conv, nil, o.ev.Failure)
	}
	if o.rf == nil {
		return c // the request line could not be read
	}
	if why := o.nothingToSend(); why != "" {
		c.NothingToSend = why
		return c
	}
	c.Before, c.Corrected, c.CorrectedNotes = o.correctedRequest()
	if why := o.tokenFirst(); why != "" && c.Corrected != nil {
		c.CorrectedNotes = append(c.CorrectedNotes, why)
	}
	found := o.found()
	c.RequestOK = found && len(c.Before) == 0 && sameAsSent(o.ev, c.Corrected)
	c.Recommend = found && !c.RequestOK
	if why := o.goneSince(); why != "" {
		// What would have worked then cannot work now.
		c.NothingToSend, c.Corrected, c.Before, c.Recommend = why, nil, nil, false
	}
	return c
}

// goneSince says why nothing can be sent now although the request failed
// for another reason: the conversation, or the participant to drop, has
// ended since (the GET shows it ended; its end is no cause of the failure).
func (o outcome) goneSince() string {
	if o.conv == nil {
		return ""
	}
	if o.cf != nil && !o.cf.End.IsZero() {
		switch o.cf.EndOrder {
		case diagnose.After:
			return fmt.Sprintf("conversation %s has ended since (at %s): there is nothing to send now. When the request failed, it was still up: the causes above are why it failed then.", o.conv.ID, diagnose.FormatTime(o.cf.End))
		case diagnose.Around:
			return fmt.Sprintf("conversation %s ended at %s, around the moment of failure: there is nothing to send now.", o.conv.ID, diagnose.FormatTime(o.cf.End))
		}
	}
	if o.pf != nil && o.pf.Target() != nil {
		if v := o.pf.Target().Intended; v != nil && v.Ended(o.conv) && len(liveOf(o.conv, o.conv.SameParty(v))) == 0 {
			return fmt.Sprintf("participant %s has ended since: there is nothing to send now. When the request failed, it was still there: the causes above are why it failed then.", v.ID)
		}
	}
	return ""
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
	target := ""
	if o.sf != nil && o.sf.Target != nil {
		target = "participant " + o.sf.Target.ID
	}
	switch {
	case o.has(causeParticipantRaceWithHangup):
		return fmt.Sprintf("%s ended just before the request was answered: the request raced the hang-up and the drop it asked for has happened. Treat the failure as done.", orConversation(target, o.rf.ConversationID))
	case o.has(causeConversationEnded):
		return fmt.Sprintf("conversation %s has ended: there is no one left to drop. If a participant still owes wrap-up, apply it instead.", o.rf.ConversationID)
	case o.has(causeParticipantAlreadyEnded) && target != "":
		return target + " has already ended: there is nothing left to drop. Treat the failed request as done."
	case o.has(causeParticipantSystemPurpose) && target != "":
		s := fmt.Sprintf("%s is a system leg (%s): routing or a flow owns it and ends it when it moves the interaction on; no request drops it.", target, o.sf.Target.Purpose())
		if b := o.sf.Behind; b != nil {
			s += fmt.Sprintf(" The person behind it is participant %s (%s): if the aim is to end the interaction for them, drop that participant instead.", b.ID, describeParty(o.conv, b))
		}
		return s
	}
	return ""
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

// correctedRequest is the one request that would have worked (and any to
// send first): the participant PATCH for the participant that should be
// dropped, keeping what the body sent meant; the consult's own request when
// cancelling the consult is what ends the target.
func (o outcome) correctedRequest() (before []*diagnose.FixRequest, req *diagnose.FixRequest, notes []string) {
	rf := o.rf
	convID, pid := rf.ConversationID, rf.PathParticipant
	if pid == "" || isPlaceholder(pid) {
		pid = o.ev.ParticipantID
	}
	conv := o.conv
	if o.pf != nil && o.pf.Target() != nil {
		conv = o.pf.Conv
		convID, pid = correctedTarget(rf, o.pf.Conv, o.pf.Target(), o.pf.Meant)
	}
	if o.sf != nil && o.sf.Consult != nil && o.has(causeParticipantConsultInProgress) {
		cl := o.sf.Consult
		var vars []diagnose.Var
		consult := &diagnose.FixRequest{Method: "DELETE", BaseURL: rf.BaseURL,
			Path: "/api/v2/conversations/calls/" + idOrVar(convID, varConversation, &vars) + "/participants/" + idOrVar(cl.Object.ID, varParticipant, &vars) + "/consult", Vars: vars}
		if cl.TargetIsDestination {
			return nil, consult, []string{fmt.Sprintf("participant %s is the consulted party of a consult transfer under way: cancelling the consult (DELETE .../consult) is the request that ends its leg", o.sf.Target.ID)}
		}
		consult = &diagnose.FixRequest{Method: "PATCH", BaseURL: rf.BaseURL, Path: consult.Path, Body: json.RawMessage(`{"speakTo":"CONFERENCE"}`), Vars: vars}
		before = append(before, consult)
		notes = append(notes, "the consult transfer must end first: the request before it conferences the consult in")
	}
	var vars []diagnose.Var
	path := participantPath(o.segment(conv), convID, pid, &vars)
	var kept []Member
	if o.bf != nil {
		kept = o.bf.Kept
	}
	body := dropBody(kept, o.has(causeBodyWrapupRequired), path, &vars)
	return before, &diagnose.FixRequest{Method: "PATCH", BaseURL: rf.BaseURL, Path: path, Body: body, Vars: vars}, notes
}

// segment is the media segment of the corrected path: the one the user sent
// when it was the participant PATCH of the conversation's media and the
// token may use it; otherwise none: the generic PATCH serves every media
// and, unlike the /calls/ variant, does not need a user (reference §8b).
func (o outcome) segment(conv *diagnose.Conv) string {
	rf := o.rf
	if rf.Endpoint == nil || !rf.Endpoint.DropsOne() || rf.Segment == "" {
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
	var a, b any
	if json.Unmarshal(ev.Request.Body, &a) != nil || json.Unmarshal(c.Body, &b) != nil {
		return false
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}
