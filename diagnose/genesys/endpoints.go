package genesys

import (
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
)

//go:generate go run gen_operations.go -sdk ${SDK} -out operations_gen.go

// Operation is one operation of the official API definition, as the
// generator read it from the official SDK (operations_gen.go).
type Operation struct {
	// ID is the SDK's operation name (patchConversationParticipant).
	ID     string
	Method string
	// Path is the template; placeholders are named as in the API
	// definition ({conversationId}, {participantId}, ...).
	Path string
	// TakesBody is set when the operation has a body parameter.
	TakesBody  bool
	Deprecated bool
	// Summary is the first sentence of the SDK's description.
	Summary string
}

// FieldType is the JSON type a body field must have.
type FieldType string

// Field types.
const (
	TypeString   FieldType = "string"
	TypeBool     FieldType = "boolean"
	TypeObject   FieldType = "object"
	TypeArray    FieldType = "array"
	TypeDateTime FieldType = "date-time string"
	TypeInteger  FieldType = "integer"
)

// Field is one field of a request body contract.
type Field struct {
	Name string
	Type FieldType
	// Values are the values the endpoint accepts (empty: any of Type).
	Values []string
	// Known are further values the generated SDK enum lists but the docs
	// say are not meaningful to send.
	Known []string
	// Required fields must be present.
	Required bool
	// Target marks the field that names the participant to act on.
	Target bool
	// Acts says what the field does: each value (or any value) and the
	// operation it performs. A field without Acts does nothing by itself
	// (a companion of another field, or data).
	Acts []Act
	// Destination names what the field points a transfer, consult or
	// callback to (DestQueue, DestUser, DestAddress, DestContact).
	Destination string
	// NotHere marks a field the SDK model has but the endpoint does not
	// act on (held on the communication PATCH, which only disconnects): it
	// says what was meant, the endpoint refuses it.
	NotHere bool
	// Aliases are names people use by mistake for this field (besides
	// spelling variants, which did-you-mean finds on its own).
	Aliases []string
	Doc     string
}

// BodyContract is what a request body must look like.
type BodyContract struct {
	// Model is the SDK model name.
	Model  string
	Fields []Field
	// Open contracts are only partly modelled: unknown fields are not judged.
	Open bool
	// Basis names where the contract comes from.
	Basis string
	// Believed is true for a contract that comes from the seed forum post,
	// not from the public reference.
	Believed bool
	// TargetFallback says what the server does when the target field is
	// missing (per Basis).
	TargetFallback string
}

// Field returns the contract field with the exact name.
func (b *BodyContract) Field(name string) *Field {
	for i := range b.Fields {
		if b.Fields[i].Name == name {
			return &b.Fields[i]
		}
	}
	return nil
}

// TargetField returns the field that names the participant, if any.
func (b *BodyContract) TargetField() *Field {
	for i := range b.Fields {
		if b.Fields[i].Target {
			return &b.Fields[i]
		}
	}
	return nil
}

// Endpoint is one row of the endpoint table: an operation of the official
// API definition (or a forum recipe that Genesys does not have), with what
// convdiag knows about it beyond the definition: its body contract, the
// permissions it needs, the documented error codes that matter.
type Endpoint struct {
	Operation
	// Media lists the values a {media} placeholder may take (forum recipes
	// only; real rows name their media literally).
	Media []string
	// Exists is false for recipes that circulate on forums but that
	// Genesys does not have.
	Exists bool
	// Body is the documented body contract; nil for an endpoint that takes
	// no body, or whose body convdiag does not model.
	Body *BodyContract
	// BelievedBody is the contract the seed forum post believes in, judged
	// as well where the real endpoint documents no body.
	BelievedBody *BodyContract
	// Permissions lists the permissions of which ANY one is enough.
	Permissions []string
	// PermissionsUnconfirmed is set when the permission list was not read
	// from the reference.
	PermissionsUnconfirmed bool
	// NeedsUser is set when the definition lists not.a.user: a
	// client-credentials token is refused (reference §8b).
	NeedsUser bool
	// UpdatesConversation marks the conversation PATCH, which tears the
	// conversation down only when its body sets "state": "disconnected".
	UpdatesConversation bool
	// Success is the documented success status (0: not read).
	Success int
	// Note carries caveats, e.g. UNCONFIRMED facts.
	Note string
	// Op is the operation the endpoint performs whatever its body ("" when
	// its body's fields decide, or it performs none of the operations).
	Op Op
	// Successors name the current operations that replace a deprecated
	// one (endpoint ids), best first.
	Successors []string

	segs []string
}

