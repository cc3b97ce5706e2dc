package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// FailureTime is when the request failed (DESIGN §5 failure_time).
type FailureTime struct {
	Time        string `json:"time"`
	Source      string `json:"source"`
	PrecisionMs int64  `json:"precision_ms"`
}

// TimelineEntry is one participant's lanes (DESIGN §5 timeline).
type TimelineEntry struct {
	ParticipantID  string         `json:"participant_id"`
	Purpose        string         `json:"purpose,omitempty"`
	Name           string         `json:"name,omitempty"`
	Communications []TimelineComm `json:"communications"`
	StateAtFailure string         `json:"state_at_failure,omitempty"`
	StateNow       string         `json:"state_now,omitempty"`
	Role           string         `json:"role,omitempty"`

	start, end time.Time
}

// TimelineComm is one communication's lifecycle.
type TimelineComm struct {
	ID             string `json:"id,omitempty"`
	Media          string `json:"media,omitempty"`
	Alerting       string `json:"alerting,omitempty"`
	Connected      string `json:"connected,omitempty"`
	Held           string `json:"held,omitempty"`
	Disconnected   string `json:"disconnected,omitempty"`
	DisconnectType string `json:"disconnect_type,omitempty"`

	alerting, connected, held, disconnected time.Time
}

func buildTimeline(m *Model, cl diagnose.Conclusion) {
	m.Timeline = []TimelineEntry{}
	if f := cl.Failure; f.Known() {
		m.FailureTime = &FailureTime{Time: diagnose.FormatTime(f.Time), Source: f.Source, PrecisionMs: f.Precision.Milliseconds()}
		m.failure = f.Time
	}
	if cl.Timeline == nil {
		return
	}
	m.TimelineOmitted = cl.Timeline.Omitted
	for _, e := range cl.Timeline.Entries {
		te := TimelineEntry{ParticipantID: e.ParticipantID, Purpose: e.Purpose, Name: e.Name, StateAtFailure: e.StateAtFailure, StateNow: e.StateNow, Role: e.Role,
			Communications: []TimelineComm{}, start: e.Start, end: e.End}
		for _, c := range e.Communications {
			te.Communications = append(te.Communications, TimelineComm{ID: c.ID, Media: c.Media, Alerting: ts(c.Alerting), Connected: ts(c.Connected), Held: ts(c.Held),
				Disconnected: ts(c.Disconnected), DisconnectType: c.DisconnectType,
				alerting: c.Alerting, connected: c.Connected, held: c.Held, disconnected: c.Disconnected})
		}
		m.Timeline = append(m.Timeline, te)
	}
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return diagnose.FormatTime(t)
}

// span is one drawn stretch of a lane.
type span struct {
	phase      diagnose.Phase
	start, end time.Time // end zero: open (still going)
}

// spans lays a communication out as alerting, connected and held stretches.
func (c TimelineComm) spans() []span {
	var out []span
	next := func(ts ...time.Time) time.Time {
		for _, t := range ts {
			if !t.IsZero() {
				return t
			}
		}
		return time.Time{}
	}
	if !c.alerting.IsZero() {
		out = append(out, span{diagnose.PhaseAlerting, c.alerting, next(c.connected, c.disconnected)})
	}
	if !c.connected.IsZero() {
		out = append(out, span{diagnose.PhaseConnected, c.connected, next(c.held, c.disconnected)})
	}
	if !c.held.IsZero() {
		out = append(out, span{diagnose.PhaseHeld, c.held, c.disconnected})
	}
	return out
}

// timelineRange is the time axis: every drawn time and the failure.
func timelineRange(m *Model) (lo, hi time.Time, ok bool) {
	add := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, e := range m.Timeline {
		add(e.start)
		add(e.end)
		for _, c := range e.Communications {
			for _, s := range c.spans() {
				add(s.start)
				add(s.end)
			}
		}
	}
	if lo.IsZero() {
		return lo, hi, false
	}
	add(m.failure)
	if !hi.After(lo) {
		hi = lo.Add(time.Second)
	}
	return lo, hi, true
}

// laneGlyph draws each phase in ASCII.
var laneGlyph = map[diagnose.Phase]byte{diagnose.PhaseAlerting: '~', diagnose.PhaseConnected: '=', diagnose.PhaseHeld: 'h'}

