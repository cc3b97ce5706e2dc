// Package ops is the registry of operations (DESIGN §3b) and the driver of
// their chains: it reads what a request was for, runs that operation's
// chain (the shared checks, then its own) and returns the report. The
// operations live one family per package beneath it.
package ops

import (
	"fmt"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/checks/ops/controls"
	"github.com/convdiag/convdiag/checks/ops/drop"
	"github.com/convdiag/convdiag/checks/ops/recording"
	"github.com/convdiag/convdiag/checks/ops/transfer"
	"github.com/convdiag/convdiag/checks/ops/wrapup"
	"github.com/convdiag/convdiag/diagnose"
)

// All lists the operations, in DESIGN §3b order.
var All = []*diagnose.Operation{
	drop.Disconnect, controls.Answer, controls.Hold, controls.Unhold, controls.Mute, controls.Unmute,
	controls.Recording, recording.State, controls.Confine, wrapup.Wrapup,
	transfer.Transfer, transfer.Consult, transfer.ConsultSpeakTo, transfer.ConsultCancel, transfer.ConferenceAdd,
	wrapup.Attributes, transfer.Callback, drop.Teardown,
}

// registry holds every operation's validated chain, the unknown one's, and
// the catalogue they make together.
type registry struct {
	chains    map[diagnose.OpID]*diagnose.Chain
	unknown   *diagnose.Chain
	catalogue *diagnose.Catalogue
}

var reg = mustRegistry()

// Catalogue is the cause catalogue of every operation's chain: stable ids
// (scripts depend on them; add, never rename), titles, and the long
// explanations behind `convdiag explain`, each with the checks that
// report it.
var Catalogue = reg.catalogue

func mustRegistry() *registry {
	r, err := newRegistry(All)
	if err != nil {
		panic("ops: " + err.Error()) // a programmer error, caught by every test
	}
	return r
}

func newRegistry(all []*diagnose.Operation) (*registry, error) {
	r := &registry{chains: map[diagnose.OpID]*diagnose.Chain{}}
	var cats []*diagnose.Catalogue
	var err error
	if r.unknown, err = checks.NewChain(checks.Unknown); err != nil {
		return nil, err
	}
	cats = append(cats, r.unknown.Catalogue)
	for _, op := range all {
		if _, dup := r.chains[op.ID]; dup || op.ID == "" {
			return nil, fmt.Errorf("operation %q is empty or repeated", op.ID)
		}
		ch, err := checks.NewChain(op)
		if err != nil {
			return nil, err
		}
		r.chains[op.ID] = ch
		cats = append(cats, ch.Catalogue)
	}
	for _, id := range diagnose.OpIDs {
		if r.chains[id] == nil {
			return nil, fmt.Errorf("operation %q of DESIGN §3b has no definition", id)
		}
	}
	if r.catalogue, err = diagnose.MergeCatalogues(cats...); err != nil {
		return nil, err
	}
	return r, nil
}

// Lookup returns the operation with the id (nil for an unknown id).
func Lookup(id diagnose.OpID) *diagnose.Operation {
	if ch := reg.chains[id]; ch != nil {
		return ch.Operation
	}
	return nil
}

// ChainOf is the chain a request with this evidence is judged by: its
// operation's (--operation, or inferred), else the unknown operation's.
func ChainOf(ev *diagnose.Evidence) *diagnose.Chain {
	if ch := reg.chains[checks.Infer(ev).Op]; ch != nil {
		return ch
	}
	return reg.unknown
}

// Diagnose reads what the request was for, and runs that operation's
// chain over the evidence.
func Diagnose(ev *diagnose.Evidence, opts diagnose.Options) *diagnose.Report {
	return ChainOf(ev).Run(ev, opts)
}
