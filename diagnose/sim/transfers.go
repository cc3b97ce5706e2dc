package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Transfers, consults, conference and callbacks (reference
// participant-operations §1a, §1b, §1e, §1f, §3): each with its documented
// preconditions and codes, each changing the org so that a printed plan
// can be proven: a transfer ends the transferring party and adds the
// destination alerting; a consult adds the consulted party; speakTo
// changes who hears whom; a cancel ends the consulted party; adding a
// party adds it alerting; a callback update changes the schedule.

// transferBody is what a transfer or consult body names.
type transferBody struct {
	Address   string `json:"address"`
	UserID    string `json:"userId"`
	UserName  string `json:"userName"`
	QueueID   string `json:"queueId"`
	ContactID string `json:"contactId"`
	Voicemail bool   `json:"voicemail"`
	SpeakTo   string `json:"speakTo"`
	// Destination is the deprecated consult's destination object.
	Destination *transferBody `json:"destination"`
}

// destinationOf is the destination a body names: a queue, a user, an
// address or a contact; "" when it names none.
func (b transferBody) destinationOf() (kind, value string) {
	if b.Destination != nil {
		return b.Destination.destinationOf()
	}
	switch {
	case b.QueueID != "":
		return genesys.DestQueue, b.QueueID
	case b.UserID != "":
		return genesys.DestUser, b.UserID
	case b.UserName != "":
		return genesys.DestUser, b.UserName
	case b.ContactID != "":
		return genesys.DestContact, b.ContactID
	case b.Address != "":
		return genesys.DestAddress, b.Address
	}
	return "", ""
}

func readTransfer(w http.ResponseWriter, r *http.Request) (transferBody, bool) {
	req, ok := readObject(w, r)
	if !ok {
		return transferBody{}, false
	}
	b, _ := json.Marshal(req)
	var tb transferBody
	if json.Unmarshal(b, &tb) != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The request could not be understood by the server due to malformed syntax.")
		return transferBody{}, false
	}
	return tb, true
}

// postTransfer is every blind transfer: .../transfer, .../replace and its
// variants, generic and media-specific.
func (s *Server) postTransfer(w http.ResponseWriter, r *http.Request) {
	tb, ok := readTransfer(w, r)
	if !ok {
		return
	}
	id, pid := r.PathValue("id"), r.PathValue("pid")
	if failed(w, s.org.authorize(id, []string{"conversation:communication:blindTransfer"})) {
		return
	}
	if failed(w, s.org.transfer(id, r.PathValue("media"), pid, tb, s.opts.Now())) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// transfer ends the transferring party and adds the destination, alerting.
func (o *Org) transfer(convID, segment, pid string, tb transferBody, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, p, e := o.participant(convID, segment, pid)
	if e != nil {
		return e
	}
	kind, value := tb.destinationOf()
	_, _, connected := commStates(p)
	switch {
	case kind == "" && !tb.Voicemail:
		return &dropError{http.StatusBadRequest, "conversations.error.transfer.destination.required", "The destination is a required property for a transfer request."}
	case connected == 0 || p.EndTime != "":
		return &dropError{http.StatusBadRequest, "conversations.error.transfer.not.connected", "You can only transfer conversations that are in the connected state."}
	case kind == genesys.DestQueue && o.queueName(value) == "":
		return &dropError{http.StatusBadRequest, "conversations.error.queue.not.found", "Interaction cannot be transferred to a queue that does not exist."}
	case kind == genesys.DestUser && onCall(c, value):
		return &dropError{http.StatusBadRequest, "conversations.error.transfer.same.party", "The target of the transfer cannot be the same as the destination."}
	case tb.Voicemail && hasPurpose(c, "acd"):
		return &dropError{http.StatusBadRequest, "conversations.error.transfer.usercall.voicemail", "Only personal calls can be transferred to voicemail."}
	}
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	dest := genesys.Participant{ID: uuid.NewString(), StartTime: ts, Calls: []genesys.Communication{{ID: uuid.NewString(), State: genesys.StateAlerting, StartAlerting: ts}}}
	switch kind {
	case genesys.DestQueue:
		dest.Purpose, dest.QueueID, dest.Name, dest.QueueName = "acd", value, o.queueName(value), o.queueName(value)
	case genesys.DestUser:
		dest.Purpose, dest.UserID, dest.Name = "agent", value, o.userName(value)
	default:
		dest.Purpose, dest.Address, dest.Name = "external", value, value
	}
	if tb.Voicemail {
		dest.Purpose, dest.Name = "voicemail", "Voicemail"
	}
	endParticipant(c, p, "transfer", now)
	c.EndTime = "" // the destination keeps the conversation up
	c.Participants = append(c.Participants, dest)
	o.changed(convID)
	return nil
}

func onCall(c *genesys.Conversation, userID string) bool {
	for i := range c.Participants {
		if p := &c.Participants[i]; participantLive(p) && strings.EqualFold(p.UserID, userID) {
			return true
		}
	}
	return false
}

func hasPurpose(c *genesys.Conversation, purpose string) bool {
	for _, p := range c.Participants {
		if strings.EqualFold(p.Purpose, purpose) {
			return true
		}
	}
	return false
}

// postConsult is every consult POST: the path's participant is the party
// being transferred (the object); the consulting agent is the call's live
// agent; the consulted party joins, linked to the object.
func (s *Server) postConsult(w http.ResponseWriter, r *http.Request) {
	tb, ok := readTransfer(w, r)
	if !ok {
		return
	}
	if failed(w, s.userContext(true)) {
		return
	}
	id := r.PathValue("id")
	if failed(w, s.org.authorize(id, []string{"conversation:communication:consultTransfer"})) {
		return
	}
	dest, e := s.org.consult(id, r.PathValue("pid"), tb, s.opts.Now())
	if e != nil {
		writeError(w, e.status, e.code, e.msg)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"destinationParticipantId": dest})
}

