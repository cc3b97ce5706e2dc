package ops

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The evidence discipline of DESIGN §4b, rule by rule.

// confident lists the causes above "possible", by id.
func confident(rep *diagnose.Report) map[string]diagnose.Likelihood {
	out := map[string]diagnose.Likelihood{}
	for _, c := range rep.Causes {
		if c.Likelihood >= diagnose.Likely {
			out[c.ID] = c.Likelihood
		}
	}
	return out
}

func checkStatus(rep *diagnose.Report, id string) diagnose.Status {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// TestUnknownRequestIsNotJudged: without a request line no endpoint or body
// cause is claimed at any likelihood above possible, and request-line and
// body-shape skip saying what would let them run; the target, the GET and
// the status are still judged.
func TestUnknownRequestIsNotJudged(t *testing.T) {
	for _, tc := range []struct {
		name string
		pid  string
		body []byte
		want string // a cause that must still be found ("" none)
	}{
		{"live agent, 409", trAgent, nil, ""},
		{"stale leg, 409", trOldLeg, nil, "participant.stale-leg"},
		{"user id, 409, a body too", trUser, []byte(`{"participantIds":["x"]}`), "participant.id-is-user-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ev(t, diagnose.ModeOffline, "X /", tc.body, 409, "conversations/transfer-retry.json")
			e.Request.Method, e.Request.URL = "", ""
			e.ParticipantID = tc.pid
			rep := Diagnose(e, diagnose.Options{})
			for id, l := range confident(rep) {
				if strings.HasPrefix(id, "endpoint.") || strings.HasPrefix(id, "body.") {
					t.Errorf("%s %s claimed about a request that was not given", l, id)
				}
			}
			for _, c := range []string{"request-line", "body-shape"} {
				if checkStatus(rep, c) != diagnose.StatusSkip {
					t.Errorf("%s is %s, want skip", c, checkStatus(rep, c))
				}
			}
			if !strings.Contains(rep.Checks[0].Summary, "--request") {
				t.Errorf("request-line does not say what would let it run: %q", rep.Checks[0].Summary)
			}
			if tc.want != "" && confident(rep)[tc.want] == 0 {
				t.Errorf("%s not found from the target and the GET: %+v", tc.want, rep.Causes)
			}
		})
	}
}

// TestOwnLoginFailureIsNotTheCustomers: convdiag's own token failure makes
// the diagnosis incomplete and never yields token.invalid; the customer's
// own 401 does.
func TestOwnLoginFailureIsNotTheCustomers(t *testing.T) {
	e := ev(t, diagnose.ModeLive, patchTR(trAgent), dropBody, 409)
	e.Auth = &diagnose.Auth{Method: "client-credentials", TokenURL: "https://login.mypurecloud.com/oauth/token", Status: 401, Error: "token request refused (HTTP 401): invalid_client"}
	e.Incomplete = []string{"convdiag's token request was refused"}
	e.TokenFetch = &diagnose.Fetch{Source: "GET /api/v2/tokens/me", Status: 401}
	rep := Diagnose(e, diagnose.Options{})
	if causeOf(rep, "token.invalid") != nil {
		t.Errorf("token.invalid from convdiag's own login: %+v", causeOf(rep, "token.invalid"))
	}
	if rep.ExitCode() != diagnose.ExitIncomplete {
		t.Errorf("exit %d, want 3", rep.ExitCode())
	}
	e = ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 401)
	if c := causeOf(Diagnose(e, diagnose.Options{}), "token.invalid"); c == nil || c.Likelihood != diagnose.Confirmed {
		t.Errorf("the customer's 401: %+v", c)
	}
}

func withError(e *diagnose.Evidence, status int, code, msg string) *diagnose.Evidence {
	b, _ := json.Marshal(genesys.ErrorBody{Status: status, Code: code, Message: msg, ContextID: "ctx"})
	e.Response = &diagnose.Response{Status: status, Body: b}
	return e
}

