package checks

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// ConsultLink is an unfinished consult transfer a participant is a side
// of: the party being transferred (Object), the target's other side, and
// where the evidence shows the link.
type ConsultLink struct {
	Object, Other *diagnose.PView
	// TargetIsDestination is set when the target is the consulted party
	// (it joined after the other side linked to the same object).
	TargetIsDestination bool
	Refs                []diagnose.Ref
}

// FindConsult finds the live consult link of participant v:
// consultParticipantId in either direction, to a participant still live;
// nil when there is none.
func FindConsult(p *diagnose.Pass, conv *diagnose.Conv, v *diagnose.PView) *ConsultLink {
	src, path := conv.Source(v)
	var link *diagnose.PView
	var refs []diagnose.Ref
	if id := v.ConsultParticipantID(); id != "" {
		refs = append(refs, p.Saw(src, path+".consultParticipantId", id))
		if o := conv.ByID(id); o != nil && o.Live(conv) {
			link = o
		}
	}
	if link == nil {
		for _, o := range conv.Participants {
			if o != v && strings.EqualFold(o.ConsultParticipantID(), v.ID) && o.Live(conv) {
				osrc, opath := conv.Source(o)
				refs = append(refs, p.Saw(osrc, opath+".consultParticipantId", v.ID))
				link = o
				break
			}
		}
	}
	if link == nil {
		return nil
	}
	cl := &ConsultLink{Object: consultObject(v, link), Refs: refs}
	cl.Other = otherOf(cl.Object, v, link)
	cl.TargetIsDestination = cl.Object != v && joinedAfterOtherSide(conv, v, cl.Object)
	return cl
}

// openTransfer are the recentTransfers states of a transfer still under
// way (the enum: Pending, Active, Complete, Canceled, Failed, Timeout,
// Unknown; reference participant-operations §1a).
var openTransfer = []string{"pending", "active"}

// OpenConsultTransfer is the conversation's attended transfer still under
// way in recentTransfers, and the evidence of it (ok false: none).
func OpenConsultTransfer(p *diagnose.Pass, conv *diagnose.Conv) (diagnose.Ref, string, bool) {
	if conv.Generic == nil {
		return diagnose.Ref{}, "", false
	}
	for i, t := range conv.Generic.RecentTransfers {
		attended := strings.EqualFold(t.TransferType, "Attended") || strings.Contains(strings.ToLower(t.TransferType), "consult")
		if attended && containsFold(openTransfer, t.State) {
			return p.Saw(conv.GenericSource, fmt.Sprintf("recentTransfers[%d].state", i), t.State), fmt.Sprintf("recentTransfers[%d] is an %s transfer in state %q", i, t.TransferType, t.State), true
		}
	}
	return diagnose.Ref{}, "", false
}

// joinedAfterOtherSide reports whether v is the consulted party: another
// live participant links to the same object and joined before v.
func joinedAfterOtherSide(conv *diagnose.Conv, v, object *diagnose.PView) bool {
	for _, o := range conv.Participants {
		if o != v && o != object && o.Live(conv) && strings.EqualFold(o.ConsultParticipantID(), object.ID) && startOf(o) != "" && startOf(o) < startOf(v) {
			return true
		}
	}
	return false
}

func startOf(v *diagnose.PView) string {
	if v.G != nil && v.G.StartTime != "" {
		return v.G.StartTime
	}
	if v.C != nil {
		return v.C.StartTime
	}
	return ""
}

// consultObject guesses the party being transferred among the two sides:
// the customer or external side when there is one.
func consultObject(a, b *diagnose.PView) *diagnose.PView {
	for _, v := range []*diagnose.PView{a, b} {
		switch strings.ToLower(v.Purpose()) {
		case "customer", "external":
			return v
		}
	}
	return b
}

func otherOf(x, a, b *diagnose.PView) *diagnose.PView {
	if x == a {
		return b
	}
	return a
}
