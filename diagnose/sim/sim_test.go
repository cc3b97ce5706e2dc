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
	do := func(method, path, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer test-token")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	return srv, do, &log
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
		if !strings.Contains(sc.Request.URL, sc.ConversationID()) {
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

func TestSeedContract(t *testing.T) {
	_, do, _ := simFor(t, DefaultScenario, Options{})
	conv := "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10"
	// participantIds is not the contract's field: the initiator (an ended
	// leg) is acted on, so 409 naming the initiator.
	resp, b := do("POST", "/api/v2/conversations/"+conv+"/disconnect", `{"participantIds":["p-12345678-90ab-cdef-1234-567890abcdef"]}`)
	if resp.StatusCode != 409 || !strings.Contains(string(b), "0b6f3c1e-2d4a-4f8b-9c7e-1a5d3e9f2b40") {
		t.Errorf("misnamed target: %d %s", resp.StatusCode, b)
	}
	resp, _ = do("POST", "/api/v2/conversations/"+conv+"/disconnect", ``)
	if resp.StatusCode != 409 {
		t.Errorf("no body: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/api/v2/conversations/"+conv+"/disconnect", `{"participantId":"12345678-90ab-cdef-1234-567890abcdef"}`)
	if resp.StatusCode != 202 {
		t.Errorf("the contract's field: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/api/v2/conversations/"+conv+"/disconnect", `{participantId}`)
	if resp.StatusCode != 400 {
		t.Errorf("bad JSON: %d", resp.StatusCode)
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
