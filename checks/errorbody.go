package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// codeCauses maps each documented error code (genesys.ErrorCodes) to the
// handle of its cause; built once from the catalogue (in init, after the
// chain exists), so a row naming an id the catalogue lacks stops every test
// at start-up.
var codeCauses = map[string]*diagnose.CauseInfo{}

func init() {
	for _, row := range genesys.ErrorCodes {
		if row.Cause == "" {
			continue
		}
		ci, ok := Catalogue.Lookup(row.Cause)
		if !ok {
			panic("checks: error code " + row.Code + " names cause " + row.Cause + ", which is not in the catalogue")
		}
		codeCauses[row.Code] = ci
	}
}

// errorCode is the documented code the response carries, with the cause
// it points to for this request.
type errorCode struct {
	Row   genesys.ErrorCode
	Body  *genesys.ErrorBody
	Cause *diagnose.CauseInfo
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
	ec := &errorCode{Row: row, Body: eb, Cause: codeCauses[row.Code]}
	ec.Quoted, ec.QuotedAt = quotedFromRequest(eb, ev)
	if ec.Quoted == "" && row.Status == 403 {
		ec.Quoted, ec.QuotedAt = quotedPermission(eb, ev)
	}
	if row.Code == "invalid.value" && strings.EqualFold(ec.QuotedAt, "state") {
		ec.Cause = causeBodyStateValue
	}
	return ec
}

// reportErrorBody reports the cause the response's documented error code
// points to, when the running check declares it: likely from the code
// alone, confirmed when the message quotes a value of the request or the
// code proves its cause by itself (not.a.user).
func reportErrorBody(p *diagnose.Pass) {
	ec := responseCode(p.Evidence)
	if ec == nil || ec.Cause == nil || !p.Declares(ec.Cause) {
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
	p.Report(diagnose.Cause{Info: ec.Cause, Likelihood: l, Evidence: refs,
		Explanation: fmt.Sprintf("The server answered %d with the documented code %s (%s: %q). %s", ec.Row.Status, ec.Row.Code, ec.Row.Where, ec.Row.Message, why),
		Fix:         codeFix(ec.Cause)})
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
func codeFix(ci *diagnose.CauseInfo) *diagnose.Fix {
	switch ci {
	case causeParticipantAlreadyEnded:
		return noRequestFix("Nothing to drop: the server says the participant has no active communication; treat the request as done")
	case causeConversationNotFound:
		return noRequestFix("Use the conversation id from the org of the token, in that org's region")
	case causeTokenPermissionMissing, causeTokenDivisionMissing:
		return noRequestFix("Grant a role with one of the permissions the endpoint needs, in the conversation's division")
	case causeTokenNoUserContext, causeTokenNotParty:
		return newFix("Send the generic participant PATCH, which does not need the token's user to be on the call")
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
