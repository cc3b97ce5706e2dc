package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/report"
)

// saved writes a small bundle and returns its directory.
func saved(t testing.TB) string {
	dir := filepath.Join(t.TempDir(), "b")
	ev := &diagnose.Evidence{Mode: diagnose.ModeOffline, Request: diagnose.Request{Method: "PATCH", URL: "/api/v2/conversations/c/participants/p", Body: []byte(`{"state":"disconnected","note":"+1 317 555 0101"}`), HasBody: true},
		Response: &diagnose.Response{Status: 409, Body: []byte(`{"code":"request.conflict"}`)}}
	rep := &diagnose.Report{GeneratedAt: time.Unix(0, 0), Mode: ev.Mode, Evidence: ev, Checks: []diagnose.CheckResult{}, Causes: []diagnose.Cause{}, RuledOut: []diagnose.RuledOut{}}
	if err := Save(dir, ev, rep, Options{Version: "test", Now: func() time.Time { return time.Unix(0, 0) }}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSaveAndLoad: a bundle reloads to the same request, redacted, and its
// manifest lists every file with its SHA-256.
func TestSaveAndLoad(t *testing.T) {
	dir := saved(t)
	ev, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Request.Method != "PATCH" || !strings.Contains(string(ev.Request.Body), "<phone-1>") || strings.Contains(string(ev.Request.Body), "555") {
		t.Errorf("reloaded %+v %s", ev.Request, ev.Request.Body)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileRequestBody))
	sum := sha256.Sum256(b)
	m, _ := os.ReadFile(filepath.Join(dir, FileManifest))
	if !strings.Contains(string(m), hex.EncodeToString(sum[:])) {
		t.Error("the manifest does not hold the request body's SHA-256")
	}
}

// FuzzManifest: whatever manifest a bundle holds, Load answers with
// evidence or an error; it never panics and never reads a file the
// manifest does not list.
func FuzzManifest(f *testing.F) {
	dir := saved(f)
	m, err := os.ReadFile(filepath.Join(dir, FileManifest))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m)
	f.Add([]byte(`{"format_version":"1","files":[{"name":"../../etc/passwd","sha256":"x"}]}`))
	f.Add([]byte(`{"format_version":"1","files":[{"name":"evidence.json","sha256":""}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		d := filepath.Join(t.TempDir(), "b")
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, FileManifest), manifest, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Load(d, LoadOptions{ModifiedOK: true})
	})
}

// TestSaveKeepsReceivedBytes: a conversation read from a file is kept as
// its bytes — fields convdiag does not read included — with only personal
// values changed, where they stand (one number, however written, one
// label); the caller's evidence is untouched.
func TestSaveKeepsReceivedBytes(t *testing.T) {
	raw := []byte(`{"id":"c1","futureField":{"nested":[1,2,{"x":"keep me"}]},"participants":[` +
		`{"id":"p1","purpose":"customer","ani":3175550100,"address":"tel:+13175550100","attributes":{"mail":"ann@example.com","bob@example.com":"vip"},"calls":[{"id":"k1","state":"connected","self":{"addressNormalized":"tel:+13175550100"}}]},` +
		`{"id":"p2","purpose":"agent","address":"0044 20 7946 0958","calls":[{"id":"k2","state":"connected"}]}]}`)
	d, err := genesys.DecodeConversation(raw, "c1")
	if err != nil {
		t.Fatal(err)
	}
	ev := &diagnose.Evidence{Mode: diagnose.ModeOffline, ConversationID: "c1", Conversation: d.Conversation,
		ConversationFetch: &diagnose.Fetch{Source: "GET /api/v2/conversations/{id}", File: "conv.json", Raw: raw},
		Request: diagnose.Request{Method: "PATCH", URL: "https://api.mypurecloud.com/api/v2/conversations/c1/participants/p1?access_token=abcdefgh123",
			Headers: []diagnose.Header{{Name: "Cookie", Value: "<redacted>"}, {Name: "X-Api-Key", Value: "<redacted>"}, {Name: "Authorization", Value: "Bearer <redacted>"}}}}
	keep := string(raw)
	rep := &diagnose.Report{GeneratedAt: time.Unix(0, 0), Mode: ev.Mode, Evidence: ev, Checks: []diagnose.CheckResult{}, Causes: []diagnose.Cause{}, RuledOut: []diagnose.RuledOut{}}
	dir := filepath.Join(t.TempDir(), "b")
	if err := Save(dir, ev, rep, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	if string(ev.ConversationFetch.Raw) != keep {
		t.Fatal("Save changed the caller's bytes")
	}
	got, _ := os.ReadFile(filepath.Join(dir, "conversation.json"))
	for _, want := range []string{`"futureField":{"nested":[1,2,{"x":"keep me"}]}`, `"ani":"<phone-1>"`, `"address":"<phone-1>"`, `"mail":"<email-1>"`, `"addressNormalized":"<phone-1>"`, `"address":"<phone-2>"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("conversation.json lacks %s:\n%s", want, got)
		}
	}
	for _, leak := range []string{"555", "7946", "ann@", "bob@"} {
		if strings.Contains(string(got), leak) {
			t.Errorf("conversation.json keeps %q", leak)
		}
	}
	if !strings.Contains(string(got), `{"id":"c1",`) {
		t.Error("the layout of the bytes changed (re-serialised?)")
	}
	var m Manifest
	mb, _ := os.ReadFile(filepath.Join(dir, FileManifest))
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	forms := map[string]report.Where{}
	for _, w := range m.Redactions {
		forms[w.File+" "+w.Path+" "+w.Form] = w
	}
	for _, want := range []string{
		"conversation.json participants[*].address phone number",
		"conversation.json participants[*].ani address field",
		"conversation.json participants[*].attributes.mail e-mail address",
		"conversation.json participants[*].calls[*].self.addressNormalized phone number",
		"evidence.json request.headers.Cookie cookie",
		"evidence.json request.headers.X-Api-Key header",
		"evidence.json request.headers.Authorization authorization value",
		"evidence.json request.url query parameter",
	} {
		if _, ok := forms[want]; !ok {
			t.Errorf("manifest lacks %q; has %v", want, keys(forms))
		}
	}
	if w := forms["conversation.json participants[*].address phone number"]; w.Count != 2 || w.Replacement != "" {
		t.Errorf("two different addresses are one group of 2 without a single replacement: %+v", w)
	}
	back, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Conversation.Participants) != 2 || back.Conversation.Participants[0].ID != "p1" {
		t.Errorf("reloaded %+v", back.Conversation)
	}
}

