package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conversationWith writes the transfer-retry scenario's conversation with
// the customer's name and attributes replaced.
func conversationWith(t *testing.T, name string, attrs map[string]any) string {
	t.Helper()
	b, err := os.ReadFile("../../diagnose/sim/scenarios/conversations/transfer-retry.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc["participants"].([]any)[0].(map[string]any)
	p["name"], p["attributes"] = name, attrs
	out, _ := json.MarshalIndent(doc, "", "  ")
	path := filepath.Join(t.TempDir(), "conversation.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// bundleText is every file of a bundle, concatenated.
func bundleText(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		all.Write(b)
	}
	return all.String()
}

// TestSecretsInSavedAttributes is the acceptance of issue 19 item 3: a
// saved GET whose attributes hold a password, an accessToken and a
// JSESSIONID= cookie shows none of the three values in any report format
// or the bundle; three ways of writing one phone number are one label.
func TestSecretsInSavedAttributes(t *testing.T) {
	conv := conversationWith(t, "Pat (317) 555-0142", map[string]any{
		"password": "PW-hunter2-VALUE", "accessToken": "AT-secret-VALUE", "Cookie": "JSESSIONID=JS-cookie-VALUE; theme=dark",
		"note": "logged in with JSESSIONID=JS-note-VALUE", "callback": "tel:+13175550142", "alt": "+1 317 555 0142",
		"dateTokenIdles": "2026-11-25T09:00:00Z",
	})
	secrets := []string{"PW-hunter2-VALUE", "AT-secret-VALUE", "JS-cookie-VALUE", "JS-note-VALUE", "555-0142", "5550142"}
	dir := filepath.Join(t.TempDir(), "bundle")
	for _, format := range []string{"text", "markdown", "json"} {
		r := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/"+trConv+"/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76",
			"--body", `{"state":"disconnected"}`, "--status", "409", "--conversation-json", conv, "--format", format, "-v", "--save-bundle", dir)
		if r.Code == 2 {
			t.Fatalf("%s: %s", format, r.Stderr)
		}
		for _, s := range secrets {
			if strings.Contains(r.Stdout+r.Stderr, s) {
				t.Errorf("%s shows %q", format, s)
			}
		}
	}
	saved := bundleText(t, dir)
	for _, s := range secrets {
		if strings.Contains(saved, s) {
			t.Errorf("the bundle holds %q", s)
		}
	}
	conversation, _ := os.ReadFile(filepath.Join(dir, "conversation.json"))
	if !json.Valid(conversation) || !strings.Contains(string(conversation), `"dateTokenIdles": "2026-11-25T09:00:00Z"`) {
		t.Errorf("conversation.json is not valid JSON, or lost a field that is no secret:\n%s", conversation)
	}
	var doc struct {
		Participants []struct {
			Name       string            `json:"name"`
			Attributes map[string]string `json:"attributes"`
		} `json:"participants"`
	}
	if err := json.Unmarshal(conversation, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Participants[0]
	label := p.Attributes["callback"]
	if !strings.HasPrefix(label, "<phone-") || p.Attributes["alt"] != label || p.Name != "Pat "+label {
		t.Errorf("one number, three labels: name %q, callback %q, alt %q", p.Name, label, p.Attributes["alt"])
	}
}

// TestEscapedSecretInABody is the acceptance of issue 19 item 3's JSON
// rule: a secret with escaped quotes in a request body leaves no part of
// itself in the bundle, whose body is still valid JSON and replays to the
// original verdict.
func TestEscapedSecretInABody(t *testing.T) {
	body := `{"state":"disconnected","password":"ab\"cd\\\"ef-SECRETTAIL"}`
	dir := filepath.Join(t.TempDir(), "bundle")
	args := []string{"check", "--request", "PATCH /api/v2/conversations/" + trConv + "/participants/" + trAgent, "--body", body, "--status", "409", "--format", "json"}
	first := runCLI(t, nil, "", append(args, "--save-bundle", dir)...)
	saved, err := os.ReadFile(filepath.Join(dir, "request-body"))
	if err != nil {
		t.Fatalf("%v: %s", err, first.Stderr)
	}
	if !json.Valid(saved) {
		t.Errorf("the saved body is not valid JSON: %s", saved)
	}
	for _, part := range []string{"ab", "cd", "SECRETTAIL"} {
		if strings.Contains(string(saved), part) || strings.Contains(first.Stdout, part+`\`) || strings.Contains(first.Stdout, "SECRETTAIL") {
			t.Errorf("%q of the secret survives: %s", part, saved)
		}
	}
	replay := runCLI(t, nil, "", "check", "--bundle", dir, "--format", "json")
	if replay.Code != first.Code {
		t.Fatalf("replay exit %d, original %d: %s", replay.Code, first.Code, replay.Stderr)
	}
	a, _ := causeSet(t, first.Stdout)
	b, _ := causeSet(t, replay.Stdout)
	if len(a) == 0 || len(a) != len(b) {
		t.Errorf("causes %v, replayed %v", a, b)
	}
	for id, l := range a {
		if b[id] != l {
			t.Errorf("cause %s: %s, replayed %s", id, l, b[id])
		}
	}
}

// TestPhoneRegionFlag: --phone-region reads national numbers as the
// country's (a UK number without separators is masked), and an unknown
// country is exit 2.
func TestPhoneRegionFlag(t *testing.T) {
	conv := conversationWith(t, "Sam 02079460123", nil)
	args := []string{"check", "--request", "PATCH /api/v2/conversations/" + trConv + "/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76",
		"--body", `{"state":"disconnected"}`, "--conversation-json", conv, "--format", "markdown"}
	if r := runCLI(t, nil, "", append(args, "--phone-region", "GB")...); strings.Contains(r.Stdout, "02079460123") || r.Code == 2 {
		t.Errorf("GB: exit %d, number shown: %v", r.Code, strings.Contains(r.Stdout, "02079460123"))
	}
	if r := runCLI(t, nil, "", append(args, "--phone-region", "XX")...); r.Code != 2 || !strings.Contains(r.Stderr, "--phone-region") {
		t.Errorf("XX: exit %d %q", r.Code, r.Stderr)
	}
}
