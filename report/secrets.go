package report

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// Secrets found in text: by their shape (a bearer value, a JWT, a URL's
// user information), and by the name they are given (a key, a query
// parameter, a form field, a header, a command-line option), whatever the
// name's case or style (diagnose.SecretName).

var (
	authRe = lazyRegexp(`(?i)\b(bearer|basic|digest)(\s+)[A-Za-z0-9\-._~+/]{8,}=*`)
	jwtRe  = lazyRegexp(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	// headerLineRe is a header written as "Name: value" (a pasted curl, a
	// note, a log line); the value runs to the end of the line.
	headerLineRe = lazyRegexp(`(?i)\b([a-z][a-z0-9-]*)(\s*:\s*)([^'"\n\\]+)`)
	// secretFlagRe is a command-line option whose name says it holds a
	// secret, with one or two dashes and its value.
	secretFlagRe = lazyRegexp(`((?:^|\s)--?([A-Za-z][A-Za-z0-9_-]*)(?:\s+|=))('[^']{4,}'|"[^"]{4,}"|[^\s'"-]\S{3,})`)
	// curlCredRe is a curl option that carries credentials: -u user:pass,
	// -b cookies, --oauth2-bearer, --proxy-user, -E cert:pass, --pass.
	curlCredRe = lazyRegexp(`((?:^|\s)(?:-u|--user|-b|--cookie|--oauth2-bearer|--proxy-user|-U|-E|--cert|--pass|--proxy-pass)(?:\s+|=))('[^']*'|"[^"]*"|[^\s'"-][^\s'"]*)`)
	// curlGluedCredRe is -u or -b with its value glued on (-uuser:pass).
	curlGluedCredRe = lazyRegexp(`((?:^|\s)-[ub])([^\s'"=-][^\s'"]*[:=][^\s'"]*)`)
	// proxyUserRe is the user information of a curl proxy option
	// (-x user:pass@host), with or without a scheme.
	proxyUserRe = lazyRegexp(`((?:^|\s)(?:-x|--proxy)(?:\s+|=)['"]?(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?)[^\s'"@/]+@`)
	userInfoURL = lazyRegexp(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@`)
)

// secretStems make a string worth running the secret patterns over: a
// secret name contains one of them, and so does every shape looked for.
var secretStems = []string{"bearer", "basic", "digest", "eyj", "pass", "pwd", "secret", "token", "jwt", "key", "signature", "auth",
	"cookie", "sess", "csrf", "credential", "://", "-u", "--user", "-b", "-e", "-x", "--proxy", "sig=", "code="}

func mayHoldSecret(s string) bool {
	// strings.ToLower returns s itself when nothing is upper case, the
	// usual case.
	l := strings.ToLower(s)
	for _, w := range secretStems {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// keepValue reports whether a value is a placeholder, not a secret: a
// shell variable in capitals ($TOKEN, ${CLIENT_SECRET}), a template
// ({{token}}), a label or something already redacted.
func keepValue(v string) bool {
	v = strings.Trim(v, `'" `)
	return v == "" || placeholderRe().MatchString(v) || strings.HasSuffix(v, Redacted)
}

var placeholderRe = lazyRegexp(`^(?:\$\{?[A-Z_][A-Z0-9_]*\}?|\{\{[^{}]*\}\}|<[a-z]+(?:-[0-9]+)?>)`)

// applySecrets removes credentials found by their shape or their name.
func (r *Redactor) applySecrets(s string, removed func(kind, form string)) string {
	s = authRe().ReplaceAllStringFunc(s, func(m string) string {
		sub := authRe().FindStringSubmatch(m)
		removed("token", FormAuthValue)
		return sub[1] + sub[2] + Redacted
	})
	s = jwtRe().ReplaceAllStringFunc(s, func(string) string { removed("token", FormJWT); return Redacted })
	for _, re := range []*regexp.Regexp{curlCredRe(), curlGluedCredRe()} {
		s = replaceGroups(re, s, func(sub []string) string {
			if keepValue(sub[2]) {
				return sub[0]
			}
			removed("secret", FormCurlCred)
			return sub[1] + quoteLike(sub[2], Redacted)
		})
	}
	s = replaceGroups(proxyUserRe(), s, func(sub []string) string {
		removed("secret", FormCurlCred)
		return sub[1] + Redacted + "@"
	})
	s = replaceGroups(secretFlagRe(), s, func(sub []string) string {
		if !diagnose.SecretName(sub[2]) || keepValue(sub[3]) {
			return sub[0]
		}
		removed("secret", FormFlag)
		return sub[1] + quoteLike(sub[3], Redacted)
	})
	s = replaceNamed(headerLineRe(), s, func(sub []string) (string, bool) { return r.redactHeaderLine(sub, removed) })
	s = scanNamedValues(s, removed)
	s = userInfoURL().ReplaceAllStringFunc(s, func(m string) string {
		removed("secret", FormURLUserInfo)
		return userInfoURL().FindStringSubmatch(m)[1] + Redacted + "@"
	})
	return s
}

// scanNamedValues removes each value given a secret's name: "name":
// "value" (JSON: the whole string, escaped quotes and all, or what is left
// of it), name=value (a form, a query string, a config line), name: value.
// It reads s once: after a name that is no secret it goes on right after
// the name, so a value that is itself a name ("note: \"password\": ...")
// is seen, and hostile text costs linear time.
func scanNamedValues(s string, removed func(kind, form string)) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		start, j := i, i
		if s[j] == '"' {
			j++
		}
		if j >= len(s) || !isLetter(s[j]) || start > 0 && isNameChar(s[start-1]) {
			i++
			continue
		}
		k := j
		for k < len(s) && isNameChar(s[k]) {
			k++
		}
		name, end := s[j:k], k
		if s[start] == '"' && k < len(s) && s[k] == '"' {
			end++ // "name": a JSON key
		}
		m := skipBlanks(s, end)
		if m >= len(s) || s[m] != ':' && s[m] != '=' {
			i = k
			continue
		}
		sep := s[m]
		m = skipBlanks(s, m+1)
		var before byte
		if start > 0 {
			before = s[start-1]
		}
		query := sep == '=' && before != 0 && strings.IndexByte("?&;", before) >= 0
		if !(diagnose.SecretName(name) || query && diagnose.QuerySecretName(name)) || m >= len(s) {
			i = k
			continue
		}
		vEnd := textValueEnd(s, m)
		if v := s[m:vEnd]; v == "" || keepValue(v) || isAuthScheme(v) {
			i = k
			continue
		}
		form := FormKeyValue
		if query {
			form = FormQueryParam
		}
		removed("secret", form)
		b.WriteString(s[last:m])
		b.WriteString(quoteLike(s[m:vEnd], Redacted))
		last, i = vEnd, vEnd
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// textValueEnd is where a value starting at i ends: a double-quoted
// string at its closing quote (escapes skipped) or the end, a
// single-quoted one at its quote, else at a blank or a delimiter.
func textValueEnd(s string, i int) int {
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '\'':
		if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
			return i + j + 2
		}
		return len(s)
	}
	j := i
	for j < len(s) && strings.IndexByte(" \t\r\n&,;\"'}]<", s[j]) < 0 {
		j++
	}
	return j
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isNameChar(c byte) bool { return isAlnum(c) || strings.IndexByte("_.%-", c) >= 0 }

// redactHeaderLine removes the value of a "Name: value" header whose name
// says it holds a credential, keeping an Authorization scheme word.
func (r *Redactor) redactHeaderLine(sub []string, removed func(kind, form string)) (string, bool) {
	name, v := sub[1], strings.TrimSpace(sub[3])
	if !secretHeaderName(name) || keepValue(v) || strings.HasPrefix(strings.ToLower(v), "bearer $") {
		return "", false
	}
	form := FormHeader
	if strings.Contains(strings.ToLower(name), "cookie") {
		form = FormCookie
	}
	if f := strings.Fields(v); len(f) > 1 && len(f[0]) < 20 && diagnose.SecretName(name) && strings.HasSuffix(strings.ToLower(name), "authorization") {
		if keepValue(f[1]) {
			return "", false
		}
		removed("secret", form)
		return sub[1] + sub[2] + f[0] + " " + Redacted, true
	}
	removed("secret", form)
	return sub[1] + sub[2] + Redacted, true
}

// isAuthScheme reports whether v is an HTTP authentication scheme word
// alone ("Bearer"): the credential follows it, the word is no secret.
func isAuthScheme(v string) bool {
	switch strings.ToLower(v) {
	case "bearer", "basic", "digest", "negotiate", "ntlm", "oauth":
		return true
	}
	return false
}

// secretHeaderName reports whether a header's name says it holds a
// credential: a secret name, or an X- header naming a token, a session, a
// key, a password or a CSRF value anywhere in it.
func secretHeaderName(name string) bool {
	if diagnose.SecretName(name) {
		return true
	}
	l := strings.ToLower(name)
	if !strings.HasPrefix(l, "x-") {
		return false
	}
	for _, w := range []string{"token", "secret", "key", "auth", "session", "password", "csrf", "xsrf"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// quoteLike writes repl quoted as v was, so that a JSON string stays a
// JSON string and a quoted shell word stays quoted.
func quoteLike(v, repl string) string {
	switch {
	case strings.HasPrefix(v, `"`):
		return `"` + repl + `"`
	case strings.HasPrefix(v, "'"):
		return "'" + repl + "'"
	}
	return repl
}

// replaceNamed replaces the matches of re (whose first group is a name
// and last a value) that f accepts. When f declines a match whose value
// holds another name=value (the query string of
// "https://host/x?apikey=..."), the search starts again after its name,
// at most maxRescans times per string, so that hostile text costs linear
// time. A match whose name starts inside a longer word is skipped.
func replaceNamed(re *regexp.Regexp, s string, f func(sub []string) (string, bool)) string {
	var b strings.Builder
	last, pos, rescans := 0, 0, 0
	for pos < len(s) {
		locs := re.FindAllStringSubmatchIndex(s[pos:], -1)
		base, next := pos, -1
		for _, loc := range locs {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += base
				}
			}
			sub := make([]string, len(loc)/2)
			for i := range sub {
				if loc[2*i] >= 0 {
					sub[i] = s[loc[2*i]:loc[2*i+1]]
				}
			}
			out, ok := "", false
			if loc[0] == 0 || !isNameChar(s[loc[0]-1]) {
				out, ok = f(sub)
			}
			if !ok {
				if rescans < maxRescans && strings.ContainsAny(sub[len(sub)-1], ":=") {
					rescans++
					next = loc[3]
					break
				}
				continue
			}
			b.WriteString(s[last:loc[0]])
			b.WriteString(out)
			last = loc[1]
		}
		if next < 0 {
			break
		}
		pos = next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maxRescans bounds how often replaceNamed searches a string again.
const maxRescans = 64

// replaceGroups is ReplaceAllStringFunc with the submatches at hand.
func replaceGroups(re *regexp.Regexp, s string, f func(sub []string) string) string {
	locs := re.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		sub := make([]string, len(loc)/2)
		for i := range sub {
			if loc[2*i] >= 0 {
				sub[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(f(sub))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// secretVariants are the forms a literal secret travels in besides
// itself: percent-encoded (a query string, a form body) and base64 (a
// Basic Authorization value holding it alone).
func secretVariants(s string) []string {
	out := []string{s}
	for _, v := range []string{url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))} {
		if v != s && !containsString(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// BasicCredential is the base64 a Basic Authorization value carries for
// a client id and secret, so that a redactor given it removes that value
// wherever it travels.
func BasicCredential(id, secret string) string {
	if id == "" || secret == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}
