package input

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/convdiag/convdiag/diagnose"
)

// Curl is a request read from a pasted curl command.
type Curl struct {
	Method  string
	URL     string
	Headers []diagnose.Header
	Body    []byte
	HasBody bool
	// AuthScheme is the scheme of the Authorization sent (see
	// diagnose.Request.AuthScheme); the credentials are never kept.
	AuthScheme string
	// BodyUnread is set when a body came from an @file convdiag would not
	// read: the body sent is unknown.
	BodyUnread bool
	// Warnings name the options convdiag did not act on.
	Warnings []string
	// Shell, QuotesStripped and BodyAsWritten: see diagnose.Request.
	Shell          string
	QuotesStripped bool
	BodyAsWritten  []byte
	// secrets are the credentials read, as written: a Windows command's
	// "to reproduce" line is its text without them.
	secrets []string
}

// curlOpt describes one curl option.
type curlOpt struct {
	kind   string
	hasArg bool
}

// curlOpts maps every option convdiag knows to what it does. Options that
// only change how curl behaves locally (output, progress, TLS, retries) are
// "ignore"; ones that change the request but are not supported are
// "unsupported" and produce a named warning.
var curlOpts = map[string]curlOpt{
	"-X": {"method", true}, "--request": {"method", true},
	"-H": {"header", true}, "--header": {"header", true},
	"-d": {"data", true}, "--data": {"data", true}, "--data-ascii": {"data", true},
	"--data-raw": {"data-raw", true}, "--data-binary": {"data-binary", true}, "--data-urlencode": {"data-urlencode", true},
	"--json": {"json", true}, "--url": {"url", true},
	"-u": {"user", true}, "--user": {"user", true}, "--oauth2-bearer": {"bearer", true},
	"-G": {"get", false}, "--get": {"get", false}, "-I": {"head", false}, "--head": {"head", false},
	"-b": {"cookie", true}, "--cookie": {"cookie", true},
	"-A": {"agent", true}, "--user-agent": {"agent", true}, "-e": {"referer", true}, "--referer": {"referer", true},
	"-F": {"unsupported-form", true}, "--form": {"unsupported-form", true}, "-T": {"unsupported-upload", true}, "--upload-file": {"unsupported-upload", true},
	"-x": {"proxy", true}, "--proxy": {"proxy", true},
	"-s": {"ignore", false}, "--silent": {"ignore", false}, "-S": {"ignore", false}, "--show-error": {"ignore", false},
	"-v": {"ignore", false}, "--verbose": {"ignore", false}, "-i": {"ignore", false}, "--include": {"ignore", false},
	"-L": {"ignore", false}, "--location": {"ignore", false}, "-k": {"ignore", false}, "--insecure": {"ignore", false},
	"--compressed": {"ignore", false}, "-f": {"ignore", false}, "--fail": {"ignore", false}, "--fail-with-body": {"ignore", false},
	"-g": {"ignore", false}, "--globoff": {"ignore", false}, "--http1.1": {"ignore", false}, "--http2": {"ignore", false},
	"-#": {"ignore", false}, "--progress-bar": {"ignore", false}, "-N": {"ignore", false}, "--no-buffer": {"ignore", false},
	"--location-trusted": {"ignore", false}, "-o": {"ignore", true}, "--output": {"ignore", true}, "-w": {"ignore", true},
	"--write-out": {"ignore", true}, "-m": {"ignore", true}, "--max-time": {"ignore", true}, "--connect-timeout": {"ignore", true},
	"--retry": {"ignore", true}, "--retry-delay": {"ignore", true}, "--retry-max-time": {"ignore", true}, "--cacert": {"ignore", true},
	"--cert": {"ignore", true}, "--key": {"ignore", true}, "--resolve": {"ignore", true}, "--noproxy": {"ignore", true},
	"--trace": {"ignore", true}, "--trace-ascii": {"ignore", true}, "--stderr": {"ignore", true},
	// Credentials of the connection (proxy, client certificate): their values are never kept.
	"-U": {"ignore", true}, "--proxy-user": {"ignore", true}, "-E": {"ignore", true}, "--pass": {"ignore", true}, "--proxy-pass": {"ignore", true},
	"--proxy-cert": {"ignore", true}, "--proxy-key": {"ignore", true}, "--proxy-header": {"ignore", true}, "--cert-type": {"ignore", true}, "--key-type": {"ignore", true},
}

