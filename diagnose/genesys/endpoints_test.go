package genesys

import (
	"regexp"
	"strings"
	"testing"
)

func TestMatchRequest(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		id           string // matched row ("" none)
		params       map[string]string
		others       string // methods of the same path, joined
		suggest      string
	}{
		{"PATCH", "/api/v2/conversations/calls/c1/participants/p1", "patchConversationsCallParticipant", map[string]string{"conversationId": "c1", "participantId": "p1"}, "", ""},
		{"patch", "/api/v2/conversations/c1/participants/p1/", "patchConversationParticipant", map[string]string{"conversationId": "c1"}, "", ""},
		{"PATCH", "/api/v2/conversations/messages/c1/participants/p1/communications/m1", "patchConversationsMessageParticipantCommunication", map[string]string{"communicationId": "m1"}, "", ""},
		{"POST", "/api/v2/conversations/c1/disconnect?x=1", "postConversationDisconnect", nil, "", ""},
		{"PATCH", "/api/v2/conversations/calls/c1/conference", "patchConversationsCallConference", nil, "", ""},
		{"DELETE", "/api/v2/conversations/calls/c1/participants/p1/consult", "deleteConversationsCallParticipantConsult", nil, "", ""},
		{"POST", "/api/v2/conversations/voice/participants", "forum-voice-participants", nil, "", ""},
		{"GET", "/api/v2/conversations/voice/c1/participants/p1", "forum-voice-participant", nil, "", ""},
		{"POST", "/api/v2/conversations/c1/participants/p1/disconnect", "forum-participant-disconnect", nil, "", ""},
		{"DELETE", "/api/v2/conversations/calls/c1/participants/p1", "forum-delete-media-participant", nil, "", ""},
		{"PUT", "/api/v2/conversations/calls/c1/participants/p1", "", nil, "PATCH", ""},
		{"PATCH", "/api/v2/conversation/calls/c1/participants/p1", "", nil, "", "patchConversationsCallParticipant"},
		{"PATCH", "/api/v2/conversations/call/c1/participants/p1", "", nil, "", "patchConversationsCallParticipant"},
		{"PATCH", "/api/v2/conversations/videos/c1/participants/p1", "", nil, "", "patchConversationParticipant"},
		{"GET", "/api/v2/tokens/me", "getTokensMe", nil, "", ""},
		{"PATCH", "/api/v2/Conversations/Calls/c1/participants/p1", "patchConversationsCallParticipant", nil, "", ""},
	} {
		m := MatchRequest(tc.method, tc.path)
		got := ""
		if m.Endpoint != nil {
			got = m.Endpoint.ID
		}
		if got != tc.id {
			t.Errorf("%s %s matched %q, want %q", tc.method, tc.path, got, tc.id)
			continue
		}
		for k, v := range tc.params {
			if m.Params[k] != v {
				t.Errorf("%s %s: param %s = %q, want %q", tc.method, tc.path, k, m.Params[k], v)
			}
		}
		var others []string
		for _, o := range m.OtherMethods {
			others = append(others, o.Method)
		}
		if tc.others != "" && strings.Join(others, ",") != tc.others {
			t.Errorf("%s %s: other methods %v, want %s", tc.method, tc.path, others, tc.others)
		}
		if tc.suggest != "" && (m.Suggestion == nil || m.Suggestion.ID != tc.suggest) {
			t.Errorf("%s %s: suggestion %+v, want %s", tc.method, tc.path, m.Suggestion, tc.suggest)
		}
	}
	if m := MatchRequest("PATCH", "/api/v2/Conversations/calls/c/participants/p"); !m.CaseDiffers {
		t.Error("case difference not flagged")
	}
}

func TestEndpointTable(t *testing.T) {
	ids := map[string]bool{}
	for _, ep := range Endpoints() {
		if ids[ep.ID] {
			t.Errorf("duplicate endpoint id %s", ep.ID)
		}
		ids[ep.ID] = true
		if !strings.HasPrefix(ep.Path, "/api/v2/") {
			t.Errorf("%s: path %s", ep.ID, ep.Path)
		}
		if strings.Contains(ep.Path, "{media}") != (len(ep.Media) > 0) {
			t.Errorf("%s: {media} placeholder and Media list disagree", ep.ID)
		}
		if ep.Summary == "" {
			t.Errorf("%s: no summary", ep.ID)
		}
		if ep.Op == "" && ep.Body != nil && ep.Body.Acting() && ep.Reads() {
			t.Errorf("%s reads, yet its body acts", ep.ID)
		}
	}
	for id := range overlays {
		EndpointByID(id) // panics for an overlay of an operation the SDK does not have
	}
	if ep := EndpointByID("postConversationDisconnect"); ep.Body != nil || ep.BelievedBody == nil || ep.BelievedBody.TargetField().Name != "participantId" {
		t.Error("the teardown POST must document no body and carry the seed's believed contract")
	}
}

