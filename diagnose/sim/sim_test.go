package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// simFor serves a built-in scenario and returns a function that sends
// authenticated requests.
func simFor(t *testing.T, scenario string, opts Options) (*httptest.Server, func(method, path, body string) (*http.Response, []byte), *bytes.Buffer) {
	t.Helper()
	sc, err := LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	org, err := sc.Org()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if opts.RequestLog == nil {
		opts.RequestLog = &log
	}
	opts.AccessTokens = append(opts.AccessTokens, "test-token")
	srv := httptest.NewServer(New(org, opts))
	t.Cleanup(srv.Close)
	return srv, sender(t, srv, "test-token"), &log
}

// sender returns a function that sends requests to srv with a bearer
// token.
func sender(t *testing.T, srv *httptest.Server, token string) func(method, path, body string) (*http.Response, []byte) {
	return func(method, path, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
}

const (
	trConv  = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31"
	trAgent = "8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"
	trOld   = "6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76"
)

func TestScenariosLoad(t *testing.T) {
	list := Scenarios()
	if list[0].Name != DefaultScenario {
		t.Errorf("the seed's case must come first, got %s", list[0].Name)
	}
	for _, sc := range list {
		if _, err := sc.Org(); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
		if sc.ConversationID() == "" || sc.Request.Method == "" || sc.Request.URL == "" || sc.Title == "" || sc.Story == "" {
			t.Errorf("%s: incomplete scenario %+v", sc.Name, sc)
		}
		if !strings.Contains(sc.Request.URL, sc.ConversationID()) && !strings.Contains(sc.Request.Body, `"conversationId":"`+sc.ConversationID()+`"`) {
			t.Errorf("%s: the request does not target the scenario's conversation", sc.Name)
		}
	}
	if _, err := LookupScenario("stale-lg"); err == nil || !strings.Contains(err.Error(), `did you mean "stale-leg"`) {
		t.Errorf("did-you-mean: %v", err)
	}
}

func TestPatchSemantics(t *testing.T) {
	_, do, log := simFor(t, "stale-leg", Options{})
	p := "/api/v2/conversations/calls/" + trConv + "/participants/"
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{p + trOld, `{"state":"disconnected"}`, 409},                                  // ended leg
		{p + "a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63", `{"state":"disconnected"}`, 404}, // a user id
		{p + trAgent, `{"state":"disconnect"}`, 400},                                  // bad state
		{p + trAgent, `{"state":"disconnected",}`, 400},                               // bad JSON
		{p + trAgent, `{"reason":"x"}`, 400},                                          // nothing to do
		{"/api/v2/conversations/messages/" + trConv + "/participants/" + trAgent, `{"state":"disconnected"}`, 404},
		{p + trAgent, `{"state":"disconnected"}`, 202},
		{p + trAgent, `{"state":"disconnected"}`, 409}, // now ended
	} {
		resp, body := do("PATCH", tc.path, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("PATCH %s %s: %d, want %d (%s)", tc.path, tc.body, resp.StatusCode, tc.status, body)
		}
		if resp.StatusCode >= 400 {
			var eb genesys.ErrorBody
			if json.Unmarshal(body, &eb) != nil || eb.Status != resp.StatusCode || eb.Message == "" || eb.Code == "" || eb.ContextID == "" {
				t.Errorf("error body not Genesys-shaped: %s", body)
			}
		}
		if resp.Header.Get("ININ-Correlation-Id") == "" || resp.Header.Get("inin-ratelimit-allowed") == "" {
			t.Errorf("missing correlation or rate-limit headers: %v", resp.Header)
		}
	}
	// The state really changed: both views show the drop.
	_, b := do("GET", "/api/v2/conversations/"+trConv, "")
	var c genesys.Conversation
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, pt := range c.Participants {
		if pt.ID == trAgent && (pt.Calls[0].State != "disconnected" || pt.EndTime == "") {
			t.Errorf("agent after the drop: %+v", pt)
		}
	}
	_, b = do("GET", "/api/v2/conversations/calls/"+trConv, "")
	if !strings.Contains(string(b), `"id":"`+trAgent+`"`) || !strings.Contains(string(b), `"state":"disconnected"`) {
		t.Errorf("call view after the drop: %s", b)
	}
	if n := strings.Count(log.String(), "\n"); n != 10 {
		t.Errorf("request log has %d lines, want 10:\n%s", n, log)
	}
	if !strings.Contains(log.String(), `{"method":"PATCH","path":"/api/v2/conversations/calls/`+trConv+`/participants/`+trAgent+`","status":202}`) {
		t.Errorf("request log lacks the 202: %s", log)
	}
}