// ParseCurl reads a pasted curl command: bash quoting and line
// continuations, -X, the URL, -H, -d/--data/--data-raw/--data-binary
// (@file too), --json, -u, -G, -I. readFile reads @file arguments. A
// command written for cmd.exe or PowerShell is read by their rules
// (wincurl.go).
func ParseCurl(cmd string, readFile func(string) ([]byte, error)) (*Curl, error) {
	text := strings.TrimSpace(cmd)
	if shell := windowsShell(text); shell != "" {
		return parseWindowsCurl(shell, text, readFile)
	}
	text = strings.TrimPrefix(strings.TrimPrefix(text, "$ "), "> ")
	if err := checkShellNesting(text); err != nil {
		return nil, err
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	if err != nil {
		return nil, fmt.Errorf("not a shell command: %v", err)
	}
	var call *syntax.CallExpr
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && call == nil && len(c.Args) > 0 {
			if name := c.Args[0].Lit(); name == "curl" || strings.HasSuffix(name, "/curl") || name == "curl.exe" {
				call = c
				return false
			}
		}
		return call == nil
	})
	if call == nil {
		return nil, errors.New("no curl command found (it must start with curl)")
	}
	if err := refuseShellWork(call); err != nil {
		return nil, err
	}
	// Variables stay as written ($TOKEN), so a pasted command keeps its
	// placeholders; command substitutions cannot be judged.
	cfg := &expand.Config{Env: expand.FuncEnviron(func(name string) string { return "$" + name })}
	var args []string
	for _, w := range call.Args[1:] {
		s, err := expand.Literal(cfg, w)
		if err != nil {
			return nil, fmt.Errorf("argument %q cannot be read without running a shell: %v", wordText(w), err)
		}
		args = append(args, s)
	}
	c, err := curlArgs(args, readFile)
	if c != nil {
		c.Shell = diagnose.ShellBash
	}
	return c, err
}

// refuseShellWork refuses what only running a shell could resolve: process
// and command substitutions, arithmetic, and ~user (a user lookup).
// convdiag reads a pasted command; it never runs any part of it.
func refuseShellWork(call *syntax.CallExpr) error {
	var err error
	syntax.Walk(call, func(n syntax.Node) bool {
		if err != nil {
			return false
		}
		switch x := n.(type) {
		case *syntax.ProcSubst:
			err = fmt.Errorf("the command uses process substitution (%s): convdiag reads a pasted curl, it does not run any part of it; paste the command with the file's contents or path instead", wordTextNode(x))
		case *syntax.CmdSubst:
			err = fmt.Errorf("the command uses command substitution (%s): convdiag does not run it; paste the command with its output in place", wordTextNode(x))
		case *syntax.ArithmExp:
			err = fmt.Errorf("the command uses arithmetic expansion (%s): convdiag does not evaluate it", wordTextNode(x))
		case *syntax.Word:
			if lit := x.Lit(); strings.HasPrefix(lit, "~") && !strings.HasPrefix(lit, "~/") && lit != "~" {
				err = fmt.Errorf("the argument %q names another user's home directory: convdiag does not look users up", clip(lit, 40))
			} else if len(x.Parts) > 0 {
				if l, ok := x.Parts[0].(*syntax.Lit); ok && strings.HasPrefix(l.Value, "~") && !strings.HasPrefix(l.Value, "~/") && l.Value != "~" {
					err = fmt.Errorf("an argument starts with %q: convdiag does not look users up", clip(l.Value, 40))
				}
			}
		}
		return err == nil
	})
	return err
}

func wordTextNode(n syntax.Node) string {
	var b bytes.Buffer
	_ = syntax.NewPrinter().Print(&b, n)
	return clip(b.String(), 40)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

func wordText(w *syntax.Word) string {
	var b bytes.Buffer
	_ = syntax.NewPrinter().Print(&b, w)
	return b.String()
}

func curlArgs(args []string, readFile func(string) ([]byte, error)) (*Curl, error) {
	p := &curlParser{c: &Curl{}, readFile: readFile}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) && p.c.URL == "" {
				p.c.URL = args[i+1]
			}
			break
		}
		name, val, hasVal, ok := p.option(a)
		if !ok {
			continue
		}
		o, known := curlOpts[name]
		if !known {
			p.warn("curl option %s is not known to convdiag: ignored (if it takes a value, the value may have been read as the URL)", name)
			continue
		}
		if o.hasArg && !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("curl option %s needs a value", name)
			}
			i++
			val = args[i]
		}
		if err := p.apply(o, name, a, val); err != nil {
			return nil, err
		}
	}
	p.c.Warnings = p.notes.list()
	if p.c.URL == "" {
		return nil, errors.New("the curl command has no URL")
	}
	p.finishBody()
	p.finishMethod()
	return p.c, nil
}

