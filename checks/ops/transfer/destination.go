package transfer

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Destination is the transfer's and the consult's own check: does the
// destination exist in this org (its GET), is it the party already on the
// call, is it one the documented restrictions refuse?
var Destination = &diagnose.Check{
	ID:       "destination",
	Title:    "Destination",
	Doc:      "The transfer's or consult's destination: named at all? a queue or user that exists in the org (GET /api/v2/routing/queues/{id}, GET /api/v2/users/{id})? the party already on the call? refused by a documented restriction (voicemail for an ACD call, an external address for a chat)?",
	Requires: []*diagnose.Check{checks.RequestLine, checks.State},
	Causes:   []*diagnose.CauseInfo{causeDestinationNotFound, causeSameParty, causeTransferNotAllowed},
	Run:      runDestination,
}

// The causes of the destination check (stable ids: add, never rename).
var (
	causeDestinationNotFound = &diagnose.CauseInfo{ID: "transfer.destination-not-found",
		Title:     "The transfer's destination does not exist",
		Meaning:   "The queue, user or address the transfer (or consult) names does not exist in this org and region: a queue id from another org or environment, a deleted queue, a user id copied from elsewhere (conversations.error.queue.not.found \"Interaction cannot be transferred to a queue that does not exist\"). A queue in a division the token cannot see may answer 404 too (UNCONFIRMED), so a 404 on the destination's GET points here without proving it.",
		Detection: "destination reads the body's destination, the GET of the queue or user (in the same parallel round as the conversation's, live; --queue-json or --user-json offline), and the response's documented code.",
		Remedy:    "Transfer to a queue (or user) of this org: GET /api/v2/routing/queues lists them; check the id is not from another org or region.",
		Confirm:   "GET /api/v2/routing/queues/{id} answers 200 with the token; the transfer then answers 202.",
	}
	causeSameParty = &diagnose.CauseInfo{ID: "transfer.same-party",
		Title:     "The destination is the party already on the call",
		Meaning:   "The transfer (or consult) names as its destination the party it would move the call from, or one already on it: the transferring agent's own user or number (conversations.error.transfer.same.party \"The target of the transfer cannot be the same as the destination\", conversation.error.cannot.transfer.to.self).",
		Detection: "destination compares the destination with the users of the conversation's live participants, and reads the response's documented code.",
		Remedy:    "Transfer to another user or queue than the one on the call.",
		Confirm:   "The transfer to another destination answers 202.",
	}
	causeTransferNotAllowed = &diagnose.CauseInfo{ID: "transfer.not-allowed",
		Title:     "A documented restriction refuses this transfer",
		Meaning:   "The definitions refuse some transfers whatever the destination: a chat to an external address or to voicemail, voicemail for an ACD call (only personal calls), replacing an email's external party, an unattended transfer of an ACD call (the exact trigger is UNCONFIRMED), a destination or agent-indicated address the org disallows; and a call connected to an external party cannot be transferred back to Genesys Cloud through the API.",
		Detection: "destination reads the response's documented code, the body (voicemail, the destination's kind) and the conversation's media and purposes.",
		Remedy:    "Transfer the interaction in a way the rules allow: to a queue or user rather than voicemail for an ACD call, attended rather than unattended, not to an external address for a chat.",
		Confirm:   "The allowed transfer answers 202.",
	}
)

func runDestination(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	ev := p.Evidence
	rf := checks.Request(p)
	if rf == nil || !rf.Known {
		p.Skip("no request to read a destination from")
		return nil, nil
	}
	ep := rf.Endpoint
	d, ok := sentDestination(ep, ev.Request.Body)
	if !ok {
		p.Skip("the request names no destination (see body-shape)")
		return nil, nil
	}
	ref := p.Saw("request body", d.field, d.value)
	judgeFound(p, d, ref)
	judgeSameParty(p, d, ref)
	judgeAllowed(p, d)
	p.Summary("the destination is %s %s", d.kind, d.value)
	return nil, nil
}

