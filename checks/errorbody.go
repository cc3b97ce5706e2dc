package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// errorCode is the documented code the response carries, with the cause
// it points to for this request.
type errorCode struct {
	Row  genesys.ErrorCode
	Body *genesys.ErrorBody
	// Cause is the id of the cause the code points to ("" for none).
	Cause string
	// Quoted is a value of the request the message quotes, and where it
	// is in the request ("state", "{participantId}").
	Quoted, QuotedAt string
}

// responseCode reads the response's error code against the documented
// table; nil when there is none or it is not documented.
func responseCode(ev *diagnose.Evidence) *errorCode {
	eb := ev.Response.ErrorBody()
	if eb == nil || eb.Code == "" {
		return nil
	}
	row, ok := genesys.LookupErrorCode(eb.Code)
	if !ok {
		return nil
	}
	ec := &errorCode{Row: row, Body: eb, Cause: row.Cause}
	ec.Quoted, ec.QuotedAt = quotedFromRequest(eb, ev)
	if ec.Quoted == "" && row.Status == 403 {
		ec.Quoted, ec.QuotedAt = quotedPermission(eb, ev)
	}
	if row.Code == "invalid.value" && strings.EqualFold(ec.QuotedAt, "state") {
		ec.Cause = causeBodyStateValue.ID
	} else if row.Code == "invalid.value" && enumField(ev, ec.QuotedAt) {
		ec.Cause = causeBodyFieldValue.ID
	}
	return ec
}

// reportErrorBody reports the cause the response's documented error code
// points to, when the running check declares it: likely from the code
// alone, confirmed when the message quotes a value of the request or the
// code proves its cause by itself (not.a.user).
func reportErrorBody(p *diagnose.Pass) {
	ec := responseCode(p.Evidence)
	if ec == nil {
		return
	}
	ci := p.Operation.Codes[ec.Row.Code]
	if ci == nil {
		ci = declared(p, ec.Cause)
	}
	if ci == nil || !p.Declares(ci) {
		return
	}
	l := diagnose.Likely
	why := "The definitions list which codes an operation can return, not the condition behind each, so the code points to this cause without proving it."
	if ec.Row.Confirms {
		l, why = diagnose.Confirmed, "The code says it outright."
	}
	refs := []diagnose.Ref{{Source: "response", Path: "code", Value: ec.Body.Code}, {Source: "response", Path: "message", Value: ec.Body.Message}}
	if ec.Quoted != "" {
		l = diagnose.Confirmed
		why = fmt.Sprintf("The message quotes %q, which is the request's %s.", ec.Quoted, ec.QuotedAt)
		if ec.QuotedAt == quotedPermissionAt {
			why = fmt.Sprintf("The message names %q, a permission the endpoint needs.", ec.Quoted)
		}
		refs = append(refs, diagnose.Ref{Source: requestSource(ec.QuotedAt), Path: ec.QuotedAt, Value: ec.Quoted})
	}
	p.Report(diagnose.Cause{Info: ci, Likelihood: l, Evidence: refs,
		Explanation: fmt.Sprintf("The server answered %d with the documented code %s (%s: %q). %s", ec.Row.Status, ec.Row.Code, ec.Row.Where, ec.Row.Message, why),
		Fix:         codeFix(p, ci)})
}

// declared is the running check's cause handle with the id ("" or none
// declared: nil).
func declared(p *diagnose.Pass, id string) *diagnose.CauseInfo {
	if id == "" {
		return nil
	}
	for _, ci := range p.Check.Causes {
		if ci.ID == id {
			return ci
		}
	}
	return nil
}

func requestSource(at string) string {
	switch {
	case strings.HasPrefix(at, "{"):
		return srcRequest
	case at == quotedPermissionAt:
		return "endpoint table"
	}
	return srcBody
}

const quotedPermissionAt = "permission the endpoint needs"

