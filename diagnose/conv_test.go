package diagnose

import (
	"testing"

	"github.com/convdiag/convdiag/diagnose/benchdata"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestBuildConvIndexes: the conversation's media is the one most
// participants have (a participant with three calls counts once), and
// every id, communication and peer is found, whatever its case.
func TestBuildConvIndexes(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range genesys.MediaArrays {
		if seen[a.Media] {
			t.Fatalf("media %q has two arrays: BuildConv counts a participant once per array", a.Media)
		}
		seen[a.Media] = true
	}
	calls := []genesys.Communication{{ID: "CALL-1", State: "connected", PeerID: "peer-1"}, {ID: "call-2", State: "disconnected"}, {ID: "call-3", State: "disconnected"}}
	g := &genesys.Conversation{ID: "conv", Participants: []genesys.Participant{
		{ID: "A", UserID: "U1", Calls: calls},
		{ID: "b", Chats: []genesys.Communication{{ID: "chat-1", State: "connected"}}},
		{ID: "c", UserID: "u1", Chats: []genesys.Communication{{ID: "chat-2", State: "disconnected"}}, EndTime: "2026-11-25T09:30:00Z"},
		{ID: "a", Chats: []genesys.Communication{{ID: "chat-3", State: "connected"}}},
	}}
	c := BuildConv(g, nil, "", "")
	if c.Media != "chat" || c.Segment != "chats" {
		t.Errorf("media %q %q, want chat (three participants chat, one calls three times)", c.Media, c.Segment)
	}
	if v := c.ByID("a"); v == nil || v.GIndex != 0 {
		t.Errorf("ByID(a) = %+v, want the first participant of that id", v)
	}
	if r, ok := c.ByComm("call-1"); !ok || r.P.ID != "A" || r.Comm.Index != 0 || r.Comm.Array.Key != "calls" {
		t.Errorf("ByComm(call-1) = %+v %v", r, ok)
	}
	if r, ok := c.ByPeer("PEER-1"); !ok || r.Comm.ID != "CALL-1" {
		t.Errorf("ByPeer(PEER-1) = %+v %v", r, ok)
	}
	if n := len(c.ByUser("u1")); n != 2 {
		t.Errorf("ByUser(u1): %d participants, want 2", n)
	}
	for _, w := range []struct {
		id          string
		ended, live bool
	}{{"A", false, true}, {"c", true, false}} {
		v := c.ByID(w.id)
		if v.Ended(c) != w.ended || v.Live(c) != w.live {
			t.Errorf("%s: ended %v live %v, want %v %v", w.id, v.Ended(c), v.Live(c), w.ended, w.live)
		}
	}
	if v := (&PView{ID: "x", GIndex: -1, CIndex: -1}); v.Ended(c) || v.Live(c) {
		t.Error("a participant with no state read is neither ended nor live")
	}
}

// BenchmarkBuildConv indexes the benchmarks' conference of 5,000
// participants and looks its target up, as every check of it does first.
//
//	go test ./diagnose -run '^$' -bench BuildConv
func BenchmarkBuildConv(b *testing.B) {
	conv, target := benchdata.Conference(5000)
	b.ReportAllocs()
	for b.Loop() {
		c := BuildConv(conv, nil, "", "")
		if v := c.ByID(target); v == nil || !v.Live(c) || c.Media != "call" {
			b.Fatal("the target is not a live participant of a call")
		}
	}
}