// Reads reports whether the endpoint only reads (a GET).
func (e *Endpoint) Reads() bool { return e.Method == "GET" }

// Segment is the media segment of the path ("calls", ...), "" for the
// generic paths (and for a {media} recipe row).
func (e *Endpoint) Segment() string {
	if len(e.segs) > 3 && e.segs[2] == "conversations" {
		for _, m := range append(MediaSegments, "videos", "screenshares", "socials", "internalmessages") {
			if e.segs[3] == m {
				return m
			}
		}
	}
	return ""
}

// MediaSegments are the media path segments that have media-specific
// participant endpoints.
var MediaSegments = []string{"calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages"}

// StateValues is the state enum of the generated SDK models.
var StateValues = []string{"alerting", "dialing", "contacting", "offering", "connected", "disconnected", "terminated", "converting", "uploading", "transmitting", "parked", "none"}

// MediaParticipantRequest is the body of the participant PATCH endpoints.
// Every field that is present acts (reference: "every property you set on
// that API resource tries to take an action"), each performing its own
// operation; wrapup and wrapupSkipped also go with a drop.
var MediaParticipantRequest = &BodyContract{
	Model: "MediaParticipantRequest",
	Basis: "the public API reference (MediaParticipantRequest)",
	Fields: []Field{
		{Name: "state", Type: TypeString, Values: []string{"connected", "disconnected"}, Known: StateValues,
			Acts: []Act{{`"disconnected"`, OpDisconnect}, {`"connected"`, OpAnswer}},
			Doc:  `"disconnected" drops the participant, "connected" answers an alerting communication; only those two are meaningful`},
		{Name: "wrapup", Type: TypeObject, Acts: []Act{{"", OpWrapup}}, Doc: "WrapupInput: code, name, notes, tags, durationSeconds, endTime, provisional, disableEndTimeUpdates"},
		{Name: "recording", Type: TypeBool, Acts: []Act{{"", OpRecording}}},
		{Name: "muted", Type: TypeBool, Acts: []Act{{"true", OpMute}, {"false", OpUnmute}}},
		{Name: "confined", Type: TypeBool, Acts: []Act{{"", OpConfine}}, Doc: "should only be used for ad-hoc conferences"},
		{Name: "held", Type: TypeBool, Acts: []Act{{"true", OpHold}, {"false", OpUnhold}}},
		{Name: "wrapupSkipped", Type: TypeBool, Acts: []Act{{"", OpWrapup}}},
		{Name: "resumeTime", Type: TypeDateTime, Doc: "when a parked communication resumes (newer SDKs only)"},
	},
}

// CommunicationPatch is the body of the communication PATCH
// (.../participants/{pid}/communications/{commId}): the SDK gives it the
// MediaParticipantRequest model, but it can only disconnect
// (communication.state.required "Can only update a communication's state to
// disconnected"; reference §1c).
var CommunicationPatch = &BodyContract{
	Model: "MediaParticipantRequest (communication PATCH: state only)",
	Basis: "the public API reference (the communication PATCH)",
	Fields: []Field{
		{Name: "state", Type: TypeString, Required: true, Values: []string{"disconnected"}, Known: StateValues,
			Acts: []Act{{`"disconnected"`, OpDisconnect}, {`"connected"`, OpAnswer}}, Doc: `only "disconnected": it ends the one communication`},
		{Name: "held", Type: TypeBool, NotHere: true, Acts: []Act{{"true", OpHold}, {"false", OpUnhold}}},
		{Name: "muted", Type: TypeBool, NotHere: true, Acts: []Act{{"true", OpMute}, {"false", OpUnmute}}},
		{Name: "recording", Type: TypeBool, NotHere: true, Acts: []Act{{"", OpRecording}}},
		{Name: "confined", Type: TypeBool, NotHere: true, Acts: []Act{{"", OpConfine}}},
		{Name: "wrapup", Type: TypeObject, NotHere: true, Acts: []Act{{"", OpWrapup}}},
		{Name: "wrapupSkipped", Type: TypeBool, NotHere: true, Acts: []Act{{"", OpWrapup}}},
	},
}

