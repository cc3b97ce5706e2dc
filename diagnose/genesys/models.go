package genesys

import (
	"bytes"
	"encoding/json"
	"iter"
	"strings"
)

// Conversation is the body of GET /api/v2/conversations/{conversationId}.
// Its participants are generic: per-media communications live in the
// participant's media arrays (calls, chats, messages, ...).
type Conversation struct {
	ID               string             `json:"id"`
	Name             string             `json:"name,omitempty"`
	StartTime        string             `json:"startTime,omitempty"`
	EndTime          string             `json:"endTime,omitempty"`
	Address          string             `json:"address,omitempty"`
	State            string             `json:"state,omitempty"`
	Participants     []Participant      `json:"participants"`
	ConversationIDs  []string           `json:"conversationIds,omitempty"`
	MaxParticipants  int                `json:"maxParticipants,omitempty"`
	RecordingState   string             `json:"recordingState,omitempty"`
	RecentTransfers  []TransferResponse `json:"recentTransfers,omitempty"`
	Divisions        []Division         `json:"divisions,omitempty"`
	SelfURI          string             `json:"selfUri,omitempty"`
	UtilizationLabel string             `json:"utilizationLabelId,omitempty"`
}

// Division is a division reference on a conversation.
type Division struct {
	Division DomainEntityRef   `json:"division"`
	Entities []DomainEntityRef `json:"entities,omitempty"`
}

// TransferResponse is one entry of Conversation.recentTransfers (the last 20
// transfer commands). Its state enum was not read (UNCONFIRMED).
type TransferResponse struct {
	ID           string          `json:"id"`
	State        string          `json:"state,omitempty"`
	DateIssued   string          `json:"dateIssued,omitempty"`
	TransferType string          `json:"transferType,omitempty"`
	Initiator    DomainEntityRef `json:"initiator,omitempty"`
	ModifiedBy   DomainEntityRef `json:"modifiedBy,omitempty"`
	Destination  DomainEntityRef `json:"destination,omitempty"`
}

// Participant is the generic participant of a Conversation. It has no
// top-level state: each communication in its media arrays has one.
type Participant struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name,omitempty"`
	StartTime            string            `json:"startTime,omitempty"`
	EndTime              string            `json:"endTime,omitempty"`
	ConnectedTime        string            `json:"connectedTime,omitempty"`
	UserID               string            `json:"userId,omitempty"`
	UserURI              string            `json:"userUri,omitempty"`
	ExternalContactID    string            `json:"externalContactId,omitempty"`
	ExternalOrgID        string            `json:"externalOrganizationId,omitempty"`
	QueueID              string            `json:"queueId,omitempty"`
	QueueName            string            `json:"queueName,omitempty"`
	GroupID              string            `json:"groupId,omitempty"`
	TeamID               string            `json:"teamId,omitempty"`
	Purpose              string            `json:"purpose,omitempty"`
	ParticipantType      string            `json:"participantType,omitempty"`
	ConsultParticipantID string            `json:"consultParticipantId,omitempty"`
	MonitoredParticipant string            `json:"monitoredParticipantId,omitempty"`
	CoachedParticipant   string            `json:"coachedParticipantId,omitempty"`
	BargedParticipant    string            `json:"bargedParticipantId,omitempty"`
	Address              string            `json:"address,omitempty"`
	ANI                  string            `json:"ani,omitempty"`
	ANIName              string            `json:"aniName,omitempty"`
	DNIS                 string            `json:"dnis,omitempty"`
	WrapupRequired       bool              `json:"wrapupRequired,omitempty"`
	WrapupSkipped        bool              `json:"wrapupSkipped,omitempty"`
	WrapupPrompt         string            `json:"wrapupPrompt,omitempty"`
	Wrapup               *Wrapup           `json:"wrapup,omitempty"`
	Attributes           map[string]string `json:"attributes,omitempty"`
	MediaRoles           []string          `json:"mediaRoles,omitempty"`
	Calls                []Communication   `json:"calls,omitempty"`
	Callbacks            []Communication   `json:"callbacks,omitempty"`
	Chats                []Communication   `json:"chats,omitempty"`
	Cobrowsesessions     []Communication   `json:"cobrowsesessions,omitempty"`
	Emails               []Communication   `json:"emails,omitempty"`
	Messages             []Communication   `json:"messages,omitempty"`
	InternalMessages     []Communication   `json:"internalMessages,omitempty"`
	Screenshares         []Communication   `json:"screenshares,omitempty"`
	SocialExpressions    []Communication   `json:"socialExpressions,omitempty"`
	Videos               []Communication   `json:"videos,omitempty"`
	ScreenMonitorings    []Communication   `json:"screenMonitorings,omitempty"`
}

