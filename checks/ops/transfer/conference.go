package transfer

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Conference is the conference's own check: the merge rules (not from an
// alerting call, not an ACD, IVR or group ring call, not a monitored call,
// not with itself, not an empty list) and the user's station.
var Conference = &diagnose.Check{
	ID:       "conference-rules",
	Title:    "Conference rules",
	Doc:      "Adding a party or merging calls needs a user with a station on an active edge, and a call the merge rules allow: connected (not alerting), not ACD, IVR, group ring or monitored, not with itself, a non-empty list of calls.",
	Requires: []*diagnose.Check{checks.RequestLine, checks.Conversation},
	Causes:   []*diagnose.CauseInfo{causeNoStation, causeMergeNotAllowed},
	Run:      runConference,
}

// The causes of the conference check (stable ids: add, never rename).
var (
	causeNoStation = &diagnose.CauseInfo{ID: "conference.no-station",
		Title:     "The user has no station to place or join the call from",
		Meaning:   "Placing a call, adding a party or dialling a callback needs the user to have a station (a phone) associated, on an edge that is up: conversation.error.no.user.station \"A station is required to place a call\" (400), or one of the providerapi.error.* codes (409, 500) and conversation.error.outbound.call.cannot.be.placed when the station, phone or edge cannot be resolved.",
		Detection: "conference-rules reads the response's documented code.",
		Remedy:    "Associate a station with the user (the agent's phone) on an active edge, then send the request again with the user's token.",
		Confirm:   "The user's station shows as associated in the admin UI; the request then answers 200.",
	}
	causeMergeNotAllowed = &diagnose.CauseInfo{ID: "conference.merge-not-allowed",
		Title:     "A merge the conference rules refuse",
		Meaning:   "The documented merge rules refuse a conference made from a connected ACD call, an IVR call, a group ring call, a monitored, coached or barged call, a call with itself, or an empty list of calls (conversation.error.cannot.merge.acd.conference, ...ivr, ...group.ring, ...monitor.coach.barge, ...cannot.conference.self, ...empty.conversation.list); from an alerting call it is participant.not-connected-yet.",
		Detection: "conference-rules reads the response's documented code, the body's conversationIds and the conversation's purposes.",
		Remedy:    "Merge only connected calls the rules allow; add the party to the call instead (POST .../calls/{id}/participants) where a merge is refused.",
		Confirm:   "The merge of allowed calls answers 202.",
	}
)

func runConference(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	ev := p.Evidence
	rf := checks.Request(p)
	if rf == nil || !rf.Known || rf.Endpoint == nil {
		p.Skip("no request to judge")
		return nil, nil
	}
	if rf.Endpoint.ID == "patchConversationsCallConference" {
		ids := 0
		self := false
		for _, m := range genesys.TopMembers(ev.Request.Body) {
			if m.Key != "conversationIds" {
				continue
			}
			var list []string
			if err := jsonUnmarshal(m.Value, &list); err == nil {
				ids = len(list)
				for _, id := range list {
					self = self || strings.EqualFold(checks.NormalizeID(id).Key(), rf.ConversationID)
				}
			}
		}
		ref := diagnose.Ref{Source: "request body", Path: "conversationIds", Value: diagnose.Plural(ids, "conversation", "conversations")}
		switch {
		case ids == 0:
			p.Report(diagnose.Cause{Info: causeMergeNotAllowed, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
				Explanation: "The merge lists no conversation to merge (conversation.error.empty.conversation.list).",
				Fix:         checks.NewFix("List the call conversations to merge in conversationIds")})
		case self:
			p.Report(diagnose.Cause{Info: causeMergeNotAllowed, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
				Explanation: fmt.Sprintf("The merge lists the call itself (%s): a call cannot be conferenced with itself (conversation.error.cannot.conference.self).", rf.ConversationID),
				Fix:         checks.NewFix("List the other calls to merge, not this one")})
		default:
			p.RuleOut(causeMergeNotAllowed, "the merge lists %s, not the call itself", diagnose.Plural(ids, "other conversation", "other conversations"))
		}
	}
	p.Summary("%s %s", rf.Endpoint.Method, rf.Endpoint.Path)
	return nil, nil
}