// WrapupInput is the body of POST .../communications/{commId}/wrapup (and
// the participant PATCH's wrapup object).
var WrapupInput = &BodyContract{
	Model: "WrapupInput",
	Basis: "the public API reference (WrapupInput)",
	Fields: []Field{
		{Name: "code", Type: TypeString, Doc: "the wrap-up code's id (required unless provisional)"},
		{Name: "name", Type: TypeString},
		{Name: "notes", Type: TypeString},
		{Name: "tags", Type: TypeArray},
		{Name: "durationSeconds", Type: TypeInteger},
		{Name: "endTime", Type: TypeDateTime},
		{Name: "provisional", Type: TypeBool, Doc: "true saves the wrap-up without completing it (no code needed)"},
		{Name: "disableEndTimeUpdates", Type: TypeBool},
	},
}

// ParticipantAttributes is the body of PATCH .../participants/{pid}/attributes:
// a map of string values.
var ParticipantAttributes = &BodyContract{
	Model: "ParticipantAttributes",
	Basis: "the public API reference (ParticipantAttributes)",
	Fields: []Field{
		{Name: "attributes", Type: TypeObject, Required: true, Doc: "a map whose values must all be strings"},
	},
}

// SetRecordingState is the body of the recordingstate endpoints.
var SetRecordingState = &BodyContract{
	Model: "SetRecordingState",
	Basis: "the public API reference (SetRecordingState)",
	Fields: []Field{
		{Name: "recordingState", Type: TypeString, Required: true, Values: []string{"ACTIVE", "PAUSED", "NONE"},
			Doc: `"PAUSED" starts a secure pause, "ACTIVE" resumes`},
	},
}

// SeedDisconnectBody is the body contract the seed forum post describes for
// POST /api/v2/conversations/{id}/disconnect. The public reference documents
// no body for that endpoint.
var SeedDisconnectBody = &BodyContract{
	Model:    "the undocumented participantId body recipe",
	Basis:    "the undocumented participantId body recipe",
	Believed: true,
	Fields: []Field{
		{Name: "participantId", Type: TypeString, Target: true,
			Aliases: []string{"id", "participant", "participants", "target", "targetId", "targetParticipantId", "pid", "participantIdList"},
			Doc:     "the participant to drop, as a single string"},
	},
	TargetFallback: "the conversation's initiator",
}

// ConsultTransferUpdate is the body of PATCH .../consult.
var ConsultTransferUpdate = &BodyContract{
	Model: "ConsultTransferUpdate",
	Basis: "the public API reference (ConsultTransferUpdate)",
	Fields: []Field{
		{Name: "speakTo", Type: TypeString, Required: true, Values: []string{"DESTINATION", "OBJECT", "BOTH", "CONFERENCE"}},
		{Name: "consultingUserId", Type: TypeString},
	},
}

// ConversationPatch is the (partly modelled) body of PATCH on a whole
// conversation.
var ConversationPatch = &BodyContract{
	Model: "Conversation",
	Basis: "the public API reference (Conversation)",
	Open:  true,
	Fields: []Field{
		{Name: "state", Type: TypeString, Known: StateValues, Acts: []Act{{`"disconnected"`, OpTeardown}}},
		{Name: "recordingState", Type: TypeString, Values: []string{"ACTIVE", "PAUSED", "NONE"}, Acts: []Act{{"", OpRecordingState}}},
		{Name: "conversationIds", Type: TypeArray, Acts: []Act{{"", OpConferenceAdd}}},
	},
}

// Permissions the endpoint table names.
const (
	permDisconnect  = "conversation:communication:disconnect"
	permWrapup      = "conversation:participant:wrapup"
	permRecord      = "conversation:call:record"
	permPauseOthers = "conversation:recording:pauseOthers"
)

var participantPerms = []string{permWrapup, permRecord, permDisconnect}

// Endpoints is the endpoint table: every operation of the official API
// definition that operations_gen.go lists, with the overlay's knowledge,
// then the forum recipes. Checks read it; a new operation is a regenerated
// row. It is built the first time it is asked for (commands that match no
// request need none of it), and is the same table every time.
func Endpoints() []Endpoint { return endpointTable() }