// Communication is one entry of a participant's media array (Call, Chat,
// Message, ...). Only the fields convdiag judges are modelled; they are common
// to the media types that have them.
type Communication struct {
	ID               string   `json:"id,omitempty"`
	State            string   `json:"state,omitempty"`
	InitialState     string   `json:"initialState,omitempty"`
	Direction        string   `json:"direction,omitempty"`
	Held             bool     `json:"held,omitempty"`
	Confined         bool     `json:"confined,omitempty"`
	Muted            bool     `json:"muted,omitempty"`
	Recording        bool     `json:"recording,omitempty"`
	DisconnectType   string   `json:"disconnectType,omitempty"`
	StartAlerting    string   `json:"startAlertingTime,omitempty"`
	ConnectedTime    string   `json:"connectedTime,omitempty"`
	DisconnectedTime string   `json:"disconnectedTime,omitempty"`
	StartHoldTime    string   `json:"startHoldTime,omitempty"`
	PeerID           string   `json:"peerId,omitempty"`
	Self             *Address `json:"self,omitempty"`
	Other            *Address `json:"other,omitempty"`
	AfterCallWorkReq bool     `json:"afterCallWorkRequired,omitempty"`
	// ScheduledTime is a callback's callbackScheduledTime.
	ScheduledTime string `json:"callbackScheduledTime,omitempty"`
}

