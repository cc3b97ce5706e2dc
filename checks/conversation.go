package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Conversation is the fourth check: was the conversation found, is it the
// one the request targets, has it ended, what media is it?
var Conversation = &diagnose.Check{
	ID:       "conversation",
	Title:    "Conversation",
	Doc:      "The GET of the conversation: found? the one the request targets? ended? media type; the participants table.",
	Requires: []*diagnose.Check{RequestLine, OperationCheck, BodyShape, Token},
	Causes:   []*diagnose.CauseInfo{causeConversationNotFound, causeConversationIDMismatch, causeConversationEnded},
	Run:      runConversation,
}

// The causes conversation reports (stable ids: add, never rename).
var (
	causeConversationNotFound = &diagnose.CauseInfo{ID: "conversation.not-found",
		Title:        "Conversation not found",
		Meaning:      "GET /api/v2/conversations/{id} answered 404: the id is wrong, or the conversation belongs to another org or region than the token's.",
		Detection:    "conversation reads the GET's status; live checks name the org of the token from GET /api/v2/tokens/me.",
		Remedy:       "Use the conversation id from the org of the token, in that org's region.",
		Confirm:      "GET /api/v2/conversations/{id} answers 200.",
		SuppressedBy: []*diagnose.CauseInfo{causeEndpointWrongRegion},
	}
	causeConversationIDMismatch = &diagnose.CauseInfo{ID: "conversation.id-mismatch",
		Title:     "Request targets another conversation than the evidence",
		Meaning:   "The conversation id in the request is not the id of the saved conversation: the request went to another conversation (a consult or pre-merge conversation, a stale id), or the wrong file was attached.",
		Detection: "conversation compares the request's conversation id with the id of the GET evidence.",
		Remedy:    "Use the id of the conversation the participant is in.",
		Confirm:   "The request's conversation id equals the GET's id.",
	}
	causeConversationEnded = &diagnose.CauseInfo{ID: "conversation.ended",
		Title:     "Conversation already ended",
		Meaning:   "The conversation has an endTime (or every participant's communications ended): there is nothing left to drop, hold, transfer or record (conversation.error.conversation.disconnected for the recording state). A wrap-up after the end is normal, not this cause.",
		Detection: "conversation reads endTime and every participant's communication states.",
		Remedy:    "Nothing to act on. If a participant still owes wrap-up, apply it (POST .../communications/{commId}/wrapup).",
		Confirm:   "GET /api/v2/conversations/{id} shows endTime.",
	}
)

