package report

import (
	"encoding/json"
	"testing"
)

// TestPowerShell: a fix for a request pasted from PowerShell is an
// Invoke-RestMethod command; literals are single-quoted with quotes
// doubled, and the fix's variables are read from the environment.
func TestPowerShell(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Request
		want string
	}{
		{"plain", Request{Method: "PATCH", URL: "https://api.mypurecloud.de/api/v2/conversations/c/participants/p", Body: json.RawMessage(`{"state":"disconnected"}`)},
			"Invoke-RestMethod -Method Patch -Uri 'https://api.mypurecloud.de/api/v2/conversations/c/participants/p' `\n" +
				"  -Headers @{ Authorization = \"Bearer $env:GENESYSCLOUD_ACCESS_TOKEN\" } `\n" +
				"  -ContentType 'application/json' -Body '{\"state\":\"disconnected\"}'"},
		{"variables and a quote", Request{Method: "POST", URL: "$GENESYSCLOUD_API_BASE/api/v2/conversations/c/participants/$PARTICIPANT_ID/replace/queue", Body: json.RawMessage(`{"queueId":"$QUEUE_ID","note":"O'Brien"}`)},
			"Invoke-RestMethod -Method Post -Uri ($env:GENESYSCLOUD_API_BASE + '/api/v2/conversations/c/participants/' + $env:PARTICIPANT_ID + '/replace/queue') `\n" +
				"  -Headers @{ Authorization = \"Bearer $env:GENESYSCLOUD_ACCESS_TOKEN\" } `\n" +
				"  -ContentType 'application/json' -Body ('{\"queueId\":\"' + $env:QUEUE_ID + '\",\"note\":\"O''Brien\"}')"},
		{"no body", Request{Method: "DELETE", URL: "https://api.mypurecloud.de/api/v2/conversations/calls/c/participants/p/consult"},
			"Invoke-RestMethod -Method Delete -Uri 'https://api.mypurecloud.de/api/v2/conversations/calls/c/participants/p/consult' `\n" +
				"  -Headers @{ Authorization = \"Bearer $env:GENESYSCLOUD_ACCESS_TOKEN\" }"},
	} {
		if got := powerShell(&c.r); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
