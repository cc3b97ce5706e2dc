package ops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Fixture conversations shared with the scenario tests.
const fixtures = "../../diagnose/sim/scenarios"

const (
	trConv    = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31"
	trAgent   = "8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"
	trOldLeg  = "6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76"
	trUser    = "a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63"
	msgConv   = "6a9c2e5b-8d1f-4a3c-b6e9-3f5b8d1a4c07"
	msgAgent  = "bfe173a0-d264-4f81-83be-84a0d26f915c"
	queueConv = "d1a395c2-f486-41a3-a5d0-a6c2f481b37e"
)

// ev builds evidence: a request line, a body (nil: none) and fixture files
// of the simulated org's scenario data (conversations/..., tokens/...).
func ev(t *testing.T, mode diagnose.Mode, line string, body []byte, status int, files ...string) *diagnose.Evidence {
	t.Helper()
	f := strings.Fields(line)
	e := &diagnose.Evidence{Mode: mode, Request: diagnose.Request{Method: f[0], URL: f[1], Body: body, HasBody: body != nil}}
	if status != 0 {
		e.Response = &diagnose.Response{Status: status}
	}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "tokens/") {
			ti, err := genesys.DecodeTokenInfo(data)
			if err != nil {
				t.Fatal(err)
			}
			e.TokenInfo = ti
			continue
		}
		d, err := genesys.DecodeConversation(data, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Call != nil {
			e.Call, e.CallFetch = d.Call, &diagnose.Fetch{Source: "GET /api/v2/conversations/calls/{id}", File: name}
		} else {
			e.Conversation, e.ConversationFetch = d.Conversation, &diagnose.Fetch{Source: "GET /api/v2/conversations/{id}", File: name}
		}
	}
	return e
}

func causeOf(rep *diagnose.Report, id string) *diagnose.Cause {
	for i := range rep.Causes {
		if rep.Causes[i].ID == id {
			return &rep.Causes[i]
		}
	}
	return nil
}

var dropBody = []byte(`{"state":"disconnected"}`)

func patchTR(pid string) string {
	return "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/" + trConv + "/participants/" + pid
}

// TestUnconfirmedFactsArePossible: causes that rest on facts the reference
// marks UNCONFIRMED are never more than "possible".
func TestUnconfirmedFactsArePossible(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ev    *diagnose.Evidence
		cause string
	}{
		{"state in upper case", ev(t, diagnose.ModeDryRun, patchTR(trAgent), []byte(`{"state":"DISCONNECTED"}`), 0), "body.state-value"},
		{"unknown field", ev(t, diagnose.ModeDryRun, patchTR(trAgent), []byte(`{"state":"disconnected","reason":"done"}`), 0), "body.unknown-field"},
		{"consult seen only in recentTransfers", withoutConsultLinks(ev(t, diagnose.ModeOffline, "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/2e5a8c1f-4b7d-4e9a-8c2f-5b8d1e4a7c90/participants/8eb04275-a1d3-44f0-a285-b1e374a1d2f6", dropBody, 409, "conversations/consult.json")), "participant.consult-in-progress"},
		{"404 without the conversation", ev(t, diagnose.ModeOffline, patchTR(trAgent), dropBody, 404), "conversation.not-found"},
		{"gateway host", ev(t, diagnose.ModeOffline, "PATCH https://gw.example.net/api/v2/conversations/calls/"+trConv+"/participants/"+trAgent, dropBody, 0, "conversations/transfer-retry.json"), "endpoint.non-genesys-host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Diagnose(tc.ev, diagnose.Options{})
			c := causeOf(rep, tc.cause)
			if c == nil {
				t.Fatalf("%s not reported; causes %+v", tc.cause, rep.Causes)
			}
			if c.Likelihood != diagnose.Possible {
				t.Errorf("%s is %s, want possible", tc.cause, c.Likelihood)
			}
			if !strings.Contains(c.Explanation, "UNCONFIRMED") && tc.cause != "conversation.not-found" && tc.cause != "endpoint.non-genesys-host" {
				t.Errorf("explanation does not say the fact is UNCONFIRMED: %s", c.Explanation)
			}
		})
	}
}

func withoutConsultLinks(e *diagnose.Evidence) *diagnose.Evidence {
	for i := range e.Conversation.Participants {
		e.Conversation.Participants[i].ConsultParticipantID = ""
	}
	return e
}

func TestSystemPurposeBeyondDocumentedIsPossible(t *testing.T) {
	e := ev(t, diagnose.ModeOffline, "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/"+queueConv+"/participants/26f8ea17-49db-46f8-8a25-fb1749d608c3", dropBody, 409, "conversations/queue.json")
	e.Conversation.Participants[2].Purpose = "workflow"
	c := causeOf(Diagnose(e, diagnose.Options{}), "participant.system-purpose")
	if c == nil || c.Likelihood != diagnose.Possible {
		t.Fatalf("workflow purpose: %+v", c)
	}
	e.Conversation.Participants[2].Purpose = "acd"
	c = causeOf(Diagnose(e, diagnose.Options{}), "participant.system-purpose")
	if c == nil || c.Likelihood != diagnose.Likely {
		t.Fatalf("acd purpose: %+v", c)
	}
}