func keys(m map[string]report.Where) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestLoadRefusesSymlinkedRole: a role file of the grants, replaced by a
// symbolic link, is refused by its path (named once).
func TestLoadRefusesSymlinkedRole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	ev := &diagnose.Evidence{Mode: diagnose.ModeOffline, Request: diagnose.Request{Method: "PATCH", URL: "/api/v2/conversations/c/participants/p"},
		OAuthClient: &genesys.OAuthClient{ID: "c", RoleDivisions: []genesys.RoleDivision{{RoleID: "r", DivisionID: "d"}}},
		Roles:       []*genesys.DomainOrganizationRole{{ID: "r", Name: "Reader", Permissions: []string{"conversation:communication:view"}}}}
	rep := &diagnose.Report{GeneratedAt: time.Unix(0, 0), Mode: ev.Mode, Evidence: ev, Checks: []diagnose.CheckResult{}, Causes: []diagnose.Cause{}, RuledOut: []diagnose.RuledOut{}}
	if err := Save(dir, ev, rep, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir, LoadOptions{})
	if err != nil || len(back.Roles) != 1 || back.Roles[0].Name != "Reader" || back.OAuthClient == nil {
		t.Fatalf("reload: %v %+v", err, back)
	}
	role := filepath.Join(dir, "role-1.json")
	if err := os.Remove(role); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hostname", role); err != nil {
		t.Skip(err)
	}
	_, err = Load(dir, LoadOptions{ModifiedOK: true})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || strings.Count(err.Error(), dir) != 1 {
		t.Errorf("error %v", err)
	}
}
