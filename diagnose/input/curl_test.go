package input

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCurl(t *testing.T) {
	files := map[string]string{"body.json": "{\n  \"state\": \"disconnected\"\n}\n"}
	read := func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return []byte(b), nil
		}
		return nil, errors.New("no such file")
	}
	const u = "https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p"
	for _, tc := range []struct {
		name, cmd      string
		method, url    string
		body           string // "" with noBody: no body
		noBody         bool
		header, warned string // substrings of a header "Name: value" / a warning
	}{
		{"chrome copy as cURL (bash)", `curl 'https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p' \
  -X 'PATCH' \
  -H 'accept: application/json' \
  -H 'authorization: bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc' \
  -H 'content-type: application/json' \
  --data-raw '{"state":"disconnected"}' \
  --compressed`, "PATCH", u, `{"state":"disconnected"}`, false, "authorization: Bearer <redacted>", ""},
		{"firefox copy as cURL", `curl 'https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p' -X PATCH -H 'User-Agent: Mozilla/5.0' -H 'Accept: */*' -H 'Content-Type: application/json' -H 'Authorization: Bearer abc.def.ghi' -H 'Origin: https://apps.mypurecloud.com' -H 'Connection: keep-alive' -H 'Cookie: ININ-Auth=xyz; other=1' --data-raw '{"state":"disconnected"}'`,
			"PATCH", u, `{"state":"disconnected"}`, false, "Cookie: <redacted>", ""},
		{"postman code export", `curl --location --request PATCH 'https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p' \
--header 'Content-Type: application/json' \
--header 'Authorization: Bearer {{token}}' \
--data '{
    "state": "disconnected"
}'`, "PATCH", u, "{\n    \"state\": \"disconnected\"\n}", false, "Authorization: Bearer <redacted>", ""},
		{"seed as python would have sent it", `curl -X POST "https://mycompany.mygenesiscustomer.com/api/v2/conversations/c/disconnect" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"participantIds": ["p-12345678-90ab-cdef-1234-567890abcdef"]}'`,
			"POST", "https://mycompany.mygenesiscustomer.com/api/v2/conversations/c/disconnect", `{"participantIds": ["p-12345678-90ab-cdef-1234-567890abcdef"]}`, false, "Authorization: Bearer <redacted>", ""},
		{"data implies POST", `curl https://x/api/v2/conversations/c/disconnect -d '{}'`, "POST", "https://x/api/v2/conversations/c/disconnect", "{}", false, "", ""},
		{"no data means GET", `curl https://x/api/v2/tokens/me`, "GET", "https://x/api/v2/tokens/me", "", true, "", ""},
		{"attached -X", `curl -XPATCH https://x/y -d '{"state":"disconnected"}'`, "PATCH", "https://x/y", `{"state":"disconnected"}`, false, "", ""},
		{"bundled short flags", `curl -sSLX PATCH https://x/y --data-binary '{"a":1}'`, "PATCH", "https://x/y", `{"a":1}`, false, "", ""},
		{"--opt=value", `curl --request=PATCH --url=https://x/y --data-raw='{}'`, "PATCH", "https://x/y", "{}", false, "", ""},
		{"-d @file strips newlines", `curl -X PATCH https://x/y -d @body.json`, "PATCH", "https://x/y", `{  "state": "disconnected"}`, false, "", ""},
		{"--data-binary @file keeps bytes", `curl -X PATCH https://x/y --data-binary @body.json`, "PATCH", "https://x/y", files["body.json"], false, "", ""},
		{"--data-raw @ is literal", `curl -X PATCH https://x/y --data-raw @body.json`, "PATCH", "https://x/y", "@body.json", false, "", ""},
		{"two -d joined with &", `curl https://x/y -d a=1 -d b=2`, "POST", "https://x/y", "a=1&b=2", false, "", ""},
		{"--json", `curl --json '{"state":"disconnected"}' -X PATCH https://x/y`, "PATCH", "https://x/y", `{"state":"disconnected"}`, false, "Content-Type: application/json", ""},
		{"-u basic auth", `curl -u clientid:s3cret -X POST https://login.mypurecloud.com/oauth/token -d grant_type=client_credentials`, "POST", "https://login.mypurecloud.com/oauth/token", "grant_type=client_credentials", false, "Authorization: Basic <redacted>", ""},
		{"-G puts data in the query", `curl -G https://x/y -d a=1`, "GET", "https://x/y?a=1", "", true, "", ""},
		{"-I is HEAD", `curl -I https://x/y`, "HEAD", "https://x/y", "", true, "", ""},
		{"double quotes and escapes", `curl -X PATCH "https://x/y" -d "{\"state\":\"disconnected\"}"`, "PATCH", "https://x/y", `{"state":"disconnected"}`, false, "", ""},
		{"variables stay as written", `curl -X PATCH "$GENESYSCLOUD_API_BASE/api/v2/conversations/$CID/participants/${PID}" -d '{}'`, "PATCH", "$GENESYSCLOUD_API_BASE/api/v2/conversations/$CID/participants/$PID", "{}", false, "", ""},
		{"prompt prefix and pipe", `$ curl -s https://x/y -X PATCH -d '{}' | jq .`, "PATCH", "https://x/y", "{}", false, "", ""},
		{"unknown option warned", `curl --frobnicate https://x/y`, "GET", "https://x/y", "", true, "", "--frobnicate"},
		{"form unsupported", `curl -F file=@a.json https://x/y`, "GET", "https://x/y", "", true, "", "multipart"},
		{"proxy warned", `curl -x http://proxy:3128 https://x/y -X PATCH -d '{}'`, "PATCH", "https://x/y", "{}", false, "", "proxy"},
		{"output options ignored", `curl -o out.json -w '%{http_code}' --max-time 10 -k https://x/y`, "GET", "https://x/y", "", true, "", ""},
		{"header without value", `curl -H 'X-Empty;' https://x/y`, "GET", "https://x/y", "", true, "X-Empty: ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCurl(tc.cmd, read)
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != tc.method || c.URL != tc.url {
				t.Errorf("%s %s, want %s %s", c.Method, c.URL, tc.method, tc.url)
			}
			if c.HasBody == tc.noBody || string(c.Body) != tc.body {
				t.Errorf("body %q (has %v), want %q", c.Body, c.HasBody, tc.body)
			}
			if tc.header != "" {
				found := false
				for _, h := range c.Headers {
					if strings.Contains(h.Name+": "+h.Value, tc.header) {
						found = true
					}
				}
				if !found {
					t.Errorf("headers %v lack %q", c.Headers, tc.header)
				}
			}
			all := strings.Join(c.Warnings, "|")
			if tc.warned != "" && !strings.Contains(all, tc.warned) {
				t.Errorf("warnings %q lack %q", all, tc.warned)
			}
			if tc.warned == "" && all != "" {
				t.Errorf("unexpected warnings %q", all)
			}
			for _, h := range c.Headers {
				for _, secret := range []string{"eyJ", "abc.def", "xyz", "s3cret"} {
					if strings.Contains(h.Value, secret) {
						t.Errorf("header %s keeps a secret: %q", h.Name, h.Value)
					}
				}
			}
		})
	}
}

