package genesys

import (
	"encoding/json"
	"strings"
)

// The bodies of the transfers, consults, conference and callbacks
// (reference participant-operations §1a, §1b, §1e, §1f), and which of
// their fields name the destination.

// Destination kinds a body field names (Field.Destination).
const (
	DestQueue   = "queue"
	DestUser    = "user"
	DestAddress = "address"
	DestContact = "contact"
)

var transferTypeField = Field{Name: "transferType", Type: TypeString, Values: []string{"Attended", "Unattended"},
	Doc: "Attended: the initiating agent keeps the interaction until the destination accepts; Unattended (the default): it disconnects at once"}

var keepAliveField = Field{Name: "keepInternalMessageAlive", Type: TypeBool}

func transferBody(model string, fields ...Field) *BodyContract {
	return &BodyContract{Model: model, Basis: "the public API reference (" + model + ")",
		Fields: append(fields, transferTypeField, keepAliveField)}
}

// The blind transfers' bodies.
var (
	TransferToAddressRequest = transferBody("TransferToAddressRequest",
		Field{Name: "address", Type: TypeString, Required: true, Destination: DestAddress, Doc: "a user's name, a queue's name, an address or a phone number"})
	TransferToAgentRequest = transferBody("TransferToAgentRequest",
		Field{Name: "userId", Type: TypeString, Destination: DestUser}, Field{Name: "userName", Type: TypeString, Destination: DestUser},
		Field{Name: "userDisplayName", Type: TypeString}, Field{Name: "voicemail", Type: TypeBool})
	TransferToQueueRequest = transferBody("TransferToQueueRequest",
		Field{Name: "queueId", Type: TypeString, Destination: DestQueue}, Field{Name: "queueName", Type: TypeString, Destination: DestQueue})
	TransferToExternalContactRequest = transferBody("TransferToExternalContactRequest",
		Field{Name: "contactId", Type: TypeString, Required: true, Destination: DestContact},
		Field{Name: "phoneType", Type: TypeString, Required: true, Values: []string{"WorkPhone", "CellPhone", "HomePhone", "OtherPhone"}})
	TransferToExternalRequest = transferBody("TransferToExternalRequest",
		Field{Name: "address", Type: TypeString, Destination: DestAddress})
	// TransferRequest is the body of the generic replace (deprecated) and
	// of the media-specific replace endpoints (current).
	TransferRequest = transferBody("TransferRequest",
		Field{Name: "userId", Type: TypeString, Destination: DestUser}, Field{Name: "address", Type: TypeString, Destination: DestAddress},
		Field{Name: "userName", Type: TypeString, Destination: DestUser}, Field{Name: "queueId", Type: TypeString, Destination: DestQueue},
		Field{Name: "voicemail", Type: TypeBool, Doc: "transfer to the voicemail inbox of the participant that is being replaced"})
)

var speakToField = Field{Name: "speakTo", Type: TypeString, Required: true, Values: []string{"DESTINATION", "OBJECT", "BOTH", "CONFERENCE"},
	Doc: "to whom the initiating participant speaks; DESTINATION by default"}

var consultingUserField = Field{Name: "consultingUserId", Type: TypeString}

func consultBody(model string, fields ...Field) *BodyContract {
	return &BodyContract{Model: model, Basis: "the public API reference (" + model + ")",
		Fields: append([]Field{speakToField, consultingUserField}, fields...)}
}

// The consults' bodies.
var (
	ConsultTransferToAddress = consultBody("ConsultTransferToAddress", Field{Name: "address", Type: TypeString, Destination: DestAddress})
	ConsultTransferToAgent   = consultBody("ConsultTransferToAgent", Field{Name: "userId", Type: TypeString, Destination: DestUser},
		Field{Name: "userDisplayName", Type: TypeString})
	ConsultTransferToQueue = consultBody("ConsultTransferToQueue", Field{Name: "queueId", Type: TypeString, Destination: DestQueue},
		Field{Name: "queueName", Type: TypeString, Destination: DestQueue})
	ConsultTransferToExternalContact = consultBody("ConsultTransferToExternalContact",
		Field{Name: "contactId", Type: TypeString, Required: true, Destination: DestContact},
		Field{Name: "phoneType", Type: TypeString, Required: true, Values: []string{"WorkPhone", "CellPhone", "HomePhone", "OtherPhone"}})
	ConsultTransferToExternal = consultBody("ConsultTransferToExternal", Field{Name: "address", Type: TypeString, Destination: DestAddress})
	// ConsultTransfer is the deprecated plain consult POST's body.
	ConsultTransfer = consultBody("ConsultTransfer", Field{Name: "destination", Type: TypeObject, Required: true,
		Doc: "Destination{address, name, userId, queueId}: one and only one"})
)

