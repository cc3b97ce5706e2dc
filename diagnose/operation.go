package diagnose

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose/suggest"
)

// OpID names what a request was meant to do (DESIGN §3b): the ids of
// --operation and of the JSON report's target.operation. Stable: scripts
// depend on them.
type OpID string

// The operations (DESIGN §3b).
const (
	OpDisconnect     OpID = "disconnect"
	OpAnswer         OpID = "answer"
	OpHold           OpID = "hold"
	OpUnhold         OpID = "unhold"
	OpMute           OpID = "mute"
	OpUnmute         OpID = "unmute"
	OpRecording      OpID = "recording"
	OpRecordingState OpID = "recording-state"
	OpConfine        OpID = "confine"
	OpWrapup         OpID = "wrapup"
	OpTransfer       OpID = "transfer"
	OpConsult        OpID = "consult"
	OpConsultSpeakTo OpID = "consult-speak-to"
	OpConsultCancel  OpID = "consult-cancel"
	OpConferenceAdd  OpID = "conference-add"
	OpAttributes     OpID = "attributes"
	OpCallback       OpID = "callback"
	OpTeardown       OpID = "teardown"
)

// OpIDs lists every operation id, in DESIGN §3b order.
var OpIDs = []OpID{OpDisconnect, OpAnswer, OpHold, OpUnhold, OpMute, OpUnmute, OpRecording, OpRecordingState, OpConfine,
	OpWrapup, OpTransfer, OpConsult, OpConsultSpeakTo, OpConsultCancel, OpConferenceAdd, OpAttributes, OpCallback, OpTeardown}

// ParseOpID validates an --operation value, with a did-you-mean.
func ParseOpID(s string) (OpID, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	names := make([]string, len(OpIDs))
	for i, id := range OpIDs {
		if string(id) == s {
			return id, nil
		}
		names[i] = string(id)
	}
	if best := suggest.Closest(s, names); best != "" {
		return "", fmt.Errorf("unknown operation %q; did you mean %q? (operations: %s)", s, best, strings.Join(names, ", "))
	}
	return "", fmt.Errorf("unknown operation %q (operations: %s)", s, strings.Join(names, ", "))
}
