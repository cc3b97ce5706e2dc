package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowsCurlsDiagnoseAsBash: the seed's request pasted from cmd.exe
// (Chrome's "Copy as cURL (cmd)") and from PowerShell (Invoke-RestMethod,
// with the headers and body in variables) diagnoses as the bash curl of
// testdata/scenarios/curl-seed does: the same causes, each as likely, and
// the same corrected request; the report says which shell it read.
func TestWindowsCurlsDiagnoseAsBash(t *testing.T) {
	dir := filepath.Join(scenarioRoot, "curl-seed")
	args := scenarioArgs(t, dir)
	i := indexOf(args, "--curl")
	if i < 0 {
		t.Fatal("curl-seed has no --curl")
	}
	const url = "https://mycompany.mygenesiscustomer.com/api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10/disconnect"
	pasted := map[string]string{
		"cmd": "curl -X POST ^\"" + url + "^\" ^\n" +
			"  -H ^\"Authorization: Bearer %ACCESS_TOKEN%^\" ^\n" +
			"  -H ^\"Content-Type: application/json^\" ^\n" +
			"  -d ^\"^{^\\^\"participantIds^\\^\": ^[^\\^\"p-12345678-90ab-cdef-1234-567890abcdef^\\^\"^]^}^\"",
		"powershell": "$headers = @{ Authorization = \"Bearer $env:ACCESS_TOKEN\" }\n" +
			"$body = '{\"participantIds\": [\"p-12345678-90ab-cdef-1234-567890abcdef\"]}'\n" +
			"Invoke-RestMethod -Method Post -Uri \"" + url + "\" `\n" +
			"  -Headers $headers -ContentType 'application/json' `\n" +
			"  -Body $body",
	}
	diagnosis := func(curl string) (map[string]string, json.RawMessage, string) {
		a := append([]string{"check"}, args...)
		a[i+2] = curl
		r := runCLI(t, nil, "", append(a, "--format", "json")...)
		var rep struct {
			Causes []struct {
				ID         string `json:"id"`
				Likelihood string `json:"likelihood"`
			} `json:"causes"`
			Corrected json.RawMessage `json:"corrected_request"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
			t.Fatalf("exit %d, stderr %s: %v", r.Code, r.Stderr, err)
		}
		causes := map[string]string{}
		for _, c := range rep.Causes {
			causes[c.ID] = c.Likelihood
		}
		text := runCLI(t, nil, "", append(a, "--format", "text", "-v")...)
		return causes, rep.Corrected, text.Stdout
	}
	bashCauses, bashFix, _ := diagnosis(args[i+1])
	if len(bashCauses) == 0 || len(bashFix) < 10 {
		t.Fatalf("the bash curl: causes %v, fix %s", bashCauses, bashFix)
	}
	for shell, curl := range pasted {
		causes, fix, text := diagnosis(curl)
		if !equalMaps(causes, bashCauses) {
			t.Errorf("%s: causes %v, the bash curl's %v", shell, causes, bashCauses)
		}
		if string(fix) != string(bashFix) {
			t.Errorf("%s: corrected request %s, the bash curl's %s", shell, fix, bashFix)
		}
		if named := map[string]string{"cmd": "read as a Windows cmd.exe command", "powershell": "read as a call of Invoke-RestMethod"}[shell]; !strings.Contains(strings.Join(strings.Fields(text), " "), named) {
			t.Errorf("%s: the report's notes do not say how the command was read (%q): %s", shell, named, text)
		}
	}
}

// TestPowerShellStrippedQuotes: curl.exe called from PowerShell with a
// JSON body is judged as Windows PowerShell 5.1 sends it (its inner quotes
// stripped), and the report's notes say so and what PowerShell 7.3+ sends.
func TestPowerShellStrippedQuotes(t *testing.T) {
	curl := "curl.exe -X PATCH 'https://api.mypurecloud.com/api/v2/conversations/" + trConv + "/participants/" + trAgent + "' `\n" +
		"  -H 'Authorization: Bearer $env:TOKEN' -H 'Content-Type: application/json' `\n" +
		"  -d '{\"state\":\"disconnected\"}'"
	r := runCLI(t, nil, "", "check", "--curl", curl, "--status", "400", "--format", "text", "-v")
	if r.Code == 2 {
		t.Fatalf("refused: %s", r.Stderr)
	}
	notes := strings.Join(strings.Fields(r.Stdout), " ")
	for _, want := range []string{"read as curl.exe called from PowerShell", "Windows PowerShell 5.1 passes the body to curl.exe as {state:disconnected}", `PowerShell 7.3 and later pass {"state":"disconnected"} as written`} {
		if !strings.Contains(notes, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(notes, "body.malformed-json") {
		t.Errorf("the stripped body is not judged malformed:\n%s", r.Stdout)
	}
}