// Wrapup is a participant's wrap-up (the GET's participants[].wrapup, the
// WrapupInput sent).
type Wrapup struct {
	Code            string   `json:"code,omitempty"`
	Name            string   `json:"name,omitempty"`
	Notes           string   `json:"notes,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	DurationSeconds int      `json:"durationSeconds,omitempty"`
	EndTime         string   `json:"endTime,omitempty"`
	Provisional     bool     `json:"provisional,omitempty"`
}

// Address is a communication endpoint (Call.self / Call.other).
type Address struct {
	Name               string `json:"name,omitempty"`
	NameRaw            string `json:"nameRaw,omitempty"`
	AddressNormalized  string `json:"addressNormalized,omitempty"`
	AddressRaw         string `json:"addressRaw,omitempty"`
	AddressDisplayable string `json:"addressDisplayable,omitempty"`
}

// DomainEntityRef is a reference to another entity (user, queue, ...).
type DomainEntityRef struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	SelfURI string `json:"selfUri,omitempty"`
}

// MediaArray names one media array of a generic Participant.
type MediaArray struct {
	// Key is the JSON key of the array ("calls", "messages", ...).
	Key string
	// Media is the media type the array holds ("call", "message", ...).
	Media string
	// Segment is the path segment of the media-specific endpoints
	// ("calls", "messages", ...), empty where there is none.
	Segment string
}

// MediaArrays lists the media arrays in the order convdiag reads them.
var MediaArrays = []MediaArray{
	{"calls", "call", "calls"},
	{"callbacks", "callback", "callbacks"},
	{"chats", "chat", "chats"},
	{"cobrowsesessions", "cobrowse", "cobrowsesessions"},
	{"emails", "email", "emails"},
	{"messages", "message", "messages"},
	{"internalMessages", "internalmessage", ""},
	{"screenshares", "screenshare", ""},
	{"socialExpressions", "social", ""},
	{"videos", "video", ""},
	{"screenMonitorings", "screenmonitoring", ""},
}

// Comm is a communication together with the media array it came from.
type Comm struct {
	Array MediaArray
	Index int
	*Communication
}

// Comms returns all communications of the participant, in MediaArrays order.
func (p *Participant) Comms() []Comm {
	var out []Comm
	for _, arr := range MediaArrays {
		list := p.mediaList(arr.Key)
		for i := range list {
			out = append(out, Comm{Array: arr, Index: i, Communication: &list[i]})
		}
	}
	return out
}

// AllComms yields the communications Comms lists, in the same order,
// without building the list (a conference of 100,000 participants is read
// many times over).
func (p *Participant) AllComms() iter.Seq[Comm] {
	return func(yield func(Comm) bool) {
		for _, arr := range MediaArrays {
			list := p.mediaList(arr.Key)
			for i := range list {
				if !yield(Comm{Array: arr, Index: i, Communication: &list[i]}) {
					return
				}
			}
		}
	}
}

// hasComms reports whether the participant has a communication in any
// media array (without building the list Comms returns).
func (p *Participant) hasComms() bool {
	for _, arr := range MediaArrays {
		if len(p.mediaList(arr.Key)) > 0 {
			return true
		}
	}
	return false
}

func (p *Participant) mediaList(key string) []Communication {
	switch key {
	case "calls":
		return p.Calls
	case "callbacks":
		return p.Callbacks
	case "chats":
		return p.Chats
	case "cobrowsesessions":
		return p.Cobrowsesessions
	case "emails":
		return p.Emails
	case "messages":
		return p.Messages
	case "internalMessages":
		return p.InternalMessages
	case "screenshares":
		return p.Screenshares
	case "socialExpressions":
		return p.SocialExpressions
	case "videos":
		return p.Videos
	case "screenMonitorings":
		return p.ScreenMonitorings
	}
	return nil
}

// CallConversation is the body of GET /api/v2/conversations/calls/{id}: the
// flat call view. It has no conversation-level startTime, endTime or state.
type CallConversation struct {
	ID              string                 `json:"id"`
	Name            string                 `json:"name,omitempty"`
	Participants    []CallMediaParticipant `json:"participants"`
	OtherMediaURIs  []string               `json:"otherMediaUris,omitempty"`
	RecentTransfers []TransferResponse     `json:"recentTransfers,omitempty"`
	RecordingState  string                 `json:"recordingState,omitempty"`
	MaxParticipants int                    `json:"maxParticipants,omitempty"`
	Divisions       []Division             `json:"divisions,omitempty"`
	SelfURI         string                 `json:"selfUri,omitempty"`
}

// CallMediaParticipant is a participant of the flat call view: the call's
// state sits at the top level and there is no communication id.
type CallMediaParticipant struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name,omitempty"`
	Address              string           `json:"address,omitempty"`
	StartTime            string           `json:"startTime,omitempty"`
	ConnectedTime        string           `json:"connectedTime,omitempty"`
	EndTime              string           `json:"endTime,omitempty"`
	StartHoldTime        string           `json:"startHoldTime,omitempty"`
	Purpose              string           `json:"purpose,omitempty"`
	State                string           `json:"state,omitempty"`
	Direction            string           `json:"direction,omitempty"`
	DisconnectType       string           `json:"disconnectType,omitempty"`
	Held                 bool             `json:"held,omitempty"`
	Muted                bool             `json:"muted,omitempty"`
	Confined             bool             `json:"confined,omitempty"`
	WrapupRequired       bool             `json:"wrapupRequired,omitempty"`
	User                 *DomainEntityRef `json:"user,omitempty"`
	Queue                *DomainEntityRef `json:"queue,omitempty"`
	ExternalContact      *DomainEntityRef `json:"externalContact,omitempty"`
	Peer                 string           `json:"peer,omitempty"`
	ConsultParticipantID string           `json:"consultParticipantId,omitempty"`
	MonitoredParticipant string           `json:"monitoredParticipantId,omitempty"`
	CoachedParticipant   string           `json:"coachedParticipantId,omitempty"`
	BargedParticipant    string           `json:"bargedParticipantId,omitempty"`
	ANI                  string           `json:"ani,omitempty"`
	DNIS                 string           `json:"dnis,omitempty"`
	MediaRoles           []string         `json:"mediaRoles,omitempty"`
}

