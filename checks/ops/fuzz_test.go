package ops

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// FuzzBody: whatever the body and request line, no check crashes (the
// driver would contain a panic as an "error" result, so that is what is
// asserted) and every cause has a catalogue entry.
func FuzzBody(f *testing.F) {
	for _, s := range []string{
		`{"state":"disconnected"}`, `{"participantIds":["p-12345678-90ab-cdef-1234-567890abcdef"]}`,
		"{\u201cstate\u201d: \u201cdisconnected\u201d}", `{'state': 'disconnected'}`, `{"state":"disconnected",}`,
		`"{\"state\":\"disconnected\"}"`, `[1,2]`, `{"state":1,"held":"x","wrapup":"y"}`, "\ufeff{}", `{"a":{"b":[`, "",
		`{"participantId":["a","b"],"participant_id":"x","State":"Disconnect"}`,
	} {
		f.Add("PATCH /api/v2/conversations/calls/c/participants/p", []byte(s))
		f.Add("POST https://api.mypurecloud.com/api/v2/conversations/c/disconnect", []byte(s))
	}
	f.Add("POST /api/v2/conversations/voice/participants", []byte(`{}`))
	f.Add("PATCH https://x/api/v2/conversations/%7Bc%7D/participants/{p}", []byte(`{}`))
	f.Fuzz(func(t *testing.T, line string, body []byte) {
		rl, err := diagnose.ParseRequestLine(line)
		if err != nil {
			return
		}
		e := &diagnose.Evidence{Mode: diagnose.ModeDryRun, Request: diagnose.Request{Method: rl.Method, URL: rl.URL.String(), Body: body, HasBody: true}}
		rep := Diagnose(e, diagnose.Options{})
		for _, c := range rep.Checks {
			if c.Status == diagnose.StatusError {
				t.Fatalf("check %s crashed on %q %q: %s", c.ID, line, body, c.Crash)
			}
		}
		for _, c := range rep.Causes {
			if _, ok := Catalogue.Lookup(c.ID); !ok {
				t.Fatalf("cause %s not in the catalogue", c.ID)
			}
		}
	})
}

// FuzzConversation: whatever conversation document decodes, the full chain
// runs over it without a crash, for ids that hit and miss.
func FuzzConversation(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "conversations", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, trAgent)
			f.Add(b, trUser)
		}
	}
	f.Add([]byte(`{"id":"c","participants":[{"id":"p","consultParticipantId":"p","calls":[{"id":"p","state":"alerting","peerId":"p"}]}]}`), "p")
	f.Add([]byte(`{"id":"c","endTime":"x","participants":[{"id":"","userId":"u","state":"connected"}]}`), "u")
	f.Fuzz(func(t *testing.T, doc []byte, pid string) {
		d, err := genesys.DecodeConversation(doc, "")
		if err != nil {
			return
		}
		e := &diagnose.Evidence{Mode: diagnose.ModeOffline,
			Request:  diagnose.Request{Method: "PATCH", URL: "https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/" + url.PathEscape(pid), Body: dropBody, HasBody: true},
			Response: &diagnose.Response{Status: 409}}
		e.Conversation, e.Call = d.Conversation, d.Call
		rep := Diagnose(e, diagnose.Options{})
		for _, c := range rep.Checks {
			if c.Status == diagnose.StatusError {
				t.Fatalf("check %s crashed: %s", c.ID, c.Crash)
			}
		}
	})
}
