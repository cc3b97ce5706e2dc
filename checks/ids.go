package checks

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	uuidAnyCaseRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	hex32Re       = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	prefixRe      = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]{0,15})[-_:](.+)$`)
	placeholderRe = regexp.MustCompile(`^(\{\{?\s*[A-Za-z_]+\s*\}?\}|<[A-Za-z_ -]+>|:[A-Za-z_]+|\$\{?[A-Za-z_]+\}?|[A-Z_]*ID|[a-z]+Id|participant(_?id)?|PID|pid)$`)
)

// IDForm is a participant (or conversation) id judged for form.
type IDForm struct {
	Raw string
	// Canonical is the lowercase UUID the raw id stands for, "" when none
	// can be derived.
	Canonical string
	// Problems lists what is wrong with the form, empty for a canonical id.
	Problems []string
	// Placeholder is set when the id is a template placeholder.
	Placeholder bool
}

// OK reports whether the raw id is already canonical.
func (f IDForm) OK() bool { return f.Canonical != "" && len(f.Problems) == 0 }

// Key is the id to look up: the canonical form when there is one, the raw id
// otherwise.
func (f IDForm) Key() string {
	if f.Canonical != "" {
		return f.Canonical
	}
	return strings.TrimSpace(f.Raw)
}

// NormalizeID judges the form of an id and derives its canonical form.
func NormalizeID(raw string) IDForm {
	f := IDForm{Raw: raw}
	s := raw
	if t := strings.TrimSpace(s); t != s {
		f.Problems = append(f.Problems, "has surrounding whitespace")
		s = t
	}
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		f.Problems = append(f.Problems, "is wrapped in quotes")
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		f.Problems = append(f.Problems, "is empty")
		return f
	}
	if strings.Contains(s, "%") {
		if u, err := url.PathUnescape(s); err == nil && u != s {
			f.Problems = append(f.Problems, "is still percent-encoded after the path was decoded (it was encoded twice on the wire: %25...)")
			s = strings.TrimSpace(u)
		}
	}
	if placeholderRe.MatchString(s) {
		f.Placeholder = true
		f.Problems = append(f.Problems, "is a template placeholder, not an id")
		return f
	}
	if len(s) >= 2 && (s[0] == '{' && s[len(s)-1] == '}' || s[0] == '(' && s[len(s)-1] == ')' || s[0] == '[' && s[len(s)-1] == ']') {
		f.Problems = append(f.Problems, "is wrapped in "+string(s[0])+string(s[len(s)-1]))
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if strings.HasPrefix(strings.ToLower(s), "urn:uuid:") {
		f.Problems = append(f.Problems, `has the prefix "urn:uuid:"`)
		s = s[len("urn:uuid:"):]
	}
	if !uuidAnyCaseRe.MatchString(s) && !hex32Re.MatchString(s) {
		if m := prefixRe.FindStringSubmatch(s); m != nil && (uuidAnyCaseRe.MatchString(m[2]) || hex32Re.MatchString(m[2])) {
			f.Problems = append(f.Problems, `has the prefix "`+s[:len(m[1])+1]+`"`)
			s = m[2]
		}
	}
	if hex32Re.MatchString(s) {
		f.Problems = append(f.Problems, "has no hyphens")
		s = s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
	}
	if !uuidAnyCaseRe.MatchString(s) {
		f.Problems = append(f.Problems, "is not a UUID (Genesys ids are lowercase 8-4-4-4-12 hex)")
		return f
	}
	if strings.ToLower(s) != s {
		f.Problems = append(f.Problems, "has upper-case letters (Genesys ids are lowercase)")
		s = strings.ToLower(s)
	}
	f.Canonical = s
	return f
}

// normKey folds a field name for did-you-mean: lower case without
// separators.
func normKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
