package report

import (
	"fmt"
	"io"
	"strings"
)

// triageMarkdown writes the triage report as Markdown: the verdict, the
// clusters' table, a Mermaid pie of the causes, each cluster's fix, and the
// unreadable inputs.
func triageMarkdown(w io.Writer, m *TriageModel) error {
	ew := &errWriter{w: w}
	p := func(format string, a ...any) { fmt.Fprintf(ew, format, a...) }
	p("# convdiag triage: %s\n\n", mdText(m.Verdict.Summary))
	if m.Interrupted {
		p("**Interrupted**: this report holds what was triaged until then.\n\n")
	}
	p("%s (%s).\n\n", mdText(m.countsLine()), mdText(m.Mode))
	var rows [][]string
	for i, c := range m.Clusters {
		rows = append(rows, []string{fmt.Sprint(i + 1), fmt.Sprint(c.Count), percent(c.Share), mdCode(c.Operation), mdCode(c.Cause),
			mdText(orDash(c.seen())), mdExamples(c.Examples)})
	}
	if n := m.Counts.NoCauseFound; n > 0 {
		rows = append(rows, []string{"", fmt.Sprint(n), percent(m.share(n)), "-", "no confirmed or likely cause", "", mdExamples(m.noCause)})
	}
	if n := m.Counts.Incomplete; n > 0 {
		rows = append(rows, []string{"", fmt.Sprint(n), percent(m.share(n)), "-", "incomplete", "", mdExamples(m.incomplete)})
	}
	if len(rows) > 0 {
		mdTable(ew, []string{"#", "tickets", "share", "operation", "cause", "seen", "examples"}, rows)
		p("\n")
		fence(ew, "mermaid", triagePie(m))
	}
	if len(m.Clusters) > 0 {
		p("## Fixes\n\n")
	}
	for i, c := range m.Clusters {
		p("### %d. %s on %s (%d)\n\n", i+1, mdCode(c.Cause), mdCode(orText(c.Operation, "operation unknown")), c.Count)
		if c.Title != "" {
			p("%s.\n\n", mdText(strings.TrimSuffix(c.Title, ".")))
		}
		if c.FixSummary != "" {
			p("Fix: %s\n\n", mdText(c.FixSummary))
		}
		if c.Fix != "" && c.Fix != c.FixSummary {
			fence(ew, "sh", c.Fix)
		}
		if c.Variants > 0 {
			p("%s a fix of another shape: see their own reports.\n\n", plural(c.Variants, "ticket has", "tickets have"))
		}
	}
	if len(m.Errors) > 0 {
		p("## Unreadable inputs\n\n")
		for _, e := range m.Errors {
			p("- %s: %s\n", mdCode(e.Source), mdText(e.Error))
		}
		p("\n")
	}
	p("_convdiag %s, %s_\n", mdText(m.Tool.Version), m.GeneratedAt)
	return ew.err
}

func (m *TriageModel) share(n int) float64 { return float64(n) / float64(max(m.Counts.Tickets, 1)) }

func mdExamples(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = mdCode(s)
	}
	return strings.Join(parts, ", ")
}

// maxPieSlices is how many clusters the pie names; the rest is one slice.
const maxPieSlices = 11

// triagePie is a Mermaid pie of the tickets by cluster, plus those with no
// cause and the incomplete ones. A pie of many small slices is unreadable,
// and Mermaid hides slices under 1% of the whole: the largest clusters are
// named, the rest is one "other causes" slice (the table above lists them
// all). Labels are quoted strings: a double quote in one would end it, so
// it is replaced; a colon is fine inside quotes.
func triagePie(m *TriageModel) string {
	total := m.Counts.Tickets
	shows := func(n int) bool { return n > 0 && n*100 >= total }
	type slice struct {
		label string
		n     int
	}
	var slices []slice
	other, others := 0, 0
	for i, c := range m.Clusters {
		op := c.Operation
		if op == "" {
			op = "operation unknown"
		}
		if i < maxPieSlices && shows(c.Count) {
			slices = append(slices, slice{c.Cause + " (" + op + ")", c.Count})
			continue
		}
		other, others = other+c.Count, others+1
	}
	for _, s := range []slice{{"no cause found", m.Counts.NoCauseFound}, {"incomplete", m.Counts.Incomplete}} {
		if shows(s.n) {
			slices = append(slices, s)
		} else {
			other, others = other+s.n, others+boolInt(s.n > 0)
		}
	}
	title := fmt.Sprintf("Root causes of %s", plural(total, "ticket", "tickets"))
	if shows(other) {
		slices = append(slices, slice{fmt.Sprintf("other causes (%d groups)", others), other})
	} else if other > 0 {
		title += fmt.Sprintf(" (%d under 1%% not drawn)", other)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pie showData\n    title %s\n", pieText(title))
	for _, s := range slices {
		fmt.Fprintf(&b, "    \"%s\" : %d\n", pieText(s.label), s.n)
	}
	return strings.TrimRight(b.String(), "\n")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pieText keeps a pie label or title to plain characters Mermaid's pie
// grammar takes: no quotes, backslashes or line breaks.
func pieText(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '"', '\\', '\n', '\r', '`', '#', ';':
			return ' '
		}
		return r
	}, s)
}
