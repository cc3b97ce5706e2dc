package report

import (
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redactor removes secrets and masks personal data in what convdiag prints
// or saves. Secrets (tokens, client secrets, Authorization values) are
// replaced by "<redacted>"; phone numbers and e-mail addresses by stable
// labels ("<phone-1>", "<email-2>") so that equal values stay equal across a
// report or a bundle and the evidence stays diagnosable.
type Redactor struct {
	secrets []string
	labels  map[string]string
	counts  map[string]int
	log     map[string]*Redaction
	places  []*Where
	placeAt map[placeKey]*Where
}

type placeKey struct{ file, path, kind, form, how string }

// Redaction records one redacted value (never the value itself).
type Redaction struct {
	// Kind is "secret", "token", "phone" or "email".
	Kind string `json:"kind"`
	// Replacement is what the value was replaced with.
	Replacement string `json:"replacement"`
	// How is "removed" (secrets) or "masked" (stable label).
	How string `json:"how"`
	// Count is how many times it was replaced.
	Count int `json:"count"`
}

// Redacted is what a secret becomes.
const Redacted = "<redacted>"

// NewRedactor returns a redactor that also removes the literal secrets
// given (the token and client secret in use).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{labels: map[string]string{}, counts: map[string]int{}, log: map[string]*Redaction{}}
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first, so a secret containing another is removed whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

var (
	authRe = regexp.MustCompile(`(?i)\b(bearer|basic|digest)(\s+)[A-Za-z0-9\-._~+/]{8,}=*`)
	// secretKVRe is a secret as a key and value: JSON, a form, a query
	// string, a config line.
	secretKVRe = regexp.MustCompile(`(?i)((?:"(?:access_token|refresh_token|id_token|client_secret|clientsecret|password|passwd|secret|api_key|apikey|auth_token|session_token|sessionid|token)"\s*:\s*"?)|(?:\b(?:access_token|refresh_token|id_token|client_secret|clientsecret|client-secret|password|passwd|api_key|apikey|api-key|auth_token|session_token|sessionid)\s*[:=]\s*"?)|(?:[?&;](?:access_token|refresh_token|id_token|client_secret|api_key|apikey|password|token|secret|key|code|sig|signature|auth)=))([^"&\s,}'#]+)`)
	// secretHeaderRe is a header whose name says it holds a credential,
	// written as "Name: value" (a pasted curl, a note, a log line).
	secretHeaderRe = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-[a-z0-9-]*(?:token|secret|key|auth|session|password|csrf)[a-z0-9-]*|[a-z0-9-]*(?:api-key|apikey|access-token|auth-token|session-id|csrf-token|xsrf-token))(\s*:\s*)([^'"\n\\]+)`)
	// secretFlag is a credential flag of a command line, with one or two
	// dashes.
	secretFlag = regexp.MustCompile(`(?i)((?:^|\s)--?(?:client-secret|access-token|clientsecret|accesstoken|client_secret|access_token|token|password|secret)(?:\s+|=))('[^']{6,}'|"[^"]{6,}"|[^\s'"-]\S{5,})`)
	jwtRe      = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	// curlCred is a credential option of a curl command line (a pasted
	// curl in the "to reproduce" line): -u user:pass, -b cookies, a bearer.
	curlCred    = regexp.MustCompile(`((?:^|\s)(?:-u|--user|-b|--cookie|--oauth2-bearer|--proxy-user|-U)(?:\s+|=)?)('[^']*[:=][^']*'|"[^"]*[:=][^"]*"|[^\s'":=-][^\s'"]*[:=][^\s'"]*|[^\s'":=-][^\s'"]{11,})`)
	userInfoURL = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@`)
	// emailRe: plain, internationalised, and with the @ written as %40,
	// \u0040 (JSON) or &#64;.
	emailRe = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+(?:@|%40|\\u0040|&#64;)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)
	// phoneIntlRe is a number with a country code (+, %2B, \u002b) or a
	// tel:/sip: scheme, in any grouping.
	phoneIntlRe = regexp.MustCompile(`(?i)(?:(?:tel|sip):)?(?:\+|%2B|\\u002b)\d[\d\s().\-/]{5,}\d|(?i:tel|sip):\d[\d\s().\-]{5,}\d`)
	// phoneNatRe is a national number written in groups: (317) 555-0199,
	// 317 555 0111, 317.555.0111, 020 7946 0958, 0044 20 7946 0958.
	phoneNatRe = regexp.MustCompile(`\(?\b\d{2,5}\)?(?:[ .\-]\d{2,8}){1,4}\b`)
	isoDateRe  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`)
)

// secretWords make a string worth running the secret patterns over.
var secretWords = []string{"bearer", "basic", "token", "digest", "eyj", "secret", "password", "passwd", "key", "auth", "cookie", "session", "csrf", "://", "-u", "--user", "-b", "--oauth2"}

// AddSecret makes the redactor remove a literal secret learnt later (a
// client secret read from a profile).
func (r *Redactor) AddSecret(secrets ...string) {
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) >= 4 && !containsString(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Writer returns a writer that redacts every write before passing it on:
// stderr, so that progress, -v lines and error messages carry no secret.
func (r *Redactor) Writer(w io.Writer) io.Writer { return &redactWriter{w: w, r: r} }

type redactWriter struct {
	mu sync.Mutex
	w  io.Writer
	r  *Redactor
}

func (rw *redactWriter) Write(b []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	out, _ := rw.r.apply(string(b))
	if _, err := io.WriteString(rw.w, out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// String redacts one string.
func (r *Redactor) String(s string) string {
	out, hits := r.apply(s)
	for _, h := range hits {
		r.note(h.Kind, h.Replacement, h.How, 1)
	}
	return out
}

// hit is one value replaced.
type hit struct{ Kind, Replacement, How, Form string }

// Forms of a redacted value: what it was found as. A manifest groups its
// redactions by them, so a reader sees that a cookie or a query parameter
// went, not only that "a secret" did.
const (
	FormKnownSecret = "known secret"         // the token or client secret in use
	FormAuthValue   = "authorization value"  // Bearer/Basic/Digest credentials
	FormJWT         = "JWT"                  // a JSON Web Token anywhere
	FormKeyValue    = "key=value"            // "client_secret": "…", password=…
	FormQueryParam  = "query parameter"      // ?access_token=…
	FormFlag        = "command-line flag"    // --client-secret …
	FormCurlCred    = "curl credential"      // -u user:pass, -b cookies
	FormHeader      = "header"               // X-Api-Key: …
	FormCookie      = "cookie"               // Cookie:, Set-Cookie:
	FormURLUserInfo = "URL user information" // https://user:pass@host
	FormPhone       = "phone number"
	FormEmail       = "e-mail address"
	FormAddress     = "address field" // a number in an address field, any format
)

// apply redacts s and says what it replaced. Cheap checks decide which
// patterns can match at all, so that a large document of ids and times
// costs little.
func (r *Redactor) apply(s string) (string, []hit) {
	if s == "" {
		return s, nil
	}
	var hits []hit
	removed := func(kind, form string) { hits = append(hits, hit{kind, Redacted, "removed", form}) }
	for _, sec := range r.secrets {
		if n := strings.Count(s, sec); n > 0 {
			s = strings.ReplaceAll(s, sec, Redacted)
			for i := 0; i < n; i++ {
				removed("secret", FormKnownSecret)
			}
		}
	}
	if looksLikeIDOrTime(s) {
		return s, hits
	}
	if mayHoldSecret(s) {
		s = r.applySecrets(s, removed)
	}
	if strings.ContainsAny(s, "@%\\&") {
		s = emailRe.ReplaceAllStringFunc(s, func(m string) string {
			l := r.label("email", m)
			hits = append(hits, hit{"email", l, "masked", FormEmail})
			return l
		})
	}
	if countDigits(s) >= 7 {
		mask := func(m string) string {
			l := r.label("phone", m)
			hits = append(hits, hit{"phone", l, "masked", FormPhone})
			return l
		}
		if wholePhone(s) {
			// The common case, an address field: the whole value is
			// one number; no pattern needs to run.
			return mask(s), hits
		}
		if strings.ContainsAny(s, "+:%\\") {
			s = replaceBounded(phoneIntlRe, s, mask)
		}
		s = replaceBounded(phoneNatRe, s, func(m string) string {
			if d := countDigits(m); d < 9 || d > 15 || isoDateRe.MatchString(m) {
				return m
			}
			return mask(m)
		})
	}
	return s, hits
}

// looksLikeIDOrTime reports whether s is a Genesys id (a UUID) or an RFC
// 3339 time, the bulk of a conversation's strings, which hold no personal
// data and need no pattern run over them.
func looksLikeIDOrTime(s string) bool {
	switch {
	case len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-':
		return isHexDash(s)
	case len(s) >= 20 && len(s) <= 35 && s[4] == '-' && s[7] == '-' && s[10] == 'T':
		for i := 0; i < len(s); i++ {
			if c := s[i]; !(c >= '0' && c <= '9' || strings.IndexByte("-:.TZ+", c) >= 0) {
				return false
			}
		}
		return true
	}
	return false
}

func isHexDash(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

func mayHoldSecret(s string) bool {
	// strings.ToLower returns s itself when nothing is upper case, the
	// usual case.
	l := strings.ToLower(s)
	for _, w := range secretWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// wholePhone reports whether s is one phone number and nothing else:
// "tel:+13175550100", "+1 (317) 555-0100", "sip:+44207946095".
func wholePhone(s string) bool {
	t := s
	if len(t) > 4 && (strings.EqualFold(t[:4], "tel:") || strings.EqualFold(t[:4], "sip:")) {
		t = t[4:]
	}
	switch {
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	case len(t) > 3 && strings.EqualFold(t[:3], "%2B"):
		t = t[3:]
	default:
		return false
	}
	if t == "" || t[0] < '0' || t[0] > '9' || t[len(t)-1] < '0' || t[len(t)-1] > '9' {
		return false
	}
	digits := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case strings.IndexByte(" ().-/", c) < 0:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// applySecrets removes credentials found by their shape.
func (r *Redactor) applySecrets(s string, removed func(kind, form string)) string {
	keep := func(v string) bool {
		v = strings.Trim(v, `'" `)
		return v == Redacted || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "<") || strings.HasPrefix(v, "{{") || strings.HasSuffix(v, Redacted)
	}
	s = authRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := authRe.FindStringSubmatch(m)
		removed("token", FormAuthValue)
		return sub[1] + sub[2] + Redacted
	})
	s = jwtRe.ReplaceAllStringFunc(s, func(string) string { removed("token", FormJWT); return Redacted })
	for _, p := range []struct {
		re   *regexp.Regexp
		form string
	}{{secretKVRe, FormKeyValue}, {secretFlag, FormFlag}, {curlCred, FormCurlCred}} {
		p := p
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			sub := p.re.FindStringSubmatch(m)
			if keep(sub[2]) {
				return m
			}
			form := p.form
			if form == FormKeyValue && strings.ContainsAny(sub[1][:1], "?&;") {
				form = FormQueryParam
			}
			removed("secret", form)
			return sub[1] + Redacted
		})
	}
	s = secretHeaderRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretHeaderRe.FindStringSubmatch(m)
		v := strings.TrimSpace(sub[3])
		if keep(v) || strings.HasPrefix(strings.ToLower(v), "bearer $") {
			return m
		}
		form := FormHeader
		if strings.Contains(strings.ToLower(sub[1]), "cookie") {
			form = FormCookie
		}
		// Keep an Authorization scheme word; the value goes.
		if f := strings.Fields(v); len(f) > 1 && len(f[0]) < 20 && strings.EqualFold(sub[1], "authorization") {
			if keep(f[1]) {
				return m
			}
			removed("secret", form)
			return sub[1] + sub[2] + f[0] + " " + Redacted
		}
		removed("secret", form)
		return sub[1] + sub[2] + Redacted
	})
	s = userInfoURL.ReplaceAllStringFunc(s, func(m string) string {
		removed("secret", FormURLUserInfo)
		return userInfoURL.FindStringSubmatch(m)[1] + Redacted + "@"
	})
	return s
}