func TestParseCurlRejects(t *testing.T) {
	for _, tc := range []struct{ name, cmd, want string }{
		{"not curl", `wget https://x/y`, "no curl command"},
		{"no url", `curl -X PATCH`, "no URL"},
		{"unterminated quote", `curl 'https://x/y`, "not a shell command"},
		{"missing value", `curl https://x/y -H`, "needs a value"},
		{"command substitution", `curl https://x/y -d "$(cat body.json)"`, "command substitution"},
		{"process substitution", `curl https://x/api/v2/conversations/c <(id)`, "process substitution"},
		{"arithmetic", `curl https://x/y -d $((1+2))`, "arithmetic expansion"},
		{"another user's home", `curl https://x/y -d ~root/body.json`, "does not look users up"},
		{"missing @file", `curl https://x/y -d @nope.json`, "nope.json"},
	} {
		_, err := ParseCurl(tc.cmd, func(string) ([]byte, error) { return nil, errors.New("no such file") })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzParseCurl: any text either parses or is refused with an error; it
// never panics, and a parsed command always has a method and a URL.
func FuzzParseCurl(f *testing.F) {
	for _, s := range []string{
		`curl -X PATCH 'https://x/y' -H 'a: b' --data-raw '{}'`, `curl -sSLX PATCH https://x -d @f`, "curl ^\"x^\"", `curl --json @- https://x`,
		`curl -u a:b -G https://x -d q=1`, `curl "$A/b" -d "$(x)"`, `curl -- -x`, `curl -H`, "curl 'a\n", `curl -XPOST -d a -d b --url u`,
		"curl.exe -d '{\"a\":1}' https://x `\n -H 'b: c'", "$h = @{ a = \"$t\" }\nirm -Uri https://x -Headers $h -Body (@{x=@(1,'y')} | ConvertTo-Json)",
		"Invoke-WebRequest @p -Body @'\n{}\n'@", `curl.exe "https://x" -d "{\"a\":\"%%b%%\"}"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		c, err := ParseCurl(cmd, func(string) ([]byte, error) { return []byte("{}"), nil })
		if err != nil {
			return
		}
		if c.Method == "" || c.URL == "" {
			t.Fatalf("parsed without method or URL: %+v", c)
		}
		_ = RedactCurl(cmd)
	})
}

// TestRedactCurl: the "to reproduce" form of a pasted curl keeps the
// request and drops every credential.
func TestRedactCurl(t *testing.T) {
	in := `curl -u id:PASSWORD1 --user=x:PASSWORD2 -b 'sid=COOKIE1' -H "x-api-key: KEY1" -H 'Authorization: Bearer TOKEN1' ` +
		`'https://admin:PASSWORD3@api.mypurecloud.com/api/v2/conversations/c?access_token=TOKEN2&x=1' -H 'Content-Type: application/json' -d '{"state":"disconnected"}'`
	out := RedactCurl(in)
	for _, s := range []string{"PASSWORD1", "PASSWORD2", "PASSWORD3", "COOKIE1", "KEY1", "TOKEN1", "TOKEN2"} {
		if strings.Contains(out, s) {
			t.Errorf("%s left in %s", s, out)
		}
	}
	for _, s := range []string{"Authorization: Bearer <redacted>", "Content-Type: application/json", `{"state":"disconnected"}`, "api.mypurecloud.com/api/v2/conversations/c", "x=1"} {
		if !strings.Contains(out, s) {
			t.Errorf("%q lost from %s", s, out)
		}
	}
	c, err := ParseCurl(out, nil)
	if err != nil || c.Method != "POST" || string(c.Body) != `{"state":"disconnected"}` {
		t.Errorf("the rewritten command does not parse back: %v %+v", err, c)
	}
}
