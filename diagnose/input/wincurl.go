package input

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// Windows curls: the same request pasted from cmd.exe (Chrome's "Copy as
// cURL (cmd)": ^ line continuations, ^" quotes, % escapes) or PowerShell
// (backtick continuations, curl.exe, Invoke-RestMethod and
// Invoke-WebRequest with -Method -Uri -Headers -Body -ContentType, variables
// assigned on the lines before, here-strings) is read into the same Curl
// as the bash parser gives. Nothing is run: variables that were not
// assigned in the paste, and subexpressions, stay as written.

var (
	psCmdletRe  = regexp.MustCompile(`(?im)^\s*(?:&\s*)?(?:invoke-restmethod|invoke-webrequest|irm|iwr)\b`)
	psAssignRe  = regexp.MustCompile(`(?m)^\s*\$[A-Za-z_][\w:]*\s*=[^=]`)
	psAliasRe   = regexp.MustCompile(`(?is)^\s*(?:curl|wget)\s.*\s-(?:uri|method|headers|body|contenttype|infile|usebasicparsing)\b`)
	curlExeRe   = regexp.MustCompile(`(?i)(^|[\s&"'\\/])curl\.exe\b`)
	cmdCaretRe  = regexp.MustCompile(`\^\r?\n|\^"`)
	psBacktickR = regexp.MustCompile("`\r?\n")
	bashContRe  = regexp.MustCompile(`\\\r?\n`)
)

// windowsShell says which Windows shell a pasted command was written for:
// diagnose.ShellCmd, diagnose.ShellPowerShell, or "" (bash, the default).
func windowsShell(text string) string {
	switch {
	case psBacktickR.MatchString(text), psCmdletRe.MatchString(text), psAssignRe.MatchString(text), psAliasRe.MatchString(text),
		strings.Contains(text, "@'\n"), strings.Contains(text, "@\"\n"):
		return diagnose.ShellPowerShell
	case cmdCaretRe.MatchString(text):
		return diagnose.ShellCmd
	case !curlExeRe.MatchString(text) || bashContRe.MatchString(text):
		// curl, or curl.exe with bash's \ continuations (Git Bash).
		return ""
	case strings.Contains(text, "'"):
		// cmd.exe has no single quotes; PowerShell's curl.exe calls do.
		return diagnose.ShellPowerShell
	default:
		return diagnose.ShellCmd
	}
}

// parseWindowsCurl reads a cmd.exe or PowerShell command.
func parseWindowsCurl(shell, text string, readFile func(string) ([]byte, error)) (*Curl, error) {
	if shell == diagnose.ShellCmd {
		return parseCmdCurl(text, readFile)
	}
	return parsePowerShell(text, readFile)
}

// isCurlName reports whether a program name is curl ("curl", "curl.exe",
// a path to either).
func isCurlName(name string) bool {
	n := strings.ToLower(name)
	if i := strings.LastIndexAny(n, `\/`); i >= 0 {
		n = n[i+1:]
	}
	return n == "curl" || n == "curl.exe"
}

// parseCmdCurl reads a cmd.exe command: cmd.exe's own pass (^ escapes and
// continuations, %% for %), then the C runtime's splitting of the command
// line into curl's arguments.
func parseCmdCurl(text string, readFile func(string) ([]byte, error)) (*Curl, error) {
	line, rest := cmdLine(strings.TrimPrefix(strings.TrimSpace(text), "> "))
	args := crtSplit(line)
	if len(args) == 0 || !isCurlName(args[0]) {
		return nil, errors.New("no curl command found in the cmd.exe command (it must start with curl or curl.exe)")
	}
	c, err := curlArgs(args[1:], readFile)
	if err != nil {
		return nil, err
	}
	c.Shell = diagnose.ShellCmd
	c.Warnings = append([]string{"read as a Windows cmd.exe command (^ escapes and line continuations, %% for %, the C runtime's double quotes)"}, c.Warnings...)
	if strings.TrimSpace(rest) != "" {
		c.Warnings = append(c.Warnings, "cmd.exe: the command ends at a line without ^ at its end; what follows was not read")
	}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "'") && strings.HasSuffix(a, "'") && len(a) > 1 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("cmd.exe: %s is quoted with ', which cmd.exe does not treat as a quote: curl got the quotes as part of the value (and lost any \" inside)", clip(a, 40)))
			break
		}
	}
	return c, nil
}

