package checks

import (
	"encoding/json"
	"net/url"

	"github.com/convdiag/convdiag/diagnose"
)

// Shell variables of a fix whose value convdiag does not know.
var (
	varConversation  = diagnose.Var{Name: "CONVERSATION_ID", Set: "the conversation's id (GET /api/v2/conversations/{id} answers 200 for it in the token's org)"}
	varParticipant   = diagnose.Var{Name: "PARTICIPANT_ID", Set: "participants[].id of the participant the request is about, from GET of the conversation (for anything but a wrap-up, a live one: not disconnected or terminated)"}
	varCommunication = diagnose.Var{Name: "COMMUNICATION_ID", Set: "the id of the participant's communication (participants[].calls[].id, messages[].id, ...), from GET of the conversation"}
)

// VarWrapupCode is the wrap-up code a fix needs, and where to find one.
func VarWrapupCode(participantPath string) diagnose.Var {
	return diagnose.Var{Name: "WRAPUP_CODE_ID", Set: "the id of a wrap-up code of the participant's queue (GET " + participantPath + "/wrapupcodes lists them)"}
}

// ParticipantPath is the participant path of the fix: the media-specific
// one for the context's segment, the generic one otherwise. Unknown ids
// become shell variables (added to vars).
func ParticipantPath(ctx *diagnose.FixContext, vars *[]diagnose.Var) string {
	return participantPath(ctx.Segment, ctx.ConversationID, ctx.ParticipantID, vars)
}

// ConversationPath is /api/v2/conversations/[segment/]{id}.
func ConversationPath(segment string, ctx *diagnose.FixContext, vars *[]diagnose.Var) string {
	c := IDOrVar(ctx.ConversationID, varConversation, vars)
	if segment != "" {
		return "/api/v2/conversations/" + segment + "/" + c
	}
	return "/api/v2/conversations/" + c
}

// CommunicationID is the context's communication id, or its variable.
func CommunicationID(ctx *diagnose.FixContext, vars *[]diagnose.Var) string {
	return IDOrVar(ctx.CommunicationID, varCommunication, vars)
}

func participantPath(segment, convID, pid string, vars *[]diagnose.Var) string {
	c := IDOrVar(convID, varConversation, vars)
	p := IDOrVar(pid, varParticipant, vars)
	if segment != "" {
		return "/api/v2/conversations/" + segment + "/" + c + "/participants/" + p
	}
	return "/api/v2/conversations/" + c + "/participants/" + p
}

// IDOrVar is the id, path-escaped, or the shell variable when the id is
// unknown (empty, or a template placeholder).
func IDOrVar(id string, v diagnose.Var, vars *[]diagnose.Var) string {
	if id == "" || isPlaceholder(id) {
		for _, x := range *vars {
			if x.Name == v.Name {
				return "$" + v.Name
			}
		}
		*vars = append(*vars, v)
		return "$" + v.Name
	}
	return url.PathEscape(id)
}

// Object writes the members as a JSON object, in order, each value
// compacted.
func Object(members []diagnose.Member) json.RawMessage {
	out := []byte{'{'}
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(m.Key)
		out = append(append(append(out, k...), ':'), compactJSON(m.Value)...)
	}
	return append(out, '}')
}

func compactJSON(raw json.RawMessage) []byte {
	if v, err := json.Marshal(raw); err == nil {
		return v
	}
	return raw
}

// newFix builds a fix whose request is the operation's corrected request,
// as the whole chain establishes it.
func newFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, Notes: notes}
}

// noRequestFix is a fix that is not a request.
func noRequestFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, NoRequest: true, Notes: notes}
}

// waitFix is a fix that waits for the target's communication to reach a
// state, then sends the operation's request.
func waitFix(summary, participantID, communicationID, until string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, Notes: notes, Steps: []diagnose.Step{{Kind: diagnose.StepWait,
		Summary:       "wait until participant " + participantID + " is " + until,
		ParticipantID: participantID, CommunicationID: communicationID, Until: until, TimeoutS: WaitTimeout}}}
}

// WaitTimeout is how long a plan's wait step may take, in seconds: a call
// that rings for longer than a minute is usually not going to be answered.
const WaitTimeout = 60
