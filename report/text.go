package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// textWidth is the width prose is wrapped to.
const textWidth = 100

type textRenderer struct{ opts Options }

// palette colours labels only; with colour off every method returns its
// input unchanged.
type palette struct {
	pass, warn, fail, skip, errc, bold, dim, confirmed, likely, possible *color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{
		pass: mk(color.FgGreen), warn: mk(color.FgYellow), fail: mk(color.FgRed, color.Bold), skip: mk(color.FgHiBlack),
		errc: mk(color.FgMagenta, color.Bold), bold: mk(color.Bold), dim: mk(color.Faint),
		confirmed: mk(color.FgRed, color.Bold), likely: mk(color.FgYellow, color.Bold), possible: mk(color.FgCyan),
	}
}

func (p palette) status(s string, unicode bool) string {
	label := strings.ToUpper(s)
	if unicode {
		glyph := map[string]string{"pass": "✓", "warn": "!", "fail": "✗", "skip": "-", "error": "☠"}[s]
		label = glyph + " " + s
	}
	switch s {
	case "pass":
		return p.pass.Sprint(label)
	case "warn":
		return p.warn.Sprint(label)
	case "fail":
		return p.fail.Sprint(label)
	case "error":
		return p.errc.Sprint(label)
	}
	return p.skip.Sprint(label)
}

func (p palette) likelihood(l string) string {
	switch l {
	case "confirmed":
		return p.confirmed.Sprint(l)
	case "likely":
		return p.likely.Sprint(l)
	}
	return p.possible.Sprint(l)
}

func (p palette) verdict(status string) string {
	switch status {
	case "causes-found":
		return p.fail.Sprint("CAUSES FOUND")
	case "incomplete":
		return p.warn.Sprint("INCOMPLETE")
	}
	return p.pass.Sprint("NO CAUSE FOUND")
}

