// Package transfer holds the operations that move a call to another party
// or bring one in: blind transfer, consult (attended) transfer and its
// steps (speak-to, cancel), adding a party to a call (conference), and
// callbacks; with their own checks (the destination, the consult's state,
// the merge rules, the callback's) and how each fix is built.
package transfer

import (
	"encoding/json"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Transfer blind-transfers a participant (DESIGN §3b): to an address, a
// user, a queue or an external contact. No blind-transfer operation lists
// not.a.user.
var Transfer = &diagnose.Operation{
	ID:    diagnose.OpTransfer,
	Title: "blind-transfer a participant",
	Words: diagnose.WordsOf(diagnose.OpTransfer),
	Doc:   "POST .../participants/{participantId}/transfer (address), .../replace/agent (userId), .../replace/queue (queueId), .../replace/contact/external (contactId); the media-specific .../{calls,callbacks,emails,messages}/.../replace are current, the generic .../replace and .../replace/external deprecated. The transferring party must be connected.",
	Endpoints: []string{"postConversationParticipantTransfer", "postConversationParticipantReplaceAgent",
		"postConversationParticipantReplaceQueue", "postConversationParticipantReplaceContactExternal"},
	Needs:      diagnose.NeedConnected,
	Permission: "conversation:communication:blindTransfer",
	Reads:      []string{"queue", "user"},
	Checks:     []*diagnose.Check{Destination},
	Build:      buildTransfer,
}

// Consult starts a consult (attended) transfer: the consulting agent talks
// to the destination before the transfer completes. Every consult lists
// not.a.user.
var Consult = &diagnose.Operation{
	ID:    diagnose.OpConsult,
	Title: "start a consult (attended) transfer",
	Words: diagnose.WordsOf(diagnose.OpConsult),
	Doc:   "POST /api/v2/conversations/calls/{conversationId}/participants/{participantId}/voice/consult (address), .../consult/agent, .../consult/queue, .../consult/contact/external, each with speakTo; the plain .../consult and .../consult/external are deprecated. Not on a conference; with a token of a user on the call. Which participant the path names is UNCONFIRMED.",
	Endpoints: []string{"postConversationsCallParticipantVoiceConsult", "postConversationsCallParticipantConsultAgent",
		"postConversationsCallParticipantConsultQueue", "postConversationsCallParticipantConsultContactExternal"},
	Needs:      diagnose.NeedConnected,
	UserOnly:   true,
	Permission: "conversation:communication:consultTransfer",
	Reads:      []string{"queue", "user"},
	Checks:     []*diagnose.Check{Destination, ConsultStart},
	Build:      buildConsult,
}

// ConsultSpeakTo changes who speaks with whom in a consult under way.
var ConsultSpeakTo = &diagnose.Operation{
	ID:        diagnose.OpConsultSpeakTo,
	Title:     "change who speaks in a consult transfer",
	Words:     diagnose.WordsOf(diagnose.OpConsultSpeakTo),
	Doc:       "PATCH .../calls/{conversationId}/participants/{participantId}/consult with speakTo DESTINATION, OBJECT, BOTH or CONFERENCE, while the consult is under way.",
	Endpoints: []string{"patchConversationsCallParticipantConsult"},
	Needs:     diagnose.NeedLive,
	UserOnly:  true,
	Checks:    []*diagnose.Check{ConsultState},
	Build:     buildSpeakTo,
}

// ConsultCancel cancels a consult under way (which ends the consulted
// party's leg).
var ConsultCancel = &diagnose.Operation{
	ID:        diagnose.OpConsultCancel,
	Title:     "cancel a consult transfer",
	Words:     diagnose.WordsOf(diagnose.OpConsultCancel),
	Doc:       "DELETE .../calls/{conversationId}/participants/{participantId}/consult, while the consult is under way (conversation.error.consult.transfer.not.started before it started).",
	Endpoints: []string{"deleteConversationsCallParticipantConsult"},
	Needs:     diagnose.NeedLive,
	UserOnly:  true,
	Checks:    []*diagnose.Check{ConsultState},
	Build:     buildCancel,
}

// ConferenceAdd adds a party to a call, or merges calls into a conference.
var ConferenceAdd = &diagnose.Operation{
	ID:         diagnose.OpConferenceAdd,
	Title:      "add a party to a call, or merge calls into a conference",
	Words:      diagnose.WordsOf(diagnose.OpConferenceAdd),
	Doc:        "POST /api/v2/conversations/calls/{conversationId}/participants (add a party; its body's field use is UNCONFIRMED), PATCH /api/v2/conversations/calls/{conversationId}/conference (conversationIds), both with a user token; POST .../participants/user/{userId} adds a party on behalf of a user, for a token without one (conversation:agentlessCall:add); a user with a station, from a connected call that is not ACD, IVR, group ring or monitored.",
	Endpoints:  []string{"postConversationsCallParticipants", "patchConversationsCallConference", "postConversationsCallParticipantsUserUserId"},
	Needs:      diagnose.NeedConversation,
	Permission: "conversation:conference:add",
	Checks:     []*diagnose.Check{Conference},
	Build:      buildSame,
}

// Callback schedules a callback on a participant, or changes a scheduled
// one.
var Callback = &diagnose.Operation{
	ID:         diagnose.OpCallback,
	Title:      "schedule or change a callback",
	Words:      diagnose.WordsOf(diagnose.OpCallback),
	Doc:        "POST /api/v2/conversations/{conversationId}/participants/{participantId}/callbacks (callbackNumbers; a queue), PATCH /api/v2/conversations/callbacks (conversationId, agentId; a scheduled time or a queue) until it is triggered (412 callback.error.already.triggered).",
	Endpoints:  []string{"postConversationParticipantCallbacks", "patchConversationsCallbacks"},
	Needs:      diagnose.NeedParticipant,
	Permission: "conversation:callback:create",
	Checks:     []*diagnose.Check{CallbackCheck},
	Build:      buildSame,
}

// destination is what a transfer's or consult's body names as its
// destination, with the body's members.
type destination struct {
	kind, field, value string
	members            []genesys.RawMember
}

// sentDestination reads the destination from the body sent to the
// endpoint (genesys.Endpoint.DestinationOf).
func sentDestination(ep *genesys.Endpoint, body []byte) (destination, bool) {
	d, ok := ep.DestinationOf(body)
	return destination{kind: d.Kind, field: d.Field, value: d.Value, members: genesys.TopMembers(body)}, ok
}

// endpointFor is the current endpoint that transfers (or consults) to the
// kind of destination sent.
func endpointFor(op diagnose.OpID, kind string) string {
	byKind := map[string]string{genesys.DestAddress: "postConversationParticipantTransfer", genesys.DestUser: "postConversationParticipantReplaceAgent",
		genesys.DestQueue: "postConversationParticipantReplaceQueue", genesys.DestContact: "postConversationParticipantReplaceContactExternal"}
	if op == diagnose.OpConsult {
		byKind = map[string]string{genesys.DestAddress: "postConversationsCallParticipantVoiceConsult", genesys.DestUser: "postConversationsCallParticipantConsultAgent",
			genesys.DestQueue: "postConversationsCallParticipantConsultQueue", genesys.DestContact: "postConversationsCallParticipantConsultContactExternal"}
	}
	return byKind[kind]
}

// Shell variables of a transfer's fix.
var (
	varQueue   = diagnose.Var{Name: "QUEUE_ID", Set: "the id of the destination queue, in the token's org (GET /api/v2/routing/queues lists them)"}
	varAddress = diagnose.Var{Name: "DESTINATION", Set: "the destination: a user's or queue's name, an address or a phone number"}
	varUser    = diagnose.Var{Name: "USER_ID", Set: "the id of the destination user, in the token's org (GET /api/v2/users lists them)"}
	varContact = diagnose.Var{Name: "CONTACT_ID", Set: "the id of the external contact (GET /api/v2/externalcontacts/contacts lists them)"}
)

// destinationVar is the variable a fix names a destination of a kind by.
func destinationVar(kind string) diagnose.Var {
	switch kind {
	case genesys.DestUser:
		return varUser
	case genesys.DestAddress:
		return varAddress
	case genesys.DestContact:
		return varContact
	}
	return varQueue
}

// withoutDestinations drops the members that name a destination.
func withoutDestinations(ms []diagnose.Member, ep *genesys.Endpoint) []diagnose.Member {
	var out []diagnose.Member
	for _, m := range ms {
		if f := ep.Body.Field(m.Key); f == nil || f.Destination == "" {
			out = append(out, m)
		}
	}
	return out
}

// destinationField is the endpoint's field that names a destination of
// the kind.
func destinationField(ep *genesys.Endpoint, kind string) string {
	for _, f := range ep.Body.DestinationFields() {
		if f.Destination == kind {
			return f.Name
		}
	}
	return ep.Body.DestinationFields()[0].Name
}

// buildTransfer keeps the endpoint sent when it is current and does the
// transfer; a deprecated one becomes its successor for the same
// destination (a queue to .../replace/queue, a user to .../replace/agent,
// an address to .../transfer); the transfer type and the destination sent
// are kept.
func buildTransfer(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	return buildDestined(ctx, diagnose.OpTransfer)
}

func buildConsult(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	return buildDestined(ctx, diagnose.OpConsult)
}

func buildDestined(ctx *diagnose.FixContext, op diagnose.OpID) (*diagnose.FixRequest, []string) {
	var vars []diagnose.Var
	body := ctx.Evidence.Request.Body
	d, ok := sentDestination(ctx.Sent, body)
	sentOK := ctx.Sent != nil && ctx.Sent.Op == op && !ctx.Sent.Deprecated
	if !ok {
		// A destination named by a field of another transfer's contract
		// (a queueId sent to .../transfer, which takes only an address):
		// the endpoint that takes it is the fix, the destination kept
		// (reference §5: a queue by id goes to .../replace/queue).
		if d, ok = sentDestination(genesys.EndpointByID("postConversationParticipantReplace"), body); ok {
			sentOK = false
		}
	}
	id := ""
	switch {
	case sentOK:
		id = ctx.Sent.ID
	case ok:
		id = endpointFor(op, d.kind)
	default:
		id = endpointFor(op, genesys.DestQueue)
	}
	ep := genesys.EndpointByID(id)
	segment := ""
	if op == diagnose.OpConsult || sentOK {
		segment = ep.Segment()
	}
	c := *ctx
	c.Segment = segment
	path := checks.ParticipantPath(&c, &vars) + strings.TrimPrefix(ep.Path, participantTemplate(ep.Path))
	var members []diagnose.Member
	for _, m := range d.members {
		switch f := ep.Body.Field(m.Key); {
		case f != nil && (f.Destination == "" || ok && m.Key == d.field):
			if v, fits := checks.MeantValue(f, m.Value); fits {
				members = append(members, diagnose.Member{Key: m.Key, Value: v})
			}
		}
	}
	var notes []string
	switch {
	case ok && (checks.Declared(ctx, causeDestinationNotFound) || checks.Declared(ctx, causeSameParty)):
		// The destination does not exist, or is the party already on the
		// call: the fix names one to choose.
		members = withoutDestinations(members, ep)
		f := destinationField(ep, d.kind)
		v := destinationVar(d.kind)
		vars = append(vars, v)
		members = append(members, diagnose.Member{Key: f, Value: json.RawMessage(`"$` + v.Name + `"`)})
	case ok && !hasMember(members, d.field):
		// The destination under another name or inside the deprecated
		// consult's destination object: written under the field of the
		// endpoint's contract that names that kind.
		for _, f := range ep.Body.DestinationFields() {
			if f.Destination == d.kind {
				v, _ := json.Marshal(d.value)
				members = append(members, diagnose.Member{Key: f.Name, Value: v})
				break
			}
		}
	case !ok:
		f := ep.Body.DestinationFields()[0]
		v := destinationVar(f.Destination)
		vars = append(vars, v)
		members = append(members, diagnose.Member{Key: f.Name, Value: json.RawMessage(`"$` + v.Name + `"`)})
		notes = append(notes, "the request named no destination: set $"+v.Name)
	}
	if checks.Declared(ctx, causeTransferNotAllowed) && hasMember(members, "voicemail") {
		// Voicemail is what the rules refuse: the same destination, without
		// it.
		members = withoutMember(members, "voicemail")
	}
	if op == diagnose.OpConsult && !hasMember(members, "speakTo") {
		members = append([]diagnose.Member{{Key: "speakTo", Value: json.RawMessage(`"DESTINATION"`)}}, members...)
	}
	if op == diagnose.OpConsult {
		notes = append(notes, "which participant a consult's path names (the party being transferred, or the consulting agent) is UNCONFIRMED; convdiag keeps the one sent")
	}
	return &diagnose.FixRequest{Method: "POST", BaseURL: ctx.BaseURL, Path: path, Body: checks.Object(members), Vars: vars}, notes
}

// participantTemplate is the part of a path template up to the
// participant ({participantId} included).
func participantTemplate(path string) string {
	if i := strings.Index(path, "{participantId}"); i >= 0 {
		return path[:i+len("{participantId}")]
	}
	return path
}

func withoutMember(ms []diagnose.Member, key string) []diagnose.Member {
	var out []diagnose.Member
	for _, m := range ms {
		if m.Key != key {
			out = append(out, m)
		}
	}
	return out
}

func hasMember(ms []diagnose.Member, key string) bool {
	for _, m := range ms {
		if m.Key == key {
			return true
		}
	}
	return false
}

// buildSpeakTo is the speak-to PATCH with the speakTo sent (upper case),
// else DESTINATION.
func buildSpeakTo(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	v, unknown := checks.EnumValue(ctx, speakToField(), "DESTINATION")
	req := consultRequest(ctx, "PATCH")
	req.Body = checks.Object([]diagnose.Member{{Key: "speakTo", Value: v}})
	if unknown != nil {
		req.Vars = append(req.Vars, *unknown)
	}
	return req, nil
}

// speakToField is the speak-to PATCH's speakTo field.
func speakToField() *genesys.Field {
	return genesys.EndpointByID("patchConversationsCallParticipantConsult").Body.Field("speakTo")
}

func buildCancel(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	return consultRequest(ctx, "DELETE"), nil
}

func consultRequest(ctx *diagnose.FixContext, method string) *diagnose.FixRequest {
	var vars []diagnose.Var
	c := *ctx
	c.Segment = "calls"
	return &diagnose.FixRequest{Method: method, BaseURL: ctx.BaseURL, Path: checks.ParticipantPath(&c, &vars) + "/consult", Vars: vars}
}

// Shell variables of the conference's and callback's fixes.
var (
	varOtherCall = diagnose.Var{Name: "OTHER_CONVERSATION_ID", Set: "the id of the other call to merge into this one (connected, not ACD, IVR or group ring)"}
	varOnBehalf  = diagnose.Var{Name: "USER_ID", Set: "the id of the user on whose behalf the party is added (the agent on the call; needs conversation:agentlessCall:add)"}
	varSchedule  = diagnose.Var{Name: "SCHEDULED_TIME", Set: "when the callback should dial, at most 30 days from now (ISO-8601 UTC, e.g. 2026-12-20T09:00:00.000Z)"}
)

// buildSame is the request as sent, to the endpoint sent, when it performs
// the operation (conference, callbacks: the body is the user's; what it
// should hold is judged by the operation's check), with what the causes
// found refuse replaced by a variable to set: the calls of a refused merge,
// a callback's time too far ahead.
func buildSame(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	req, notes := sentAsIs(ctx)
	if req == nil {
		return req, notes
	}
	if ctx.Sent.ID == "postConversationsCallParticipants" && (ctx.ClientCredentials || checks.Declared(ctx, checks.CauseTokenNoUserContext)) {
		// A token without a user adds the party on behalf of one.
		req.Path += "/user/$" + varOnBehalf.Name
		req.Vars = append(req.Vars, varOnBehalf)
	}
	if len(ctx.Members) == 0 {
		return req, notes
	}
	set := func(key, value string, v diagnose.Var) {
		members := withoutMember(ctx.Members, key)
		req.Body = checks.Object(append(members, diagnose.Member{Key: key, Value: json.RawMessage(value)}))
		req.Vars = append(req.Vars, v)
	}
	switch {
	case checks.Declared(ctx, causeMergeNotAllowed) && hasMember(ctx.Members, "conversationIds"):
		set("conversationIds", `["$`+varOtherCall.Name+`"]`, varOtherCall)
	case checks.Declared(ctx, causeCallbackNotAllowed) && hasMember(ctx.Members, "callbackScheduledTime"):
		set("callbackScheduledTime", `"$`+varSchedule.Name+`"`, varSchedule)
	case checks.Declared(ctx, checks.CauseBodyRequiredMissing) && ctx.Sent.ID == "postConversationParticipantCallbacks" && !hasMember(ctx.Members, "queueId"):
		// A callback needs its queue (queueId, or routingData.queueId).
		req.Body = checks.Object(append(append([]diagnose.Member(nil), ctx.Members...), diagnose.Member{Key: "queueId", Value: json.RawMessage(`"$` + varQueue.Name + `"`)}))
		req.Vars = append(req.Vars, varQueue)
	case checks.Declared(ctx, causeNoStation):
		notes = append(notes, "associate a station (the agent's phone, on an edge that is up) with the user first; the request itself can stay as sent")
	}
	return req, notes
}

// sentAsIs is the request as sent.
func sentAsIs(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	ev := ctx.Evidence
	if ctx.Sent == nil || !ev.Request.Known() {
		return nil, nil
	}
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		return nil, nil
	}
	var body json.RawMessage
	if json.Valid(ev.Request.Body) {
		body = checks.Compact(ev.Request.Body)
	}
	return &diagnose.FixRequest{Method: rl.Method, BaseURL: ctx.BaseURL, Path: rl.RawPath, Body: body}, nil
}