// Queue is the body of GET /api/v2/routing/queues/{queueId}: a transfer's
// or consult's destination queue.
type Queue struct {
	ID       string           `json:"id"`
	Name     string           `json:"name,omitempty"`
	Division *DomainEntityRef `json:"division,omitempty"`
}

// User is the body of GET /api/v2/users/{userId}: a transfer's or
// consult's destination user.
type User struct {
	ID       string           `json:"id"`
	Name     string           `json:"name,omitempty"`
	State    string           `json:"state,omitempty"`
	Division *DomainEntityRef `json:"division,omitempty"`
}

// TokenInfo is the body of GET /api/v2/tokens/me.
type TokenInfo struct {
	Organization      *NamedEntity     `json:"organization,omitempty"`
	HomeOrganization  *NamedEntity     `json:"homeOrganization,omitempty"`
	AuthorizedScope   []string         `json:"authorizedScope,omitempty"`
	ClonedUser        *NamedEntity     `json:"clonedUser,omitempty"`
	OAuthClient       *OrgOAuthClient  `json:"OAuthClient,omitempty"`
	DateTokenIdles    string           `json:"dateTokenIdles,omitempty"`
	AuthenticatedUser *DomainEntityRef `json:"authenticatedUser,omitempty"` // third-party observation; UNCONFIRMED
}

// NamedEntity is an id and a name.
type NamedEntity struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// OrgOAuthClient is the OAuth client a token was issued to.
type OrgOAuthClient struct {
	ID                  string       `json:"id,omitempty"`
	Name                string       `json:"name,omitempty"`
	AuthorizedGrantType string       `json:"authorizedGrantType,omitempty"`
	Scope               []string     `json:"scope,omitempty"`
	Organization        *NamedEntity `json:"organization,omitempty"`
}

// ErrorBody is the JSON error body of a failed Genesys API request.
type ErrorBody struct {
	Message           string            `json:"message,omitempty"`
	Code              string            `json:"code,omitempty"`
	Status            int               `json:"status,omitempty"`
	EntityID          string            `json:"entityId,omitempty"`
	EntityName        string            `json:"entityName,omitempty"`
	MessageWithParams string            `json:"messageWithParams,omitempty"`
	MessageParams     map[string]string `json:"messageParams,omitempty"`
	ContextID         string            `json:"contextId,omitempty"`
	Details           []ErrorDetail     `json:"details,omitempty"`
	Errors            []ErrorBody       `json:"errors,omitempty"`
}

// ErrorDetail is one entry of ErrorBody.details.
type ErrorDetail struct {
	ErrorCode  string `json:"errorCode,omitempty"`
	FieldName  string `json:"fieldName,omitempty"`
	EntityID   string `json:"entityId,omitempty"`
	EntityName string `json:"entityName,omitempty"`
}

// Communication states, lower case as in the current models. Legacy
// notification models used upper case, so compare with StateIs.
const (
	StateAlerting     = "alerting"
	StateDialing      = "dialing"
	StateContacting   = "contacting"
	StateOffering     = "offering"
	StateConnected    = "connected"
	StateDisconnected = "disconnected"
	StateTerminated   = "terminated"
	StateNone         = "none"
)

