// Package checks holds the chain of checks convdiag runs, one file per
// check, and the cause catalogue they report from. Every check is a pure
// function of the evidence and of the results of the checks it requires: no
// I/O, no printing.
package checks

import "github.com/convdiag/convdiag/diagnose"

// Chain is the chain of checks, in order (DESIGN §3).
var Chain = []*diagnose.Check{RequestLine, BodyShape, Token, Conversation, Provenance, State}

// Diagnose runs the chain over the evidence.
func Diagnose(ev *diagnose.Evidence, opts diagnose.Options) *diagnose.Report {
	return diagnose.Run(ev, Chain, Catalogue, opts)
}
