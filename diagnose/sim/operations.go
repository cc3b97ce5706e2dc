package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The operations a user sends to the org (DESIGN §6): each with the
// preconditions and documented codes of participant-operations §3, and each
// changing the org's state, so that a printed plan can be carried out
// against it.

// partOp is one change a participant PATCH asks for.
type partOp struct {
	op     genesys.Op
	field  string
	wrapup *genesys.Wrapup
	value  bool
}

// patchParticipant is the participant PATCH (generic or media-specific):
// every field present acts (state drops or answers, held holds, muted
// mutes, recording records, confined confines, wrapup and wrapupSkipped
// wrap up); one change that cannot be made fails the whole request.
func (s *Server) patchParticipant(w http.ResponseWriter, r *http.Request) {
	id, pid, media := r.PathValue("id"), r.PathValue("pid"), r.PathValue("media")
	switch media {
	case "", "calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages":
	default:
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("No resource for PATCH %s", r.URL.Path))
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	ops, e := partOps(req)
	if e != nil {
		writeError(w, e.status, e.code, e.msg)
		return
	}
	answering := false
	for _, o := range ops {
		answering = answering || o.op == genesys.OpAnswer
	}
	if failed(w, s.userContext(media == "calls" || answering)) {
		return
	}
	if failed(w, s.org.authorize(id, dropPermissions)) {
		return
	}
	if failed(w, s.org.updateParticipant(id, media, pid, ops, s.opts.Now())) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// partOps reads the changes a participant PATCH body asks for, in a fixed
// order, refusing values of the wrong type as the server does.
func partOps(req map[string]json.RawMessage) ([]partOp, *dropError) {
	var ops []partOp
	known := false
	for _, k := range []string{"state", "held", "muted", "recording", "confined", "wrapup", "wrapupSkipped", "resumeTime"} {
		raw, ok := req[k]
		if !ok {
			continue
		}
		known = true
		bad := &dropError{http.StatusBadRequest, "invalid.value", fmt.Sprintf("Value [%s] is not valid for field type MediaParticipantRequest.%s", raw, k)}
		switch k {
		case "state":
			var v string
			if json.Unmarshal(raw, &v) != nil {
				return nil, bad
			}
			switch v {
			case genesys.StateDisconnected:
				ops = append(ops, partOp{op: genesys.OpDisconnect, field: k})
			case genesys.StateConnected:
				ops = append(ops, partOp{op: genesys.OpAnswer, field: k})
			default:
				bad.msg += ". Allowable values are: connected, disconnected"
				return nil, bad
			}
		case "wrapup":
			var wu genesys.Wrapup
			if json.Unmarshal(raw, &wu) != nil {
				return nil, bad
			}
			ops = append(ops, partOp{op: genesys.OpWrapup, field: k, wrapup: &wu})
		case "resumeTime":
		default:
			var v bool
			if json.Unmarshal(raw, &v) != nil {
				return nil, bad
			}
			ops = append(ops, partOp{op: fieldOp(k, v), field: k, value: v})
		}
	}
	if !known {
		return nil, &dropError{http.StatusBadRequest, "bad.request", "The request has no field this endpoint acts on"}
	}
	return ops, nil
}

func fieldOp(field string, v bool) genesys.Op {
	switch field {
	case "held":
		if v {
			return genesys.OpHold
		}
		return genesys.OpUnhold
	case "muted":
		if v {
			return genesys.OpMute
		}
		return genesys.OpUnmute
	case "recording":
		return genesys.OpRecording
	case "confined":
		return genesys.OpConfine
	}
	return genesys.OpWrapup // wrapupSkipped
}

// userContext refuses what needs a user when the org's token has none (or
// lacks the conversations scope).
func (s *Server) userContext(needsUser bool) *dropError {
	user := s.org.userToken()
	if user && !hasScope(s.org.TokenInfo().AuthorizedScope, "conversations") {
		return &dropError{http.StatusForbidden, "missing.any.permissions", "The token's scopes do not allow changing conversations: it needs the conversations scope"}
	}
	if !user && needsUser {
		return &dropError{http.StatusBadRequest, "not.a.user", notAUser}
	}
	return nil
}

func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The request body could not be read")
		return nil, false
	}
	req := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, true
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The request could not be understood by the server due to malformed syntax")
		return nil, false
	}
	return req, true
}

