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
		p("### %d. %s on %s (%d)\n\n", i+1, mdCode(c.Cause), mdCode(c.Operation), c.Count)
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

// triagePie is a Mermaid pie of the tickets by cluster, plus those with no
// cause and the incomplete ones. Labels are quoted strings: a double quote
// in one would end it, so it is replaced; a colon is fine inside quotes.
func triagePie(m *TriageModel) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pie showData\n    title %s\n", pieText(fmt.Sprintf("Root causes of %s", plural(m.Counts.Tickets, "ticket", "tickets"))))
	for _, c := range m.Clusters {
		fmt.Fprintf(&b, "    \"%s\" : %d\n", pieText(c.Cause+" ("+c.Operation+")"), c.Count)
	}
	if n := m.Counts.NoCauseFound; n > 0 {
		fmt.Fprintf(&b, "    \"no cause found\" : %d\n", n)
	}
	if n := m.Counts.Incomplete; n > 0 {
		fmt.Fprintf(&b, "    \"incomplete\" : %d\n", n)
	}
	return strings.TrimRight(b.String(), "\n")
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
