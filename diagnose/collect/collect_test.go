package collect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

var fixed = func() time.Time { return time.Date(2026, 11, 25, 9, 20, 0, 0, time.UTC) }

// simOrg serves a built-in scenario on loopback.
func simOrg(t *testing.T, scenario string, o sim.Options) (*httptest.Server, sim.Scenario) {
	t.Helper()
	sc, err := sim.LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	org, err := sc.Org()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.New(org, o))
	t.Cleanup(srv.Close)
	return srv, sc
}

func collect(t *testing.T, base, tokenURL, id, secret string) *diagnose.Evidence {
	t.Helper()
	c, err := genesys.NewClient(genesys.ClientConfig{APIBase: base, TokenURL: tokenURL, ClientID: "cid", ClientSecret: secret, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	ev := &diagnose.Evidence{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	Collect(ctx, c, Target{APIBase: base, TokenURL: tokenURL, Method: "client-credentials", From: "flags"}, ev, id, fixed)
	ev.Sent = c.Sent()
	return ev
}

// TestCollectReadsEverythingInTwoRoundTrips: a token, then four GETs, each
// kept with its bytes, status, Date and correlation id.
func TestCollectReadsEverythingInTwoRoundTrips(t *testing.T) {
	srv, sc := simOrg(t, "stale-leg", sim.Options{ClientID: "cid", ClientSecret: "s3cret"})
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", sc.ConversationID(), "s3cret")
	if ev.Mode != diagnose.ModeLive || len(ev.Incomplete) > 0 {
		t.Fatalf("mode %s, incomplete %v", ev.Mode, ev.Incomplete)
	}
	if ev.Conversation == nil || ev.Call == nil || ev.TokenInfo == nil || ev.Analytics == nil {
		t.Fatalf("missing documents: conv %v call %v token %v analytics %v", ev.Conversation != nil, ev.Call != nil, ev.TokenInfo != nil, ev.Analytics != nil)
	}
	for _, f := range []*diagnose.Fetch{ev.ConversationFetch, ev.CallFetch, ev.TokenFetch, ev.AnalyticsFetch} {
		if f.Status != 200 || len(f.Raw) == 0 || f.CorrelationID == "" || f.At.IsZero() {
			t.Errorf("%s: status %d, %d raw bytes, correlation %q, at %v", f.Source, f.Status, len(f.Raw), f.CorrelationID, f.At)
		}
	}
	// stale-leg's token is a user token: subjects/me lists its grants, so
	// no third round is needed (convdiag logs in with client credentials,
	// so its OAuth client and the roles listing are read in the round).
	if len(ev.Sent) != 8 || !strings.HasPrefix(ev.Sent[0], "POST ") || ev.ReadRounds != 1 {
		t.Errorf("sent %v in %d rounds, want the token POST then 7 GETs in one round", ev.Sent, ev.ReadRounds)
	}
	if ev.Subject == nil || len(ev.Subject.Grants) == 0 || diagnose.AccessOf(ev) == nil {
		t.Errorf("the grants were not read: %+v", ev.Subject)
	}
	for _, s := range ev.Sent[1:] {
		if !strings.HasPrefix(s, "GET ") {
			t.Errorf("sent %s", s)
		}
	}
}

// TestCollectOwnLoginRefused: convdiag's refused login is incomplete
// evidence naming convdiag's credentials; no GET is sent.
func TestCollectOwnLoginRefused(t *testing.T) {
	srv, sc := simOrg(t, "stale-leg", sim.Options{ClientID: "cid", ClientSecret: "s3cret"})
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", sc.ConversationID(), "wrong")
	if len(ev.Incomplete) != 1 || !strings.Contains(ev.Incomplete[0], "convdiag's own token request") || !strings.Contains(ev.Incomplete[0], "credentials given to convdiag") {
		t.Fatalf("incomplete %v", ev.Incomplete)
	}
	if ev.Auth.Status != 401 && ev.Auth.Status != 400 {
		t.Errorf("auth status %d", ev.Auth.Status)
	}
	for _, s := range ev.Sent {
		if strings.HasPrefix(s, "GET ") {
			t.Errorf("a GET was sent without a token: %s", s)
		}
	}
}

// TestCollectUnknownConversation: a 404 is evidence (with the error body
// and a note), not an incomplete diagnosis.
func TestCollectUnknownConversation(t *testing.T) {
	srv, _ := simOrg(t, "stale-leg", sim.Options{})
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", "00000000-0000-4000-8000-000000000000", "any")
	if ev.ConversationFetch.Status != 404 || ev.ConversationFetch.ErrorBody == nil {
		t.Fatalf("conversation fetch %+v", ev.ConversationFetch)
	}
	if len(ev.Incomplete) != 0 {
		t.Errorf("a 404 made the diagnosis incomplete: %v", ev.Incomplete)
	}
	if !strings.Contains(strings.Join(ev.Notes, " "), "was not found in the org") {
		t.Errorf("notes %v", ev.Notes)
	}
}

// TestCollectRefusesRedirects: an API that answers 302 to another host
// gets no token sent there, and the fetch says a gateway is in the way.
func TestCollectRefusesRedirects(t *testing.T) {
	var sawAuth atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			sawAuth.Store(true)
		}
		w.WriteHeader(200)
	}))
	defer other.Close()
	srv, sc := simOrg(t, "stale-leg", sim.Options{})
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			srv.Config.Handler.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer redirect.Close()
	ev := collect(t, redirect.URL, redirect.URL+"/oauth/token", sc.ConversationID(), "any")
	if sawAuth.Load() {
		t.Fatal("the token followed the redirect to another host")
	}
	if ev.ConversationFetch == nil || !strings.Contains(ev.ConversationFetch.Err, "302") {
		t.Errorf("conversation fetch %+v", ev.ConversationFetch)
	}
	if len(ev.Incomplete) == 0 {
		t.Error("a redirected read left the diagnosis complete")
	}
}