// cmdLine is cmd.exe's pass over a command: outside double quotes ^
// escapes the next character and ^ at a line's end continues it; %% is %;
// an unescaped line end ends the command (rest is what follows).
func cmdLine(text string) (line, rest string) {
	r := []rune(text)
	var b strings.Builder
	quoted := false
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\r':
		case c == '\n':
			return b.String(), string(r[i+1:])
		case c == '%' && i+1 < len(r) && r[i+1] == '%':
			b.WriteRune('%')
			i++
		case quoted:
			quoted = c != '"'
			b.WriteRune(c)
		case c == '^':
			i++
			if i < len(r) && r[i] == '\r' {
				i++
			}
			if i < len(r) && r[i] == '\n' {
				// A continuation: the next line's first character is
				// taken as written.
				i++
			}
			if i < len(r) {
				b.WriteRune(r[i])
			}
		case c == '"':
			quoted = true
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), ""
}

// crtSplit splits a Windows command line into arguments as the C runtime
// (CommandLineToArgvW) does: blanks separate outside double quotes; 2n
// backslashes before a quote are n and the quote toggles quoting, 2n+1 are
// n and a literal quote; "" inside quotes is a literal quote.
func crtSplit(line string) []string {
	r := []rune(line)
	var args []string
	var cur strings.Builder
	quoted, have := false, false
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '\\':
			n := 0
			for i+n < len(r) && r[i+n] == '\\' {
				n++
			}
			if i+n < len(r) && r[i+n] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteRune('"')
					i += n
				} else {
					i += n - 1
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i += n - 1
			}
			have = true
		case c == '"':
			if quoted && i+1 < len(r) && r[i+1] == '"' {
				cur.WriteRune('"')
				i++
			} else {
				quoted = !quoted
			}
			have = true
		case (c == ' ' || c == '\t' || c == '\n') && !quoted:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// ps51CommandLine is the command line Windows PowerShell 5.1 builds for a
// native program: an argument with a blank in it is put in double quotes,
// and double quotes inside any argument are not escaped, so the program's
// C runtime removes them. (PowerShell 7.3+ escapes them: the program gets
// the arguments as written.)
func ps51CommandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// nativeCurl reads curl's arguments as PowerShell passes them to a native
// curl.exe. The body judged is what Windows PowerShell 5.1 (powershell.exe,
// the one Windows ships) passes; when that lost the double quotes the
// command has, QuotesStripped is set and BodyAsWritten is what PowerShell
// 7.3+ passes.
func nativeCurl(args []string, readFile func(string) ([]byte, error)) (*Curl, error) {
	intact, err := curlArgs(args, readFile)
	if err != nil {
		return nil, err
	}
	intact.Shell = diagnose.ShellPowerShell
	c51, err := curlArgs(crtSplit(ps51CommandLine(args)), readFile)
	if err != nil || string(c51.Body) == string(intact.Body) {
		return intact, nil
	}
	c51.Shell = diagnose.ShellPowerShell
	c51.QuotesStripped, c51.BodyAsWritten = true, intact.Body
	c51.Warnings = append(c51.Warnings, fmt.Sprintf("PowerShell: Windows PowerShell 5.1 passes the body to curl.exe as %s, its inner double quotes stripped (judged so); PowerShell 7.3 and later pass %s as written", clip(string(c51.Body), 80), clip(string(intact.Body), 80)))
	return c51, nil
}

// parsePowerShell reads a PowerShell paste: assignments ($h = @{...}), then
// one call of curl.exe or Invoke-RestMethod / Invoke-WebRequest.
func parsePowerShell(text string, readFile func(string) ([]byte, error)) (*Curl, error) {
	p := &psParser{r: []rune(strings.TrimPrefix(strings.TrimSpace(text), "PS> ")), vars: map[string]*psValue{}}
	var call *psCall
	for {
		p.skipBlank(true)
		if p.eof() {
			break
		}
		st, err := p.statement()
		if err != nil {
			return nil, fmt.Errorf("PowerShell: %v", err)
		}
		if st != nil && call == nil && (isCurlName(st.name) || psCmdlet(st.name) != "") {
			call = st
		}
	}
	if call == nil {
		return nil, errors.New("no curl.exe, Invoke-RestMethod or Invoke-WebRequest call found in the PowerShell command")
	}
	var c *Curl
	var err error
	if isCurlName(call.name) && !call.hasCmdletParams() {
		c, err = nativeCurl(call.strings(), readFile)
	} else {
		c, err = invokeRestMethod(call, readFile)
	}
	if err != nil {
		return nil, err
	}
	what := "a call of " + psCmdlet(call.name)
	if c.Shell == diagnose.ShellPowerShell && isCurlName(call.name) && !call.hasCmdletParams() {
		what = "curl.exe called from PowerShell"
	}
	c.Warnings = append([]string{"read as " + what + " (variables assigned in the paste are used, others stay as written)"}, c.Warnings...)
	return c, nil
}

// psCmdlet is the web cmdlet a command name calls, or "".
func psCmdlet(name string) string {
	switch strings.ToLower(name) {
	case "invoke-restmethod", "irm":
		return "Invoke-RestMethod"
	case "invoke-webrequest", "iwr", "curl", "wget":
		return "Invoke-WebRequest"
	}
	return ""
}