func runConversation(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	tf, _ := diagnose.Result[*TokenFacts](p, Token)
	defer reportErrorBody(p)
	if ev.Mode == diagnose.ModeDryRun {
		p.Skip("dry run: the conversation is not fetched")
		return nil, nil
	}
	wantID := ev.ConversationID
	if rf != nil {
		wantID = rf.ConversationID
	}

	// A fetch that failed.
	if f := ev.ConversationFetch; f != nil && !f.OK() && ev.Conversation == nil && ev.Call == nil {
		ref := p.Saw(f.Label(), "status", fmt.Sprint(f.Status))
		switch f.Status {
		case 404:
			org := ""
			if tf != nil && tf.Org != "" {
				org = fmt.Sprintf(" The token belongs to org %q", tf.Org)
				if ev.Region != "" {
					org += " in " + ev.Region
				}
				org += "; the conversation is not in it."
			}
			p.Report(diagnose.Cause{Info: causeConversationNotFound, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
				Explanation: fmt.Sprintf("GET /api/v2/conversations/%s answered 404: the id is wrong, or the conversation belongs to another org or region than the token's.%s", wantID, org),
				Fix:         noRequestFix("Use the conversation id from the org of the token, in that org's region (--region)")})
		case 429:
			p.Set(diagnose.StatusSkip, "%s: nothing is judged from it; give --conversation-json or check again later", notRead(f, ""))
		default:
			p.Set(diagnose.StatusSkip, "the conversation could not be read: %s", fetchProblem(f))
		}
		return nil, nil
	}
	conv := ev.Conv()
	if conv == nil {
		if ev.Response != nil && ev.Response.Status == 404 {
			p.Report(diagnose.Cause{Info: causeConversationNotFound, Likelihood: diagnose.Possible,
				Evidence:    []diagnose.Ref{{Source: "response", Path: "status", Value: "404"}},
				Explanation: "The request was answered 404 and there is no saved GET of the conversation to tell whether the conversation or the participant was not found.",
				Fix:         noRequestFix("GET /api/v2/conversations/{id} with the same token: a 404 there means the conversation is not in the token's org or region")})
		}
		p.Skip("no conversation evidence: give --conversation-json (GET /api/v2/conversations/{id}) and/or --call-json, or run live")
		return nil, nil
	}
	src := conv.GenericSource
	if conv.Generic == nil {
		src = conv.CallSource
	}
	p.RuleOut(causeConversationNotFound, "the GET returned conversation %s", conv.ID)
	for _, f := range []*diagnose.Fetch{ev.ConversationFetch, ev.CallFetch} {
		if f != nil {
			for _, w := range f.Warnings {
				p.Detail("%s: %s", f.Label(), w)
			}
		}
	}

	// The conversation the request targets.
	if wantID != "" && !isPlaceholder(wantID) && conv.ID != "" && !strings.EqualFold(NormalizeID(wantID).Key(), conv.ID) {
		p.Report(diagnose.Cause{Info: causeConversationIDMismatch, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: srcRequest, Path: "{conversationId}", Value: wantID}, {Source: src, Path: "id", Value: conv.ID}},
			Explanation: fmt.Sprintf("The request targets conversation %s but the GET evidence is conversation %s: either the request went to another conversation (a consult or pre-merge conversation, a stale id) or the wrong file was attached. The participant checks below judge %s.", wantID, conv.ID, conv.ID),
			Fix:         newFix("Send the request to the conversation the participant is in")})
	} else if conv.ID != "" {
		p.Saw(src, "id", conv.ID)
		if NormalizeID(wantID).Canonical != "" && !NormalizeID(wantID).OK() {
			p.Detail("the request's conversation id %q is not canonical (%s)", wantID, strings.Join(NormalizeID(wantID).Problems, ", "))
		}
		p.RuleOut(causeConversationIDMismatch, "the GET is the conversation the request targets")
	}

	// Ended, and when, against the moment of failure?
	live := 0
	for _, v := range conv.Participants {
		if v.Live(conv) {
			live++
		}
	}
	cf := &ConversationFacts{Conv: conv}
	judgeEnded(p, cf, src, live)
	if conv.Media != "" {
		p.Saw(src, "participants[].*", "media "+conv.Media)
	}
	if conv.Generic != nil && len(conv.Generic.RecentTransfers) > 0 {
		p.Detail("%s in recentTransfers", diagnose.Plural(len(conv.Generic.RecentTransfers), "recent transfer command", "recent transfer commands"))
	}
	if conv.Generic != nil && conv.Call != nil && conv.Generic.ID != "" && conv.Call.ID != "" && conv.Generic.ID != conv.Call.ID {
		p.Detail("the generic view is conversation %s but the call view is %s", conv.Generic.ID, conv.Call.ID)
	}
	if rf == nil {
		return cf, nil
	}
	p.Summary("conversation %s: %s, %d participants, %d live now", conv.ID, orDash(conv.Media), len(conv.Participants), live)
	return cf, nil
}

// ConversationFacts is what the conversation check established: the
// conversation, and when it ended against the moment of failure.
type ConversationFacts struct {
	Conv *diagnose.Conv
	// End is when the conversation ended (zero: it has not, or no time
	// says when); EndOrder places it against the failure.
	End      time.Time
	EndOrder diagnose.Order
	// Race is set when it ended just before the failure, or around it:
	// the timeline check reports participant.race-with-hangup.
	Race bool
}

// judgeEnded reports conversation.ended at the moment of failure: an end
// after the failure is no cause; an end just before it is a race (reported
// by participant-state); without a failure time an ended GET is at most
// likely, since the GET may be from after the failure.
func judgeEnded(p *diagnose.Pass, cf *ConversationFacts, src string, live int) {
	ev, conv := p.Evidence, cf.Conv
	var ref diagnose.Ref
	switch {
	case conv.EndTime() != "":
		ref = p.Saw(conv.GenericSource, "endTime", conv.EndTime())
	case conv.Generic != nil && genesys.Ended(conv.Generic.State):
		ref = p.Saw(conv.GenericSource, "state", conv.Generic.State)
	case live == 0 && len(conv.Participants) > 0 && anyState(conv):
		ref = diagnose.Ref{Source: src, Path: "participants[*]", Value: fmt.Sprintf("%d participants, none live", len(conv.Participants))}
	default:
		if conv.Generic != nil {
			p.Saw(conv.GenericSource, "endTime", "(none)")
		}
		p.RuleOut(causeConversationEnded, "the conversation has no endTime and %s", diagnose.Plural(live, "live participant", "live participants"))
		return
	}
	f := ev.Failure
	cf.End = conv.ConversationEnd()
	cf.EndOrder = f.Compare(cf.End)
	if op := p.Operation; op.Known() && op.AfterEnd {
		p.RuleOut(causeConversationEnded, "the conversation has ended, and %s is meant for after the end", op.ID)
		return
	}
	verb := opWords(p).Verb
	fix := noRequestFix("Nothing to " + verb + ". If a participant still owes wrap-up, apply it (POST .../participants/{pid}/communications/{commId}/wrapup)")
	switch cf.EndOrder {
	case diagnose.After:
		p.RuleOut(causeConversationEnded, "%s: it was live when the request failed", f.Describe("the conversation ended", cf.End))
	case diagnose.Around:
		cf.Race = true
		p.RuleOut(causeConversationEnded, "%s: judged as a possible race with the hang-up (timeline)", f.Describe("the conversation ended", cf.End))
	case diagnose.Before:
		if f.Gap(cf.End) <= diagnose.RaceWindow {
			cf.Race = true
			p.RuleOut(causeConversationEnded, "%s: a race with the hang-up (timeline)", f.Describe("the conversation ended", cf.End))
			return
		}
		p.Report(diagnose.Cause{Info: causeConversationEnded, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref, failureRef(f)},
			Explanation: fmt.Sprintf("Conversation %s had already ended when the request failed: %s. There was nothing left to %s.", conv.ID, f.Describe("it ended", cf.End), verb),
			Fix:         fix})
	default:
		when := "it has ended"
		if !cf.End.IsZero() {
			when = "it ended at " + diagnose.FormatTime(cf.End)
		}
		p.Report(diagnose.Cause{Info: causeConversationEnded, Likelihood: unknownMoment(p, diagnose.Likely), Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("Conversation %s shows no one left to %s now: %s. %s", conv.ID, verb, when, afterNote(ev)),
			Fix:         fix})
	}
}

