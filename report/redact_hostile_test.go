package report

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsByName: a value under a name that says secret goes whole, in
// JSON (escaped quotes and all, the document still valid), query strings
// (names percent-encoded too), form bodies, curl options, headers and
// notes; a secret word in the middle of a name is no secret.
func TestSecretsByName(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{`{"state":"disconnected","password":"ab\"cd\\\"ef"}`, `cd`},
		{`{"userPassword":"HUNTER2X","n":1}`, "HUNTER2X"},
		{`{"accessToken":"AT-VALUE-1","refresh_token":"RT-VALUE-1"}`, "AT-VALUE-1"},
		{`{"attributes":{"JSESSIONID":"JS-VALUE-1","x-api-key":"XK-VALUE-1"}}`, "JS-VALUE-1"},
		{`{"credentials":{"user":"u","pass":"NESTED-1"},"signature":12345678}`, "NESTED-1"},
		{`{"apiKey": ["K-IN-ARRAY-1"]}`, "K-IN-ARRAY-1"},
		{`https://h/api/v2/x?X-Amz-Signature=SIGVALUE1&X-Amz-Security-Token=STVALUE1&a=1`, "SIGVALUE1"},
		{`https://h/api/v2/x?access%5Ftoken=PCTVALUE1`, "PCTVALUE1"},
		{`https://h/cb?code=AUTHCODE1&state=ok`, "AUTHCODE1"},
		{`query string "access_token=QUOTEDQ1" ignored`, "QUOTEDQ1"},
		{`token=FORMTOKEN1&state=disconnected`, "FORMTOKEN1"},
		{`curl -F 'password=FORMPASS1' https://h/x`, "FORMPASS1"},
		{`curl --proxy-user bob:PROXYPASS1 https://h/x`, "PROXYPASS1"},
		{`curl -E client.pem:CERTPASS1 https://h/x`, "CERTPASS1"},
		{`curl --pass KEYPASS1 https://h/x`, "KEYPASS1"},
		{`curl -ubob:GLUEDPASS1 https://h/x`, "GLUEDPASS1"},
		{`curl -x http://bob:XPASS1@proxy:8080 https://h/x`, "XPASS1"},
		{`curl -x bob:XPASS2@proxy:8080 https://h/x`, "XPASS2"},
		{"note: password: HEADERPASS1", "HEADERPASS1"},
		{"Proxy-Authorization: Basic UFJPWFlBVVRIMQ==", "UFJPWFlBVVRIMQ"},
		{"X-Amz-Security-Token: AMZTOKEN1", "AMZTOKEN1"},
		{"--client-secret=FLAGSECRET1 --format json", "FLAGSECRET1"},
		{`{"state":"disconnected","sessionToken":"ST-ONE","id_token":"ID-ONE"}`, "ID-ONE"},
	} {
		r := NewRedactor()
		out := r.String(tc.in)
		if strings.Contains(out, tc.secret) {
			t.Errorf("%s\n -> %s: %q left", tc.in, out, tc.secret)
		}
		if json.Valid([]byte(tc.in)) && !json.Valid([]byte(out)) {
			t.Errorf("%s -> %s: no longer valid JSON", tc.in, out)
		}
		if len(r.Log()) == 0 {
			t.Errorf("%s: nothing logged", tc.in)
		}
	}
	for _, keep := range []string{`{"dateTokenIdles":"2026-11-25T10:00:00Z","tokenType":"bearer","token_type":"bearer"}`, `{"code":"request.conflict","sessionId":"s-1"}`,
		`https://h/api/v2/x?state=disconnected&pageSize=25`, `Authorization: Bearer $TOKEN`, `{"password":"<redacted>"}`, `{"password":null}`,
		"save it as UTF-8 (PowerShell: Out-File -Encoding utf8)", "curl -updated -bold"} {
		if out := NewRedactor().String(keep); out != keep {
			t.Errorf("%s -> %s: redacted what is no secret", keep, out)
		}
	}
}

// TestKnownSecretEncoded: the credentials given to convdiag are removed
// percent-encoded and in base64 too, and as a Basic value of id:secret.
func TestKnownSecretEncoded(t *testing.T) {
	secret := "s3cr+t/val=ue!"
	r := NewRedactor(secret, BasicCredential("client-1", secret))
	for _, in := range []string{
		"https://h/oauth/token?client_secret=" + url.QueryEscape(secret),
		"X-Thing: " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("client-1:"+secret)),
		"weird " + base64.StdEncoding.EncodeToString([]byte("client-1:"+secret)) + " end",
		"path/" + url.PathEscape(secret) + "/x",
	} {
		out := r.String(in)
		for _, form := range []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)), base64.StdEncoding.EncodeToString([]byte("client-1:" + secret))} {
			if strings.Contains(out, form) {
				t.Errorf("%s -> %s keeps %q", in, out, form)
			}
		}
	}
}

