package report

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-runewidth"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

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
	label := statusLabel(s, unicode)
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

// statusLabel is a check status as a glyph on a terminal (✓ ✗ ! -) and
// a word elsewhere.
func statusLabel(s string, unicode bool) string {
	if unicode {
		if g, ok := map[string]string{"pass": "✓", "warn": "!", "fail": "✗", "skip": "-", "error": "☠"}[s]; ok {
			return g
		}
	}
	return strings.ToUpper(s)
}

// statusWidth is the column a status label takes.
func statusWidth(unicode bool) int {
	if unicode {
		return 1
	}
	return len("ERROR")
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

func (p palette) verdict(status diagnose.VerdictStatus) string {
	switch status {
	case diagnose.VerdictCausesFound:
		return p.fail.Sprint("CAUSES FOUND")
	case diagnose.VerdictIncomplete:
		return p.warn.Sprint("INCOMPLETE")
	}
	return p.pass.Sprint("NO CAUSE FOUND")
}

// Render writes the human report, answer first: the verdict, the causes
// one line each with the top one's why, and the request that would have
// worked (or why there is none) fill the first screen; what was sent, the
// checks, each cause in detail, the participants, the timeline and notes
// follow.
func (t textRenderer) Render(w io.Writer, m *Model) error {
	v := newTextView(w, m, t.opts)
	v.header()
	v.causeList()
	v.answer()
	v.sent()
	v.checks()
	v.causeDetails()
	v.participants()
	v.timeline()
	v.ruledOut()
	v.notes()
	v.footer()
	return v.ew.err
}

// textView writes one text report; its methods are the report's sections,
// in order. It decides layout only: what to say is the model's.
type textView struct {
	ew      *errWriter
	m       *Model
	o       Options
	p       palette
	width   int
	arrow   string
	bullet  string
	dash    string
	ellipse string
}

// DefaultWidth is the width of a report not written to a terminal when
// COLUMNS is not set.
const DefaultWidth = 100

// minWidth is the narrowest layout convdiag draws.
const minWidth = 60

func newTextView(w io.Writer, m *Model, o Options) *textView {
	v := &textView{ew: &errWriter{w: w}, m: m, o: o, p: newPalette(o.Color), width: o.Width,
		arrow: " -> ", bullet: "*", dash: " - ", ellipse: "..."}
	if v.width <= 0 {
		v.width = DefaultWidth
	}
	v.width = max(v.width, minWidth)
	if o.Unicode {
		v.arrow, v.bullet, v.dash, v.ellipse = " → ", "·", " — ", "…"
	}
	return v
}

func (v *textView) printf(format string, a ...any) { fmt.Fprintf(v.ew, format, a...) }

// para writes text wrapped to the report's width.
func (v *textView) para(text, first, rest string) { fmt.Fprint(v.ew, wrap(text, v.width, first, rest)) }

// heading writes a section title after a blank line.
func (v *textView) heading(title string) { v.printf("\n%s\n", v.p.bold.Sprint(title)) }

// narrow reports whether ids are shortened: below 120 columns, unless -v.
func (v *textView) narrow() bool { return v.width < 120 && !v.o.Verbose }

// id shortens the Genesys ids in s when the report is narrow.
func (v *textView) id(s string) string {
	if !v.narrow() {
		return s
	}
	return ShortenIDs(s, v.ellipse)
}

// clip cuts s to n columns on a rune boundary, marking the cut.
func (v *textView) clip(s string, n int) string {
	if n < 2 {
		return s
	}
	return fitLine(s, n, v.ellipse)
}

func (v *textView) header() {
	m := v.m
	v.printf("%s %s check%s%s (exit %d)\n", v.p.bold.Sprint("convdiag"), m.Mode, v.dash, v.p.verdict(m.Verdict.Status), m.Verdict.ExitCode)
	v.para(m.Verdict.Summary, "", "")
}

// causeList is every cause on one line (the first with its why), at most
// maxListed of them.
func (v *textView) causeList() {
	const maxListed = 6
	if len(v.m.Causes) == 0 {
		return
	}
	v.printf("\n")
	for i, c := range v.m.Causes {
		if i == maxListed {
			v.printf("    %s and %s below\n", v.ellipse, plural(len(v.m.Causes)-maxListed, "more cause", "more causes"))
			break
		}
		head := fmt.Sprintf("%2d. [%s] %s", c.Rank, c.Likelihood, c.ID)
		shown := fmt.Sprintf("%2d. [%s] %s", c.Rank, v.p.likelihood(c.Likelihood), v.p.bold.Sprint(c.ID))
		if i == 0 {
			v.printf("%s\n", shown)
			v.para(c.Title, "    ", "    ")
			if c.Why != "" && c.Why != c.Title {
				v.para(v.id(c.Why), "    ", "    ")
			}
			continue
		}
		room := v.width - displayWidth(head) - displayWidth(v.dash)
		v.printf("%s%s%s\n", shown, v.dash, v.clip(c.Title, max(room, 12)))
	}
}

// answer is what to send: the plan (its steps, then the corrected
// request), or why nothing can be sent, or that the request as sent was
// right.
func (v *textView) answer() {
	m := v.m
	switch Answer(m.Answer) {
	case AnswerCorrected:
		v.heading(answerHeading(m))
		first := m.FirstSteps()
		for _, s := range first {
			v.step(s)
		}
		if r := m.Corrected; r != nil {
			if len(first) > 0 {
				v.printf("  then:\n")
			}
			v.curl(r, "  ")
			for _, n := range append(varNotes(r), r.Notes...) {
				v.para(n, "  note: ", "        ")
			}
		}
	case AnswerNothingToSend:
		v.heading("Nothing to send")
		v.para(m.NothingToSend, "  ", "  ")
	case AnswerRequestOK:
		v.heading("The request itself")
		v.para(requestOKText(m), "  ", "  ")
		if f := topFix(m); f != "" {
			v.para(f, "  what to change: ", "    ")
		}
	case AnswerNone:
		// A cause whose fix is no request convdiag can build (what was
		// meant is unknown): what to change, in words.
		if f := foundFix(m); f != nil {
			v.heading("What to change")
			v.para(f.Summary, "  ", "  ")
			for _, n := range f.Notes {
				v.para(n, "  note: ", "        ")
			}
		}
	}
}

// foundFix is the top cause's fix when it is confirmed or likely.
func foundFix(m *Model) *Fix {
	if len(m.Causes) == 0 || m.Causes[0].Fix == nil || m.Causes[0].Likelihood == diagnose.Possible.String() {
		return nil
	}
	return m.Causes[0].Fix
}

// step writes one step of the plan before its request.
func (v *textView) step(s PlanStep) {
	switch s.Kind {
	case "wait":
		v.para(s.Summary+waitHint(v.m, s, func(c string) string { return c }), "  first: ", "    ")
	case "grant":
		v.para(s.Summary+":", "  first: ", "    ")
		v.curl(s.Request, "    ")
	default:
		v.para(orText(s.Summary, "send")+":", "  first: ", "    ")
		v.curl(s.Request, "    ")
	}
}

// topFix is what the top cause says to change, when the request itself
// is right.
func topFix(m *Model) string {
	if len(m.Causes) == 0 || m.Causes[0].Fix == nil {
		return ""
	}
	return m.Causes[0].Fix.Summary
}

// curl writes a request as its curl command (which holds the method, the
// URL and the body), never shortened: it is for copying.
func (v *textView) curl(r *Request, indent string) {
	_, text := command(v.m, r)
	for _, line := range strings.Split(text, "\n") {
		v.printf("%s%s\n", indent, line)
	}
}

func (v *textView) sent() {
	m := v.m
	v.heading("What was sent")
	req := m.Target.Request.Method + " " + m.Target.Request.URL
	if m.Target.Request.Method == "" && m.Target.Request.URL == "" {
		req = "not given (--request, --curl or --har)"
	}
	kv := [][2]string{{"Request", req}}
	if hs := m.Target.Request.Headers; len(hs) > 0 {
		var parts []string
		for _, h := range hs {
			parts = append(parts, h.Name+": "+h.Value)
		}
		kv = append(kv, [2]string{"Headers", strings.Join(parts, "; ")})
	}
	switch b := m.Target.Request.Body; {
	case b != nil:
		kv = append(kv, [2]string{"Body", oneLine(*b, 300)})
	case m.Target.Request.BodyUnknown:
		kv = append(kv, [2]string{"Body", "sent, but not read (see the notes): give it with --body"})
	default:
		kv = append(kv, [2]string{"Body", "none sent"})
	}
	if r := m.Target.Response; r != nil {
		kv = append(kv, [2]string{"Response", responseLine(r)})
		cid := r.CorrelationID
		if cid == "" {
			cid = "not recorded (Genesys support asks for the ININ-Correlation-Id response header)"
		}
		kv = append(kv, [2]string{"Correlation id", cid})
	} else {
		kv = append(kv, [2]string{"Response", "not given (--status, --response)"})
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
		// The request line keeps its URL whole (for copying); the rest
		// wraps.
		if e[0] == "Request" {
			v.printf("  %-15s %s\n", e[0], e[1])
			continue
		}
		v.para(e[1], fmt.Sprintf("  %-15s ", e[0]), strings.Repeat(" ", 18))
	}
}

// checks is one line per check: glyph, id, summary (cut to the width
// unless -v); then what the token may do, when its grants were read.
func (v *textView) checks() {
	defer func() {
		if line := PermissionsLine(v.m.Permissions); line != "" {
			v.para(line, "  Permissions: ", "    ")
		}
	}()
	v.heading("Checks")
	idW := 0
	for _, c := range v.m.Checks {
		idW = max(idW, len(c.ID))
	}
	for _, c := range v.m.Checks {
		label := v.p.status(c.Status, v.o.Unicode)
		plain := statusLabel(c.Status, v.o.Unicode)
		pad := strings.Repeat(" ", max(0, statusWidth(v.o.Unicode)-displayWidth(plain)))
		lead := fmt.Sprintf("  %s%s %-*s  ", label, pad, idW, c.ID)
		leadW := 2 + statusWidth(v.o.Unicode) + 1 + idW + 2
		if v.o.Verbose {
			fmt.Fprint(v.ew, wrap(c.Summary, v.width, lead, strings.Repeat(" ", leadW)))
			continue
		}
		v.printf("%s%s\n", lead, v.clip(v.id(oneLine(c.Summary, 1000)), v.width-leadW))
	}
}

// PermissionsLine is the one line a report gives the token's grants: "may
// drop participants in: Billing (role CRM Integration); the conversation is
// in: Billing, Collections".
func PermissionsLine(p *diagnose.Permissions) string {
	if p == nil {
		return ""
	}
	var held []string
	divs := make([]string, 0, len(p.HeldIn))
	for d := range p.HeldIn {
		divs = append(divs, d)
	}
	sort.Strings(divs)
	for _, d := range divs {
		held = append(held, fmt.Sprintf("%s (%s)", d, "role "+strings.Join(p.HeldIn[d], ", role ")))
	}
	does := orText(p.Does, "send it")
	s := "may " + does + " in: "
	if len(held) == 0 {
		s = "may " + does + " in: no division (none of " + strings.Join(p.Needed, ", ") + ")"
	} else {
		s += strings.Join(held, ", ")
	}
	if len(p.ConversationDivisions) > 0 {
		s += "; the conversation is in: " + strings.Join(p.ConversationDivisions, ", ")
	} else {
		s += "; the conversation's divisions are unknown"
	}
	return s + " (" + p.Source + ")"
}

// causeDetails is each cause at length: explanation, evidence, fix.
func (v *textView) causeDetails() {
	if len(v.m.Causes) == 0 {
		return
	}
	v.heading("Causes in detail")
	for i, c := range v.m.Causes {
		if i > 0 {
			v.printf("\n")
		}
		v.printf("%2d. [%s] %s\n", c.Rank, v.p.likelihood(c.Likelihood), v.p.bold.Sprint(c.ID))
		v.para(c.Title, "    ", "    ")
		v.para(c.Explanation, "    ", "    ")
		if len(c.Evidence) > 0 {
			v.printf("    evidence:\n")
			for _, e := range c.Evidence {
				v.para(evidenceLine(e, v.arrow), "      "+v.bullet+" ", "        ")
			}
		}
		if f := c.Fix; f != nil {
			v.fix(f)
		}
		if len(c.Symptoms) > 0 {
			v.para("also true, as a consequence: "+strings.Join(c.Symptoms, ", "), "    ", "    ")
		}
	}
}

func (v *textView) fix(f *Fix) {
	summary := f.Summary
	if f.SameAsCorrected && len(f.Before) == 0 {
		summary += " (the request above)"
	}
	v.para(summary, "    fix: ", "         ")
	for _, b := range f.Before {
		v.printf("      first:\n")
		writeRequest(v.ew, b, "        ")
	}
	if f.Request != nil && (!f.SameAsCorrected || len(f.Before) > 0) {
		if len(f.Before) > 0 {
			v.printf("      then:\n")
		}
		writeRequest(v.ew, f.Request, "        ")
	}
	for _, n := range f.Shown {
		v.para(n, "      note: ", "            ")
	}
}

func (v *textView) participants() {
	c := v.m.Conversation
	if c == nil || len(c.Participants) == 0 {
		return
	}
	head := "Participants of " + orNone(v.id(c.ID))
	if c.Media != "" {
		head += " (" + c.Media + ")"
	}
	v.printf("\n")
	v.para(v.p.bold.Sprint(head)+", "+v.p.dim.Sprintf("from %s", c.Source), "", "  ")
	rows := make([][]string, 0, len(c.Participants))
	for _, r := range c.Participants {
		rows = append(rows, []string{fmt.Sprint(r.Index), orDash(r.Purpose), orDash(r.Name), v.id(r.ID), v.id(orDash(r.UserID)), stateCell(r), orDash(r.Role)})
	}
	// Cut the note first, then the name, the state and the purpose.
	if err := table(v.ew, []string{"#", "Purpose", "Name", "Participant", "User", "State", "Note"}, rows, v.width, []int{6, 2, 5, 1}, v.ellipse); err != nil {
		v.ew.err = err
	}
	if c.Omitted > 0 {
		v.printf("  %d of %d participants not shown (ended, unrelated to the target)\n", c.Omitted, c.Total)
	}
}

func (v *textView) timeline() {
	if len(v.m.Timeline) == 0 {
		return
	}
	title := "no failure time, give --at to mark it"
	if f := v.m.FailureTime; f != nil {
		moment := "the request failed"
		if r := v.m.Target.Response; r != nil && r.Status/100 == 2 {
			moment = "the request was answered"
		}
		title = moment + " at " + f.Time + " (" + f.Source + ")"
	}
	v.printf("\n")
	v.para(v.p.bold.Sprint("Timeline (UTC):")+" "+title, "", "  ")
	writeTextTimeline(v.ew, v.m, v.width)
}

// ruledOut is a count unless -v, which lists each with its reason.
func (v *textView) ruledOut() {
	n := len(v.m.RuledOut)
	if n == 0 {
		return
	}
	if !v.o.Verbose {
		v.printf("\n%s: %s checked and excluded (-v lists each with its reason).\n", v.p.bold.Sprint("Ruled out"), plural(n, "cause", "causes"))
		return
	}
	v.heading("Ruled out")
	for _, r := range v.m.RuledOut {
		v.para(r.ID+": "+r.Reason, "  - ", "    ")
	}
}

// notes are the checks' caveats (with -v, each check's evidence instead),
// the report's notes, and what a live check sent, counted.
func (v *textView) notes() {
	var lines []string
	if !v.o.Verbose {
		for _, c := range v.m.Checks {
			for _, d := range c.Details {
				if !strings.Contains(d, "\n") {
					lines = append(lines, c.ID+": "+d)
				}
			}
		}
	}
	lines = append(lines, v.m.Notes...)
	if s := sentSummary(v.m.RequestsSent); s != "" && !v.o.Verbose {
		lines = append(lines, s+" (-v lists them)")
	}
	if len(lines) > 0 {
		v.heading("Notes")
		for _, n := range lines {
			v.para(n, "  - ", "    ")
		}
	}
	if v.o.Verbose {
		v.evidenceRead()
	}
}

// evidenceRead (-v) lists every check's evidence and caveats, and every
// request sent.
func (v *textView) evidenceRead() {
	v.heading("Evidence read")
	for _, c := range v.m.Checks {
		v.printf("  %s\n", c.ID)
		for _, e := range c.Evidence {
			v.para(evidenceLine(e, v.arrow), "    "+v.bullet+" ", "      ")
		}
		for _, d := range c.Details {
			v.para(d, "    note: ", "          ")
		}
	}
	if len(v.m.RequestsSent) > 0 {
		v.heading("Requests this check sent")
		for _, r := range v.m.RequestsSent {
			v.printf("  %s\n", r)
		}
	}
}

func (v *textView) footer() {
	v.printf("\n")
	if strings.Contains(v.m.Reproduce, "--bundle") {
		v.printf("To reproduce offline: %s\n", v.m.Reproduce)
	}
	v.printf("%s (exit %d). `convdiag explain ID` explains a cause at length.\n", v.p.verdict(v.m.Verdict.Status), v.m.Verdict.ExitCode)
}

// sentSummary counts the requests a live check sent: "sent 1 token
// request and 4 GETs, nothing else".
func sentSummary(sent []string) string {
	if len(sent) == 0 {
		return ""
	}
	tokens, gets, other := diagnose.CountSent(sent)
	var parts []string
	if tokens > 0 {
		parts = append(parts, plural(tokens, "token request", "token requests"))
	}
	if gets > 0 {
		parts = append(parts, plural(gets, "GET", "GETs"))
	}
	if other > 0 {
		parts = append(parts, plural(other, "other request", "other requests"))
	}
	return "this check sent " + joinAnd(parts) + ", nothing else"
}

// plural is "1 cause", "3 causes".
func plural(n int, one, many string) string { return diagnose.Plural(n, one, many) }

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(parts []string) string { return diagnose.JoinAnd(parts) }

// varNotes says what to set the shell variables of a request to.
func varNotes(r *Request) []string {
	fr := diagnose.FixRequest{BaseURL: "-", Vars: r.Vars}
	if strings.Contains(r.URL, "$GENESYSCLOUD_API_BASE") {
		fr.BaseURL = ""
	}
	return fr.VarNotes()
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

// table writes a borderless table (kubectl style) within width columns:
// when the cells do not fit, the columns named in shrink (indexes, first
// shrunk first) are cut, on rune boundaries, marked with ellipsis.
func table(w io.Writer, header []string, rows [][]string, width int, shrink []int, ellipsis string) error {
	fitColumns(header, rows, width-2, shrink, ellipsis)
	var buf strings.Builder
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
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
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintf(w, "  %s\n", strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

// fitColumns cuts the cells of the shrinkable columns until the table
// (columns joined by two spaces) fits width; a column is never cut below
// the width of its header or 6 runes.
func fitColumns(header []string, rows [][]string, width int, shrink []int, ellipsis string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = displayWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], displayWidth(c))
			}
		}
	}
	total := func() int {
		n := 2 * (len(widths) - 1)
		for _, w := range widths {
			n += w
		}
		return n
	}
	for _, col := range shrink {
		over := total() - width
		if over <= 0 {
			break
		}
		floor := cellFloor(header[col], rows, col, ellipsis)
		to := max(widths[col]-over, floor)
		if to >= widths[col] {
			continue
		}
		widths[col] = to
		for _, r := range rows {
			r[col] = fitCell(r[col], to, ellipsis)
		}
	}
}

