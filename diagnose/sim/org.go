package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Org is the simulated org's state: its conversations and the token info
// it reports. It is safe for concurrent use.
type Org struct {
	mu     sync.Mutex
	token  *genesys.TokenInfo
	access *Access
	convs  map[string]*genesys.Conversation
	order  []string
	// replays are customers' recorded answers (Scenario.Replays).
	replays []Replay
	// queues and users are the destinations a transfer can name, by
	// lower-case id: the conversations' own and the scenario's.
	queues, users map[string]string
	// snapshot is the initial state, for Reset.
	snapshot map[string][]byte
	// saved are the documents of an org built from evidence, served as
	// saved until the org changes, by lower-case path; savedAtStart is
	// what Reset restores (saved.go).
	saved, savedAtStart map[string][]byte
	// live holds the change listeners and the scenario timers
	// (changes.go).
	live orgLive
}

// DefaultTokenInfo is the token info of an org built from conversations
// alone: a client-credentials token.
func DefaultTokenInfo() *genesys.TokenInfo {
	org := &genesys.NamedEntity{ID: "00000000-0000-4000-8000-00000000c0de", Name: "Simulated org"}
	return &genesys.TokenInfo{Organization: org, HomeOrganization: org, AuthorizedScope: []string{},
		OAuthClient: &genesys.OrgOAuthClient{ID: "00000000-0000-4000-8000-0000000c11e7", Name: "convdiag sim", AuthorizedGrantType: "CLIENT-CREDENTIALS"}}
}

// NewOrg builds an org serving the conversations (either view is accepted;
// a flat call view is turned into the generic view).
func NewOrg(token *genesys.TokenInfo, docs ...*genesys.Decoded) *Org {
	if token == nil {
		token = DefaultTokenInfo()
	}
	o := &Org{token: token, access: DefaultAccess(), convs: map[string]*genesys.Conversation{}, snapshot: map[string][]byte{},
		queues: map[string]string{}, users: map[string]string{}}
	for _, d := range docs {
		c := d.Conversation
		if c == nil && d.Call != nil {
			c = genericFromCall(d.Call)
		}
		if c == nil {
			continue
		}
		if _, dup := o.convs[c.ID]; !dup {
			o.order = append(o.order, c.ID)
		}
		o.convs[c.ID] = c
		b, _ := json.Marshal(c)
		o.snapshot[c.ID] = b
		for _, p := range c.Participants {
			if p.QueueID != "" {
				o.queues[strings.ToLower(p.QueueID)] = orName(p.QueueName, p.Name)
			}
			if p.UserID != "" {
				o.users[strings.ToLower(p.UserID)] = orName(p.Name, p.UserID)
			}
		}
	}
	return o
}

func orName(name, def string) string {
	if name != "" {
		return name
	}
	return def
}

// SetDirectory adds queues and users (id -> name) the org knows besides
// its conversations' own: destinations a transfer can name.
func (o *Org) SetDirectory(queues, users map[string]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, n := range queues {
		o.queues[strings.ToLower(id)] = n
	}
	for id, n := range users {
		o.users[strings.ToLower(id)] = n
	}
}

// Reset restores every conversation to its initial state.
func (o *Org) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, b := range o.snapshot {
		var c genesys.Conversation
		_ = json.Unmarshal(b, &c)
		o.convs[id] = &c
		o.changed(id)
	}
	o.saved = o.savedAtStart
}

// ConversationIDs lists the conversations served, in the order given.
func (o *Org) ConversationIDs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.order...)
}

// TokenInfo returns the token info served.
func (o *Org) TokenInfo() *genesys.TokenInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.token
}

// SetTokenInfo changes the token the org serves and enforces (a test
// applying a token fix).
func (o *Org) SetTokenInfo(ti *genesys.TokenInfo) {
	o.mu.Lock()
	o.token = ti
	o.forgetSavedAccess()
	o.mu.Unlock()
}

