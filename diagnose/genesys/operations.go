package genesys

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
)

// Op names what a request does to a conversation (DESIGN §3b): the ids of
// convdiag's --operation, stable because scripts depend on them. An
// endpoint either always performs one operation (Endpoint.Op), or its body
// says which: each field that acts names the operation it performs
// (Field.Acts).
type Op string

// The operations (DESIGN §3b).
const (
	OpDisconnect     Op = "disconnect"
	OpAnswer         Op = "answer"
	OpHold           Op = "hold"
	OpUnhold         Op = "unhold"
	OpMute           Op = "mute"
	OpUnmute         Op = "unmute"
	OpRecording      Op = "recording"
	OpRecordingState Op = "recording-state"
	OpConfine        Op = "confine"
	OpWrapup         Op = "wrapup"
	OpTransfer       Op = "transfer"
	OpConsult        Op = "consult"
	OpConsultSpeakTo Op = "consult-speak-to"
	OpConsultCancel  Op = "consult-cancel"
	OpConferenceAdd  Op = "conference-add"
	OpAttributes     Op = "attributes"
	OpCallback       Op = "callback"
	OpTeardown       Op = "teardown"
)

// Ops lists every operation, in DESIGN §3b order.
var Ops = []Op{OpDisconnect, OpAnswer, OpHold, OpUnhold, OpMute, OpUnmute, OpRecording, OpRecordingState, OpConfine,
	OpWrapup, OpTransfer, OpConsult, OpConsultSpeakTo, OpConsultCancel, OpConferenceAdd, OpAttributes, OpCallback, OpTeardown}

// Act is one way a body field acts: a value (JSON, compared after
// decoding; "" for any value) and the operation it performs.
type Act struct {
	Value string
	Op    Op
}

// Action is one thing a request does: the operation, and the body field
// (and value) that performs it ("" for an endpoint that acts by itself).
type Action struct {
	Op    Op
	Field string
	// Value is the field's value as sent (JSON).
	Value json.RawMessage
	// Unsupported is set when the field names the operation but the
	// endpoint cannot perform it (held on the communication PATCH, which
	// only disconnects): what was meant, not what it does.
	Unsupported bool
	// Invalid is set when the field's value is not one the endpoint
	// accepts ("state": "disconnect"): the operation is the one the value
	// most resembles.
	Invalid bool
}

// Actions says what a request to the endpoint with this body does: the
// endpoint's own operation, or one action per body field that acts. A body
// that does not parse as a JSON object acts through no field.
func (e *Endpoint) Actions(body []byte) []Action {
	if e == nil {
		return nil
	}
	if e.Op != "" {
		return []Action{{Op: e.Op}}
	}
	c := e.Body
	if c == nil || !c.Acting() {
		return nil
	}
	var out []Action
	for _, m := range TopMembers(body) {
		f := c.Field(m.Key)
		if f == nil || len(f.Acts) == 0 {
			continue
		}
		if a, ok := f.Does(m.Value); ok {
			a.Unsupported = f.NotHere
			out = append(out, a)
		}
	}
	return out
}

// Does is what the field does with value: the operation, and whether the
// value is one the field takes (Invalid: the operation it most resembles).
func (f *Field) Does(value json.RawMessage) (Action, bool) {
	var v any
	if json.Unmarshal(value, &v) != nil {
		return Action{}, false
	}
	a := Action{Field: f.Name, Value: value}
	var anyOp Op
	for _, act := range f.Acts {
		if act.Value == "" {
			anyOp = act.Op
			continue
		}
		var want any
		_ = json.Unmarshal([]byte(act.Value), &want)
		if want == v {
			a.Op = act.Op
			return a, true
		}
	}
	if anyOp != "" {
		a.Op = anyOp
		return a, true
	}
	// A value the field does not take: the operation of the closest
	// value ("disconnect" is a drop, "connect" an answer; "true" a hold).
	a.Invalid = true
	s := strings.ToLower(strings.Trim(strings.TrimSpace(string(value)), `"`))
	best, bestD := Op(""), -1
	for _, act := range f.Acts {
		d := levenshtein.ComputeDistance(s, strings.Trim(act.Value, `"`))
		if bestD < 0 || d < bestD {
			best, bestD = act.Op, d
		}
	}
	a.Op = best
	return a, best != ""
}

// Acting reports whether some field of the contract acts.
func (b *BodyContract) Acting() bool {
	for _, f := range b.Fields {
		if len(f.Acts) > 0 {
			return true
		}
	}
	return false
}

// FieldsFor lists the contract's fields that perform op.
func (b *BodyContract) FieldsFor(op Op) []*Field {
	var out []*Field
	for i := range b.Fields {
		for _, a := range b.Fields[i].Acts {
			if a.Op == op {
				out = append(out, &b.Fields[i])
				break
			}
		}
	}
	return out
}

// RawMember is one top-level member of a JSON object.
type RawMember struct {
	Key   string
	Value json.RawMessage
}

// TopMembers lists the members of a JSON object body, the last of
// duplicate keys winning (as the server reads them), in the order of their
// first appearance; nil for anything else.
func TopMembers(body []byte) []RawMember {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var out []RawMember
	pos := map[string]int{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		if i, ok := pos[k]; ok {
			out[i].Value = v
			continue
		}
		pos[k] = len(out)
		out = append(out, RawMember{k, v})
	}
	return out
}