// TestTeardownIsDocumented: the simulated org does what the documented
// teardown does (DESIGN §4b.8, §6): both of the seed post's recorded
// requests replay the 409 the post quotes; anything else sent to
// POST .../disconnect ends every party's part, whatever the body says,
// so the recipe's "solution" is seen for what it does.
func TestTeardownIsDocumented(t *testing.T) {
	conv := "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10"
	path := "/api/v2/conversations/" + conv + "/disconnect"
	for _, body := range []string{`{"participantIds":["p-12345678-90ab-cdef-1234-567890abcdef"]}`, `{ "participantId": "p-12345678-90ab-cdef-1234-567890abcdef" }`} {
		_, do, _ := simFor(t, DefaultScenario, Options{})
		resp, b := do("POST", path, body)
		if resp.StatusCode != 409 || !strings.Contains(string(b), "is not in a disconnectable state") {
			t.Errorf("recorded request %s: %d %s", body, resp.StatusCode, b)
		}
	}
	for _, body := range []string{`{"participantId":"12345678-90ab-cdef-1234-567890abcdef"}`, ``, `{participantId}`} {
		_, do, _ := simFor(t, DefaultScenario, Options{})
		if resp, b := do("POST", path, body); resp.StatusCode != 202 {
			t.Errorf("teardown with body %q: %d %s", body, resp.StatusCode, b)
		}
		_, b := do("GET", "/api/v2/conversations/"+conv, "")
		var c genesys.Conversation
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Participants {
			for _, cm := range p.Calls {
				if !genesys.Ended(cm.State) {
					t.Errorf("body %q: participant %s is still %s after the teardown", body, p.ID, cm.State)
				}
			}
		}
		if c.EndTime == "" {
			t.Errorf("body %q: the conversation did not end", body)
		}
		if resp, _ := do("POST", path, ""); resp.StatusCode != 409 {
			t.Errorf("a second teardown: %d, want 409", resp.StatusCode)
		}
	}
}

