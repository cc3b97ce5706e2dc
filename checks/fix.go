package checks

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// dropBody is the body that drops a participant.
var dropBody = json.RawMessage(`{"state":"disconnected"}`)

// participantPath is the participant PATCH path for the conversation's media:
// the media-specific path where the media has one, the generic one
// otherwise.
func participantPath(segment, convID, pid string) string {
	if convID == "" {
		convID = "{conversationId}"
	}
	if pid == "" {
		pid = "{participantId}"
	}
	if segment != "" {
		return "/api/v2/conversations/" + segment + "/" + pathSeg(convID) + "/participants/" + pathSeg(pid)
	}
	return "/api/v2/conversations/" + pathSeg(convID) + "/participants/" + pathSeg(pid)
}

// pathSeg escapes an id for a path, leaving {placeholders} readable.
func pathSeg(s string) string {
	if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' && !strings.ContainsAny(s[1:len(s)-1], "{}/ ") {
		return s
	}
	return url.PathEscape(s)
}

// correctedSegment is the media segment of the corrected path: the
// conversation's media when it is known; without it, the request's own
// segment, except for unknown and teardown endpoints, where the generic
// path (which serves every media) is the safe choice.
func correctedSegment(rf *RequestFacts, conv *diagnose.Conv) string {
	switch {
	case conv != nil:
		return conv.Segment
	case rf.Endpoint == nil || rf.Endpoint.Kind == genesys.KindTeardown:
		return ""
	}
	return rf.Segment
}

// dropRequest is the request that drops pid from the conversation.
func dropRequest(base, segment, convID, pid string) *diagnose.FixRequest {
	return &diagnose.FixRequest{Method: "PATCH", BaseURL: base, Path: participantPath(segment, convID, pid), Body: dropBody}
}

// newFix builds a fix whose request is the request that would have worked,
// as the whole chain establishes it (the driver fills it in).
func newFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, UseCorrected: true, Notes: notes}
}

// noRequestFix is a fix that is not a request.
func noRequestFix(summary string, notes ...string) *diagnose.Fix {
	return &diagnose.Fix{Summary: summary, Notes: notes}
}
