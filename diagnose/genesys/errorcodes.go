package genesys

import (
	"strings"
)

// ErrorCode is one documented error code of the participant operations
// (reference §8b, from the `x-inin-error-codes` of the API definitions):
// what the server says, and which cause of the catalogue it points to. The
// definitions list which codes an operation can return, not the condition
// behind each; the mapping is read from the message, so it is "likely"
// unless the message also quotes a value of the request (then
// "confirmed"), or the code is unambiguous on its own.
type ErrorCode struct {
	Code   string
	Status int
	// Message is the documented message (or its gist).
	Message string
	// Where names the operations that list it.
	Where string
	// Cause is the catalogue id it points to; "" for a code that is
	// evidence to quote but names no cause on its own (request.conflict
	// is a symptom: the request conflicted with some state).
	Cause string
	// Confirms is set for a code that proves its cause by itself
	// (not.a.user: the server says the token has no user).
	Confirms bool
	// Symptom is set for a code that only restates the status.
	Symptom bool
	// Ops are the operations the code belongs to, when it speaks of one
	// (conversation.error.hold.alerting is a hold's): a request whose
	// fields do several things was meant as that one.
	Ops []Op
}

// ErrorCodes is the table of documented codes, one row per code.
var ErrorCodes = []ErrorCode{
	{Code: "request.conflict", Status: 409, Message: "The request conflicts with the current state of the target resource.", Where: "every participant, communication, consult, replace and disconnect operation", Symptom: true},
	{Code: "general.conflict", Status: 409, Message: "(not in the conversations definitions; seen on other Genesys APIs)", Where: "other APIs", Symptom: true},
	{Code: "conversation.error.cannot.disconnect.call", Status: 400, Message: "The call for this request cannot be disconnected.", Where: "generic participant PATCH", Ops: []Op{OpDisconnect}},
	{Code: "conversation.error.participant.no.active.conversations", Status: 400, Message: "Participant has no active conversations", Where: "participant PATCHes, replace, consult", Cause: "participant.already-ended"},
	{Code: "conversation.error.call.disconnected", Status: 400, Message: "The call is already disconnected.", Where: "calls participant PATCH", Cause: "participant.already-ended"},
	{Code: "conversation.error.user.not.party", Status: 400, Message: "The participant for this request does not belong to the user making the request.", Where: "calls participant PATCH", Cause: "token.not-party"},
	{Code: "not.a.user", Status: 400, Message: "This request requires a user context. Client credentials cannot be used for requests to this resource.", Where: "the /calls/ participant and communication PATCHes, PATCH /conversations/calls/{id}, DELETE /conversations/{id}, PATCH /conversations/{id}/recordingstate, consult operations", Cause: "token.no-user-context", Confirms: true},
	{Code: "not.a.participant", Status: 400, Message: "You are not a connected participant on the call", Where: "consult operations", Cause: "token.not-party"},
	{Code: "communication.state.required", Status: 400, Message: "Can only update a communication's state to disconnected", Where: "communication PATCHes", Cause: "body.state-value"},
	{Code: "conversation.error.wrapup.code.required", Status: 400, Message: "Wrapup code is a required field and cannot be empty.", Where: "participant PATCHes", Cause: "body.wrapup-required", Ops: []Op{OpWrapup, OpDisconnect}},
	{Code: "conversation.error.wrapup.cannot.skip", Status: 400, Message: "Wrap-up cannot be skipped for this participant.", Where: "calls participant PATCH", Cause: "body.wrapup-required", Ops: []Op{OpWrapup, OpDisconnect}},
	{Code: "missing.wrapup.code", Status: 400, Message: "Wrapup code is required for non-provisional wrapup.", Where: "POST .../communications/{commId}/wrapup", Cause: "body.wrapup-required", Ops: []Op{OpWrapup}},
	{Code: "conversation.participant.update.invalid", Status: 400, Message: "The participant update is invalid.", Where: "participant PATCHes", Cause: "body.several-actions"},
	{Code: "conversation.participant.update.failed", Status: 500, Message: "Failed to update all properties on conversation participant.", Where: "participant PATCHes", Cause: "body.several-actions"},
	{Code: "conversation.error.hold.alerting", Status: 400, Message: "A communication that is alerting cannot be held.", Where: "the generic and calls participant PATCHes", Cause: "participant.not-connected-yet", Ops: []Op{OpHold, OpUnhold}},
	{Code: "conversation.error.cannot.confine.party", Status: 400, Message: "The party cannot be confined.", Where: "the generic and calls participant PATCHes", Cause: "confine.not-conference", Ops: []Op{OpConfine}},
	{Code: "callback.error.answer.not.alerting", Status: 400, Message: "Only alerting calls can be answered.", Where: "calls and callbacks participant PATCHes", Cause: "participant.not-alerting", Ops: []Op{OpAnswer}},
	{Code: "postino.error.answer.not.alerting", Status: 400, Message: "Only alerting emails can be answered.", Where: "emails participant PATCH", Cause: "participant.not-alerting", Ops: []Op{OpAnswer}},
	{Code: "conversation.error.conversation.disconnected", Status: 400, Message: "Conversation is disconnected, cannot alter recordingState", Where: "recordingstate PATCH and PUTs", Cause: "conversation.ended", Ops: []Op{OpRecordingState}},
	{Code: "conversation.error.participant.attribute.null", Status: 400, Message: "A participant attribute is null.", Where: "participant PATCHes", Ops: []Op{OpAttributes}},
	// Transfers (reference participant-operations §1a).
	{Code: "conversations.error.transfer.not.connected", Status: 400, Message: "You can only transfer conversations that are in the connected state.", Where: "the transfer and replace operations", Cause: "participant.not-connected-yet", Ops: []Op{OpTransfer}},
	{Code: "callback.error.transfer.not.connected", Status: 400, Message: "Only connected participants can be transferred.", Where: "calls and callbacks replace", Cause: "participant.not-connected-yet", Ops: []Op{OpTransfer}},
	{Code: "postino.error.transfer.not.connected", Status: 400, Message: "Only connected participants can be transferred.", Where: "emails replace", Cause: "participant.not-connected-yet", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.same.party", Status: 400, Message: "The target of the transfer cannot be the same as the destination.", Where: "the transfer and replace operations", Cause: "transfer.same-party", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.acd.call.unattended", Status: 400, Message: "An ACD call cannot be transferred unattended.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.queue.not.found", Status: 400, Message: "Interaction cannot be transferred to a queue that does not exist.", Where: "the transfer and replace operations", Cause: "transfer.destination-not-found", Ops: []Op{OpTransfer, OpConsult}},
	{Code: "conversations.error.transfer.destination.required", Status: 400, Message: "The destination is a required property for a transfer request.", Where: "the transfer and replace operations", Cause: "body.required-missing", Ops: []Op{OpTransfer}},
	{Code: "callback.error.user.id.queue.id", Status: 400, Message: "In destination, exactly one of userId or queueId is required.", Where: "callbacks replace", Cause: "body.required-missing", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.usercall.voicemail", Status: 400, Message: "Only personal calls can be transferred to voicemail.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.userCall.voicemail", Status: 400, Message: "Only personal calls can be transferred to voicemail.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.chat.external", Status: 400, Message: "Participants with chats cannot be transferred to external addresses.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversations.error.transfer.chat.voicemail", Status: 400, Message: "Participants with chats cannot be transferred to voicemail.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversation.error.disallowed.transfer.destination", Status: 400, Message: "Disallowed transfer destination.", Where: "the transfer and replace operations", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	{Code: "conversation.error.agent.indicated.address.not.allowed", Status: 400, Message: "The agent indicated address is not allowed for the user.", Where: "the transfer, replace and consult operations, call creation", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer, OpConsult}},
	{Code: "postino.error.transfer.replace.external", Status: 400, Message: "External participants may not be replaced.", Where: "emails replace", Cause: "transfer.not-allowed", Ops: []Op{OpTransfer}},
	// Consults (reference participant-operations §1b).
	{Code: "conversation.error.cannot.transfer.conference", Status: 400, Message: "Performing a consult transfer on a conference is not allowed.", Where: "the consult POSTs", Cause: "consult.conference", Ops: []Op{OpConsult}},
	{Code: "conversation.error.cannot.transfer.to.self", Status: 400, Message: "A user cannot transfer a call to their own number", Where: "the consult POSTs and PATCH", Cause: "transfer.same-party", Ops: []Op{OpConsult}},
	{Code: "conversation.error.consult.transfer.no.initiator", Status: 400, Message: "The transfer request has no initiator.", Where: "the consult POSTs", Ops: []Op{OpConsult}},
	{Code: "conversation.error.consult.transfer.no.destination", Status: 400, Message: "The transfer request has no destination.", Where: "the consult POSTs", Cause: "body.required-missing", Ops: []Op{OpConsult}},
	{Code: "dest.address.not.specified", Status: 400, Message: "The destination address was not specified.", Where: "the consult POSTs", Cause: "body.required-missing", Ops: []Op{OpConsult}},
	{Code: "object.participant.id.required", Status: 400, Message: "A connected object participant is required.", Where: "the consult POSTs and PATCH", Ops: []Op{OpConsult, OpConsultSpeakTo}},
	{Code: "conversation.error.consult.transfer.not.started", Status: 400, Message: "The consult transfer can't be canceled since it hasn't started yet.", Where: "DELETE .../consult", Cause: "consult.not-in-progress", Ops: []Op{OpConsultCancel}},
	{Code: "conversation.error.consult.transfer.pending.not.found", Status: 404, Message: "The pending consult transfer does not exist.", Where: "the consult POSTs, PATCH and DELETE", Cause: "consult.not-in-progress", Ops: []Op{OpConsultSpeakTo, OpConsultCancel}},
	// Conference and call creation (reference participant-operations §1e).
	{Code: "conversation.error.no.user.station", Status: 400, Message: "A station is required to place a call.", Where: "call creation, adding a party, placing a callback's call", Cause: "conference.no-station", Ops: []Op{OpConferenceAdd}},
	{Code: "providerapi.error.station.cannot.resolve", Status: 409, Message: "(the user's station cannot be resolved)", Where: "call creation", Cause: "conference.no-station", Ops: []Op{OpConferenceAdd}},
	{Code: "providerapi.error.user.does.not.have.a.station", Status: 409, Message: "(the user has no station)", Where: "call creation", Cause: "conference.no-station", Ops: []Op{OpConferenceAdd}},
	{Code: "providerapi.error.station.no.active.edge", Status: 500, Message: "(the station has no active edge)", Where: "call creation, adding a party", Cause: "conference.no-station", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.outbound.call.cannot.be.placed", Status: 409, Message: "(the outbound call cannot be placed)", Where: "call creation, adding a party", Cause: "conference.no-station", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.merge.alerting.conference", Status: 400, Message: "A conference cannot be created from an alerting call.", Where: "adding a party, the merges", Cause: "participant.not-connected-yet", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.merge.acd.conference", Status: 400, Message: "A conference cannot be created from a connected ACD call.", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.merge.ivr", Status: 400, Message: "(an IVR call cannot be merged)", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.conference.self", Status: 400, Message: "(a call cannot be conferenced with itself)", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.merge.group.ring", Status: 400, Message: "(a group ring call cannot be merged)", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.empty.conversation.list", Status: 400, Message: "(the list of conversations to merge is empty)", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	{Code: "conversation.error.cannot.merge.monitor.coach.barge", Status: 400, Message: "(a monitored, coached or barged call cannot be merged)", Where: "the merges", Cause: "conference.merge-not-allowed", Ops: []Op{OpConferenceAdd}},
	// Callbacks (reference participant-operations §1f).
	{Code: "callback.error.already.triggered", Status: 412, Message: "Unable to update an already triggered callback.", Where: "PATCH /conversations/callbacks", Cause: "callback.already-triggered", Confirms: true, Ops: []Op{OpCallback}},
	{Code: "callback.error.missing.required.information.for.patch.request", Status: 400, Message: "The callback update requires either a scheduled time or queueId.", Where: "PATCH /conversations/callbacks", Cause: "body.required-missing", Ops: []Op{OpCallback}},
	{Code: "conversation.error.queue.required", Status: 400, Message: "(a queue is required for the callback)", Where: "POST .../participants/{pid}/callbacks", Cause: "body.required-missing", Ops: []Op{OpCallback}},
	{Code: "callback.error.scheduled.time.too.far.in.future", Status: 400, Message: "The callback cannot be scheduled more than 30 days into the future.", Where: "the callback operations", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.agent.not.member.of.queue", Status: 400, Message: "(the agent is not a member of the queue)", Where: "PATCH /conversations/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.cannot.update.non.agent.owned.callback", Status: 400, Message: "(only an agent-owned callback can be updated this way)", Where: "PATCH /conversations/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.callback.already.being.routed", Status: 400, Message: "(the callback is already being routed)", Where: "POST .../participants/{pid}/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.scheduled.callback.already.exists", Status: 400, Message: "(a callback is already scheduled)", Where: "POST .../participants/{pid}/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "conversation.error.cannot.callback.acd", Status: 400, Message: "(a callback cannot be made on an ACD participant)", Where: "POST .../participants/{pid}/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.target.communication.cannot.be.acd.or.ivr", Status: 400, Message: "(the target communication cannot be an ACD or IVR one)", Where: "POST .../participants/{pid}/callbacks", Cause: "callback.not-allowed", Ops: []Op{OpCallback}},
	{Code: "callback.error.parse.call.number", Status: 400, Message: "(a callback number does not parse)", Where: "the callback operations, callbacks replace", Cause: "body.field-type", Ops: []Op{OpCallback}},
	{Code: "callback.error.transfer.canceled", Status: 400, Message: "A pending attended transfer was canceled.", Where: "callbacks PATCH"},
	{Code: "postino.error.transfer.canceled", Status: 400, Message: "A pending attended transfer was canceled.", Where: "emails PATCH"},
	{Code: "postino.error.wrong.org", Status: 400, Message: "(the email belongs to another org)", Where: "emails PATCH", Cause: "conversation.not-found"},
	{Code: "invalid.value", Status: 400, Message: "Value [X] is not valid for field type Y", Where: "any JSON body", Cause: "body.field-type"},
	{Code: "missing.any.permissions", Status: 403, Message: "Missing any of the listed permissions.", Where: "every operation with permissions", Cause: "token.permission-missing"},
	{Code: "missing.division.permission", Status: 403, Message: "...missing the following permission '%s' in the provided division(s)", Where: "division-aware operations", Cause: "token.division-missing"},
	{Code: "missing.any.division.permissions", Status: 403, Message: "Missing any of the permissions in the provided division(s).", Where: "division-aware operations", Cause: "token.division-missing"},
	{Code: "conversation.error.forbidden.not.active.participant", Status: 403, Message: "User is not active on call and cannot alter recordingState", Where: "the calls participant and communication PATCHes, the media replace endpoints, the recordingstate endpoints", Cause: "token.not-party"},
	{Code: "conversation.error.conversation.not.found", Status: 404, Message: "The conversation was not found.", Where: "conversation operations", Cause: "conversation.not-found"},
	{Code: "conversation.error.not.conversation.participant", Status: 404, Message: "User is not a participant in the conversation.", Where: "calls participant operations", Cause: "token.not-party"},
	{Code: "conversation.error.participant.not.found", Status: 404, Message: "Participant does not exist.", Where: "replace, attributes", Cause: "participant.not-in-conversation"},
	{Code: "not.found", Status: 404, Message: "The requested resource was not found.", Where: "any operation"},
	{Code: "bad.credentials", Status: 401, Message: "Invalid login credentials.", Where: "any operation", Cause: "token.invalid"},
	{Code: "authentication.required", Status: 401, Message: "No authentication bearer token specified in authorization header.", Where: "any operation", Cause: "token.invalid"},
	{Code: "unsupported.media.type", Status: 415, Message: "Unsupported Media Type", Where: "any operation with a body", Cause: "body.content-type"},
	{Code: "too.many.requests.retry.after", Status: 429, Message: "Retry the request in [%s] seconds", Where: "any operation"},
	{Code: "too.many.requests", Status: 429, Message: "Rate limit exceeded.", Where: "any operation"},
	{Code: "division.authorization.timeout", Status: 504, Message: "(division authorization timed out)", Where: "GET conversation"},
}

// LookupErrorCode finds the documented row of a code (case-insensitive).
func LookupErrorCode(code string) (ErrorCode, bool) {
	for _, r := range ErrorCodes {
		if strings.EqualFold(r.Code, strings.TrimSpace(code)) {
			return r, true
		}
	}
	return ErrorCode{}, false
}

// quotedRe finds values an error message quotes: [X], 'X', "X".
var quotedRe = lazyRegexp(`\[([^\[\]]{1,200})\]|'([^']{1,200})'|"([^"]{1,200})"`)

// QuotedValues lists the values an error message quotes ("Value
// [DISCONNECTED] is not valid ..." quotes DISCONNECTED), in order.
func QuotedValues(msg string) []string {
	var out []string
	for _, m := range quotedRe().FindAllStringSubmatch(msg, -1) {
		for _, g := range m[1:] {
			if g != "" {
				out = append(out, g)
			}
		}
	}
	return out
}

// IsGenesysShaped reports whether a decoded error body has the shape of the
// Genesys ErrorBody: a code together with a status or a contextId.
func (b *ErrorBody) IsGenesysShaped() bool {
	return b != nil && b.Code != "" && (b.Status != 0 || b.ContextID != "")
}
