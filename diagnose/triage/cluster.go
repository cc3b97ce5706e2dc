package triage

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// ticketOperation is what a ticket's request was for: the operation its
// chain judged it against ("" when it cannot be told).
func ticketOperation(rep *diagnose.Report) diagnose.OpID {
	if rep.Operation.Known() {
		return rep.Operation.ID
	}
	return ""
}

// ticketOf sums a report up as a ticket.
func ticketOf(source string, rep *diagnose.Report) Ticket {
	t := Ticket{Source: source, Status: rep.Verdict.Status, ExitCode: rep.Verdict.ExitCode, Operation: ticketOperation(rep),
		ConversationID: rep.Conclusion.ConversationID}
	if rep.Evidence != nil && rep.Evidence.Failure.Known() {
		t.Time = rep.Evidence.Failure.Time.UTC()
	}
	if t.ConversationID == "" && rep.Evidence != nil {
		t.ConversationID = rep.Evidence.ConversationID
	}
	if len(rep.Causes) == 0 {
		return t
	}
	top := rep.Causes[0]
	t.TopCause, t.Likelihood, t.Title = top.ID, top.Likelihood.String(), top.Title
	if f := top.Fix; f != nil {
		conv, part := rep.Conclusion.ConversationID, rep.Conclusion.ParticipantID
		t.FixSummary = templateIDs(f.Summary, conv, part, false)
		t.Fix = t.FixSummary
		if len(rep.Conclusion.Plans) > 0 {
			if r := rep.Conclusion.Plans[0].Request(); r != nil {
				t.Fix = templateIDs(r.Curl(), conv, part, true)
			}
		}
	}
	return t
}

// templateIDs writes a ticket's own conversation and participant ids in
// its fix as shell variables, so that fixes that differ only in them are
// one template. In a curl command (whose words are single-quoted) a
// variable closes the quotes around it.
func templateIDs(fix, convID, participantID string, curl bool) string {
	if convID != "" {
		fix = replaceWord(fix, convID, shellVar("CONVERSATION_ID", curl))
	}
	if participantID != "" && participantID != convID {
		fix = replaceWord(fix, participantID, shellVar("PARTICIPANT_ID", curl))
	}
	return fix
}

// replaceWord replaces id where it stands as a whole word of an id (not
// inside a longer id or name).
func replaceWord(s, id, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, id)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(id)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			b.WriteString(s[:i])
			b.WriteString(repl)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// shellVar is $NAME, written to stand inside a single-quoted word of a
// curl command when curl is set.
func shellVar(name string, curl bool) string {
	if curl {
		return `'"$` + name + `"'`
	}
	return "$" + name
}

// idPattern finds the ids a fix still holds (Genesys ids are UUIDs).
var idPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// fixTemplate merges the fixes of a cluster's tickets into one: its shape
// is the first fix with its ids cut out; an id that is not the same in
// every fix of that shape becomes $ID_1, $ID_2, ...
type fixTemplate struct {
	curl     bool     // the fixes are curl commands
	shape    []string // the text between the ids
	ids      []string // the first fix's ids
	differs  []bool
	variants int
	seen     bool
}

func splitIDs(fix string) (shape, ids []string) {
	last := 0
	for _, m := range idPattern.FindAllStringIndex(fix, -1) {
		shape = append(shape, fix[last:m[0]])
		ids = append(ids, fix[m[0]:m[1]])
		last = m[1]
	}
	return append(shape, fix[last:]), ids
}

func (ft *fixTemplate) add(fix string) {
	shape, ids := splitIDs(fix)
	if !ft.seen {
		ft.shape, ft.ids, ft.differs, ft.seen = shape, ids, make([]bool, len(ids)), true
		return
	}
	if strings.Join(shape, "\x00") != strings.Join(ft.shape, "\x00") {
		ft.variants++
		return
	}
	for i, id := range ids {
		if !strings.EqualFold(id, ft.ids[i]) {
			ft.differs[i] = true
		}
	}
}

func (ft *fixTemplate) String() string {
	var b strings.Builder
	n := 0
	for i, s := range ft.shape {
		b.WriteString(s)
		if i >= len(ft.ids) {
			break
		}
		if ft.differs[i] {
			n++
			b.WriteString(shellVar(fmt.Sprintf("ID_%d", n), ft.curl))
		} else {
			b.WriteString(ft.ids[i])
		}
	}
	return b.String()
}