// irmParams are the parameters of Invoke-RestMethod and Invoke-WebRequest
// convdiag knows, and whether each takes a value.
var irmParams = map[string]bool{
	"method": true, "custommethod": true, "uri": true, "headers": true, "body": true, "contenttype": true, "infile": true,
	"authentication": true, "token": true, "credential": true, "useragent": true, "websession": true, "sessionvariable": true,
	"timeoutsec": true, "maximumredirection": true, "maximumretrycount": true, "retryintervalsec": true, "proxy": true,
	"proxycredential": true, "outfile": true, "erroraction": true, "errorvariable": true, "statuscodevariable": true,
	"responseheadersvariable": true, "transferencoding": true, "form": true, "httpversion": true, "certificate": true,
	"certificatethumbprint": true, "sslprotocol": true, "connectiontimeoutseconds": true, "operationtimeoutseconds": true,
	"usebasicparsing": false, "skipcertificatecheck": false, "usedefaultcredentials": false, "disablekeepalive": false,
	"skiphttperrorcheck": false, "noproxy": false, "allowunencryptedauthentication": false, "preserveauthorizationonredirect": false,
	"skipheadervalidation": false, "resume": false, "passthru": false, "verbose": false, "debug": false, "followrellink": false,
	"allowinsecureredirect": false, "preservehttpmethodonredirect": false, "proxyusedefaultcredentials": false,
}

// irmParam resolves a parameter as PowerShell does: its full name or an
// unambiguous prefix, any case.
func irmParam(name string) (string, bool) {
	n := strings.ToLower(name)
	if _, ok := irmParams[n]; ok {
		return n, true
	}
	found := ""
	for k := range irmParams {
		if strings.HasPrefix(k, n) {
			if found != "" {
				return "", false
			}
			found = k
		}
	}
	return found, found != ""
}

// invokeRestMethod binds a web cmdlet's parameters into a request.
func invokeRestMethod(call *psCall, readFile func(string) ([]byte, error)) (*Curl, error) {
	c := &Curl{Shell: diagnose.ShellPowerShell}
	cmdlet := psCmdlet(call.name)
	if cmdlet == "" {
		cmdlet = "Invoke-WebRequest"
	}
	params := map[string]*psValue{}
	for i := 0; i < len(call.args); i++ {
		a := call.args[i]
		if !a.param && a.val.splat {
			if err := splatParams(params, a.val, cmdlet, &c.Warnings); err != nil {
				return nil, err
			}
			continue
		}
		if !a.param {
			if _, ok := params["uri"]; !ok {
				params["uri"] = a.val
				continue
			}
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: extra argument %q ignored", cmdlet, clip(a.val.text(), 40)))
			continue
		}
		name, ok := irmParam(a.name)
		if !ok {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: parameter -%s is not known to convdiag: ignored", cmdlet, a.name))
			continue
		}
		if !irmParams[name] {
			continue
		}
		v := a.val
		if v == nil {
			if i+1 >= len(call.args) || call.args[i+1].param {
				return nil, fmt.Errorf("%s: -%s needs a value", cmdlet, a.name)
			}
			i++
			v = call.args[i].val
		}
		params[name] = v
	}
	uri, ok := params["uri"]
	if !ok || uri.text() == "" {
		return nil, fmt.Errorf("%s has no -Uri", cmdlet)
	}
	c.URL = uri.text()
	c.Method = "GET"
	for _, k := range []string{"method", "custommethod"} {
		if m, ok := params[k]; ok {
			c.Method = strings.ToUpper(m.text())
		}
	}
	if err := irmHeaders(c, params); err != nil {
		return nil, err
	}
	if err := irmBody(c, cmdlet, params, readFile); err != nil {
		return nil, err
	}
	if _, ok := params["proxy"]; ok {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the request went through a proxy (%s -Proxy): the proxy may alter it", cmdlet))
	}
	if _, ok := params["form"]; ok {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s -Form (multipart form) is not supported: the form was not judged", cmdlet))
	}
	return c, nil
}

// splatParams gives a splatted hashtable's entries (Invoke-RestMethod
// @params) as parameters; one not assigned in the paste leaves them
// unknown.
func splatParams(params map[string]*psValue, v *psValue, cmdlet string, warnings *[]string) error {
	if v.kind != psHash {
		*warnings = append(*warnings, fmt.Sprintf("%s %s: the splatted parameters were not assigned in the paste and are unknown", cmdlet, v.raw))
		return nil
	}
	for i, k := range v.keys {
		name, ok := irmParam(k)
		if !ok {
			*warnings = append(*warnings, fmt.Sprintf("%s: parameter %s is not known to convdiag: ignored", cmdlet, k))
			continue
		}
		params[name] = v.vals[i]
	}
	return nil
}

