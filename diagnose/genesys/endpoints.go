package genesys

import (
	"net/url"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Kind classifies what an endpoint does to a conversation.
type Kind string

// Endpoint kinds.
const (
	KindParticipantUpdate   Kind = "participant-update"   // PATCH one participant (state, wrap-up, hold, ...)
	KindCommunicationUpdate Kind = "communication-update" // PATCH one communication of a participant
	KindTeardown            Kind = "conversation-teardown"
	KindConversationUpdate  Kind = "conversation-update" // PATCH a whole conversation (recording, merge, disconnect all)
	KindConsult             Kind = "consult"
	KindTransfer            Kind = "transfer"
	KindMonitor             Kind = "monitor"
	KindRead                Kind = "read"
	KindWrapup              Kind = "wrapup"
	KindAdd                 Kind = "add-participant"
)

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

// Endpoint is one row of the endpoint contract table.
type Endpoint struct {
	// ID is a stable kebab-case name for the row.
	ID     string
	Method string
	// Path is the template; placeholders are {conversationId},
	// {participantId}, {communicationId}, {userId} and {media}.
	Path string
	// Media lists the values {media} may take.
	Media []string
	Kind  Kind
	// Exists is false for recipes that circulate on forums but that
	// Genesys does not have.
	Exists bool
	// Body is the documented body contract; nil for an endpoint that takes
	// no body.
	Body *BodyContract
	// BelievedBody is the contract the seed forum post believes in, judged
	// as well where the real endpoint documents no body.
	BelievedBody *BodyContract
	// Permissions lists the permissions of which ANY one is enough.
	Permissions []string
	// PermissionsUnconfirmed is set when the permission list was not read
	// from the reference.
	PermissionsUnconfirmed bool
	// DropsOne is true for endpoints that end exactly one participant's
	// part of the conversation.
	DropsOne bool
	// Summary says what the endpoint does, as a verb phrase.
	Summary string
	// Note carries caveats, e.g. UNCONFIRMED facts.
	Note string
}

// MediaSegments are the media path segments that have media-specific
// participant endpoints.
var MediaSegments = []string{"calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages"}

// StateValues is the state enum of the generated SDK models.
var StateValues = []string{"alerting", "dialing", "contacting", "offering", "connected", "disconnected", "terminated", "converting", "uploading", "transmitting", "parked", "none"}

// MediaParticipantRequest is the body of the participant PATCH endpoints.
var MediaParticipantRequest = &BodyContract{
	Model: "MediaParticipantRequest",
	Basis: "the public API reference (MediaParticipantRequest)",
	Fields: []Field{
		{Name: "state", Type: TypeString, Values: []string{"connected", "disconnected"}, Known: StateValues,
			Doc: `"disconnected" drops the participant; only "connected" and "disconnected" are meaningful`},
		{Name: "wrapup", Type: TypeObject, Doc: "WrapupInput: code, name, notes, tags, durationSeconds, endTime, provisional, disableEndTimeUpdates"},
		{Name: "recording", Type: TypeBool},
		{Name: "muted", Type: TypeBool},
		{Name: "confined", Type: TypeBool},
		{Name: "held", Type: TypeBool},
		{Name: "wrapupSkipped", Type: TypeBool},
		{Name: "resumeTime", Type: TypeDateTime, Doc: "when a parked communication resumes (newer SDKs only)"},
	},
}

// SeedDisconnectBody is the body contract the seed forum post describes for
// POST /api/v2/conversations/{id}/disconnect. The public reference documents
// no body for that endpoint.
var SeedDisconnectBody = &BodyContract{
	Model:    "(forum post) disconnect request",
	Basis:    "the contract described in the forum post (not in the public reference)",
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
		{Name: "state", Type: TypeString, Known: StateValues},
		{Name: "recordingState", Type: TypeString, Values: []string{"ACTIVE", "PAUSED", "NONE"}},
		{Name: "conversationIds", Type: TypeArray},
	},
}

const permDisconnect = "conversation:communication:disconnect"

var participantPerms = []string{"conversation:participant:wrapup", "conversation:call:record", permDisconnect}

