package report

import (
	"github.com/convdiag/convdiag/diagnose"

	"fmt"
	"io"
	"strings"
)

type markdownRenderer struct{ opts Options }

// Render writes a ticket-ready Markdown report in the text report's order:
// the verdict, the causes one line each, the request that would have
// worked; then what was sent, the checks, each cause in detail, the
// participants, the timeline, what was ruled out (folded), notes and how
// to reproduce. Ids stay whole; tables are unpadded so the raw text reads
// well in a plain-text ticket field.
func (r markdownRenderer) Render(w io.Writer, m *Model) error {
	v := &mdView{ew: &errWriter{w: w}, m: m}
	v.header()
	v.causeList()
	v.answer()
	v.sent()
	v.checks()
	v.causeDetails()
	v.participants()
	if len(m.Timeline) > 0 {
		writeMermaidTimeline(v.ew, m)
	}
	v.ruledOut()
	v.notes()
	v.footer()
	return v.ew.err
}

// mdView writes one Markdown report, a section per method.
type mdView struct {
	ew *errWriter
	m  *Model
}

func (v *mdView) printf(format string, a ...any) { fmt.Fprintf(v.ew, format, a...) }

func (v *mdView) header() {
	v.printf("## convdiag: %s\n\n", mdText(verdictHeadline(v.m)))
	v.printf("**Verdict:** %s (exit %d)\n\n", mdText(v.m.Verdict.Summary), v.m.Verdict.ExitCode)
}

func (v *mdView) causeList() {
	for i, c := range v.m.Causes {
		line := fmt.Sprintf("%d. **%s** %s: %s", c.Rank, c.Likelihood, mdCode(c.ID), mdText(c.Title))
		if i == 0 && c.Why != "" {
			line += ". " + mdText(c.Why)
		}
		v.printf("%s\n", line)
	}
	if len(v.m.Causes) > 0 {
		v.printf("\n")
	}
}

func (v *mdView) answer() {
	m := v.m
	switch Answer(m.Answer) {
	case AnswerCorrected:
		v.printf("### %s\n\n", answerHeading(m))
		first := m.FirstSteps()
		for _, s := range first {
			switch s.Kind {
			case "wait":
				v.printf("First: %s%s.\n\n", mdText(s.Summary), waitHint(v.m, s, func(c string) string { return "`" + c + "`" }))
			default:
				v.printf("First: %s:\n\n", mdText(orText(s.Summary, "send")))
				v.command(s.Request)
			}
		}
		req := m.Corrected
		if req == nil {
			return
		}
		if len(first) > 0 {
			v.printf("Then:\n\n")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL)
		if len(req.Body) > 0 {
			fmt.Fprintf(&b, "Content-Type: application/json\n\n%s\n", string(req.Body))
		}
		fence(v.ew, "http", strings.TrimRight(b.String(), "\n"))
		v.command(req)
		for _, n := range append(varNotes(req), req.Notes...) {
			v.printf("> Note: %s\n\n", mdText(n))
		}
	case AnswerNothingToSend:
		v.printf("### Nothing to send\n\n%s\n\n", mdText(m.NothingToSend))
	case AnswerRequestOK:
		v.printf("### The request itself\n\n%s\n\n", mdText(requestOKText(m)))
		if f := topFix(m); f != "" {
			v.printf("**What to change:** %s\n\n", mdText(f))
		}
	case AnswerNone:
		if f := foundFix(m); f != nil {
			v.printf("### What to change\n\n%s\n\n", mdText(f.Summary))
			for _, n := range f.Notes {
				v.printf("> Note: %s\n\n", mdText(n))
			}
		}
	}
}

