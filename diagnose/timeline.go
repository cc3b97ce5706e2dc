package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The moment of failure, and the state of a conversation at an instant,
// computed in one place (DESIGN §3 5b, §4b.4; reference §8c).
//
// Tolerance. Genesys stamps participant and communication times from two
// clocks (startTime, endTime and disconnectedTime from the "provider clock";
// connectedTime and startHoldTime from the "cloud clock"), and the reference
// says not to claim sub-second order across them: ClockSkew (500 ms either
// way) covers that. The failure instant itself is known only to its source's
// precision: a Date header or a time written to the second says the instant
// lies in [T, T+1s); a HAR entry lies in [startedDateTime, startedDateTime +
// the entry's time]. An end is before the failure when it is earlier than
// the failure's earliest instant by more than ClockSkew, after it when later
// than its latest by more than ClockSkew, and "around" it otherwise: only
// "possible" claims are made about an end around the failure.
//
// Race. An end up to RaceWindow (10 s) before the failure is a race with a
// hang-up: the integration acted on a state that changed under it; an end
// longer before is a late request to an ended participant.
const (
	ClockSkew  = 500 * time.Millisecond
	RaceWindow = 10 * time.Second
)

// FailureTime is when the failed request was answered, and how it is known.
type FailureTime struct {
	Time time.Time `json:"time"`
	// Source says where it comes from ("--at", "the response's Date
	// header", "HAR entry #6 (startedDateTime)", "the bundle").
	Source string `json:"source"`
	// Precision is how far after Time the instant may be.
	Precision time.Duration `json:"precision_ns"`
}

// Known reports whether the failure time is known.
func (f *FailureTime) Known() bool { return f != nil && !f.Time.IsZero() }

// Order places an event against the failure.
type Order int

// Orders.
const (
	OrderUnknown Order = iota
	// Before: certainly before the failure.
	Before
	// Around: inside the tolerance; the order cannot be told.
	Around
	// After: certainly after the failure.
	After
)

func (o Order) String() string {
	switch o {
	case Before:
		return "before"
	case Around:
		return "around"
	case After:
		return "after"
	}
	return "unknown"
}

// Compare places instant e against the failure.
func (f *FailureTime) Compare(e time.Time) Order {
	if !f.Known() || e.IsZero() {
		return OrderUnknown
	}
	switch {
	case e.Add(ClockSkew).Before(f.Time):
		return Before
	case e.Add(-ClockSkew).After(f.Time.Add(f.Precision)):
		return After
	}
	return Around
}

// String describes the failure time for reports.
func (f *FailureTime) String() string {
	if !f.Known() {
		return "unknown"
	}
	return FormatTime(f.Time) + " (" + f.Source + ")"
}

// FormatTime writes an instant as RFC 3339 UTC, with milliseconds when it
// has them.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// ParseGenesysTime reads a Genesys timestamp ("2026-11-24T15:02:11.412Z");
// zero when empty or unreadable.
func ParseGenesysTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Gap says how long before (positive) or after (negative) the failure an
// instant is, rounded for reading.
func (f *FailureTime) Gap(e time.Time) time.Duration {
	return f.Time.Sub(e).Round(100 * time.Millisecond)
}

// Phase is what a participant or communication was doing at an instant.
type Phase string

// Phases.
const (
	PhaseUnknown   Phase = "unknown"
	PhaseNotJoined Phase = "not yet joined"
	PhaseAlerting  Phase = "alerting"
	PhaseConnected Phase = "connected"
	PhaseHeld      Phase = "held"
	PhaseEnded     Phase = "ended"
)

// Span is one communication's lifecycle.
type Span struct {
	ID, Media string
	// Alerting, Connected, Held and Disconnected are when the
	// communication started alerting, connected, went on hold (the hold
	// under way now) and disconnected; zero when not known.
	Alerting, Connected, Held, Disconnected time.Time
	DisconnectType                          string
	// State is the communication's state now (as the GET shows it).
	State string
}

// Lifeline is a participant's lifecycle: its communications, when it
// joined and ended.
type Lifeline struct {
	Start, End time.Time
	Spans      []Span
	// Sources names where the times were read (the GET, analytics).
	Sources []string
}

