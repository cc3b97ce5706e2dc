package transfer

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

// ConsultStart is the consult's own check: is the call a conference (a
// consult is not allowed on one), and is the token's user on the call?
var ConsultStart = &diagnose.Check{
	ID:       "consult-start",
	Title:    "Consult start",
	Doc:      "A consult transfer starts from a two-party call, not a conference, with a token of a user connected on the call. Which participant the path names (the party being transferred, or the consulting agent) is UNCONFIRMED: nothing above possible rests on it.",
	Requires: []*diagnose.Check{checks.Token, checks.State},
	Causes:   []*diagnose.CauseInfo{causeConsultConference, checks.CauseTokenNotParty},
	Run:      runConsultStart,
}

// ConsultState is the speak-to's and the cancel's own check: is a consult
// under way?
var ConsultState = &diagnose.Check{
	ID:       "consult-state",
	Title:    "Consult under way",
	Doc:      "Speak-to and cancel act on a consult transfer under way: a live participant linked by consultParticipantId, or an attended transfer Pending or Active in recentTransfers.",
	Requires: []*diagnose.Check{checks.State},
	Causes:   []*diagnose.CauseInfo{causeConsultNotInProgress},
	Run:      runConsultState,
}

// The causes of the consult checks (stable ids: add, never rename).
var (
	causeConsultConference = &diagnose.CauseInfo{ID: "consult.conference",
		Title:     "Consult transfer started on a conference",
		Meaning:   "An attended (consult) transfer starts from a call between two parties; on a conference the server refuses it (conversation.error.cannot.transfer.conference \"Performing a consult transfer on a conference is not allowed\").",
		Detection: "consult-start counts the call's live parties (people, not queue or flow legs) and reads the response's documented code.",
		Remedy:    "Blind-transfer the party instead, or take the call out of the conference first.",
		Confirm:   "GET the conversation: two live parties; then the consult answers 200.",
	}
	causeConsultNotInProgress = &diagnose.CauseInfo{ID: "consult.not-in-progress",
		Title:     "No consult transfer under way",
		Meaning:   "Speak-to (PATCH .../consult) and cancel (DELETE .../consult) act on a consult transfer that is under way; with none (it was never started, it already completed or was cancelled) the server answers conversation.error.consult.transfer.pending.not.found or, for a cancel before it started, conversation.error.consult.transfer.not.started.",
		Detection: "consult-state follows consultParticipantId in both directions and reads recentTransfers, and the response's documented code.",
		Remedy:    "Start the consult first (POST .../voice/consult, .../consult/agent, .../consult/queue); steer or cancel it only while it is under way.",
		Confirm:   "GET the conversation: a live participant carries a consultParticipantId; then the PATCH or DELETE answers 200.",
	}
)

func runConsultStart(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil {
		p.Skip("no conversation evidence: give --conversation-json, or run live")
		return nil, nil
	}
	conv := sf.Conv
	var parties []*diagnose.PView
	for _, v := range conv.Participants {
		if v.Live(conv) && isParty(v.Purpose()) {
			parties = append(parties, v)
		}
	}
	src := conv.GenericSource
	if conv.Generic == nil {
		src = conv.CallSource
	}
	ref := diagnose.Ref{Source: src, Path: "participants[*]", Value: diagnose.Plural(len(parties), "party", "parties") + " live"}
	if len(parties) > 2 {
		l, why := diagnose.Likely, ""
		if eb := p.Evidence.Response.ErrorBody(); eb != nil && eb.Code == "conversation.error.cannot.transfer.conference" {
			l, why = diagnose.Confirmed, " The server answered conversation.error.cannot.transfer.conference."
		}
		fix := checks.NoRequestFix("Blind-transfer the party instead (.../replace/queue, .../replace/agent), or take the call out of the conference first")
		fix.NoneCanWork = true
		p.Report(diagnose.Cause{Info: causeConsultConference, Likelihood: l, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("The call has %s live: a conference, on which a consult transfer is not allowed (documented).%s", diagnose.Plural(len(parties), "party", "parties"), why),
			Fix:         fix})
	} else {
		p.RuleOut(causeConsultConference, "the call has %s live, not a conference", diagnose.Plural(len(parties), "party", "parties"))
	}
	judgeOnCall(p, conv, parties)
	p.Summary("%s live on the call", diagnose.Plural(len(parties), "party", "parties"))
	return nil, nil
}

