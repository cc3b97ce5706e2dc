package checks

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// State is the sixth check: can the target be dropped now? Its
// communication states, endTime, purpose, consult links, hold.
var State = &diagnose.Check{
	ID:       "participant-state",
	Title:    "Participant state",
	Doc:      "The target's communication state(s), endTime, purpose, consult/monitor/barge links, held/confined, wrap-up.",
	Requires: []*diagnose.Check{RequestLine, Provenance, Timeline},
	Causes:   []*diagnose.CauseInfo{causeParticipantAlreadyEnded, causeParticipantNotConnectedYet, causeParticipantConsultInProgress, causeParticipantSystemPurpose},
	Run:      runState,
}

// The causes participant-state reports (stable ids: add, never rename).
var (
	causeParticipantAlreadyEnded = &diagnose.CauseInfo{ID: "participant.already-ended",
		Title:        "Participant already ended",
		Meaning:      "The target's communications are disconnected or terminated, or it has an endTime: there is nothing left to drop, and ending it again conflicts. This is the most likely 409 (reference, fact 3).",
		Detection:    "participant-state reads every communication's state (calls[].state, messages[].state, ...), the flat view's state, and endTime.",
		Remedy:       "Nothing to drop for this participant; if it still owes wrap-up, apply the wrap-up instead.",
		Confirm:      "GET /api/v2/conversations/{id} shows the participant's communications disconnected.",
		SuppressedBy: []*diagnose.CauseInfo{causeParticipantStaleLeg, causeConversationEnded},
	}
	causeParticipantNotConnectedYet = &diagnose.CauseInfo{ID: "participant.not-connected-yet",
		Title:        "Participant not connected yet",
		Meaning:      "The target's communication is alerting, dialing, contacting or offering: it is still being set up.",
		Detection:    "participant-state reads the communication states.",
		Remedy:       "Wait until it connects (or let it time out), then drop it; to refuse a ringing alert, the agent declines it.",
		Confirm:      "GET the conversation again: the state is connected; then the PATCH succeeds.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded},
	}
	causeParticipantConsultInProgress = &diagnose.CauseInfo{ID: "participant.consult-in-progress",
		Title:        "Participant is part of an unfinished consult transfer",
		Meaning:      "The target is one side of a consult transfer that is still under way (consultParticipantId links it to a live participant). Changing one side of a consult conflicts with the transfer in progress.",
		Detection:    "participant-state follows consultParticipantId in both directions and reads recentTransfers.",
		Remedy:       "Finish the consult first (PATCH .../consult {\"speakTo\":\"CONFERENCE\"} or cancel it with DELETE .../consult), then drop the participant.",
		Confirm:      "GET the conversation: no live participant carries a consultParticipantId to the target.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded},
	}
	causeParticipantSystemPurpose = &diagnose.CauseInfo{ID: "participant.system-purpose",
		Title:        "Target is a system leg",
		Meaning:      "The target's purpose is a system leg (acd, ivr, workflow, voicemail, ...), owned by routing or a flow rather than a person; it ends when routing moves the call on.",
		Detection:    "participant-state reads the target's purpose.",
		Remedy:       "Drop the person's leg (agent or customer) instead, or transfer the call out of the queue or flow.",
		Confirm:      "The corrected request targets a participant with purpose agent, customer, external or user.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded, causeParticipantAlreadyEnded},
	}
)

// StateFacts is what participant-state established, for the conclusion.
type StateFacts struct {
	// Target is the participant judged.
	Target *diagnose.PView
	// Behind is the person a system leg stands in front of (the caller
	// behind an ivr or acd leg), when the conversation shows one.
	Behind *diagnose.PView
	// Consult is the unfinished consult transfer the target is part of.
	Consult *ConsultLink
}

// ConsultLink is an unfinished consult transfer: the party being
// transferred (Object) and the target's other side.
type ConsultLink struct {
	Object, Other *diagnose.PView
	// TargetIsDestination is set when the target is the consulted party
	// (it joined after the other side linked to the same object):
	// cancelling the consult ends it.
	TargetIsDestination bool
}

