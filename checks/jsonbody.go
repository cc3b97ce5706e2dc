package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// member is one top-level field of a JSON object body, in order.
type member struct {
	Key    string
	Value  json.RawMessage
	Offset int64
}

// lastOfEachKey keeps, of members with the same key, the last: what most
// JSON parsers (the server's included) keep.
func lastOfEachKey(members []member) []member {
	last := map[string]int{}
	for i, m := range members {
		last[m.Key] = i
	}
	out := members[:0:0]
	for i, m := range members {
		if last[m.Key] == i {
			out = append(out, m)
		}
	}
	return out
}

// objectMembers returns the members of a JSON object in document order.
// The caller has checked that data is a valid JSON object.
func objectMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []member
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, member{Key: key, Value: raw, Offset: off})
	}
	return out, nil
}

// jsonKind names the JSON type of a raw value.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// kindFits reports whether a JSON kind is what a field type wants.
func kindFits(kind string, t genesys.FieldType) bool {
	switch t {
	case genesys.TypeString, genesys.TypeDateTime:
		return kind == "string"
	case genesys.TypeBool:
		return kind == "boolean"
	case genesys.TypeObject:
		return kind == "object"
	case genesys.TypeArray:
		return kind == "array"
	case genesys.TypeInteger:
		return kind == "number"
	}
	return true
}

// Malformed describes why a body is not valid JSON.
type Malformed struct {
	Offset    int64
	Line, Col int
	// Char is the offending character, quoted ("'}'"), empty at the end.
	Char string
	// Problem is the parser's complaint; Slip the likely human slip.
	Problem, Slip string
}

func (m Malformed) String() string {
	s := fmt.Sprintf("line %d, column %d (byte %d)", m.Line, m.Col, m.Offset)
	if m.Char != "" {
		s += ", at " + m.Char
	}
	s += ": " + m.Problem
	if m.Slip != "" {
		s += "; likely slip: " + m.Slip
	}
	return s
}

var (
	formRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\[\]]*=[^{]*(&|$)`)
	smartQuote = []rune{'\u201C', '\u201D', '\u2018', '\u2019', '\u201E', '\u00AB', '\u00BB'}
	identRe    = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*\s*:`)
)

// analyseMalformed finds where and why data is not valid JSON. ok is false
// when data is in fact valid.
func analyseMalformed(data []byte) (m Malformed, ok bool) {
	at := func(off int64, problem, slip string) Malformed {
		l, c := genesys.LineCol(data, off)
		m := Malformed{Offset: off, Line: l, Col: c, Problem: problem, Slip: slip}
		if off < int64(len(data)) {
			r, _ := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError {
				m.Char = fmt.Sprintf("byte 0x%02x", data[off])
			} else {
				m.Char = fmt.Sprintf("%q", r)
			}
		}
		return m
	}
	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(data) {
		off := int64(i)
		if i < 0 {
			off = int64(firstInvalidUTF8(data))
		}
		return at(off, "the body is not UTF-8 text", "binary data, or text in another encoding (UTF-16, Latin-1): was the wrong file sent?"), true
	}
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		rest := data[3:]
		if json.Valid(rest) {
			return at(0, "a UTF-8 byte order mark (EF BB BF) precedes the JSON", "the file was saved \"with BOM\" (Notepad, PowerShell Out-File): save it as UTF-8 without BOM"), true
		}
	}
	if json.Valid(data) {
		// Valid JSON, even with a number too large for a float64 (1e999):
		// the server's parser decides what it makes of such a number.
		return Malformed{}, false
	}
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		return Malformed{}, false
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && formRe.Match(trimmed) {
		return at(0, "the body is form-encoded (key=value), not JSON", "send a JSON object with Content-Type: application/json (requests: json=... rather than data=...)"), true
	}
	for _, q := range smartQuote {
		if i := bytes.IndexRune(data, q); i >= 0 {
			return at(int64(i), "a typographic quote is not a JSON quote", "smart quotes (“ ” ‘ ’) from a word processor, chat or forum post: use straight double quotes \""), true
		}
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if strings.Contains(err.Error(), "unexpected end") {
			return at(int64(len(data)), "the body ends before the JSON is complete", "truncated, or a brace or bracket is not closed"), true
		}
		return at(0, err.Error(), ""), true
	}
	msg := se.Error()
	if strings.Contains(msg, "exceeded max depth") {
		return at(se.Offset, "nested deeper than the JSON parser allows", "a runaway serialiser? the body nests objects or arrays thousands of levels deep"), true
	}
	if strings.Contains(msg, "unexpected end") {
		return at(int64(len(data)), "the body ends before the JSON is complete", "truncated, or a brace or bracket is not closed"), true
	}
	off := se.Offset - 1
	if off < 0 {
		off = 0
	}
	c := data[off]
	rest := data[off:]
	prev, prevOff := prevNonSpace(data, off)
	switch {
	case c == '\'':
		return at(off, msg, "single quotes: JSON strings and keys need double quotes (Python str(dict) or a JavaScript literal instead of json.dumps / JSON.stringify)"), true
	case bytes.HasPrefix(rest, []byte("True")) || bytes.HasPrefix(rest, []byte("False")) || bytes.HasPrefix(rest, []byte("None")):
		return at(off, msg, "a Python literal (True/False/None): JSON has true/false/null; serialise with json.dumps"), true
	case bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) || bytes.HasPrefix(rest, []byte("-Infinity")):
		return at(off, msg, "NaN and Infinity are not JSON numbers"), true
	case (c == '}' || c == ']') && prev == ',':
		return at(prevOff, "a trailing comma before "+string(c), "trailing comma: JSON allows no comma after the last field or element"), true
	case c == '/' && len(rest) > 1 && (rest[1] == '/' || rest[1] == '*'):
		return at(off, msg, "a comment: JSON has no comments (// or /* */)"), true
	case identRe.Match(rest) && (prev == '{' || prev == ','):
		return at(off, msg, "an unquoted key: JSON keys need double quotes (a JavaScript object literal?)"), true
	case (c == '"' || c == '{' || c == '[') && (prev == '"' || prev == '}' || prev == ']' || prev >= '0' && prev <= '9' || prev == 'e' || prev == 'l'):
		return at(off, msg, "a missing comma between two values"), true
	case c == '=':
		return at(off, msg, "= instead of : between a key and its value"), true
	}
	return at(off, msg, ""), true
}