// quotedPermission finds a permission the error message names that the
// request's endpoint needs: a 403 that names it proves which is missing.
func quotedPermission(eb *genesys.ErrorBody, ev *diagnose.Evidence) (value, at string) {
	if !ev.Request.Known() {
		return "", ""
	}
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		return "", ""
	}
	ep := genesys.MatchRequest(rl.Method, rl.Path).Endpoint
	if ep == nil {
		return "", ""
	}
	quoted := genesys.QuotedValues(eb.Message + " " + eb.MessageWithParams)
	for _, v := range eb.MessageParams {
		quoted = append(quoted, v)
	}
	for _, q := range quoted {
		for _, perm := range ep.Permissions {
			if strings.EqualFold(strings.TrimSpace(q), perm) {
				return perm, quotedPermissionAt
			}
		}
	}
	return "", ""
}

// codeFix is the fix of a cause an error code points to.
func codeFix(p *diagnose.Pass, ci *diagnose.CauseInfo) *diagnose.Fix {
	w := opWords(p)
	switch ci {
	case causeParticipantAlreadyEnded:
		return noRequestFix(fmt.Sprintf("Nothing to %s: the server says the participant has no active communication; treat the request as done", w.Verb))
	case causeConversationNotFound:
		return noRequestFix("Use the conversation id from the org of the token, in that org's region")
	case causeTokenPermissionMissing, causeTokenDivisionMissing:
		return newFix("Grant a role with one of the permissions the endpoint needs, in the conversation's division")
	case causeTokenNoUserContext, causeTokenNotParty:
		return userContextFix(p)
	case causeParticipantNotConnectedYet:
		return waitFix("Wait until the communication is connected, then "+w.Phrase(), requestParticipant(p.Evidence), "", "connected")
	}
	return newFix(ci.Remedy)
}

// quotedFromRequest finds a value the error message quotes that is a value
// of the request: a top-level string of the body, or an id of the path.
func quotedFromRequest(eb *genesys.ErrorBody, ev *diagnose.Evidence) (value, at string) {
	quoted := genesys.QuotedValues(eb.Message + " " + eb.MessageWithParams)
	for _, v := range eb.MessageParams {
		quoted = append(quoted, v)
	}
	if len(quoted) == 0 || !ev.Request.Known() {
		return "", ""
	}
	var fields []member
	if body := bytes.TrimSpace(ev.Request.Body); jsonKind(body) == "object" && json.Valid(body) {
		fields, _ = objectMembers(body)
	}
	for _, q := range quoted {
		q = strings.TrimSpace(q)
		for _, f := range fields {
			var s string
			if json.Unmarshal(f.Value, &s) == nil && s != "" && strings.EqualFold(s, q) {
				return q, f.Key
			}
		}
		if rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL); err == nil {
			m := genesys.MatchRequest(rl.Method, rl.Path)
			for _, k := range []string{"participantId", "conversationId", "communicationId"} {
				if v := m.Params[k]; v != "" && strings.EqualFold(v, q) {
					return q, "{" + k + "}"
				}
			}
		}
	}
	return "", ""
}

// requestParticipant is the participant the request names: its path's,
// else --participant.
func requestParticipant(ev *diagnose.Evidence) string {
	if rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL); err == nil && ev.Request.Known() {
		if id := genesys.MatchRequest(rl.Method, rl.Path).Params["participantId"]; id != "" && !isPlaceholder(id) {
			return NormalizeID(id).Key()
		}
	}
	return ev.ParticipantID
}

// enumField reports whether the request's body contract lists the values
// of field name (an enum): invalid.value quoting it is about its value,
// not its JSON type.
func enumField(ev *diagnose.Evidence, name string) bool {
	if name == "" || !ev.Request.Known() {
		return false
	}
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		return false
	}
	ep := genesys.MatchRequest(rl.Method, rl.Path).Endpoint
	if ep == nil || ep.Body == nil {
		return false
	}
	f := ep.Body.Field(name)
	return f != nil && len(f.Values) > 0
}