// irmHeaders records -Headers, -ContentType, and -Authentication/-Token
// or -Credential, redacting credentials.
func irmHeaders(c *Curl, params map[string]*psValue) error {
	if h, ok := params["headers"]; ok {
		switch h.kind {
		case psHash:
			for i, k := range h.keys {
				p := &curlParser{c: c}
				p.header(k + ": " + h.vals[i].text())
			}
		default:
			c.Warnings = append(c.Warnings, fmt.Sprintf("-Headers %s was not assigned in the paste: the headers sent are unknown", clip(h.text(), 40)))
		}
	}
	if ct, ok := params["contenttype"]; ok {
		c.Headers = append(c.Headers, diagnose.Header{Name: "Content-Type", Value: ct.text()})
	}
	if t, ok := params["token"]; ok {
		c.secrets = append(c.secrets, t.text())
	}
	if a, ok := params["authentication"]; ok {
		scheme := AuthScheme(a.text() + " x")
		if strings.EqualFold(a.text(), "OAuth") {
			scheme = "Bearer"
		}
		c.Headers = append(c.Headers, diagnose.Header{Name: "Authorization", Value: scheme + " " + redactedValue})
		c.AuthScheme = scheme
	} else if _, ok := params["credential"]; ok {
		c.Headers = append(c.Headers, diagnose.Header{Name: "Authorization", Value: "Basic " + redactedValue})
		c.AuthScheme = "Basic"
	}
	return nil
}

// irmBody records -Body (a string, a hashtable, a variable assigned in the
// paste) or -InFile, with the cmdlets' defaults: a hashtable is sent
// form-encoded (key=value&...), or in the query string of a GET; a POST
// without -ContentType is sent as application/x-www-form-urlencoded.
func irmBody(c *Curl, cmdlet string, params map[string]*psValue, readFile func(string) ([]byte, error)) error {
	hasCT := false
	for _, h := range c.Headers {
		hasCT = hasCT || strings.EqualFold(h.Name, "Content-Type")
	}
	b, hasBody := params["body"]
	if f, ok := params["infile"]; ok && !hasBody {
		p := &curlParser{c: c, readFile: readFile}
		if err := p.dataOption(curlOpt{"data-binary", true}, "-InFile", "@"+f.text()); err != nil {
			return err
		}
		if len(p.data) > 0 {
			c.Body, c.HasBody = p.data[0], true
		}
	}
	if hasBody {
		switch b.kind {
		case psHash:
			form := b.formEncoded()
			if c.Method == "GET" {
				if u, err := url.Parse(c.URL); err == nil {
					u.RawQuery = strings.TrimPrefix(u.RawQuery+"&"+form, "&")
					c.URL = u.String()
				}
				return nil
			}
			c.Body, c.HasBody = []byte(form), true
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s -Body @{...}: a hashtable body is sent form-encoded (%s), not as JSON; pipe it through ConvertTo-Json for a JSON body", cmdlet, clip(form, 60)))
		case psUnknown:
			c.HasBody, c.BodyUnread = true, true
			c.Warnings = append(c.Warnings, fmt.Sprintf("-Body %s was not assigned in the paste, so the body sent is unknown: paste the assignment too", clip(b.raw, 40)))
		default:
			c.Body, c.HasBody = []byte(b.text()), true
		}
	}
	if c.HasBody && !hasCT && c.Method == "POST" {
		c.Headers = append(c.Headers, diagnose.Header{Name: "Content-Type", Value: "application/x-www-form-urlencoded (" + cmdlet + "'s default for POST)"})
	}
	return nil
}

// credentialOf is the secret part of a header value: the token after an
// Authorization scheme, else the whole value.
func credentialOf(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && schemeRe.MatchString(scheme) && strings.TrimSpace(rest) != "" {
		return strings.TrimSpace(rest)
	}
	return v
}

// redactWindowsCurl is RedactCurl for a Windows command: the command as
// written with every credential its parse found replaced; a command that
// does not parse, or whose credential cannot be found in its text, is not
// shown.
func redactWindowsCurl(shell, cmd string) string {
	c, err := parseWindowsCurl(shell, cmd, func(string) ([]byte, error) { return nil, ErrNotRead })
	if err != nil {
		return "'<the curl command, not shown: it does not parse>'"
	}
	out := cmd
	for _, s := range c.secrets {
		if len(s) < 3 || strings.HasPrefix(s, "$") || strings.HasPrefix(s, "%") {
			continue
		}
		if !strings.Contains(out, s) {
			return "'<the curl command, not shown: a credential in it could not be located to redact>'"
		}
		out = strings.ReplaceAll(out, s, redactedValue)
	}
	return out
}
