package checks

import (
	"encoding/json"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// conclude is the chain's final step: from the checks' typed results and the
// ranked causes it computes, once, what every report format shows besides
// checks and causes: the target, the participants table, and the request
// that would have worked.
func conclude(rep *diagnose.Report, res *diagnose.Results) diagnose.Conclusion {
	ev := rep.Evidence
	rf, _ := diagnose.ResultOf[*RequestFacts](res, RequestLine)
	conv, _ := diagnose.ResultOf[*diagnose.Conv](res, Conversation)
	pf, _ := diagnose.ResultOf[*ProvenanceFacts](res, Provenance)

	c := diagnose.Conclusion{ConversationID: ev.ConversationID, ParticipantID: ev.ParticipantID}
	if rf != nil && rf.ConversationID != "" {
		c.ConversationID = rf.ConversationID
	}
	if pf != nil && pf.Given != "" {
		c.ParticipantID = pf.Given
	}
	switch {
	case pf != nil && pf.Conv != nil && pf.Target() != nil:
		c.Participants = participantTable(pf.Conv, marks(pf.Conv, pf.Target(), pf.Meant), nil)
	case conv != nil:
		c.Participants = participantTable(conv, nil, nil)
	}
	if rf == nil {
		return c
	}
	convID, pid := rf.ConversationID, rf.PathParticipant
	if pid == "" || isPlaceholder(pid) {
		pid = ev.ParticipantID
	}
	target := conv
	if pf != nil && pf.Target() != nil {
		target = pf.Conv
		convID, pid = correctedTarget(rf, pf.Conv, pf.Target(), pf.Meant)
	}
	c.Corrected = dropRequest(rf.BaseURL, correctedSegment(rf, target), convID, pid)
	c.RequestOK = sameAsSent(ev, c.Corrected)
	confident := rep.Verdict.Status != diagnose.VerdictNoCause
	c.Recommend = !c.RequestOK && (confident || rep.Mode == diagnose.ModeDryRun && len(rep.Causes) > 0)
	c.RequestOK = c.RequestOK && (confident || rep.Mode == diagnose.ModeDryRun && len(rep.Causes) > 0)
	return c
}

// sameAsSent reports whether the corrected request is the request that
// was sent: same method, host, path and (JSON-equal) body.
func sameAsSent(ev *diagnose.Evidence, c *diagnose.FixRequest) bool {
	rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil || rl.Method != c.Method || rl.Path != c.Path || c.BaseURL == "" || rl.Host == "" || strings.Contains(c.Path, "{") {
		return false
	}
	if !strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(c.BaseURL, "https://"), "http://"), rl.Host) {
		return false
	}
	var a, b any
	if json.Unmarshal(ev.Request.Body, &a) != nil || json.Unmarshal(c.Body, &b) != nil {
		return false
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}