// The callbacks' bodies.
var (
	CreateCallbackOnConversationCommand = &BodyContract{Model: "CreateCallbackOnConversationCommand", Basis: "the public API reference (CreateCallbackOnConversationCommand)",
		Fields: []Field{
			{Name: "callbackNumbers", Type: TypeArray, Required: true}, {Name: "queueId", Type: TypeString, Destination: DestQueue},
			{Name: "routingData", Type: TypeObject}, {Name: "scriptId", Type: TypeString}, {Name: "callbackUserName", Type: TypeString},
			{Name: "callbackScheduledTime", Type: TypeDateTime, Doc: "at most 30 days ahead"}, {Name: "countryCode", Type: TypeString},
			{Name: "validateCallbackNumbers", Type: TypeBool}, {Name: "data", Type: TypeObject}, {Name: "callerId", Type: TypeString},
			{Name: "callerIdName", Type: TypeString},
			{Name: "customerFirstCallbackDeliveryMode", Type: TypeString, Values: []string{"UseQueueSetting", "UseAgentReservation", "NoAgentReservation"}},
		}}
	PatchCallbackRequest = &BodyContract{Model: "PatchCallbackRequest", Basis: "the public API reference (PatchCallbackRequest)",
		Fields: []Field{
			{Name: "conversationId", Type: TypeString, Required: true}, {Name: "agentId", Type: TypeString, Required: true},
			{Name: "queueId", Type: TypeString, Destination: DestQueue}, {Name: "callbackScheduledTime", Type: TypeDateTime},
			{Name: "countryCode", Type: TypeString}, {Name: "callbackNumbers", Type: TypeArray}, {Name: "validateCallbackNumbers", Type: TypeBool},
			{Name: "customerFirstCallbackDeliveryMode", Type: TypeString, Values: []string{"UseQueueSetting", "UseAgentReservation", "NoAgentReservation"}},
		}}
)

// AddPartyConversation is the body of the add-participants POST: a
// Conversation, of which third-party code sends only
// participants[{address}] (THIRD-CONF; which fields the server uses is
// UNCONFIRMED, so the rest is not judged).
var AddPartyConversation = &BodyContract{Model: "Conversation", Open: true,
	Basis:  "the public API reference (Conversation; the fields the add uses are UNCONFIRMED)",
	Fields: []Field{{Name: "participants", Type: TypeArray, Doc: "the parties to call: [{\"address\": \"<number>\"}] (third-party code; UNCONFIRMED)"}}}