// endpointTable builds the table once.
var endpointTable = sync.OnceValue(buildEndpoints)

// overlay is what convdiag knows about an operation beyond the API
// definition, from the reference (§1, §3, §8).
type overlay struct {
	Body, BelievedBody     *BodyContract
	Permissions            []string
	PermissionsUnconfirmed bool
	NeedsUser              bool
	UpdatesConversation    bool
	Success                int
	Summary, Note          string
}

const unconfirmedMedia = "the body and permissions are documented for calls; for the other media they are assumed to match (UNCONFIRMED)"

// overlays are keyed by the SDK operation name.
var overlays = map[string]overlay{
	// Single participant (reference §1a, §8a, §8b).
	"patchConversationParticipant": {Body: MediaParticipantRequest, Permissions: participantPerms, Success: 202,
		Summary: "update one participant of any media (state, wrap-up, hold, mute, recording)"},
	"patchConversationsCallParticipant": {Body: MediaParticipantRequest, Permissions: participantPerms, NeedsUser: true, Success: 202,
		Summary: "update one participant of a call"},
	"patchConversationsCallbackParticipant":        {Body: MediaParticipantRequest, Permissions: participantPerms, PermissionsUnconfirmed: true, Success: 202, Note: unconfirmedMedia},
	"patchConversationsCobrowsesessionParticipant": {Body: MediaParticipantRequest, Permissions: participantPerms, PermissionsUnconfirmed: true, Success: 202, Note: unconfirmedMedia},
	"patchConversationsEmailParticipant":           {Body: MediaParticipantRequest, Permissions: participantPerms, PermissionsUnconfirmed: true, Success: 202, Note: unconfirmedMedia},
	"patchConversationsMessageParticipant":         {Body: MediaParticipantRequest, Permissions: participantPerms, PermissionsUnconfirmed: true, Success: 202, Note: unconfirmedMedia},
	"patchConversationsCallParticipantCommunication": {Body: CommunicationPatch, NeedsUser: true, Success: 200,
		Summary: "disconnect one communication of a call participant; does not touch wrap-up"},
	"patchConversationsCallbackParticipantCommunication":        {Body: CommunicationPatch, Success: 200},
	"patchConversationsCobrowsesessionParticipantCommunication": {Body: CommunicationPatch, Success: 200},
	"patchConversationsEmailParticipantCommunication":           {Body: CommunicationPatch, Success: 200},
	"patchConversationsMessageParticipantCommunication":         {Body: CommunicationPatch, Success: 200},

	// Wrap-up and attributes (reference §1d, §1f).
	"patchConversationsAftercallworkConversationIdParticipantCommunication": {Body: &BodyContract{Model: "AfterCallWorkUpdate", Basis: "the public API reference",
		Fields: []Field{{Name: "afterCallWorkRequired", Type: TypeBool, Required: true}}}, Permissions: []string{permWrapup}, Success: 202},

	// Conversation recording (secure pause, reference §1c).
	"patchConversationRecordingstate": {Body: SetRecordingState, Permissions: []string{permPauseOthers}, NeedsUser: true, Success: 202,
		Summary: "pause or resume the conversation's recording (secure pause)"},

	// Whole conversation (reference §1b).
	"postConversationDisconnect": {BelievedBody: SeedDisconnectBody, Permissions: []string{permDisconnect}, Success: 202,
		Summary: "tear down the whole conversation (a recovery tool; takes no body)"},
	"deleteConversation": {Permissions: []string{permDisconnect}, NeedsUser: true, Success: 204,
		Summary: "disconnect all participants of the conversation"},
	"patchConversationsCall": {Body: ConversationPatch, Permissions: []string{permDisconnect}, NeedsUser: true, UpdatesConversation: true,
		Summary: "update a whole call: recording, merge into a conference, or disconnect everyone"},
	"patchConversationsCallback":        {Body: ConversationPatch, Permissions: []string{permDisconnect}, UpdatesConversation: true},
	"patchConversationsCobrowsesession": {Body: ConversationPatch, UpdatesConversation: true},
	"patchConversationsEmail":           {Body: ConversationPatch, UpdatesConversation: true},
	"patchConversationsMessage":         {Body: ConversationPatch, UpdatesConversation: true},
	"patchConversationsCallConference": {Body: &BodyContract{Model: "UpdateConferenceRequest", Basis: "the public API reference",
		Fields: []Field{{Name: "conversationIds", Type: TypeArray, Required: true}}}, Permissions: []string{"conversation:conference:add"},
		Summary: "merge the listed conversations into this call as a conference"},

	// Consult (reference §1c; every consult operation lists not.a.user).
	"postConversationsCallParticipantConsult":                {NeedsUser: true},
	"patchConversationsCallParticipantConsult":               {Body: ConsultTransferUpdate, NeedsUser: true, Summary: "change who is speaking in a consult transfer"},
	"deleteConversationsCallParticipantConsult":              {NeedsUser: true, Summary: "cancel a consult transfer"},
	"postConversationsCallParticipantConsultAgent":           {NeedsUser: true},
	"postConversationsCallParticipantConsultQueue":           {NeedsUser: true},
	"postConversationsCallParticipantConsultExternal":        {NeedsUser: true},
	"postConversationsCallParticipantConsultContactExternal": {NeedsUser: true},
	"postConversationsCallParticipantVoiceConsult":           {NeedsUser: true},
	"postConversationBarge":                                  {Permissions: []string{"conversation:call:barge"}},

	// Reads (reference §2, §8d).
	"getConversation":                 {Permissions: []string{"conversation:communication:view"}},
	"getAnalyticsConversationDetails": {Permissions: []string{"analytics:conversationDetail:view", "analytics:agentConversationDetail:view"}},
	"getConversations":                {Summary: "list the logged-in user's active conversations"},
	"postConversationsCalls":          {Summary: "place a call (needs a user token)"},
}

