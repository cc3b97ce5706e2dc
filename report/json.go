package report

import (
	"encoding/json"
	"io"
)

type jsonRenderer struct{}

// Render writes the model as indented JSON and nothing else.
func (jsonRenderer) Render(w io.Writer, m *Model) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}