// Lifeline rebuilds the participant's lifecycle from the REST timestamps
// of either view and, where those lack a time, the analytics segments.
func (c *Conv) Lifeline(v *PView) Lifeline {
	l := Lifeline{Start: ParseGenesysTime(startTimeOf(v)), End: ParseGenesysTime(v.EndTime())}
	if v.G != nil {
		for cm := range v.G.AllComms() {
			l.Spans = append(l.Spans, Span{ID: cm.ID, Media: cm.Array.Media, Alerting: ParseGenesysTime(cm.StartAlerting),
				Connected: ParseGenesysTime(cm.ConnectedTime), Held: heldSince(cm.Held || cm.Confined, cm.StartHoldTime),
				Disconnected: ParseGenesysTime(cm.DisconnectedTime), DisconnectType: cm.DisconnectType, State: strings.ToLower(cm.State)})
		}
		if len(l.Spans) > 0 {
			l.Sources = append(l.Sources, c.GenericSource)
		}
	}
	if len(l.Spans) == 0 && v.C != nil {
		sp := Span{Media: "call", Connected: ParseGenesysTime(v.C.ConnectedTime), Held: heldSince(v.C.Held || v.C.Confined, v.C.StartHoldTime),
			DisconnectType: v.C.DisconnectType, State: strings.ToLower(v.C.State)}
		if genesys.Ended(sp.State) {
			sp.Disconnected = ParseGenesysTime(v.C.EndTime)
		}
		l.Spans = append(l.Spans, sp)
		l.Sources = append(l.Sources, c.CallSource)
	}
	if a := c.analyticsOf(v.ID); a != nil {
		if c.fillFromAnalytics(&l, a) {
			l.Sources = append(l.Sources, c.AnalyticsSource)
		}
	}
	return l
}

func heldSince(held bool, start string) time.Time {
	if !held {
		return time.Time{}
	}
	return ParseGenesysTime(start)
}

func startTimeOf(v *PView) string {
	if v.G != nil && v.G.StartTime != "" {
		return v.G.StartTime
	}
	if v.C != nil {
		return v.C.StartTime
	}
	return ""
}

// fillFromAnalytics fills times the REST views lack from the analytics
// segments of the participant; it reports whether it added any.
func (c *Conv) fillFromAnalytics(l *Lifeline, a *genesys.AnalyticsParticipant) bool {
	added := false
	var first, last time.Time
	ended := true
	for si, s := range a.Sessions {
		var sp *Span
		for i := range l.Spans {
			if l.Spans[i].ID != "" && strings.EqualFold(l.Spans[i].ID, s.SessionID) {
				sp = &l.Spans[i]
			}
		}
		if sp == nil && si < len(l.Spans) && l.Spans[si].ID == "" {
			sp = &l.Spans[si]
		}
		if sp == nil && len(l.Spans) == 1 && len(a.Sessions) == 1 {
			sp = &l.Spans[0]
		}
		if sp == nil {
			l.Spans = append(l.Spans, Span{ID: s.SessionID, Media: s.MediaType})
			sp = &l.Spans[len(l.Spans)-1]
		}
		sessionEnded := false
		for _, seg := range s.Segments {
			start, end := ParseGenesysTime(seg.SegmentStart), ParseGenesysTime(seg.SegmentEnd)
			if !start.IsZero() && (first.IsZero() || start.Before(first)) {
				first = start
			}
			if end.After(last) {
				last = end
			}
			switch strings.ToLower(seg.SegmentType) {
			case "alert", "dialing", "contacting":
				if sp.Alerting.IsZero() && !start.IsZero() {
					sp.Alerting, added = start, true
				}
			case "interact", "hold", "ivr", "wrapup":
				if sp.Connected.IsZero() && !start.IsZero() && strings.ToLower(seg.SegmentType) != "wrapup" {
					sp.Connected, added = start, true
				}
			}
			if seg.DisconnectType != "" {
				sessionEnded = true
				if sp.Disconnected.IsZero() && !end.IsZero() {
					sp.Disconnected, added = end, true
					if sp.DisconnectType == "" {
						sp.DisconnectType = seg.DisconnectType
					}
				}
			}
		}
		ended = ended && sessionEnded
	}
	if l.Start.IsZero() && !first.IsZero() {
		l.Start, added = first, true
	}
	if l.End.IsZero() && ended && len(a.Sessions) > 0 && !last.IsZero() && l.allEndedNow() {
		l.End, added = last, true
	}
	return added
}

