package controls

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

func confine() *diagnose.Operation {
	op := field(diagnose.OpConfine, "confine (or release) a party of an ad-hoc conference", "confined", "true", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"confined\": true}: the party hears hold music; \"should only be used for ad-hoc conferences\" (conversation.error.cannot.confine.party).")
	op.Checks = []*diagnose.Check{Conference}
	return op
}

// Conference is confine's own check: is the target a party of an ad-hoc
// conference (more than two parties live)?
var Conference = &diagnose.Check{
	ID:       "confine-conference",
	Title:    "Conference to confine in",
	Doc:      "Confining is for a party of an ad-hoc conference: are more than two parties (agents, customers, external parties) live on the call?",
	Requires: []*diagnose.Check{checks.State},
	Causes:   []*diagnose.CauseInfo{causeConfineNotConference},
	Run:      runConference,
}

var causeConfineNotConference = &diagnose.CauseInfo{ID: "confine.not-conference",
	Title:     "Confine outside an ad-hoc conference",
	Meaning:   "confined \"should only be used for ad-hoc conferences\": it puts one party of a conference on hold music while the others talk on. On a call of two parties there is no conference to confine a party from, and the server answers conversation.error.cannot.confine.party (\"The party cannot be confined\").",
	Detection: "confine-conference counts the call's live parties (agents, customers, external parties; not system legs) and reads the response's documented code.",
	Remedy:    "To put the other side of a two-party call on hold, hold it ({\"held\": true}); confine only a party of a conference.",
	Confirm:   "GET the conversation: more than two live parties; then the PATCH answers 202.",
}

func runConference(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil || sf.Target == nil || sf.Ended {
		p.Skip("no live target in a conversation (see participant-state)")
		return nil, nil
	}
	conv := sf.Conv
	var parties []string
	for _, v := range conv.Participants {
		if v.Live(conv) && isParty(v.Purpose()) {
			parties = append(parties, v.ID)
		}
	}
	src := conv.GenericSource
	if conv.Generic == nil {
		src = conv.CallSource
	}
	ref := diagnose.Ref{Source: src, Path: "participants[*]", Value: fmt.Sprintf("%s live", diagnose.Plural(len(parties), "party", "parties"))}
	if len(parties) > 2 {
		p.RuleOut(causeConfineNotConference, "%s are live: an ad-hoc conference", diagnose.Plural(len(parties), "party", "parties"))
		p.Summary("%s live: a conference", diagnose.Plural(len(parties), "party", "parties"))
		return nil, nil
	}
	l, why := diagnose.Likely, ""
	if eb := p.Evidence.Response.ErrorBody(); eb != nil && eb.Code == "conversation.error.cannot.confine.party" {
		l, why = diagnose.Confirmed, " The server answered conversation.error.cannot.confine.party."
	}
	fix := checks.NoRequestFix("Confine a party only in a conference; to silence the other side of a two-party call, hold it ({\"held\": true})")
	fix.NoneCanWork = true
	p.Report(diagnose.Cause{Info: causeConfineNotConference, Likelihood: l, Evidence: []diagnose.Ref{ref},
		Explanation: fmt.Sprintf("The call has %s live, so it is no ad-hoc conference: confined \"should only be used for ad-hoc conferences\" (the definitions list conversation.error.cannot.confine.party). To put the other side of a two-party call on hold, hold it.%s", diagnose.Plural(len(parties), "party", "parties"), why),
		Fix:         fix})
	return nil, nil
}

// isParty reports whether a purpose is a person on the call (not a queue,
// flow or voicemail leg).
func isParty(purpose string) bool {
	switch strings.ToLower(purpose) {
	case "agent", "user", "customer", "external":
		return true
	}
	return purpose == ""
}
