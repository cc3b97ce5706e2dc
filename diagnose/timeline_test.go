package diagnose

import (
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestCompareBothSidesOfTheTolerance: an end is before the failure only
// when earlier than the failure's earliest instant by more than the clock
// skew, after it only when later than its latest by more than the skew.
func TestCompareBothSidesOfTheTolerance(t *testing.T) {
	f0 := time.Date(2026, 11, 25, 10, 15, 31, 0, time.UTC)
	date := &FailureTime{Time: f0, Source: "Date", Precision: time.Second} // [31.000, 32.000)
	ms := &FailureTime{Time: f0, Source: "--at", Precision: time.Millisecond}
	for _, tc := range []struct {
		f    *FailureTime
		end  time.Duration // relative to f0
		want Order
	}{
		{date, -501 * time.Millisecond, Before},
		{date, -499 * time.Millisecond, Around},
		{date, 0, Around},
		{date, 1499 * time.Millisecond, Around}, // inside the Date header's second, plus skew
		{date, 1501 * time.Millisecond, After},
		{ms, -501 * time.Millisecond, Before},
		{ms, 502 * time.Millisecond, After},
		{ms, 400 * time.Millisecond, Around},
	} {
		if got := tc.f.Compare(f0.Add(tc.end)); got != tc.want {
			t.Errorf("%s, end %+v: %s, want %s", tc.f.Source, tc.end, got, tc.want)
		}
	}
	var unknown *FailureTime
	if unknown.Compare(f0) != OrderUnknown || date.Compare(time.Time{}) != OrderUnknown {
		t.Error("an unknown time must give OrderUnknown")
	}
}

// TestPhaseAt: a communication's lifecycle read at instants.
func TestPhaseAt(t *testing.T) {
	conv := &genesys.Conversation{ID: "c", Participants: []genesys.Participant{{ID: "a", StartTime: "2026-11-25T09:41:02.000Z", EndTime: "2026-11-25T09:41:32.000Z",
		Calls: []genesys.Communication{{ID: "k", State: "disconnected", StartAlerting: "2026-11-25T09:41:02.000Z", DisconnectedTime: "2026-11-25T09:41:32.000Z", DisconnectType: "transfer.noanswer"}}},
		{ID: "b", StartTime: "2026-11-25T09:40:00.000Z", Calls: []genesys.Communication{{ID: "m", State: "connected", ConnectedTime: "2026-11-25T09:40:00.200Z"}}}}}
	c := BuildConv(conv, nil, "", "")
	a, b := c.Lifeline(c.ByID("a")), c.Lifeline(c.ByID("b"))
	at := func(s string) time.Time { return ParseGenesysTime(s) }
	for _, tc := range []struct {
		l    Lifeline
		t    string
		want Phase
	}{
		{a, "2026-11-25T09:41:00Z", PhaseNotJoined},
		{a, "2026-11-25T09:41:10Z", PhaseAlerting},
		{a, "2026-11-25T09:41:40Z", PhaseEnded},
		{b, "2026-11-25T09:40:00.100Z", PhaseNotJoined},
		{b, "2026-11-25T09:45:00Z", PhaseConnected},
	} {
		if got := tc.l.PhaseAt(at(tc.t)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.t, got, tc.want)
		}
	}
	if e := a.EndedAt(); !e.Equal(at("2026-11-25T09:41:32Z")) {
		t.Errorf("ended at %s", e)
	}
	if !b.EndedAt().IsZero() {
		t.Error("a live participant has no end")
	}
}

// TestLifelineFromAnalytics: a view without per-communication times (the
// flat call view) takes them from the analytics segments.
func TestLifelineFromAnalytics(t *testing.T) {
	call := &genesys.CallConversation{ID: "c", Participants: []genesys.CallMediaParticipant{{ID: "a", State: "disconnected", EndTime: "2026-11-25T10:15:29.500Z"}}}
	c := BuildConv(nil, call, "", "")
	c.Analytics = &genesys.AnalyticsConversation{ConversationID: "c", Participants: []genesys.AnalyticsParticipant{{ParticipantID: "a", Sessions: []genesys.AnalyticsSession{{SessionID: "s",
		Segments: []genesys.AnalyticsSegment{{SegmentStart: "2026-11-25T10:10:05.000Z", SegmentEnd: "2026-11-25T10:10:05.800Z", SegmentType: "alert"},
			{SegmentStart: "2026-11-25T10:10:05.800Z", SegmentEnd: "2026-11-25T10:15:29.500Z", SegmentType: "interact", DisconnectType: "peer"}}}}}}}
	c.AnalyticsSource = "analytics"
	l := c.Lifeline(c.ByID("a"))
	if l.PhaseAt(ParseGenesysTime("2026-11-25T10:10:05.500Z")) != PhaseAlerting || l.PhaseAt(ParseGenesysTime("2026-11-25T10:12:00Z")) != PhaseConnected {
		t.Errorf("lifeline %+v", l)
	}
	if len(l.Sources) != 2 || l.Sources[1] != "analytics" {
		t.Errorf("sources %v", l.Sources)
	}
}
