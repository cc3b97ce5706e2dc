package report

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// TermSafe shows control characters and bidi overrides from the evidence
// escaped, so that a participant named "ESC ] 52 ; ..." cannot write the
// terminal's clipboard, clear the screen or reverse the text: C0 controls
// (but newline and tab) and DEL as \x1b, C1 controls as \u009b, bidi
// embeddings, overrides and isolates as U+202E. Invalid UTF-8 is shown as
// U+FFFD, never cut.
func TermSafe(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune('\uFFFD')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case isBidiControl(r):
			fmt.Fprintf(&b, "U+%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII (with newline and tab), the
// common case, so that it can be returned as it is.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || c < 0x20 && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// termSafeWalk makes every string reachable from v (a pointer) TermSafe.
func termSafeWalk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			termSafeWalk(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				termSafeWalk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() && v.Kind() == reflect.Slice {
				v.SetBytes([]byte(TermSafe(string(v.Bytes()))))
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			termSafeWalk(v.Index(i))
		}
	case reflect.Map:
		walkMap(v, TermSafe, termSafeWalk)
	case reflect.String:
		if v.CanSet() {
			v.SetString(TermSafe(v.String()))
		}
	}
}

// jsonSafe escapes the bidi controls encoding/json leaves raw (it escapes
// the C0 controls, U+2028 and U+2029 itself).
func jsonSafe(b []byte) []byte {
	if isPlain(string(b)) {
		return b
	}
	var out strings.Builder
	s := string(b)
	for _, r := range s {
		if isBidiControl(r) || r >= 0x80 && r < 0xa0 {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

// walkMap applies f to a map's string keys and values, and walk to every
// other value (a copy, set back): map values cannot be changed in place.
func walkMap(v reflect.Value, f func(string) string, walk func(reflect.Value)) {
	if v.IsNil() {
		return
	}
	for _, k := range v.MapKeys() {
		val := v.MapIndex(k)
		cp := reflect.New(val.Type()).Elem()
		cp.Set(val)
		if cp.Kind() == reflect.String {
			cp.SetString(f(cp.String()))
		} else {
			walk(cp)
		}
		nk := k
		if k.Kind() == reflect.String {
			if s := f(k.String()); s != k.String() {
				nk = reflect.ValueOf(s).Convert(k.Type())
				v.SetMapIndex(k, reflect.Value{})
			}
		}
		v.SetMapIndex(nk, cp)
	}
}