// clusterKey groups tickets.
type clusterKey struct {
	op    diagnose.OpID
	cause string
}

// summarize computes the clusters, the counts and the verdict from the
// tickets (in input order).
func summarize(res *Result) {
	res.Counts = Counts{Tickets: len(res.Tickets)}
	res.Clusters = nil
	res.NoCauseExamples, res.IncompleteExamples = nil, nil
	index := map[clusterKey]int{}
	var fixes, summaries []*fixTemplate
	for i := range res.Tickets {
		t := &res.Tickets[i]
		switch {
		case t.HasCause():
			res.Counts.CausesFound++
		case t.Status == diagnose.VerdictIncomplete:
			res.Counts.Incomplete++
			res.IncompleteExamples = appendExample(res.IncompleteExamples, t.Source)
			continue
		default:
			res.Counts.NoCauseFound++
			res.NoCauseExamples = appendExample(res.NoCauseExamples, t.Source)
			continue
		}
		k := clusterKey{t.Operation, t.TopCause}
		ci, ok := index[k]
		if !ok {
			ci = len(res.Clusters)
			index[k] = ci
			res.Clusters = append(res.Clusters, Cluster{Operation: t.Operation, Cause: t.TopCause, Title: t.Title})
			fixes = append(fixes, &fixTemplate{curl: true})
			summaries = append(summaries, &fixTemplate{})
		}
		c := &res.Clusters[ci]
		c.Count++
		c.Examples = appendExample(c.Examples, t.Source)
		if !t.Time.IsZero() {
			if c.FirstSeen.IsZero() || t.Time.Before(c.FirstSeen) {
				c.FirstSeen = t.Time
			}
			if t.Time.After(c.LastSeen) {
				c.LastSeen = t.Time
			}
		}
		if t.Fix != "" {
			fixes[ci].add(t.Fix)
		}
		if t.FixSummary != "" {
			summaries[ci].add(t.FixSummary)
		}
	}
	for i := range res.Clusters {
		c := &res.Clusters[i]
		c.Share = float64(c.Count) / float64(res.Counts.Tickets)
		if fixes[i].seen {
			c.Fix, c.Variants = fixes[i].String(), fixes[i].variants
		}
		if summaries[i].seen {
			c.FixSummary = summaries[i].String()
		}
	}
	sort.SliceStable(res.Clusters, func(i, j int) bool {
		a, b := res.Clusters[i], res.Clusters[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Cause < b.Cause
	})
	res.Verdict = verdictOf(res)
}

func appendExample(list []string, s string) []string {
	if len(list) < maxExamples {
		list = append(list, s)
	}
	return list
}

// verdictOf is the run's verdict: exit 2 when no ticket could be read;
// else 1 when some ticket has a confirmed or likely cause; else 3 when some
// is incomplete; else 0.
func verdictOf(res *Result) diagnose.Verdict {
	c := res.Counts
	switch {
	case c.Tickets == 0:
		what := "no ticket could be read"
		if len(res.Errors) > 0 {
			what += fmt.Sprintf(" (%s)", diagnose.Plural(len(res.Errors), "unreadable input", "unreadable inputs"))
		}
		return diagnose.Verdict{Status: diagnose.VerdictIncomplete, ExitCode: diagnose.ExitUsage, Summary: what}
	case c.CausesFound > 0:
		top := res.Clusters[0]
		return diagnose.Verdict{Status: diagnose.VerdictCausesFound, ExitCode: diagnose.ExitCauses,
			Summary: fmt.Sprintf("%d of %s have a cause, in %s; the largest: %s on %s (%d)", c.CausesFound, diagnose.Plural(c.Tickets, "ticket", "tickets"),
				diagnose.Plural(len(res.Clusters), "cluster", "clusters"), top.Cause, top.Operation, top.Count)}
	case c.Incomplete > 0:
		return diagnose.Verdict{Status: diagnose.VerdictIncomplete, ExitCode: diagnose.ExitIncomplete,
			Summary: fmt.Sprintf("no cause found; %d of %s could not be diagnosed completely", c.Incomplete, diagnose.Plural(c.Tickets, "ticket", "tickets"))}
	}
	return diagnose.Verdict{Status: diagnose.VerdictNoCause, ExitCode: diagnose.ExitNoCause,
		Summary: fmt.Sprintf("no confirmed or likely cause in %s", diagnose.Plural(c.Tickets, "ticket", "tickets"))}
}
