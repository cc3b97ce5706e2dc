package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

func TestCheckConnectURI(t *testing.T) {
	for _, tc := range []struct {
		api, uri string
		ok       bool
	}{
		{"https://api.mypurecloud.com", "wss://streaming.mypurecloud.com/channels/streaming-0-abc", true},
		{"https://api.mypurecloud.de", "wss://streaming.mypurecloud.de:443/channels/streaming-0-abc", true},
		{"https://api.mypurecloud.de", "wss://streaming.mypurecloud.com/channels/streaming-0-abc", false}, // another region
		{"https://api.mypurecloud.com", "ws://streaming.mypurecloud.com/channels/x", false},               // not encrypted
		{"https://api.mypurecloud.com", "wss://streaming.mypurecloud.com.evil.example/channels/x", false},
		{"https://api.mypurecloud.com", "wss://evil.example/streaming.mypurecloud.com/channels/x", false},
		{"https://api.mypurecloud.com", "wss://streaming.mypurecloud.com:8443/channels/x", false},
		{"https://api.mypurecloud.com", "wss://x:y@streaming.mypurecloud.com/channels/x", false},
		{"https://api.mypurecloud.com", "wss://127.0.0.1/channels/x", false}, // loopback is for a simulated org only
		{"https://gateway.example.com", "wss://streaming.example.com/channels/x", false},
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/channels/x", true},
		{"http://localhost:8080", "ws://[::1]:9/channels/x", true},
		{"http://127.0.0.1:8080", "ws://10.0.0.1/channels/x", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/channels/x", false},
		{"http://127.0.0.1:8080", "not a url", false},
	} {
		err := CheckConnectURI(tc.api, tc.uri)
		if (err == nil) != tc.ok {
			t.Errorf("CheckConnectURI(%s, %s) = %v, want ok=%v", tc.api, tc.uri, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "y@") {
			t.Errorf("the error shows the URI's password: %v", err)
		}
	}
}

func conv(states ...string) *genesys.Conversation {
	c := &genesys.Conversation{ID: "c"}
	for i, s := range states {
		c.Participants = append(c.Participants, genesys.Participant{ID: string(rune('a' + i)), Calls: []genesys.Communication{{ID: "k" + string(rune('a'+i)), State: s}}})
	}
	return c
}

// TestTrackerReportsOnlyChanges: the first view reports every
// communication; a replayed view nothing; a hold is a change of the same
// state; states compare case-insensitively.
func TestTrackerReportsOnlyChanges(t *testing.T) {
	tr := newTracker()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if got := tr.observe(conv("connected", "alerting"), FromPoll, at); len(got) != 2 || got[1].State != "alerting" || got[1].PreviousState != "" {
		t.Fatalf("first view: %+v", got)
	}
	if got := tr.observe(conv("CONNECTED", "alerting"), FromTopic, at); len(got) != 0 {
		t.Errorf("a replayed view: %+v", got)
	}
	c := conv("connected", "connected")
	c.Participants[1].Calls[0].ConnectedTime = "2026-11-25T10:00:03.5Z"
	got := tr.observe(c, FromTopic, at)
	if len(got) != 1 || got[0].ParticipantID != "b" || got[0].PreviousState != "alerting" || got[0].EventTime != "2026-11-25T10:00:03.500Z" || got[0].Source != FromTopic {
		t.Errorf("the answer: %+v", got)
	}
	c.Participants[0].Calls[0].Held = true
	c.Participants[0].Calls[0].StartHoldTime = "2026-11-25T10:00:04Z"
	if got := tr.observe(c, FromTopic, at); len(got) != 1 || !got[0].Held || got[0].State != "connected" || got[0].EventTime != "2026-11-25T10:00:04.000Z" {
		t.Errorf("the hold: %+v", got)
	}
}

func TestUntil(t *testing.T) {
	ended := conv("connected", "disconnected")
	for _, tc := range []struct {
		u    Until
		c    *genesys.Conversation
		want bool
	}{
		{Until{Participant: "b", State: "connected"}, conv("connected", "alerting"), false},
		{Until{Participant: "b", State: "connected"}, conv("connected", "connected"), true},
		{Until{Participant: "b", State: "disconnected"}, ended, true},
		{Until{Participant: "b", State: Gone}, ended, true},
		{Until{Participant: "a", State: Gone}, ended, false},
		{Until{Participant: "z", State: Gone}, ended, true},
		{Until{Participant: "z", State: "connected"}, ended, false},
		{Until{Participant: "a", State: Gone}, nil, true},
		{Until{Participant: "b", Communication: "other", State: "connected"}, conv("connected", "connected"), false},
	} {
		if got := tc.u.Holds(tc.c); got != tc.want {
			t.Errorf("%+v holds = %v, want %v", tc.u, got, tc.want)
		}
	}
	if _, err := ParseUntil("gnoe"); err == nil || !strings.Contains(err.Error(), `did you mean "gone"`) {
		t.Errorf("ParseUntil(gnoe): %v", err)
	}
}
