package report

import (
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/triage"
)

// TriageModel is the triage report (DESIGN §5a, format_version "1"), the
// one model every format lays out: built from a triage.Result, redacted.
type TriageModel struct {
	FormatVersion string          `json:"format_version"`
	Tool          Tool            `json:"tool"`
	GeneratedAt   string          `json:"generated_at"`
	Mode          string          `json:"mode"`
	Tickets       []TriageTicket  `json:"tickets"`
	Clusters      []TriageCluster `json:"clusters"`
	Counts        triage.Counts   `json:"counts"`
	Errors        []TriageError   `json:"errors"`
	// Interrupted is set when the run was stopped (Ctrl-C): the report
	// holds what was triaged until then.
	Interrupted bool `json:"interrupted,omitempty"`
	// Resumed counts the tickets taken from a --resume state.
	Resumed int `json:"resumed,omitempty"`
	// Conversations counts the conversations read live.
	Conversations int           `json:"conversations_read,omitempty"`
	Verdict       TriageVerdict `json:"verdict"`

	noCause, incomplete []string
}

// TriageTicket is one ticket of the report.
type TriageTicket struct {
	Source         string        `json:"source"`
	Verdict        TicketVerdict `json:"verdict"`
	TopCause       *string       `json:"top_cause"`
	Likelihood     string        `json:"likelihood,omitempty"`
	Operation      string        `json:"operation"`
	ConversationID string        `json:"conversation_id,omitempty"`
	Time           *string       `json:"time"`
}

// TicketVerdict is a ticket's verdict, as `convdiag check` gives it.
type TicketVerdict struct {
	Status   diagnose.VerdictStatus `json:"status"`
	ExitCode int                    `json:"exit_code"`
}

// TriageCluster is the tickets of one operation and top cause.
type TriageCluster struct {
	Operation  string   `json:"operation"`
	Cause      string   `json:"cause"`
	Title      string   `json:"title"`
	Count      int      `json:"count"`
	Share      float64  `json:"share"`
	FirstSeen  *string  `json:"first_seen"`
	LastSeen   *string  `json:"last_seen"`
	Examples   []string `json:"examples"`
	Fix        string   `json:"fix"`
	FixSummary string   `json:"fix_summary,omitempty"`
	// Variants counts the tickets whose fix has another shape than Fix.
	Variants int `json:"fix_variants,omitempty"`
}

// TriageError is an input that could not be read.
type TriageError struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// TriageVerdict sums the run up.
type TriageVerdict struct {
	Status   diagnose.VerdictStatus `json:"status"`
	ExitCode int                    `json:"exit_code"`
	Summary  string                 `json:"summary"`
}

// TriageOptions tune a triage report.
type TriageOptions struct {
	Options
	// Now is when the report was generated.
	Now time.Time
}

// NewTriageModel builds the report's model from a run and redacts it
// unless ShowSecrets.
func NewTriageModel(res *triage.Result, o TriageOptions) *TriageModel {
	m := &TriageModel{FormatVersion: "1", Tool: Tool{Name: "convdiag", Version: o.Version}, GeneratedAt: o.Now.UTC().Format(time.RFC3339),
		Mode: string(res.Mode), Tickets: []TriageTicket{}, Clusters: []TriageCluster{}, Counts: res.Counts, Errors: []TriageError{},
		Interrupted: res.Interrupted, Resumed: res.Resumed, Conversations: res.Conversations,
		Verdict: TriageVerdict{Status: res.Verdict.Status, ExitCode: res.Verdict.ExitCode, Summary: res.Verdict.Summary},
		noCause: res.NoCauseExamples, incomplete: res.IncompleteExamples}
	for _, t := range res.Tickets {
		tt := TriageTicket{Source: t.Source, Verdict: TicketVerdict{t.Status, t.ExitCode}, Likelihood: t.Likelihood, Operation: string(t.Operation),
			ConversationID: t.ConversationID, Time: timeOrNil(t.Time)}
		if t.TopCause != "" {
			c := t.TopCause
			tt.TopCause = &c
		}
		m.Tickets = append(m.Tickets, tt)
	}
	for _, c := range res.Clusters {
		m.Clusters = append(m.Clusters, TriageCluster{Operation: string(c.Operation), Cause: c.Cause, Title: c.Title, Count: c.Count,
			Share: float64(int(c.Share*10000+0.5)) / 10000, FirstSeen: timeOrNil(c.FirstSeen), LastSeen: timeOrNil(c.LastSeen),
			Examples: append([]string{}, c.Examples...), Fix: c.Fix, FixSummary: c.FixSummary, Variants: c.Variants})
	}
	for _, e := range res.Errors {
		m.Errors = append(m.Errors, TriageError{Source: e.Source, Error: e.Error})
	}
	if !o.ShowSecrets {
		NewRedactor(o.Secrets...).Walk(m)
	}
	if o.Format != FormatJSON {
		termSafeWalk(reflect.ValueOf(m))
	}
	return m
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// RenderTriage writes the triage report in the chosen format.
func RenderTriage(w io.Writer, res *triage.Result, o TriageOptions) error {
	m := NewTriageModel(res, o)
	switch o.Format {
	case FormatText, "":
		return triageText(w, m, o.Options)
	case FormatMarkdown:
		return triageMarkdown(w, m)
	case FormatJSON:
		return writeJSON(w, m)
	}
	return fmt.Errorf("unknown format %q", o.Format)
}

// countsLine is "300 tickets: 240 with a cause in 3 clusters, 40 with no
// cause found, 20 incomplete".
func (m *TriageModel) countsLine() string {
	c := m.Counts
	s := fmt.Sprintf("%s: %d with a cause in %s, %d with no cause found, %d incomplete", diagnose.Plural(c.Tickets, "ticket", "tickets"),
		c.CausesFound, diagnose.Plural(len(m.Clusters), "cluster", "clusters"), c.NoCauseFound, c.Incomplete)
	if m.Resumed > 0 {
		s += fmt.Sprintf(" (%d from the resumed state)", m.Resumed)
	}
	if m.Conversations > 0 {
		s += fmt.Sprintf("; %s read live", diagnose.Plural(m.Conversations, "conversation", "conversations"))
	}
	return s
}

// seen is a cluster's time span, "" when its tickets carry no time.
func (c *TriageCluster) seen() string {
	switch {
	case c.FirstSeen == nil:
		return ""
	case *c.FirstSeen == *c.LastSeen:
		return shortTime(*c.FirstSeen)
	}
	return shortTime(*c.FirstSeen) + " to " + shortTime(*c.LastSeen)
}

// shortTime writes an RFC 3339 time as "2026-11-20 14:05:03 UTC".
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func percent(share float64) string { return fmt.Sprintf("%.0f%%", share*100) }
