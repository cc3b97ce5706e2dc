package sim

import (
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// analyticsDisconnect maps the REST disconnect types (dotted) to the
// analytics ones (camelCase; reference §2f).
var analyticsDisconnect = map[string]string{
	"transfer.conference": "conferenceTransfer", "transfer.consult": "consultTransfer", "endpoint.donotdisturb": "dndEndpoint",
	"transfer.donotdisturb": "dndTransfer", "transfer.forward": "forwardTransfer", "transfer.noanswer": "noAnswerTransfer",
	"transfer.notavailable": "notAvailableTransfer", "transport.failure": "transportFailure",
}

// analyticsOf derives GET /api/v2/analytics/conversations/{id}/details from
// the conversation's timestamps: one session per communication, an alert
// segment from startAlertingTime, an interact segment from connectedTime
// (or the participant's startTime), ended at disconnectedTime with its
// disconnect type. Segments of a live communication have no segmentEnd.
func analyticsOf(c *genesys.Conversation) *genesys.AnalyticsConversation {
	a := &genesys.AnalyticsConversation{ConversationID: c.ID, ConversationStart: c.StartTime, ConversationEnd: c.EndTime, Participants: []genesys.AnalyticsParticipant{}}
	for _, d := range c.Divisions {
		a.DivisionIDs = append(a.DivisionIDs, d.Division.ID)
	}
	for _, p := range c.Participants {
		ap := genesys.AnalyticsParticipant{ParticipantID: p.ID, ParticipantName: p.Name, Purpose: strings.ToLower(p.Purpose), UserID: p.UserID}
		for _, cm := range p.Comms() {
			s := genesys.AnalyticsSession{SessionID: cm.ID, MediaType: cm.Array.Media, PeerID: cm.PeerID}
			end := cm.DisconnectedTime
			if end == "" && genesys.Ended(cm.State) {
				end = p.EndTime
			}
			alerting, interact := cm.StartAlerting, cm.ConnectedTime
			switch {
			case genesys.NotYetConnected(cm.State) && alerting == "":
				// Still being set up: alerting since it joined.
				alerting = p.StartTime
			case interact == "" && alerting == "" && !genesys.NotYetConnected(cm.State):
				interact = p.StartTime
			}
			if alerting != "" {
				alertEnd := interact
				if alertEnd == "" {
					alertEnd = end
				}
				s.Segments = append(s.Segments, genesys.AnalyticsSegment{SegmentStart: alerting, SegmentEnd: alertEnd, SegmentType: "alert"})
			}
			if interact != "" {
				s.Segments = append(s.Segments, genesys.AnalyticsSegment{SegmentStart: interact, SegmentEnd: end, SegmentType: "interact"})
			}
			if n := len(s.Segments); n > 0 && end != "" {
				dt := cm.DisconnectType
				if v, ok := analyticsDisconnect[dt]; ok {
					dt = v
				}
				if dt == "" {
					dt = "endpoint"
				}
				s.Segments[n-1].DisconnectType = dt
			}
			ap.Sessions = append(ap.Sessions, s)
		}
		a.Participants = append(a.Participants, ap)
	}
	return a
}

// analyticsJSON returns the analytics details of a conversation.
func (o *Org) analyticsJSON(id string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[id]
	if !ok {
		return nil, false
	}
	return mustJSON(analyticsOf(c)), true
}
