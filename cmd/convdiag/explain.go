package main

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose/suggest"
	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/report"
)

func explainCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:         "explain",
		Usage:        "explain a cause at length; without an argument, list the cause catalogue",
		UsageText:    "convdiag explain [CAUSE-ID]",
		ArgsUsage:    "[CAUSE-ID]",
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			switch c.Args().Len() {
			case 0:
				return listCatalogue(e)
			case 1:
				return explainOne(e, c.Args().First())
			}
			return usageErr("explain takes one cause id, got %d words", c.Args().Len())
		},
	}
}

// explainWidth is the width explain fits: the terminal's, else COLUMNS,
// else the report's default.
func explainWidth(e *env) int {
	return reportWidth(e, e.Stdout, e.IsTerminal(e.Stdout))
}

// listCatalogue lists the causes by check: ids in a column, titles wrapped
// beside them within the width (under the id when the terminal is too
// narrow for both).
func listCatalogue(e *env) error {
	w, width := e.Stdout, explainWidth(e)
	fmt.Fprint(w, report.Wrap("Causes convdiag reports (stable ids; `convdiag explain ID` for details):", width, "", ""), "\n")
	idW := 0
	for _, ci := range ops.Catalogue.Causes {
		idW = max(idW, len(ci.ID))
	}
	beside := width-idW-3 >= 30
	last := ""
	for _, ci := range ops.Catalogue.Causes {
		if by := strings.Join(ops.Catalogue.Owners(ci), ", "); by != last {
			fmt.Fprintf(w, "%s\n", by)
			last = by
		}
		if beside {
			fmt.Fprint(w, report.Wrap(ci.Title, width, fmt.Sprintf("  %-*s ", idW, ci.ID), strings.Repeat(" ", idW+3)))
			continue
		}
		fmt.Fprintf(w, "  %s\n%s", ci.ID, report.Wrap(ci.Title, width, "    ", "    "))
	}
	return nil
}

func explainOne(e *env, id string) error {
	ci, ok := ops.Catalogue.Lookup(strings.TrimSpace(id))
	if !ok {
		return usageErr("unknown cause %q%s; `convdiag explain` lists them", id, suggestCause(id))
	}
	w, width := e.Stdout, explainWidth(e)
	owners := ops.Catalogue.Owners(ci)
	word := "check"
	if len(owners) > 1 {
		word = "checks"
	}
	fmt.Fprintf(w, "%s(reported by the %s %s)\n\n", report.Wrap(ci.ID+": "+ci.Title, width, "", "  "), diagnose.JoinAnd(owners), word)
	for _, s := range [][2]string{{"What it means", ci.Meaning}, {"How convdiag detects it", ci.Detection}, {"Fix", ci.Remedy}, {"How to confirm the fix", ci.Confirm}} {
		fmt.Fprintf(w, "%s\n%s\n", s[0], report.Wrap(s[1], width, "  ", "  "))
	}
	if len(ci.SuppressedBy) > 0 {
		var roots []string
		for _, r := range ci.SuppressedBy {
			roots = append(roots, r.ID)
		}
		fmt.Fprint(w, report.Wrap("Not listed on its own when one of these root causes is found: "+strings.Join(roots, ", "), width, "", "  "))
	}
	return nil
}

func suggestCause(id string) string {
	var ids []string
	for _, ci := range ops.Catalogue.Causes {
		ids = append(ids, ci.ID)
	}
	if best := suggest.Closest(id, ids); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
