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

func listCatalogue(e *env) error {
	w := e.Stdout
	fmt.Fprintf(w, "Causes convdiag reports (stable ids; `convdiag explain ID` for details):\n\n")
	last := ""
	for _, ci := range ops.Catalogue.Causes {
		if by := strings.Join(ops.Catalogue.Owners(ci), ", "); by != last {
			fmt.Fprintf(w, "%s\n", by)
			last = by
		}
		fmt.Fprintf(w, "  %-40s %s\n", ci.ID, ci.Title)
	}
	return nil
}

func explainOne(e *env, id string) error {
	ci, ok := ops.Catalogue.Lookup(strings.TrimSpace(id))
	if !ok {
		return usageErr("unknown cause %q%s; `convdiag explain` lists them", id, suggestCause(id))
	}
	w := e.Stdout
	owners := ops.Catalogue.Owners(ci)
	word := "check"
	if len(owners) > 1 {
		word = "checks"
	}
	fmt.Fprintf(w, "%s: %s\n(reported by the %s %s)\n\n", ci.ID, ci.Title, diagnose.JoinAnd(owners), word)
	for _, s := range [][2]string{{"What it means", ci.Meaning}, {"How convdiag detects it", ci.Detection}, {"Fix", ci.Remedy}, {"How to confirm the fix", ci.Confirm}} {
		fmt.Fprintf(w, "%s\n%s\n", s[0], report.Wrap(s[1], 96, "  ", "  "))
	}
	if len(ci.SuppressedBy) > 0 {
		var roots []string
		for _, r := range ci.SuppressedBy {
			roots = append(roots, r.ID)
		}
		fmt.Fprintf(w, "Not listed on its own when one of these root causes is found: %s\n", strings.Join(roots, ", "))
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
