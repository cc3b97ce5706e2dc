package checks

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// State is the last shared check: is the target in the state the operation
// needs (diagnose.Operation.Needs: connected to hold, alerting to answer,
// live to drop, anything to wrap up)? Its communication states at the
// moment of failure, endTime, purpose, hold.
var State = &diagnose.Check{
	ID:       "participant-state",
	Title:    "Participant state",
	Doc:      "The target's communication state(s) at the moment of failure against what the operation needs (connected to hold or mute, alerting to answer, live to drop), endTime, purpose, held/confined, wrap-up.",
	Requires: []*diagnose.Check{RequestLine, OperationCheck, BodyShape, Provenance, Timeline},
	Causes:   []*diagnose.CauseInfo{causeParticipantAlreadyEnded, causeParticipantNotConnectedYet, causeParticipantNotAlerting, causeParticipantSystemPurpose},
	Run:      runState,
}

// The causes participant-state reports (stable ids: add, never rename).
var (
	causeParticipantAlreadyEnded = &diagnose.CauseInfo{ID: "participant.already-ended",
		Title:        "Participant already ended",
		Meaning:      "The target's communications are disconnected or terminated, or it has an endTime: there is nothing left to drop, hold, mute or transfer, and acting on it conflicts (conversation.error.call.disconnected, conversation.error.participant.no.active.conversations). For a drop this is the most likely 409 (reference, fact 3). A wrap-up is the one operation meant for after the end.",
		Detection:    "participant-state reads every communication's state (calls[].state, messages[].state, ...), the flat view's state, and endTime, at the moment of failure.",
		Remedy:       "Nothing to act on for this participant; if it still owes wrap-up, apply the wrap-up instead.",
		Confirm:      "GET /api/v2/conversations/{id} shows the participant's communications disconnected.",
		SuppressedBy: []*diagnose.CauseInfo{causeParticipantStaleLeg, causeConversationEnded},
	}
	causeParticipantNotConnectedYet = &diagnose.CauseInfo{ID: "participant.not-connected-yet",
		Title:        "Participant not connected yet",
		Meaning:      "The target's communication is alerting, dialing, contacting or offering: it is still being set up, and the operation needs it connected. The definitions document it for holding (conversation.error.hold.alerting \"A communication that is alerting cannot be held\"), transferring (conversations.error.transfer.not.connected) and conferencing (conversation.error.cannot.merge.alerting.conference); for a drop the conflict is inferred.",
		Detection:    "participant-state reads the communication states at the moment of failure, and the response's documented code.",
		Remedy:       "Wait until it connects (the plan's wait step), then send the same request; to refuse a ringing alert, the agent declines it.",
		Confirm:      "GET the conversation again: the state is connected; then the request succeeds.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded},
	}
	causeParticipantNotAlerting = &diagnose.CauseInfo{ID: "participant.not-alerting",
		Title:        "Nothing alerting to answer",
		Meaning:      "Answering ({\"state\":\"connected\"}) works only on an alerting communication (callback.error.answer.not.alerting \"Only alerting calls can be answered\", postino.error.answer.not.alerting): the target's communication is already connected, or was never offered to it.",
		Detection:    "participant-state reads the communication states at the moment of failure, and the response's documented code.",
		Remedy:       "Nothing to answer: the communication is connected already (or answer the participant whose communication is alerting).",
		Confirm:      "GET the conversation: the communication is connected.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded, causeParticipantAlreadyEnded},
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

// StateFacts is what participant-state established, for the operation's
// own checks and the conclusion.
type StateFacts struct {
	// Target is the participant judged.
	Target *diagnose.PView
	// Behind is the person a system leg stands in front of (the caller
	// behind an ivr or acd leg), when the conversation shows one.
	Behind *diagnose.PView
	// Conv is the conversation the target is in.
	Conv *diagnose.Conv
	// Ended is set when the target had ended when the request failed (or
	// may have, when the moment is unknown), so nothing else about it was
	// judged.
	Ended bool
}

func runState(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	pf, _ := diagnose.Result[*ProvenanceFacts](p, Provenance)
	tf, _ := diagnose.Result[*TimelineFacts](p, Timeline)
	if tf == nil {
		tf = &TimelineFacts{PhaseAtFailure: diagnose.PhaseUnknown}
	}
	defer reportErrorBody(p)
	need := p.Operation.Needs
	switch {
	case ev.Mode == diagnose.ModeDryRun:
		p.Skip("dry run: the participant's state is not fetched")
		return nil, nil
	case need == diagnose.NeedConversation:
		p.Skip("%s acts on the conversation, not on one participant", p.Operation.ID)
		return nil, nil
	case pf == nil || pf.Target() == nil:
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
	sf := &StateFacts{Target: v, Conv: conv}

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

	if need == diagnose.NeedParticipant {
		p.RuleOut(causeParticipantAlreadyEnded, "%s is meant for a participant whatever its state (participant %s is %s)", p.Operation.ID, v.ID, stateSummary(conv, v))
		p.Summary("participant %s is %s; %s does not need it live", v.ID, stateSummary(conv, v), p.Operation.ID)
		return sf, nil
	}

	// Ended, and when, against the moment of failure?
	if !noState && v.Ended(conv) && judgeAlreadyEnded(p, conv, v, tf, refs) {
		sf.Ended = true
		if tf.Failure.Known() {
			p.Summary("participant %s had ended when the request failed", v.ID)
		} else {
			p.Summary("participant %s has ended, as the GET shows now (the moment of failure is unknown: give --at)", v.ID)
		}
		return sf, nil
	}
	if !noState && !v.Ended(conv) {
		p.RuleOut(causeParticipantAlreadyEnded, "participant %s is %s", v.ID, stateSummary(conv, v))
	}

	// Still connecting, or (to answer) no longer alerting?
	if !noState {
		if need == diagnose.NeedAlerting {
			judgeAlerting(p, conv, v, states, tf, refs)
		} else {
			judgeConnecting(p, conv, v, states, tf, refs)
		}
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
				Fix:         noRequestFix(fmt.Sprintf("%s the person's leg (agent or customer) instead, or transfer the interaction out of the queue or flow", upperFirst(opWords(p).Verb)))})
		} else {
			p.RuleOut(causeParticipantSystemPurpose, "the purpose is %q", pu)
		}
	}

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
			p.Detail("%s is held%s", s.Path[:strings.LastIndex(s.Path, ".")], map[bool]string{true: " (confined: hears hold music)", false: ""}[s.Comm.Confined])
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
	fix := noRequestFix(fmt.Sprintf("Nothing to %s for this participant; GET the conversation again before acting on it", opWords(p).Verb), notes...)
	switch {
	case tf.Race:
		p.RuleOut(causeParticipantAlreadyEnded, "judged as a race with the hang-up (timeline)")
		return true
	case tf.EndOrder == diagnose.After:
		p.RuleOut(causeParticipantAlreadyEnded, "%s: it was %s when the request failed", f.Describe("participant "+v.ID+" ended", tf.End), orPhase(tf.PhaseAtFailure))
		return false
	case tf.EndOrder == diagnose.Before:
		p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: diagnose.Confirmed, Evidence: append(refs, failureRef(f)),
			Explanation: fmt.Sprintf("Participant %s had already ended when the request failed: %s (%s). There was nothing left to %s, and acting on it conflicts.", v.ID, f.Describe("it ended", tf.End), endedWhy(conv, v), opWords(p).Verb),
			Fix:         fix})
		return true
	}
	if seen, ok := endedInEarlierView(ev, v); ok {
		p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: diagnose.Confirmed, Evidence: append(refs, seen),
			Explanation: fmt.Sprintf("Participant %s had already ended before the request failed: the GET taken before the failure (%s) shows it ended (%s). There was nothing left to %s, and acting on it conflicts.", v.ID, seen.Source, endedWhy(conv, v), opWords(p).Verb),
			Fix:         fix})
		return true
	}
	p.Report(diagnose.Cause{Info: causeParticipantAlreadyEnded, Likelihood: unknownMoment(p, diagnose.Likely), Evidence: refs,
		Explanation: fmt.Sprintf("Participant %s has ended (as the GET shows it now): %s. Acting on it conflicts. %s", v.ID, endedWhy(conv, v), afterNote(ev)),
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
// the moment is known, else from the GET). Where the definitions document
// the condition for the operation (an alerting call cannot be held), a
// known moment confirms it; elsewhere the conflict is inferred.
func judgeConnecting(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, states []diagnose.StateRead, tf *TimelineFacts, refs []diagnose.Ref) {
	f := tf.Failure
	w := opWords(p)
	why, documented := notConnectedWhy(p.Operation.ID)
	fix := waitFix(fmt.Sprintf("Wait until it connects (or times out), then %s", w.Phrase()), v.ID, liveCommunication(conv, v), genesys.StateConnected)
	if p.Operation.ID == diagnose.OpDisconnect {
		fix.Notes = append(fix.Notes, "to refuse a ringing alert instead, let the agent decline it")
	}
	if tf.PhaseAtFailure != diagnose.PhaseUnknown {
		switch tf.PhaseAtFailure {
		case diagnose.PhaseAlerting:
			l, tol := diagnose.Likely, ""
			if documented {
				l = diagnose.Confirmed
			}
			if o := connectedOrder(tf.Life, f); o == diagnose.Around {
				l, tol = diagnose.Possible, " It connected within the clock tolerance of the failure, so it may already have been connected."
			}
			p.Report(diagnose.Cause{Info: causeParticipantNotConnectedYet, Likelihood: l, Evidence: append(refs, failureRef(f)),
				Explanation: fmt.Sprintf("Participant %s was still alerting when the request failed at %s: %s. %s%s", v.ID, f, alertingWhy(tf.Life), why, tol),
				Fix:         fix})
		case diagnose.PhaseNotJoined:
			p.RuleOut(causeParticipantNotConnectedYet, "participant %s had not joined yet at %s", v.ID, f)
			p.Detail("participant %s joined after the failure at %s: the request named a participant that did not exist yet", v.ID, f)
		default:
			p.RuleOut(causeParticipantNotConnectedYet, "participant %s was %s when the request failed at %s", v.ID, tf.PhaseAtFailure, f)
		}
		return
	}
	connecting, connected := connectingStates(states)
	if len(connecting) == 0 || connected {
		p.RuleOut(causeParticipantNotConnectedYet, "participant %s is connected", v.ID)
		return
	}
	p.Report(diagnose.Cause{Info: causeParticipantNotConnectedYet, Likelihood: unknownMoment(p, diagnose.Likely), Evidence: refs,
		Explanation: fmt.Sprintf("Participant %s is %s: still being set up. %s %s", v.ID, strings.Join(connecting, ", "), why, nowNote(p.Evidence)),
		Fix:         fix})
}

// notConnectedWhy says why a communication that is not connected yet
// fails the operation, and whether the definitions document it.
func notConnectedWhy(op diagnose.OpID) (string, bool) {
	switch op {
	case diagnose.OpHold, diagnose.OpUnhold:
		return "An alerting communication cannot be held (documented: conversation.error.hold.alerting).", true
	case diagnose.OpTransfer:
		return "Only connected participants can be transferred (documented: conversations.error.transfer.not.connected).", true
	case diagnose.OpDisconnect:
		return "Dropping a leg that has not connected conflicts with the setup in progress (inferred; the reference does not document it).", false
	}
	return fmt.Sprintf("It has to be connected to %s (inferred; the reference does not document it for this operation).", diagnose.WordsOf(op).Phrase()), false
}

func connectingStates(states []diagnose.StateRead) (connecting []string, connected bool) {
	for _, s := range states {
		switch {
		case genesys.NotYetConnected(s.State):
			connecting = append(connecting, s.State)
		case genesys.StateIs(s.State, genesys.StateConnected):
			connected = true
		}
	}
	return connecting, connected
}

// nowNote says that, without a moment of failure, a state read from a GET
// is the state now (DESIGN §4b.4).
func nowNote(ev *diagnose.Evidence) string {
	if ev.Failure.Known() {
		return ""
	}
	return "This is the state the GET shows, which may be from after the failure: give --at (the time in the customer's log) or the response with its Date header to judge the state when the request failed."
}

// judgeAlerting reports participant.not-alerting: answering needs an
// alerting communication.
func judgeAlerting(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, states []diagnose.StateRead, tf *TimelineFacts, refs []diagnose.Ref) {
	if tf.PhaseAtFailure != diagnose.PhaseUnknown {
		switch tf.PhaseAtFailure {
		case diagnose.PhaseAlerting:
			p.RuleOut(causeParticipantNotAlerting, "participant %s was alerting when the request failed at %s", v.ID, tf.Failure)
		case diagnose.PhaseNotJoined:
			p.RuleOut(causeParticipantNotAlerting, "participant %s had not joined yet at %s", v.ID, tf.Failure)
		default:
			p.Report(diagnose.Cause{Info: causeParticipantNotAlerting, Likelihood: diagnose.Confirmed, Evidence: append(refs, failureRef(tf.Failure)),
				Explanation: fmt.Sprintf("Participant %s was %s when the request failed at %s, not alerting: only an alerting communication can be answered (documented: callback.error.answer.not.alerting).", v.ID, tf.PhaseAtFailure, tf.Failure),
				Fix:         noRequestFix("Nothing to answer: the communication is past alerting")})
		}
		return
	}
	connecting, connected := connectingStates(states)
	if len(connecting) > 0 && !connected {
		p.RuleOut(causeParticipantNotAlerting, "participant %s is %s", v.ID, strings.Join(connecting, ", "))
		return
	}
	p.Report(diagnose.Cause{Info: causeParticipantNotAlerting, Likelihood: unknownMoment(p, diagnose.Likely), Evidence: refs,
		Explanation: fmt.Sprintf("Participant %s is %s, not alerting: only an alerting communication can be answered (documented: callback.error.answer.not.alerting). %s", v.ID, stateSummary(conv, v), nowNote(p.Evidence)),
		Fix:         noRequestFix("Nothing to answer: the communication is past alerting")})
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
