package sim

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// orgLive is what the org keeps for its live side: who hears of its
// changes, and the scenario's timers.
type orgLive struct {
	listeners map[int]func(*genesys.Conversation)
	next      int
	timers    []Timer
}

// onChange registers f to hear of every change of a conversation's state
// (it hears the state of each conversation now, first): it receives a
// copy of the conversation after the change. f runs under the org's lock,
// so it must not call the org. remove unregisters it.
func (o *Org) onChange(f func(*genesys.Conversation)) (remove func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.live.listeners == nil {
		o.live.listeners = map[int]func(*genesys.Conversation){}
	}
	id := o.live.next
	o.live.next++
	o.live.listeners[id] = f
	for _, cid := range o.order {
		f(copyConversation(o.convs[cid]))
	}
	return func() {
		o.mu.Lock()
		delete(o.live.listeners, id)
		o.mu.Unlock()
	}
}

// changed is the one change hook: every mutation of a conversation calls
// it (o.mu held) once it is done, and the listeners (the notification
// hub) work out from the states what changed; saved documents no longer
// show the org.
func (o *Org) changed(convID string) {
	c, ok := o.convs[convID]
	if !ok {
		return
	}
	o.forgetSaved()
	for _, f := range o.live.listeners {
		f(copyConversation(c))
	}
}

func copyConversation(c *genesys.Conversation) *genesys.Conversation {
	var out genesys.Conversation
	_ = json.Unmarshal(mustJSON(c), &out)
	return &out
}

// Timer is a scenario's timed change: After the org is served, the
// participant does Action ("answer": its alerting communications connect;
// "hang-up": it disconnects).
type Timer struct {
	After       Duration `json:"after"`
	Participant string   `json:"participant"`
	Action      string   `json:"action"`
}

// Timer actions.
const (
	TimerAnswer = "answer"
	TimerHangUp = "hang-up"
)

// Duration is a time.Duration written as "3s" in a scenario file.
type Duration time.Duration

// UnmarshalJSON reads "3s", "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"3s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q: want a positive Go duration such as 3s", s)
	}
	*d = Duration(v)
	return nil
}

// SetTimers gives the org timed changes (a scenario's), started by
// Server.StartTimers.
func (o *Org) SetTimers(ts []Timer) error {
	for _, t := range ts {
		if t.Action != TimerAnswer && t.Action != TimerHangUp {
			return fmt.Errorf("timer action %q: want %s or %s", t.Action, TimerAnswer, TimerHangUp)
		}
		if _, ok := o.conversationOf(t.Participant); !ok {
			return fmt.Errorf("timer participant %s is in none of the org's conversations", t.Participant)
		}
	}
	o.mu.Lock()
	o.live.timers = append([]Timer(nil), ts...)
	o.mu.Unlock()
	return nil
}

// Timers lists the org's timed changes.
func (o *Org) Timers() []Timer {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Timer(nil), o.live.timers...)
}

// conversationOf finds the conversation a participant is in.
func (o *Org) conversationOf(pid string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range o.order {
		for _, p := range o.convs[id].Participants {
			if p.ID == pid {
				return id, true
			}
		}
	}
	return "", false
}

// fire carries out a timer.
func (o *Org) fire(t Timer, now time.Time) {
	convID, ok := o.conversationOf(t.Participant)
	if !ok {
		return
	}
	switch t.Action {
	case TimerAnswer:
		o.Connect(convID, t.Participant, now)
	case TimerHangUp:
		o.hangUp(convID, t.Participant, now)
	}
}

// hangUp ends a participant's part from its own side (disconnectType
// "peer"), whatever its state.
func (o *Org) hangUp(convID, pid string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.convs[convID]
	for i := range c.Participants {
		if p := &c.Participants[i]; p.ID == pid && participantLive(p) {
			endParticipant(c, p, "peer", now)
			o.changed(convID)
		}
	}
}

// StartTimers starts the org's scenario timers on the server's clock
// (`convdiag sim` calls it once it serves; tests when they want them).
// Close stops those that have not fired.
func (s *Server) StartTimers() {
	h := s.hub
	for _, t := range s.org.Timers() {
		stop := h.opts.afterFunc(time.Duration(t.After), func() { s.org.fire(t, s.opts.Now()) })
		h.mu.Lock()
		h.timerStops = append(h.timerStops, stop)
		h.mu.Unlock()
	}
}

func (s *Server) stopTimers() {
	h := s.hub
	h.mu.Lock()
	stops := h.timerStops
	h.timerStops = nil
	h.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}
