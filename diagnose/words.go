package diagnose

// words are how reports speak of each operation (DESIGN §3b); an unknown
// operation is "act on".
var words = map[OpID]Words{
	"":               {Verb: "act on", Gerund: "acting on", Done: "acted on", Object: "the participant"},
	OpDisconnect:     {Verb: "drop", Gerund: "dropping", Done: "dropped", Object: "the participant"},
	OpAnswer:         {Verb: "answer", Gerund: "answering", Done: "answered", Object: "the alerting communication"},
	OpHold:           {Verb: "hold", Gerund: "holding", Done: "held", Object: "the participant"},
	OpUnhold:         {Verb: "take off hold", Gerund: "taking off hold", Done: "taken off hold", Object: "the participant"},
	OpMute:           {Verb: "mute", Gerund: "muting", Done: "muted", Object: "the participant"},
	OpUnmute:         {Verb: "unmute", Gerund: "unmuting", Done: "unmuted", Object: "the participant"},
	OpRecording:      {Verb: "record", Gerund: "recording", Done: "recorded", Object: "the participant"},
	OpRecordingState: {Verb: "pause or resume the recording of", Gerund: "pausing or resuming the recording of", Done: "paused or resumed", Object: "the conversation"},
	OpConfine:        {Verb: "confine", Gerund: "confining", Done: "confined", Object: "the conference party"},
	OpWrapup:         {Verb: "wrap up", Gerund: "wrapping up", Done: "wrapped up", Object: "the participant"},
	OpTransfer:       {Verb: "transfer", Gerund: "transferring", Done: "transferred", Object: "the participant"},
	OpConsult:        {Verb: "start a consult for", Gerund: "starting a consult for", Done: "consulted", Object: "the participant"},
	OpConsultSpeakTo: {Verb: "change who speaks in the consult of", Gerund: "changing who speaks in the consult of", Done: "changed", Object: "the participant"},
	OpConsultCancel:  {Verb: "cancel the consult of", Gerund: "cancelling the consult of", Done: "cancelled", Object: "the participant"},
	OpConferenceAdd:  {Verb: "add a party to", Gerund: "adding a party to", Done: "added", Object: "the call"},
	OpAttributes:     {Verb: "set the attributes of", Gerund: "setting the attributes of", Done: "set", Object: "the participant"},
	OpCallback:       {Verb: "schedule a callback for", Gerund: "scheduling a callback for", Done: "scheduled", Object: "the participant"},
	OpTeardown:       {Verb: "end", Gerund: "ending", Done: "ended", Object: "the whole conversation"},
}

// WordsOf are the words of an operation id ("" for the unknown one).
func WordsOf(id OpID) Words {
	if w, ok := words[id]; ok {
		return w
	}
	return words[""]
}

// Phrase is the verb with its object: "hold the participant".
func (w Words) Phrase() string { return w.Verb + " " + w.Object }