// Render writes the human report.
func (t textRenderer) Render(w io.Writer, m *Model) error {
	p := newPalette(t.opts.Color)
	ew := &errWriter{w: w}
	arrow, bullet, dash := " -> ", "*", " - "
	if t.opts.Unicode {
		arrow, bullet, dash = " → ", "·", " — "
	}
	evLine := func(e Evidence) string { return evidenceLine(e, arrow) }
	fmt.Fprintf(ew, "%s %s check of a request to drop a participant\n", p.bold.Sprint("convdiag"), m.Mode)
	fmt.Fprintf(ew, "%s  %s\n\n", p.verdict(m.Verdict.Status), m.Verdict.Summary)

	kv := [][2]string{{"Request", m.Target.Request.Method + " " + m.Target.Request.URL}}
	if hs := m.Target.Request.Headers; len(hs) > 0 {
		var parts []string
		for _, h := range hs {
			parts = append(parts, h.Name+": "+h.Value)
		}
		kv = append(kv, [2]string{"Headers", oneLine(strings.Join(parts, "; "), 200)})
	}
	if b := m.Target.Request.Body; b != nil {
		kv = append(kv, [2]string{"Body", oneLine(*b, 160)})
	} else {
		kv = append(kv, [2]string{"Body", "(none sent)"})
	}
	if r := m.Target.Response; r != nil {
		kv = append(kv, [2]string{"Response", responseLine(r)})
		cid := r.CorrelationID
		if cid == "" {
			cid = "(not recorded: give the ININ-Correlation-Id response header to Genesys support)"
		}
		kv = append(kv, [2]string{"Correlation id", cid})
	} else {
		kv = append(kv, [2]string{"Response", "(not given: --status/--response)"})
	}
	if m.Target.ConversationID != "" {
		kv = append(kv, [2]string{"Conversation", m.Target.ConversationID})
	}
	if m.Target.ParticipantID != "" {
		kv = append(kv, [2]string{"Participant", m.Target.ParticipantID})
	}
	if m.Target.Region != "" {
		kv = append(kv, [2]string{"Region", m.Target.Region})
	}
	for _, e := range kv {
		fmt.Fprintf(ew, "  %-15s %s\n", e[0], e[1])
	}

	fmt.Fprintf(ew, "\n%s\n", p.bold.Sprint("Checks"))
	rows := make([][]string, 0, len(m.Checks))
	for _, c := range m.Checks {
		rows = append(rows, []string{c.ID, p.status(c.Status, t.opts.Unicode), c.Summary})
	}
	if err := table(ew, []string{"Check", "Status", "Summary"}, rows, t.opts.Unicode); err != nil {
		return err
	}
	if t.opts.Verbose {
		fmt.Fprintf(ew, "\n%s\n", p.bold.Sprint("Evidence read"))
		for _, c := range m.Checks {
			fmt.Fprintf(ew, "  %s\n", c.ID)
			for _, e := range c.Evidence {
				fmt.Fprintf(ew, "    %s %s\n", bullet, evLine(e))
			}
			for _, d := range c.Details {
				fmt.Fprint(ew, wrap(d, textWidth, "    note: ", "          "))
			}
		}
	} else {
		var notes []string
		for _, c := range m.Checks {
			for _, d := range c.Details {
				if !strings.Contains(d, "\n") {
					notes = append(notes, c.ID+": "+d)
				}
			}
		}
		for _, n := range notes {
			fmt.Fprint(ew, wrap(n, textWidth, "  note: ", "        "))
		}
	}

	if c := m.Conversation; c != nil && len(c.Participants) > 0 {
		head := fmt.Sprintf("Participants of %s", orNone(c.ID))
		if c.Media != "" {
			head += " (" + c.Media + ")"
		}
		fmt.Fprintf(ew, "\n%s  %s\n", p.bold.Sprint(head), p.dim.Sprintf("from %s", c.Source))
		rows := make([][]string, 0, len(c.Participants))
		for _, r := range c.Participants {
			rows = append(rows, []string{fmt.Sprint(r.Index), orDash(r.Purpose), orDash(r.Name), r.ID, orDash(r.UserID), stateCell(r), orDash(r.Role)})
		}
		if err := table(ew, []string{"#", "Purpose", "Name", "Participant id", "User id", "State", "Note"}, rows, t.opts.Unicode); err != nil {
			return err
		}
		if c.Omitted > 0 {
			fmt.Fprintf(ew, "  %d of %d participants not shown (ended, unrelated to the target)\n", c.Omitted, c.Total)
		}
	}

	if len(m.Timeline) > 0 {
		title := "Timeline (UTC): no failure time, give --at to mark it"
		if f := m.FailureTime; f != nil {
			title = "Timeline (UTC): the request failed at " + f.Time + " (" + f.Source + ")"
		}
		writeTextTimeline(ew, m, textWidth, p.bold.Sprint(title))
	}

	fmt.Fprintf(ew, "\n%s\n", p.bold.Sprint("Causes"))
	if len(m.Causes) == 0 {
		fmt.Fprintln(ew, "  none")
	}
	for _, c := range m.Causes {
		fmt.Fprintf(ew, "%2d. [%s] %s%s%s\n", c.Rank, p.likelihood(c.Likelihood), p.bold.Sprint(c.ID), dash, c.Title)
		fmt.Fprint(ew, wrap(c.Explanation, textWidth, "    ", "    "))
		if len(c.Evidence) > 0 {
			fmt.Fprintln(ew, "    evidence:")
			for _, e := range c.Evidence {
				fmt.Fprint(ew, wrap(evLine(e), textWidth, "      "+bullet+" ", "        "))
			}
		}
		if f := c.Fix; f != nil {
			summary := f.Summary
			same := f.Request != nil && m.Corrected != nil && !m.RequestOK && sameRequest(f.Request, m.Corrected)
			if same && len(f.Before) == 0 {
				summary += " (the request is below)"
			}
			fmt.Fprint(ew, wrap(summary, textWidth, "    fix: ", "         "))
			for _, b := range f.Before {
				fmt.Fprintln(ew, "      first:")
				writeRequest(ew, b, "        ")
			}
			if f.Request != nil && (!same || len(f.Before) > 0) {
				if len(f.Before) > 0 {
					fmt.Fprintln(ew, "      then:")
				}
				writeRequest(ew, f.Request, "        ")
			}
			for _, n := range f.Notes {
				if same && (containsString(varNotes(m.Corrected), n) || containsString(m.Corrected.Notes, n)) {
					continue
				}
				fmt.Fprint(ew, wrap(n, textWidth, "      note: ", "            "))
			}
		}
		if len(c.Symptoms) > 0 {
			fmt.Fprintf(ew, "    also true, as a consequence: %s\n", strings.Join(c.Symptoms, ", "))
		}
		fmt.Fprintln(ew)
	}

	if r := m.Corrected; r != nil && !m.RequestOK {
		fmt.Fprintf(ew, "%s\n", p.bold.Sprint("The request that would have worked"))
		for _, b := range r.Before {
			fmt.Fprintln(ew, "  first:")
			writeRequest(ew, b, "    ")
			for _, line := range strings.Split(b.Curl, "\n") {
				fmt.Fprintf(ew, "    %s\n", line)
			}
			fmt.Fprintln(ew, "  then:")
		}
		writeRequest(ew, r, "  ")
		fmt.Fprintln(ew)
		for _, line := range strings.Split(r.Curl, "\n") {
			fmt.Fprintf(ew, "  %s\n", line)
		}
		for _, n := range append(varNotes(r), r.Notes...) {
			fmt.Fprint(ew, wrap(n, textWidth, "  note: ", "        "))
		}
		fmt.Fprintln(ew)
	}
	if m.NothingToSend != "" {
		fmt.Fprintf(ew, "%s\n%s\n", p.bold.Sprint("Nothing to send"), wrap(m.NothingToSend, textWidth, "  ", "  "))
	}

	if m.RequestOK {
		fmt.Fprintf(ew, "%s\n%s\n", p.bold.Sprint("The request itself"), wrap("The request as sent is already the right request for dropping this participant: the causes above are about the participant, the conversation or the token, not about the request.", textWidth, "  ", "  "))
	}
	if len(m.RuledOut) > 0 {
		fmt.Fprintf(ew, "%s\n", p.bold.Sprint("Ruled out"))
		for _, r := range m.RuledOut {
			fmt.Fprint(ew, wrap(r.ID+": "+r.Reason, textWidth, "  - ", "    "))
		}
		fmt.Fprintln(ew)
	}
	if len(m.Notes) > 0 {
		fmt.Fprintf(ew, "%s\n", p.bold.Sprint("Notes"))
		for _, n := range m.Notes {
			fmt.Fprint(ew, wrap(n, textWidth, "  - ", "    "))
		}
		fmt.Fprintln(ew)
	}
	if strings.Contains(m.Reproduce, "--bundle") {
		fmt.Fprintf(ew, "To reproduce offline: %s\n", m.Reproduce)
	}
	fmt.Fprintf(ew, "%s (exit %d). `convdiag explain ID` explains a cause at length.\n", p.verdict(m.Verdict.Status), m.Verdict.ExitCode)
	return ew.err
}