// curlParser is the state of reading one curl command's arguments.
type curlParser struct {
	c        *Curl
	readFile func(string) ([]byte, error)
	data     [][]byte
	jsonData bool
	method   string
	get      bool
	head     bool
	notes    warnings
}

func (p *curlParser) warn(format string, args ...any) { p.notes.add(format, args...) }

// option splits one argument into an option name and its inline value
// ("--data=x", "-XPATCH", "-sSX" whose X takes the next word). A word that
// is not an option is the URL; ok is false when nothing is left to apply.
func (p *curlParser) option(a string) (name, val string, hasVal, ok bool) {
	switch {
	case strings.HasPrefix(a, "--"):
		if k, v, cut := strings.Cut(a, "="); cut {
			return k, v, true, true
		}
		return a, "", false, true
	case strings.HasPrefix(a, "-") && len(a) > 1:
		name = a[:2]
		if len(a) == 2 {
			return name, "", false, true
		}
		if o, known := curlOpts[name]; known && o.hasArg {
			return name, a[2:], true, true
		}
		return p.bundle(a)
	}
	if p.c.URL == "" {
		p.c.URL = a
	} else {
		p.warn("extra argument %q: only the first URL is judged", a)
	}
	return "", "", false, false
}

// bundle reads a bundle of single-letter switches (-sSL); the last may
// take a value (-sSX PATCH, -sSXPATCH).
func (p *curlParser) bundle(a string) (name, val string, hasVal, ok bool) {
	for j := 1; j < len(a); j++ {
		o, known := curlOpts["-"+string(a[j])]
		if !known {
			p.warn("curl option -%c is not known to convdiag: ignored", a[j])
			continue
		}
		if o.hasArg {
			if j+1 < len(a) {
				return "-" + string(a[j]), a[j+1:], true, true
			}
			return "-" + string(a[j]), "", false, true
		}
		switch o.kind {
		case "get":
			p.get = true
		case "head":
			p.head = true
		}
	}
	return "", "", false, false
}

// apply records one option with its value; a is the argument as written.
func (p *curlParser) apply(o curlOpt, name, a, val string) error {
	c := p.c
	switch o.kind {
	case "method":
		p.method = strings.ToUpper(val)
	case "url":
		c.URL = val
	case "header":
		p.header(val)
	case "data", "data-raw", "data-binary", "data-urlencode", "json":
		return p.dataOption(o, a, val)
	case "user":
		c.Headers = append(c.Headers, diagnose.Header{Name: "Authorization", Value: "Basic " + redactedValue})
		c.AuthScheme = "Basic"
		c.secrets = append(c.secrets, val)
	case "bearer":
		c.Headers = append(c.Headers, diagnose.Header{Name: "Authorization", Value: "Bearer " + redactedValue})
		c.AuthScheme = "Bearer"
		c.secrets = append(c.secrets, val)
	case "cookie":
		c.Headers = append(c.Headers, diagnose.Header{Name: "Cookie", Value: redactedValue})
		c.secrets = append(c.secrets, val)
	case "get":
		p.get = true
	case "head":
		p.head = true
	case "unsupported-form":
		p.warn("curl option %s (multipart form) is not supported: the form part %q was not judged", name, val)
	case "unsupported-upload":
		p.warn("curl option %s (upload a file) is not supported: ignored", name)
	case "proxy":
		p.warn("the request went through a proxy (%s): the proxy may alter it", name)
	case "agent", "referer", "ignore":
	}
	return nil
}

// header records -H "Name: value", redacting a credential.
func (p *curlParser) header(val string) {
	k, v, ok := strings.Cut(val, ":")
	if !ok {
		if !strings.HasSuffix(val, ";") {
			p.warn("header %q has no colon: ignored", val)
			return
		}
		k, v = strings.TrimSuffix(val, ";"), ""
	}
	r := redactHeader(strings.TrimSpace(k), strings.TrimSpace(v))
	if r.Value != strings.TrimSpace(v) {
		p.c.secrets = append(p.c.secrets, credentialOf(strings.TrimSpace(v)))
	}
	p.c.Headers = append(p.c.Headers, r)
	if strings.EqualFold(strings.TrimSpace(k), "Authorization") {
		p.c.AuthScheme = AuthScheme(strings.TrimSpace(v))
	}
}

