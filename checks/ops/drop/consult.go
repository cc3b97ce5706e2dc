package drop

import (
	"encoding/json"
	"fmt"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

// Consult is the drop's own check: is the target one side of a consult
// transfer that is still under way? Dropping one side of an unfinished
// consult conflicts with the transfer; the fix finishes or cancels it.
var Consult = &diagnose.Check{
	ID:       "consult-in-progress",
	Title:    "Consult transfer",
	Doc:      "Is the target one side of an unfinished consult transfer (consultParticipantId in either direction, recentTransfers)?",
	Requires: []*diagnose.Check{checks.RequestLine, checks.State},
	Causes:   []*diagnose.CauseInfo{causeParticipantConsultInProgress},
	Run:      runConsult,
}

var causeParticipantConsultInProgress = &diagnose.CauseInfo{ID: "participant.consult-in-progress",
	Title:        "Participant is part of an unfinished consult transfer",
	Meaning:      "The target is one side of a consult transfer that is still under way (consultParticipantId links it to a live participant). Changing one side of a consult conflicts with the transfer in progress.",
	Detection:    "consult-in-progress follows consultParticipantId in both directions and reads recentTransfers (Pending or Active).",
	Remedy:       "Finish the consult first (PATCH .../consult {\"speakTo\":\"CONFERENCE\"} or cancel it with DELETE .../consult), then drop the participant.",
	Confirm:      "GET the conversation: no live participant carries a consultParticipantId to the target.",
	SuppressedBy: []*diagnose.CauseInfo{checks.CauseConversationEnded},
}

func runConsult(p *diagnose.Pass) (any, error) {
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	switch {
	case sf == nil || sf.Target == nil || sf.Conv == nil:
		p.Skip("no target participant in a conversation (see participant-state)")
		return nil, nil
	case sf.Ended:
		p.Skip("participant %s had ended (see participant-state)", sf.Target.ID)
		return nil, nil
	}
	v, conv := sf.Target, sf.Conv
	if cl := checks.FindConsult(p, conv, v); cl != nil {
		other := cl.Other
		if cl.Object != v {
			other = cl.Object
		}
		p.Report(diagnose.Cause{Info: causeParticipantConsultInProgress, Likelihood: diagnose.Likely, Evidence: cl.Refs,
			Explanation: fmt.Sprintf("Participant %s is one side of a consult transfer that is still under way: consultParticipantId links it to %s, which is live. Changing one side of an unfinished consult conflicts with the transfer.", v.ID, checks.Describe(conv, other)),
			Fix:         consultFix(p, conv, v, cl)})
		p.Summary("participant %s is one side of an unfinished consult transfer", v.ID)
		return nil, nil
	}
	if ref, what, ok := checks.OpenConsultTransfer(p, conv); ok {
		p.Report(diagnose.Cause{Info: causeParticipantConsultInProgress, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s, but no participant is linked by consultParticipantId: that the target is one side of it is UNCONFIRMED.", what),
			Fix:         checks.NewFix("GET the conversation again; if a consult is still under way, finish or cancel it first")})
		return nil, nil
	}
	p.RuleOut(causeParticipantConsultInProgress, "no live participant is linked to %s by consultParticipantId", v.ID)
	p.Summary("participant %s is in no consult transfer", v.ID)
	return nil, nil
}

// consultFix finishes the consult before the drop, or, when the target is
// the consulted party, cancels the consult (which ends its leg) instead.
func consultFix(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView, cl *checks.ConsultLink) *diagnose.Fix {
	rf := checks.Request(p)
	convID, base := conv.ID, ""
	if rf != nil {
		base = rf.BaseURL
		if convID == "" {
			convID = rf.ConversationID
		}
	}
	var vars []diagnose.Var
	ctx := &diagnose.FixContext{ConversationID: convID, ParticipantID: cl.Object.ID, Segment: "calls"}
	path := checks.ParticipantPath(ctx, &vars) + "/consult"
	note := fmt.Sprintf("the reference does not say which side of a consult {participantId} names; convdiag uses %s, the party being transferred; if the server answers 404 use %s", cl.Object.ID, cl.Other.ID)
	if cl.TargetIsDestination {
		f := checks.NewFix("Cancel the consult transfer (DELETE .../participants/{object}/consult): that ends the consulted participant's leg", note,
			fmt.Sprintf("participant %s is the consulted party of a consult transfer under way: cancelling the consult ends its leg in the simulated org, but the reference says only that the DELETE cancels the transfer (that it ends the consulted leg is UNCONFIRMED): GET the conversation after it, and if the leg is still up, drop it then with the participant PATCH", v.ID))
		f.Request = &diagnose.FixRequest{Method: "DELETE", BaseURL: base, Path: path, Vars: vars}
		return f
	}
	f := checks.NewFix("Finish the consult first (PATCH .../consult {\"speakTo\":\"CONFERENCE\"} to conference it in, or DELETE .../consult to cancel it), then drop the participant", note,
		"the consult transfer must end first: the request before it conferences the consult in")
	f.Steps = []diagnose.Step{{Kind: diagnose.StepRequest, Summary: "conference the consult in, so that it ends",
		Request: &diagnose.FixRequest{Method: "PATCH", BaseURL: base, Path: path, Body: json.RawMessage(`{"speakTo":"CONFERENCE"}`), Vars: vars}}}
	return f
}