// failureRef cites the moment of failure as evidence.
func failureRef(f *diagnose.FailureTime) diagnose.Ref {
	return diagnose.Ref{Source: "moment of failure", Path: f.Source, Value: diagnose.FormatTime(f.Time)}
}

// afterNote says why an ended GET does not prove the failure: it may be
// from after it.
func afterNote(ev *diagnose.Evidence) string {
	if ev.Failure.Known() {
		return "No timestamp says when it ended, so whether that was before the failure cannot be told."
	}
	return "The moment of failure is not known, and the GET may be from after it: give --at (the time in the customer's log) or the response with its Date header (curl -i) to judge the state when the request failed."
}

func anyState(conv *diagnose.Conv) bool {
	for _, v := range conv.Participants {
		if len(v.States(conv)) > 0 || v.EndTime() != "" {
			return true
		}
	}
	return false
}

func fetchProblem(f *diagnose.Fetch) string {
	switch {
	case f.Err != "":
		return f.Err
	case f.ErrorBody != nil && f.ErrorBody.Message != "":
		return fmt.Sprintf("HTTP %d: %s", f.Status, f.ErrorBody.Message)
	}
	return fmt.Sprintf("HTTP %d", f.Status)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxRows caps the participants table; past it, ended legs unrelated to the
// target are counted, not listed.
const maxRows = 25

// participantTable builds the report's participants table. marks names the
// rows that matter (target, live leg, consult link).
func participantTable(conv *diagnose.Conv, marks map[*diagnose.PView]string, f *diagnose.FailureTime) *diagnose.ParticipantTable {
	t := &diagnose.ParticipantTable{Source: conv.GenericSource, Media: conv.Media, Total: len(conv.Participants), Rows: []diagnose.ParticipantRow{}}
	if conv.Generic == nil {
		t.Source = conv.CallSource
	}
	include := map[*diagnose.PView]bool{}
	for v := range marks {
		include[v] = true
	}
	budget := maxRows - len(include)
	for _, v := range conv.Participants {
		if include[v] {
			continue
		}
		if budget > 0 && (len(conv.Participants) <= maxRows || v.Live(conv)) {
			include[v] = true
			budget--
		}
	}
	for i, v := range conv.Participants {
		if !include[v] {
			t.Omitted++
			continue
		}
		row := diagnose.ParticipantRow{Index: i, ID: v.ID, Name: v.Name(), Purpose: v.Purpose(), UserID: v.UserID(),
			State: stateSummary(conv, v), EndTime: v.EndTime(), Role: marks[v]}
		if f.Known() {
			if ph := conv.Lifeline(v).PhaseAt(f.Time); ph != diagnose.PhaseUnknown && ph != conv.PhaseNow(v) {
				row.AtFailure = string(ph)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// stateSummary renders a participant's states compactly.
func stateSummary(conv *diagnose.Conv, v *diagnose.PView) string {
	states := v.States(conv)
	if len(states) == 0 {
		return "-"
	}
	var parts []string
	same := true
	for _, s := range states {
		if s.State != states[0].State {
			same = false
		}
	}
	if same {
		return states[0].State
	}
	for _, s := range states {
		where := "call view"
		if s.Comm != nil {
			where = fmt.Sprintf("%s[%d]", s.Comm.Array.Key, s.Comm.Index)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", s.State, where))
	}
	return strings.Join(parts, ", ")
}