// TestPhonesByParser: one number written three ways is one label; numbers
// without separators are found in free text; ids, timestamps, a sip:
// address of a user id and an SSN are no phones; cards and IBANs are
// masked only when their checksums hold.
func TestPhonesByParser(t *testing.T) {
	r := NewRedactor()
	one := r.String("tel:+13175550142 / (317) 555-0142 / +1 317 555 0142 / call 3175550142")
	if strings.Count(one, "<phone-1>") != 4 || strings.Contains(one, "<phone-2>") || strings.Contains(one, "555") {
		t.Errorf("one number, one label: %s", one)
	}
	for _, in := range []string{"Ann 3175550143", "callback 13175550144", "name:+13175550145", "+442079460123"} {
		if out := r.String(in); strings.Contains(out, "555014") || strings.Contains(out, "7946") {
			t.Errorf("%s -> %s", in, out)
		}
	}
	for _, keep := range []string{
		"sip:8e4f2ca3-15b0-40d2-a49d-e1af70c25d98@localhost", "sip:12345678-1234-1234-1234-123456789012@localhost",
		"123-45-6789", "ssn 078-05-1120", "1764066930123", "at 1764066930", "2026-11-25T10:15:30.123Z", "v 2026-11-25 10:15:30",
		"id 8e4f2ca3-1500-4000-a000-317555014200", "order #A-3175550146", "10.20.30.40", "build 20261125.3",
		"4111 1111 1111 1112",
	} {
		if out := NewRedactor().String(keep); out != keep {
			t.Errorf("%s -> %s: masked what is no phone, card or IBAN", keep, out)
		}
	}
	if out := NewRedactor().String("GB82 WEST 1234 5698 7654 33"); strings.Contains(out, "<iban") {
		t.Errorf("an IBAN whose checksum fails is masked as one: %s", out)
	}
	for _, in := range []string{"card 4111 1111 1111 1111 exp", "pan 5500-0000-0000-0004", "4012888888881881", "iban GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"} {
		out := NewRedactor().String(in)
		if !strings.Contains(out, "<card-1>") && !strings.Contains(out, "<iban-1>") {
			t.Errorf("%s -> %s: not masked", in, out)
		}
	}
}

// TestPhoneRegion: a national number is read in the region given.
func TestPhoneRegion(t *testing.T) {
	r := NewRedactor()
	r.SetPhoneRegion("gb")
	if out := r.String("ring 02079460123 today"); strings.Contains(out, "7946") {
		t.Errorf("GB national number kept: %s", out)
	}
	if out := NewRedactor().String("ring 02079460123 today"); !strings.Contains(out, "02079460123") {
		t.Errorf("in the US it is no valid number, and digits alone need one: %s", out)
	}
}

// FuzzRedactJSON: whatever JSON document the redactor is given, it stays
// valid JSON, and a secret planted under a secret name never survives.
func FuzzRedactJSON(f *testing.F) {
	for _, seed := range []string{`{"state":"disconnected"}`, `[1,{"a":[true,null,"x"]}]`, `{"attributes":{"note":"call +1 317 555 0142"}}`,
		`{"a":"\u0040\"\\"}`, `{"k":{"password":1}}`, `"just a string"`, `{"":""}`} {
		f.Add(seed, "PLANTED-SECRET-VALUE")
	}
	f.Fuzz(func(t *testing.T, doc, secret string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil || len(secret) < 6 || keepValue(secret) {
			return
		}
		planted := map[string]any{"doc": v, "attributes": map[string]any{"userPassword": secret, "JSESSIONID": secret + "x"}}
		in, _ := json.Marshal(planted)
		out := NewRedactor().JSONAt("f.json", in)
		if !json.Valid(out) {
			t.Fatalf("not valid JSON after redaction:\n%s\n%s", in, out)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		attrs := back["attributes"].(map[string]any)
		if attrs["userPassword"] != Redacted || !strings.HasPrefix(attrs["JSESSIONID"].(string), "<") {
			t.Fatalf("a planted secret survived: %s", out)
		}
		// Redacting a redacted document changes nothing more.
		if again := NewRedactor().JSONAt("f.json", out); !json.Valid(again) {
			t.Fatalf("second pass broke the document: %s", again)
		}
		if s := NewRedactor().String(string(in)); !json.Valid([]byte(s)) || strings.Contains(s, `"userPassword":"`+secret) {
			t.Fatalf("String of a JSON document: %s", s)
		}
	})
}

// FuzzRedactText: whatever text surrounds them, a secret planted as a
// query parameter, a header, a form field or a curl credential never
// survives, and neither does a known secret.
func FuzzRedactText(f *testing.F) {
	for _, seed := range []string{"", "note: ", "curl -X PATCH https://h/x -H 'a: b' ", `{"a":"`, "Authorization", "?&=;:'\"\\"} {
		f.Add(seed, "Pl4ntedValue9")
	}
	f.Fuzz(func(t *testing.T, around, secret string) {
		if len(secret) < 8 || strings.IndexFunc(secret, func(c rune) bool { return c <= ' ' || c >= 0x7f }) >= 0 || strings.ContainsAny(secret, "'\"&;,=:#?<>{}[]()\\/%@$") || keepValue(secret) || strings.HasPrefix(secret, "-") || strings.Contains(around, secret) {
			return
		}
		for _, planted := range []string{
			"https://h/api/v2/x?access_token=" + secret + "&a=1",
			"X-Api-Key: " + secret,
			"password=" + secret,
			`"clientSecret": "` + secret + `"`,
			"--proxy-user bob:" + secret,
		} {
			in := around + " " + planted + " " + around
			if out := NewRedactor().String(in); strings.Contains(out, secret) {
				t.Fatalf("%q\n-> %q", in, out)
			}
		}
		if out := NewRedactor(secret).String(around + secret + around); strings.Contains(out, secret) {
			t.Fatalf("known secret survives: %q", out)
		}
	})
}