// dataOption records -d and its kin; @file is read only through readFile,
// which reads regular files under the current directory (else the body
// is unknown, and the report says why).
func (p *curlParser) dataOption(o curlOpt, a, val string) error {
	b := []byte(val)
	if strings.HasPrefix(val, "@") && o.kind != "data-raw" {
		name := val[1:]
		if p.readFile == nil {
			return fmt.Errorf("%s %s: reading files is not available", a, val)
		}
		fb, err := p.readFile(name)
		if errors.Is(err, ErrNotRead) {
			p.warn("%s @%s was not read: convdiag reads a pasted curl's @files only when they are regular files under the current directory, so the body sent is unknown", optName(a), name)
			p.c.BodyUnread = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("curl %s @%s: %v", optName(a), name, err)
		}
		b = fb
		if o.kind == "data" {
			// curl -d @file strips carriage returns and newlines.
			b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
		}
	}
	if o.kind == "data-urlencode" {
		p.warn("--data-urlencode: the value was judged as written, before URL-encoding")
	}
	if o.kind == "json" {
		p.jsonData = true
	}
	p.data = append(p.data, b)
	return nil
}

// finishBody joins the data options as curl does: "&" between -d parts,
// nothing between --json parts; with -G they go to the query string.
func (p *curlParser) finishBody() {
	c := p.c
	if len(p.data) == 0 {
		return
	}
	sep := []byte("&")
	hasCT := false
	for _, h := range c.Headers {
		hasCT = hasCT || strings.EqualFold(h.Name, "Content-Type")
	}
	switch {
	case p.jsonData:
		sep = nil
		if !hasCT {
			c.Headers = append(c.Headers, diagnose.Header{Name: "Content-Type", Value: "application/json"})
		}
	case !hasCT && !p.get:
		// What curl sends for -d without a Content-Type header.
		c.Headers = append(c.Headers, diagnose.Header{Name: "Content-Type", Value: "application/x-www-form-urlencoded (curl's default for -d)"})
	}
	body := bytes.Join(p.data, sep)
	if !p.get {
		c.Body, c.HasBody = body, true
		return
	}
	if u, err := url.Parse(c.URL); err == nil {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += string(body)
		c.URL = u.String()
	}
}

// finishMethod is the method curl sends: -X, else HEAD for -I, GET for
// -G, POST with a body, GET without.
func (p *curlParser) finishMethod() {
	switch {
	case p.method != "":
		p.c.Method = p.method
	case p.head:
		p.c.Method = "HEAD"
	case p.get:
		p.c.Method = "GET"
	case p.c.HasBody:
		p.c.Method = "POST"
	default:
		p.c.Method = "GET"
	}
}

func optName(a string) string {
	if k, _, ok := strings.Cut(a, "="); ok {
		return k
	}
	if len(a) > 2 && !strings.HasPrefix(a, "--") {
		return a[:2]
	}
	return a
}

// ErrNotRead is what a curl @file reader returns for a file it will not
// read (outside the current directory, not a regular file).
var ErrNotRead = errors.New("not read")

// redactedValue replaces secrets parsers never let out.
const redactedValue = "<redacted>"

// AuthScheme classifies an Authorization value by its scheme, without
// keeping it: "Bearer", "Basic" or another scheme word; AuthBare for a
// token sent without a scheme; AuthVariable for a shell variable.
func AuthScheme(value string) string {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "$") {
		return diagnose.AuthVariable
	}
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok || strings.TrimSpace(rest) == "" || !schemeRe.MatchString(scheme) {
		return diagnose.AuthBare
	}
	for _, known := range []string{"Bearer", "Basic", "Digest", "Negotiate", "NTLM", "Token", "OAuth"} {
		if strings.EqualFold(scheme, known) {
			return known
		}
	}
	return scheme
}

