package input

import (
	"errors"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/diagnose"
)

const (
	winURL  = "https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p"
	winBody = `{"state":"disconnected"}`
)

// TestParseWindowsCurls: cmd.exe and PowerShell commands of one request
// read as the bash curl of it does: method, URL, body, the Authorization
// scheme (never its value) and the content type.
func TestParseWindowsCurls(t *testing.T) {
	files := map[string]string{"body.json": winBody}
	read := func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return []byte(b), nil
		}
		return nil, ErrNotRead
	}
	bash, err := ParseCurl(`curl -X PATCH '`+winURL+`' -H 'Authorization: Bearer eyJhbGciOi.secret.sig' -H 'Content-Type: application/json' --data-raw '`+winBody+`'`, read)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, shell, cmd string
	}{
		{"chrome copy as cURL (cmd)", diagnose.ShellCmd, "curl ^\"" + winURL + "^\" ^\n  -X ^\"PATCH^\" ^\n  -H ^\"Authorization: Bearer eyJhbGciOi.secret.sig^\" ^\n  -H ^\"Content-Type: application/json^\" ^\n  --data-raw ^\"^{^\\^\"state^\\^\":^\\^\"disconnected^\\^\"^}^\""},
		{"cmd with escaped quotes", diagnose.ShellCmd, `curl.exe -X PATCH "` + winURL + `" -H "Authorization: Bearer eyJhbGciOi.secret.sig" -H "Content-Type: application/json" -d "{\"state\":\"disconnected\"}"`},
		{"cmd, body from a file", diagnose.ShellCmd, "curl -X PATCH " + winURL + " ^\r\n -H \"Authorization: Bearer eyJhbGciOi.secret.sig\" ^\r\n -H \"Content-Type: application/json\" ^\r\n --data-binary @body.json"},
		{"Invoke-RestMethod", diagnose.ShellPowerShell, "Invoke-RestMethod -Method Patch -Uri \"" + winURL + "\" `\n  -Headers @{ Authorization = \"Bearer eyJhbGciOi.secret.sig\" } `\n  -ContentType 'application/json' `\n  -Body '" + winBody + "'"},
		{"variables, ConvertTo-Json, abbreviations", diagnose.ShellPowerShell, "$token = 'eyJhbGciOi.secret.sig'\n$headers = @{\n  'Authorization' = \"Bearer $token\"\n}\n$body = @{ state = 'disconnected' } | ConvertTo-Json -Compress\n$response = irm -Meth PATCH '" + winURL + "' -Headers $headers -ContentType application/json -Body $body"},
		{"here-string and splatting", diagnose.ShellPowerShell, "$body = @'\n" + winBody + "\n'@\n$params = @{ Uri = '" + winURL + "'; Method = 'PATCH'; ContentType = 'application/json'; Headers = @{ Authorization = 'Bearer eyJhbGciOi.secret.sig' } }\nInvoke-WebRequest @params -Body $body -UseBasicParsing"},
		{"PowerShell 7 -Authentication", diagnose.ShellPowerShell, "Invoke-RestMethod -Uri " + winURL + " -Method Patch -Authentication Bearer -Token $secure -ContentType \"application/json\" -Body \"{`\"state`\":`\"disconnected`\"}\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCurl(tc.cmd, read)
			if err != nil {
				t.Fatal(err)
			}
			if c.Shell != tc.shell {
				t.Errorf("shell %q, want %q", c.Shell, tc.shell)
			}
			if c.Method != bash.Method || c.URL != bash.URL || string(c.Body) != string(bash.Body) || c.AuthScheme != bash.AuthScheme || c.QuotesStripped {
				t.Errorf("read as %s %s %q (auth %q, stripped %v); bash gives %s %s %q (auth %q)", c.Method, c.URL, c.Body, c.AuthScheme, c.QuotesStripped, bash.Method, bash.URL, bash.Body, bash.AuthScheme)
			}
			ct := false
			for _, h := range c.Headers {
				ct = ct || strings.EqualFold(h.Name, "Content-Type") && h.Value == "application/json"
				if strings.Contains(h.Value, "secret") {
					t.Errorf("header %s keeps the secret: %q", h.Name, h.Value)
				}
			}
			if !ct {
				t.Errorf("no Content-Type: application/json in %v", c.Headers)
			}
			if r := RedactCurl(tc.cmd); strings.Contains(r, "secret") || !strings.Contains(r, "conversations/calls/c") {
				t.Errorf("to reproduce: %q", r)
			}
		})
	}
}

