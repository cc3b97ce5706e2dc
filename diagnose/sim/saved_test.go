package sim

import (
	"bytes"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestFromEvidenceServesSavedUntilChanged: an org built from evidence
// serves the conversation as saved (a field convdiag does not model
// included) and enforces the access its subject shows (the agent may drop
// only in Sales; the conversation is in Billing); once a grant changes the
// org, the model answers, and the drop goes through.
func TestFromEvidenceServesSavedUntilChanged(t *testing.T) {
	conv, err := scenarioFS.ReadFile("scenarios/conversations/transfer-retry.json")
	if err != nil {
		t.Fatal(err)
	}
	conv = bytes.Replace(conv, []byte("{"), []byte(`{"savedOnly":"as received",`), 1)
	subject, err := os.ReadFile("../../testdata/grants/subject-agent-sales.json")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := scenarioFS.ReadFile("scenarios/tokens/user.json")
	ev := &diagnose.Evidence{}
	for name, b := range map[string][]byte{"conversation": conv, "subject": subject, "token": tok} {
		d := diagnose.DocumentByName(name)
		doc, err := d.Decode(b, "")
		if err != nil {
			t.Fatal(err)
		}
		_ = d.Put(ev, doc, &diagnose.Fetch{Source: d.Source(), Raw: b})
	}
	org, err := FromEvidence(ev)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(org, Options{AccessTokens: []string{"t"}}))
	defer srv.Close()
	send := sender(t, srv, "t")
	do := func(method, path, body string) (int, []byte) {
		resp, b := send(method, path, body)
		return resp.StatusCode, b
	}
	if code, b := do("GET", "/api/v2/conversations/"+trConv, ""); code != 200 || !bytes.Equal(b, conv) {
		t.Errorf("GET the conversation: %d, not as saved: %.100s", code, b)
	}
	if code, b := do("GET", "/api/v2/authorization/subjects/me", ""); code != 200 || !bytes.Equal(b, subject) {
		t.Errorf("GET subjects/me: %d, not as saved: %.100s", code, b)
	}
	drop := `{"state":"disconnected"}`
	if code, b := do("PATCH", "/api/v2/conversations/"+trConv+"/participants/"+trAgent, drop); code != 403 || !strings.Contains(string(b), "missing.division.permission") {
		t.Errorf("a drop outside the subject's division: %d %s", code, b)
	}
	role := org.Access().role("4d8f2b6e-9a3c-4e1d-b7f5-2a6c0e8d4b13")
	if role == nil {
		t.Fatal("the subject's role is not the org's")
	}
	org.Grant(*role, genesys.AllDivisions)
	if code, b := do("GET", "/api/v2/authorization/subjects/me", ""); code != 200 || bytes.Equal(b, subject) || !strings.Contains(string(b), `"*"`) {
		t.Errorf("after the grant subjects/me is still as saved: %s", b)
	}
	if code, b := do("PATCH", "/api/v2/conversations/"+trConv+"/participants/"+trAgent, drop); code != 202 {
		t.Errorf("the drop after the grant: %d %s", code, b)
	}
	if _, b := do("GET", "/api/v2/conversations/"+trConv, ""); bytes.Contains(b, []byte("savedOnly")) {
		t.Error("the conversation changed, and the saved one is still served")
	}
	org.Reset()
	if _, b := do("GET", "/api/v2/conversations/"+trConv, ""); bytes.Contains(b, []byte("savedOnly")) {
		t.Error("after a grant, Reset serves the saved documents again: they no longer show the org's access")
	}
}

// TestResetServesSavedAgain: an org whose conversation changed, reset,
// serves its saved documents again (nothing else changed).
func TestResetServesSavedAgain(t *testing.T) {
	conv, _ := scenarioFS.ReadFile("scenarios/conversations/transfer-retry.json")
	d := diagnose.DocumentByName("conversation")
	doc, _ := d.Decode(conv, "")
	ev := &diagnose.Evidence{}
	_ = d.Put(ev, doc, &diagnose.Fetch{Raw: conv})
	org, err := FromEvidence(ev)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v2/conversations/" + trConv
	if !org.Connect(trConv, trAgent, time.Date(2026, 11, 25, 9, 20, 0, 0, time.UTC)) {
		t.Fatal("no such participant")
	}
	if _, ok := org.savedDoc(path); ok {
		t.Fatal("the conversation changed, and the saved one is still served")
	}
	org.Reset()
	if b, ok := org.savedDoc(path); !ok || !bytes.Equal(b, conv) {
		t.Error("Reset does not serve the saved conversation again")
	}
}

// TestFromEvidenceNeedsAConversation: evidence without a conversation is
// refused, naming why.
func TestFromEvidenceNeedsAConversation(t *testing.T) {
	if _, err := FromEvidence(&diagnose.Evidence{}); err != ErrNoConversation {
		t.Errorf("got %v", err)
	}
}