// judgeOnCall reports token.not-party when the token's user is known and is
// no live participant of the call (a consult acts for a user on it).
func judgeOnCall(p *diagnose.Pass, conv *diagnose.Conv, parties []*diagnose.PView) {
	tf, _ := diagnose.Result[*checks.TokenFacts](p, checks.Token)
	user := tokenUser(p.Evidence)
	if tf == nil || tf.Kind != checks.TokenUser || user == "" {
		return
	}
	for _, v := range parties {
		if strings.EqualFold(v.UserID(), user) {
			p.RuleOut(checks.CauseTokenNotParty, "the token's user %s is on the call (participant %s)", user, v.ID)
			return
		}
	}
	p.Report(diagnose.Cause{Info: checks.CauseTokenNotParty, Likelihood: diagnose.Likely,
		Evidence:    []diagnose.Ref{{Source: "token's user", Value: user}, {Source: conv.GenericSource, Path: "participants[].userId", Value: "no live participant of that user"}},
		Explanation: fmt.Sprintf("The token is user %s's, who is on no live leg of the call: a consult acts for a user connected on it (not.a.participant \"You are not a connected participant on the call\").", user),
		Fix:         checks.NoRequestFix("Start the consult with a token of the agent connected on the call")})
}

// tokenUser is the user the token acts for, when the evidence names one.
func tokenUser(ev *diagnose.Evidence) string {
	if ev.Subject != nil && ev.Subject.ID != "" {
		return ev.Subject.ID
	}
	if ti := ev.TokenInfo; ti != nil && ti.AuthenticatedUser != nil {
		return ti.AuthenticatedUser.ID
	}
	return ""
}

func runConsultState(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil || sf.Target == nil {
		p.Skip("no target participant in a conversation (see participant-state)")
		return nil, nil
	}
	if cl := checks.FindConsult(p, sf.Conv, sf.Target); cl != nil {
		p.RuleOut(causeConsultNotInProgress, "participant %s is one side of a consult under way (with %s)", sf.Target.ID, otherSide(cl, sf.Target).ID)
		p.Summary("a consult is under way")
		return nil, nil
	}
	if _, what, ok := checks.OpenConsultTransfer(p, sf.Conv); ok {
		p.RuleOut(causeConsultNotInProgress, "%s", what)
		p.Detail("no participant is linked by consultParticipantId to %s: which participant the path should name is UNCONFIRMED", sf.Target.ID)
		return nil, nil
	}
	src, path := sf.Conv.Source(sf.Target)
	fix := checks.NoRequestFix("Start the consult first (POST .../voice/consult, .../consult/agent or .../consult/queue); steer or cancel it only while it is under way")
	fix.NoneCanWork = true
	p.Report(diagnose.Cause{Info: causeConsultNotInProgress, Likelihood: diagnose.Likely,
		Evidence:    []diagnose.Ref{{Source: src, Path: path + ".consultParticipantId", Value: "(none, and no live participant links to it)"}},
		Explanation: fmt.Sprintf("No consult transfer is under way for participant %s: no live participant is linked to it by consultParticipantId, and recentTransfers holds no attended transfer Pending or Active. %s", sf.Target.ID, "Which participant a consult's path names is UNCONFIRMED, so the link is looked for in both directions."),
		Fix:         fix})
	return nil, nil
}

func otherSide(cl *checks.ConsultLink, v *diagnose.PView) *diagnose.PView {
	if cl.Object == v {
		return cl.Other
	}
	return cl.Object
}

// isParty reports whether a purpose is a person on the call (not a queue,
// flow or voicemail leg).
func isParty(purpose string) bool {
	switch strings.ToLower(purpose) {
	case "agent", "user", "customer", "external", "":
		return true
	}
	return false
}
