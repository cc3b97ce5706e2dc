package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/suggest"
)

// Source says where a change was seen.
type Source string

// Sources (DESIGN §2: the JSON Lines' "source").
const (
	FromTopic Source = "topic"
	FromPoll  Source = "poll"
)

// Change is one observed change of a communication: its state, or its
// held or muted flag.
type Change struct {
	// SeenAt is when convdiag saw it.
	SeenAt time.Time
	// EventTime is the time the org gives the new state (connectedTime,
	// disconnectedTime, startAlertingTime, startHoldTime), RFC 3339; ""
	// when the conversation carries none.
	EventTime       string
	ParticipantID   string
	Name, Purpose   string
	CommunicationID string
	// Media is the media type ("call", "message", ...).
	Media string
	// State is the communication's state, lower case; PreviousState is
	// "" the first time the communication is seen.
	State, PreviousState string
	Held, Muted          bool
	Source               Source
}

// observation is what is tracked of one communication.
type observation struct {
	state       string
	held, muted bool
}

// tracker remembers the last observation of every communication and turns
// a new view of the conversation into the changes since (a replayed or
// duplicated event changes nothing).
type tracker struct {
	known map[string]observation
}

func newTracker() *tracker { return &tracker{known: map[string]observation{}} }

func commKey(p *genesys.Participant, cm genesys.Comm) string {
	id := cm.ID
	if id == "" {
		id = fmt.Sprint(cm.Index)
	}
	return p.ID + "/" + cm.Array.Key + "/" + id
}

// observe returns the changes the conversation shows, in its participants'
// order.
func (t *tracker) observe(c *genesys.Conversation, src Source, seen time.Time) []Change {
	var out []Change
	for i := range c.Participants {
		p := &c.Participants[i]
		for _, cm := range p.Comms() {
			now := observation{state: strings.ToLower(cm.State), held: cm.Held, muted: cm.Muted}
			key := commKey(p, cm)
			before, seenBefore := t.known[key]
			if seenBefore && before == now {
				continue
			}
			t.known[key] = now
			ch := Change{SeenAt: seen, EventTime: eventTime(cm.Communication, now, before, seenBefore), ParticipantID: p.ID, Name: p.Name, Purpose: p.Purpose,
				CommunicationID: cm.ID, Media: cm.Array.Media, State: now.state, Held: now.held, Muted: now.muted, Source: src}
			if seenBefore {
				ch.PreviousState = before.state
			}
			out = append(out, ch)
		}
	}
	return out
}

// eventTime is the org's own time of what changed.
func eventTime(cm *genesys.Communication, now, before observation, seenBefore bool) string {
	raw := ""
	switch {
	case seenBefore && now.state == before.state && now.held && !before.held:
		raw = cm.StartHoldTime
	case now.state == genesys.StateConnected:
		raw = cm.ConnectedTime
	case genesys.Ended(now.state):
		raw = cm.DisconnectedTime
	case genesys.NotYetConnected(now.state):
		raw = cm.StartAlerting
	}
	if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
		return FormatTime(t)
	}
	return ""
}

// FormatTime is the watch's time format: RFC 3339 UTC with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// Gone is the --until condition that holds once the participant has no
// live communication left, or is no longer in the conversation, or the
// conversation is gone.
const Gone = "gone"

// untilStates are the states --until accepts (communication states,
// reference §2), besides gone.
var untilStates = []string{"alerting", "dialing", "contacting", "offering", "connected", "disconnected", "terminated", Gone}

// ParseUntil validates an --until value, with a did-you-mean.
func ParseUntil(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	for _, u := range untilStates {
		if u == v {
			return v, nil
		}
	}
	if best := suggest.Closest(v, untilStates); best != "" {
		return "", fmt.Errorf("unknown state %q; did you mean %q? (states: %s)", s, best, strings.Join(untilStates, ", "))
	}
	return "", fmt.Errorf("unknown state %q (states: %s)", s, strings.Join(untilStates, ", "))
}

// Until is a condition on one participant (and, when given, one of its
// communications) that ends a watch.
type Until struct {
	Participant, Communication string
	// State is a communication state or Gone.
	State string
}

// Holds reports whether the condition holds in the conversation (nil: the
// conversation was not found).
func (u Until) Holds(c *genesys.Conversation) bool {
	if c == nil {
		return u.State == Gone
	}
	var p *genesys.Participant
	for i := range c.Participants {
		if c.Participants[i].ID == u.Participant {
			p = &c.Participants[i]
		}
	}
	if p == nil {
		return u.State == Gone
	}
	var comms []genesys.Comm
	for _, cm := range p.Comms() {
		if u.Communication == "" || cm.ID == u.Communication {
			comms = append(comms, cm)
		}
	}
	live := false
	for _, cm := range comms {
		live = live || !genesys.Ended(cm.State)
	}
	switch u.State {
	case Gone:
		return !live || p.EndTime != ""
	case "disconnected":
		return len(comms) > 0 && !live
	}
	for _, cm := range comms {
		if strings.EqualFold(cm.State, u.State) {
			return true
		}
	}
	return false
}