// TestCollectRolesOfAClient: a client-credentials token's subject lists no
// grants; its OAuth client and the org's roles listing are read in the same
// round as everything else, so its roles cost no round of their own.
func TestCollectRolesOfAClient(t *testing.T) {
	srv, sc := simOrg(t, "missing-permission", sim.Options{})
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", sc.ConversationID(), "any")
	if ev.ReadRounds != 1 || ev.OAuthClient == nil || len(ev.Roles) != 1 || ev.RoleFetches[0].Source != "GET /api/v2/authorization/roles" {
		t.Fatalf("rounds %d, client %+v, roles %d, fetches %+v", ev.ReadRounds, ev.OAuthClient, len(ev.Roles), ev.RoleFetches)
	}
	assertReportingRole(t, ev)
	for _, s := range ev.Sent {
		if strings.Contains(s, "/api/v2/authorization/roles/") {
			t.Errorf("a role was read by id although the listing held it: %v", ev.Sent)
		}
	}
}

// TestCollectRolesByIDWhenTheListingFails: a listing the token may not
// read (or that lacks the role) leaves the roles to be read by id, in one
// more round.
func TestCollectRolesByIDWhenTheListingFails(t *testing.T) {
	sc, err := sim.LookupScenario("missing-permission")
	if err != nil {
		t.Fatal(err)
	}
	org, err := sc.Org()
	if err != nil {
		t.Fatal(err)
	}
	h := sim.New(org, sim.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/authorization/roles" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"status":403,"code":"missing.permissions","message":"no"}`))
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", sc.ConversationID(), "any")
	if ev.ReadRounds != 2 || len(ev.Roles) != 1 || ev.RoleFetches[0].Source != "GET /api/v2/authorization/roles/{id}" {
		t.Fatalf("rounds %d, roles %d, fetches %+v", ev.ReadRounds, len(ev.Roles), ev.RoleFetches)
	}
	assertReportingRole(t, ev)
}

func assertReportingRole(t *testing.T, ev *diagnose.Evidence) {
	t.Helper()
	a := diagnose.AccessOf(ev)
	if a == nil || len(a.Grants) != 1 || a.Grants[0].RoleName != "Reporting integration" || a.Grants[0].Allows("conversation:communication:disconnect") {
		t.Errorf("access %+v", a)
	}
	if len(ev.Incomplete) != 0 {
		t.Errorf("incomplete %v", ev.Incomplete)
	}
}

// TestSessionGivesBodiesBack: a session reads many conversations with one
// client, whose bodies share a memory budget; a conversation done with
// (Done) gives its share back, so a triage of more conversations than the
// budget holds at once still reads every one.
func TestSessionGivesBodiesBack(t *testing.T) {
	srv, sc := simOrg(t, "stale-leg", sim.Options{})
	for _, done := range []bool{true, false} {
		// A budget of a few conversations' bodies (each read is both views
		// and the analytics, a few KiB).
		c, err := genesys.NewClient(genesys.ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", ClientID: "cid", ClientSecret: "s", MaxAttempts: 1, MaxBody: 16 << 10, MaxTotalBody: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		s := StartSession(ctx, c, Target{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", Method: "client-credentials", From: "flags"}, fixed)
		failed := 0
		for i := 0; i < 40; i++ {
			cr := s.ReadConversation(ctx, sc.ConversationID())
			ev := &diagnose.Evidence{}
			s.Fill(ev, cr)
			if ev.Conversation == nil {
				failed++
			}
			if done {
				s.Done(cr)
			}
		}
		cancel()
		if done && failed != 0 {
			t.Errorf("with Done, %d of 40 reads failed: the budget was not given back", failed)
		}
		if !done && failed == 0 {
			t.Errorf("without Done, every read fit: the test's budget proves nothing")
		}
	}
}
