package apply

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestSenderSendsOnlyThePlan: the changes' transport lets through each
// approved request once, and nothing else, before it reaches the network.
func TestSenderSendsOnlyThePlan(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	reads, err := genesys.NewClient(genesys.ClientConfig{APIBase: srv.URL, AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	patch := Prepared1{Step: Step{Kind: KindRequest}, Method: "PATCH", Path: "/api/v2/conversations/c/participants/p", Body: []byte(`{"state":"disconnected"}`)}
	grant := Prepared1{Step: Step{Kind: KindGrant}, Method: "POST", Path: "/api/v2/authorization/subjects/s/divisions/d/roles/r?subjectType=PC_USER"}
	s, err := newSender(withDefaults(Config{Reads: reads, APIBase: srv.URL}), []Prepared1{grant, patch})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.do(ctx, grant); err != nil {
		t.Fatal(err)
	}
	if err := s.do(ctx, patch); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Prepared1{
		patch, // a second time
		{Method: "DELETE", Path: "/api/v2/conversations/c"},
		{Method: "POST", Path: "/api/v2/authorization/subjects/s/divisions/d/roles/r?subjectType=PC_OAUTH_CLIENT"},
	} {
		if err := s.do(ctx, bad); !errors.Is(err, ErrNotInPlan) {
			t.Errorf("%s %s: %v, want ErrNotInPlan", bad.Method, bad.Path, err)
		}
	}
	want := []string{"POST /api/v2/authorization/subjects/s/divisions/d/roles/r?subjectType=PC_USER Bearer tok", "PATCH /api/v2/conversations/c/participants/p Bearer tok"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the server got:\n%s", strings.Join(got, "\n"))
	}
}

func TestPrepareFillsVariables(t *testing.T) {
	r := &Report{FormatVersion: "1", EvidenceReadAt: "2026-11-25T09:59:00Z", Plan: &Plan{When: "now", Steps: []Step{{Kind: KindRequest,
		Request: &Request{Method: "patch", Path: "/api/v2/conversations/c/participants/${PID}", Body: []byte(`"{\"state\":\"disconnected\",\"wrapup\":{\"code\":\"$CODE\"}}"`)}}}}}
	r.Target.OrgID, r.Target.ConversationID, r.Target.Operation = "o", "c", &Operation{ID: "disconnect", Source: "inferred"}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	env := map[string]string{"PID": "p-1", "CODE": "w-9"}
	p, err := Prepare(r, now, 15*time.Minute, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := p.Steps[0]
	if s.Method != "PATCH" || s.Path != "/api/v2/conversations/c/participants/p-1" || string(s.Body) != `{"state":"disconnected","wrapup":{"code":"w-9"}}` || s.Endpoint == nil {
		t.Errorf("prepared: %s %s %s %v", s.Method, s.Path, s.Body, s.Endpoint)
	}
	delete(env, "CODE")
	if _, err := Prepare(r, now, 15*time.Minute, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "$CODE") {
		t.Errorf("an unset variable in the body: %v", err)
	}
	if _, err := Prepare(r, now.Add(-10*time.Minute), 15*time.Minute, func(k string) string { return "x" }); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("evidence from the future: %v", err)
	}
}

func TestJudge(t *testing.T) {
	c := &genesys.Conversation{Participants: []genesys.Participant{{ID: "p", Calls: []genesys.Communication{{State: "connected", Held: true}}}}}
	for _, tc := range []struct {
		op              string
		achieved, known bool
	}{
		{"hold", true, true}, {"unhold", false, true}, {"mute", false, true}, {"disconnect", false, true}, {"answer", true, true}, {"attributes", false, false},
	} {
		if o := judge(tc.op, "p", c); o.Achieved != tc.achieved || o.Known != tc.known {
			t.Errorf("%s: %+v", tc.op, o)
		}
	}
}

// TestPlanOperations: a request step must perform the report's operation,
// read from the endpoint table (the endpoint's own operation, or its
// body's acting fields); a drop may first finish or cancel the consult, a
// hold may be the consult's speak-to; a wrap-up may come with a drop.
func TestPlanOperations(t *testing.T) {
	const part = "/api/v2/conversations/c/participants/p"
	const consult = "/api/v2/conversations/calls/c/participants/o/consult"
	type req struct{ method, path, body string }
	for _, tc := range []struct {
		op    string
		steps []req
		want  string // "" when accepted
	}{
		{"disconnect", []req{{"PATCH", part, `{"state":"disconnected"}`}}, ""},
		{"disconnect", []req{{"PATCH", part, `{"state":"disconnected","wrapup":{"code":"w"}}`}}, ""},
		{"disconnect", []req{{"DELETE", consult, ""}}, ""},
		{"disconnect", []req{{"PATCH", consult, `{"speakTo":"CONFERENCE"}`}, {"PATCH", part, `{"state":"disconnected"}`}}, ""},
		{"disconnect", []req{{"DELETE", consult, ""}, {"PATCH", part, `{"state":"disconnected"}`}}, ""},
		{"hold", []req{{"PATCH", part, `{"held":true}`}}, ""},
		{"hold", []req{{"PATCH", consult, `{"speakTo":"OBJECT"}`}}, ""},
		{"wrapup", []req{{"PATCH", part, `{"wrapup":{"code":"w"}}`}}, ""},
		{"transfer", []req{{"POST", part + "/replace/queue", `{"queueId":"q"}`}}, ""},
		{"teardown", []req{{"DELETE", "/api/v2/conversations/c", ""}}, ""},

		{"hold", []req{{"DELETE", "/api/v2/conversations/c", ""}}, "performs teardown, not hold, the report's operation (target.operation)"},
		{"hold", []req{{"PATCH", part, `{"state":"disconnected"}`}}, "performs disconnect, not hold"},
		{"hold", []req{{"PATCH", part, `{"held":true,"state":"disconnected"}`}}, "performs disconnect, not hold"},
		{"disconnect", []req{{"POST", "/api/v2/conversations/c/disconnect", ""}}, "performs teardown, not disconnect"},
		{"disconnect", []req{{"PATCH", consult, `{"speakTo":"CONFERENCE"}`}}, "performs consult-speak-to, not disconnect"},
		{"disconnect", []req{{"PATCH", part, `{"wrapup":{"code":"w"}}`}}, "does not perform disconnect"},
		{"disconnect", []req{{"PATCH", part, `{"state":"disconnect"}`}}, `"disconnect" is not a value the field "state" takes`},
		{"disconnect", []req{{"PATCH", part, `{"state":"disconnected"}`}, {"PATCH", part, `{"state":"disconnected"}`}}, "step 1 (request): PATCH " + part},
		{"disconnect", []req{{"GET", part + "/wrapup", ""}}, "performs none of the operations, not disconnect"},
		{"unhold", []req{{"PATCH", consult, `{"speakTo":"BOTH"}`}}, "performs consult-speak-to, not unhold"},
		{"transfer", []req{{"POST", consult + "/queue", `{"queueId":"q"}`}}, "step 1 (request): POST " + consult + "/queue ("},
		{"transfer", []req{{"POST", consult + "/queue", `{"queueId":"q"}`}}, ") performs consult, not transfer"},
		{"frobnicate", []req{{"PATCH", part, `{"held":true}`}}, `target.operation "frobnicate" is not an operation convdiag knows`},
		{"", []req{{"PATCH", part, `{"held":true}`}}, "the report names no operation (target.operation is null)"},
	} {
		r := &Report{FormatVersion: "1", EvidenceReadAt: "2026-11-25T09:59:00Z", Plan: &Plan{When: "now"}}
		r.Target.OrgID, r.Target.ConversationID = "o", "c"
		if tc.op != "" {
			r.Target.Operation = &Operation{ID: tc.op, Source: "flag"}
		}
		for _, q := range tc.steps {
			var body []byte
			if q.body != "" {
				body = []byte(q.body)
			}
			r.Plan.Steps = append(r.Plan.Steps, Step{Kind: KindRequest, Request: &Request{Method: q.method, Path: q.path, Body: body}})
		}
		_, err := Prepare(r, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), 15*time.Minute, nil)
		var rf *Refusal
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: refused: %v", tc.op, tc.steps, err)
		case tc.want != "" && (!errors.As(err, &rf) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %v: %v, want a refusal with %q", tc.op, tc.steps, err, tc.want)
		}
	}
}