func runState(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	pf, _ := diagnose.Result[*ProvenanceFacts](p, Provenance)
	tf, _ := diagnose.Result[*TimelineFacts](p, Timeline)
	if tf == nil {
		tf = &TimelineFacts{PhaseAtFailure: diagnose.PhaseUnknown}
	}
	defer reportErrorBody(p)
	if ev.Mode == diagnose.ModeDryRun {
		p.Skip("dry run: the participant's state is not fetched")
		return nil, nil
	}
	if pf == nil || pf.Target() == nil {
		p.Skip("no target participant (see participant-provenance)")
		return nil, nil
	}
	conv := pf.Conv
	if conv == nil {
		p.Skip("no conversation evidence: give --conversation-json or --call-json, or run live")
		return nil, nil
	}
	r := pf.Target()
	v := r.Named
	judging := "the participant the request named"
	if v == nil || r.Kind != IDParticipant {
		v = r.Intended
		judging = "the participant the id most likely meant"
	}
	if v == nil {
		p.Skip("the id names no participant of the conversation (see participant-provenance)")
		return nil, nil
	}
	src, path := conv.Source(v)
	p.Detail("judging %s: %s", judging, describe(conv, v))
	sf := &StateFacts{Target: v}

	states := v.States(conv)
	var refs []diagnose.Ref
	for _, s := range states {
		refs = append(refs, p.Saw(s.Source, s.Path, s.State))
	}
	if et := v.EndTime(); et != "" {
		refs = append(refs, p.Saw(src, path+".endTime", et))
	}
	noState := len(states) == 0 && v.EndTime() == ""
	if noState {
		p.Detail("participant %s has no communication (no calls[], messages[], ...) and no endTime: its state cannot be read", v.ID)
	}
	viewsDisagree(p, conv, v, states)

	// Ended, and when, against the moment of failure?
	if !noState && v.Ended(conv) && judgeAlreadyEnded(p, conv, v, tf, refs) {
		p.Summary("participant %s had ended when the request failed", v.ID)
		return sf, nil
	}
	if !noState && !v.Ended(conv) {
		p.RuleOut(causeParticipantAlreadyEnded, "participant %s is %s", v.ID, stateSummary(conv, v))
	}

	// Still connecting when the request failed?
	if !noState {
		judgeConnecting(p, conv, v, states, tf, refs)
	}

	// System leg?
	if pu := v.Purpose(); pu != "" {
		ref := p.Saw(src, path+".purpose", pu)
		if genesys.IsSystemPurpose(pu) {
			sf.Behind = personBehind(conv, v)
			l := diagnose.Likely
			note := ""
			if !strings.EqualFold(pu, "acd") && !strings.EqualFold(pu, "ivr") {
				l = diagnose.Possible
				note = " (REST is documented to use acd and ivr; that it uses the analytics purposes such as " + pu + " is UNCONFIRMED)"
			}
			p.Report(diagnose.Cause{Info: causeParticipantSystemPurpose, Likelihood: l, Evidence: []diagnose.Ref{ref},
				Explanation: fmt.Sprintf("Participant %s has purpose %q: a system leg owned by routing or a flow%s, not a person. It ends when routing moves the interaction on.", v.ID, pu, note),
				Fix:         noRequestFix("Drop the person's leg (agent or customer) instead, or transfer the interaction out of the queue or flow")})
		} else {
			p.RuleOut(causeParticipantSystemPurpose, "the purpose is %q", pu)
		}
	}

	sf.Consult = judgeConsult(p, conv, v)
	if noState {
		if genesys.IsSystemPurpose(v.Purpose()) {
			p.Summary("participant %s has no communication state; its purpose is %s", v.ID, v.Purpose())
		} else {
			p.Set(diagnose.StatusWarn, "participant %s has no communication state to judge", v.ID)
		}
		return sf, nil
	}
	if tf.PhaseAtFailure != diagnose.PhaseUnknown && string(tf.PhaseAtFailure) != stateSummary(conv, v) {
		p.Summary("participant %s was %s when the request failed (%s now)", v.ID, tf.PhaseAtFailure, stateSummary(conv, v))
	} else {
		p.Summary("participant %s is %s", v.ID, stateSummary(conv, v))
	}

	for _, s := range states {
		if s.Comm != nil && (s.Comm.Held || s.Comm.Confined) {
			p.Detail("%s is held%s: a held leg can still be dropped", s.Path[:strings.LastIndex(s.Path, ".")], map[bool]string{true: " (confined: hears hold music)", false: ""}[s.Comm.Confined])
		}
	}
	if v.G != nil && (v.G.MonitoredParticipant != "" || v.G.CoachedParticipant != "" || v.G.BargedParticipant != "") {
		p.Detail("participant %s monitors, coaches or barged into another participant", v.ID)
	}
	return sf, nil
}

