package report

import (
	"bytes"
	"encoding/json"
	"io"
)

type jsonRenderer struct{}

// Render writes the model as indented JSON and nothing else; a bidi control
// from the evidence is written as a \u escape, never raw.
func (jsonRenderer) Render(w io.Writer, m *Model) error { return writeJSON(w, m) }

// writeJSON writes v as indented JSON, bidi controls escaped.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(b.Bytes()))
	return err
}