// conversationJSON returns the generic view of a conversation.
func (o *Org) conversationJSON(id string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[id]
	if !ok {
		return nil, false
	}
	b, _ := json.Marshal(c)
	return b, true
}

// callJSON returns the flat call view, false when the conversation is
// unknown or not a call.
func (o *Org) callJSON(id string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[id]
	if !ok || mediaOf(c) != "calls" {
		return nil, false
	}
	b, _ := json.Marshal(callFromGeneric(c))
	return b, true
}

// mediaOf is the media segment of a conversation ("calls", "messages", ...).
func mediaOf(c *genesys.Conversation) string {
	count := map[string]int{}
	for i := range c.Participants {
		for _, cm := range c.Participants[i].Comms() {
			count[cm.Array.Segment]++
		}
	}
	best, n := "", 0
	for _, arr := range genesys.MediaArrays {
		if count[arr.Segment] > n && arr.Segment != "" {
			best, n = arr.Segment, count[arr.Segment]
		}
	}
	return best
}

// callFromGeneric derives GET /api/v2/conversations/calls/{id} from the
// generic view: one flat participant per participant, with its first
// call's state.
func callFromGeneric(c *genesys.Conversation) *genesys.CallConversation {
	cc := &genesys.CallConversation{ID: c.ID, Name: c.Name, RecentTransfers: c.RecentTransfers, RecordingState: c.RecordingState,
		MaxParticipants: c.MaxParticipants, Divisions: c.Divisions, SelfURI: "/api/v2/conversations/calls/" + c.ID, Participants: []genesys.CallMediaParticipant{}}
	for _, p := range c.Participants {
		fp := genesys.CallMediaParticipant{ID: p.ID, Name: p.Name, Address: p.Address, StartTime: p.StartTime, ConnectedTime: p.ConnectedTime,
			EndTime: p.EndTime, Purpose: p.Purpose, WrapupRequired: p.WrapupRequired, ConsultParticipantID: p.ConsultParticipantID,
			MonitoredParticipant: p.MonitoredParticipant, CoachedParticipant: p.CoachedParticipant, BargedParticipant: p.BargedParticipant,
			ANI: p.ANI, DNIS: p.DNIS, MediaRoles: p.MediaRoles}
		if p.UserID != "" {
			fp.User = &genesys.DomainEntityRef{ID: p.UserID, Name: p.Name}
		}
		if p.QueueID != "" {
			fp.Queue = &genesys.DomainEntityRef{ID: p.QueueID, Name: p.QueueName}
		}
		if p.ExternalContactID != "" {
			fp.ExternalContact = &genesys.DomainEntityRef{ID: p.ExternalContactID}
		}
		if len(p.Calls) > 0 {
			k := p.Calls[len(p.Calls)-1]
			fp.State, fp.Direction, fp.DisconnectType, fp.Held, fp.Muted, fp.Confined, fp.Peer, fp.StartHoldTime =
				strings.ToLower(k.State), k.Direction, k.DisconnectType, k.Held, k.Muted, k.Confined, k.PeerID, k.StartHoldTime
		}
		cc.Participants = append(cc.Participants, fp)
	}
	return cc
}

