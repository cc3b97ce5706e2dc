package checks

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The shared causes the operations' own checks report too: one cause
// serves several operations, and the chain records which checks declare
// it.
var (
	CauseBodyFieldType              = causeBodyFieldType
	CauseBodyWrapupRequired         = causeBodyWrapupRequired
	CauseParticipantNotConnectedYet = causeParticipantNotConnectedYet
	CauseConversationEnded          = causeConversationEnded
	CauseTokenNoUserContext         = causeTokenNoUserContext
)

// Declared reports whether a cause was found (likely or confirmed) by an
// earlier check; for an operation's Build it is FixContext.Found.
func Declared(ctx *diagnose.FixContext, ci *diagnose.CauseInfo) bool {
	return ctx.Found != nil && ctx.Found(ci)
}

// SeveralActions reports whether the fix must keep only the operation's
// own fields (body.several-actions was found).
func SeveralActions(ctx *diagnose.FixContext) bool { return Declared(ctx, causeBodySeveralActions) }

// FieldBody is the body of a participant PATCH that performs op with its
// field: the value the user sent when it performs op, else def; with the
// members of the body sent that act for no other operation (unless
// body.several-actions was found, when only the operation's own field
// stays).
func FieldBody(ctx *diagnose.FixContext, op diagnose.OpID, field string, def json.RawMessage) json.RawMessage {
	c := genesys.MediaParticipantRequest
	value := def
	var rest []diagnose.Member
	for _, m := range ctx.Members {
		f := c.Field(m.Key)
		switch {
		case m.Key == field:
			if acts(f, m.Value) == op {
				value = m.Value
			}
		case f != nil && len(f.Acts) > 0:
			// Another action: it is not part of this operation.
		case !SeveralActions(ctx):
			rest = append(rest, m)
		}
	}
	return Object(append([]diagnose.Member{{Key: field, Value: value}}, rest...))
}

// acts is the operation a field's value performs ("" for none).
func acts(f *genesys.Field, value json.RawMessage) diagnose.OpID {
	if f == nil || len(f.Acts) == 0 {
		return ""
	}
	if a, ok := f.Does(value); ok && !a.Invalid {
		return a.Op
	}
	return ""
}

// PatchRequest is the participant PATCH with a body, for the context's
// target (the media-specific path when the context allows it).
func PatchRequest(ctx *diagnose.FixContext, body json.RawMessage) *diagnose.FixRequest {
	var vars []diagnose.Var
	path := ParticipantPath(ctx, &vars)
	return &diagnose.FixRequest{Method: "PATCH", BaseURL: ctx.BaseURL, Path: path, Body: body, Vars: vars}
}

// SentPerforms reports whether the endpoint the request was sent to
// performs op (the fix then keeps it).
func SentPerforms(ctx *diagnose.FixContext, op diagnose.OpID) bool {
	if ctx.Sent == nil {
		return false
	}
	if ctx.Sent.Op == op {
		return true
	}
	return ctx.Sent.Body != nil && len(ctx.Sent.Body.FieldsFor(op)) > 0
}

// Request is what request-line established (nil when it could not read
// the request line).
func Request(p *diagnose.Pass) *RequestFacts {
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	return rf
}

// ReportCode reports the cause the response's documented error code points
// to, when the running check declares it (as every shared check does).
func ReportCode(p *diagnose.Pass) { reportErrorBody(p) }

// NewFix is a fix whose request is the operation's corrected request.
func NewFix(summary string, notes ...string) *diagnose.Fix { return newFix(summary, notes...) }

// NoRequestFix is a fix that is not a request.
func NoRequestFix(summary string, notes ...string) *diagnose.Fix {
	return noRequestFix(summary, notes...)
}

// Describe names a participant for explanations.
func Describe(conv *diagnose.Conv, v *diagnose.PView) string { return describe(conv, v) }

// JSONKind is the JSON type of a value ("string", "object", ...).
func JSONKind(raw []byte) string { return jsonKind(raw) }

// requestFaulty reports whether a cause of the request itself (its line,
// what it does, its body) was found: then the response may already be
// explained, and a state read from a GET of unknown age is at most a
// possible cause (DESIGN §4b.4).
func requestFaulty(p *diagnose.Pass) bool {
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	of, _ := diagnose.Result[*OperationFacts](p, OperationCheck)
	bf, _ := diagnose.Result[*BodyFacts](p, BodyShape)
	return rf != nil && rf.Faulty || of != nil && of.Faulty || bf != nil && bf.Faulty
}

// unknownMoment caps a claim about a state read from a GET when the moment
// of failure is unknown: likely at most, possible when a cause of the
// request itself explains the response.
func unknownMoment(p *diagnose.Pass, l diagnose.Likelihood) diagnose.Likelihood {
	if requestFaulty(p) {
		return min(l, diagnose.Possible)
	}
	return min(l, diagnose.Likely)
}

// Compact is a JSON value compacted (as sent when it does not compact).
func Compact(raw []byte) json.RawMessage { return compactJSON(raw) }

// CauseTokenNotParty is token.not-party, which the consults' own check
// reports too (the token's user is not on the call).
var CauseTokenNotParty = causeTokenNotParty

// EnumValue is the value a fix sends for an enum field the operation needs
// (speakTo, recordingState): the one sent when the contract lists it, the
// close one a did-you-mean finds for a misspelt or mis-cased one, def when
// none was sent, and a shell variable (returned, for the request's Vars)
// when what was sent is nothing like any value: the fix never guesses what
// was meant.
func EnumValue(ctx *diagnose.FixContext, f *genesys.Field, def string) (json.RawMessage, *diagnose.Var) {
	for _, m := range genesys.TopMembers(ctx.Evidence.Request.Body) {
		if m.Key != f.Name {
			continue
		}
		var s string
		if json.Unmarshal(m.Value, &s) != nil || strings.TrimSpace(s) == "" {
			break
		}
		if meant := closestValue(s, f.Values); meant != "" {
			b, _ := json.Marshal(meant)
			return b, nil
		}
		v := &diagnose.Var{Name: varName(f.Name), Set: "what " + f.Name + " should be: one of " + quoteList(f.Values) + " (" + strconv.Quote(s) + " is none)"}
		return json.RawMessage(`"$` + v.Name + `"`), v
	}
	b, _ := json.Marshal(def)
	return b, nil
}

// varName is a field's name as a shell variable: speakTo -> SPEAK_TO.
func varName(field string) string {
	var b strings.Builder
	for i, r := range field {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// MeantValue is an enum field's value as a corrected request sends it (the
// documented one a did-you-mean finds); ok is false when nothing is close
// (the field is then left out).
func MeantValue(f *genesys.Field, raw json.RawMessage) (json.RawMessage, bool) {
	return meantValue(f, raw)
}

// CauseBodyRequiredMissing is body.required-missing, which the operations'
// fixes answer by adding the field.
var CauseBodyRequiredMissing = causeBodyRequiredMissing