func (v *mdView) sent() {
	m := v.m
	v.printf("### What was sent\n\n")
	if m.Target.Request.Method == "" && m.Target.Request.URL == "" {
		v.printf("- **Request:** not given (--request, --curl or --har)\n")
	} else {
		v.printf("- **Request:** %s\n", mdCode(m.Target.Request.Method+" "+m.Target.Request.URL))
	}
	if m.Target.Host != "" {
		v.printf("- **Host:** %s\n", mdCode(m.Target.Host))
	}
	if m.Target.Region != "" {
		v.printf("- **Region:** %s\n", mdText(m.Target.Region))
	}
	if resp := m.Target.Response; resp != nil {
		v.printf("- **Response:** %s\n", mdText(responseLine(resp)))
		cid := "not recorded (Genesys support asks for the ININ-Correlation-Id response header)"
		if resp.CorrelationID != "" {
			cid = mdCode(resp.CorrelationID)
		}
		v.printf("- **Correlation id:** %s\n", cid)
	} else {
		v.printf("- **Response:** not given\n")
	}
	if m.Target.ConversationID != "" {
		v.printf("- **Conversation:** %s\n", mdCode(m.Target.ConversationID))
	}
	if m.Target.ParticipantID != "" {
		v.printf("- **Participant:** %s\n", mdCode(m.Target.ParticipantID))
	}
	v.printf("- **Mode:** %s; generated %s by %s %s\n\n", mdText(m.Mode), mdText(m.GeneratedAt), m.Tool.Name, mdText(m.Tool.Version))
	if hs := m.Target.Request.Headers; len(hs) > 0 {
		var b strings.Builder
		for _, h := range hs {
			fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
		}
		v.printf("Request headers (secrets removed):\n\n")
		fence(v.ew, "http", strings.TrimRight(b.String(), "\n"))
	}
	if b := m.Target.Request.Body; b != nil {
		v.printf("Body as sent (%d bytes%s):\n\n", m.Target.Request.BodyBytes, map[bool]string{true: ", truncated", false: ""}[m.Target.Request.BodyTruncated])
		fence(v.ew, "json", strings.TrimRight(*b, "\r\n"))
	} else if m.Target.Request.BodyUnknown {
		v.printf("Body: sent, but not read (see the notes): give it with `--body`.\n\n")
	}
}

func (v *mdView) checks() {
	v.printf("### Checks\n\n")
	rows := make([][]string, 0, len(v.m.Checks))
	for _, c := range v.m.Checks {
		rows = append(rows, []string{mdCode(c.ID), strings.ToUpper(c.Status), mdText(c.Summary)})
	}
	mdTable(v.ew, []string{"Check", "Status", "Summary"}, rows)
	v.printf("\n")
	if line := PermissionsLine(v.m.Permissions); line != "" {
		v.printf("**Permissions:** %s\n\n", mdText(line))
	}
}

func (v *mdView) causeDetails() {
	m := v.m
	v.printf("### Causes in detail\n\n")
	if len(m.Causes) == 0 {
		v.printf("None found.\n\n")
	}
	for _, c := range m.Causes {
		v.printf("#### %d. %s: %s (%s)\n\n", c.Rank, mdCode(c.ID), mdText(c.Title), c.Likelihood)
		v.printf("%s\n\n", mdText(c.Explanation))
		if len(c.Evidence) > 0 {
			v.printf("Evidence:\n\n")
			for _, e := range c.Evidence {
				line := mdText(e.Source)
				if e.Path != "" {
					line += " → " + mdCode(e.Path)
				}
				if e.Value != "" {
					line += " = " + mdCode(oneLine(e.Value, 200))
				}
				v.printf("- %s\n", line)
			}
			v.printf("\n")
		}
		if f := c.Fix; f != nil {
			v.fix(f)
		}
		if len(c.Symptoms) > 0 {
			var ids []string
			for _, s := range c.Symptoms {
				ids = append(ids, mdCode(s))
			}
			v.printf("Also true, as a consequence: %s\n\n", strings.Join(ids, ", "))
		}
	}
}

func (v *mdView) fix(f *Fix) {
	v.printf("**Fix:** %s\n\n", mdText(f.Summary))
	for _, b := range f.Before {
		v.printf("First:\n\n")
		v.command(b)
	}
	same := f.SameAsCorrected && len(f.Before) == 0
	if f.Request != nil && !same {
		if len(f.Before) > 0 {
			v.printf("Then:\n\n")
		}
		v.command(f.Request)
	}
	if same {
		v.printf("The request is under \"The request that would have worked\" above.\n\n")
	}
	for _, n := range f.Shown {
		v.printf("> Note: %s\n\n", mdText(n))
	}
}