// TestFixNamesTheRightParticipant: the corrected request targets the live
// leg, the owner of a communication, the canonical id, the media's path.
func TestFixNamesTheRightParticipant(t *testing.T) {
	for _, tc := range []struct {
		name, line, wantPath string
		files                []string
	}{
		{"stale leg", patchTR(trOldLeg), "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json"}},
		{"user id", patchTR(trUser), "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json"}},
		{"communication id", patchTR("9f503db4-26c1-41e3-b5ae-f2b081d36ea9"), "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json"}},
		{"upper case in braces", patchTR("{" + strings.ToUpper(trAgent) + "}"), "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json"}},
		{"flat view only", patchTR(trOldLeg), "/api/v2/conversations/calls/" + trConv + "/participants/" + trAgent, []string{"../../../testdata/conversations/call-transfer-retry-flat.json"}},
		// A path of the wrong media, or not a participant PATCH at all: the
		// generic PATCH, which serves every media.
		{"messaging via calls", "PATCH https://api.mypurecloud.com/api/v2/conversations/calls/" + msgConv + "/participants/" + msgAgent, "/api/v2/conversations/" + msgConv + "/participants/" + msgAgent, []string{"conversations/messaging.json"}},
		{"teardown POST", "POST https://api.mypurecloud.com/api/v2/conversations/" + trConv + "/disconnect", "/api/v2/conversations/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json"}},
		// The /calls/ PATCH with a client-credentials token: the generic
		// PATCH (not.a.user is listed for the /calls/ variant only).
		{"client credentials", patchTR(trOldLeg), "/api/v2/conversations/" + trConv + "/participants/" + trAgent, []string{"conversations/transfer-retry.json", "tokens/client-credentials.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := dropBody
			if strings.HasPrefix(tc.line, "POST") {
				body = []byte(`{"participantId":"` + trAgent + `"}`)
			}
			rep := Diagnose(ev(t, diagnose.ModeOffline, tc.line, body, 409, tc.files...), diagnose.Options{})
			if len(rep.Causes) == 0 {
				t.Fatal("no cause")
			}
			top := rep.Causes[0]
			if top.Likelihood < diagnose.Likely || top.Fix == nil || rep.Conclusion.Plans[0].Request() == nil {
				t.Fatalf("top cause %+v", top)
			}
			req := rep.Conclusion.Plans[0].Request()
			if req.Path != tc.wantPath || req.Method != "PATCH" || string(req.Body) != string(dropBody) {
				t.Errorf("fix %s %s %s, want PATCH %s", req.Method, req.Path, req.Body, tc.wantPath)
			}
			if req.BaseURL != "https://api.mypurecloud.com" {
				t.Errorf("fix base %q", req.BaseURL)
			}
		})
	}
}

func TestDryRunFetchesNothingAndSkips(t *testing.T) {
	rep := Diagnose(ev(t, diagnose.ModeDryRun, patchTR(trAgent), dropBody, 0), diagnose.Options{})
	want := map[string]diagnose.Status{"request-line": diagnose.StatusPass, "body-shape": diagnose.StatusPass, "token": diagnose.StatusSkip, "conversation": diagnose.StatusSkip, "participant-state": diagnose.StatusSkip}
	for _, c := range rep.Checks {
		if w, ok := want[c.ID]; ok && c.Status != w {
			t.Errorf("%s: %s (%s), want %s", c.ID, c.Status, c.Summary, w)
		}
	}
	if rep.ExitCode() != 0 {
		t.Errorf("exit %d: %+v", rep.ExitCode(), rep.Causes)
	}
}

// TestCatalogueIsComplete guards the stable ids, computed from the handles
// the checks declare: each has the long explanation, belongs to a check of
// the chain, and is suppressed only by handles of the catalogue. (That each
// is really reported is proved by the scenario suite, which runs every
// catalogue id.)
func TestCatalogueIsComplete(t *testing.T) {
	inChain := map[string]bool{}
	for _, ch := range reg.chains {
		for _, c := range ch.Checks {
			inChain[c.ID] = true
		}
	}
	for _, ci := range Catalogue.Causes {
		if ci.Meaning == "" || ci.Detection == "" || ci.Remedy == "" || ci.Confirm == "" || ci.Title == "" {
			t.Errorf("%s: incomplete catalogue entry", ci.ID)
		}
		owners := Catalogue.Owners(ci)
		if len(owners) == 0 {
			t.Errorf("%s: declared by no check", ci.ID)
		}
		for _, o := range owners {
			if !inChain[o] {
				t.Errorf("%s: declared by %q, not a check of any chain", ci.ID, o)
			}
		}
		for _, s := range ci.SuppressedBy {
			if got, ok := Catalogue.Lookup(s.ID); !ok || got != s {
				t.Errorf("%s is suppressed by %s, which is not a catalogue handle", ci.ID, s.ID)
			}
		}
	}
	// The DESIGN §4 ids must all be there (extend, never rename).
	for _, id := range strings.Fields(`endpoint.full-teardown endpoint.media-mismatch endpoint.unknown endpoint.non-genesys-host
		body.malformed-json body.target-missing body.target-misnamed body.target-wrong-type body.target-mismatch body.state-value body.unknown-field
		participant.id-format participant.not-in-conversation participant.id-is-user-id participant.id-is-communication-id participant.stale-leg
		participant.already-ended participant.not-connected-yet participant.consult-in-progress participant.system-purpose
		conversation.ended conversation.not-found token.scope-missing token.permission-missing token.invalid token.no-user-context
		token.not-party endpoint.wrong-operation token.division-missing token.not-bearer participant.race-with-hangup endpoint.wrong-region
		body.several-actions endpoint.deprecated confine.not-conference body.wrapup-required`) {
		if _, ok := Catalogue.Lookup(id); !ok {
			t.Errorf("DESIGN cause id %s missing from the catalogue", id)
		}
	}
}
