package report

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
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
}

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
	authRe      = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]{8,}=*`)
	secretKVRe  = regexp.MustCompile(`(?i)("?(?:access_token|refresh_token|id_token|client_secret|clientsecret|client-secret|password|secret)"?\s*[:=]\s*"?)([^"&\s,}]+)`)
	secretFlag  = regexp.MustCompile(`(?i)(--(?:client-secret|access-token|clientsecret|accesstoken)[= ])(\S+)`)
	jwtRe       = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	emailRe     = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	phoneRe     = regexp.MustCompile(`(?:tel:|sip:)?\+\d[\d\s().\-]{5,}\d|(?:tel:)\d[\d\s().\-]{5,}\d|\(\d{3}\)\s?\d{3}[\-.\s]\d{4}|\b\d{3}[\-.]\d{3}[\-.]\d{4}\b`)
	userInfoURL = regexp.MustCompile(`(https?://)[^/@\s:]+:[^/@\s]+@`)
)

// String redacts one string.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			n := strings.Count(s, sec)
			s = strings.ReplaceAll(s, sec, Redacted)
			r.note("secret", Redacted, "removed", n)
		}
	}
	s = authRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := authRe.FindStringSubmatch(m)
		r.note("token", Redacted, "removed", 1)
		return sub[1] + sub[2] + Redacted
	})
	s = jwtRe.ReplaceAllStringFunc(s, func(string) string { r.note("token", Redacted, "removed", 1); return Redacted })
	s = secretKVRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretKVRe.FindStringSubmatch(m)
		if sub[2] == Redacted || strings.HasPrefix(sub[2], "$") || strings.HasPrefix(sub[2], "<") {
			return m
		}
		r.note("secret", Redacted, "removed", 1)
		return sub[1] + Redacted
	})
	s = secretFlag.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretFlag.FindStringSubmatch(m)
		r.note("secret", Redacted, "removed", 1)
		return sub[1] + Redacted
	})
	s = userInfoURL.ReplaceAllStringFunc(s, func(m string) string {
		r.note("secret", Redacted, "removed", 1)
		return userInfoURL.FindStringSubmatch(m)[1] + Redacted + "@"
	})
	s = emailRe.ReplaceAllStringFunc(s, func(m string) string { return r.label("email", m) })
	s = replaceBounded(phoneRe, s, func(m string) string { return r.label("phone", m) })
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
	r.note(kind, l, "masked", 1)
	return l
}

// normalizePersonal makes "tel:+1 555-0100" and "+15550100" the same value.
func normalizePersonal(kind, v string) string {
	if kind == "email" {
		return strings.ToLower(v)
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

// Walk redacts, in place, every string reachable from v (a pointer),
// except json.RawMessage values convdiag built itself.
func (r *Redactor) Walk(v any) { r.walk(reflect.ValueOf(v)) }

func (r *Redactor) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				r.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			r.walk(v.Index(i))
		}
	case reflect.Map:
		if v.Type().Elem().Kind() == reflect.String && v.Type().Key().Kind() == reflect.String {
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				v.SetMapIndex(k, reflect.ValueOf(r.String(v.MapIndex(k).String())))
			}
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(r.String(v.String()))
		}
	}
}
