// Package recording holds the conversation-wide recording operation: the
// secure pause (pause or resume the recording of the whole conversation).
package recording

import (
	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// State pauses or resumes the conversation's recording.
var State = &diagnose.Operation{
	ID:         diagnose.OpRecordingState,
	Title:      "pause or resume the conversation's recording (secure pause)",
	Words:      diagnose.WordsOf(diagnose.OpRecordingState),
	Doc:        "PATCH /api/v2/conversations/{conversationId}/recordingstate with {\"recordingState\": \"PAUSED\"} (or ACTIVE, NONE) with a user token (not.a.user), or PUT /api/v2/conversations/{media}/{conversationId}/recordingstate, which does not list not.a.user; permission conversation:recording:pauseOthers; the caller must be active on the conversation (conversation.error.forbidden.not.active.participant).",
	Endpoints:  []string{"patchConversationRecordingstate", "putConversationsCallRecordingstate"},
	Needs:      diagnose.NeedConversation,
	Permission: "conversation:recording:pauseOthers",
	Build:      build,
}

// build keeps the endpoint sent when it sets the recording state and the
// token may use it; with a client-credentials token it is the media
// variant's PUT, which does not list not.a.user.
func build(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	value, unknown := checks.EnumValue(ctx, genesys.EndpointByID("patchConversationRecordingstate").Body.Field("recordingState"), "PAUSED")
	body := checks.Object([]diagnose.Member{{Key: "recordingState", Value: value}})
	var vars []diagnose.Var
	if unknown != nil {
		vars = append(vars, *unknown)
	}
	userless := ctx.ClientCredentials || checks.Declared(ctx, checks.CauseTokenNoUserContext)
	sent := ctx.Sent
	if sent == nil {
		// A media path sent with the wrong method (PATCH where only the
		// PUT is): the PUT it meant.
		if rl, err := diagnose.ParseRequestLine(ctx.Evidence.Request.Method + " " + ctx.Evidence.Request.URL); err == nil {
			if m := genesys.MatchRequest(rl.Method, rl.Path); len(m.OtherMethods) == 1 && m.OtherMethods[0].Op == diagnose.OpRecordingState {
				sent = m.OtherMethods[0]
			}
		}
	}
	if sent != nil && sent.Method == "PUT" && sent.Op == diagnose.OpRecordingState || userless {
		segment := "calls"
		if sent != nil && sent.Segment() != "" {
			segment = sent.Segment()
		} else if ctx.Conv != nil && ctx.Conv.Segment != "" {
			segment = ctx.Conv.Segment
		}
		path := checks.ConversationPath(segment, ctx, &vars) + "/recordingstate"
		return &diagnose.FixRequest{Method: "PUT", BaseURL: ctx.BaseURL, Path: path, Body: body, Vars: vars}, nil
	}
	path := checks.ConversationPath("", ctx, &vars) + "/recordingstate"
	return &diagnose.FixRequest{Method: "PATCH", BaseURL: ctx.BaseURL, Path: path, Body: body, Vars: vars}, nil
}
