// Package wrapup holds the operations that record what happened on a
// participant's part: the wrap-up (the participant PATCH's wrapup, or POST
// .../communications/{commId}/wrapup), meant for after the call, and the
// participant's attributes (PATCH .../attributes, string values), each with
// its own check of the body and how its fix is built.
package wrapup

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Wrapup gives a participant its wrap-up.
var Wrapup = &diagnose.Operation{
	ID:         diagnose.OpWrapup,
	Title:      "give a participant its wrap-up",
	Words:      diagnose.WordsOf(diagnose.OpWrapup),
	Doc:        "PATCH .../participants/{participantId} with {\"wrapup\": {\"code\": ...}} (the user's participant), or POST .../{media}/{conversationId}/participants/{participantId}/communications/{communicationId}/wrapup with a WrapupInput; \"provisional\": true saves without a code, without completing it. Meant for after the call: an ended conversation is no cause.",
	Endpoints:  []string{"patchConversationParticipant", "postConversationsCallParticipantCommunicationWrapup"},
	Needs:      diagnose.NeedParticipant,
	AfterEnd:   true,
	Permission: "conversation:participant:wrapup",
	Checks:     []*diagnose.Check{Code},
	Build:      buildWrapup,
}

// Code is the wrap-up's own check: does the wrap-up sent carry a code (or
// say it is provisional, or skip it)?
var Code = &diagnose.Check{
	ID:       "wrapup-code",
	Title:    "Wrap-up code",
	Doc:      "A wrap-up completes only with a wrap-up code (missing.wrapup.code, conversation.error.wrapup.code.required); provisional saves one without; wrapupSkipped skips it where allowed.",
	Requires: []*diagnose.Check{checks.RequestLine, checks.BodyShape},
	Causes:   []*diagnose.CauseInfo{checks.CauseBodyWrapupRequired},
	Run:      runCode,
}

// provisionalNote offers the documented way to save a wrap-up without a
// code.
const provisionalNote = `"provisional": true saves the wrap-up without a code; it does not complete it (the participant still owes the wrap-up)`

func runCode(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	ev := p.Evidence
	if !ev.Request.Known() || ev.Request.BodyUnknown {
		p.Skip("no request body to read the wrap-up from")
		return nil, nil
	}
	w, where, ok := sentWrapup(ev.Request.Body)
	switch {
	case !ok:
		p.Skip("the request sends no wrap-up")
		return nil, nil
	case where == "wrapupSkipped":
		p.Summary("the wrap-up is skipped (wrapupSkipped)")
		return nil, nil
	}
	code, provisional := readWrapup(w)
	ref := p.Saw("request body", where, clip(string(w), 120))
	switch {
	case code != "":
		p.RuleOut(checks.CauseBodyWrapupRequired, "the wrap-up has a code (%s)", code)
		p.Summary("the wrap-up has code %s", code)
	case provisional:
		p.RuleOut(checks.CauseBodyWrapupRequired, "the wrap-up is provisional: it needs no code")
		p.Summary("a provisional wrap-up, without a code")
	default:
		p.Report(diagnose.Cause{Info: checks.CauseBodyWrapupRequired, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("The wrap-up sent (%s) has no code and is not provisional: the definitions say a code is required for a wrap-up that is not provisional (missing.wrapup.code \"Wrapup code is required for non-provisional wrapup\"; conversation.error.wrapup.code.required on the participant PATCH).", strings.Trim(where, "()")),
			Fix:         checks.NewFix("Send the wrap-up with the id of a wrap-up code of the participant's queue", provisionalNote)})
		p.Summary("the wrap-up has no code")
	}
	return nil, nil
}