func (l Lifeline) allEndedNow() bool {
	for _, s := range l.Spans {
		if s.State != "" && !genesys.Ended(s.State) {
			return false
		}
	}
	return true
}

// EndedAt is when the participant ended: its endTime, else the latest
// disconnectedTime when every communication has ended; zero when it has
// not ended, or when no time says when.
func (l Lifeline) EndedAt() time.Time {
	if !l.End.IsZero() {
		return l.End
	}
	var last time.Time
	for _, s := range l.Spans {
		if s.Disconnected.IsZero() {
			return time.Time{}
		}
		if s.Disconnected.After(last) {
			last = s.Disconnected
		}
	}
	return last
}

// HasTimes reports whether anything says when the participant did what.
func (l Lifeline) HasTimes() bool {
	if !l.Start.IsZero() || !l.End.IsZero() {
		return true
	}
	for _, s := range l.Spans {
		if !s.Alerting.IsZero() || !s.Connected.IsZero() || !s.Disconnected.IsZero() {
			return true
		}
	}
	return false
}

// PhaseAt is what the participant was doing at instant t, read from its
// times; PhaseUnknown when they do not say.
func (l Lifeline) PhaseAt(t time.Time) Phase {
	if !l.Start.IsZero() && t.Before(l.Start) {
		return PhaseNotJoined
	}
	if !l.End.IsZero() && !t.Before(l.End) {
		return PhaseEnded
	}
	best := PhaseUnknown
	allEnded := len(l.Spans) > 0
	for _, s := range l.Spans {
		p := s.phaseAt(t)
		if p != PhaseEnded {
			allEnded = false
		}
		if p != PhaseEnded && phaseRank(p) > phaseRank(best) {
			best = p
		}
	}
	if allEnded {
		return PhaseEnded
	}
	return best
}

// phaseRank orders the phases of a participant's communications: the one
// that says most of what it was doing wins.
func phaseRank(p Phase) int {
	switch p {
	case PhaseNotJoined:
		return 1
	case PhaseEnded:
		return 2
	case PhaseAlerting:
		return 3
	case PhaseHeld:
		return 4
	case PhaseConnected:
		return 5
	}
	return 0
}

func (s Span) phaseAt(t time.Time) Phase {
	switch {
	case !s.Disconnected.IsZero() && !t.Before(s.Disconnected):
		return PhaseEnded
	case !s.Held.IsZero() && !t.Before(s.Held):
		return PhaseHeld
	case !s.Connected.IsZero() && !t.Before(s.Connected):
		return PhaseConnected
	case !s.Alerting.IsZero() && !t.Before(s.Alerting):
		return PhaseAlerting
	case !s.Alerting.IsZero() || !s.Connected.IsZero():
		return PhaseNotJoined
	}
	return PhaseUnknown
}

// PhaseNow is the participant's phase as the GET shows it.
func (c *Conv) PhaseNow(v *PView) Phase {
	if v.Ended(c) {
		return PhaseEnded
	}
	for _, s := range v.States(c) {
		if genesys.StateIs(s.State, genesys.StateConnected) {
			if s.Comm != nil && (s.Comm.Held || s.Comm.Confined) {
				return PhaseHeld
			}
			return PhaseConnected
		}
	}
	for _, s := range v.States(c) {
		if genesys.NotYetConnected(s.State) {
			return PhaseAlerting
		}
	}
	return PhaseUnknown
}

// ConversationEnd is when the conversation ended: its endTime, else the
// analytics conversationEnd, else (every participant ended) the latest
// participant end; zero when it has not, or no time says when.
func (c *Conv) ConversationEnd() time.Time {
	if t := ParseGenesysTime(c.EndTime()); !t.IsZero() {
		return t
	}
	if c.Analytics != nil {
		if t := ParseGenesysTime(c.Analytics.ConversationEnd); !t.IsZero() {
			return t
		}
	}
	var last time.Time
	for _, v := range c.Participants {
		if !v.Ended(c) {
			return time.Time{}
		}
		e := c.Lifeline(v).EndedAt()
		if e.IsZero() {
			return time.Time{}
		}
		if e.After(last) {
			last = e
		}
	}
	return last
}