// varNotes says what to set the shell variables of a request to.
func varNotes(r *Request) []string {
	fr := diagnose.FixRequest{BaseURL: "-", Vars: r.Vars}
	if strings.Contains(r.URL, "$GENESYSCLOUD_API_BASE") {
		fr.BaseURL = ""
	}
	return fr.VarNotes()
}

func sameRequest(a, b *Request) bool {
	return a.Method == b.Method && a.URL == b.URL && string(a.Body) == string(b.Body)
}

func writeRequest(w io.Writer, r *Request, indent string) {
	fmt.Fprintf(w, "%s%s %s\n", indent, r.Method, r.URL)
	if len(r.Body) > 0 {
		fmt.Fprintf(w, "%s%s\n", indent, string(r.Body))
	}
}

func responseLine(r *SentResponse) string {
	s := "(no status)"
	if r.Status != 0 {
		s = statusText(r.Status)
	}
	if r.Code != "" {
		s += ", code " + r.Code
	}
	if r.Message != "" {
		s += ", " + fmt.Sprintf("%q", oneLine(r.Message, 160))
	}
	if r.ContextID != "" {
		s += ", contextId " + r.ContextID
	}
	if r.Raw != "" {
		s += ", body is not a Genesys error body: " + fmt.Sprintf("%q", oneLine(r.Raw, 80))
	}
	return s
}

func evidenceLine(e Evidence, arrow string) string {
	s := e.Source
	if e.Path != "" {
		s += arrow + e.Path
	}
	if e.Value != "" {
		s += " = " + oneLine(e.Value, 200)
	}
	return s
}

// table writes an ASCII (or, on a Unicode terminal, box-drawn) table.
func table(w io.Writer, header []string, rows [][]string, unicode bool) error {
	style := tw.StyleASCII
	if unicode {
		style = tw.StyleLight
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(style)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithMaxWidth(textWidth+20),
	)
	t.Header(header)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return fmt.Errorf("append table row: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

// Wrap word-wraps text to width, with a first-line and a continuation
// indent; newlines in text start new paragraphs.
func Wrap(text string, width int, first, rest string) string { return wrap(text, width, first, rest) }

// wrap word-wraps text to width, with a first-line and a continuation
// indent.
func wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	for pi, para := range strings.Split(text, "\n") {
		indent := first
		if pi > 0 {
			indent = rest
		}
		line := indent
		n := len([]rune(line))
		words := strings.Fields(para)
		if len(words) == 0 {
			b.WriteString(strings.TrimRight(indent, " ") + "\n")
			continue
		}
		for i, word := range words {
			wl := len([]rune(word))
			if i > 0 && n+1+wl > width {
				b.WriteString(line + "\n")
				line, n = rest+word, len([]rune(rest))+wl
				continue
			}
			if i > 0 {
				line += " "
				n++
			}
			line += word
			n += wl
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) > max {
		return string(r[:max]) + "..."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "the conversation"
	}
	return s
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return len(b), nil
	}
	n, err := e.w.Write(b)
	if err != nil {
		e.err = err
	}
	return n, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stateCell is the participant's state now, with its state at the failure
// where that differs.
func stateCell(r Participant) string {
	if r.AtFailure != "" {
		return r.State + " (" + r.AtFailure + " at failure)"
	}
	return r.State
}
