package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/convdiag/convdiag/diagnose"
)

// JSONAt redacts a JSON document in place, as bytes: every string value is
// redacted where it stands and nothing else changes, so a bundle keeps
// every field of the document as received (fields convdiag does not read
// included). Each redaction is recorded under file and the JSON path
// pattern of its value ("participants[*].calls[*].self.addressNormalized").
// A document that is not valid JSON is redacted as text.
func (r *Redactor) JSONAt(file string, doc []byte) []byte {
	if !json.Valid(doc) {
		out, hits := r.apply(string(doc))
		r.record(file, "", hits)
		return []byte(out)
	}
	return r.redactJSON(doc, func(path string, hits []hit) { r.record(file, path, hits) })
}

// jsonResult is a JSON document found in a string, redacted.
type jsonResult struct {
	out  string
	hits []hit
}

// jsonText redacts s by its structure when it is a JSON object or array
// (a request body, a double-encoded attribute); ok is false otherwise.
func (r *Redactor) jsonText(s string) (jsonResult, bool) {
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" || t[0] != '{' && t[0] != '[' || !json.Valid([]byte(s)) {
		return jsonResult{}, false
	}
	var res jsonResult
	res.out = string(r.redactJSON([]byte(s), func(_ string, hits []hit) { res.hits = append(res.hits, hits...) }))
	return res, true
}

// redactJSON redacts a valid JSON document where each value stands,
// reporting each redaction with the JSON path pattern of its value. A
// field whose name says it is a secret (diagnose.SecretName: "password",
// "accessToken", "JSESSIONID") loses its whole value, whatever its type,
// to the string "<redacted>": the document stays valid JSON.
func (r *Redactor) redactJSON(doc []byte, report func(path string, hits []hit)) []byte {
	var out bytes.Buffer
	out.Grow(len(doc))
	// stack holds one frame per open container: the key of the value
	// being read in an object, "[*]" in an array; path is the JSON path
	// pattern so far, each frame's part starting at its mark.
	type frame struct {
		array bool
		key   string
		mark  int
	}
	var stack []frame
	var path []byte
	expectKey := false
	push := func(array bool) {
		f := frame{array: array, mark: len(path)}
		if array {
			path = append(path, "[*]"...)
		}
		stack = append(stack, f)
	}
	setKey := func(k string) {
		f := &stack[len(stack)-1]
		f.key = k
		path = path[:f.mark]
		if len(path) > 0 {
			path = append(path, '.')
		}
		path = append(path, k...)
	}
	pop := func() {
		if len(stack) > 0 {
			path = path[:stack[len(stack)-1].mark]
			stack = stack[:len(stack)-1]
		}
	}
	pathString := func() string { return string(path) }
	// secretValue is set when the value about to be read is a secret
	// field's.
	secretValue := false
	type keyResult struct {
		red    string
		hits   []hit
		secret bool
	}
	keys := map[string]keyResult{}
	// currentKey is the name of the field whose value is being read (an
	// array's elements take the name of the field holding the array).
	currentKey := func(n int) string {
		for k := n - 1; k >= 0; k-- {
			if !stack[k].array {
				return stack[k].key
			}
		}
		return ""
	}
	for i := 0; i < len(doc); {
		c := doc[i]
		if secretValue && !isJSONSpace(c) && c != ':' {
			secretValue = false
			end := valueEnd(doc, i)
			if v := doc[i:end]; !(v[0] == '"' && keepValue(unquoteJSON(v))) && string(v) != "null" {
				report(pathString(), []hit{{"secret", Redacted, "removed", FormSecretField}})
				writeJSONString(&out, Redacted)
				i = end
				continue
			}
		}
		switch c {
		case '{':
			push(false)
			expectKey = true
			out.WriteByte(c)
			i++
		case '[':
			push(true)
			out.WriteByte(c)
			i++
		case '}', ']':
			pop()
			expectKey = false
			out.WriteByte(c)
			i++
		case ',':
			if len(stack) > 0 && !stack[len(stack)-1].array {
				expectKey = true
			}
			out.WriteByte(c)
			i++
		case ':':
			expectKey = false
			out.WriteByte(c)
			i++
		case '"':
			end := stringEnd(doc, i)
			raw := doc[i:end]
			i = end
			if expectKey {
				// A key can be personal too (custom attributes keyed by
				// an e-mail address): it is redacted like a value, and
				// the path names it as redacted.
				key := unquoteJSON(raw)
				// Keys repeat (every participant has the same ones):
				// each distinct key is judged once.
				k, seen := keys[key]
				if !seen {
					k.red, k.hits = r.apply(key)
					k.secret = diagnose.SecretName(key)
					keys[key] = k
				}
				red, hits := k.red, k.hits
				if len(stack) > 0 {
					setKey(red)
				}
				secretValue = k.secret
				if len(hits) > 0 {
					report(pathString(), hits)
					writeJSONString(&out, red)
					continue
				}
				out.Write(raw)
				continue
			}
			val := unquoteJSON(raw)
			red, hits := r.apply(val)
			if len(hits) == 0 && addressFields[currentKey(len(stack))] && countDigits(red) >= 7 {
				l := r.label("phone", r.judge(red).key)
				red, hits = l, []hit{{"phone", l, "masked", FormAddress}}
			}
			if len(hits) > 0 {
				report(pathString(), hits)
			}
			if len(hits) == 0 {
				out.Write(raw)
				continue
			}
			writeJSONString(&out, red)
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			// A number in an address field ("ani": 3175550100) is a
			// phone number written without quotes.
			j := i
			for j < len(doc) && strings.IndexByte("+-.eE0123456789", doc[j]) >= 0 {
				j++
			}
			num := string(doc[i:j])
			i = j
			if addressFields[currentKey(len(stack))] && countDigits(num) >= 7 {
				l := r.label("phone", r.judge(num).key)
				report(pathString(), []hit{{"phone", l, "masked", FormAddress}})
				writeJSONString(&out, l)
				continue
			}
			out.WriteString(num)
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes()
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// valueEnd returns the offset just past the JSON value starting at i (of
// a valid document): a string, an object or array (counted, not
// recursed), or a literal.
func valueEnd(doc []byte, i int) int {
	switch doc[i] {
	case '"':
		return stringEnd(doc, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(doc); j++ {
			switch doc[j] {
			case '"':
				j = stringEnd(doc, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(doc)
	}
	j := i
	for j < len(doc) && !isJSONSpace(doc[j]) && doc[j] != ',' && doc[j] != '}' && doc[j] != ']' {
		j++
	}
	return j
}

// stringEnd returns the offset just past the JSON string starting at i.
// (A string of text or a document's bytes: the text rules read quoted
// values the same way.)
func stringEnd[T string | []byte](doc T, i int) int {
	for j := i + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(doc)
}

// unquoteJSON decodes a JSON string token; the common case without
// escapes is a plain slice.
func unquoteJSON(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}

// writeJSONString writes s as a JSON string, keeping <, > and & readable
// (the labels are "<phone-1>").
func writeJSONString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}