// judgeFound reads the destination's GET.
func judgeFound(p *diagnose.Pass, d destination, ref diagnose.Ref) {
	ev := p.Evidence
	var f *diagnose.Fetch
	found := false
	switch d.kind {
	case genesys.DestQueue:
		f, found = ev.QueueFetch, ev.Queue != nil && strings.EqualFold(ev.Queue.ID, d.value)
	case genesys.DestUser:
		f, found = ev.UserFetch, ev.User != nil && strings.EqualFold(ev.User.ID, d.value)
	default:
		return
	}
	switch {
	case found:
		p.RuleOut(causeDestinationNotFound, "%s answered 200 for %s %s", f.Label(), d.kind, d.value)
	case f != nil && f.Status == 404:
		p.Report(diagnose.Cause{Info: causeDestinationNotFound, Likelihood: diagnose.Likely,
			Evidence:    []diagnose.Ref{ref, {Source: f.Label(), Path: "status", Value: "404"}},
			Explanation: fmt.Sprintf("The %s %s the request transfers to answered 404 to %s: it is not in this org, or the token cannot see it (whether a %s in a division the token cannot see answers 404 or 403 is UNCONFIRMED).", d.kind, d.value, f.Source, d.kind),
			Fix:         checks.NewFix("Transfer to a " + d.kind + " of this org (GET /api/v2/routing/queues lists the queues)")})
	}
}

// judgeSameParty compares a user destination with the call's live users.
func judgeSameParty(p *diagnose.Pass, d destination, ref diagnose.Ref) {
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil || d.kind != genesys.DestUser {
		return
	}
	for _, v := range sf.Conv.Participants {
		if v.Live(sf.Conv) && strings.EqualFold(v.UserID(), d.value) {
			src, path := sf.Conv.Source(v)
			l := diagnose.Likely
			if eb := p.Evidence.Response.ErrorBody(); eb != nil && (eb.Code == "conversations.error.transfer.same.party" || eb.Code == "conversation.error.cannot.transfer.to.self") {
				l = diagnose.Confirmed // the code, and the GET shows the condition
			}
			p.Report(diagnose.Cause{Info: causeSameParty, Likelihood: l,
				Evidence:    []diagnose.Ref{ref, {Source: src, Path: path + ".userId", Value: v.UserID()}},
				Explanation: fmt.Sprintf("The destination user %s is already on the call as %s: a transfer to the party already there is refused (conversations.error.transfer.same.party).", d.value, checks.Describe(sf.Conv, v)),
				Fix:         checks.NewFix("Transfer to another user or queue than the one on the call")})
			return
		}
	}
	p.RuleOut(causeSameParty, "user %s is not on the call", d.value)
}

// judgeAllowed reads the documented restrictions the evidence shows.
func judgeAllowed(p *diagnose.Pass, d destination) {
	sf, _ := diagnose.Result[*checks.StateFacts](p, checks.State)
	if sf == nil || sf.Conv == nil {
		return
	}
	voicemail := false
	for _, m := range d.members {
		voicemail = voicemail || m.Key == "voicemail" && strings.TrimSpace(string(m.Value)) == "true"
	}
	acd := false
	for _, v := range sf.Conv.Participants {
		acd = acd || strings.EqualFold(v.Purpose(), "acd")
	}
	switch {
	case voicemail && acd:
		p.Report(diagnose.Cause{Info: causeTransferNotAllowed, Likelihood: diagnose.Likely,
			Evidence:    []diagnose.Ref{{Source: "request body", Path: "voicemail", Value: "true"}, {Source: sf.Conv.GenericSource, Path: "participants[].purpose", Value: "acd"}},
			Explanation: "The request transfers to voicemail, and the call came through a queue (an acd participant): only personal calls can be transferred to voicemail (conversations.error.transfer.usercall.voicemail).",
			Fix:         checks.NewFix("Transfer the ACD call to a queue or a user, not to voicemail")})
	case sf.Conv.Segment == "chats" && d.kind == genesys.DestAddress:
		p.Report(diagnose.Cause{Info: causeTransferNotAllowed, Likelihood: diagnose.Possible,
			Evidence:    []diagnose.Ref{{Source: "request body", Path: d.field, Value: d.value}},
			Explanation: "A chat is transferred to an address: participants with chats cannot be transferred to external addresses (conversations.error.transfer.chat.external); whether this address is external is not known.",
			Fix:         checks.NewFix("Transfer the chat to a queue or a user")})
	}
}