// genericFromCall turns a flat call view into the generic view (the
// communication ids are not in the flat view, so the calls have none).
func genericFromCall(cc *genesys.CallConversation) *genesys.Conversation {
	c := &genesys.Conversation{ID: cc.ID, Name: cc.Name, RecentTransfers: cc.RecentTransfers, MaxParticipants: cc.MaxParticipants, RecordingState: cc.RecordingState, Divisions: cc.Divisions}
	for _, fp := range cc.Participants {
		p := genesys.Participant{ID: fp.ID, Name: fp.Name, Address: fp.Address, StartTime: fp.StartTime, ConnectedTime: fp.ConnectedTime, EndTime: fp.EndTime,
			Purpose: fp.Purpose, WrapupRequired: fp.WrapupRequired, ConsultParticipantID: fp.ConsultParticipantID, ANI: fp.ANI, DNIS: fp.DNIS, MediaRoles: fp.MediaRoles,
			Calls: []genesys.Communication{{State: fp.State, Direction: fp.Direction, DisconnectType: fp.DisconnectType, Held: fp.Held, Muted: fp.Muted, Confined: fp.Confined, PeerID: fp.Peer}}}
		if fp.User != nil {
			p.UserID = fp.User.ID
		}
		if fp.Queue != nil {
			p.QueueID = fp.Queue.ID
		}
		if fp.ExternalContact != nil {
			p.ExternalContactID = fp.ExternalContact.ID
		}
		c.Participants = append(c.Participants, p)
	}
	return c
}

// dropError is why a participant cannot be dropped: the HTTP status and the
// message of the error body.
type dropError struct {
	status int
	code   string
	msg    string
}

// conflict is the documented 409 of the participant operations (reference
// §8b): request.conflict is the only 409 code they list.
func conflict(pid string) *dropError {
	return &dropError{409, "request.conflict", "The request conflicts with the current state of the target resource. Participant " + pid + " cannot be disconnected."}
}

// endParticipant disconnects the participant's live communications, and
// the conversation when no one is left.
func endParticipant(c *genesys.Conversation, p *genesys.Participant, disconnectType string, now time.Time) {
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	for _, cm := range p.Comms() {
		if !genesys.Ended(cm.State) {
			cm.State, cm.DisconnectType, cm.DisconnectedTime = genesys.StateDisconnected, disconnectType, ts
		}
	}
	p.EndTime = ts
	anyLive := false
	for i := range c.Participants {
		if participantLive(&c.Participants[i]) {
			anyLive = true
		}
	}
	if !anyLive {
		c.EndTime = ts
	}
}

// cancelConsult is DELETE .../participants/{pid}/consult: the consult
// transfer of the party pid is cancelled, which ends the consulted party's
// leg (the latest of the live participants linked to pid by
// consultParticipantId) and clears the links.
func (o *Org) cancelConsult(convID, pid string, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return &dropError{404, "conversation.error.conversation.not.found", fmt.Sprintf("Conversation %s not found", convID)}
	}
	var linked []*genesys.Participant
	for i := range c.Participants {
		q := &c.Participants[i]
		if q.ID != pid && q.ConsultParticipantID == pid && participantLive(q) {
			linked = append(linked, q)
		}
	}
	if len(linked) < 2 {
		return &dropError{400, "conversation.error.consult.transfer.not.started", "No consult transfer is under way for this participant."}
	}
	dest := linked[0]
	for _, q := range linked[1:] {
		if q.StartTime > dest.StartTime {
			dest = q
		}
	}
	endParticipant(c, dest, "transfer.consult", now)
	for _, q := range linked {
		q.ConsultParticipantID = ""
	}
	o.changed(convID)
	return nil
}

// connect answers a participant's alerting communications (for tests
// that play the part of a user answering).
func (o *Org) Connect(convID, pid string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return false
	}
	for i := range c.Participants {
		if p := &c.Participants[i]; p.ID == pid {
			for _, cm := range p.Comms() {
				if genesys.NotYetConnected(cm.State) {
					cm.State, cm.ConnectedTime = genesys.StateConnected, now.UTC().Format("2006-01-02T15:04:05.000Z")
				}
			}
			o.changed(convID)
			return true
		}
	}
	return false
}

func participantLive(p *genesys.Participant) bool {
	if p.EndTime != "" {
		return false
	}
	for _, cm := range p.Comms() {
		if !genesys.Ended(cm.State) {
			return true
		}
	}
	return false
}

// participantExists reports whether the conversation has the participant.
func (o *Org) participantExists(convID, pid string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return false
	}
	for _, p := range c.Participants {
		if p.ID == pid {
			return true
		}
	}
	return false
}