// Endpoints is the endpoint contract table. Checks read it; adding an
// endpoint is adding a row.
var Endpoints = []Endpoint{
	// Single participant (reference §1a).
	{ID: "patch-participant", Method: "PATCH", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}",
		Kind: KindParticipantUpdate, Exists: true, Body: MediaParticipantRequest, Permissions: participantPerms, DropsOne: true,
		Summary: "update one participant of any media (state, wrap-up, hold, mute, recording)"},
	{ID: "patch-media-participant", Method: "PATCH", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}",
		Media: MediaSegments, Kind: KindParticipantUpdate, Exists: true, Body: MediaParticipantRequest, Permissions: participantPerms, DropsOne: true,
		Summary: "update one participant of a conversation of this media type",
		Note:    "the body and permissions are documented for calls; for the other media they are assumed to match (UNCONFIRMED)"},
	{ID: "patch-communication", Method: "PATCH", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}/communications/{communicationId}",
		Media: MediaSegments, Kind: KindCommunicationUpdate, Exists: true, Body: MediaParticipantRequest, DropsOne: true,
		Summary: "disconnect one communication of a participant; does not touch wrap-up",
		Note:    "no permissions are listed for it in the reference"},

	// Whole conversation (reference §1b).
	{ID: "post-disconnect", Method: "POST", Path: "/api/v2/conversations/{conversationId}/disconnect",
		Kind: KindTeardown, Exists: true, BelievedBody: SeedDisconnectBody, Permissions: []string{permDisconnect},
		Summary: "tear down the whole conversation (a recovery tool; takes no body)"},
	{ID: "delete-conversation", Method: "DELETE", Path: "/api/v2/conversations/{conversationId}",
		Kind: KindTeardown, Exists: true, Permissions: []string{permDisconnect},
		Summary: "disconnect all participants of the conversation"},
	{ID: "patch-media-conversation", Method: "PATCH", Path: "/api/v2/conversations/{media}/{conversationId}",
		Media: MediaSegments, Kind: KindConversationUpdate, Exists: true, Body: ConversationPatch, Permissions: []string{permDisconnect},
		Summary: "update a whole conversation: recording, merge into a conference, or disconnect everyone"},
	{ID: "patch-conference", Method: "PATCH", Path: "/api/v2/conversations/calls/{conversationId}/conference",
		Kind: KindConversationUpdate, Exists: true, Body: &BodyContract{Model: "UpdateConferenceRequest", Basis: "the public API reference",
			Fields: []Field{{Name: "conversationIds", Type: TypeArray, Required: true}}},
		Permissions: []string{"conversation:conference:add"}, Summary: "merge the listed conversations into this one"},

	// Consult, monitoring, transfer (reference §1c, §1d).
	{ID: "post-consult", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult",
		Kind: KindConsult, Exists: true, Summary: "start or update a consult transfer"},
	{ID: "patch-consult", Method: "PATCH", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult",
		Kind: KindConsult, Exists: true, Body: ConsultTransferUpdate, Summary: "change who is speaking in a consult transfer"},
	{ID: "delete-consult", Method: "DELETE", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult",
		Kind: KindConsult, Exists: true, Summary: "cancel a consult transfer"},
	{ID: "post-consult-agent", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult/agent", Kind: KindConsult, Exists: true, Summary: "start a consult transfer to an agent"},
	{ID: "post-consult-queue", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult/queue", Kind: KindConsult, Exists: true, Summary: "start a consult transfer to a queue"},
	{ID: "post-consult-external", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult/external", Kind: KindConsult, Exists: true, Summary: "start a consult transfer to an external number"},
	{ID: "post-consult-contact", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/consult/contact/external", Kind: KindConsult, Exists: true, Summary: "start a consult transfer to an external contact"},
	{ID: "post-voice-consult", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/voice/consult", Kind: KindConsult, Exists: true, Summary: "start a voice consult"},
	{ID: "post-monitor", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/monitor", Kind: KindMonitor, Exists: true, Summary: "listen in on a participant"},
	{ID: "post-coach", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/coach", Kind: KindMonitor, Exists: true, Summary: "coach a participant"},
	{ID: "post-barge-participant", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/barge", Kind: KindMonitor, Exists: true, Summary: "barge into a participant's call"},
	{ID: "post-barge", Method: "POST", Path: "/api/v2/conversations/{conversationId}/barge", Kind: KindMonitor, Exists: true, Permissions: []string{"conversation:call:barge"}, Summary: "barge into the conversation"},
	{ID: "post-replace", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/replace", Kind: KindTransfer, Exists: true, Summary: "replace (blind-transfer) a participant"},
	{ID: "post-replace-agent", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/replace/agent", Kind: KindTransfer, Exists: true, Summary: "replace a participant with an agent"},
	{ID: "post-replace-queue", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/replace/queue", Kind: KindTransfer, Exists: true, Summary: "replace a participant with a queue"},
	{ID: "post-replace-external", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/replace/external", Kind: KindTransfer, Exists: true, Summary: "replace a participant with an external number"},
	{ID: "post-replace-contact", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/replace/contact/external", Kind: KindTransfer, Exists: true, Summary: "replace a participant with an external contact"},
	{ID: "post-transfer", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/transfer", Kind: KindTransfer, Exists: true, Summary: "transfer a participant"},
	{ID: "post-media-replace", Method: "POST", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}/replace", Media: MediaSegments, Kind: KindTransfer, Exists: true, Summary: "replace a participant (media-specific)"},
	{ID: "post-call-participants", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants", Kind: KindAdd, Exists: true, Summary: "add a participant to a call"},
	{ID: "post-call-participant-user", Method: "POST", Path: "/api/v2/conversations/calls/{conversationId}/participants/user/{userId}", Kind: KindAdd, Exists: true, Summary: "add a user to a call"},
	{ID: "post-assign", Method: "POST", Path: "/api/v2/conversations/{conversationId}/assign", Kind: KindTransfer, Exists: true, Summary: "assign the conversation to a user"},

	// Wrap-up (reference §1e).
	{ID: "get-participant-wrapup", Method: "GET", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/wrapup", Kind: KindWrapup, Exists: true, Summary: "read a participant's wrap-up"},
	{ID: "get-participant-wrapupcodes", Method: "GET", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/wrapupcodes", Kind: KindWrapup, Exists: true, Summary: "list a participant's wrap-up codes"},
	{ID: "post-communication-wrapup", Method: "POST", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}/communications/{communicationId}/wrapup",
		Media: append(append([]string{}, MediaSegments...), "screenshares", "social", "videos"), Kind: KindWrapup, Exists: true, Summary: "apply wrap-up to a communication"},
	{ID: "patch-aftercallwork", Method: "PATCH", Path: "/api/v2/conversations/aftercallwork/{conversationId}/participants/{participantId}/communications/{communicationId}", Kind: KindWrapup, Exists: true, Summary: "update after-call work"},

	// Reads (reference §2).
	{ID: "get-conversation", Method: "GET", Path: "/api/v2/conversations/{conversationId}", Kind: KindRead, Exists: true,
		Permissions: []string{"conversation:communication:view"}, Summary: "read a conversation (generic participants)"},
	{ID: "get-media-conversation", Method: "GET", Path: "/api/v2/conversations/{media}/{conversationId}", Media: MediaSegments, Kind: KindRead, Exists: true,
		Summary: "read a conversation in its media view (calls: flat CallMediaParticipant)"},
	{ID: "get-conversations", Method: "GET", Path: "/api/v2/conversations", Kind: KindRead, Exists: true, Summary: "list the logged-in user's active conversations"},
	{ID: "get-token-info", Method: "GET", Path: "/api/v2/tokens/me", Kind: KindRead, Exists: true, Summary: "return information about the token"},
	{ID: "post-create-call", Method: "POST", Path: "/api/v2/conversations/calls", Kind: KindAdd, Exists: true, Summary: "place a call (needs a user token)"},

	// Forum recipes that Genesys does not have.
	{ID: "forum-participant-disconnect", Method: "POST", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}/disconnect",
		Kind: KindParticipantUpdate, Summary: "a forum recipe: there is no per-participant disconnect action"},
	{ID: "forum-media-participant-disconnect", Method: "POST", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}/disconnect",
		Media: MediaSegments, Kind: KindParticipantUpdate, Summary: "a forum recipe: there is no per-participant disconnect action"},
	{ID: "forum-voice-participants", Method: "*", Path: "/api/v2/conversations/voice/participants",
		Kind: KindParticipantUpdate, Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"},
	{ID: "forum-voice-conversation-participants", Method: "*", Path: "/api/v2/conversations/voice/{conversationId}/participants",
		Kind: KindParticipantUpdate, Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"},
	{ID: "forum-voice-participant", Method: "*", Path: "/api/v2/conversations/voice/{conversationId}/participants/{participantId}",
		Kind: KindParticipantUpdate, Summary: "a forum recipe: there is no \"voice\" media segment (calls are /conversations/calls)"},
	{ID: "forum-delete-participant", Method: "DELETE", Path: "/api/v2/conversations/{conversationId}/participants/{participantId}",
		Kind: KindParticipantUpdate, Summary: "a participant cannot be deleted; it is ended with PATCH {\"state\":\"disconnected\"}"},
	{ID: "forum-delete-media-participant", Method: "DELETE", Path: "/api/v2/conversations/{media}/{conversationId}/participants/{participantId}",
		Media: MediaSegments, Kind: KindParticipantUpdate, Summary: "a participant cannot be deleted; it is ended with PATCH {\"state\":\"disconnected\"}"},
}

// EndpointByID returns the row with the id; it panics for an unknown id,
// which is a programmer error.
func EndpointByID(id string) *Endpoint {
	for i := range Endpoints {
		if Endpoints[i].ID == id {
			return &Endpoints[i]
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
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
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
	for i := range Endpoints {
		ep := &Endpoints[i]
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
	for i := range Endpoints {
		ep := &Endpoints[i]
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
	tsegs := SplitPath(ep.Path)
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
	for i := range Endpoints {
		ep := &Endpoints[i]
		if !ep.Exists || ep.Kind == KindRead && method != "GET" {
			continue
		}
		tsegs := SplitPath(ep.Path)
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
		for i := range Endpoints {
			ep := &Endpoints[i]
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
