package report

import (
	"fmt"
	"io"
	"reflect"

	"github.com/convdiag/convdiag/diagnose"
)

// Format is a report format.
type Format string

// Formats.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
)

// Formats lists the formats, for flag help and validation.
var Formats = []Format{FormatText, FormatMarkdown, FormatJSON}

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	if s == "md" {
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, markdown or json)", s)
}

// Options tune rendering. The caller (cmd) decides colour and TTY-ness.
type Options struct {
	Format Format
	// Color turns ANSI colour on (text only).
	Color bool
	// Unicode allows status glyphs (✓ ✗); off, the text report is ASCII.
	Unicode bool
	// Width is the text report's width in columns (0: DefaultWidth).
	Width int
	// Verbose adds every check's evidence and details, and crash traces.
	Verbose bool
	// ShowSecrets turns redaction off.
	ShowSecrets bool
	// Version is the tool version shown.
	Version string
	// Secrets are literal values to redact wherever they appear.
	Secrets []string
	// Reproduce is the command line that reruns the diagnosis.
	Reproduce string
	// PhoneRegion is where national phone numbers are read (an ISO 3166
	// code; "" for the org's region, else DefaultPhoneRegion).
	PhoneRegion string
}

// Renderer writes a model in one format.
type Renderer interface {
	Render(w io.Writer, m *Model) error
}

var (
	_ Renderer = textRenderer{}
	_ Renderer = markdownRenderer{}
	_ Renderer = jsonRenderer{}
)

// NewModel builds the wire model and redacts it unless ShowSecrets.
func NewModel(rep *diagnose.Report, o Options) *Model {
	m := Build(rep, o.Version)
	m.Reproduce = o.Reproduce
	if o.Verbose {
		for i, c := range rep.Checks {
			if c.Crash != "" {
				m.Checks[i].Details = append(m.Checks[i].Details, c.Crash)
			}
		}
	}
	if !o.ShowSecrets {
		secrets := append([]string{}, o.Secrets...)
		if rep.Evidence != nil && rep.Evidence.Auth != nil {
			secrets = append(secrets, rep.Evidence.Auth.Secrets...)
		}
		red := NewRedactor(secrets...)
		red.SetPhoneRegion(PhoneRegion(o.PhoneRegion, evidenceRegion(rep.Evidence)))
		red.Walk(m)
		labelsToVars(m)
	}
	if o.Format != FormatJSON {
		termSafeWalk(reflect.ValueOf(m))
	}
	return m
}

// evidenceRegion is the org's region the evidence names ("" when none).
func evidenceRegion(ev *diagnose.Evidence) string {
	if ev == nil {
		return ""
	}
	return ev.Region
}

// Render writes the report in the chosen format.
func Render(w io.Writer, rep *diagnose.Report, o Options) error {
	m := NewModel(rep, o)
	var r Renderer
	switch o.Format {
	case FormatText, "":
		r = textRenderer{opts: o}
	case FormatMarkdown:
		r = markdownRenderer{opts: o}
	case FormatJSON:
		r = jsonRenderer{}
	default:
		return fmt.Errorf("unknown format %q", o.Format)
	}
	return r.Render(w, m)
}