// forumRecipes are requests that circulate on forums but that Genesys does
// not have; each was meant to drop one participant.
var forumRecipes = []Endpoint{
	{Operation: Operation{ID: "forum-participant-disconnect", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/disconnect",
		Summary: "a forum recipe: there is no per-participant disconnect action"}},
	{Operation: Operation{ID: "forum-media-participant-disconnect", Method: "POST", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}/disconnect",
		Summary: "a forum recipe: there is no per-participant disconnect action"}, Media: MediaSegments},
	{Operation: Operation{ID: "forum-voice-participants", Method: "*", Path: "/api/v2/conversations/voice/participants",
		Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"}},
	{Operation: Operation{ID: "forum-voice-conversation-participants", Method: "*", Path: "/api/v2/conversations/voice/{conversationId}/participants",
		Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"}},
	{Operation: Operation{ID: "forum-voice-participant", Method: "*", Path: "/api/v2/conversations/voice/{conversationId}/participants/{participantId}",
		Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"}},
	{Operation: Operation{ID: "forum-delete-participant", Method: "DELETE", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}",
		Summary: "a participant cannot be deleted; it is ended with PATCH {\"state\":\"disconnected\"}"}},
	{Operation: Operation{ID: "forum-delete-media-participant", Method: "DELETE", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}",
		Summary: "a participant cannot be deleted; it is ended with PATCH {\"state\":\"disconnected\"}"}, Media: MediaSegments},
}

func buildEndpoints() []Endpoint {
	out := make([]Endpoint, 0, len(sdkOperations)+len(forumRecipes))
	for _, op := range sdkOperations {
		e := Endpoint{Operation: op, Exists: true, Op: opOfEndpoint(op.Method, op.Path)}
		e.Summary = lowerFirst(strings.TrimSuffix(e.Summary, "."))
		familyOverlay(&e)
		if o, ok := transferOverlays[op.ID]; ok {
			o.apply(&e)
		}
		if o, ok := overlays[op.ID]; ok {
			o.apply(&e)
		}
		out = append(out, e)
	}
	for _, r := range forumRecipes {
		r.Op = OpDisconnect
		out = append(out, r)
	}
	for i := range out {
		out[i].segs = SplitPath(out[i].Path)
	}
	linkSuccessors(out)
	return out
}

// familyOverlay gives the rows of an operation family what the reference
// says of all of them (the wrap-up POST of every media, the attributes
// PATCH, the recordingstate PUT, the blind transfers and consults); the
// per-operation overlays refine it.
func familyOverlay(e *Endpoint) {
	switch {
	case e.Op == OpWrapup && e.Method == "POST":
		e.Body, e.Permissions, e.Success = WrapupInput, []string{permWrapup}, 202
		e.Summary = "give the wrap-up of one communication (the body is optional: provisional saves without a code)"
	case e.Op == OpAttributes:
		e.Body, e.Success = ParticipantAttributes, 202
	case e.Op == OpRecordingState && e.Method == "PUT":
		e.Body, e.Permissions, e.Success = SetRecordingState, []string{permPauseOthers}, 200
	case e.Op == OpTransfer:
		e.Permissions, e.Success = []string{"conversation:communication:blindTransfer"}, 202
	case e.Op == OpConsult:
		e.Permissions, e.NeedsUser = []string{"conversation:communication:consultTransfer"}, true
	}
}

// successors name the current operations of deprecated ones (reference
// §1a, §1b; CG-DEPR).
var successors = map[string][]string{
	"postConversationParticipantReplace":              {"postConversationParticipantTransfer", "postConversationParticipantReplaceAgent", "postConversationParticipantReplaceQueue", "postConversationParticipantReplaceContactExternal"},
	"postConversationParticipantReplaceExternal":      {"postConversationParticipantReplaceContactExternal"},
	"postConversationsCallParticipantConsult":         {"postConversationsCallParticipantVoiceConsult", "postConversationsCallParticipantConsultAgent", "postConversationsCallParticipantConsultQueue", "postConversationsCallParticipantConsultContactExternal"},
	"postConversationsCallParticipantConsultExternal": {"postConversationsCallParticipantConsultContactExternal"},
}

func linkSuccessors(rows []Endpoint) {
	for i := range rows {
		if s, ok := successors[rows[i].ID]; ok {
			rows[i].Successors = s
		}
	}
}

// apply refines a row with what the overlay sets (what it leaves empty,
// the family overlay's or the definition's, stays).
func (o overlay) apply(e *Endpoint) {
	if o.Body != nil {
		e.Body = o.Body
	}
	if o.BelievedBody != nil {
		e.BelievedBody = o.BelievedBody
	}
	if o.Permissions != nil {
		e.Permissions = o.Permissions
	}
	if o.Success != 0 {
		e.Success = o.Success
	}
	if o.Summary != "" {
		e.Summary = o.Summary
	}
	e.PermissionsUnconfirmed = e.PermissionsUnconfirmed || o.PermissionsUnconfirmed
	e.NeedsUser = e.NeedsUser || o.NeedsUser
	e.UpdatesConversation = e.UpdatesConversation || o.UpdatesConversation
	e.Note = o.Note
}

// lowerFirst lower-cases the first letter of a sentence used as a clause
// ("Update a participant" -> "update a participant"), not of an acronym.
func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// EndpointByID returns the row with the SDK operation name (or recipe id);
// it panics for an unknown id, which is a programmer error.
func EndpointByID(id string) *Endpoint {
	table := Endpoints()
	for i := range table {
		if table[i].ID == id {
			return &table[i]
		}
	}
	panic("genesys: no endpoint " + id)
}

// Match is the result of matching a request line against the table.
type Match struct {
	// Endpoint is the matched row (nil when nothing matched).
	Endpoint *Endpoint
	// Params holds the placeholder values, as found in the path (decoded).
	Params map[string]string
	// RawParams holds the same values before percent-decoding.
	RawParams map[string]string
	// OtherMethods lists existing rows with the same path but another
	// method (set when the path is known and the method is not).
	OtherMethods []*Endpoint
	// CaseDiffers is set when literal segments matched only ignoring case.
	CaseDiffers bool
	// Suggestion is the closest known path when nothing matched.
	Suggestion *Endpoint
}

// SplitPath cleans a request path into segments: the query is dropped,
// duplicate and trailing slashes are ignored.
func SplitPath(p string) []string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return nil
	}
	return segs
}

// MatchRequest matches a method and a path against the table. Rows that
// exist are preferred over forum recipes, and literal segments over
// placeholders.
func MatchRequest(method, path string) Match {
	segs := SplitPath(path)
	method = strings.ToUpper(method)
	var best, bestAnyMethod *Endpoint
	var bestParams, bestRaw map[string]string
	bestScore, bestAnyScore := -1, -1
	caseDiff := false
	var others []*Endpoint
	table := Endpoints()
	for i := range table {
		ep := &table[i]
		params, raw, score, ci, ok := matchTemplate(ep, segs)
		if !ok {
			continue
		}
		if ep.Method == method || ep.Method == "*" {
			if score > bestScore {
				best, bestParams, bestRaw, bestScore, caseDiff = ep, params, raw, score, ci
			}
		} else if ep.Exists && score > bestAnyScore {
			bestAnyMethod, bestAnyScore = ep, score
		}
	}
	m := Match{Endpoint: best, Params: bestParams, RawParams: bestRaw, CaseDiffers: caseDiff}
	// Other methods on exactly the same template.
	tmpl := ""
	if best != nil {
		tmpl = best.Path
	} else if bestAnyMethod != nil {
		tmpl = bestAnyMethod.Path
		_, _, _, ci, _ := matchTemplate(bestAnyMethod, segs)
		m.CaseDiffers = ci
		m.Params, m.RawParams, _, _, _ = matchTemplate(bestAnyMethod, segs)
	}
	for i := range table {
		ep := &table[i]
		if ep.Exists && ep.Path == tmpl && ep.Method != method {
			others = append(others, ep)
		}
	}
	m.OtherMethods = others
	if best == nil && bestAnyMethod == nil {
		m.Suggestion = suggestPath(method, segs)
	}
	return m
}

// matchTemplate matches segments against a row's template. score counts
// literal segments, so the most specific row wins.
func matchTemplate(ep *Endpoint, segs []string) (params, raw map[string]string, score int, caseDiff, ok bool) {
	tsegs := ep.segs
	if len(tsegs) != len(segs) {
		return nil, nil, 0, false, false
	}
	params, raw = map[string]string{}, map[string]string{}
	for i, t := range tsegs {
		s := segs[i]
		if strings.HasPrefix(t, "{") {
			name := strings.Trim(t, "{}")
			dec, err := url.PathUnescape(s)
			if err != nil {
				dec = s
			}
			if name == "media" {
				if !containsFold(ep.Media, dec) {
					return nil, nil, 0, false, false
				}
				score++ // the media segment is as good as a literal
			}
			params[name], raw[name] = dec, s
			continue
		}
		if s == t {
			score += 2
			continue
		}
		if strings.EqualFold(s, t) {
			score += 2
			caseDiff = true
			continue
		}
		return nil, nil, 0, false, false
	}
	if ep.Exists {
		score++ // prefer real rows over forum recipes of equal shape
	}
	return params, raw, score, caseDiff, true
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// suggestPath finds the existing row whose literal segments are closest to
// the request's (for "did you mean").
func suggestPath(method string, segs []string) *Endpoint {
	type cand struct {
		ep *Endpoint
		d  int
	}
	var cs []cand
	table := Endpoints()
	for i := range table {
		ep := &table[i]
		if !ep.Exists || ep.Reads() && method != "GET" || ep.Deprecated {
			continue
		}
		tsegs := ep.segs
		if len(tsegs) != len(segs) {
			continue
		}
		d := 0
		for j, t := range tsegs {
			if strings.HasPrefix(t, "{") {
				if t == "{media}" {
					d += minDistance(strings.ToLower(segs[j]), ep.Media)
				}
				continue
			}
			d += levenshtein.ComputeDistance(strings.ToLower(segs[j]), t)
		}
		if ep.Method != method {
			d += 2
		}
		cs = append(cs, cand{ep, d})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) > 0 && cs[0].d <= 4 {
		return cs[0].ep
	}
	// A media segment that has no media-specific endpoint (videos,
	// screenshares, social): the generic path without it.
	if len(segs) > 4 && strings.EqualFold(segs[2], "conversations") {
		alt := append(append([]string{}, segs[:3]...), segs[4:]...)
		for i := range table {
			ep := &table[i]
			if ep.Exists && ep.Method == method {
				if _, _, _, _, ok := matchTemplate(ep, alt); ok {
					return ep
				}
			}
		}
	}
	return nil
}

func minDistance(s string, options []string) int {
	best := -1
	for _, o := range options {
		if d := levenshtein.ComputeDistance(s, o); best < 0 || d < best {
			best = d
		}
	}
	return best
}
