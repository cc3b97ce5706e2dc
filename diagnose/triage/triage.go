// Package triage diagnoses many failed requests at once (convdiag triage,
// DESIGN §1.8 and §5a): replay bundles, every failing request of a HAR,
// every line of a JSONL log of failed requests. Tickets stream through a
// pool of workers in bounded memory, each diagnosed by the same engine as
// `convdiag check`, and are clustered by operation and top cause. Live, a
// session reads each distinct conversation once, paced to the org's rate
// limit. It renders nothing: package report lays the Result out.
package triage

import (
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// Ticket is one diagnosed failure, as the triage report lists it (and a
// --resume state file keeps it).
type Ticket struct {
	// Source is where it came from: a bundle folder, FILE.har#N (HAR entry
	// N), FILE.jsonl:LINE.
	Source string `json:"source"`
	// Status and ExitCode are the ticket's verdict, as check gives it.
	Status   diagnose.VerdictStatus `json:"status"`
	ExitCode int                    `json:"exit_code"`
	// TopCause is the rank-1 cause ("" when none), Likelihood its
	// likelihood and Title its catalogue title.
	TopCause   string `json:"top_cause,omitempty"`
	Likelihood string `json:"likelihood,omitempty"`
	Title      string `json:"title,omitempty"`
	// Operation is what the request was for.
	Operation      diagnose.OpID `json:"operation"`
	ConversationID string        `json:"conversation_id,omitempty"`
	// Time is when the request failed, when known.
	Time time.Time `json:"time,omitzero"`
	// Fix is the top cause's fix: its curl with the ticket's conversation
	// and participant ids as $CONVERSATION_ID and $PARTICIPANT_ID (its
	// summary when it sends no request); FixSummary its verb phrase.
	Fix        string `json:"fix,omitempty"`
	FixSummary string `json:"fix_summary,omitempty"`
}

// HasCause reports whether the ticket has a confirmed or likely cause (and
// is not incomplete): it belongs to a cluster.
func (t *Ticket) HasCause() bool { return t.Status == diagnose.VerdictCausesFound }

// InputError is an input, a line or an entry that could not be read as a
// ticket; the run goes on without it.
type InputError struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// Cluster is the tickets with one operation and one top cause.
type Cluster struct {
	Operation diagnose.OpID
	Cause     string
	Title     string
	Count     int
	// Share is Count over all the tickets.
	Share               float64
	FirstSeen, LastSeen time.Time
	// Examples are the first few tickets' sources, in input order.
	Examples []string
	// Fix is the fix of every ticket of the cluster as one template:
	// where the tickets' fixes differ only in ids, those are shell
	// variables. Variants counts the tickets whose fix has another shape
	// (the template is the first ticket's).
	Fix        string
	FixSummary string
	Variants   int
}

// Counts add up: CausesFound + NoCauseFound + Incomplete = Tickets.
type Counts struct {
	Tickets      int `json:"tickets"`
	CausesFound  int `json:"causes_found"`
	NoCauseFound int `json:"no_cause_found"`
	Incomplete   int `json:"incomplete"`
}

// Result is a triage run.
type Result struct {
	Mode diagnose.Mode
	// Tickets are in input order, whatever the number of workers.
	Tickets  []Ticket
	Clusters []Cluster
	Counts   Counts
	Errors   []InputError
	// Interrupted is set when the run was stopped before every input was
	// read: the result holds what was triaged.
	Interrupted bool
	// Resumed counts the tickets taken from a --resume state.
	Resumed int
	// Conversations counts the distinct conversations read live.
	Conversations int
	Verdict       diagnose.Verdict
	// Examples of the tickets with no cause and of the incomplete ones.
	NoCauseExamples, IncompleteExamples []string
}

// maxExamples is how many example sources a cluster (and the tickets with
// no cause, and the incomplete ones) lists.
const maxExamples = 3