func TestConflictsAndTokens(t *testing.T) {
	for _, tc := range []struct {
		scenario, path string
		status         int
	}{
		{"ringing", "/api/v2/conversations/calls/b8d1f3a5-7c9e-4b2d-9f4a-6e8c0a2d4f17/participants/a3c6e8fa-c1e3-4072-a49f-b3d15f729e6c", 409},
		{"consult", "/api/v2/conversations/calls/2e5a8c1f-4b7d-4e9a-8c2f-5b8d1e4a7c90/participants/8eb04275-a1d3-44f0-a285-b1e374a1d2f6", 409},
		{"acd-leg", "/api/v2/conversations/calls/d1a395c2-f486-41a3-a5d0-a6c2f481b37e/participants/26f8ea17-49db-46f8-8a25-fb1749d608c3", 409},
		{"ended", "/api/v2/conversations/calls/4c7e0a3d-6f9b-4c2e-a5d8-1b4e7a0c3f62/participants/7fa13d60-9c2e-4f51-980b-4e71ad3f6c95", 409},
		{"readonly-token", "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, 403},
		{"messaging-via-calls", "/api/v2/conversations/calls/6a9c2e5b-8d1f-4a3c-b6e9-3f5b8d1a4c07/participants/bfe173a0-d264-4f81-83be-84a0d26f915c", 404},
		{"messaging-via-calls", "/api/v2/conversations/messages/6a9c2e5b-8d1f-4a3c-b6e9-3f5b8d1a4c07/participants/bfe173a0-d264-4f81-83be-84a0d26f915c", 202},
	} {
		_, do, _ := simFor(t, tc.scenario, Options{})
		if resp, b := do("PATCH", tc.path, `{"state":"disconnected"}`); resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.scenario, resp.StatusCode, tc.status, b)
		}
	}
	// A client-credentials token cannot answer (state connected): 400.
	_, do, _ := simFor(t, DefaultScenario, Options{})
	resp, b := do("PATCH", "/api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10/participants/12345678-90ab-cdef-1234-567890abcdef", `{"state":"connected"}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "user context") {
		t.Errorf("answer with client credentials: %d %s", resp.StatusCode, b)
	}
}

func TestTokenEndpointAndAuth(t *testing.T) {
	srv, _, _ := simFor(t, "healthy", Options{ClientID: "good", ClientSecret: "pair"})
	post := func(id, secret, grant string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+"/oauth/token", strings.NewReader("grant_type="+grant))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if code, v := post("good", "pair", "client_credentials"); code != 200 || v["access_token"] == "" || v["token_type"] != "bearer" {
		t.Errorf("good credentials: %d %v", code, v)
	}
	if code, v := post("good", "wrong", "client_credentials"); code != 401 || v["error"] != "invalid_client" {
		t.Errorf("bad secret: %d %v", code, v)
	}
	if code, v := post("good", "pair", "password"); code != 400 || v["error"] != "unsupported_grant_type" {
		t.Errorf("wrong grant: %d %v", code, v)
	}
	resp, err := srv.Client().Get(srv.URL + "/api/v2/tokens/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
}

func TestRateLimitAndFailures(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	_, do, _ := simFor(t, "healthy", Options{RateLimit: 2, Now: func() time.Time { return now }})
	codes := []int{}
	for i := 0; i < 4; i++ {
		resp, _ := do("GET", "/api/v2/tokens/me", "")
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("429 without Retry-After: %v", resp.Header)
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[3] != 429 {
		t.Errorf("codes %v, want two served then 429", codes)
	}
	now = now.Add(time.Second)
	if resp, _ := do("GET", "/api/v2/tokens/me", ""); resp.StatusCode != 200 {
		t.Errorf("next window: %d", resp.StatusCode)
	}

	_, do, _ = simFor(t, "healthy", Options{FailRate: 0.5, Seed: 42})
	fails := 0
	for i := 0; i < 200; i++ {
		if resp, _ := do("GET", "/api/v2/tokens/me", ""); resp.StatusCode == 503 {
			fails++
		}
	}
	if fails < 70 || fails > 130 {
		t.Errorf("%d of 200 failed with fail rate 0.5", fails)
	}
}

func TestFlatViewServedAsGeneric(t *testing.T) {
	sc, _ := LookupScenario("stale-leg")
	org, _ := sc.Org()
	b, _ := org.callJSON(trConv)
	d, err := genesys.DecodeConversation(b, "")
	if err != nil || d.Call == nil {
		t.Fatalf("%v %+v", err, d)
	}
	o2 := NewOrg(nil, d)
	g, ok := o2.conversationJSON(trConv)
	if !ok || !strings.Contains(string(g), `"calls":[{"state":"terminated"`) {
		t.Errorf("generic view from the flat one: %s", g)
	}
}

// TestTokenStoreIsBounded: a client logging in again and again does not grow
// the org's memory without end; expired tokens are refused.
func TestTokenStoreIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	sc, _ := LookupScenario("healthy")
	org, _ := sc.Org()
	s := New(org, Options{Now: func() time.Time { return now }})
	login := func() string {
		req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("id", "secret")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &tok)
		return tok.AccessToken
	}
	first := login()
	for i := 0; i < maxTokens+50; i++ {
		login()
	}
	if n := len(s.issued); n > maxTokens {
		t.Errorf("%d tokens remembered, want at most %d", n, maxTokens)
	}
	last := login()
	now = now.Add(25 * time.Hour)
	req := httptest.NewRequest("GET", "/api/v2/tokens/me", nil)
	req.Header.Set("Authorization", "Bearer "+last)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 401 || first == "" {
		t.Errorf("an expired token answered %d", rec.Code)
	}
}

// participantOf reads one participant from the org's GET.
func participantOf(t *testing.T, do func(method, path, body string) (*http.Response, []byte), conv, pid string) genesys.Participant {
	t.Helper()
	_, b := do("GET", "/api/v2/conversations/"+conv, "")
	var c genesys.Conversation
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Participants {
		if p.ID == pid {
			return p
		}
	}
	t.Fatalf("participant %s not in %s", pid, b)
	return genesys.Participant{}
}

// TestOperations: the org carries out every operation of the participant
// PATCH and its neighbours with the documented preconditions and codes
// (participant-operations §3), and its state changes, so that a printed
// plan can be carried out against it.
func TestOperations(t *testing.T) {
	ringConv, ringAgent := "b8d1f3a5-7c9e-4b2d-9f4a-6e8c0a2d4f17", "a3c6e8fa-c1e3-4072-a49f-b3d15f729e6c"
	conf, confCustomer := "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10", "5e2a8c4f-7d1b-4a6e-b3c9-8f4d2e6a1c57"
	endedConv, endedAgent, endedComm := "4c7e0a3d-6f9b-4c2e-a5d8-1b4e7a0c3f62", "7fa13d60-9c2e-4f51-980b-4e71ad3f6c95", "80b24e71-ad3f-4062-a91c-5f82be407da6"
	tr := "/api/v2/conversations/" + trConv + "/participants/" + trAgent
	for _, tc := range []struct {
		name, scenario, method, path, body string
		status                             int
		code                               string
		after                              func(t *testing.T, p genesys.Participant)
		conv, pid                          string
	}{
		{"hold a connected party", "stale-leg", "PATCH", tr, `{"held":true}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if !p.Calls[0].Held || p.Calls[0].StartHoldTime == "" || genesys.Ended(p.Calls[0].State) {
					t.Errorf("not held: %+v", p.Calls[0])
				}
			}, trConv, trAgent},
		{"hold while alerting", "ringing", "PATCH", "/api/v2/conversations/calls/" + ringConv + "/participants/" + ringAgent, `{"held":true}`, 400, "conversation.error.hold.alerting", nil, "", ""},
		{"mute", "stale-leg", "PATCH", tr, `{"muted":true}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if !p.Calls[0].Muted {
					t.Errorf("not muted: %+v", p.Calls[0])
				}
			}, trConv, trAgent},
		{"record", "stale-leg", "PATCH", tr, `{"recording":true}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if !p.Calls[0].Recording {
					t.Errorf("not recording: %+v", p.Calls[0])
				}
			}, trConv, trAgent},
		{"confine on a two-party call", "stale-leg", "PATCH", tr, `{"confined":true}`, 400, "conversation.error.cannot.confine.party", nil, "", ""},
		{"confine in a conference", "seed-forum-409", "PATCH", "/api/v2/conversations/" + conf + "/participants/" + confCustomer, `{"confined":true}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if !p.Calls[0].Confined {
					t.Errorf("not confined: %+v", p.Calls[0])
				}
			}, conf, confCustomer},
		{"answer an alerting call", "ringing", "PATCH", "/api/v2/conversations/" + ringConv + "/participants/" + ringAgent, `{"state":"connected"}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if p.Calls[0].State != "connected" || p.Calls[0].ConnectedTime == "" {
					t.Errorf("not answered: %+v", p.Calls[0])
				}
			}, ringConv, ringAgent},
		{"answer a connected call", "stale-leg", "PATCH", tr, `{"state":"connected"}`, 400, "callback.error.answer.not.alerting", nil, "", ""},
		{"answer with client credentials", "seed-forum-409", "PATCH", "/api/v2/conversations/" + conf + "/participants/" + confCustomer, `{"state":"connected"}`, 400, "not.a.user", nil, "", ""},
		{"the whole object, one change impossible", "stale-leg", "PATCH", tr, `{"state":"connected","held":false,"muted":false}`, 400, "conversation.participant.update.invalid", nil, "", ""},
		{"a wrap-up without a code", "ended", "PATCH", "/api/v2/conversations/" + endedConv + "/participants/" + endedAgent, `{"wrapup":{"notes":"x"}}`, 400, "conversation.error.wrapup.code.required", nil, "", ""},
		{"a wrap-up after the call", "ended", "PATCH", "/api/v2/conversations/" + endedConv + "/participants/" + endedAgent, `{"wrapup":{"code":"c1"}}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if p.Wrapup == nil || p.Wrapup.Code != "c1" || p.WrapupRequired {
					t.Errorf("wrap-up not recorded: %+v", p)
				}
			}, endedConv, endedAgent},
		{"the wrap-up POST without a code", "ended", "POST", "/api/v2/conversations/calls/" + endedConv + "/participants/" + endedAgent + "/communications/" + endedComm + "/wrapup", `{}`, 400, "missing.wrapup.code", nil, "", ""},
		{"the wrap-up POST, provisional", "ended", "POST", "/api/v2/conversations/calls/" + endedConv + "/participants/" + endedAgent + "/communications/" + endedComm + "/wrapup", `{"provisional":true}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if p.Wrapup == nil || !p.Wrapup.Provisional || !p.WrapupRequired {
					t.Errorf("a provisional wrap-up completes nothing: %+v", p)
				}
			}, endedConv, endedAgent},
		{"the wrap-up POST, another communication", "ended", "POST", "/api/v2/conversations/calls/" + endedConv + "/participants/" + endedAgent + "/communications/x/wrapup", `{"code":"c1"}`, 404, "conversation.error.communication.not.found", nil, "", ""},
		{"string attributes", "stale-leg", "PATCH", tr + "/attributes", `{"attributes":{"a":"1"}}`, 202, "",
			func(t *testing.T, p genesys.Participant) {
				if p.Attributes["a"] != "1" {
					t.Errorf("attributes %v", p.Attributes)
				}
			}, trConv, trAgent},
		{"a number attribute", "stale-leg", "PATCH", tr + "/attributes", `{"attributes":{"a":1}}`, 400, "bad.request", nil, "", ""},
		{"a null attribute", "stale-leg", "PATCH", tr + "/attributes", `{"attributes":{"a":null}}`, 400, "conversation.error.participant.attribute.null", nil, "", ""},
		{"pause the recording", "stale-leg", "PATCH", "/api/v2/conversations/" + trConv + "/recordingstate", `{"recordingState":"PAUSED"}`, 202, "", nil, "", ""},
		{"pause with client credentials", "seed-forum-409", "PATCH", "/api/v2/conversations/" + conf + "/recordingstate", `{"recordingState":"PAUSED"}`, 400, "not.a.user", nil, "", ""},
		{"pause with client credentials, the media PUT", "seed-forum-409", "PUT", "/api/v2/conversations/calls/" + conf + "/recordingstate", `{"recordingState":"PAUSED"}`, 202, "", nil, "", ""},
		{"pause an ended conversation", "ended", "PUT", "/api/v2/conversations/calls/" + endedConv + "/recordingstate", `{"recordingState":"PAUSED"}`, 400, "conversation.error.conversation.disconnected", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, do, _ := simFor(t, tc.scenario, Options{})
			resp, b := do(tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s %s: %d, want %d (%s)", tc.method, tc.path, tc.body, resp.StatusCode, tc.status, b)
			}
			if tc.code != "" {
				var eb genesys.ErrorBody
				if json.Unmarshal(b, &eb) != nil || eb.Code != tc.code {
					t.Errorf("code %q, want %s (%s)", eb.Code, tc.code, b)
				}
			}
			if tc.after != nil {
				tc.after(t, participantOf(t, do, tc.conv, tc.pid))
			}
		})
	}
}