func (o *Org) consult(convID, pid string, tb transferBody, now time.Time) (string, *dropError) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, p, e := o.participant(convID, "calls", pid)
	if e != nil {
		return "", e
	}
	kind, value := tb.destinationOf()
	_, _, connected := commStates(p)
	var agent *genesys.Participant
	for i := range c.Participants {
		if q := &c.Participants[i]; q != p && participantLive(q) && strings.EqualFold(q.Purpose, "agent") {
			agent = q
		}
	}
	switch {
	case liveParties(c) > 2:
		return "", &dropError{http.StatusBadRequest, "conversation.error.cannot.transfer.conference", "Performing a consult transfer on a conference is not allowed."}
	case connected == 0 || agent == nil:
		return "", &dropError{http.StatusBadRequest, "not.a.participant", "You are not a connected participant on the call"}
	case kind == "":
		return "", &dropError{http.StatusBadRequest, "conversation.error.consult.transfer.no.destination", "The transfer request has no destination."}
	case kind == genesys.DestQueue && o.queueName(value) == "":
		return "", &dropError{http.StatusBadRequest, "conversations.error.queue.not.found", "Interaction cannot be transferred to a queue that does not exist."}
	case kind == genesys.DestUser && onCall(c, value):
		return "", &dropError{http.StatusBadRequest, "conversation.error.cannot.transfer.to.self", "A user cannot transfer a call to their own number"}
	}
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	dest := genesys.Participant{ID: uuid.NewString(), StartTime: ts, Purpose: "agent", ConsultParticipantID: p.ID,
		Calls: []genesys.Communication{{ID: uuid.NewString(), State: genesys.StateConnected, ConnectedTime: ts}}}
	switch kind {
	case genesys.DestQueue:
		dest.Purpose, dest.QueueID, dest.Name = "acd", value, o.queueName(value)
	case genesys.DestUser:
		dest.UserID, dest.Name = value, o.userName(value)
	default:
		dest.Purpose, dest.Address, dest.Name = "external", value, value
	}
	agent.ConsultParticipantID = p.ID
	setHeld(p, speakToHolds(tb.SpeakTo, "object"), ts)
	c.Participants = append(c.Participants, dest)
	o.changed(convID)
	return dest.ID, nil
}