func prevNonSpace(data []byte, off int64) (byte, int64) {
	for i := off - 1; i >= 0; i-- {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return data[i], i
	}
	return 0, 0
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

// doubleEncoded reports whether data is a JSON string that holds JSON, and
// returns the inner document.
func doubleEncoded(data []byte) ([]byte, bool) {
	if jsonKind(data) != "string" {
		return nil, false
	}
	var s string
	if json.Unmarshal(data, &s) != nil {
		return nil, false
	}
	inner := bytes.TrimSpace([]byte(s))
	if len(inner) == 0 || inner[0] != '{' && inner[0] != '[' || !json.Valid(inner) {
		return nil, false
	}
	return inner, true
}

// fieldMatch is a did-you-mean result.
type fieldMatch struct {
	Field *genesys.Field
	// Why says how the key differs ("snake_case", "plural", ...).
	Why string
}

// closestField finds the contract field a misnamed key most likely meant.
func closestField(key string, c *genesys.BodyContract) *fieldMatch {
	nk := normKey(key)
	if nk == "" {
		return nil
	}
	var best *fieldMatch
	bestD := 1 << 30
	for i := range c.Fields {
		f := &c.Fields[i]
		if f.Name == key {
			continue
		}
		nf := normKey(f.Name)
		switch {
		case nk == nf:
			why := "different letter case"
			if strings.ContainsAny(key, "_-") {
				why = "snake_case or kebab-case"
			}
			return &fieldMatch{f, why}
		case nk == nf+"s" || nk == nf+"list" || nk == nf+"array":
			return &fieldMatch{f, "plural or list form"}
		}
		for _, a := range f.Aliases {
			if nk == normKey(a) {
				return &fieldMatch{f, "another name for it"}
			}
		}
		d := levenshtein.ComputeDistance(nk, nf)
		limit := 1
		if len(nf) > 6 {
			limit = 2
		}
		if d <= limit && d < bestD {
			best, bestD = &fieldMatch{f, "misspelt"}, d
		}
		if best == nil && len(nf) >= 5 && strings.Contains(nk, nf) {
			best = &fieldMatch{f, "a longer name containing it"}
		}
	}
	return best
}

// closestValue finds the allowed value a wrong one most likely meant.
func closestValue(v string, values []string) string {
	lv := strings.ToLower(strings.TrimSpace(v))
	best, bestD := "", 1<<30
	for _, x := range values {
		lx := strings.ToLower(x)
		if lv == lx {
			return x
		}
		if strings.HasPrefix(lx, lv) && len(lv) >= 4 || strings.HasPrefix(lv, lx) && len(lx) >= 4 {
			return x
		}
		if d := levenshtein.ComputeDistance(lv, lx); d < bestD {
			best, bestD = x, d
		}
	}
	if bestD <= 3 {
		return best
	}
	return ""
}

// decodeStringish returns a JSON string's value, or the first string of an
// array of strings.
func decodeStringish(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		if json.Unmarshal(list[0], &s) == nil {
			return s, true
		}
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		return n.String(), true
	}
	return "", false
}
