package genesys

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDecodeConversationRejectsNonConversations(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
		line, col        int
	}{
		{"array", `[{"id":"x"}]`, "JSON array", 1, 1},
		{"string", `"{\"id\":1}"`, "JSON string", 1, 1},
		{"truncated", "{\n  \"id\": \"c\",\n  \"participants\": [", "truncated", 3, 20},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", "binary", 1, 1},
		{"html", "<html><body>502 Bad Gateway</body></html>", "HTML", 1, 1},
		{"empty", "  \n", "empty", 0, 0},
		{"syntax", "{\"id\": \"c\" \"participants\": []}", "not valid JSON", 1, 12},
		{"other object", `{"name":"x"}`, `neither "id" nor "participants"`, 0, 0},
		{"token info", `{"organization":{"id":"o"}}`, "tokens/me", 0, 0},
		{"analytics", `{"conversationId":"c","participants":[]}`, "analytics", 0, 0},
		{"participants not a list", `{"id":"c","participants":"none"}`, `field "participants" is a JSON string, not an array`, 1, 32},
		{"deep nesting", "{\"id\":" + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + "}", "not valid JSON", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeConversation([]byte(tc.data), "")
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			if !strings.Contains(de.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", de, tc.want)
			}
			if tc.line != 0 && (de.Line != tc.line || tc.col != 0 && de.Col != tc.col) {
				t.Errorf("position %d:%d, want %d:%d (%s)", de.Line, de.Col, tc.line, tc.col, de)
			}
		})
	}
}

func TestDecodeConversationViews(t *testing.T) {
	generic, err := os.ReadFile("../sim/scenarios/conversations/transfer-retry.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeConversation(generic, "")
	if err != nil || d.Conversation == nil || d.Call != nil {
		t.Fatalf("generic view: %+v %v", d, err)
	}
	if got := d.Conversation.Participants[3].Calls[0].State; got != "terminated" {
		t.Errorf("calls[0].state = %q", got)
	}
	flat, err := os.ReadFile("../../testdata/conversations/call-transfer-retry-flat.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err = DecodeConversation(flat, "")
	if err != nil || d.Call == nil || d.Conversation != nil {
		t.Fatalf("flat view: %+v %v", d, err)
	}
	if d.Call.Participants[4].State != "connected" || d.Call.Participants[4].User.ID == "" {
		t.Errorf("flat participant %+v", d.Call.Participants[4])
	}
}

func TestDecodeConversationTolerance(t *testing.T) {
	// BOM, unknown fields, a wrong type in a field convdiag does not need,
	// upper-case states, a list wrapper picked by id.
	doc := "\ufeff" + `{"entities":[{"id":"a","participants":[]},{"id":"b","futureField":{"x":1},"maxParticipants":"ten",
	  "participants":[{"id":"p","calls":[{"id":"c","state":"CONNECTED"}]}]}]}`
	d, err := DecodeConversation([]byte(doc), "b")
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversation == nil || d.Conversation.ID != "b" {
		t.Fatalf("picked %+v", d.Conversation)
	}
	if !StateIs(d.Conversation.Participants[0].Calls[0].State, StateConnected) {
		t.Error("state not compared case-insensitively")
	}
	if len(d.Warnings) < 2 || !strings.Contains(strings.Join(d.Warnings, "|"), "maxParticipants") {
		t.Errorf("warnings %v: want the list unwrap and the maxParticipants type noted", d.Warnings)
	}
	if _, err := DecodeConversation([]byte(`{"entities":[{"id":"a","participants":[]},{"id":"b","participants":[]}]}`), ""); err == nil ||
		!strings.Contains(err.Error(), "give --conversation") {
		t.Errorf("ambiguous list: %v", err)
	}
}

func TestDecodeTokenInfo(t *testing.T) {
	ti, err := DecodeTokenInfo([]byte(`{"organization":{"id":"o","name":"Org"},"OAuthClient":{"authorizedGrantType":"CLIENT-CREDENTIALS"},"authorizedScope":["conversations"]}`))
	if err != nil || ti.OAuthClient.AuthorizedGrantType != "CLIENT-CREDENTIALS" || ti.Organization.Name != "Org" {
		t.Fatalf("%+v %v", ti, err)
	}
	// The JSON key of OAuthClient is UNCONFIRMED; other casings decode too.
	ti, err = DecodeTokenInfo([]byte(`{"oauthClient":{"authorizedGrantType":"CODE"}}`))
	if err != nil || ti.OAuthClient == nil || ti.OAuthClient.AuthorizedGrantType != "CODE" {
		t.Fatalf("%+v %v", ti, err)
	}
	if _, err := DecodeTokenInfo([]byte(`{"id":"c","participants":[{"id":"p"}]}`)); err == nil || !strings.Contains(err.Error(), "conversation") {
		t.Errorf("a conversation as token info: %v", err)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncdé\nf")
	for off, want := range map[int64][2]int{0: {1, 1}, 2: {1, 3}, 3: {2, 1}, 7: {2, 4}, 8: {3, 1}, 100: {3, 2}} {
		l, c := LineCol(data, off)
		if l != want[0] || c != want[1] {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
}