// speakToHolds says whether speakTo leaves a side out: the object (the
// party being transferred) for DESTINATION, the consulted party for OBJECT.
func speakToHolds(speakTo, side string) bool {
	switch strings.ToUpper(speakTo) {
	case "", "DESTINATION":
		return side == "object"
	case "OBJECT":
		return side == "destination"
	}
	return false
}

func setHeld(p *genesys.Participant, held bool, ts string) {
	for _, cm := range p.Comms() {
		if genesys.StateIs(cm.State, genesys.StateConnected) {
			cm.Held = held
			cm.StartHoldTime = map[bool]string{true: ts, false: ""}[held]
		}
	}
}

// patchConsult is PATCH .../consult: speakTo changes who hears whom;
// CONFERENCE ends the consult into a conference.
func (s *Server) patchConsult(w http.ResponseWriter, r *http.Request) {
	tb, ok := readTransfer(w, r)
	if !ok {
		return
	}
	if failed(w, s.userContext(true)) {
		return
	}
	switch strings.ToUpper(tb.SpeakTo) {
	case "DESTINATION", "OBJECT", "BOTH", "CONFERENCE":
	default:
		writeError(w, http.StatusBadRequest, "invalid.value", fmt.Sprintf("Value [%s] is not valid for field type ConsultTransferUpdate.speakTo", tb.SpeakTo))
		return
	}
	if failed(w, s.org.speakTo(r.PathValue("id"), r.PathValue("pid"), strings.ToUpper(tb.SpeakTo), s.opts.Now())) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"destinationParticipantId": ""})
}

func (o *Org) speakTo(convID, pid, speakTo string, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, object, e := o.participant(convID, "calls", pid)
	if e != nil {
		return e
	}
	linked := consultSides(c, pid)
	if len(linked) < 2 {
		return &dropError{http.StatusNotFound, "conversation.error.consult.transfer.pending.not.found", "The pending consult transfer does not exist."}
	}
	dest := newest(linked)
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	setHeld(object, speakToHolds(speakTo, "object"), ts)
	setHeld(dest, speakToHolds(speakTo, "destination"), ts)
	if speakTo == "CONFERENCE" {
		for _, q := range linked {
			q.ConsultParticipantID = ""
		}
	}
	o.changed(convID)
	return nil
}

// consultSides are the live participants linked to the object by
// consultParticipantId (the consulting agent and the consulted party).
func consultSides(c *genesys.Conversation, objectID string) []*genesys.Participant {
	var linked []*genesys.Participant
	for i := range c.Participants {
		q := &c.Participants[i]
		if q.ID != objectID && q.ConsultParticipantID == objectID && participantLive(q) {
			linked = append(linked, q)
		}
	}
	return linked
}

func newest(list []*genesys.Participant) *genesys.Participant {
	n := list[0]
	for _, q := range list[1:] {
		if q.StartTime > n.StartTime {
			n = q
		}
	}
	return n
}

// postCallParticipants is POST /conversations/calls/{id}/participants:
// a party joins the call, alerting (its body's field use is UNCONFIRMED:
// participants[].address, or an address).
func (s *Server) postCallParticipants(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	if failed(w, s.userContext(true)) {
		return
	}
	var body struct {
		Participants []struct {
			Address string `json:"address"`
			UserID  string `json:"userId"`
		} `json:"participants"`
		Address string `json:"address"`
	}
	b, _ := json.Marshal(req)
	_ = json.Unmarshal(b, &body)
	address := body.Address
	if len(body.Participants) > 0 {
		address = body.Participants[0].Address + body.Participants[0].UserID
	}
	if address == "" {
		writeError(w, http.StatusBadRequest, "bad.request", "The request names no party to add")
		return
	}
	if failed(w, s.org.addParty(r.PathValue("id"), address, s.opts.Now())) {
		return
	}
	if cb, ok := s.org.conversationJSON(r.PathValue("id")); ok {
		writeRaw(w, http.StatusOK, cb)
	}
}