// opPatterns are the endpoints that always perform one operation; an
// endpoint not listed acts through its body's fields (the participant,
// communication and conversation PATCHes) or performs none of the
// operations (reads, monitoring, settings). A pattern's paths are whole
// templates, or, with afterConv, what follows the conversation in
// /api/v2/conversations/{conversationId} or in
// /api/v2/conversations/{media}/{conversationId} (opMedia). Templates
// are compared as strings: the table is built when first used, and
// compiling regular expressions for it cost every command more than the
// rest of the table.
var opPatterns = []struct {
	method    string
	afterConv bool
	paths     []string
	op        Op
}{
	{"POST", false, []string{"/api/v2/conversations/{conversationId}/disconnect"}, OpTeardown},
	{"DELETE", false, []string{"/api/v2/conversations/{conversationId}"}, OpTeardown},
	{"PATCH", false, []string{"/api/v2/conversations/{conversationId}/recordingstate"}, OpRecordingState},
	{"PUT", true, []string{"/recordingstate"}, OpRecordingState},
	{"POST", true, []string{opPart + "/communications/{communicationId}/wrapup"}, OpWrapup},
	{"PATCH", false, []string{"/api/v2/conversations/aftercallwork/{conversationId}/participants/{participantId}/communications/{communicationId}"}, OpWrapup},
	{"PATCH", true, []string{opPart + "/attributes"}, OpAttributes},
	{"POST", true, []string{opPart + "/replace", opPart + "/replace/agent", opPart + "/replace/queue", opPart + "/replace/external",
		opPart + "/replace/contact/external", opPart + "/transfer"}, OpTransfer},
	{"POST", true, []string{opPart + "/consult", opPart + "/consult/agent", opPart + "/consult/queue", opPart + "/consult/external",
		opPart + "/consult/contact/external", opPart + "/voice/consult"}, OpConsult},
	{"PATCH", true, []string{opPart + "/consult"}, OpConsultSpeakTo},
	{"DELETE", true, []string{opPart + "/consult"}, OpConsultCancel},
	{"POST", false, []string{"/api/v2/conversations/calls/{conversationId}/participants", "/api/v2/conversations/calls/{conversationId}/participants/user/{userId}"}, OpConferenceAdd},
	{"PATCH", false, []string{"/api/v2/conversations/calls/{conversationId}/conference"}, OpConferenceAdd},
	{"POST", false, []string{"/api/v2/conversations/{conversationId}/participants/{participantId}/callbacks"}, OpCallback},
	{"PATCH", false, []string{"/api/v2/conversations/callbacks"}, OpCallback},
	{"POST", false, []string{"/api/v2/conversations/callbacks"}, OpCallback},
}

// opPart is a participant of the conversation, in an afterConv path.
const opPart = "/participants/{participantId}"

// opMedia are the media segments a conversation's path may have.
var opMedia = []string{"calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages", "screenshares", "socials", "videos"}

// opOfEndpoint is the operation an endpoint always performs, "" when its
// body decides or it performs none.
func opOfEndpoint(method, path string) Op {
	afterConv, inConv := cutConversation(path)
	for _, p := range opPatterns {
		if p.method != method {
			continue
		}
		if p.afterConv && inConv && slices.Contains(p.paths, afterConv) || !p.afterConv && slices.Contains(p.paths, path) {
			return p.op
		}
	}
	return ""
}

// cutConversation is what follows the conversation in a template of
// /api/v2/conversations/{conversationId}... or of
// /api/v2/conversations/{media}/{conversationId}...; ok is false for
// another path.
func cutConversation(path string) (rest string, ok bool) {
	rest, ok = strings.CutPrefix(path, "/api/v2/conversations/")
	if !ok {
		return "", false
	}
	if media, after, found := strings.Cut(rest, "/"); found && slices.Contains(opMedia, media) {
		rest = after
	}
	return strings.CutPrefix(rest, "{conversationId}")
}

// companions are operations whose fields may come with another's without
// making the request do several things: a wrap-up given with a drop is
// part of the drop (DESIGN §4b.5).
var companions = map[Op][]Op{OpDisconnect: {OpWrapup}}

// Companion reports whether other may come with op in one request.
func Companion(op, other Op) bool {
	for _, c := range companions[op] {
		if c == other {
			return true
		}
	}
	return false
}

// looseMemberRe reads key: value pairs from a body that is not valid JSON
// (smart or single quotes, a Python dict, the quote-stripped JSON that
// Windows PowerShell passes to native programs): enough to tell what the
// request was meant to do, never to judge the body.
// It is compiled on first use, as every pattern of the package.
var looseMemberRe = lazyRegexp(`["'\x{201C}\x{201D}\x{2018}\x{2019}]?([A-Za-z_][A-Za-z0-9_]*)["'\x{201C}\x{201D}\x{2018}\x{2019}]?\s*[:=]\s*["'\x{201C}\x{201D}\x{2018}\x{2019}]?([A-Za-z0-9_.-]+)`)

// lazyRegexp returns a function that compiles expr the first time it is
// called: a pattern compiled at start-up costs every command, also those
// that never use it.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// LooseActions says what a body that does not parse was meant to do,
// reading its key: value pairs leniently against the endpoint's contract.
func (e *Endpoint) LooseActions(body []byte) []Action {
	if e == nil || e.Op != "" || e.Body == nil || len(body) > 64<<10 {
		return nil
	}
	var out []Action
	for _, m := range looseMemberRe().FindAllSubmatch(body, 32) {
		f := e.Body.Field(string(m[1]))
		if f == nil || len(f.Acts) == 0 {
			continue
		}
		v := string(m[2])
		if f.Type == TypeString {
			v = `"` + v + `"`
		}
		if a, ok := f.Does(json.RawMessage(v)); ok {
			a.Unsupported = f.NotHere
			out = append(out, a)
		}
	}
	return out
}