// TestTransfersAndConsults: a blind transfer ends the transferring party
// and adds the destination alerting; a consult adds the consulted party,
// linked; speakTo changes who is held; cancelling ends the consulted
// party; each refused with the documented code where §3 says so.
func TestTransfersAndConsults(t *testing.T) {
	queue := "8f2e6b4a-1c9d-4e7f-a3b5-2d8c6f1e9a47" // Support queue, in transfer-retry.json
	base := "/api/v2/conversations/" + trConv + "/participants/" + trAgent
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"to a queue that exists", "POST", base + "/replace/queue", `{"queueId":"` + queue + `"}`, 202, ""},
		{"to a queue that does not", "POST", base + "/replace/queue", `{"queueId":"00000000-0000-4000-8000-000000000000"}`, 400, "conversations.error.queue.not.found"},
		{"the deprecated replace", "POST", base + "/replace", `{"queueId":"` + queue + `"}`, 202, ""},
		{"the media replace", "POST", "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent + "/replace", `{"queueId":"` + queue + `"}`, 202, ""},
		{"to an address", "POST", base + "/transfer", `{"address":"+13175550199"}`, 202, ""},
		{"no destination", "POST", base + "/transfer", `{}`, 400, "conversations.error.transfer.destination.required"},
		{"an ended leg", "POST", "/api/v2/conversations/" + trConv + "/participants/" + trOld + "/replace/queue", `{"queueId":"` + queue + `"}`, 400, "conversations.error.transfer.not.connected"},
		{"to the user on the call", "POST", base + "/replace/agent", `{"userId":"a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63"}`, 400, "conversations.error.transfer.same.party"},
		{"voicemail for an ACD call", "POST", base + "/replace/agent", `{"voicemail":true}`, 400, "conversations.error.transfer.usercall.voicemail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, do, _ := simFor(t, "stale-leg", Options{})
			resp, b := do(tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d, want %d (%s)", resp.StatusCode, tc.status, b)
			}
			if tc.code != "" {
				var eb genesys.ErrorBody
				if json.Unmarshal(b, &eb) != nil || eb.Code != tc.code {
					t.Errorf("code %q, want %s", eb.Code, tc.code)
				}
				return
			}
			_, cb := do("GET", "/api/v2/conversations/"+trConv, "")
			var c genesys.Conversation
			_ = json.Unmarshal(cb, &c)
			last := c.Participants[len(c.Participants)-1]
			if p := participantOf(t, do, trConv, trAgent); p.EndTime == "" || last.Calls[0].State != "alerting" || c.EndTime != "" {
				t.Errorf("after the transfer: agent end %q, destination %+v, conversation end %q", p.EndTime, last, c.EndTime)
			}
		})
	}

	// The consult: start it, steer it, cancel it.
	conv, customer, agent := "2e5a8c1f-4b7d-4e9a-8c2f-5b8d1e4a7c90", "4a7c0e31-6d9f-40bc-ae41-7daf306c9eb2", "6c9e2053-8fb1-42de-8063-9fc1528eb0d4"
	_, do, _ := simFor(t, "consult", Options{})
	consultPath := "/api/v2/conversations/calls/" + conv + "/participants/" + customer
	if resp, b := do("PATCH", consultPath+"/consult", `{"speakTo":"CONFERENCE"}`); resp.StatusCode != 200 {
		t.Fatalf("speakTo on the consult under way: %d %s", resp.StatusCode, b)
	}
	if resp, b := do("PATCH", consultPath+"/consult", `{"speakTo":"OBJECT"}`); resp.StatusCode != 404 || !strings.Contains(string(b), "pending.not.found") {
		t.Errorf("speakTo after the consult ended: %d %s", resp.StatusCode, b)
	}
	// A consult on a conference (three parties live) is refused.
	if resp, b := do("POST", consultPath+"/consult/queue", `{"speakTo":"DESTINATION","queueId":"q"}`); resp.StatusCode != 400 || !strings.Contains(string(b), "cannot.transfer.conference") {
		t.Errorf("a consult on a conference: %d %s", resp.StatusCode, b)
	}
	_, do, _ = simFor(t, "stale-leg", Options{})
	start := "/api/v2/conversations/calls/" + trConv + "/participants/1c7e4a2b-9d3f-4e5a-8c1b-6f2d9e4a7b10"
	resp, b := do("POST", start+"/consult/queue", `{"speakTo":"DESTINATION","queueId":"`+queue+`"}`)
	var cr struct {
		Dest string `json:"destinationParticipantId"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &cr) != nil || cr.Dest == "" {
		t.Fatalf("start a consult: %d %s", resp.StatusCode, b)
	}
	if p := participantOf(t, do, trConv, "1c7e4a2b-9d3f-4e5a-8c1b-6f2d9e4a7b10"); !p.Calls[0].Held {
		t.Errorf("speakTo DESTINATION leaves the customer waiting: %+v", p.Calls[0])
	}
	if resp, _ := do("PATCH", start+"/consult", `{"speakTo":"OBJECT"}`); resp.StatusCode != 200 {
		t.Errorf("speakTo OBJECT: %d", resp.StatusCode)
	}
	if p := participantOf(t, do, trConv, cr.Dest); !p.Calls[0].Held {
		t.Errorf("speakTo OBJECT leaves the consulted party waiting: %+v", p.Calls[0])
	}
	if resp, _ := do("DELETE", start+"/consult", ""); resp.StatusCode/100 != 2 {
		t.Errorf("cancel: %d", resp.StatusCode)
	}
	if p := participantOf(t, do, trConv, cr.Dest); p.EndTime == "" {
		t.Errorf("the cancelled consult's party is still there: %+v", p)
	}
	_ = agent
}

// TestDeleteConversation: DELETE /api/v2/conversations/{id} is the
// teardown for a user token; its definition lists not.a.user, so a
// client-credentials token is refused and nothing ends.
func TestDeleteConversation(t *testing.T) {
	_, do, _ := simFor(t, DefaultScenario, Options{}) // a client-credentials token
	conv := "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10"
	if resp, b := do("DELETE", "/api/v2/conversations/"+conv, ""); resp.StatusCode != 400 || !strings.Contains(string(b), "not.a.user") {
		t.Errorf("client credentials: %d %s", resp.StatusCode, b)
	}
	_, do, _ = simFor(t, "hold", Options{}) // a user token
	if resp, b := do("DELETE", "/api/v2/conversations/"+trConv, ""); resp.StatusCode != 204 {
		t.Fatalf("user token: %d %s", resp.StatusCode, b)
	}
	_, b := do("GET", "/api/v2/conversations/"+trConv, "")
	var c genesys.Conversation
	if err := json.Unmarshal(b, &c); err != nil || c.EndTime == "" {
		t.Errorf("the conversation did not end: %v %s", err, b)
	}
}