// updateParticipant makes the changes, all or none: each is judged against
// the participant's state first (reference participant-operations §3);
// when one of several fails, the whole update is invalid.
func (o *Org) updateParticipant(convID, segment, pid string, ops []partOp, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, p, e := o.participant(convID, segment, pid)
	if e != nil {
		return e
	}
	drops := false
	wrapsUp := false
	for _, op := range ops {
		drops = drops || op.op == genesys.OpDisconnect
		wrapsUp = wrapsUp || op.op == genesys.OpWrapup && op.wrapup != nil && op.wrapup.Code != ""
	}
	var errs []*dropError
	for _, op := range ops {
		if e := judgeOp(c, p, op, drops); e != nil {
			errs = append(errs, e)
		}
	}
	if drops && !wrapsUp && p.WrapupRequired && strings.EqualFold(p.WrapupPrompt, "mandatory") {
		errs = append(errs, &dropError{http.StatusBadRequest, "conversation.error.wrapup.code.required", "Wrapup code is a required field and cannot be empty."})
	}
	switch {
	case len(errs) > 0 && len(ops) > 1:
		return &dropError{http.StatusBadRequest, "conversation.participant.update.invalid", "The participant update is invalid: " + errs[0].msg}
	case len(errs) > 0:
		return errs[0]
	}
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	for _, op := range ops {
		applyOp(c, p, op, ts)
	}
	if drops {
		endParticipant(c, p, "client", now)
	}
	o.changed(convID)
	return nil
}

// participant finds a participant of a conversation (o.mu is held).
func (o *Org) participant(convID, segment, pid string) (*genesys.Conversation, *genesys.Participant, *dropError) {
	c, ok := o.convs[convID]
	if !ok {
		return nil, nil, &dropError{404, "conversation.error.conversation.not.found", fmt.Sprintf("Conversation %s not found", convID)}
	}
	if segment != "" && mediaOf(c) != segment {
		return nil, nil, &dropError{404, "not.found", fmt.Sprintf("Conversation %s is not a %s conversation", convID, strings.TrimSuffix(segment, "s"))}
	}
	for i := range c.Participants {
		if c.Participants[i].ID == pid {
			return c, &c.Participants[i], nil
		}
	}
	return nil, nil, &dropError{404, "conversation.error.participant.not.found", fmt.Sprintf("Participant %s not found in conversation %s", pid, convID)}
}

// judgeOp says why one change cannot be made now (nil: it can).
func judgeOp(c *genesys.Conversation, p *genesys.Participant, op partOp, drops bool) *dropError {
	live, alerting, connected := commStates(p)
	ended := p.EndTime != "" || live == 0
	switch op.op {
	case genesys.OpDisconnect:
		if c.EndTime != "" || ended || alerting > 0 || genesys.IsSystemPurpose(p.Purpose) || consultLinked(c, p) {
			return conflict(p.ID)
		}
	case genesys.OpAnswer:
		if alerting == 0 {
			return &dropError{http.StatusBadRequest, "callback.error.answer.not.alerting", "Only alerting calls can be answered."}
		}
	case genesys.OpWrapup:
		if op.field == "wrapupSkipped" {
			if op.value && strings.EqualFold(p.WrapupPrompt, "mandatory") {
				return &dropError{http.StatusBadRequest, "conversation.error.wrapup.cannot.skip", "Wrap-up cannot be skipped for this participant."}
			}
			return nil
		}
		if op.wrapup == nil || strings.TrimSpace(op.wrapup.Code) == "" && !op.wrapup.Provisional {
			return &dropError{http.StatusBadRequest, "conversation.error.wrapup.code.required", "Wrapup code is a required field and cannot be empty."}
		}
	default: // hold, unhold, mute, unmute, recording, confine: a connected party
		switch {
		case c.EndTime != "" || ended:
			return &dropError{http.StatusBadRequest, "conversation.error.call.disconnected", "The call is already disconnected."}
		case alerting > 0 && connected == 0 && (op.op == genesys.OpHold || op.op == genesys.OpUnhold):
			return &dropError{http.StatusBadRequest, "conversation.error.hold.alerting", "A communication that is alerting cannot be held."}
		case connected == 0:
			return conflict(p.ID)
		case op.op == genesys.OpConfine && op.value && liveParties(c) < 3:
			return &dropError{http.StatusBadRequest, "conversation.error.cannot.confine.party", "The party cannot be confined."}
		}
	}
	return nil
}