// personBehind is the person a system leg stands in front of: the live
// customer or external party of the conversation (the caller behind an ivr
// or queue leg), when there is exactly one.
func personBehind(conv *diagnose.Conv, v *diagnose.PView) *diagnose.PView {
	var found *diagnose.PView
	for _, o := range conv.Participants {
		if o == v || !o.Live(conv) {
			continue
		}
		switch strings.ToLower(o.Purpose()) {
		case "customer", "external":
			if found != nil {
				return nil
			}
			found = o
		}
	}
	return found
}

// judgeAlreadyEnded judges a target that has ended (in the GET) against the
// moment of failure; it reports whether the target had ended when the
// request failed (or may have), so that nothing else is judged about it.
func judgeAlreadyEnded(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, tf *TimelineFacts, refs []diagnose.Ref) bool {
	ev, f := p.Evidence, tf.Failure
	notes := []string{}
	if v.G != nil && v.G.WrapupRequired || v.C != nil && v.C.WrapupRequired {
		notes = append(notes, "the participant still owes wrap-up: apply it with PATCH .../participants/{pid} {\"wrapup\":{...}} or POST .../communications/{commId}/wrapup")
	}
	fix := noRequestFix("Nothing to drop for this participant; GET the conversation again before acting on it", notes...)
	switch {
	case tf.Race:
		p.RuleOut(causeParticipantAlreadyEnded, "judged as a race with the hang-up (timeline)")
		return true
	case tf.EndOrder == diagnose.After:
		p.RuleOut(causeParticipantAlreadyEnded, "%s: it was %s when the request failed", f.Describe("participant "+v.ID+" ended", tf.End), orPhase(tf.PhaseAtFailure))
		return false
	case tf.EndOrder == diagnose.Before:
		p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: diagnose.Confirmed, Evidence: append(refs, failureRef(f)),
			Explanation: fmt.Sprintf("Participant %s had already ended when the request failed: %s (%s). There was nothing left to drop, and ending it again conflicts.", v.ID, f.Describe("it ended", tf.End), endedWhy(conv, v)),
			Fix:         fix})
		return true
	}
	if seen, ok := endedInEarlierView(ev, v); ok {
		p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: diagnose.Confirmed, Evidence: append(refs, seen),
			Explanation: fmt.Sprintf("Participant %s had already ended before the request failed: the GET taken before the failure (%s) shows it ended (%s). There was nothing left to drop, and ending it again conflicts.", v.ID, seen.Source, endedWhy(conv, v)),
			Fix:         fix})
		return true
	}
	p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: diagnose.Likely, Evidence: refs,
		Explanation: fmt.Sprintf("Participant %s has ended: %s. Ending it again conflicts. %s", v.ID, endedWhy(conv, v), afterNote(ev)),
		Fix:         fix})
	return true
}

func orPhase(ph diagnose.Phase) string {
	if ph == diagnose.PhaseUnknown {
		return "still there"
	}
	return string(ph)
}

// endedInEarlierView reads the GET taken before the failure (a HAR that
// recorded one): did it already show the participant ended?
func endedInEarlierView(ev *diagnose.Evidence, v *diagnose.PView) (diagnose.Ref, bool) {
	if ev.EarlierConversation == nil {
		return diagnose.Ref{}, false
	}
	ec := diagnose.BuildConv(ev.EarlierConversation, nil, ev.EarlierConversationFetch.Label(), "")
	if ev2 := ec.ByID(v.ID); ev2 != nil && ev2.Ended(ec) {
		src, path := ec.Source(ev2)
		return diagnose.Ref{Source: src, Path: path, Value: "ended: " + stateSummary(ec, ev2)}, true
	}
	return diagnose.Ref{}, false
}

