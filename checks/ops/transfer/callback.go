package transfer

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// CallbackCheck is the callback's own check: not past its trigger, within
// the documented restrictions (30 days ahead at most, a queue the agent is
// in, an agent-owned callback, no callback already scheduled or routed).
var CallbackCheck = &diagnose.Check{
	ID:       "callback",
	Title:    "Callback",
	Doc:      "A callback is changed only until it dials (412 callback.error.already.triggered), scheduled at most 30 days ahead, with the documented restrictions on queues, agents and the target.",
	Requires: []*diagnose.Check{checks.RequestLine},
	Causes:   []*diagnose.CauseInfo{causeCallbackTriggered, causeCallbackNotAllowed},
	Run:      runCallback,
}

// The causes of the callback check (stable ids: add, never rename).
var (
	causeCallbackTriggered = &diagnose.CauseInfo{ID: "callback.already-triggered",
		Title:     "The callback already dialled",
		Meaning:   "A scheduled callback can be changed until it triggers (dials the customer); after that PATCH /conversations/callbacks answers 412 callback.error.already.triggered \"Unable to update an already triggered callback\".",
		Detection: "callback reads the response's status and documented code.",
		Remedy:    "Nothing to change on this callback: it is under way; schedule a new one if another call is wanted.",
		Confirm:   "GET the conversation: the callback's communication is past scheduled.",
	}
	causeCallbackNotAllowed = &diagnose.CauseInfo{ID: "callback.not-allowed",
		Title:     "A documented restriction refuses this callback",
		Meaning:   "The definitions refuse a callback scheduled more than 30 days ahead, an agent-owned callback for an agent who is not in the queue, a change to a callback that is not agent-owned, a second callback while one is scheduled or being routed, and a callback on an ACD or IVR participant (callback.error.scheduled.time.too.far.in.future, ...agent.not.member.of.queue, ...cannot.update.non.agent.owned.callback, ...scheduled.callback.already.exists, ...callback.already.being.routed, conversation.error.cannot.callback.acd).",
		Detection: "callback reads the response's documented code and the scheduled time against the moment of the request.",
		Remedy:    "Schedule within 30 days, on the customer's participant, for an agent of the queue; change only agent-owned callbacks.",
		Confirm:   "The callback request answers 200 or 201.",
	}
)

func runCallback(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	ev := p.Evidence
	rf := checks.Request(p)
	if rf == nil || !rf.Known {
		p.Skip("no request to judge")
		return nil, nil
	}
	if r := ev.Response; r != nil && r.Status == 412 {
		fix := checks.NoRequestFix("Nothing to change on this callback: it already dialled; schedule a new one if another call is wanted")
		fix.NoneCanWork = true
		p.Report(diagnose.Cause{Info: causeCallbackTriggered, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: "response", Path: "status", Value: "412"}},
			Explanation: "The request was answered 412: the only precondition the callback update documents is that the callback has not triggered (callback.error.already.triggered).",
			Fix:         fix})
	}
	for _, m := range genesys.TopMembers(ev.Request.Body) {
		if m.Key != "callbackScheduledTime" {
			continue
		}
		var s string
		_ = json.Unmarshal(m.Value, &s)
		at := diagnose.ParseGenesysTime(s)
		// When the request was sent: the moment of failure, else when the
		// evidence was read, else at the latest now (the report's time),
		// an upper bound: a time more than 30 days after it is more than
		// 30 days after the request too.
		now, when := ev.ObservedAt, ""
		if ev.Failure.Known() {
			now = ev.Failure.Time
		}
		if !now.IsZero() {
			when = " (" + diagnose.FormatTime(now) + ")"
		} else if p.Now != nil {
			now, when = p.Now(), ", which was sent before this report was made"
		}
		if at.IsZero() || now.IsZero() {
			continue
		}
		if at.Sub(now) > 30*24*time.Hour {
			p.Report(diagnose.Cause{Info: causeCallbackNotAllowed, Likelihood: diagnose.Likely,
				Evidence:    []diagnose.Ref{{Source: "request body", Path: "callbackScheduledTime", Value: s}},
				Explanation: fmt.Sprintf("The callback is scheduled for %s, more than 30 days after the request%s: the definitions refuse it (callback.error.scheduled.time.too.far.in.future).", s, when),
				Fix:         checks.NewFix("Schedule the callback at most 30 days ahead")})
		} else if when != ", which was sent before this report was made" {
			p.RuleOut(causeCallbackNotAllowed, "the callback is scheduled within 30 days")
		}
	}
	p.Summary("%s %s", rf.Line.Method, rf.Line.Path)
	return nil, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