// transferOverlays are the overlays of the transfer family's rows.
var transferOverlays = map[string]overlay{
	"postConversationParticipantTransfer":                    {Body: TransferToAddressRequest, Summary: "blind-transfer the participant to an address (a user's or queue's name, an address, a number)"},
	"postConversationParticipantReplaceAgent":                {Body: TransferToAgentRequest, Permissions: []string{"conversation:communication:blindTransfer", "conversation:communication:blindTransferAgent"}, Summary: "blind-transfer the participant to a user (by id)"},
	"postConversationParticipantReplaceQueue":                {Body: TransferToQueueRequest, Permissions: []string{"conversation:communication:blindTransfer", "conversation:communication:blindTransferQueue"}, Summary: "blind-transfer the participant to a queue (by id)"},
	"postConversationParticipantReplaceContactExternal":      {Body: TransferToExternalContactRequest, Permissions: []string{"conversation:communication:blindTransfer", "conversation:communication:blindTransferExternalContact"}, Summary: "blind-transfer the participant to an external contact"},
	"postConversationParticipantReplaceExternal":             {Body: TransferToExternalRequest, Permissions: []string{"conversation:communication:blindTransfer", "conversation:communication:blindTransferExternal"}},
	"postConversationParticipantReplace":                     {Body: TransferRequest},
	"postConversationsCallParticipantReplace":                {Body: TransferRequest},
	"postConversationsCallbackParticipantReplace":            {Body: TransferRequest},
	"postConversationsEmailParticipantReplace":               {Body: TransferRequest},
	"postConversationsMessageParticipantReplace":             {Body: TransferRequest},
	"postConversationsCobrowsesessionParticipantReplace":     {Body: TransferRequest},
	"postConversationsCallParticipantVoiceConsult":           {Body: ConsultTransferToAddress},
	"postConversationsCallParticipantConsultAgent":           {Body: ConsultTransferToAgent, Permissions: []string{"conversation:communication:consultTransfer", "conversation:communication:consultTransferAgent"}},
	"postConversationsCallParticipantConsultQueue":           {Body: ConsultTransferToQueue, Permissions: []string{"conversation:communication:consultTransfer", "conversation:communication:consultTransferQueue"}},
	"postConversationsCallParticipantConsultContactExternal": {Body: ConsultTransferToExternalContact, Permissions: []string{"conversation:communication:consultTransfer", "conversation:communication:consultTransferExternalContact"}},
	"postConversationsCallParticipantConsultExternal":        {Body: ConsultTransferToExternal, Permissions: []string{"conversation:communication:consultTransfer", "conversation:communication:consultTransferExternal"}},
	"postConversationsCallParticipantConsult":                {Body: ConsultTransfer},
	"postConversationParticipantCallbacks":                   {Body: CreateCallbackOnConversationCommand, Permissions: []string{"conversation:callback:create"}, Success: 201},
	"patchConversationsCallbacks":                            {Body: PatchCallbackRequest, Permissions: []string{"conversation:callback:edit"}, Success: 200},
	"postConversationsCallParticipants":                      {Body: AddPartyConversation, NeedsUser: true, Success: 200, Summary: "add a party to the call (a conference)"},
	"postConversationsCallParticipantsUserUserId":            {Body: AddPartyConversation, Success: 200, Permissions: []string{"conversation:agentlessCall:add"}, Summary: "add a party to the call on behalf of a user (no user token needed)"},
	"patchConversationsCallConference":                       {NeedsUser: true},
}

// DestinationFields are the body's fields that name a transfer's,
// consult's or callback's destination.
func (b *BodyContract) DestinationFields() []*Field {
	var out []*Field
	for i := range b.Fields {
		if b.Fields[i].Destination != "" {
			out = append(out, &b.Fields[i])
		}
	}
	return out
}

// Destination is what a transfer's, consult's or callback's body names as
// its destination: the kind (DestQueue, DestUser, DestAddress,
// DestContact), the field (inside the deprecated consult's destination
// object for it) and the value.
type Destination struct {
	Kind, Field, Value string
}

// DestinationOf reads the destination from a body sent to the endpoint:
// the contract's destination fields, or the deprecated consult's
// destination object; ok is false when the body names none.
func (e *Endpoint) DestinationOf(body []byte) (Destination, bool) {
	if e == nil || e.Body == nil {
		return Destination{}, false
	}
	for _, m := range TopMembers(body) {
		if m.Key == "destination" && e.Body.Field("destination") != nil {
			for _, im := range TopMembers(m.Value) {
				kind := map[string]string{"queueId": DestQueue, "userId": DestUser, "address": DestAddress}[im.Key]
				if d, ok := destOf(kind, im); ok {
					return d, true
				}
			}
		}
		if f := e.Body.Field(m.Key); f != nil && f.Destination != "" {
			if d, ok := destOf(f.Destination, m); ok {
				return d, true
			}
		}
	}
	return Destination{}, false
}

func destOf(kind string, m RawMember) (Destination, bool) {
	var s string
	if kind == "" || json.Unmarshal(m.Value, &s) != nil || strings.TrimSpace(s) == "" {
		return Destination{}, false
	}
	return Destination{Kind: kind, Field: m.Key, Value: strings.TrimSpace(s)}, true
}