func (v *mdView) participants() {
	c := v.m.Conversation
	if c == nil || len(c.Participants) == 0 {
		return
	}
	v.printf("### Participants\n\nFrom %s", mdText(c.Source))
	if c.Media != "" {
		v.printf("; media: %s", mdText(c.Media))
	}
	v.printf(".\n\n")
	rows := make([][]string, 0, len(c.Participants))
	for _, p := range c.Participants {
		rows = append(rows, []string{fmt.Sprint(p.Index), mdText(orDash(p.Purpose)), mdText(orDash(p.Name)), mdCode(p.ID), mdCodeOrDash(p.UserID), mdText(stateCell(p)), mdText(orDash(p.Role))})
	}
	mdTable(v.ew, []string{"#", "Purpose", "Name", "Participant id", "User id", "State", "Note"}, rows)
	if c.Omitted > 0 {
		v.printf("\n%d of %d participants not shown (ended, unrelated to the target).\n", c.Omitted, c.Total)
	}
	v.printf("\n")
}

// ruledOut is folded: a ticket reader opens it when they doubt a cause.
func (v *mdView) ruledOut() {
	if len(v.m.RuledOut) == 0 {
		return
	}
	v.printf("<details>\n<summary>Ruled out: %s checked and excluded</summary>\n\n", plural(len(v.m.RuledOut), "cause", "causes"))
	for _, r := range v.m.RuledOut {
		v.printf("- %s: %s\n", mdCode(r.ID), mdText(r.Reason))
	}
	v.printf("\n</details>\n\n")
}

func (v *mdView) notes() {
	m := v.m
	var lines []string
	for _, c := range m.Checks {
		for _, d := range c.Details {
			if !strings.Contains(d, "\n") {
				lines = append(lines, mdCode(c.ID)+": "+mdText(d))
			}
		}
	}
	for _, n := range m.Notes {
		lines = append(lines, mdText(n))
	}
	if s := sentSummary(m.RequestsSent); s != "" {
		var sent []string
		for _, r := range m.RequestsSent {
			sent = append(sent, mdCode(r))
		}
		lines = append(lines, mdText(s)+": "+strings.Join(sent, ", "))
	}
	if len(lines) == 0 {
		return
	}
	v.printf("### Notes\n\n")
	for _, l := range lines {
		v.printf("- %s\n", l)
	}
	v.printf("\n")
}

func (v *mdView) footer() {
	m := v.m
	if m.Reproduce != "" {
		v.printf("### To reproduce\n\n")
		fence(v.ew, "sh", m.Reproduce)
		if !strings.Contains(m.Reproduce, "--bundle") && !strings.HasPrefix(m.Reproduce, "convdiag demo") {
			v.printf("Add `--save-bundle DIR` to capture the redacted evidence so another engineer can rerun it offline with `convdiag check --bundle DIR`.\n\n")
		}
	}
	v.printf("<sub>%s %s, report format %s. Secrets and personal data are redacted unless --show-secrets was given.</sub>\n", m.Tool.Name, m.Tool.Version, m.FormatVersion)
}

func verdictHeadline(m *Model) string {
	switch m.Verdict.Status {
	case diagnose.VerdictCausesFound:
		if len(m.Causes) > 0 {
			return fmt.Sprintf("%s (%s)", m.Causes[0].Title, m.Causes[0].ID)
		}
		return "causes found"
	case diagnose.VerdictIncomplete:
		return "diagnosis incomplete"
	}
	return "no confirmed or likely cause"
}

// fence writes a fenced code block whose fence is longer than any backtick
// run inside.
// command fences a request as the command to copy (curl, or PowerShell
// for a request pasted from PowerShell).
func (v *mdView) command(r *Request) {
	lang, text := command(v.m, r)
	fence(v.ew, lang, text)
}

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

// mdTable writes a GitHub-flavoured Markdown table with unpadded cells
// (already escaped). Written by hand rather than with tablewriter's
// Markdown renderer, which pads every cell to its column's width: a
// 200-column participant note would pad every row to 200 columns in a
// plain-text ticket field.
func mdTable(w io.Writer, header []string, rows [][]string) {
	row := func(cells []string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	row(header)
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	row(seps)
	for _, r := range rows {
		row(r)
	}
}