// TimelineEntry is one participant's lanes, for the report's timeline.
type TimelineEntry struct {
	ParticipantID  string         `json:"participant_id"`
	Purpose        string         `json:"purpose,omitempty"`
	Name           string         `json:"name,omitempty"`
	Communications []TimelineComm `json:"communications"`
	// StateAtFailure is the participant's phase at the failure ("" when
	// the failure time is unknown); StateNow as the GET shows it.
	StateAtFailure string `json:"state_at_failure,omitempty"`
	StateNow       string `json:"state_now,omitempty"`
	// Role marks the target.
	Role       string    `json:"role,omitempty"`
	Start, End time.Time `json:"-"`
}

// TimelineComm is one communication's lifecycle in the timeline.
type TimelineComm struct {
	ID             string    `json:"id,omitempty"`
	Media          string    `json:"media,omitempty"`
	Alerting       time.Time `json:"alerting,omitzero"`
	Connected      time.Time `json:"connected,omitzero"`
	Held           time.Time `json:"held,omitzero"`
	Disconnected   time.Time `json:"disconnected,omitzero"`
	DisconnectType string    `json:"disconnect_type,omitempty"`
}

// Timeline is the report's timeline: the failure and the participants'
// lanes.
type Timeline struct {
	Failure *FailureTime
	Entries []TimelineEntry
	// Omitted counts participants left out (large conferences: ended legs
	// unrelated to the target).
	Omitted int
}

// MaxLanes caps the lanes drawn; past it the target, the live parties and
// a count of the rest are shown.
const MaxLanes = 12

// BuildTimeline lays out the participants' lifelines; target (may be nil)
// is always kept.
func (c *Conv) BuildTimeline(f *FailureTime, target *PView) *Timeline {
	tl := &Timeline{Failure: f}
	keep := func(v *PView) bool {
		if len(c.Participants) <= MaxLanes || v == target || !v.Ended(c) {
			return true
		}
		if !f.Known() {
			return false
		}
		ph := c.Lifeline(v).PhaseAt(f.Time)
		return ph != PhaseEnded && ph != PhaseNotJoined
	}
	for _, v := range c.Participants {
		// Once the lanes are full only the target is still looked at.
		if len(tl.Entries) >= MaxLanes && v != target || !keep(v) {
			tl.Omitted++
			continue
		}
		l := c.Lifeline(v)
		e := TimelineEntry{ParticipantID: v.ID, Purpose: v.Purpose(), Name: v.Name(), Start: l.Start, End: l.EndedAt(), StateNow: string(c.PhaseNow(v)), Communications: []TimelineComm{}}
		if v == target {
			e.Role = "target"
		}
		for _, s := range l.Spans {
			e.Communications = append(e.Communications, TimelineComm{ID: s.ID, Media: s.Media, Alerting: s.Alerting, Connected: s.Connected, Held: s.Held, Disconnected: s.Disconnected, DisconnectType: s.DisconnectType})
		}
		if f.Known() {
			e.StateAtFailure = string(l.PhaseAt(f.Time))
		}
		tl.Entries = append(tl.Entries, e)
	}
	sort.SliceStable(tl.Entries, func(i, j int) bool { return tl.Entries[i].Role == "target" && tl.Entries[j].Role != "target" })
	return tl
}

// Describe writes an end against the failure for explanations: "ended at
// T, 3.2 s before the failure at F (the response's Date header)".
func (f *FailureTime) Describe(what string, e time.Time) string {
	switch o := f.Compare(e); o {
	case Before:
		return fmt.Sprintf("%s at %s, %s before the failure at %s", what, FormatTime(e), f.Gap(e), f)
	case After:
		return fmt.Sprintf("%s at %s, %s after the failure at %s", what, FormatTime(e), -f.Gap(e), f)
	case Around:
		return fmt.Sprintf("%s at %s, within the clock tolerance of the failure at %s", what, FormatTime(e), f)
	}
	return fmt.Sprintf("%s at %s", what, FormatTime(e))
}
