package controls

import (
	"encoding/json"
	"fmt"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

// ConsultLeg is hold's own check: is the target a party of a consult
// transfer under way? There, held has no effect (reported by Genesys
// staff); who hears whom is steered with the consult's speakTo.
var ConsultLeg = &diagnose.Check{
	ID:       "consult-leg",
	Title:    "Consult leg",
	Doc:      "Holding a party of a consult transfer under way has no effect: the consult is steered with PATCH .../consult speakTo (OBJECT talks to the party being transferred, DESTINATION to the consulted one).",
	Requires: []*diagnose.Check{checks.RequestLine, checks.State},
	Causes:   []*diagnose.CauseInfo{causeHoldConsultLeg},
	Run:      runConsultLeg,
}

var causeHoldConsultLeg = &diagnose.CauseInfo{ID: "hold.consult-leg",
	Title:     "Hold used on a party of a consult under way",
	Meaning:   "held on a party of a consult transfer that is under way has no effect (a Genesys staff answer): during a consult, who hears whom is steered with PATCH .../participants/{participantId}/consult and speakTo (DESTINATION: the agent talks to the consulted party while the party being transferred waits; OBJECT: the other way round; BOTH; CONFERENCE). It is the one documented case where the fix is another operation (consult-speak-to), because that is how a party is held during a consult.",
	Detection: "consult-leg follows consultParticipantId in both directions from the target of a hold.",
	Remedy:    "Send PATCH .../consult with the speakTo that leaves the party out: OBJECT to hold the consulted party, DESTINATION to hold the party being transferred.",
	Confirm:   "The speak-to PATCH answers 200, and the party no longer hears the agent.",
}

func runConsultLeg(p *diagnose.Pass) (any, error) {
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil || sf.Target == nil || sf.Ended {
		p.Skip("no live target in a conversation (see participant-state)")
		return nil, nil
	}
	cl := checks.FindConsult(p, sf.Conv, sf.Target)
	if cl == nil {
		p.RuleOut(causeHoldConsultLeg, "participant %s is in no consult under way", sf.Target.ID)
		p.Summary("participant %s is in no consult under way", sf.Target.ID)
		return nil, nil
	}
	speakTo, who := "DESTINATION", "the party being transferred"
	if cl.Object != sf.Target {
		speakTo, who = "OBJECT", "the consulted party"
	}
	conv := sf.Conv.ID
	base := ""
	if rf := checks.Request(p); rf != nil {
		base = rf.BaseURL
		if conv == "" {
			conv = rf.ConversationID
		}
	}
	var vars []diagnose.Var
	ctx := &diagnose.FixContext{ConversationID: conv, ParticipantID: cl.Object.ID, Segment: "calls"}
	body, _ := json.Marshal(map[string]string{"speakTo": speakTo})
	fix := checks.NewFix(fmt.Sprintf("Steer the consult instead: PATCH .../consult {\"speakTo\":%q} leaves %s out", speakTo, who),
		fmt.Sprintf("which participant a consult's path names is UNCONFIRMED; convdiag uses %s, the party being transferred; if the server answers 404 use %s", cl.Object.ID, cl.Other.ID))
	fix.Request = &diagnose.FixRequest{Method: "PATCH", BaseURL: base, Path: checks.ParticipantPath(ctx, &vars) + "/consult", Body: body, Vars: vars}
	p.Report(diagnose.Cause{Info: causeHoldConsultLeg, Likelihood: diagnose.Likely, Evidence: cl.Refs,
		Explanation: fmt.Sprintf("Participant %s is %s of a consult transfer under way: held has no effect there; the consult's speakTo decides who hears whom.", sf.Target.ID, who),
		Fix:         fix})
	p.Summary("participant %s is %s of a consult under way", sf.Target.ID, who)
	return nil, nil
}
