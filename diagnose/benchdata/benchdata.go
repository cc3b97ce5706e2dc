// Package benchdata builds the large conversations convdiag's benchmarks
// and the scripts of testdata/bench measure it on, so that both read the
// same documents.
package benchdata

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// ConversationID is the id of every conference Conference builds.
const ConversationID = "5f3e1d2c-4b6a-4c8e-9f0a-1b2c3d4e5f60"

// Conference is a conference call of n participants (about 1.1 KB each
// once indented, so 5,000 make about 5.4 MB), every 50th live, and target
// a live participant near the end (n-1000; the last one below 1,000
// participants).
func Conference(n int) (conv *genesys.Conversation, target string) {
	id := func(i, kind int) string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*7919+kind, kind, i%4096, (i/4096)%4096, i*104729+kind)
	}
	pick := n - 1000
	if pick < 0 {
		pick = n - 1
	}
	conv = &genesys.Conversation{ID: ConversationID, StartTime: "2026-11-25T09:00:00.000Z", MaxParticipants: n + 100}
	for i := 0; i < n; i++ {
		live := i%50 == 0 || i == pick
		p := genesys.Participant{ID: id(i, 1), Name: fmt.Sprintf("Attendee %d", i), StartTime: "2026-11-25T09:00:00.000Z", ConnectedTime: "2026-11-25T09:00:02.000Z",
			Purpose: "external", Address: fmt.Sprintf("tel:+1317555%04d", i), ANI: fmt.Sprintf("tel:+1317555%04d", i), DNIS: "tel:+18005550100", MediaRoles: []string{"full"}}
		if i%3 == 0 {
			p.Purpose, p.UserID = "agent", id(i, 2)
		}
		c := genesys.Communication{ID: id(i, 3), State: "connected", InitialState: "dialing", Direction: "outbound", StartAlerting: "2026-11-25T09:00:00.500Z", ConnectedTime: "2026-11-25T09:00:02.000Z",
			PeerID: id(i, 4), Self: &genesys.Address{AddressNormalized: p.Address}, Other: &genesys.Address{AddressNormalized: "tel:+18005550100"}}
		if !live {
			c.State, c.DisconnectType, c.DisconnectedTime = "disconnected", "peer", "2026-11-25T09:30:00.000Z"
			p.EndTime = "2026-11-25T09:30:00.000Z"
		}
		p.Calls = []genesys.Communication{c}
		conv.Participants = append(conv.Participants, p)
	}
	return conv, conv.Participants[pick].ID
}

// WriteConference writes Conference(n), indented as a saved GET is, to
// path and returns its target participant.
func WriteConference(path string, n int) (target string, err error) {
	conv, target := Conference(n)
	b, err := json.MarshalIndent(conv, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode the conference: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("write the conference: %w", err)
	}
	return target, nil
}

// CheckArgs are the arguments of `convdiag check` that diagnose the drop
// of target in the conference saved at path offline, at a moment of
// failure given (so that every participant's state at that moment is
// rebuilt and the timeline drawn).
func CheckArgs(path, target string) []string {
	return []string{"check", "--request", "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/" + ConversationID + "/participants/" + target,
		"--body", `{"state":"disconnected"}`, "--status", "409", "--conversation-json", path, "--at", "2026-11-25T09:20:00Z"}
}