// schemeRe is an HTTP authentication scheme word (a token, not a secret).
var schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,19}$`)

// redactHeader keeps a header's name (and an Authorization scheme) but
// never the value of a header that holds a credential.
func redactHeader(name, value string) diagnose.Header {
	switch l := strings.ToLower(name); {
	case l == "authorization" || l == "proxy-authorization":
		switch scheme := AuthScheme(value); scheme {
		case diagnose.AuthBare, diagnose.AuthVariable:
			return diagnose.Header{Name: name, Value: redactedValue}
		default:
			return diagnose.Header{Name: name, Value: scheme + " " + redactedValue}
		}
	case secretHeader(l):
		return diagnose.Header{Name: name, Value: redactedValue}
	}
	return diagnose.Header{Name: name, Value: value}
}

// secretHeader reports whether a header's (lower-case) name says it holds
// a credential: cookies, and any name with token, secret, key, auth,
// session, password or csrf in it.
func secretHeader(l string) bool {
	if l == "cookie" || l == "set-cookie" {
		return true
	}
	for _, w := range []string{"token", "secret", "key", "auth", "session", "password", "passwd", "csrf", "xsrf", "signature"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// secretParams are query parameters that carry credentials.
var secretParams = map[string]bool{"access_token": true, "token": true, "apikey": true, "api_key": true, "api-key": true, "key": true, "code": true,
	"client_secret": true, "password": true, "secret": true, "auth": true, "sig": true, "signature": true, "session": true, "id_token": true, "refresh_token": true}

// RedactURL removes the credentials of a URL: user information and the
// values of query parameters that carry one.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" && u.RawQuery == "" {
		return raw
	}
	if u.User != nil {
		u.User = url.User(redactedValue)
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if secretParams[strings.ToLower(k)] || diagnose.QuerySecretName(k) {
				q.Set(k, redactedValue)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// RedactCurl rewrites a pasted curl command without its credentials: the
// values of -u, -b, --oauth2-bearer and headers that hold a credential,
// and the secret query parameters of its URL. It is what the report's "to
// reproduce" line shows; a command that does not parse is not shown.
func RedactCurl(cmd string) string {
	if shell := windowsShell(strings.TrimSpace(cmd)); shell != "" {
		return redactWindowsCurl(shell, cmd)
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(strings.TrimSpace(cmd)), "")
	if err != nil {
		return "'<the curl command, not shown: it does not parse>'"
	}
	var words []string
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && words == nil {
			for _, w := range c.Args {
				words = append(words, wordText(w))
			}
			return false
		}
		return words == nil
	})
	secretOpt := map[string]bool{"-u": true, "--user": true, "-b": true, "--cookie": true, "--oauth2-bearer": true, "--proxy-user": true, "-U": true}
	for i := 1; i < len(words); i++ {
		w := words[i]
		lit := shellUnquote(w)
		name, _, hasVal := strings.Cut(lit, "=")
		switch {
		case secretOpt[lit] && i+1 < len(words):
			words[i+1] = redactedValue
			i++
		case hasVal && secretOpt[name]:
			words[i] = name + "=" + redactedValue
		case (lit == "-H" || lit == "--header") && i+1 < len(words):
			h := shellUnquote(words[i+1])
			if k, v, ok := strings.Cut(h, ":"); ok {
				r := redactHeader(strings.TrimSpace(k), strings.TrimSpace(v))
				words[i+1] = diagnose.ShellQuote(r.Name + ": " + r.Value)
			}
			i++
		case strings.Contains(lit, "://") || strings.Contains(lit, "?"):
			words[i] = diagnose.ShellQuote(RedactURL(lit))
		}
	}
	return strings.Join(words, " ")
}

// shellUnquote returns the value of a shell word with its quotes removed;
// parameter expansions stay as written ($TOKEN).
func shellUnquote(w string) string {
	f, err := syntax.NewParser().Parse(strings.NewReader("x "+w), "")
	if err != nil || len(f.Stmts) != 1 {
		return w
	}
	call, ok := f.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) != 2 {
		return w
	}
	var b strings.Builder
	var add func(parts []syntax.WordPart)
	add = func(parts []syntax.WordPart) {
		for _, p := range parts {
			switch x := p.(type) {
			case *syntax.Lit:
				b.WriteString(x.Value)
			case *syntax.SglQuoted:
				b.WriteString(x.Value)
			case *syntax.DblQuoted:
				add(x.Parts)
			default:
				var pb bytes.Buffer
				_ = syntax.NewPrinter().Print(&pb, p)
				b.Write(pb.Bytes())
			}
		}
	}
	add(call.Args[1].Parts)
	return b.String()
}