// TestPowerShellQuirks: what PowerShell does to a request on its way, as
// Windows PowerShell 5.1 does it.
func TestPowerShellQuirks(t *testing.T) {
	none := func(string) ([]byte, error) { return nil, ErrNotRead }
	// 5.1 hands curl.exe the body without its inner double quotes.
	c, err := ParseCurl("curl.exe -X PATCH "+winURL+" -H 'Content-Type: application/json' -d '"+winBody+"'", none)
	if err != nil {
		t.Fatal(err)
	}
	if c.Shell != diagnose.ShellPowerShell || !c.QuotesStripped || string(c.Body) != "{state:disconnected}" || string(c.BodyAsWritten) != winBody {
		t.Errorf("curl.exe from PowerShell: shell %q stripped %v body %q as written %q", c.Shell, c.QuotesStripped, c.Body, c.BodyAsWritten)
	}
	if !strings.Contains(strings.Join(c.Warnings, "\n"), "PowerShell 7.3 and later pass") {
		t.Errorf("no note of the stripping: %v", c.Warnings)
	}
	// A body without quotes loses nothing.
	if c, err := ParseCurl("curl.exe -X PATCH "+winURL+" -d '[1,2]' `\n -H 'X: y'", none); err != nil || c.QuotesStripped || string(c.Body) != "[1,2]" {
		t.Errorf("a body without quotes: %+v %v", c, err)
	}
	// A hashtable body is sent form-encoded, whatever -ContentType says.
	c, err = ParseCurl("Invoke-RestMethod -Method Patch -Uri "+winURL+" -ContentType application/json -Body @{state='disconnected'}", none)
	if err != nil || string(c.Body) != "state=disconnected" || !strings.Contains(strings.Join(c.Warnings, "\n"), "form-encoded") {
		t.Errorf("hashtable body: %q %v %v", c.Body, c.Warnings, err)
	}
	// A variable assigned elsewhere: the body is unknown, and said so.
	c, err = ParseCurl("Invoke-RestMethod -Method Post -Uri "+winURL+" -Body $payload", none)
	if err != nil || !c.BodyUnread || !strings.Contains(strings.Join(c.Warnings, "\n"), "$payload was not assigned") {
		t.Errorf("unknown body: %+v %v", c, err)
	}
	// POST without -ContentType: the cmdlets' form default.
	c, _ = ParseCurl("irm "+winURL+" -Method POST -Body '{}'", none)
	if len(c.Headers) != 1 || !strings.Contains(c.Headers[0].Value, "x-www-form-urlencoded") {
		t.Errorf("POST default content type: %v", c.Headers)
	}
	// PowerShell 5.1's curl alias of Invoke-WebRequest.
	c, err = ParseCurl("curl -Uri "+winURL+" -Method Delete", none)
	if err != nil || c.Method != "DELETE" || c.URL != winURL {
		t.Errorf("curl alias: %+v %v", c, err)
	}
	// curl.exe with bash's \ continuations is Git Bash's: read as bash.
	if c, err := ParseCurl("curl.exe -X PATCH '"+winURL+"' \\\n  -d '"+winBody+"'", none); err != nil || c.Shell != diagnose.ShellBash || string(c.Body) != winBody {
		t.Errorf("Git Bash curl.exe: %+v %v", c, err)
	}
	// cmd.exe: % escapes and variables, ' is not a quote.
	c, err = ParseCurl(`curl.exe -X PATCH "https://x/api/v2/conversations/%CID%/participants/p?a=100%%" -d "{\"state\":\"disconnected\"}"`, none)
	if err != nil || c.Shell != diagnose.ShellCmd || c.URL != "https://x/api/v2/conversations/%CID%/participants/p?a=100%" || string(c.Body) != winBody {
		t.Errorf("cmd %%: %+v %v", c, err)
	}
	c, err = ParseCurl("curl -X PATCH https://x/y ^\n -d '{\"state\":\"disconnected\"}'", none)
	if err != nil || string(c.Body) != "'{state:disconnected}'" || !strings.Contains(strings.Join(c.Warnings, "\n"), "does not treat as a quote") {
		t.Errorf("cmd single quotes: %q %v %v", c.Body, c.Warnings, err)
	}
}

// TestParseWindowsCurlRefuses: only what cannot be read is refused, with
// one line saying why.
func TestParseWindowsCurlRefuses(t *testing.T) {
	for _, tc := range []struct{ name, cmd, want string }{
		{"unclosed string", "Invoke-RestMethod -Uri 'https://x/y", "not closed"},
		{"unclosed hashtable", "Invoke-RestMethod -Uri https://x/y -Headers @{ a = 'b'", "not closed"},
		{"no call", "$x = 1\nWrite-Host $x", "no curl.exe, Invoke-RestMethod"},
		{"no uri", "Invoke-RestMethod -Method Patch", "no -Uri"},
		{"no value", "Invoke-RestMethod https://x/y -Method", "-Method needs a value"},
		{"cmd, not curl", "wget.exe ^\"https://x/y^\"", "no curl command"},
		{"cmd, no URL", "curl -X PATCH ^\n -d x", "no URL"},
		{"deep nesting", "Invoke-RestMethod -Uri https://x/y -Body " + strings.Repeat("@(", 200), "nested too deeply"},
	} {
		_, err := ParseCurl(tc.cmd, func(string) ([]byte, error) { return nil, errors.New("no") })
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err %v, want one line with %q", tc.name, err, tc.want)
		}
	}
}