// sentWrapup finds the wrap-up a body sends: the participant PATCH's
// wrapup (or wrapupSkipped), a wrap-up inside attributes, or the body
// itself (the wrap-up POST).
func sentWrapup(body []byte) (w json.RawMessage, where string, ok bool) {
	members := genesys.TopMembers(body)
	for _, m := range members {
		switch m.Key {
		case "wrapup":
			return m.Value, "wrapup", true
		case "wrapupSkipped":
			return m.Value, "wrapupSkipped", true
		case "attributes":
			for _, a := range genesys.TopMembers(m.Value) {
				if k := strings.ToLower(a.Key); k == "wrapup" || k == "wrapupcode" || k == "wrapupcodeid" {
					if checks.JSONKind(a.Value) == "object" {
						return a.Value, "attributes." + a.Key, true
					}
					return json.RawMessage(`{"code":` + string(a.Value) + `}`), "attributes." + a.Key, true
				}
			}
		}
	}
	if len(strings.TrimSpace(string(body))) == 0 || checks.JSONKind(body) == "object" && (len(members) == 0 || hasWrapupInput(members)) {
		if len(strings.TrimSpace(string(body))) == 0 {
			return json.RawMessage(`{}`), "(the body)", true
		}
		return body, "(the body)", true
	}
	return nil, "", false
}

func hasWrapupInput(members []genesys.RawMember) bool {
	for _, m := range members {
		if genesys.WrapupInput.Field(m.Key) != nil {
			return true
		}
	}
	return false
}

// readWrapup reads a wrap-up's code and provisional flag.
func readWrapup(w json.RawMessage) (code string, provisional bool) {
	var v struct {
		Code        any  `json:"code"`
		Provisional bool `json:"provisional"`
	}
	_ = json.Unmarshal(w, &v)
	if s, ok := v.Code.(string); ok {
		code = strings.TrimSpace(s)
	}
	return code, v.Provisional
}

// buildWrapup keeps the endpoint sent when it gives wrap-ups (the POST, or
// the participant PATCH); otherwise (a wrap-up written into attributes) it
// is the participant PATCH with the wrap-up. A missing code becomes
// $WRAPUP_CODE_ID.
func buildWrapup(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	var notes []string
	w, where, _ := sentWrapup(ctx.Evidence.Request.Body)
	if where == "wrapupSkipped" && !checks.Declared(ctx, checks.CauseBodyWrapupRequired) {
		return checks.PatchRequest(ctx, json.RawMessage(`{"wrapupSkipped":true}`)), nil
	}
	if w == nil || where == "wrapupSkipped" {
		w = json.RawMessage(`{}`)
	}
	code, provisional := readWrapup(w)
	if ctx.Sent != nil && ctx.Sent.Op == diagnose.OpWrapup && ctx.Sent.Method == "POST" {
		req := postRequest(ctx)
		req.Body = withCode(w, code, provisional, req)
		if code == "" && !provisional {
			notes = append(notes, provisionalNote)
		}
		return req, notes
	}
	req := checks.PatchRequest(ctx, nil)
	req.Body = checks.Object([]diagnose.Member{{Key: "wrapup", Value: withCode(w, code, provisional, req)}})
	if code == "" && !provisional {
		notes = append(notes, provisionalNote)
	}
	return req, notes
}

// postRequest is the wrap-up POST to the communication sent (its media
// path, with the target's communication).
func postRequest(ctx *diagnose.FixContext) *diagnose.FixRequest {
	var vars []diagnose.Var
	segment := ctx.Sent.Segment()
	c := *ctx
	c.Segment = segment
	path := checks.ParticipantPath(&c, &vars) + "/communications/" + checks.CommunicationID(ctx, &vars) + "/wrapup"
	return &diagnose.FixRequest{Method: "POST", BaseURL: ctx.BaseURL, Path: path, Vars: vars}
}

// withCode is the wrap-up with a code: the one sent, else $WRAPUP_CODE_ID
// (a provisional wrap-up stays as sent).
func withCode(w json.RawMessage, code string, provisional bool, req *diagnose.FixRequest) json.RawMessage {
	members := genesys.TopMembers(w)
	var out []diagnose.Member
	for _, m := range members {
		if genesys.WrapupInput.Field(m.Key) == nil {
			continue
		}
		if m.Key == "code" && code == "" {
			continue
		}
		out = append(out, diagnose.Member{Key: m.Key, Value: m.Value})
	}
	if code == "" && !provisional {
		path := req.Path
		if i := strings.Index(path, "/communications/"); i >= 0 {
			path = path[:i]
		}
		v := checks.VarWrapupCode(path)
		req.Vars = append(req.Vars, v)
		out = append([]diagnose.Member{{Key: "code", Value: json.RawMessage(`"$` + v.Name + `"`)}}, out...)
	}
	return checks.Object(out)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