// writeTextTimeline draws one lane per participant on a shared time axis,
// the failure marked, within width columns.
func writeTextTimeline(w io.Writer, m *Model, width int) {
	lo, hi, ok := timelineRange(m)
	if !ok {
		return
	}
	labelW := 0
	labels := make([]string, len(m.Timeline))
	for i, e := range m.Timeline {
		l := orDash(e.Purpose)
		if e.Role == "target" {
			l += "*"
		}
		if e.Name != "" {
			l += " " + e.Name
		}
		labels[i] = clipTo(l, 18, "…")
		labelW = max(labelW, displayWidth(labels[i]))
	}
	chartW := width - labelW - 4
	if chartW < 20 {
		chartW = 20
	}
	span := hi.Sub(lo)
	col := func(t time.Time) int {
		c := int(float64(t.Sub(lo)) / float64(span) * float64(chartW-1))
		return min(max(c, 0), chartW-1)
	}
	axis := []byte(strings.Repeat(" ", chartW))
	layout := "15:04:05"
	if lo.UTC().YearDay() != hi.UTC().YearDay() || lo.UTC().Year() != hi.UTC().Year() {
		// A picture spanning midnight names the days.
		layout = "01-02 15:04:05"
	}
	left, right := lo.UTC().Format(layout), hi.UTC().Format(layout)
	copy(axis, left)
	if chartW > len(left)+len(right)+1 {
		copy(axis[chartW-len(right):], right)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", labelW, "", strings.TrimRight(string(axis), " "))
	fcol := -1
	if !m.failure.IsZero() {
		fcol = col(m.failure)
	}
	for i, e := range m.Timeline {
		lane := []byte(strings.Repeat(" ", chartW))
		for _, c := range e.Communications {
			for _, s := range c.spans() {
				end := s.end
				if end.IsZero() {
					end = hi
				}
				for x := col(s.start); x <= col(end); x++ {
					lane[x] = laneGlyph[s.phase]
				}
			}
			if !c.disconnected.IsZero() {
				lane[col(c.disconnected)] = '|'
			}
		}
		if fcol >= 0 && lane[fcol] == ' ' {
			lane[fcol] = ':'
		}
		fmt.Fprintf(w, "  %s  %s\n", padRunes(labels[i], labelW), strings.TrimRight(string(lane), " "))
	}
	if fcol >= 0 {
		what := "request failed"
		if r := m.Target.Response; r != nil && r.Status/100 == 2 {
			what = "request answered"
		}
		mark := fmt.Sprintf("^ %s %s", what, m.failure.UTC().Format("15:04:05.000"))
		pad := fcol
		if fcol+len(mark) > chartW {
			mark = fmt.Sprintf("%s %s ^", what, m.failure.UTC().Format("15:04:05.000"))
			pad = max(fcol-len(mark)+1, 0)
		}
		fmt.Fprintf(w, "  %-*s  %s%s\n", labelW, "", strings.Repeat(" ", pad), mark)
	}
	legend := "  ~ alerting  = connected  h held  | ended  * the target"
	if m.TimelineOmitted > 0 {
		legend += fmt.Sprintf("  (%d more participants, ended, not drawn)", m.TimelineOmitted)
	}
	fmt.Fprintln(w, legend)
}

// padRunes pads s to n columns (display width, as clipTo cuts).
func padRunes(s string, n int) string {
	if d := n - displayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// mermaidName makes a name safe in a Mermaid gantt task or section: a
// colon, semicolon or hash breaks the chart.
func mermaidName(s string) string {
	return strings.NewReplacer(":", ".", ";", ",", "#", "No.", "\n", " ", "`", "'", "<", "‹", ">", "›", "](", "] (").Replace(s)
}

// mermaidTime writes a time as the gantt's dateFormat reads it: UTC, no
// zone (with one, a start moves to the viewer's zone and an end is
// rejected).
func mermaidTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") }

// writeMermaidTimeline writes a Mermaid gantt block (one section per
// participant, the failure as a milestone) and a small table, readable raw.
func writeMermaidTimeline(w io.Writer, m *Model) {
	lo, hi, ok := timelineRange(m)
	if !ok {
		return
	}
	_ = lo
	fmt.Fprintf(w, "### Timeline\n\n")
	var b strings.Builder
	b.WriteString("---\nconfig:\n  gantt:\n    displayMode: compact\n    leftPadding: 230\n---\ngantt\n")
	title := "Participants (UTC)"
	if !m.failure.IsZero() {
		title = "Participants around the failure at " + m.failure.UTC().Format("15.04.05") + " (UTC)"
	}
	fmt.Fprintf(&b, "    title %s\n    dateFormat YYYY-MM-DDTHH:mm:ss.SSS\n    axisFormat %%H:%%M:%%S\n    todayMarker off\n", title)
	for i, e := range m.Timeline {
		name := orDash(e.Purpose)
		if e.Name != "" {
			name += " " + e.Name
		}
		if e.Role == "target" {
			name += " (target)"
		}
		fmt.Fprintf(&b, "    section %s\n", mermaidName(name))
		n := 0
		for _, c := range e.Communications {
			for _, s := range c.spans() {
				end := s.end
				if end.IsZero() {
					end = hi
				}
				if !end.After(s.start) {
					end = s.start.Add(time.Second)
				}
				fmt.Fprintf(&b, "    %s :p%dc%d, %s, %s\n", s.phase, i, n, mermaidTime(s.start), mermaidTime(end))
				n++
			}
		}
		if n == 0 {
			fmt.Fprintf(&b, "    (no times) :p%dc0, %s, 0s\n", i, mermaidTime(lo))
		}
	}
	if !m.failure.IsZero() {
		fmt.Fprintf(&b, "    section request\n    request failed :milestone, crit, f1, %s, 0s\n", mermaidTime(m.failure))
	}
	fence(w, "mermaid", strings.TrimRight(b.String(), "\n"))
	rows := make([][]string, 0, len(m.Timeline))
	for _, e := range m.Timeline {
		name := e.ParticipantID
		if e.Role == "target" {
			name += " (target)"
		}
		ended := "-"
		if !e.end.IsZero() {
			ended = diagnose.FormatTime(e.end)
		}
		rows = append(rows, []string{mdCode(name), mdText(orDash(e.Purpose)), mdText(orDash(e.StateAtFailure)), mdText(orDash(e.StateNow)), mdText(ended)})
	}
	mdTable(w, []string{"Participant", "Purpose", "At failure", "Now", "Ended"}, rows)
	if m.TimelineOmitted > 0 {
		fmt.Fprintf(w, "\n%d more participants (ended, unrelated to the target) are not drawn.\n", m.TimelineOmitted)
	}
	fmt.Fprintln(w)
}
