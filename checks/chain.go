// Package checks holds the checks every operation's chain shares, one file
// per check with the causes it reports declared beside it as handles, the
// helpers the operation families build their checks and fixes with, and the
// final step that concludes from the checks' typed results. Every check is
// a pure function of the evidence and of the results of the checks it
// requires: no I/O, no printing. The operations themselves (what each
// needs, its own checks, how its fix is built) live in the packages under
// checks/ops, which also run the chains.
package checks

import (
	"fmt"

	"github.com/convdiag/convdiag/diagnose"
)

// Shared lists the checks every chain starts with, in order (DESIGN §3);
// an operation's own checks follow them.
var Shared = []*diagnose.Check{RequestLine, OperationCheck, BodyShape, Token, Conversation, Provenance, Timeline, State}

// Unknown is the operation of a request whose purpose cannot be told (no
// request, or fields that act several ways without --operation): the
// shared checks judge what they can; no fix request is built.
var Unknown = &diagnose.Operation{ID: "", Title: "an operation that cannot be told", Words: diagnose.WordsOf(""), Needs: diagnose.NeedLive}

// NewChain builds the chain of an operation: the shared checks, then the
// operation's own, then the conclusion.
func NewChain(op *diagnose.Operation) (*diagnose.Chain, error) {
	list := append(append([]*diagnose.Check{}, Shared...), op.Checks...)
	ch, err := diagnose.NewChain(op, list, conclude)
	if err != nil {
		return nil, err
	}
	ch.Unjudged = unjudged
	return ch, nil
}

// unjudged says what to give when no cause was found but the evidence
// could not have shown one (DESIGN §4b.7): nothing was judged at all; the
// body sent was not read; or a failure status that neither the request nor
// any state evidence explains.
func unjudged(rep *diagnose.Report) string {
	skipped := map[string]bool{}
	all := true
	for _, c := range rep.Checks {
		skipped[c.ID] = c.Status == diagnose.StatusSkip
		all = all && skipped[c.ID]
	}
	ev := rep.Evidence
	failed := ev.Response != nil && ev.Response.Status >= 400
	switch {
	case all:
		return "nothing could be judged: give the request (--request with --body, --curl or --har), the status and error body it got (--status, --response), and the GET of the conversation (--conversation-json), or run live"
	case ev.Request.BodyUnknown:
		return "the body sent was not read (see the notes), so the request is not judged: give it with --body"
	case failed && ev.Mode != diagnose.ModeDryRun && skipped[Conversation.ID] && skipped[State.ID]:
		return fmt.Sprintf("the %d is not explained by the request, and nothing shows the state it may have met: give the GET of the conversation (--conversation-json, --call-json) taken right after the failure, or run live", ev.Response.Status)
	}
	return ""
}

// opWords are the words of the pass's operation.
func opWords(p *diagnose.Pass) diagnose.Words {
	if p.Operation.Known() {
		return p.Operation.Words
	}
	return diagnose.WordsOf("")
}