// replaceBounded replaces matches that do not sit inside a longer word or
// id (a UUID's digits, a timestamp).
func replaceBounded(re *regexp.Regexp, s string, f func(string) string) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if l[0] > 0 && isIDChar(s[l[0]-1]) || l[1] < len(s) && isIDChar(s[l[1]]) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(f(s[l[0]:l[1]]))
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func isIDChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}

// label returns the stable label of a personal value.
func (r *Redactor) label(kind, v string) string {
	key := kind + "\x00" + normalizePersonal(kind, v)
	l, ok := r.labels[key]
	if !ok {
		r.counts[kind]++
		l = fmt.Sprintf("<%s-%d>", kind, r.counts[kind])
		r.labels[key] = l
	}
	return l
}

// normalizePersonal makes "tel:+1 555-0100" and "+15550100" the same
// value, and "a%40b.com" the same as "a@b.com".
func normalizePersonal(kind, v string) string {
	if kind == "email" {
		return strings.NewReplacer("%40", "@", `\u0040`, "@", "&#64;", "@").Replace(strings.ToLower(v))
	}
	var b strings.Builder
	for _, c := range v {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (r *Redactor) note(kind, repl, how string, n int) {
	key := kind + "\x00" + repl
	if x, ok := r.log[key]; ok {
		x.Count += n
		return
	}
	r.log[key] = &Redaction{Kind: kind, Replacement: repl, How: how, Count: n}
}

// Log lists what was redacted, sorted.
func (r *Redactor) Log() []Redaction {
	out := make([]Redaction, 0, len(r.log))
	for _, x := range r.log {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Replacement < out[j].Replacement
	})
	return out
}

// Bytes redacts bytes as text.
func (r *Redactor) Bytes(b []byte) []byte { return []byte(r.String(string(b))) }

// Where is a group of redactions at one place: a file, a JSON path pattern
// in it ("participants[*].calls[*].self.addressNormalized"), and what was
// redacted there.
type Where struct {
	File string `json:"file"`
	// Path is the JSON path pattern, array indexes written [*]; empty
	// for a file judged as text.
	Path string `json:"path,omitempty"`
	Kind string `json:"kind"`
	// Form is what the value was found as: a header, a cookie, a query
	// parameter, a phone number… (the Form* constants).
	Form string `json:"form,omitempty"`
	How  string `json:"how"`
	// Replacement is what the values became, when they all became the
	// same thing ("<redacted>"); labels differ per value and are left out.
	Replacement string `json:"replacement,omitempty"`
	// Count is how many values were redacted there.
	Count int `json:"count"`
}

// Walk redacts, in place, every string reachable from v (a pointer),
// except json.RawMessage values convdiag built itself.
func (r *Redactor) Walk(v any) { r.walk(reflect.ValueOf(v), "", "") }

// WalkAt is Walk that also records where each redaction was made; file
// names the document v is.
func (r *Redactor) WalkAt(file string, v any) { r.walk(reflect.ValueOf(v), file, "") }

// BytesAt redacts a document judged as text and records it under file.
func (r *Redactor) BytesAt(file string, b []byte) []byte {
	out, hits := r.apply(string(b))
	r.record(file, "", hits)
	return []byte(out)
}

// Places lists the recorded redactions grouped by file, path pattern,
// kind and form, in the order first made.
func (r *Redactor) Places() []Where {
	out := make([]Where, len(r.places))
	for i, w := range r.places {
		out[i] = *w
	}
	return out
}

// Record notes redactions made elsewhere (a header value convdiag's input
// layer removed by its name when it read the file) so that a manifest
// lists them too.
func (r *Redactor) Record(file, path, kind, form string, n int) {
	for i := 0; i < n; i++ {
		r.record(file, path, []hit{{kind, Redacted, "removed", form}})
	}
}

func (r *Redactor) record(file, path string, hits []hit) {
	for _, h := range hits {
		r.note(h.Kind, h.Replacement, h.How, 1)
		if file == "" {
			continue
		}
		pattern := pathPattern(path)
		key := placeKey{file, pattern, h.Kind, h.Form, h.How}
		w, ok := r.placeAt[key]
		if !ok {
			w = &Where{File: file, Path: pattern, Kind: h.Kind, Form: h.Form, How: h.How, Replacement: h.Replacement}
			if r.placeAt == nil {
				r.placeAt = map[placeKey]*Where{}
			}
			r.placeAt[key] = w
			r.places = append(r.places, w)
		} else if w.Replacement != h.Replacement {
			w.Replacement = ""
		}
		w.Count++
	}
}

// pathPattern writes every array index of a JSON path as [*]: 5,000
// participants' addresses are one place, not 5,000.
func pathPattern(path string) string {
	indexed := false
	for i := 0; i+1 < len(path); i++ {
		if path[i] == '[' && path[i+1] >= '0' && path[i+1] <= '9' {
			indexed = true
			break
		}
	}
	if !indexed {
		return path
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] == '[' {
			j := i + 1
			for j < len(path) && path[j] >= '0' && path[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(path) && path[j] == ']' {
				b.WriteString("[*]")
				i = j
				continue
			}
		}
		b.WriteByte(path[i])
	}
	return b.String()
}

func (r *Redactor) walk(v reflect.Value, file, path string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem(), file, path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			r.walk(v.Field(i), file, joinPath(path, name))
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			r.walk(v.Index(i), file, fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if v.Type().Elem().Kind() == reflect.String && v.Type().Key().Kind() == reflect.String {
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				out, hits := r.apply(v.MapIndex(k).String())
				r.record(file, fmt.Sprintf("%s[%q]", path, k.String()), hits)
				v.SetMapIndex(k, reflect.ValueOf(out))
			}
			return
		}
		walkMap(v, func(s string) string {
			out, hits := r.apply(s)
			r.record(file, path, hits)
			return out
		}, func(x reflect.Value) { r.walk(x, file, path) })
	case reflect.String:
		if v.CanSet() {
			out, hits := r.apply(v.String())
			if addressFields[lastName(path)] && len(hits) == 0 && countDigits(out) >= 7 {
				// An address field holds a number whatever its format
				// ("3175550100", "0044 20 7946 0958"): mask it whole.
				l := r.label("phone", out)
				out, hits = l, []hit{{"phone", l, "masked", FormAddress}}
			}
			r.record(file, path, hits)
			v.SetString(out)
		}
	}
}

// addressFields are the Genesys fields that hold a phone number or other
// address of a person.
var addressFields = map[string]bool{"address": true, "ani": true, "dnis": true, "addressNormalized": true, "addressRaw": true, "addressDisplayable": true}

func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
