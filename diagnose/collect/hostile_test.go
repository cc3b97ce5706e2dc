package collect

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestHostileIDsAreNotFollowed: an org whose answers name an OAuth
// client or role by a path step ("..") or with reserved characters gets
// no request for them (it would read another resource), and the evidence
// says why; every path sent is what the server received.
func TestHostileIDsAreNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token":
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-123456", "token_type": "bearer", "expires_in": 3600})
		case r.URL.Path == "/api/v2/tokens/me":
			_, _ = w.Write([]byte(`{"organization":{"id":"o"},"OAuthClient":{"id":"..","authorizedGrantType":"CLIENT_CREDENTIALS"}}`))
		case strings.HasPrefix(r.URL.Path, "/api/v2/oauth/clients/"):
			_, _ = w.Write([]byte(`{"id":"cid","roleDivisions":[{"roleId":"../../users","divisionId":"d"},{"roleId":"a%2Fb","divisionId":"d"},{"roleId":"r-ok","divisionId":"d"}]}`))
		case strings.HasPrefix(r.URL.Path, "/api/v2/authorization/roles/"):
			_, _ = w.Write([]byte(`{"id":"r-ok","name":"R","permissions":[]}`))
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"code":"not.found"}`))
		}
	}))
	defer srv.Close()
	ev := collect(t, srv.URL, srv.URL+"/oauth/token", "c-1", "s3cret")
	mu.Lock()
	defer mu.Unlock()
	for _, p := range got {
		if strings.Contains(p, "..") || strings.Contains(p, "%2F") || strings.Contains(p, "%25") {
			t.Errorf("sent %s", p)
		}
	}
	if !contains(got, "GET /api/v2/authorization/roles/r-ok") {
		t.Errorf("the good role was not read: %v", got)
	}
	sent := map[string]bool{}
	for _, s := range ev.Sent {
		sent[s] = true
	}
	for _, g := range got {
		if !sent[g] {
			t.Errorf("the server got %s, the evidence says %v", g, ev.Sent)
		}
	}
	notes := strings.Join(ev.Notes, "\n")
	if !strings.Contains(notes, `"../../users"`) || !strings.Contains(notes, `"a%2Fb"`) {
		t.Errorf("notes %q", notes)
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

// TestLiveIDRefused: --conversation .. (or an id with a slash) is refused
// before anything is sent.
func TestLiveIDRefused(t *testing.T) {
	for _, id := range []string{"..", ".", "a/b", "c?x=1", "c#f", "c%2F", "c d"} {
		_, err := Resolve(Settings{APIBase: "http://127.0.0.1:9", AccessToken: "tok-123456", ConversationID: id, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "id") {
			t.Errorf("%q: %v", id, err)
		}
	}
}