// applyOp makes one judged change.
func applyOp(c *genesys.Conversation, p *genesys.Participant, op partOp, ts string) {
	switch op.op {
	case genesys.OpAnswer:
		for _, cm := range p.Comms() {
			if genesys.NotYetConnected(cm.State) {
				cm.State, cm.ConnectedTime = genesys.StateConnected, ts
			}
		}
	case genesys.OpWrapup:
		if op.field == "wrapupSkipped" {
			p.WrapupSkipped = op.value
			if op.value {
				p.WrapupRequired = false
			}
			return
		}
		wu := *op.wrapup
		p.Wrapup = &wu
		if !wu.Provisional {
			p.WrapupRequired = false
		}
	case genesys.OpDisconnect:
		// Ended last, after the other changes (updateParticipant).
	default:
		if op.field == "held" && consultLinked(c, p) {
			// A party of a consult under way: held has no effect there
			// (reported by Genesys staff; the consult's speakTo decides).
			return
		}
		for _, cm := range p.Comms() {
			if !genesys.StateIs(cm.State, genesys.StateConnected) {
				continue
			}
			switch op.field {
			case "held":
				cm.Held = op.value
				cm.StartHoldTime = map[bool]string{true: ts, false: ""}[op.value]
			case "muted":
				cm.Muted = op.value
			case "recording":
				cm.Recording = op.value
			case "confined":
				cm.Confined = op.value
			}
		}
	}
}

// commStates counts a participant's live, alerting and connected
// communications.
func commStates(p *genesys.Participant) (live, alerting, connected int) {
	for _, cm := range p.Comms() {
		switch {
		case genesys.Ended(cm.State):
		case genesys.NotYetConnected(cm.State):
			live++
			alerting++
		default:
			live++
			if genesys.StateIs(cm.State, genesys.StateConnected) {
				connected++
			}
		}
	}
	return live, alerting, connected
}

// consultLinked reports whether the participant is one side of a consult
// still under way.
func consultLinked(c *genesys.Conversation, p *genesys.Participant) bool {
	for i := range c.Participants {
		other := &c.Participants[i]
		linked := other.ConsultParticipantID == p.ID || p.ConsultParticipantID == other.ID
		if other != p && linked && participantLive(other) {
			return true
		}
	}
	return false
}

// liveParties counts the people live on the call (not queue, flow or
// voicemail legs).
func liveParties(c *genesys.Conversation) int {
	n := 0
	for i := range c.Participants {
		if p := &c.Participants[i]; participantLive(p) && !genesys.IsSystemPurpose(p.Purpose) {
			n++
		}
	}
	return n
}

// postWrapup is POST .../{media}/{id}/participants/{pid}/communications/{cid}/wrapup:
// the body is optional; without provisional, a code is required.
func (s *Server) postWrapup(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	var wu genesys.Wrapup
	if b, err := json.Marshal(req); err == nil {
		if json.Unmarshal(b, &wu) != nil {
			writeError(w, http.StatusBadRequest, "invalid.value", "The wrap-up is not a WrapupInput")
			return
		}
	}
	if strings.TrimSpace(wu.Code) == "" && !wu.Provisional {
		writeError(w, http.StatusBadRequest, "missing.wrapup.code", "Wrapup code is required for non-provisional wrapup.")
		return
	}
	if failed(w, s.org.authorize(r.PathValue("id"), []string{"conversation:participant:wrapup"})) {
		return
	}
	if failed(w, s.org.wrapUp(r.PathValue("id"), r.PathValue("media"), r.PathValue("pid"), r.PathValue("cid"), wu)) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// wrapUp records the wrap-up of one communication.
func (o *Org) wrapUp(convID, segment, pid, commID string, wu genesys.Wrapup) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, p, e := o.participant(convID, segment, pid)
	if e != nil {
		return e
	}
	found := false
	for _, cm := range p.Comms() {
		found = found || strings.EqualFold(cm.ID, commID)
	}
	if !found {
		return &dropError{http.StatusNotFound, "conversation.error.communication.not.found", "Communication could not be found."}
	}
	p.Wrapup = &wu
	if !wu.Provisional {
		p.WrapupRequired = false
	}
	o.changed(convID)
	return nil
}

