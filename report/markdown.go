package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

type markdownRenderer struct{ opts Options }

// Render writes a ticket-ready Markdown report: the verdict first, then the
// facts a Genesys support engineer asks for, the checks, each cause with its
// evidence and fix, what was ruled out, and how to reproduce.
func (r markdownRenderer) Render(w io.Writer, m *Model) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "## convdiag: %s\n\n", mdText(verdictHeadline(m)))
	fmt.Fprintf(ew, "**Verdict:** %s (exit %d)\n\n", mdText(m.Verdict.Summary), m.Verdict.ExitCode)

	facts := [][]string{
		{"Request", mdCode(m.Target.Request.Method + " " + m.Target.Request.URL)},
	}
	if m.Target.Host != "" {
		facts = append(facts, []string{"Host", mdCode(m.Target.Host)})
	}
	if m.Target.Region != "" {
		facts = append(facts, []string{"Region", mdText(m.Target.Region)})
	}
	if resp := m.Target.Response; resp != nil {
		facts = append(facts, []string{"Response", mdText(responseLine(resp))})
		cid := "not recorded"
		if resp.CorrelationID != "" {
			cid = mdCode(resp.CorrelationID)
		}
		facts = append(facts, []string{"Correlation id", cid})
	} else {
		facts = append(facts, []string{"Response", "not given"})
	}
	if m.Target.ConversationID != "" {
		facts = append(facts, []string{"Conversation", mdCode(m.Target.ConversationID)})
	}
	if m.Target.ParticipantID != "" {
		facts = append(facts, []string{"Participant", mdCode(m.Target.ParticipantID)})
	}
	facts = append(facts, []string{"Mode", mdText(m.Mode)}, []string{"Generated", mdText(m.GeneratedAt + " by " + m.Tool.Name + " " + m.Tool.Version)})
	if err := mdTable(ew, []string{"Fact", "Value"}, facts); err != nil {
		return err
	}
	if hs := m.Target.Request.Headers; len(hs) > 0 {
		var b strings.Builder
		for _, h := range hs {
			fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
		}
		fmt.Fprintf(ew, "\nRequest headers (secrets removed):\n\n")
		fence(ew, "http", strings.TrimRight(b.String(), "\n"))
	}
	if b := m.Target.Request.Body; b != nil {
		fmt.Fprintf(ew, "\nBody as sent (%d bytes%s):\n\n", m.Target.Request.BodyBytes, map[bool]string{true: ", truncated", false: ""}[m.Target.Request.BodyTruncated])
		fence(ew, "json", strings.TrimRight(*b, "\r\n"))
	}

	fmt.Fprintf(ew, "\n### Checks\n\n")
	rows := make([][]string, 0, len(m.Checks))
	for _, c := range m.Checks {
		rows = append(rows, []string{mdCode(c.ID), strings.ToUpper(c.Status), mdText(c.Summary)})
	}
	if err := mdTable(ew, []string{"Check", "Status", "Summary"}, rows); err != nil {
		return err
	}

	fmt.Fprintf(ew, "\n### Causes\n\n")
	if len(m.Causes) == 0 {
		fmt.Fprintf(ew, "None found.\n")
	}
	for _, c := range m.Causes {
		fmt.Fprintf(ew, "#### %d. %s: %s (%s)\n\n", c.Rank, mdCode(c.ID), mdText(c.Title), c.Likelihood)
		fmt.Fprintf(ew, "%s\n\n", mdText(c.Explanation))
		if len(c.Evidence) > 0 {
			fmt.Fprintf(ew, "Evidence:\n\n")
			for _, e := range c.Evidence {
				line := mdText(e.Source)
				if e.Path != "" {
					line += " → " + mdCode(e.Path)
				}
				if e.Value != "" {
					line += " = " + mdCode(oneLine(e.Value, 200))
				}
				fmt.Fprintf(ew, "- %s\n", line)
			}
			fmt.Fprintln(ew)
		}
		if f := c.Fix; f != nil {
			fmt.Fprintf(ew, "**Fix:** %s\n\n", mdText(f.Summary))
			for _, b := range f.Before {
				fmt.Fprintf(ew, "First:\n\n")
				fence(ew, "sh", b.Curl)
			}
			same := f.Request != nil && m.Corrected != nil && !m.RequestOK && sameRequest(f.Request, m.Corrected) && len(f.Before) == 0
			if f.Request != nil && !same {
				if len(f.Before) > 0 {
					fmt.Fprintf(ew, "Then:\n\n")
				}
				fence(ew, "sh", f.Curl)
			}
			if same {
				fmt.Fprintf(ew, "The corrected request is under \"The request that would have worked\".\n\n")
			}
			for _, n := range f.Notes {
				if same && (containsString(varNotes(m.Corrected), n) || containsString(m.Corrected.Notes, n)) {
					continue
				}
				fmt.Fprintf(ew, "> Note: %s\n\n", mdText(n))
			}
		}
		if len(c.Symptoms) > 0 {
			var ids []string
			for _, s := range c.Symptoms {
				ids = append(ids, mdCode(s))
			}
			fmt.Fprintf(ew, "Also true, as a consequence: %s\n\n", strings.Join(ids, ", "))
		}
	}

	if req := m.Corrected; req != nil && !m.RequestOK {
		fmt.Fprintf(ew, "### The request that would have worked\n\n")
		for _, b := range req.Before {
			fmt.Fprintf(ew, "First:\n\n")
			fence(ew, "sh", b.Curl)
			fmt.Fprintf(ew, "Then:\n\n")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL)
		if len(req.Body) > 0 {
			fmt.Fprintf(&b, "Content-Type: application/json\n\n%s\n", string(req.Body))
		}
		fence(ew, "http", strings.TrimRight(b.String(), "\n"))
		fence(ew, "sh", req.Curl)
		for _, n := range append(varNotes(req), req.Notes...) {
			fmt.Fprintf(ew, "> Note: %s\n\n", mdText(n))
		}
	}
	if m.NothingToSend != "" {
		fmt.Fprintf(ew, "### Nothing to send\n\n%s\n\n", mdText(m.NothingToSend))
	}

	if m.RequestOK {
		fmt.Fprintf(ew, "### The request itself\n\nThe request as sent is already the right request for dropping this participant: the causes above are about the participant, the conversation or the token, not about the request.\n\n")
	}
	if len(m.RuledOut) > 0 {
		fmt.Fprintf(ew, "### Ruled out\n\n")
		for _, r := range m.RuledOut {
			fmt.Fprintf(ew, "- %s: %s\n", mdCode(r.ID), mdText(r.Reason))
		}
		fmt.Fprintln(ew)
	}

	if c := m.Conversation; c != nil && len(c.Participants) > 0 {
		fmt.Fprintf(ew, "### Participants\n\nFrom %s", mdText(c.Source))
		if c.Media != "" {
			fmt.Fprintf(ew, "; media: %s", mdText(c.Media))
		}
		fmt.Fprintf(ew, ".\n\n")
		rows := make([][]string, 0, len(c.Participants))
		for _, p := range c.Participants {
			rows = append(rows, []string{fmt.Sprint(p.Index), mdText(orDash(p.Purpose)), mdText(orDash(p.Name)), mdCode(p.ID), mdCodeOrDash(p.UserID), mdText(stateCell(p)), mdText(orDash(p.Role))})
		}
		if err := mdTable(ew, []string{"#", "Purpose", "Name", "Participant id", "User id", "State", "Note"}, rows); err != nil {
			return err
		}
		if c.Omitted > 0 {
			fmt.Fprintf(ew, "\n%d of %d participants not shown (ended, unrelated to the target).\n", c.Omitted, c.Total)
		}
		fmt.Fprintln(ew)
	}
	if len(m.Timeline) > 0 {
		writeMermaidTimeline(ew, m)
	}
	if len(m.Notes) > 0 {
		fmt.Fprintf(ew, "### Notes\n\n")
		for _, n := range m.Notes {
			fmt.Fprintf(ew, "- %s\n", mdText(n))
		}
		fmt.Fprintln(ew)
	}
	if m.Reproduce != "" {
		fmt.Fprintf(ew, "### To reproduce\n\n")
		fence(ew, "sh", m.Reproduce)
		if !strings.Contains(m.Reproduce, "--bundle") && !strings.HasPrefix(m.Reproduce, "convdiag demo") {
			fmt.Fprintf(ew, "Add `--save-bundle DIR` to capture the redacted evidence so another engineer can rerun it offline with `convdiag check --bundle DIR`.\n\n")
		}
	}
	fmt.Fprintf(ew, "<sub>%s %s, report format %s. Secrets and personal data are redacted unless --show-secrets was given.</sub>\n", m.Tool.Name, m.Tool.Version, m.FormatVersion)
	return ew.err
}

func verdictHeadline(m *Model) string {
	switch m.Verdict.Status {
	case "causes-found":
		if len(m.Causes) > 0 {
			return fmt.Sprintf("%s (%s)", m.Causes[0].Title, m.Causes[0].ID)
		}
		return "causes found"
	case "incomplete":
		return "diagnosis incomplete"
	}
	return "no confirmed or likely cause"
}

// fence writes a fenced code block whose fence is longer than any backtick
// run inside.
func fence(w io.Writer, lang, body string) {
	f := "```"
	for strings.Contains(body, f) {
		f += "`"
	}
	fmt.Fprintf(w, "%s%s\n%s\n%s\n\n", f, lang, body, f)
}

// mdText escapes text for Markdown prose and table cells.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "<", `\<`, ">", `\>`, "`", "\\`", "](", `\](`, "][", `\][`)
	return r.Replace(s)
}

// mdCode renders s as inline code, safe in a table cell.
func mdCode(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	ticks := "`"
	for strings.Contains(s, ticks) {
		ticks += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}

func mdCodeOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return mdCode(s)
}

// mdTable writes a GitHub-flavoured Markdown table; cells are already
// escaped.
func mdTable(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
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
