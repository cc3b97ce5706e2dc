package report

import (
	"encoding/json"
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
	// region is where national phone numbers are read; judged and
	// validated cache what was decided of each phone candidate.
	region    string
	judged    map[string]phoneVerdict
	validated map[string]bool
	labels    map[string]string
	counts    map[string]int
	log       map[string]*Redaction
	places    []*Where
	placeAt   map[placeKey]*Where
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
	r := &Redactor{labels: map[string]string{}, counts: map[string]int{}, log: map[string]*Redaction{}, region: DefaultPhoneRegion}
	r.AddSecret(secrets...)
	return r
}

// The redactor's patterns are compiled the first time a string needs
// them (most strings are ids and times, judged without any): compiled at
// start-up, they cost every command, also those that print nothing.

// lazyRegexp returns a function that compiles expr the first time it is
// called.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// emailRe: plain, internationalised, and with the @ written as %40,
// \u0040 (JSON) or &#64;.
var emailRe = lazyRegexp(`[\p{L}\p{N}._%+\-]+(?:@|%40|\\u0040|&#64;)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)

// AddSecret makes the redactor remove a literal secret learnt later (a
// client secret read from a profile), as written and as it travels
// percent-encoded or in base64.
func (r *Redactor) AddSecret(secrets ...string) {
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < 4 {
			continue
		}
		for _, v := range secretVariants(s) {
			if !containsString(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
	// Longest first, so a secret containing another is removed whole.
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
	FormAddress     = "address field"           // a number in an address field, any format
	FormSecretField = "field named as a secret" // "password": …, whatever its value
	FormCard        = "payment card number"
	FormIBAN        = "IBAN"
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
	if doc, ok := r.jsonText(s); ok {
		// A JSON document in a string (a request body, a double-encoded
		// attribute) is redacted by its structure: each secret field's
		// value goes whole, and the document stays valid JSON.
		return doc.out, append(hits, doc.hits...)
	}
	if mayHoldSecret(s) {
		s = r.applySecrets(s, removed)
	}
	if strings.ContainsAny(s, "@%\\&") {
		s = emailRe().ReplaceAllStringFunc(s, func(m string) string {
			l := r.label("email", normalizeEmail(m))
			hits = append(hits, hit{"email", l, "masked", FormEmail})
			return l
		})
	}
	if d := countDigits(s); d >= 7 {
		s = r.applyNumbers(s, d, func(h hit) { hits = append(hits, h) })
	}
	return s, hits
}

// applyNumbers masks payment card numbers, IBANs and phone numbers.
func (r *Redactor) applyNumbers(s string, digits int, add func(hit)) string {
	mask := func(kind, form, key string) string {
		l := r.label(kind, key)
		add(hit{kind, l, "masked", form})
		return l
	}
	if digits >= 13 {
		s = replaceSpans(s, cardCandidates(s), func(m string) string { return mask("card", FormCard, onlyDigits(m)) })
	}
	if digits >= 10 && strings.IndexFunc(s, func(c rune) bool { return c >= 'A' && c <= 'Z' }) >= 0 {
		s = ibanRe().ReplaceAllStringFunc(s, func(m string) string {
			if !validIBAN(m) {
				return m
			}
			return mask("iban", FormIBAN, strings.ReplaceAll(m, " ", ""))
		})
	}
	var phones []textSpan
	for _, sp := range phoneCandidates(s) {
		phones = append(phones, splitPhones(s[sp.start:sp.end], sp.start, r.judge, r.valid)...)
	}
	return replaceSpans(s, phones, func(m string) string { return mask("phone", FormPhone, r.judge(m).key) })
}

// judge is judgePhone in the redactor's region, each candidate judged once.
func (r *Redactor) judge(cand string) phoneVerdict {
	return memo(&r.judged, cand, func(c string) phoneVerdict { return judgePhone(c, r.region) })
}

// valid is validPhone in the redactor's region, each candidate asked once.
func (r *Redactor) valid(cand string) bool {
	return memo(&r.validated, cand, func(c string) bool { return validPhone(c, r.region) })
}

// memo returns f(k), computed once per key into *m.
func memo[V any](m *map[string]V, k string, f func(string) V) V {
	if v, ok := (*m)[k]; ok {
		return v
	}
	if *m == nil {
		*m = map[string]V{}
	}
	v := f(k)
	(*m)[k] = v
	return v
}

// SetPhoneRegion sets the region national phone numbers are read in (an
// ISO 3166 code such as "DE"; DefaultPhoneRegion when never set).
func (r *Redactor) SetPhoneRegion(region string) {
	if region = strings.ToUpper(strings.TrimSpace(region)); region != "" && region != r.region {
		r.region, r.judged, r.validated = region, nil, nil
	}
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

// label returns the stable label of a personal value, given normalised
// (normalizeEmail, a phone verdict's key, a card's digits).
func (r *Redactor) label(kind, v string) string {
	key := kind + "\x00" + v
	l, ok := r.labels[key]
	if !ok {
		r.counts[kind]++
		l = fmt.Sprintf("<%s-%d>", kind, r.counts[kind])
		r.labels[key] = l
	}
	return l
}

// normalizeEmail makes "a%40b.com" the same e-mail address as "a@b.com".
func normalizeEmail(v string) string {
	return strings.NewReplacer("%40", "@", `\u0040`, "@", "&#64;", "@").Replace(strings.ToLower(v))
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
// json.RawMessage values included (redacted by their JSON structure).
func (r *Redactor) Walk(v any) { r.walk(reflect.ValueOf(v), "", "") }

// WalkAt is Walk that also records where each redaction was made; file
// names the document v is.
func (r *Redactor) WalkAt(file string, v any) { r.walk(reflect.ValueOf(v), file, "") }

// BytesAt redacts a document and records it under file: by its
// structure when it is JSON (each redaction under its JSON path), as text
// otherwise.
func (r *Redactor) BytesAt(file string, b []byte) []byte { return r.JSONAt(file, b) }

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

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

func (r *Redactor) walk(v reflect.Value, file, path string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem(), file, path)
		}
	case reflect.Struct:
		r.namedSecret(v, file, path)
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
			// A JSON value the report holds (a fix's body, built from
			// the body sent, so holding what the customer sent: a phone
			// number to call, a secret in an attribute) is redacted by
			// its structure and stays valid JSON; other bytes are left.
			if v.Type() == rawMessageType && v.CanSet() && v.Len() > 0 {
				v.SetBytes(r.JSONAt(file, v.Bytes()))
			}
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
				l := r.label("phone", r.judge(out).key)
				out, hits = l, []hit{{"phone", l, "masked", FormAddress}}
			}
			r.record(file, path, hits)
			v.SetString(out)
		}
	}
}

// namedSecret redacts a struct that pairs a name with a value (a header
// {Name, Value}, a piece of evidence {Path, Value}) when the name says the
// value is a secret: the value goes whole, whatever it looks like.
func (r *Redactor) namedSecret(v reflect.Value, file, path string) {
	t := v.Type()
	name, value := -1, -1
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() != reflect.String || !f.IsExported() {
			continue
		}
		switch strings.ToLower(strings.Split(f.Tag.Get("json"), ",")[0]) {
		case "name", "path", "key":
			name = i
		case "value":
			value = i
		}
	}
	if name < 0 || value < 0 || !v.Field(value).CanSet() {
		return
	}
	n, val := v.Field(name).String(), v.Field(value).String()
	if !secretHeaderName(fieldName(n)) || keepValue(val) {
		return
	}
	out := Redacted
	if f := strings.Fields(val); len(f) == 2 && strings.HasSuffix(strings.ToLower(n), "authorization") && len(f[0]) < 20 {
		out = f[0] + " " + Redacted
	}
	v.Field(value).SetString(out)
	r.record(file, joinPath(path, "value"), []hit{{"secret", Redacted, "removed", FormSecretField}})
}

// addressFields are the Genesys fields that hold a phone number or other
// address of a person.
var addressFields = map[string]bool{"address": true, "ani": true, "dnis": true, "addressNormalized": true, "addressRaw": true, "addressDisplayable": true}

// fieldName is the name a JSON path ends with, without indexes:
// "participants[0].attributes.password" is "password".
func fieldName(path string) string {
	for strings.HasSuffix(path, "]") {
		i := strings.LastIndexByte(path, '[')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return lastName(path)
}

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