// StateIs reports whether state equals one of want, ignoring case.
func StateIs(state string, want ...string) bool {
	for _, w := range want {
		if strings.EqualFold(strings.TrimSpace(state), w) {
			return true
		}
	}
	return false
}

// Ended reports whether a communication state means the leg is over.
func Ended(state string) bool { return StateIs(state, StateDisconnected, StateTerminated) }

// NotYetConnected reports whether a state means the leg is still being set up.
func NotYetConnected(state string) bool {
	return StateIs(state, StateAlerting, StateDialing, StateContacting, StateOffering)
}

// SystemPurposes are REST purposes of legs owned by the platform rather than
// a person. REST purpose is a free string; values beyond the documented call
// examples (acd, ivr) come from the analytics enum (UNCONFIRMED for REST).
var SystemPurposes = []string{"acd", "ivr", "workflow", "voicemail", "fax", "botflow", "voicesurveyflow", "dialer", "campaign", "station", "api"}

// IsSystemPurpose reports whether purpose names a system leg.
func IsSystemPurpose(purpose string) bool {
	for _, p := range SystemPurposes {
		if strings.EqualFold(purpose, p) {
			return true
		}
	}
	return false
}

// AnalyticsConversation is the body of GET
// /api/v2/analytics/conversations/{id}/details
// (AnalyticsConversationWithoutAttributes): the conversation's history as
// segments. Only what convdiag reads is modelled.
type AnalyticsConversation struct {
	ConversationID    string                 `json:"conversationId"`
	ConversationStart string                 `json:"conversationStart,omitempty"`
	ConversationEnd   string                 `json:"conversationEnd,omitempty"`
	DivisionIDs       []string               `json:"divisionIds,omitempty"`
	Participants      []AnalyticsParticipant `json:"participants,omitempty"`
}

// AnalyticsParticipant is one participant of the analytics details.
type AnalyticsParticipant struct {
	ParticipantID   string             `json:"participantId"`
	ParticipantName string             `json:"participantName,omitempty"`
	Purpose         string             `json:"purpose,omitempty"`
	UserID          string             `json:"userId,omitempty"`
	Sessions        []AnalyticsSession `json:"sessions,omitempty"`
}

// AnalyticsSession is one session (a communication) of a participant.
type AnalyticsSession struct {
	SessionID string             `json:"sessionId,omitempty"`
	MediaType string             `json:"mediaType,omitempty"`
	PeerID    string             `json:"peerId,omitempty"`
	Segments  []AnalyticsSegment `json:"segments,omitempty"`
}

// AnalyticsSegment is one segment of a session: alert, interact, hold,
// wrapup, ... with camelCase disconnect types (reference §2f).
type AnalyticsSegment struct {
	SegmentStart   string `json:"segmentStart,omitempty"`
	SegmentEnd     string `json:"segmentEnd,omitempty"`
	SegmentType    string `json:"segmentType,omitempty"`
	DisconnectType string `json:"disconnectType,omitempty"`
	ErrorCode      string `json:"errorCode,omitempty"`
}

// DecodeAnalytics decodes a saved GET of the analytics details.
func DecodeAnalytics(data []byte) (*AnalyticsConversation, error) {
	const what = "analytics conversation details (GET /api/v2/analytics/conversations/{id}/details)"
	if err := requireObject(data, what); err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var a AnalyticsConversation
	if err := json.Unmarshal(data, &a); err != nil && !isTypeErr(err) {
		return nil, jsonErr(data, err, what)
	}
	if a.ConversationID == "" {
		var probe struct {
			Conversations []AnalyticsConversation `json:"conversations"`
		}
		if json.Unmarshal(data, &probe) == nil && len(probe.Conversations) == 1 {
			return &probe.Conversations[0], nil
		}
		return nil, &DecodeError{Msg: "is not " + what + ": it has no \"conversationId\""}
	}
	return &a, nil
}
