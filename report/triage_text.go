package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// triageText writes the triage report as text: the verdict, a table of the
// clusters with a bar each that fits the width, then each cluster's
// examples and fix, the tickets without a cause, and the unreadable
// inputs. Only a curl line may be wider than the width.
func triageText(w io.Writer, m *TriageModel, o Options) error {
	width := o.Width
	if width <= 0 {
		width = DefaultWidth
	}
	ew := &errWriter{w: w}
	p := func(format string, a ...any) { fmt.Fprintf(ew, format, a...) }
	ellipsis := "..."
	if o.Unicode {
		ellipsis = "…"
	}
	head := "convdiag triage"
	if m.Interrupted {
		head += " (interrupted: what was triaged until then)"
	}
	p("%s", wrap(head+": "+m.Verdict.Summary, width, "", "  "))
	p("%s", wrap(m.countsLine(), width, "", "  "))
	triageTable(ew, m, width, o.Unicode, ellipsis)
	for i, c := range m.Clusters {
		p("\n%s", wrap(fmt.Sprintf("%d. %s on %s: %s, %s", i+1, c.Cause, orText(c.Operation, "an unknown operation"), plural(c.Count, "ticket", "tickets"), percent(c.Share)), width, "", "   "))
		if s := c.seen(); s != "" {
			p("   %s\n", clipTo("seen "+s, width-3, ellipsis))
		}
		if c.Title != "" {
			p("%s", wrap(c.Title, width, "   ", "   "))
		}
		p("   %s\n", clipTo("e.g. "+strings.Join(c.Examples, ", "), width-3, ellipsis))
		if c.FixSummary != "" {
			p("%s", wrap("fix: "+c.FixSummary, width, "   ", "        "))
		}
		if c.Fix != "" && c.Fix != c.FixSummary {
			for _, l := range strings.Split(c.Fix, "\n") {
				p("     %s\n", l)
			}
		}
		if c.Variants > 0 {
			p("%s", wrap(fmt.Sprintf("(%s a fix of another shape; see their reports)", plural(c.Variants, "ticket has", "tickets have")), width, "     ", "     "))
		}
	}
	if n := m.Counts.NoCauseFound; n > 0 {
		p("\n%s\n", clipTo(fmt.Sprintf("No confirmed or likely cause: %s, e.g. %s", plural(n, "ticket", "tickets"), strings.Join(m.noCause, ", ")), width, ellipsis))
	}
	if n := m.Counts.Incomplete; n > 0 {
		p("\n%s\n", clipTo(fmt.Sprintf("Incomplete: %s, e.g. %s (rerun one with convdiag check for what was missing)", plural(n, "ticket", "tickets"), strings.Join(m.incomplete, ", ")), width, ellipsis))
	}
	if len(m.Errors) > 0 {
		p("\nUnreadable (%d):\n", len(m.Errors))
		for _, e := range m.Errors {
			p("%s", wrap(e.Source+": "+e.Error, width, "  ", "    "))
		}
	}
	return ew.err
}

// triageTable is the cluster table: rank, tickets, share, operation,
// cause and a bar scaled to the largest row, cut to the width; the tickets
// with no cause and the incomplete ones get a row of their own.
func triageTable(w io.Writer, m *TriageModel, width int, unicode bool, ellipsis string) {
	type row struct{ rank, count, share, op, cause string }
	var rows []row
	largest := 1
	counts := []int{}
	for i, c := range m.Clusters {
		rows = append(rows, row{fmt.Sprint(i + 1), fmt.Sprint(c.Count), percent(c.Share), c.Operation, c.Cause})
		counts = append(counts, c.Count)
	}
	for _, extra := range []struct {
		n    int
		what string
	}{{m.Counts.NoCauseFound, "no cause found"}, {m.Counts.Incomplete, "incomplete"}} {
		if extra.n > 0 {
			share := float64(extra.n) / float64(max(m.Counts.Tickets, 1))
			rows = append(rows, row{"", fmt.Sprint(extra.n), percent(share), "-", extra.what})
			counts = append(counts, extra.n)
		}
	}
	if len(rows) == 0 {
		return
	}
	for _, n := range counts {
		largest = max(largest, n)
	}
	head := row{"#", "tickets", "share", "operation", "cause"}
	opW, causeW := runewidth.StringWidth(head.op), runewidth.StringWidth(head.cause)
	for _, r := range rows {
		opW, causeW = max(opW, runewidth.StringWidth(r.op)), max(causeW, runewidth.StringWidth(r.cause))
	}
	const rankW, countW, shareW, minBar = 3, 7, 5, 8
	fixed := 2 + rankW + 2 + countW + 2 + shareW + 2 + opW + 2
	if room := width - fixed - 2 - minBar; causeW > room {
		causeW = max(room, 8)
	}
	bar := max(width-fixed-causeW-2, 1)
	cell := func(s string, n int) string {
		s = clipTo(s, n, ellipsis)
		return s + strings.Repeat(" ", max(n-runewidth.StringWidth(s), 0))
	}
	line := func(r row, b string) string {
		s := fmt.Sprintf("  %*s  %*s  %*s  %s  %s", rankW, r.rank, countW, r.count, shareW, r.share, cell(r.op, opW), cell(r.cause, causeW))
		if b != "" {
			s += "  " + b
		}
		return strings.TrimRight(s, " ")
	}
	block := "#"
	if unicode {
		block = "█"
	}
	fmt.Fprintf(w, "\n%s\n", line(head, ""))
	for i, r := range rows {
		n := max(counts[i]*bar/largest, 1)
		fmt.Fprintf(w, "%s\n", line(r, strings.Repeat(block, n)))
	}
}
