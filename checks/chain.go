// Package checks holds the chain of checks convdiag runs, one file per
// check with the causes it reports declared beside it as handles, and the
// final step that concludes from the checks' typed results. Every check is
// a pure function of the evidence and of the results of the checks it
// requires: no I/O, no printing.
package checks

import "github.com/convdiag/convdiag/diagnose"

// chain is the chain of checks, in order (DESIGN §3), validated once.
var chain = mustChain(diagnose.NewChain([]*diagnose.Check{RequestLine, BodyShape, Token, Conversation, Provenance, Timeline, State}, conclude))

// Chain lists the checks in order.
var Chain = chain.Checks

// Catalogue is the cause catalogue, built from the handles the checks
// declare: stable ids (scripts depend on them; add, never rename), titles,
// and the long explanations behind `convdiag explain`. Its order is the
// tie-break order within a likelihood and check.
var Catalogue = chain.Catalogue

func mustChain(c *diagnose.Chain, err error) *diagnose.Chain {
	if err != nil {
		panic("checks: " + err.Error()) // a programmer error, caught by every test
	}
	return c
}

// Diagnose runs the chain over the evidence.
func Diagnose(ev *diagnose.Evidence, opts diagnose.Options) *diagnose.Report {
	return chain.Run(ev, opts)
}
