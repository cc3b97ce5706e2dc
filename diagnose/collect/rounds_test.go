package collect

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestCollectRoundsOfAnAccessToken: with an access token of a
// client-credentials client, nothing names the client before tokens/me, so
// its OAuth client is read in a second round and its roles by id in a
// third; no roles listing is read, and no path twice.
func TestCollectRoundsOfAnAccessToken(t *testing.T) {
	srv, sc := simOrg(t, "missing-permission", sim.Options{AccessTokens: []string{"tok-access"}})
	c, err := genesys.NewClient(genesys.ClientConfig{APIBase: srv.URL, AccessToken: "tok-access", MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	ev := &diagnose.Evidence{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	Collect(ctx, c, Target{APIBase: srv.URL, Method: "access-token", From: "flags"}, ev, sc.ConversationID(), fixed)
	if ev.ReadRounds != 3 || ev.OAuthClient == nil || len(ev.Roles) != 1 || ev.RoleFetches[0].Source != "GET /api/v2/authorization/roles/{id}" {
		t.Fatalf("rounds %d, client %v, roles %d, sent %v", ev.ReadRounds, ev.OAuthClient != nil, len(ev.Roles), c.Sent())
	}
	seen := map[string]bool{}
	for _, s := range c.Sent() {
		if seen[s] || strings.HasSuffix(strings.SplitN(s, "?", 2)[0], "/authorization/roles") {
			t.Errorf("sent %s (all: %v)", s, c.Sent())
		}
		seen[s] = true
	}
}

// TestCollectReadsTheDestination: a transfer to a queue has its queue read
// in the first round, beside the conversation (no round of its own).
func TestCollectReadsTheDestination(t *testing.T) {
	srv, sc := simOrg(t, "transfer", sim.Options{})
	c, err := genesys.NewClient(genesys.ClientConfig{APIBase: srv.URL, TokenURL: srv.URL + "/oauth/token", ClientID: "cid", ClientSecret: "s", MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	ev := &diagnose.Evidence{Request: diagnose.Request{Method: sc.Request.Method, URL: sc.Request.URL, Body: []byte(sc.Request.Body), HasBody: true}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	Collect(ctx, c, Target{APIBase: srv.URL, Method: "client-credentials", From: "flags"}, ev, sc.ConversationID(), fixed)
	if ev.Queue == nil || ev.QueueFetch.Status != 200 || ev.ReadRounds != 1 {
		t.Fatalf("queue fetch %+v in %d rounds; sent %v", ev.QueueFetch, ev.ReadRounds, c.Sent())
	}
}
