package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// Timeline is check 5b: when did the request fail, how old is each GET
// against that moment, and what was the target doing then? A target (or
// conversation) that ended a few seconds before the failure is a race with
// a hang-up.
var Timeline = &diagnose.Check{
	ID:       "timeline",
	Title:    "Moment of failure",
	Doc:      "When the request failed (--at, the response's Date header, the HAR entry, the bundle), how old each GET is against that moment, and each participant's state at that moment, rebuilt from the per-communication timestamps and the analytics segments.",
	Requires: []*diagnose.Check{Conversation, Provenance},
	Causes:   []*diagnose.CauseInfo{causeParticipantRaceWithHangup},
	Run:      runTimeline,
}

// The causes timeline reports (stable ids: add, never rename).
var (
	causeParticipantRaceWithHangup = &diagnose.CauseInfo{ID: "participant.race-with-hangup",
		Title:     "The request raced a hang-up",
		Meaning:   "The target, or the whole conversation, ended a few seconds (up to 10 s) before the request was answered: the integration acted on a state that changed under it (the other party hung up, a flow ended the leg). Nothing is wrong with the request; the conflict is the server saying there is no one left to drop.",
		Detection: "timeline compares the target's end (endTime, disconnectedTime, analytics segmentEnd) and the conversation's with the moment of failure (--at, the response's Date header, the HAR entry's time), allowing 500 ms of skew between Genesys's clocks plus the precision of the failure time; inside that tolerance the order cannot be told and the cause is only possible.",
		Remedy:    "Treat a 409 on a participant that has already ended as done: the drop it asked for has happened. GET the conversation before retrying, or listen for the participant's disconnect event instead of racing it.",
		Confirm:   "The participant's disconnectedTime (or endTime) precedes the failure time; the conversation's analytics show the disconnect (disconnectType) just before.",
	}
)

// TimelineFacts is what the timeline check established.
type TimelineFacts struct {
	Failure *diagnose.FailureTime
	// Target is the participant judged (nil when none); Life its
	// lifecycle; End when it ended (zero: not, or unknown) and EndOrder
	// against the failure.
	Target   *diagnose.PView
	Life     diagnose.Lifeline
	End      time.Time
	EndOrder diagnose.Order
	// PhaseAtFailure is what the target was doing at the failure, from
	// its timestamps (PhaseUnknown when they do not say).
	PhaseAtFailure diagnose.Phase
	// Race is set when the target, or the conversation, ended just before
	// (or around) the failure: a race with a hang-up was reported.
	Race bool
	// Lanes are the participants' lifelines for the report.
	Lanes *diagnose.Timeline
}

func runTimeline(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	f := ev.Failure
	tf := &TimelineFacts{Failure: f, PhaseAtFailure: diagnose.PhaseUnknown}
	if ev.Mode == diagnose.ModeDryRun {
		p.Skip("dry run: there is no failure to place in time")
		return tf, nil
	}
	if f.Known() {
		p.Saw("moment of failure", f.Source, diagnose.FormatTime(f.Time))
	}
	cf, _ := diagnose.Result[*ConversationFacts](p, Conversation)
	pf, _ := diagnose.Result[*ProvenanceFacts](p, Provenance)
	if cf == nil || cf.Conv == nil {
		if f.Known() {
			p.Summary("%s at %s; no conversation to place in time", requestMoment(ev), f)
		} else {
			p.Skip("no failure time and no conversation: give --at, or the response with its Date header")
		}
		return tf, nil
	}
	conv := cf.Conv
	if pf != nil && pf.Target() != nil {
		if r := pf.Target(); r.Named != nil && r.Kind == IDParticipant {
			tf.Target = r.Named
		} else {
			tf.Target = r.Intended
		}
	}
	tf.Lanes = conv.BuildTimeline(f, tf.Target)
	getAges(p, f)
	if tf.Target != nil {
		tf.Life = conv.Lifeline(tf.Target)
		tf.End = tf.Life.EndedAt()
		tf.EndOrder = f.Compare(tf.End)
		if f.Known() && tf.Life.HasTimes() {
			tf.PhaseAtFailure = tf.Life.PhaseAt(f.Time)
		}
		judgeRace(p, tf, cf)
	}
	switch {
	case !f.Known() && ev.Mode == diagnose.ModeLive:
		p.Skip("no failure time: the state is judged as of now, %s; give --at (the time in the customer's log) or the response with its Date header to judge it then", diagnose.FormatTime(ev.ObservedAt))
	case !f.Known():
		p.Skip("no failure time, and the GETs may be from after the failure: give --at (the time in the customer's log) or the response with its Date header (curl -i)")
	case tf.Target != nil && tf.PhaseAtFailure != diagnose.PhaseUnknown:
		p.Summary("%s at %s; participant %s was %s then", requestMoment(ev), f, tf.Target.ID, tf.PhaseAtFailure)
	default:
		p.Summary("%s at %s", requestMoment(ev), f)
	}
	return tf, nil
}