// judgeConnecting reports participant.not-connected-yet: the target was
// still being set up when the request failed (read from its timestamps when
// the moment is known, else from the GET).
func judgeConnecting(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, states []diagnose.StateRead, tf *TimelineFacts, refs []diagnose.Ref) {
	f := tf.Failure
	fix := newFix("Wait until it connects (or times out), then drop it; to refuse a ringing alert, let the agent decline it")
	if tf.PhaseAtFailure != diagnose.PhaseUnknown {
		switch tf.PhaseAtFailure {
		case diagnose.PhaseAlerting:
			l, why := diagnose.Likely, ""
			if o := connectedOrder(tf.Life, f); o == diagnose.Around {
				l, why = diagnose.Possible, " It connected within the clock tolerance of the failure, so it may already have been connected."
			}
			p.Report(diagnose.Cause{Info: causeParticipantNotConnectedYet, Likelihood: l, Evidence: append(refs, failureRef(f)),
				Explanation: fmt.Sprintf("Participant %s was still alerting when the request failed at %s: %s. Dropping a leg that has not connected conflicts with the setup in progress (inferred; the reference does not document it).%s", v.ID, f, alertingWhy(tf.Life), why),
				Fix:         fix})
		case diagnose.PhaseNotJoined:
			p.RuleOut(causeParticipantNotConnectedYet, "participant %s had not joined yet at %s", v.ID, f)
			p.Detail("participant %s joined after the failure at %s: the request named a participant that did not exist yet", v.ID, f)
		default:
			p.RuleOut(causeParticipantNotConnectedYet, "participant %s was %s when the request failed at %s", v.ID, tf.PhaseAtFailure, f)
		}
		return
	}
	var connecting []string
	connected := false
	for _, s := range states {
		switch {
		case genesys.NotYetConnected(s.State):
			connecting = append(connecting, s.State)
		case genesys.StateIs(s.State, genesys.StateConnected):
			connected = true
		}
	}
	if len(connecting) == 0 || connected {
		p.RuleOut(causeParticipantNotConnectedYet, "participant %s is connected", v.ID)
		return
	}
	p.Report(diagnose.Cause{Info: causeParticipantNotConnectedYet, Likelihood: diagnose.Likely, Evidence: refs,
		Explanation: fmt.Sprintf("Participant %s is %s: still being set up. Dropping a leg that has not connected conflicts with the setup in progress (inferred; the reference does not document it).", v.ID, strings.Join(connecting, ", ")),
		Fix:         fix})
}

// connectedOrder places the target's connection against the failure.
func connectedOrder(l diagnose.Lifeline, f *diagnose.FailureTime) diagnose.Order {
	for _, s := range l.Spans {
		if !s.Connected.IsZero() {
			return f.Compare(s.Connected)
		}
	}
	return diagnose.OrderUnknown
}

func alertingWhy(l diagnose.Lifeline) string {
	for _, s := range l.Spans {
		switch {
		case !s.Alerting.IsZero() && !s.Connected.IsZero():
			return fmt.Sprintf("alerting from %s, connected at %s", diagnose.FormatTime(s.Alerting), diagnose.FormatTime(s.Connected))
		case !s.Alerting.IsZero() && !s.Disconnected.IsZero():
			return fmt.Sprintf("alerting from %s until it ended unanswered at %s (%s)", diagnose.FormatTime(s.Alerting), diagnose.FormatTime(s.Disconnected), orDash(s.DisconnectType))
		case !s.Alerting.IsZero():
			return "alerting from " + diagnose.FormatTime(s.Alerting)
		}
	}
	return "from its timestamps"
}

// viewsDisagree notes when the generic and flat views disagree.
func viewsDisagree(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, states []diagnose.StateRead) {
	if v.G == nil || v.C == nil || v.C.State == "" {
		return
	}
	gLive, cLive := false, !genesys.Ended(v.C.State)
	for _, s := range states {
		if s.Comm != nil && !genesys.Ended(s.State) {
			gLive = true
		}
	}
	if len(v.G.Comms()) > 0 && gLive != cLive {
		p.Detail("the two views disagree: the generic view says %s, the call view says %s (a change in progress, or GETs taken at different times)", stateSummary(conv, &diagnose.PView{ID: v.ID, GIndex: v.GIndex, CIndex: -1, G: v.G}), v.C.State)
	}
}

