// Package transfer holds the operations that move a call to another party
// or bring one in: blind transfer, consult (attended) transfer and its
// steps, conference, callbacks. They are known by id, endpoints and what
// they need of their target, and judged by the shared checks; their own
// checks and fixes are not built yet (no corrected request is printed for
// them rather than a guess).
package transfer

import "github.com/convdiag/convdiag/diagnose"

func op(id diagnose.OpID, title string, needs diagnose.Need, userOnly bool, endpoints ...string) *diagnose.Operation {
	return &diagnose.Operation{ID: id, Title: title, Words: diagnose.WordsOf(id), Endpoints: endpoints, Needs: needs, UserOnly: userOnly}
}

// The operations of this family.
var (
	Transfer = op(diagnose.OpTransfer, "blind-transfer a participant", diagnose.NeedConnected, false,
		"postConversationParticipantTransfer", "postConversationParticipantReplaceAgent", "postConversationParticipantReplaceQueue", "postConversationParticipantReplaceContactExternal")
	Consult = op(diagnose.OpConsult, "start a consult (attended) transfer", diagnose.NeedConnected, true,
		"postConversationsCallParticipantVoiceConsult", "postConversationsCallParticipantConsultAgent", "postConversationsCallParticipantConsultQueue", "postConversationsCallParticipantConsultContactExternal")
	ConsultSpeakTo = op(diagnose.OpConsultSpeakTo, "change who speaks in a consult transfer", diagnose.NeedConnected, true,
		"patchConversationsCallParticipantConsult")
	ConsultCancel = op(diagnose.OpConsultCancel, "cancel a consult transfer", diagnose.NeedLive, true,
		"deleteConversationsCallParticipantConsult")
	ConferenceAdd = op(diagnose.OpConferenceAdd, "add a party to a call, or merge calls into a conference", diagnose.NeedConversation, true,
		"postConversationsCallParticipants", "patchConversationsCallConference")
	Callback = op(diagnose.OpCallback, "schedule or change a callback", diagnose.NeedParticipant, false,
		"postConversationParticipantCallbacks", "patchConversationsCallbacks")
)
