package diagnose

import (
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Conv indexes a conversation's participants across both views (the generic
// GET and the flat call GET) so checks can look ids up in constant time.
type Conv struct {
	// ID is the conversation id (from either view).
	ID      string
	Generic *genesys.Conversation
	Call    *genesys.CallConversation
	// GenericSource and CallSource name the views for evidence references.
	GenericSource, CallSource string
	// Analytics is the conversation's analytics details (history), when
	// given; AnalyticsSource names it.
	Analytics       *genesys.AnalyticsConversation
	AnalyticsSource string
	// Participants lists every participant once: generic order first, then
	// participants only the flat view has.
	Participants []*PView
	// Media is the conversation's primary media type ("call", "message",
	// ...) and Segment its media path segment ("calls", "messages", ...;
	// empty when the media has no media-specific endpoints).
	Media, Segment string

	byID       map[string]*PView
	byUser     map[string][]*PView
	byExternal map[string][]*PView
	// byComm and byPeer are built when first asked for (commsOnce): an id
	// is most often a participant's, found without them.
	commsOnce      sync.Once
	byComm, byPeer map[string]CommRef
	byAnalytic     map[string]*genesys.AnalyticsParticipant
}

// analyticsOf is the analytics participant with the id, if any.
func (c *Conv) analyticsOf(id string) *genesys.AnalyticsParticipant {
	if c.Analytics == nil || id == "" {
		return nil
	}
	if c.byAnalytic == nil {
		c.byAnalytic = map[string]*genesys.AnalyticsParticipant{}
		for i := range c.Analytics.Participants {
			a := &c.Analytics.Participants[i]
			c.byAnalytic[strings.ToLower(a.ParticipantID)] = a
		}
	}
	return c.byAnalytic[strings.ToLower(id)]
}

// CommRef locates a communication.
type CommRef struct {
	P    *PView
	Comm genesys.Comm
}

// PView is one participant seen through both views.
type PView struct {
	ID string
	// GIndex and CIndex are the participant's positions in the generic and
	// flat views (-1 when absent).
	GIndex, CIndex int
	G              *genesys.Participant
	C              *genesys.CallMediaParticipant
}

// StateRead is one state value read, with where it was read.
type StateRead struct {
	Source string
	Path   string
	State  string
	// Comm is set for a generic communication.
	Comm *genesys.Comm
}

// Name returns the participant's name from either view.
func (v *PView) Name() string {
	if v.G != nil && v.G.Name != "" {
		return v.G.Name
	}
	if v.C != nil {
		return v.C.Name
	}
	return ""
}

// Purpose returns the participant's purpose from either view.
func (v *PView) Purpose() string {
	if v.G != nil && v.G.Purpose != "" {
		return v.G.Purpose
	}
	if v.C != nil {
		return v.C.Purpose
	}
	return ""
}

// UserID returns the user behind the participant, if any.
func (v *PView) UserID() string {
	if v.G != nil && v.G.UserID != "" {
		return v.G.UserID
	}
	if v.C != nil && v.C.User != nil {
		return v.C.User.ID
	}
	return ""
}

// ExternalContactID returns the external contact behind the participant.
func (v *PView) ExternalContactID() string {
	if v.G != nil && v.G.ExternalContactID != "" {
		return v.G.ExternalContactID
	}
	if v.C != nil && v.C.ExternalContact != nil {
		return v.C.ExternalContact.ID
	}
	return ""
}

// EndTime returns the participant's endTime from either view.
func (v *PView) EndTime() string {
	if v.G != nil && v.G.EndTime != "" {
		return v.G.EndTime
	}
	if v.C != nil {
		return v.C.EndTime
	}
	return ""
}

// ConsultParticipantID returns the consult link from either view.
func (v *PView) ConsultParticipantID() string {
	if v.G != nil && v.G.ConsultParticipantID != "" {
		return v.G.ConsultParticipantID
	}
	if v.C != nil {
		return v.C.ConsultParticipantID
	}
	return ""
}

// Address returns the participant's address (ANI/DNIS-like) for matching
// legs of the same external party.
func (v *PView) Address() string {
	if v.G != nil {
		if v.G.Address != "" {
			return v.G.Address
		}
		if v.G.ANI != "" {
			return v.G.ANI
		}
	}
	if v.C != nil {
		if v.C.Address != "" {
			return v.C.Address
		}
		return v.C.ANI
	}
	return ""
}

// States lists every state read for the participant: each generic
// communication, then the flat view's top-level state.
func (v *PView) States(c *Conv) []StateRead {
	var out []StateRead
	if v.G != nil {
		for _, cm := range v.G.Comms() {
			cm := cm
			out = append(out, StateRead{Source: c.GenericSource,
				Path:  fmt.Sprintf("participants[%d].%s[%d].state", v.GIndex, cm.Array.Key, cm.Index),
				State: strings.ToLower(cm.State), Comm: &cm})
		}
	}
	if v.C != nil && v.C.State != "" {
		out = append(out, StateRead{Source: c.CallSource, Path: fmt.Sprintf("participants[%d].state", v.CIndex), State: strings.ToLower(v.C.State)})
	}
	return out
}

// stateValues yields the states States reads, in its order and as it
// writes them, without the paths: Ended and Live ask it of every
// participant of a conference.
func (v *PView) stateValues() iter.Seq[string] {
	return func(yield func(string) bool) {
		if v.G != nil {
			for cm := range v.G.AllComms() {
				if !yield(strings.ToLower(cm.State)) {
					return
				}
			}
		}
		if v.C != nil && v.C.State != "" {
			yield(strings.ToLower(v.C.State))
		}
	}
}

// Ended reports whether the participant has nothing live left: an endTime,
// or every state read is disconnected/terminated.
func (v *PView) Ended(c *Conv) bool {
	if v.EndTime() != "" {
		return true
	}
	read := false
	for s := range v.stateValues() {
		if !genesys.Ended(s) {
			return false
		}
		read = true
	}
	return read
}

// Live reports whether the participant has a communication that has not
// ended.
func (v *PView) Live(c *Conv) bool {
	if v.EndTime() != "" {
		return false
	}
	for s := range v.stateValues() {
		if !genesys.Ended(s) {
			return true
		}
	}
	return false
}

// Conv returns the evidence's conversation index, building it on first use;
// nil when there is no conversation evidence.
func (ev *Evidence) Conv() *Conv {
	if ev.conv == nil && (ev.Conversation != nil || ev.Call != nil) {
		ev.conv = BuildConv(ev.Conversation, ev.Call, ev.ConversationFetch.Label(), ev.CallFetch.Label())
		if a := ev.Analytics; a != nil && (ev.conv.ID == "" || strings.EqualFold(a.ConversationID, ev.conv.ID)) {
			ev.conv.Analytics, ev.conv.AnalyticsSource = a, ev.AnalyticsFetch.Label()
			if ev.conv.AnalyticsSource == "" {
				ev.conv.AnalyticsSource = "GET /api/v2/analytics/conversations/{id}/details"
			}
		}
	}
	return ev.conv
}

// BuildConv indexes the two views. Either may be nil.
func BuildConv(g *genesys.Conversation, call *genesys.CallConversation, gSource, cSource string) *Conv {
	if gSource == "" {
		gSource = "GET /api/v2/conversations/{id}"
	}
	if cSource == "" {
		cSource = "GET /api/v2/conversations/calls/{id}"
	}
	n := 0
	if g != nil {
		n += len(g.Participants)
	}
	if call != nil {
		n += len(call.Participants)
	}
	// byID is sized at once: grown as it fills, a conference's index is
	// rehashed a dozen times.
	c := &Conv{Generic: g, Call: call, GenericSource: gSource, CallSource: cSource,
		byID: make(map[string]*PView, n), byUser: map[string][]*PView{}, byExternal: map[string][]*PView{}}
	if g != nil {
		c.ID = g.ID
	}
	if call != nil && c.ID == "" {
		c.ID = call.ID
	}
	views := make([]PView, 0, n)
	c.Participants = make([]*PView, 0, n)
	add := func(v PView) *PView {
		views = append(views, v)
		pv := &views[len(views)-1]
		c.Participants = append(c.Participants, pv)
		if pv.ID != "" {
			if id := strings.ToLower(pv.ID); c.byID[id] == nil {
				c.byID[id] = pv
			}
		}
		return pv
	}
	if g != nil {
		for i := range g.Participants {
			add(PView{ID: g.Participants[i].ID, GIndex: i, CIndex: -1, G: &g.Participants[i]})
		}
	}
	if call != nil {
		for i := range call.Participants {
			cp := &call.Participants[i]
			if pv, ok := c.byID[strings.ToLower(cp.ID)]; ok && pv.C == nil && cp.ID != "" {
				pv.C, pv.CIndex = cp, i
				continue
			}
			add(PView{ID: cp.ID, GIndex: -1, CIndex: i, C: cp})
		}
	}
	media := map[string]int{}
	for _, pv := range c.Participants {
		if u := strings.ToLower(pv.UserID()); u != "" {
			c.byUser[u] = append(c.byUser[u], pv)
		}
		if x := strings.ToLower(pv.ExternalContactID()); x != "" {
			c.byExternal[x] = append(c.byExternal[x], pv)
		}
		if pv.G != nil {
			for cm := range pv.G.AllComms() {
				if cm.Index == 0 {
					// The first of its media array: each array holds
					// one media, so the participant is counted once
					// per media it has.
					media[cm.Array.Media]++
				}
			}
		}
	}
	c.Media, c.Segment = primaryMedia(media, call != nil)
	return c
}

// indexComms builds byComm and byPeer, once: every communication of the
// generic view by its id and by its peerId (the last of equal ids wins).
func (c *Conv) indexComms() {
	c.commsOnce.Do(func() {
		n := 0 // about one communication a participant
		if c.Generic != nil {
			n = len(c.Generic.Participants)
		}
		c.byComm, c.byPeer = make(map[string]CommRef, n), make(map[string]CommRef, n)
		for _, pv := range c.Participants {
			if pv.G == nil {
				continue
			}
			for cm := range pv.G.AllComms() {
				if cm.ID != "" {
					c.byComm[strings.ToLower(cm.ID)] = CommRef{P: pv, Comm: cm}
				}
				if cm.PeerID != "" {
					c.byPeer[strings.ToLower(cm.PeerID)] = CommRef{P: pv, Comm: cm}
				}
			}
		}
	})
}

func primaryMedia(count map[string]int, hasCallView bool) (string, string) {
	best, bestN := "", 0
	seg := ""
	for _, arr := range genesys.MediaArrays {
		if count[arr.Media] > bestN {
			best, bestN, seg = arr.Media, count[arr.Media], arr.Segment
		}
	}
	if best == "" && hasCallView {
		return "call", "calls"
	}
	return best, seg
}

// ByID finds a participant by id (case-insensitive).
func (c *Conv) ByID(id string) *PView { return c.byID[strings.ToLower(id)] }

// ByUser lists the participants of a user.
func (c *Conv) ByUser(userID string) []*PView { return c.byUser[strings.ToLower(userID)] }

// ByExternalContact lists the participants of an external contact.
func (c *Conv) ByExternalContact(id string) []*PView { return c.byExternal[strings.ToLower(id)] }

// ByComm finds the communication with the id.
func (c *Conv) ByComm(id string) (CommRef, bool) {
	c.indexComms()
	r, ok := c.byComm[strings.ToLower(id)]
	return r, ok
}

// ByPeer finds the communication whose peerId is the id.
func (c *Conv) ByPeer(id string) (CommRef, bool) {
	c.indexComms()
	r, ok := c.byPeer[strings.ToLower(id)]
	return r, ok
}

// Source names where a participant was read: the generic view when it has
// it, the flat view otherwise.
func (c *Conv) Source(v *PView) (source, path string) {
	if v.G != nil {
		return c.GenericSource, fmt.Sprintf("participants[%d]", v.GIndex)
	}
	return c.CallSource, fmt.Sprintf("participants[%d]", v.CIndex)
}

// EndTime is the conversation's endTime (generic view only).
func (c *Conv) EndTime() string {
	if c.Generic != nil {
		return c.Generic.EndTime
	}
	return ""
}

// SameParty lists the other participants that stand for the same party as
// v: the same user, the same external contact, or (for a customer or
// external leg without either) the same address.
func (c *Conv) SameParty(v *PView) []*PView {
	var out []*PView
	seen := map[*PView]bool{v: true}
	addAll := func(list []*PView) {
		for _, o := range list {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	if u := v.UserID(); u != "" {
		addAll(c.ByUser(u))
	}
	if x := v.ExternalContactID(); x != "" {
		addAll(c.ByExternalContact(x))
	}
	if len(out) == 0 && v.UserID() == "" {
		if a := v.Address(); a != "" {
			p := strings.ToLower(v.Purpose())
			for _, o := range c.Participants {
				if !seen[o] && o.UserID() == "" && o.Address() == a && strings.ToLower(o.Purpose()) == p {
					seen[o] = true
					out = append(out, o)
				}
			}
		}
	}
	return out
}
