package checks

import (
	"encoding/json"
	"net/url"

	"github.com/convdiag/convdiag/diagnose"
)

// Shell variables of a fix whose value convdiag does not know.
var (
	varConversation = diagnose.Var{Name: "CONVERSATION_ID", Set: "the conversation's id (GET /api/v2/conversations/{id} answers 200 for it in the token's org)"}
	varParticipant  = diagnose.Var{Name: "PARTICIPANT_ID", Set: "participants[].id of the participant to drop, from GET of the conversation (a live participant: not disconnected or terminated)"}
)

// varWrapupCode is the wrap-up code a fix needs, and where to find one.
func varWrapupCode(path string) diagnose.Var {
	return diagnose.Var{Name: "WRAPUP_CODE_ID", Set: "the id of a wrap-up code of the participant's queue (GET " + path + "/wrapupcodes lists them)"}
}

// participantPath is the participant PATCH path: the media-specific path
// for a media segment, the generic one otherwise. Unknown ids become shell
// variables (added to vars).
func participantPath(segment, convID, pid string, vars *[]diagnose.Var) string {
	c := idOrVar(convID, varConversation, vars)
	p := idOrVar(pid, varParticipant, vars)
	if segment != "" {
		return "/api/v2/conversations/" + segment + "/" + c + "/participants/" + p
	}
	return "/api/v2/conversations/" + c + "/participants/" + p
}

// idOrVar is the id, path-escaped, or the shell variable when the id is
// unknown (empty, or a template placeholder).
func idOrVar(id string, v diagnose.Var, vars *[]diagnose.Var) string {
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

// dropBody is the body that drops a participant, keeping the members of
// the body sent that the participant PATCH documents (renamed where they
// were misnamed), and a wrap-up code when the server asked for one (then
// wrapupSkipped, which the server refused, is left out). path is the
// participant's path, for the note on the wrap-up code.
func dropBody(kept []Member, needWrapup bool, path string, vars *[]diagnose.Var) json.RawMessage {
	type kv struct {
		k string
		v json.RawMessage
	}
	members := []kv{{"state", json.RawMessage(`"disconnected"`)}}
	hasWrapup := false
	for _, m := range kept {
		if needWrapup && m.Key == "wrapupSkipped" {
			continue
		}
		members = append(members, kv{m.Key, m.Value})
		hasWrapup = hasWrapup || m.Key == "wrapup"
	}
	if needWrapup && !hasWrapup {
		v := varWrapupCode(path)
		*vars = append(*vars, v)
		members = append(members, kv{"wrapup", json.RawMessage(`{"code":"$` + v.Name + `"}`)})
	}
	out := []byte{'{'}
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(m.k)
		out = append(append(append(out, k...), ':'), compactJSON(m.v)...)
	}
	return append(out, '}')
}

func compactJSON(raw json.RawMessage) []byte {
	var b []byte
	if v, err := json.Marshal(raw); err == nil {
		b = v
	} else {
		b = raw
	}
	return b
}

// newFix builds a fix whose request is the request that would have worked,
// as the whole chain establishes it (the conclusion fills it in).
func newFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, UseCorrected: true, Notes: notes}
}

// noRequestFix is a fix that is not a request.
func noRequestFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, Notes: notes}
}