// TestErrorBodyIsEvidence: the documented codes name causes; a message that
// quotes a value of the request confirms; request.conflict alone is a
// symptom.
func TestErrorBodyIsEvidence(t *testing.T) {
	notUser := withError(ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 0, "conversations/transfer-retry.json", "tokens/client-credentials.json"),
		400, "not.a.user", "This request requires a user context. Client credentials cannot be used for requests to this resource.")
	rep := Diagnose(notUser, diagnose.Options{})
	c := causeOf(rep, "token.no-user-context")
	if c == nil || c.Likelihood != diagnose.Confirmed || rep.Causes[0].ID != "token.no-user-context" {
		t.Fatalf("not.a.user: %+v", rep.Causes)
	}
	if want := "/api/v2/conversations/" + trConv + "/participants/" + trAgent; planRequest(rep, c.ID) == nil || planRequest(rep, c.ID).Path != want || planRequest(rep, c.ID).Method != "PATCH" {
		t.Errorf("not.a.user fix %+v, want the generic PATCH %s", planRequest(rep, c.ID), want)
	}

	quoted := withError(ev(t, diagnose.ModeOffline, patchTR(trAgent), []byte(`{"state":"DISCONNECTED"}`), 0, "conversations/transfer-retry.json"),
		400, "invalid.value", "Value [DISCONNECTED] is not valid for field type MediaParticipantRequest.state")
	if c := causeOf(Diagnose(quoted, diagnose.Options{}), "body.state-value"); c == nil || c.Likelihood != diagnose.Confirmed {
		t.Errorf("invalid.value quoting the state sent: %+v", c)
	}

	conflict := withError(ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 0, "conversations/transfer-retry.json"), 409, "request.conflict", "The request conflicts with the current state of the target resource.")
	rep = Diagnose(conflict, diagnose.Options{})
	if len(confident(rep)) != 0 || rep.ExitCode() != 0 {
		t.Errorf("request.conflict alone must not be a cause: %+v", rep.Causes)
	}

	noActive := withError(ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 0, "conversations/transfer-retry.json"), 400, "conversation.error.participant.no.active.conversations", "Participant has no active conversations")
	if c := causeOf(Diagnose(noActive, diagnose.Options{}), "participant.already-ended"); c == nil || c.Likelihood != diagnose.Likely {
		t.Errorf("a documented code without a quoted value is likely: %+v", c)
	}
}

// TestEveryDocumentedCodeMapsToAHandle: each row of the table that names a
// cause names a handle of the catalogue.
func TestEveryDocumentedCodeMapsToAHandle(t *testing.T) {
	for _, row := range genesys.ErrorCodes {
		if row.Cause == "" {
			continue
		}
		if _, ok := Catalogue.Lookup(row.Cause); !ok {
			t.Errorf("%s -> %s: not a catalogue handle", row.Code, row.Cause)
		}
	}
}

// TestGatewayAnswered: a 409 from a non-Genesys host without the marks of
// Genesys was the gateway's own answer (likely); with the marks, Genesys
// answered (possible).
func TestGatewayAnswered(t *testing.T) {
	line := "PATCH https://gw.example.net/api/v2/conversations/" + trConv + "/participants/" + trAgent
	bare := ev(t, diagnose.ModeOffline, line, dropBody, 0, "conversations/transfer-retry.json")
	bare.Response = &diagnose.Response{Status: 409, Body: []byte(`{"message":"Conflict","errors":[]}`), HeadersKnown: true, Headers: []diagnose.Header{{Name: "Server", Value: "nginx"}}}
	c := causeOf(Diagnose(bare, diagnose.Options{}), "endpoint.non-genesys-host")
	if c == nil || c.Likelihood != diagnose.Likely || !strings.Contains(c.Explanation, "Genesys most likely never saw") {
		t.Fatalf("gateway 409: %+v", c)
	}
	marked := ev(t, diagnose.ModeOffline, line, dropBody, 0, "conversations/transfer-retry.json")
	marked.Response = &diagnose.Response{Status: 409, Body: []byte(`{"message":"Conflict","errors":[]}`), HeadersKnown: true, CorrelationID: "abc"}
	c = causeOf(Diagnose(marked, diagnose.Options{}), "endpoint.non-genesys-host")
	if c == nil || c.Likelihood != diagnose.Possible || !strings.Contains(c.Explanation, "Genesys answered") {
		t.Fatalf("Genesys 409 through a gateway: %+v", c)
	}
}