// clipTo cuts s to n columns on a rune boundary, the last being the
// ellipsis (a wide character counts two).
func clipTo(s string, n int, ellipsis string) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	return runewidth.Truncate(s, n, ellipsis)
}

// ansiRe is an ANSI CSI sequence (colour).
var ansiRe = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// displayWidth is the number of terminal columns s takes: colour codes
// take none, wide characters two.
func displayWidth(s string) int {
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansiRe.ReplaceAllString(s, "")
	}
	return runewidth.StringWidth(s)
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
		n := displayWidth(line)
		words := strings.Fields(para)
		if len(words) == 0 {
			b.WriteString(strings.TrimRight(indent, " ") + "\n")
			continue
		}
		words = splitLongWords(words, width-displayWidth(rest))
		for i, word := range words {
			wl := displayWidth(word)
			glued := i > 0 && strings.HasSuffix(words[i-1], "\x00")
			word = strings.TrimSuffix(word, "\x00")
			wl = displayWidth(word)
			gap := 1
			if glued {
				gap = 0
			}
			if i > 0 && n+gap+wl > width {
				b.WriteString(line + "\n")
				line, n = rest+word, displayWidth(rest)+wl
				continue
			}
			if i > 0 && !glued {
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

// splitLongWords cuts a word wider than room (a JSON body without spaces,
// a long path) after a ',', '/' or ':', so that wrap can break the line there
// without changing a character. URLs and shell words stay whole, for
// copying.
func splitLongWords(words []string, room int) []string {
	if room < 20 {
		return words
	}
	var out []string
	for _, w := range words {
		if displayWidth(w) <= room || strings.Contains(w, "://") || strings.HasPrefix(w, "$") || strings.HasPrefix(w, "'") {
			out = append(out, w)
			continue
		}
		for displayWidth(w) > room {
			cut := -1
			for i, r := range w {
				if displayWidth(w[:i+1]) > room {
					break
				}
				if r == ',' || r == '/' || r == ':' {
					cut = i + 1
				}
			}
			if cut <= 0 || cut >= len(w) {
				break
			}
			out = append(out, w[:cut]+"\x00")
			w = w[cut:]
		}
		out = append(out, w)
	}
	return out
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

// uuidRe is a Genesys id.
var uuidRe = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)

// ShortenIDs writes every Genesys id in s as its first 8 digits and an
// ellipsis ("a94306fa…"): enough to tell ids apart on a screen.
func ShortenIDs(s, ellipsis string) string {
	if len(s) < 36 {
		return s
	}
	return uuidRe.ReplaceAllStringFunc(s, func(id string) string { return id[:8] + ellipsis })
}
