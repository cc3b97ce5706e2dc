// Package drop holds the operations that end participants: disconnect
// (drop one participant, the case that started convdiag) and teardown (end
// the whole conversation), with the drop's own check (an unfinished consult
// transfer) and how each fix is built.
package drop

import (
	"encoding/json"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

// Disconnect drops one participant: the participant PATCH with
// {"state":"disconnected"} (generic, media-specific, or the communication
// PATCH for one communication).
var Disconnect = &diagnose.Operation{
	ID:    diagnose.OpDisconnect,
	Title: "drop one participant",
	Words: diagnose.WordsOf(diagnose.OpDisconnect),
	Doc:   "PATCH /api/v2/conversations/{conversationId}/participants/{participantId} (or its media variant) with {\"state\":\"disconnected\"}; a wrap-up may go with it.",
	Endpoints: []string{"patchConversationParticipant", "patchConversationsCallParticipant",
		"patchConversationsCallParticipantCommunication"},
	Needs:      diagnose.NeedLive,
	Permission: "conversation:communication:disconnect",
	Checks:     []*diagnose.Check{Consult},
	Build:      buildDisconnect,
}

// Teardown ends the whole conversation: POST .../disconnect, which the
// reference documents as a body-less recovery tool.
var Teardown = &diagnose.Operation{
	ID:         diagnose.OpTeardown,
	Title:      "end the whole conversation",
	Words:      diagnose.WordsOf(diagnose.OpTeardown),
	Doc:        "POST /api/v2/conversations/{conversationId}/disconnect (no body), or DELETE /api/v2/conversations/{conversationId} with a user token.",
	Endpoints:  []string{"postConversationDisconnect", "deleteConversation"},
	Needs:      diagnose.NeedConversation,
	Permission: "conversation:communication:disconnect",
	Build:      buildTeardown,
}

// buildDisconnect is the participant PATCH that drops the target, keeping
// what the body sent meant: the documented fields that go with a drop (a
// wrap-up), renamed where they were misnamed; a wrap-up code when the
// server asked for one (then wrapupSkipped, which it refused, is left
// out). With body.several-actions, only the drop and its wrap-up stay.
func buildDisconnect(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	req := checks.PatchRequest(ctx, nil)
	needWrapup := checks.Declared(ctx, checks.CauseBodyWrapupRequired)
	members := []diagnose.Member{{Key: "state", Value: json.RawMessage(`"disconnected"`)}}
	hasWrapup := false
	for _, m := range ctx.Members {
		switch {
		case m.Key == "state":
		case needWrapup && m.Key == "wrapupSkipped":
		case checks.SeveralActions(ctx) && m.Key != "wrapup" && m.Key != "wrapupSkipped":
		default:
			members = append(members, m)
			hasWrapup = hasWrapup || m.Key == "wrapup"
		}
	}
	if needWrapup && !hasWrapup {
		v := checks.VarWrapupCode(req.Path)
		req.Vars = append(req.Vars, v)
		members = append(members, diagnose.Member{Key: "wrapup", Value: json.RawMessage(`{"code":"$` + v.Name + `"}`)})
	}
	req.Body = checks.Object(members)
	return req, nil
}

// buildTeardown is the documented teardown: POST .../disconnect, no body.
func buildTeardown(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	var vars []diagnose.Var
	path := checks.ConversationPath("", ctx, &vars) + "/disconnect"
	return &diagnose.FixRequest{Method: "POST", BaseURL: ctx.BaseURL, Path: path, Vars: vars}, nil
}