// patchAttributes is PATCH .../participants/{pid}/attributes: a map of
// strings, merged into the participant's attributes.
func (s *Server) patchAttributes(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	var attrs map[string]*string
	if raw, ok := req["attributes"]; !ok || json.Unmarshal(raw, &attrs) != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The request could not be understood by the server due to malformed syntax.")
		return
	}
	keys := make([]string, 0, len(attrs))
	for k, v := range attrs {
		if v == nil {
			writeError(w, http.StatusBadRequest, "conversation.error.participant.attribute.null", fmt.Sprintf("Participant attribute %s is null.", k))
			return
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if failed(w, s.org.setAttributes(r.PathValue("id"), r.PathValue("media"), r.PathValue("pid"), keys, attrs)) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (o *Org) setAttributes(convID, segment, pid string, keys []string, attrs map[string]*string) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, p, e := o.participant(convID, segment, pid)
	if e != nil {
		return e
	}
	if p.Attributes == nil {
		p.Attributes = map[string]string{}
	}
	for _, k := range keys {
		p.Attributes[k] = *attrs[k]
	}
	o.changed(convID)
	return nil
}

// recordingState is PATCH /conversations/{id}/recordingstate (which needs a
// user: not.a.user) and PUT /conversations/{media}/{id}/recordingstate.
func (s *Server) recordingState(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	var state string
	if raw, ok := req["recordingState"]; !ok || json.Unmarshal(raw, &state) != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "recordingState is required")
		return
	}
	switch state {
	case "ACTIVE", "PAUSED", "NONE":
	default:
		writeError(w, http.StatusBadRequest, "invalid.value", fmt.Sprintf("Value [%s] is not valid for field type SetRecordingState.recordingState. Allowable values are: ACTIVE, PAUSED, NONE", state))
		return
	}
	if failed(w, s.userContext(r.Method == http.MethodPatch)) {
		return
	}
	id := r.PathValue("id")
	if failed(w, s.org.authorize(id, []string{"conversation:recording:pauseOthers"})) {
		return
	}
	if failed(w, s.org.setRecordingState(id, r.PathValue("media"), state)) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (o *Org) setRecordingState(convID, segment, state string) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok || segment != "" && mediaOf(c) != segment {
		return &dropError{http.StatusNotFound, "conversation.error.conversation.not.found", fmt.Sprintf("Conversation %s not found", convID)}
	}
	if c.EndTime != "" {
		return &dropError{http.StatusBadRequest, "conversation.error.conversation.disconnected", "Conversation is disconnected, cannot alter recordingState"}
	}
	c.RecordingState = state
	o.changed(convID)
	return nil
}

// postDisconnect is the documented teardown (POST .../disconnect): every
// party's part ends, whatever the body says (DESIGN §4b.8, §6). A scenario
// that recorded a customer's answer to a request replays it instead.
func (s *Server) postDisconnect(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The request body could not be read")
		return
	}
	if rp, ok := s.org.replay(r.Method, r.URL.Path, body); ok {
		writeRaw(w, rp.Status, rp.Response)
		return
	}
	if failed(w, s.org.authorize(id, dropPermissions[:1])) {
		return
	}
	if failed(w, s.org.teardown(id, s.opts.Now())) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// failed writes the error a handler met, if any, and says whether it did.
func failed(w http.ResponseWriter, e *dropError) bool {
	if e == nil {
		return false
	}
	writeError(w, e.status, e.code, e.msg)
	return true
}

// deleteConversation is DELETE /api/v2/conversations/{id}: the teardown
// too, for a user token (its definition lists not.a.user).
func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if failed(w, s.userContext(true)) {
		return
	}
	if failed(w, s.org.authorize(id, dropPermissions[:1])) {
		return
	}
	if failed(w, s.org.teardown(id, s.opts.Now())) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// teardown ends every live party of the conversation.
func (o *Org) teardown(convID string, now time.Time) *dropError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[convID]
	if !ok {
		return &dropError{http.StatusNotFound, "conversation.error.conversation.not.found", fmt.Sprintf("Conversation %s not found", convID)}
	}
	if c.EndTime != "" {
		return &dropError{http.StatusConflict, "request.conflict", "The request conflicts with the current state of the target resource. Conversation " + convID + " has ended."}
	}
	for i := range c.Participants {
		if p := &c.Participants[i]; participantLive(p) {
			endParticipant(c, p, "client", now)
		}
	}
	o.changed(convID)
	return nil
}

// Replay is a customer's recorded answer to one request (the seed post's
// 409): a request to the scenario's path whose body contains Contains gets
// Status and Response, as the customer saw them.
type Replay struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Contains string          `json:"body_contains"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

// replay finds the recorded answer to a request.
func (o *Org) replay(method, path string, body []byte) (Replay, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, rp := range o.replays {
		if strings.EqualFold(rp.Method, method) && rp.Path == path && bytes.Contains(body, []byte(rp.Contains)) {
			return rp, true
		}
	}
	return Replay{}, false
}

// SetReplays sets the recorded answers the org replays.
func (o *Org) SetReplays(rs []Replay) {
	o.mu.Lock()
	o.replays = append([]Replay(nil), rs...)
	o.mu.Unlock()
}