// TestTokenAndHostFromEverySignal: scopes without a grant type make a user
// token; an explicit region against another region's host is the wrong
// region, first; a Basic Authorization is not a Bearer token.
func TestTokenAndHostFromEverySignal(t *testing.T) {
	e := ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 403, "conversations/transfer-retry.json")
	e.TokenInfo = &genesys.TokenInfo{AuthorizedScope: []string{"conversations:readonly"}}
	if c := causeOf(Diagnose(e, diagnose.Options{}), "token.scope-missing"); c == nil || c.Likelihood != diagnose.Confirmed {
		t.Errorf("authorizedScope without a grant type: %+v", c)
	}

	e = ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 401)
	e.Region, e.RegionFrom = "mypurecloud.de", "--region"
	rep := Diagnose(e, diagnose.Options{})
	if len(rep.Causes) == 0 || rep.Causes[0].ID != "endpoint.wrong-region" {
		t.Fatalf("wrong region not first: %+v", rep.Causes)
	}
	if r := planRequest(rep, rep.Causes[0].ID); r == nil || r.BaseURL != "https://api.mypurecloud.de" {
		t.Errorf("wrong-region fix %+v, want the host api.mypurecloud.de", r)
	}
	if !contains(rep.Causes[0].Symptoms, "token.invalid") {
		t.Errorf("token.invalid should fold into the wrong region: %+v", rep.Causes)
	}

	e = ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 401)
	e.Request.AuthScheme = "Basic"
	rep = Diagnose(e, diagnose.Options{})
	if c := causeOf(rep, "token.not-bearer"); c == nil || c.Likelihood != diagnose.Confirmed || rep.Causes[0].ID != "token.not-bearer" {
		t.Errorf("Basic credentials: %+v", rep.Causes)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestEveryDocumentedOperationIsKnown: a dry run of every operation of the
// official SDK's Conversations API is never endpoint.unknown; the forum's
// per-participant disconnect still is.
func TestEveryDocumentedOperationIsKnown(t *testing.T) {
	ph := regexp.MustCompile(`\{[A-Za-z]+\}`)
	n := 0
	for _, ep := range genesys.Endpoints() {
		if !ep.Exists {
			continue
		}
		n++
		path := ph.ReplaceAllString(ep.Path, "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f")
		e := &diagnose.Evidence{Mode: diagnose.ModeDryRun, Operation: diagnose.OpDisconnect,
			Request: diagnose.Request{Method: ep.Method, URL: "https://api.mypurecloud.com" + path, Body: []byte(`{}`), HasBody: true}}
		rep := Diagnose(e, diagnose.Options{})
		if c := causeOf(rep, "endpoint.unknown"); c != nil {
			t.Errorf("%s %s (%s) called unknown: %s", ep.Method, ep.Path, ep.ID, c.Explanation)
		}
		drops := ep.Op == genesys.OpTeardown || ep.Body != nil && len(ep.Body.FieldsFor(genesys.OpDisconnect)) > 0
		if wrong := causeOf(rep, "endpoint.wrong-operation") != nil; wrong == drops {
			t.Errorf("%s %s (%s): called the wrong operation for a drop: %v", ep.Method, ep.Path, ep.ID, wrong)
		}
	}
	if n < genesys.SDKConversationsOperations {
		t.Errorf("only %d documented operations, want the SDK's %d at least", n, genesys.SDKConversationsOperations)
	}
	e := &diagnose.Evidence{Mode: diagnose.ModeDryRun, Request: diagnose.Request{Method: "POST", URL: "/api/v2/conversations/c/participants/p/disconnect"}}
	if c := causeOf(Diagnose(e, diagnose.Options{}), "endpoint.unknown"); c == nil || c.Likelihood != diagnose.Confirmed {
		t.Errorf("the forum's participant disconnect: %+v", c)
	}
}

// TestFixKeepsWhatTheUserMeant: a renamed field keeps its value in the
// corrected body, removed fields stay removed, state is "disconnected".
func TestFixKeepsWhatTheUserMeant(t *testing.T) {
	line := "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent
	for _, tc := range []struct {
		op         diagnose.OpID
		body, want string
	}{
		{"", `{"state":"disconnected","wrapup_skipped":true}`, `{"state":"disconnected","wrapupSkipped":true}`},
		{"", `{"state":"disconnected","reason":"done"}`, `{"state":"disconnected"}`},
		// Fields that act beyond the drop (held) are body.several-actions:
		// the fix keeps only the drop and its wrap-up.
		{diagnose.OpDisconnect, `{"state":"Disconnect","reason":"done","held":false}`, `{"state":"disconnected"}`},
		{diagnose.OpDisconnect, `{"participantId":"x","wrapup":{"code":"c1"},"muted":"yes"}`, `{"state":"disconnected","wrapup":{"code":"c1"}}`},
		// Holding keeps the hold: never a drop.
		{diagnose.OpHold, `{"state":"disconnected"}`, `{"held":true}`},
		{diagnose.OpMute, `{"muted":true,"reason":"x"}`, `{"muted":true}`},
		{diagnose.OpWrapup, `{"state":"disconnected","held":false,"muted":false,"wrapup":{"code":"c1","notes":"n"}}`, `{"wrapup":{"code":"c1","notes":"n"}}`},
	} {
		e := ev(t, diagnose.ModeDryRun, line, []byte(tc.body), 0)
		e.Operation = tc.op
		rep := Diagnose(e, diagnose.Options{})
		c := rep.Conclusion.Corrected
		if c == nil || string(c.Body) != tc.want {
			t.Errorf("%s %s: corrected %+v, want body %s", tc.op, tc.body, c, tc.want)
		}
	}
	// A correct hold is judged as a hold, and nothing is found: nothing to
	// correct.
	rep := Diagnose(ev(t, diagnose.ModeDryRun, line, []byte(`{"held":true}`), 0), diagnose.Options{})
	if rep.Operation.ID != diagnose.OpHold || len(confident(rep)) > 0 || rep.Conclusion.Corrected != nil {
		t.Errorf("a correct hold: operation %q, causes %+v, corrected %+v", rep.Operation.ID, rep.Causes, rep.Conclusion.Corrected)
	}
	// Fields that act several ways, and nothing says which was meant: no
	// guess, the causes name each action.
	rep = Diagnose(ev(t, diagnose.ModeDryRun, line, []byte(`{"state":"Disconnect","reason":"done","held":false}`), 0), diagnose.Options{})
	if rep.Conclusion.Corrected != nil || rep.Operation.Known() || causeOf(rep, "body.several-actions") == nil {
		t.Errorf("several actions without --operation: operation %q, corrected %+v, causes %+v", rep.Operation.ID, rep.Conclusion.Corrected, rep.Causes)
	}
}

// planRequest is the request of a cause's fix plan.
func planRequest(rep *diagnose.Report, id string) *diagnose.FixRequest {
	for i, c := range rep.Causes {
		if c.ID == id && i < len(rep.Conclusion.Plans) {
			return rep.Conclusion.Plans[i].Request()
		}
	}
	return nil
}

// TestSmallHostileBodies: a number too large for a float64 is valid JSON;
// duplicate keys are judged by their last value, as the server reads them;
// an id encoded twice on the wire is named as such.
func TestSmallHostileBodies(t *testing.T) {
	line := "PATCH https://api.mypurecloud.com/api/v2/conversations/" + trConv + "/participants/" + trAgent
	rep := Diagnose(ev(t, diagnose.ModeDryRun, line, []byte(`{"state":"disconnected","held":1e999}`), 0), diagnose.Options{})
	if c := causeOf(rep, "body.malformed-json"); c != nil {
		t.Errorf("1e999 called malformed: %s", c.Explanation)
	}
	rep = Diagnose(ev(t, diagnose.ModeDryRun, line, []byte(`{"state":"disconnected","state":"terminated"}`), 0), diagnose.Options{})
	if c := causeOf(rep, "body.state-value"); c == nil || !strings.Contains(c.Explanation, "terminated") {
		t.Errorf("duplicate state judged by its first value: %+v", rep.Causes)
	}
	rep = Diagnose(ev(t, diagnose.ModeDryRun, line, []byte(`{"state":"terminated","state":"disconnected"}`), 0), diagnose.Options{})
	if c := causeOf(rep, "body.state-value"); c != nil {
		t.Errorf("the last state is the one the server reads: %+v", c)
	}
	f := checks.NormalizeID("12345678-90ab-cdef-1234-567890abcdef%252F")
	if f.Canonical != "" || !strings.Contains(strings.Join(f.Problems, " "), "encoded twice") {
		t.Errorf("double encoding: %+v", f)
	}
	if f := checks.NormalizeID("%7B12345678-90ab-cdef-1234-567890abcdef%7D"); f.Canonical != "12345678-90ab-cdef-1234-567890abcdef" {
		t.Errorf("an encoded, braced id: %+v", f)
	}
}
