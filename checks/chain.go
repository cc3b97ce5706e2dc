// Package checks holds the checks every operation's chain shares, one file
// per check with the causes it reports declared beside it as handles, the
// helpers the operation families build their checks and fixes with, and the
// final step that concludes from the checks' typed results. Every check is
// a pure function of the evidence and of the results of the checks it
// requires: no I/O, no printing. The operations themselves (what each
// needs, its own checks, how its fix is built) live in the packages under
// checks/ops, which also run the chains.
package checks

import "github.com/convdiag/convdiag/diagnose"

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
	return diagnose.NewChain(op, list, conclude)
}

// opWords are the words of the pass's operation.
func opWords(p *diagnose.Pass) diagnose.Words {
	if p.Operation.Known() {
		return p.Operation.Words
	}
	return diagnose.WordsOf("")
}