// getAges notes how old the GETs are against the moment of failure, GETs
// of the same age together.
func getAges(p *diagnose.Pass, f *diagnose.FailureTime) {
	if !f.Known() {
		return
	}
	ev := p.Evidence
	var order []time.Duration
	byAge := map[time.Duration][]string{}
	for _, fe := range []*diagnose.Fetch{ev.ConversationFetch, ev.CallFetch, ev.EarlierConversationFetch, ev.AnalyticsFetch} {
		at := fetchTime(ev, fe)
		if fe == nil || at.IsZero() {
			continue
		}
		d := at.Sub(f.Time).Round(time.Second)
		if _, ok := byAge[d]; !ok {
			order = append(order, d)
		}
		byAge[d] = append(byAge[d], fe.Label())
	}
	for _, d := range order {
		what := strings.Join(byAge[d], ", ")
		switch {
		case d > 0:
			p.Detail("%s: taken %s after the failure; the state at the failure is rebuilt from the timestamps", what, d)
		case d < 0:
			p.Detail("%s: taken %s before the failure", what, -d)
		default:
			p.Detail("%s: taken at the moment of failure", what)
		}
	}
}

// fetchTime is when a GET was answered: its own time, else (live) when
// the evidence was gathered.
func fetchTime(ev *diagnose.Evidence, f *diagnose.Fetch) time.Time {
	if f == nil {
		return time.Time{}
	}
	if !f.At.IsZero() {
		return f.At
	}
	if f.File == "" && ev.Mode == diagnose.ModeLive {
		return ev.ObservedAt
	}
	return time.Time{}
}

// judgeRace reports participant.race-with-hangup: the target, or the whole
// conversation, ended up to RaceWindow before the failure (confirmed), or
// inside the clock tolerance of it (possible).
func judgeRace(p *diagnose.Pass, tf *TimelineFacts, cf *ConversationFacts) {
	f, v := tf.Failure, tf.Target
	if !f.Known() || !v.Ended(cf.Conv) {
		return
	}
	if op := p.Operation; op.Known() && op.AfterEnd {
		p.RuleOut(causeParticipantRaceWithHangup, "%s is meant for after the participant's part ended", op.ID)
		return
	}
	what, end, order := "participant "+v.ID+" ended", tf.End, tf.EndOrder
	if end.IsZero() && cf.Race {
		what, end, order = "the conversation ended", cf.End, cf.EndOrder
	}
	var l diagnose.Likelihood
	switch {
	case order == diagnose.Before && f.Gap(end) <= diagnose.RaceWindow:
		l = diagnose.Confirmed
	case order == diagnose.Around:
		l = diagnose.Possible
	default:
		p.RuleOut(causeParticipantRaceWithHangup, "%s", raceRuledOut(f, what, end, order))
		return
	}
	tf.Race = true
	src, path := cf.Conv.Source(v)
	endRef := diagnose.Ref{Source: src, Path: path + ".endTime", Value: diagnose.FormatTime(end)}
	if end.Equal(cf.End) && !end.Equal(tf.End) {
		endRef = diagnose.Ref{Source: cf.Conv.GenericSource, Path: "endTime", Value: diagnose.FormatTime(end)}
	} else if tf.Life.End.IsZero() {
		endRef.Path = path + ".calls[].disconnectedTime"
	}
	p.Report(diagnose.Cause{Info: causeParticipantRaceWithHangup, Likelihood: l,
		Evidence: []diagnose.Ref{endRef, failureRef(f)},
		Explanation: fmt.Sprintf("%s. The request did nothing wrong: it raced the hang-up, and the server found no one left to %s.%s", upperFirst(f.Describe(what, end)), opWords(p).Verb,
			map[bool]string{true: " The two times are within the clock tolerance, so which came first cannot be told.", false: ""}[order == diagnose.Around]),
		Fix: noRequestFix("Treat a 409 on a participant that has already ended as done; GET the conversation before retrying, or act on the disconnect event instead of racing it")})
}

func raceRuledOut(f *diagnose.FailureTime, what string, end time.Time, order diagnose.Order) string {
	switch order {
	case diagnose.After:
		return f.Describe(what, end) + ": it was still there when the request failed"
	case diagnose.Before:
		return f.Describe(what, end) + ": longer ago than a race (10 s)"
	}
	return "no time says when it ended"
}

func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// requestMoment names the moment the timeline marks: the failure, or, for
// a request answered 2xx (a healthy control, a call that did nothing),
// its answer.
func requestMoment(ev *diagnose.Evidence) string {
	if r := ev.Response; r != nil && r.Status/100 == 2 {
		return "the request was answered"
	}
	return "the request failed"
}
