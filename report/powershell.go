package report

import (
	"regexp"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// A request that came pasted from PowerShell gets its fix as PowerShell:
// a bash curl does not paste into PowerShell, and curl.exe there is what
// lost the body's quotes in the first place (Windows PowerShell 5.1).

// shellVarRe matches a fix's shell variable ($NAME).
var shellVarRe = regexp.MustCompile(`\$[A-Z][A-Z0-9_]*`)

// command is how a view prints a request: the curl, or for a request
// pasted from PowerShell, Invoke-RestMethod; lang names the code fence.
func command(m *Model, r *Request) (lang, text string) {
	if m.Shell == diagnose.ShellPowerShell {
		return "powershell", powerShell(r)
	}
	return "sh", r.Curl
}

// powerShell renders a request as an Invoke-RestMethod command that reads
// the token from $env:GENESYSCLOUD_ACCESS_TOKEN; the fix's variables are
// environment variables too ($env:QUEUE_ID).
func powerShell(r *Request) string {
	var b strings.Builder
	method := strings.ToUpper(r.Method[:1]) + strings.ToLower(r.Method[1:])
	b.WriteString("Invoke-RestMethod -Method " + method + " -Uri " + psString(r.URL) + " `\n")
	b.WriteString("  -Headers @{ Authorization = \"Bearer $env:GENESYSCLOUD_ACCESS_TOKEN\" }")
	if len(r.Body) > 0 {
		b.WriteString(" `\n  -ContentType 'application/json' -Body " + psString(string(r.Body)))
	}
	return b.String()
}

// psString is a PowerShell expression for s: single-quoted literals (a
// quote doubled), joined to the $env: variables its $NAMEs stand for.
func psString(s string) string {
	lit := func(t string) string { return "'" + strings.ReplaceAll(t, "'", "''") + "'" }
	locs := shellVarRe.FindAllStringIndex(s, -1)
	if locs == nil {
		return lit(s)
	}
	var parts []string
	last := 0
	for _, l := range locs {
		if l[0] > last {
			parts = append(parts, lit(s[last:l[0]]))
		}
		parts = append(parts, "$env:"+s[l[0]+1:l[1]])
		last = l[1]
	}
	if last < len(s) {
		parts = append(parts, lit(s[last:]))
	}
	return "(" + strings.Join(parts, " + ") + ")"
}
