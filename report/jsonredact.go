package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// JSONAt redacts a JSON document in place, as bytes: every string value is
// redacted where it stands and nothing else changes, so a bundle keeps
// every field of the document as received (fields convdiag does not read
// included). Each redaction is recorded under file and the JSON path
// pattern of its value ("participants[*].calls[*].self.addressNormalized").
// A document that is not valid JSON is redacted as text.
func (r *Redactor) JSONAt(file string, doc []byte) []byte {
	if !json.Valid(doc) {
		return r.BytesAt(file, doc)
	}
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
	type keyResult struct {
		red  string
		hits []hit
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
					keys[key] = k
				}
				red, hits := k.red, k.hits
				if len(stack) > 0 {
					setKey(red)
				}
				if len(hits) > 0 {
					r.record(file, pathString(), hits)
					writeJSONString(&out, red)
					continue
				}
				out.Write(raw)
				continue
			}
			val := unquoteJSON(raw)
			red, hits := r.apply(val)
			if len(hits) == 0 && addressFields[currentKey(len(stack))] && countDigits(red) >= 7 {
				l := r.label("phone", red)
				red, hits = l, []hit{{"phone", l, "masked", FormAddress}}
			}
			if len(hits) > 0 {
				r.record(file, pathString(), hits)
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
				l := r.label("phone", num)
				r.record(file, pathString(), []hit{{"phone", l, "masked", FormAddress}})
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

// stringEnd returns the offset just past the JSON string starting at i.
func stringEnd(doc []byte, i int) int {
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
