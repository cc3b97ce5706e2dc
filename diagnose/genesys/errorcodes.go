package genesys

import (
	"regexp"
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
var quotedRe = regexp.MustCompile(`\[([^\[\]]{1,200})\]|'([^']{1,200})'|"([^"]{1,200})"`)

// QuotedValues lists the values an error message quotes ("Value
// [DISCONNECTED] is not valid ..." quotes DISCONNECTED), in order.
func QuotedValues(msg string) []string {
	var out []string
	for _, m := range quotedRe.FindAllStringSubmatch(msg, -1) {
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
