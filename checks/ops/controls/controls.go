// Package controls holds the operations that change how one participant
// takes part, each through one field of the participant PATCH: answer
// (state "connected"), hold and unhold (held), mute and unmute (muted),
// ad-hoc recording (recording) and confine (confined, with its own check
// that the party is in a conference).
package controls

import (
	"encoding/json"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
)

// participantPatch are the endpoints of the participant PATCH, the generic
// first: it serves every media and does not need a user (reference §8b).
var participantPatch = []string{"patchConversationParticipant", "patchConversationsCallParticipant"}

// field builds an operation performed by one field of the participant
// PATCH (the value sent when it performs the operation, else def).
func field(id diagnose.OpID, title, name string, def string, needs diagnose.Need, doc string) *diagnose.Operation {
	return &diagnose.Operation{
		ID: id, Title: title, Words: diagnose.WordsOf(id), Doc: doc,
		Endpoints: participantPatch, Needs: needs,
		Build: func(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
			return checks.PatchRequest(ctx, checks.FieldBody(ctx, id, name, json.RawMessage(def))), nil
		},
	}
}

// The operations of the participant PATCH's fields. Hold, mute, recording,
// confine and answer list no permission of their own beyond the PATCH's
// ANY-of list (reference participant-operations §5).
var (
	Hold   = hold()
	Unhold = field(diagnose.OpUnhold, "take one participant off hold", "held", "false", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"held\": false}.")
	Mute = field(diagnose.OpMute, "mute one participant", "muted", "true", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"muted\": true}.")
	Unmute = field(diagnose.OpUnmute, "unmute one participant", "muted", "false", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"muted\": false}.")
	Recording = field(diagnose.OpRecording, "turn ad-hoc recording of one participant on or off", "recording", "true", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"recording\": true} (or false); the conversation-wide secure pause is recording-state.")
	Answer  = answer()
	Confine = confine()
)

func hold() *diagnose.Operation {
	op := field(diagnose.OpHold, "put one participant on hold", "held", "true", diagnose.NeedConnected,
		"PATCH .../participants/{participantId} with {\"held\": true}; the communication must be connected (conversation.error.hold.alerting). During a consult, who hears whom is steered with PATCH .../consult speakTo instead.")
	op.Checks = []*diagnose.Check{ConsultLeg}
	return op
}

func answer() *diagnose.Operation {
	op := field(diagnose.OpAnswer, "answer an alerting communication", "state", `"connected"`, diagnose.NeedAlerting,
		"PATCH .../participants/{participantId} with {\"state\": \"connected\"}, with a token of the user whose communication is alerting (the official developer blog: a client-credentials token cannot answer).")
	op.UserOnly = true
	build := op.Build
	op.Build = func(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
		req, _ := build(ctx)
		return req, []string{"send it with a token of the user whose communication is alerting: only that user can answer it"}
	}
	return op
}