func TestRegions(t *testing.T) {
	for in, want := range map[string]string{
		"eu-central-1": "mypurecloud.de", "EU_CENTRAL_1": "mypurecloud.de", "mypurecloud.de": "mypurecloud.de",
		"api.usw2.pure.cloud": "usw2.pure.cloud", "https://api.mypurecloud.com.au/": "mypurecloud.com.au",
		"ap-southeast-1": "apse1.pure.cloud", "mx-central-1": "mxc1.pure.cloud", "us-east-2": "use2.us-gov-pure.cloud",
	} {
		r, err := LookupRegion(in)
		if err != nil || r.Domain != want {
			t.Errorf("LookupRegion(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	if _, err := LookupRegion("eu-centrl-1"); err == nil || !strings.Contains(err.Error(), `did you mean "eu-central-1"`) {
		t.Errorf("did-you-mean: %v", err)
	}
	if _, err := LookupRegion("mars-north-1"); err == nil || !strings.Contains(err.Error(), "known regions") {
		t.Errorf("unknown region: %v", err)
	}
	// The public regions are the SDK's, each with the SDK's domain.
	if len(RegionKeys()) != len(sdkRegionHosts) {
		t.Errorf("%d public regions, want the %d of the SDK %s: %v", len(RegionKeys()), len(sdkRegionHosts), SDKVersion, RegionKeys())
	}
	for key, domain := range sdkRegionHosts {
		if r, err := LookupRegion(key); err != nil || r.Domain != domain {
			t.Errorf("the SDK's region %s (%s): LookupRegion gives %v, %v", key, domain, r, err)
		}
	}
	r, _ := LookupRegion("eu-central-1")
	if r.APIBase() != "https://api.mypurecloud.de" || r.TokenURL() != "https://login.mypurecloud.de/oauth/token" {
		t.Errorf("%s %s", r.APIBase(), r.TokenURL())
	}
	if _, ok := IsAPIHost("login.mypurecloud.de"); ok {
		t.Error("the login host is not an API host")
	}
	if _, ok := IsAPIHost("api.mypurecloud.de:443"); !ok {
		t.Error("api host with port")
	}
}

// TestEveryOperationMatchesItself: each documented operation, with its
// placeholders filled in, matches a documented row of the same method and
// template (so none is ever called unknown), and the table covers the whole
// Conversations API of the SDK it was generated from.
func TestEveryOperationMatchesItself(t *testing.T) {
	n := 0
	for _, ep := range Endpoints() {
		if !ep.Exists {
			continue
		}
		if strings.HasPrefix(ep.Path, "/api/v2/conversations") || strings.HasPrefix(ep.Path, "/api/v2/analytics/conversations") {
			n++
		}
		path := placeholderRe.ReplaceAllString(ep.Path, "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f")
		m := MatchRequest(ep.Method, path)
		if m.Endpoint == nil || !m.Endpoint.Exists || m.Endpoint.Method != ep.Method || m.Endpoint.Path != ep.Path {
			t.Errorf("%s %s (%s) matched %+v", ep.Method, path, ep.ID, m.Endpoint)
		}
	}
	if n != SDKConversationsOperations {
		t.Errorf("%d operations of the Conversations API, want the %d of the SDK %s", n, SDKConversationsOperations, SDKVersion)
	}
	if ep := EndpointByID("patchConversationsCallParticipant"); ep.Op != "" || ep.Body != MediaParticipantRequest || !ep.NeedsUser {
		t.Errorf("the calls participant PATCH: %+v", ep)
	}
	if ep := EndpointByID("patchConversationParticipant"); ep.Op != "" || ep.Body != MediaParticipantRequest || ep.NeedsUser || ep.Success != 202 {
		t.Errorf("the generic participant PATCH: %+v", ep)
	}
}

// TestEndpointOperations: the rows that always perform one operation are
// classified by their method and path, and the rest act through their
// bodies or not at all.
func TestEndpointOperations(t *testing.T) {
	for id, want := range map[string]Op{
		"postConversationDisconnect":                             OpTeardown,
		"deleteConversation":                                     OpTeardown,
		"postConversationsCallParticipantCommunicationWrapup":    OpWrapup,
		"postConversationsMessageParticipantCommunicationWrapup": OpWrapup,
		"patchConversationParticipantAttributes":                 OpAttributes,
		"patchConversationsCallParticipantAttributes":            OpAttributes,
		"patchConversationRecordingstate":                        OpRecordingState,
		"putConversationsCallRecordingstate":                     OpRecordingState,
		"postConversationParticipantReplace":                     OpTransfer,
		"postConversationParticipantReplaceQueue":                OpTransfer,
		"postConversationParticipantTransfer":                    OpTransfer,
		"postConversationsCallParticipantReplace":                OpTransfer,
		"postConversationsCallParticipantVoiceConsult":           OpConsult,
		"postConversationsCallParticipantConsultAgent":           OpConsult,
		"patchConversationsCallParticipantConsult":               OpConsultSpeakTo,
		"deleteConversationsCallParticipantConsult":              OpConsultCancel,
		"postConversationsCallParticipants":                      OpConferenceAdd,
		"patchConversationsCallConference":                       OpConferenceAdd,
		"postConversationParticipantCallbacks":                   OpCallback,
		"patchConversationsCallbacks":                            OpCallback,
		"getConversationParticipantWrapup":                       "",
		"getAnalyticsConversationDetails":                        "",
		"postConversationsCallParticipantMonitor":                "",
		"patchConversationParticipant":                           "",
		"patchConversationsCall":                                 "",
	} {
		if ep := EndpointByID(id); ep.Op != want {
			t.Errorf("%s performs %q, want %q", id, ep.Op, want)
		}
	}
	if ep := EndpointByID("postConversationParticipantReplace"); !ep.Deprecated || len(ep.Successors) == 0 {
		t.Errorf("the generic replace is deprecated with successors: %+v", ep.Successors)
	}
	for _, op := range Ops {
		n := 0
		for i := range Endpoints() {
			ep := &Endpoints()[i]
			if !ep.Exists {
				continue
			}
			if ep.Op == op || ep.Body != nil && len(ep.Body.FieldsFor(op)) > 0 {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no documented endpoint performs %s", op)
		}
	}
}

// TestActions: what a participant PATCH does is read from its fields, each
// field naming its operation; a value the field does not take names the
// operation it most resembles; the communication PATCH only disconnects.
func TestActions(t *testing.T) {
	patch := EndpointByID("patchConversationParticipant")
	comm := EndpointByID("patchConversationsCallParticipantCommunication")
	ops := func(as []Action) string {
		var s []string
		for _, a := range as {
			w := string(a.Op) + "(" + a.Field
			if a.Invalid {
				w += ",invalid"
			}
			if a.Unsupported {
				w += ",unsupported"
			}
			s = append(s, w+")")
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		ep   *Endpoint
		body string
		want string
	}{
		{patch, `{"state":"disconnected"}`, "disconnect(state)"},
		{patch, `{"state":"connected"}`, "answer(state)"},
		{patch, `{"held":true}`, "hold(held)"},
		{patch, `{"held":false,"muted":true}`, "unhold(held) mute(muted)"},
		{patch, `{"state":"disconnect"}`, "disconnect(state,invalid)"},
		{patch, `{"state":"connect"}`, "answer(state,invalid)"},
		{patch, `{"held":"true"}`, "hold(held,invalid)"},
		{patch, `{"state":"disconnected","wrapup":{"code":"c"}}`, "disconnect(state) wrapup(wrapup)"},
		{patch, `{"resumeTime":"2026-01-01T00:00:00Z","reason":"x"}`, ""},
		{patch, `not json`, ""},
		{patch, `{"held":true,"held":false}`, "unhold(held)"},
		{comm, `{"state":"disconnected"}`, "disconnect(state)"},
		{comm, `{"held":true}`, "hold(held,unsupported)"},
		{EndpointByID("postConversationDisconnect"), `{"participantId":"x"}`, "teardown()"},
		{EndpointByID("patchConversationsCall"), `{"state":"disconnected"}`, "teardown(state)"},
		{EndpointByID("patchConversationsCall"), `{"recordingState":"PAUSED"}`, "recording-state(recordingState)"},
	} {
		if got := ops(c.ep.Actions([]byte(c.body))); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.ep.ID, c.body, got, c.want)
		}
	}
}

var placeholderRe = regexp.MustCompile(`\{[A-Za-z]+\}`)

// TestOpOfEndpointAsTheRegexps: the templates opOfEndpoint compares as
// strings name the operations the regular expressions it replaced named,
// on every row of the table and on every media variant of each template.
func TestOpOfEndpointAsTheRegexps(t *testing.T) {
	const (
		media = `(calls|callbacks|chats|cobrowsesessions|emails|messages|screenshares|socials|videos)`
		conv  = `/api/v2/conversations/(` + media + `/)?\{conversationId\}`
		part  = conv + `/participants/\{participantId\}`
	)
	was := []struct {
		method string
		re     *regexp.Regexp
		op     Op
	}{
		{"POST", regexp.MustCompile(`^/api/v2/conversations/\{conversationId\}/disconnect$`), OpTeardown},
		{"DELETE", regexp.MustCompile(`^/api/v2/conversations/\{conversationId\}$`), OpTeardown},
		{"PATCH", regexp.MustCompile(`^/api/v2/conversations/\{conversationId\}/recordingstate$`), OpRecordingState},
		{"PUT", regexp.MustCompile(`^` + conv + `/recordingstate$`), OpRecordingState},
		{"POST", regexp.MustCompile(`^` + part + `/communications/\{communicationId\}/wrapup$`), OpWrapup},
		{"PATCH", regexp.MustCompile(`^/api/v2/conversations/aftercallwork/\{conversationId\}/participants/\{participantId\}/communications/\{communicationId\}$`), OpWrapup},
		{"PATCH", regexp.MustCompile(`^` + part + `/attributes$`), OpAttributes},
		{"POST", regexp.MustCompile(`^` + part + `/(replace(/agent|/queue|/external|/contact/external)?|transfer)$`), OpTransfer},
		{"POST", regexp.MustCompile(`^` + part + `/(consult(/agent|/queue|/external|/contact/external)?|voice/consult)$`), OpConsult},
		{"PATCH", regexp.MustCompile(`^` + part + `/consult$`), OpConsultSpeakTo},
		{"DELETE", regexp.MustCompile(`^` + part + `/consult$`), OpConsultCancel},
		{"POST", regexp.MustCompile(`^/api/v2/conversations/calls/\{conversationId\}/participants(/user/\{userId\})?$`), OpConferenceAdd},
		{"PATCH", regexp.MustCompile(`^/api/v2/conversations/calls/\{conversationId\}/conference$`), OpConferenceAdd},
		{"POST", regexp.MustCompile(`^/api/v2/conversations/\{conversationId\}/participants/\{participantId\}/callbacks$`), OpCallback},
		{"PATCH", regexp.MustCompile(`^/api/v2/conversations/callbacks$`), OpCallback},
		{"POST", regexp.MustCompile(`^/api/v2/conversations/callbacks$`), OpCallback},
	}
	opWas := func(method, path string) Op {
		for _, p := range was {
			if p.method == method && p.re.MatchString(path) {
				return p.op
			}
		}
		return ""
	}
	paths := map[string]bool{}
	for _, op := range sdkOperations {
		paths[op.Path] = true
		if rest, ok := cutConversation(op.Path); ok {
			paths["/api/v2/conversations/{conversationId}"+rest] = true
			for _, m := range append(opMedia, "voice", "Calls") {
				paths["/api/v2/conversations/"+m+"/{conversationId}"+rest] = true
			}
		}
	}
	for _, r := range forumRecipes {
		paths[r.Path] = true
	}
	named := 0
	for path := range paths {
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "*"} {
			got, want := opOfEndpoint(method, path), opWas(method, path)
			if got != want {
				t.Errorf("%s %s: %q, the regexps said %q", method, path, got, want)
			}
			if got != "" {
				named++
			}
		}
	}
	if named < 40 {
		t.Errorf("only %d method and template pairs perform an operation of their own", named)
	}
}

// BenchmarkBuildEndpoints is what the endpoint table costs the first
// command that matches a request (it used to cost every command at
// start-up, with 16 regular expressions compiled to build it).
//
//	go test ./diagnose/genesys -run '^$' -bench BuildEndpoints
func BenchmarkBuildEndpoints(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(buildEndpoints()) != len(Endpoints()) {
			b.Fatal("the table differs from one build to the next")
		}
	}
}