func (o *Org) addParty(convID, address string, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return &dropError{http.StatusNotFound, "conversation.error.conversation.not.found", fmt.Sprintf("Conversation %s not found", convID)}
	}
	if c.EndTime != "" {
		return &dropError{http.StatusBadRequest, "conversation.error.call.disconnected", "The call is already disconnected."}
	}
	for i := range c.Participants {
		if p := &c.Participants[i]; strings.EqualFold(p.Purpose, "agent") && participantLive(p) {
			if _, alerting, connected := commStates(p); alerting > 0 && connected == 0 {
				return &dropError{http.StatusBadRequest, "conversation.error.cannot.merge.alerting.conference", "A conference cannot be created from an alerting call."}
			}
		}
	}
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	c.Participants = append(c.Participants, genesys.Participant{ID: uuid.NewString(), Purpose: "external", Address: address, Name: address, StartTime: ts,
		Calls: []genesys.Communication{{ID: uuid.NewString(), State: genesys.StateAlerting, StartAlerting: ts}}})
	o.changed(convID)
	return nil
}

// patchCallbacks is PATCH /conversations/callbacks: a scheduled callback
// changes until it triggers (412).
func (s *Server) patchCallbacks(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	var body struct {
		ConversationID        string `json:"conversationId"`
		AgentID               string `json:"agentId"`
		QueueID               string `json:"queueId"`
		CallbackScheduledTime string `json:"callbackScheduledTime"`
	}
	b, _ := json.Marshal(req)
	_ = json.Unmarshal(b, &body)
	switch {
	case body.ConversationID == "" || body.AgentID == "":
		writeError(w, http.StatusBadRequest, "bad.request", "conversationId and agentId are required")
		return
	case body.CallbackScheduledTime == "" && body.QueueID == "":
		writeError(w, http.StatusBadRequest, "callback.error.missing.required.information.for.patch.request", "The callback update requires either a scheduled time or queueId.")
		return
	}
	if failed(w, s.org.authorize(body.ConversationID, []string{"conversation:callback:edit"})) {
		return
	}
	if at := diagnose.ParseGenesysTime(body.CallbackScheduledTime); !at.IsZero() && at.Sub(s.opts.Now()) > 30*24*time.Hour {
		writeError(w, http.StatusBadRequest, "callback.error.scheduled.time.too.far.in.future", "The callback cannot be scheduled more than 30 days into the future.")
		return
	}
	if failed(w, s.org.reschedule(body.ConversationID, body.CallbackScheduledTime)) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": map[string]string{"id": body.ConversationID}, "callbackIdentifiers": []any{}})
}

func (o *Org) reschedule(convID, at string) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return &dropError{http.StatusBadRequest, "callback.error.conversation.not.found", "The callback conversation was not found."}
	}
	for i := range c.Participants {
		for _, cm := range c.Participants[i].Callbacks {
			if !strings.EqualFold(cm.State, "scheduled") {
				return &dropError{http.StatusPreconditionFailed, "callback.error.already.triggered", "Unable to update an already triggered callback."}
			}
		}
		for j := range c.Participants[i].Callbacks {
			c.Participants[i].Callbacks[j].ScheduledTime = at
		}
	}
	o.changed(convID)
	return nil
}

// getQueue and getUser serve the destinations a transfer can name: the
// queues and users of the org's conversations.
func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if name := s.org.queueName(id); name != "" {
		writeJSON(w, http.StatusOK, genesys.Queue{ID: id, Name: name})
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Queue %s not found", id))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if name := s.org.userName(id); name != "" {
		writeJSON(w, http.StatusOK, genesys.User{ID: id, Name: name, State: "active"})
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("User %s not found", id))
}

// queueName is the name of a queue the org knows ("" for none): its
// conversations' queues and the scenario's own (o.mu may be held or not:
// it reads only what Reset leaves alone).
func (o *Org) queueName(id string) string {
	if n, ok := o.queues[strings.ToLower(id)]; ok {
		return n
	}
	return ""
}

func (o *Org) userName(id string) string {
	if n, ok := o.users[strings.ToLower(id)]; ok {
		return n
	}
	return ""
}