func endedWhy(conv *diagnose.Conv, v *diagnose.PView) string {
	var parts []string
	if et := v.EndTime(); et != "" {
		parts = append(parts, "endTime "+et)
	}
	for _, s := range v.States(conv) {
		w := s.Path + " = " + s.State
		if s.Comm != nil && s.Comm.DisconnectType != "" {
			w += " (disconnectType " + s.Comm.DisconnectType + ")"
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// consultClosed are recentTransfers states that mean a transfer is over.
// The enum was not read (UNCONFIRMED), so the match is loose.
var consultClosed = []string{"complete", "completed", "failed", "cancelled", "canceled", "done", "ended"}

// judgeConsult reports participant.consult-in-progress and returns the
// consult the target is part of.
func judgeConsult(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView) *ConsultLink {
	src, path := conv.Source(v)
	var link *diagnose.PView
	var refs []diagnose.Ref
	if id := v.ConsultParticipantID(); id != "" {
		refs = append(refs, p.Saw(src, path+".consultParticipantId", id))
		if o := conv.ByID(id); o != nil && o.Live(conv) {
			link = o
		}
	}
	if link == nil {
		for _, o := range conv.Participants {
			if o != v && strings.EqualFold(o.ConsultParticipantID(), v.ID) && o.Live(conv) {
				osrc, opath := conv.Source(o)
				refs = append(refs, p.Saw(osrc, opath+".consultParticipantId", v.ID))
				link = o
				break
			}
		}
	}
	if link != nil {
		cl := &ConsultLink{Object: consultObject(v, link)}
		cl.Other = otherOf(cl.Object, v, link)
		cl.TargetIsDestination = cl.Object != v && joinedAfterOtherSide(conv, v, cl.Object)
		fix := newFix("Finish the consult first (PATCH .../consult {\"speakTo\":\"CONFERENCE\"} to conference it in, or DELETE .../consult to cancel it), then drop the participant")
		if cl.TargetIsDestination {
			fix = newFix("Cancel the consult transfer (DELETE .../participants/{object}/consult): that ends the consulted participant's leg")
		}
		fix.Notes = append(fix.Notes, fmt.Sprintf("the reference does not say which side of a consult {participantId} names; convdiag uses %s, the party being transferred; if the server answers 404 use %s", cl.Object.ID, cl.Other.ID))
		p.Report(diagnose.Cause{Info: causeParticipantConsultInProgress, Likelihood: diagnose.Likely, Evidence: refs,
			Explanation: fmt.Sprintf("Participant %s is one side of a consult transfer that is still under way: consultParticipantId links it to %s, which is live. Changing one side of an unfinished consult conflicts with the transfer.", v.ID, describe(conv, link)),
			Fix:         fix})
		return cl
	}
	if conv.Generic != nil {
		for i, t := range conv.Generic.RecentTransfers {
			if strings.Contains(strings.ToLower(t.TransferType), "consult") && t.State != "" && !containsFold(consultClosed, t.State) {
				ref := p.Saw(conv.GenericSource, fmt.Sprintf("recentTransfers[%d].state", i), t.State)
				p.Report(diagnose.Cause{Info: causeParticipantConsultInProgress, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
					Explanation: fmt.Sprintf("recentTransfers[%d] is a %s transfer in state %q. No participant is linked by consultParticipantId, and the transfer state enum is UNCONFIRMED, so this may be over.", i, t.TransferType, t.State),
					Fix:         newFix("GET the conversation again; if a consult is still under way, finish or cancel it first")})
				return nil
			}
		}
	}
	p.RuleOut(causeParticipantConsultInProgress, "no live participant is linked to %s by consultParticipantId", v.ID)
	return nil
}

// joinedAfterOtherSide reports whether v is the consulted party: another
// live participant links to the same object and joined before v.
func joinedAfterOtherSide(conv *diagnose.Conv, v, object *diagnose.PView) bool {
	for _, o := range conv.Participants {
		if o != v && o != object && o.Live(conv) && strings.EqualFold(o.ConsultParticipantID(), object.ID) && startOf(o) != "" && startOf(o) < startOf(v) {
			return true
		}
	}
	return false
}

func startOf(v *diagnose.PView) string {
	if v.G != nil && v.G.StartTime != "" {
		return v.G.StartTime
	}
	if v.C != nil {
		return v.C.StartTime
	}
	return ""
}

// consultObject guesses the party being transferred among the two sides:
// the customer or external side when there is one.
func consultObject(a, b *diagnose.PView) *diagnose.PView {
	for _, v := range []*diagnose.PView{a, b} {
		switch strings.ToLower(v.Purpose()) {
		case "customer", "external":
			return v
		}
	}
	return b
}

func otherOf(x, a, b *diagnose.PView) *diagnose.PView {
	if x == a {
		return b
	}
	return a
}
