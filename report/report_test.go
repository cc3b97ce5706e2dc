package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

func TestRedactor(t *testing.T) {
	r := NewRedactor("s3cr3t-client-secret", "tok_abcdefghijklmnop")
	for _, tc := range []struct{ in, want string }{
		{"Authorization: Bearer eyJhbGciOi.JIUzI1NiJ9xyz.abc", "Authorization: Bearer <redacted>"},
		{"-H 'Authorization: Basic YWJjOmRlZmdoaWpr'", "-H 'Authorization: Basic <redacted>'"},
		{`{"access_token":"abc123def456","token_type":"bearer"}`, `{"access_token":"<redacted>","token_type":"bearer"}`},
		{"client_secret=hunter2hunter2&grant_type=client_credentials", "client_secret=<redacted>&grant_type=client_credentials"},
		{"--client-secret s3cr3t-client-secret", "--client-secret <redacted>"},
		{"the token tok_abcdefghijklmnop leaked", "the token <redacted> leaked"},
		{"https://user:pa55word@gw.example.com/x", "https://<redacted>@gw.example.com/x"},
		{"call tel:+13175550100 or +1 317-555-0100", "call <phone-1> or <phone-1>"},
		{"mail Jane.Doe@Example.com and jane.doe@example.com", "mail <email-1> and <email-1>"},
		{"sip:+4930123456@edge.example.com", "sip:<email-2>"},
		{"(317) 555-0199", "<phone-2>"},
	} {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Ids, timestamps, offsets and statuses are not personal data.
	for _, keep := range []string{
		"12345678-90ab-cdef-1234-567890abcdef", "2026-11-25T10:00:00.000Z", "byte offset 31457280", "409 Conflict",
		"participants[3].calls[0].state", "inin-ratelimit-reset: 41", "1234567890abcdef1234567890abcdef",
		`curl -H "Authorization: Bearer $GENESYSCLOUD_ACCESS_TOKEN"`,
	} {
		if got := r.String(keep); got != keep {
			t.Errorf("String(%q) = %q: redacted something that is not secret", keep, got)
		}
	}
	kinds := map[string]bool{}
	for _, x := range r.Log() {
		kinds[x.Kind] = true
		if strings.Contains(x.Replacement, "@") || strings.Contains(x.Replacement, "555") {
			t.Errorf("the redaction log leaks a value: %+v", x)
		}
	}
	for _, k := range []string{"secret", "token", "phone", "email"} {
		if !kinds[k] {
			t.Errorf("redaction log has no %s entry: %+v", k, r.Log())
		}
	}
}

func TestAddressFieldsMaskedWhateverTheirFormat(t *testing.T) {
	type addr struct {
		Address string `json:"address"`
		ANI     string `json:"ani"`
		Name    string `json:"name"`
		ID      string `json:"id"`
	}
	v := &struct {
		Participants []addr `json:"participants"`
	}{Participants: []addr{
		{Address: "3175550100", ANI: "0044 20 7946 0958", Name: "Front desk", ID: "12345678-90ab-cdef-1234-567890abcdef"},
		{Address: "3175550100", ANI: "queue", Name: "x"},
	}}
	r := NewRedactor()
	r.WalkAt("conversation.json", v)
	p := v.Participants
	if p[0].Address != "<phone-1>" || p[1].Address != "<phone-1>" || p[0].ANI != "<phone-2>" {
		t.Errorf("addresses %+v", p)
	}
	if p[0].ID != "12345678-90ab-cdef-1234-567890abcdef" || p[1].ANI != "queue" || p[0].Name != "Front desk" {
		t.Errorf("non-address values changed: %+v", p)
	}
	places := r.Places()
	// Grouped by path pattern: both addresses are one place, counted 2.
	if len(places) != 2 || places[0].Path != "participants[*].address" || places[0].How != "masked" || places[0].Count != 2 || places[1].Path != "participants[*].ani" {
		t.Errorf("places %+v", places)
	}
}

// canaryReport builds a report whose evidence carries secrets and personal
// data in every place a renderer shows.
func canaryReport() *diagnose.Report {
	ev := &diagnose.Evidence{
		Mode: diagnose.ModeLive,
		Request: diagnose.Request{Method: "PATCH", URL: "https://api.mypurecloud.com/api/v2/conversations/c/participants/p?access_token=CANARYTOKEN1234",
			Body: []byte(`{"state":"disconnected","notes":"call back +1 317-555-0100 or canary@example.com"}`), HasBody: true},
		Response: &diagnose.Response{Status: 409, Body: []byte(`{"message":"conflict for canary@example.com","code":"x","messageParams":{"who":"tel:+13175550100"}}`)},
		Auth:     &diagnose.Auth{Method: "client-credentials", Secrets: []string{"CANARYSECRET42"}},
		Notes:    []string{"token CANARYSECRET42 used; Authorization: Bearer CANARYBEARERTOKEN99"},
	}
	return &diagnose.Report{
		GeneratedAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Mode: ev.Mode, Evidence: ev,
		Conclusion: diagnose.Conclusion{Participants: &diagnose.ParticipantTable{Source: "GET", Total: 1, Rows: []diagnose.ParticipantRow{{ID: "p", Name: "+1 317-555-0100", State: "connected"}}}},
		Checks: []diagnose.CheckResult{{ID: "token", Title: "Token", Status: diagnose.StatusPass, Summary: "secret CANARYSECRET42",
			Evidence: []diagnose.Ref{{Source: "x", Path: "y", Value: "canary@example.com"}}}},
		Causes: []diagnose.Cause{{ID: "a.b", Rank: 1, Likelihood: diagnose.Confirmed, Explanation: "phone tel:+13175550100",
			Evidence: []diagnose.Ref{{Source: "body", Value: "CANARYSECRET42"}}, Fix: &diagnose.Fix{Summary: "Mail canary@example.com"}}},
		RuledOut: []diagnose.RuledOut{{ID: "c.d", Reason: "Bearer CANARYBEARERTOKEN99"}},
		Verdict:  diagnose.Verdict{Status: diagnose.VerdictCausesFound, ExitCode: 1, Summary: "s"},
	}
}

func TestEveryFormatRedacts(t *testing.T) {
	canaries := []string{"CANARYSECRET42", "CANARYBEARERTOKEN99", "CANARYTOKEN1234", "canary@example.com", "555-0100", "13175550100"}
	for _, f := range Formats {
		for _, verbose := range []bool{false, true} {
			var b bytes.Buffer
			if err := Render(&b, canaryReport(), Options{Format: f, Verbose: verbose, Version: "test"}); err != nil {
				t.Fatal(err)
			}
			for _, c := range canaries {
				if strings.Contains(b.String(), c) {
					t.Errorf("%s (verbose %v) shows %q", f, verbose, c)
				}
			}
			if !strings.Contains(b.String(), "<phone-1>") && !strings.Contains(b.String(), `\<phone-1\>`) {
				t.Errorf("%s: phone not masked with a stable label", f)
			}
		}
	}
	var b bytes.Buffer
	if err := Render(&b, canaryReport(), Options{Format: FormatJSON, ShowSecrets: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range canaries[:2] {
		if !strings.Contains(b.String(), c) {
			t.Errorf("--show-secrets still hides %q", c)
		}
	}
}

func TestJSONShape(t *testing.T) {
	rep := &diagnose.Report{Evidence: &diagnose.Evidence{Mode: diagnose.ModeDryRun, Request: diagnose.Request{Method: "POST", URL: "/x"}}, Mode: diagnose.ModeDryRun,
		Verdict: diagnose.Verdict{Status: diagnose.VerdictNoCause}}
	var b bytes.Buffer
	if err := Render(&b, rep, Options{Format: FormatJSON, Version: "v"}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"checks", "causes", "ruled_out", "notes"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s is %v, want an array (never null)", k, m[k])
		}
	}
	if m["format_version"] != "1" || m["tool"].(map[string]any)["name"] != "convdiag" {
		t.Errorf("header %v %v", m["format_version"], m["tool"])
	}
	target := m["target"].(map[string]any)
	if target["request"].(map[string]any)["body"] != nil {
		t.Error("no body sent must be null, not an empty string")
	}
}

func TestMarkdownEscaping(t *testing.T) {
	if got := mdText("a|b *c* <d> `e`"); got != "a\\|b \\*c\\* \\<d\\> \\`e\\`" {
		t.Errorf("mdText = %q", got)
	}
	if got := mdCode("x`y|z"); got != "``x`y\\|z``" {
		t.Errorf("mdCode = %q", got)
	}
	var b bytes.Buffer
	fence(&b, "sh", "echo ```")
	if !strings.HasPrefix(b.String(), "````sh\n") {
		t.Errorf("fence does not outgrow the body's backticks: %q", b.String())
	}
}

func TestColour(t *testing.T) {
	var on, off bytes.Buffer
	rep := canaryReport()
	if err := Render(&on, rep, Options{Format: FormatText, Color: true}); err != nil {
		t.Fatal(err)
	}
	if err := Render(&off, rep, Options{Format: FormatText}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(on.String(), "\x1b[") {
		t.Error("colour on: no escape codes")
	}
	if strings.Contains(off.String(), "\x1b[") {
		t.Error("colour off: escape codes present")
	}
	for _, r := range off.String() {
		if r > 127 && r != '\u2026' {
			t.Errorf("non-TTY text report contains %q; decorations must be ASCII", r)
			break
		}
	}
	var md bytes.Buffer
	if err := Render(&md, rep, Options{Format: FormatMarkdown, Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "\x1b[") {
		t.Error("Markdown carries ANSI codes")
	}
}

func TestWrap(t *testing.T) {
	got := wrap("one two three four five six", 12, "- ", "  ")
	want := "- one two\n  three four\n  five six\n"
	if got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}

// TestRedactorHostileForms: credentials in the odd places a pasted curl,
// a log line or a URL puts them, and personal data as people write it.
func TestRedactorHostileForms(t *testing.T) {
	r := NewRedactor("GIVEN-SECRET-VALUE")
	for _, tc := range []struct{ in, gone string }{
		{"curl -u my-client-id:my-client-secret https://x", "my-client-secret"},
		{"curl --user=alice:pa55w0rd https://x", "pa55w0rd"},
		{"curl -b 'JSESSIONID=abc123session' https://x", "abc123session"},
		{`curl -H "x-api-key: k3yk3yk3y" https://x`, "k3yk3yk3y"},
		{`curl -H 'X-Access-Token: t0kent0ken' https://x`, "t0kent0ken"},
		{`curl -H "Authorization: rawtokenwithoutscheme"`, "rawtokenwithoutscheme"},
		{"https://gw.example.com/api/v2/x?apikey=QUERYKEY123&a=1", "QUERYKEY123"},
		{"https://gw.example.com/api/v2/x?access_token=QUERYTOKEN1", "QUERYTOKEN1"},
		{"convdiag check -access-token DASHTOKEN99 --conversation c", "DASHTOKEN99"},
		{"https://admin:hunter2@gw.example.com/x", "hunter2"},
		{"error_description: invalid secret GIVEN-SECRET-VALUE", "GIVEN-SECRET-VALUE"},
		{"Cookie: a=b; session=SESSIONVALUE", "SESSIONVALUE"},
		{"call 317 555 0111 now", "555 0111"},
		{"call 317.555.0111 now", "555.0111"},
		{"UK +44 20 7946 0958", "7946 0958"},
		{"UK 020 7946 0958", "7946 0958"},
		{"intl 0044 20 7946 0958", "7946 0958"},
		{"enc %2B13175550111", "3175550111"},
		{"sip:+4930123456", "4930123456"},
		{"mail alice%40example.com", "alice%40example.com"},
		{`json "bob\u0040example.com"`, `bob\u0040example.com`},
		{"idn josé@exämple.de", "josé@exämple.de"},
	} {
		if got := r.String(tc.in); strings.Contains(got, tc.gone) {
			t.Errorf("String(%q) = %q: %q left", tc.in, got, tc.gone)
		}
	}
	for _, keep := range []string{"2026-11-25 09:41:10", "2026-11-25T10:15:29.500Z", "127.0.0.1:8765", "SDK 262.0.0", "3m29.6s",
		"12345678-90ab-cdef-1234-567890abcdef", `-H "Authorization: Bearer $GENESYSCLOUD_ACCESS_TOKEN"`, "curl -sS -X PATCH", "Content-Type: application/json"} {
		if got := r.String(keep); got != keep {
			t.Errorf("String(%q) = %q: redacted something that is not secret", keep, got)
		}
	}
	if a, b := r.String("alice%40example.com"), r.String("Alice@Example.com"); a != b {
		t.Errorf("the same address written two ways got two labels: %s %s", a, b)
	}
}
