package checks

import (
	"fmt"
	"net"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// RequestLine is the first check: is the method and path a Genesys
// endpoint, current or deprecated, for the conversation's media, on a
// Genesys API host of the org's region?
var RequestLine = &diagnose.Check{
	ID:    "request-line",
	Title: "Request line",
	Doc:   "Method, host and path: a documented Genesys operation, current or deprecated? the media segment of the conversation? a Genesys API host of the org's region?",
	Causes: []*diagnose.CauseInfo{causeEndpointUnknown, causeEndpointDeprecated, causeEndpointWrongOperation, causeEndpointMediaMismatch,
		causeEndpointWrongRegion, causeEndpointNonGenesysHost, causeEndpointTargetMismatch},
	Run: runRequestLine,
}

// The causes request-line reports (stable ids: add, never rename).
var (
	causeEndpointUnknown = &diagnose.CauseInfo{ID: "endpoint.unknown",
		Title:     "Endpoint that Genesys does not have",
		Meaning:   "The method and path are not an operation of the Genesys Cloud API: a recipe that circulates on forums (/conversations/voice/participants, POST .../participants/{id}/disconnect, DELETE on a participant), a method the path does not take, or a misspelled path. The endpoint table holds every operation of the official API definition, so a documented operation is never called unknown.",
		Detection: "request-line matches the request against the endpoint table, generated from the official SDK's API definition; forum recipes are listed as rows that do not exist, and a path that exists with other methods names them.",
		Remedy:    "Use the documented request of the operation meant (for a drop, the participant PATCH with {\"state\":\"disconnected\"}).",
		Confirm:   "The Genesys API Explorer or `gc <operation> --help` lists the endpoint; the corrected request gets a 2xx.",
	}
	causeEndpointDeprecated = &diagnose.CauseInfo{ID: "endpoint.deprecated",
		Title:     "Deprecated operation",
		Meaning:   "The operation is deprecated in the API definition (the generic .../participants/{pid}/replace and .../replace/external since 2026-03-27, the plain consult POST and .../consult/external, ACD web chat) or retired. Genesys said the deprecated replace and consult operations are not removed while they have usage, so a deprecated operation that answers an error usually fails for another reason; the successor is where new code should go.",
		Detection: "request-line reads the @deprecated mark of the official SDK's operation (the endpoint table is generated from it) and the successors the deprecation names.",
		Remedy:    "Use the successor the deprecation names (.../transfer, .../replace/agent, .../replace/queue, .../replace/contact/external; .../voice/consult, .../consult/agent, .../consult/queue, .../consult/contact/external), keeping the same destination.",
		Confirm:   "The successor answers 2xx with the same destination.",
	}
	causeEndpointMediaMismatch = &diagnose.CauseInfo{ID: "endpoint.media-mismatch",
		Title:        "Media-specific path for a conversation of another media type",
		Meaning:      "The path names a media type (/conversations/calls/..., /conversations/messages/...) that is not the conversation's: a messaging conversation addressed through /calls, say. The media-specific endpoints serve only their own media.",
		Detection:    "request-line compares the path's media segment with the media arrays the conversation's participants have (calls[], messages[], ...).",
		Remedy:       "Use the path of the conversation's media type, or the generic /api/v2/conversations/{id}/participants/{pid} which serves every media.",
		Confirm:      "GET /api/v2/conversations/{id} shows which media arrays the participants have; the corrected path gets a 2xx.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationNotFound, causeConversationIDMismatch},
	}
	causeEndpointWrongRegion = &diagnose.CauseInfo{ID: "endpoint.wrong-region",
		Title:     "Request sent to another region's API host",
		Meaning:   "The request went to the API host of one region while the org lives in another region. Each region is a separate cloud: tokens and ids from one are unknown in the other, so the request gets 401 (a token of the other region's login host) or 404.",
		Detection: "request-line compares the request's host with the org's region: the region given explicitly (--region, GENESYSCLOUD_REGION, a --profile), the region of the token's login host, or the region where a live check found the conversation.",
		Remedy:    "Send the request to https://api.<domain> of the org's region (and fetch the token from https://login.<domain>).",
		Confirm:   "GET /api/v2/tokens/me against the right region names the org; the corrected request gets a 2xx.",
	}
	causeEndpointNonGenesysHost = &diagnose.CauseInfo{ID: "endpoint.non-genesys-host",
		Title:     "Request sent to a host that is not a Genesys API host",
		Meaning:   "The request did not go to api.<region domain>. A gateway, proxy or mock in between may rewrite the path, drop or alter the body, or answer itself, so the status seen may not be Genesys's. A response without the marks of Genesys (the ININ-Correlation-Id and inin-ratelimit-* headers, the Genesys error body) was produced by the gateway: Genesys never saw the request.",
		Detection: "request-line compares the host with the API hosts of the region table (reference §5), and reads the response for the marks of Genesys.",
		Remedy:    "Send the request straight to https://api.<region domain>, or check what the gateway forwards and answers.",
		Confirm:   "A Genesys response carries an ININ-Correlation-Id header; compare the request the gateway forwards with the one sent.",
	}
	causeEndpointTargetMismatch = &diagnose.CauseInfo{ID: "endpoint.target-mismatch",
		Title:     "Path names another participant than the one meant",
		Meaning:   "The participant id in the path is not the participant the caller said they meant (--participant).",
		Detection: "request-line compares the {participantId} path parameter with --participant after normalising both.",
		Remedy:    "Put the id of the participant meant in the path.",
		Confirm:   "The corrected request acts on the intended participant.",
	}
)

// RequestFacts is what request-line established, for later checks and the
// conclusion. Known is false when no request line was given: then only the
// conversation id and the API base are known.
type RequestFacts struct {
	Known    bool
	Line     diagnose.RequestLine
	Match    genesys.Match
	Endpoint *genesys.Endpoint // nil when the request matched no existing endpoint
	// Recipe is the forum-recipe row matched, if any.
	Recipe *genesys.Endpoint
	// ConversationID is the conversation the request targets (path, else
	// --conversation).
	ConversationID string
	// PathParticipant is the {participantId} of the path, decoded.
	PathParticipant string
	// Segment is the path's media segment, "" for generic paths.
	Segment string
	// BaseURL is the API base for fixes ("" when unknown).
	BaseURL string
	// Region is the org's region when the evidence shows it (explicit,
	// the token's login host, or where a live check found the
	// conversation), RegionWhy how it shows it.
	Region    *genesys.Region
	RegionWhy string
	// Faulty is set when request-line found a likely or confirmed cause:
	// a cause of the request itself may explain the response.
	Faulty bool
}

const srcRequest = "request line"

func runRequestLine(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	rf := &RequestFacts{ConversationID: ev.ConversationID}
	rf.Region, rf.RegionWhy = orgRegion(ev)
	if !ev.Request.Known() {
		rf.BaseURL = defaultBase(ev, rf)
		p.Skip("no request line was given, so the endpoint is not judged: give --request 'METHOD URL' (or --curl, --har)")
		return rf, nil
	}
	line, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		p.Set(diagnose.StatusFail, "the request line cannot be read: %v", err)
		return nil, nil
	}
	rf.Known, rf.Line = true, line
	p.Saw(srcRequest, "", line.Method+" "+ev.Request.URL)
	if line.Query != "" {
		p.Detail("query string %q ignored: none of these endpoints takes query parameters that change the outcome", line.Query)
	}
	readPath(p, rf)
	hostJudgement(p, rf)
	endpointJudgement(p, rf)
	mediaJudgement(p, rf)
	targetJudgement(p, rf)
	reportErrorBody(p)
	rf.Faulty = p.Found()

	switch {
	case rf.Endpoint != nil:
		p.Summary("%s %s: %s", rf.Endpoint.Method, rf.Endpoint.Path, rf.Endpoint.Summary)
	case rf.Recipe != nil:
		p.Summary("%s %s: %s", line.Method, line.Path, rf.Recipe.Summary)
	default:
		p.Summary("%s %s: not a documented Genesys operation", line.Method, line.Path)
	}
	return rf, nil
}

// readPath matches the path against the endpoint table and reads its
// conversation, participant and media segment.
func readPath(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	m := genesys.MatchRequest(rf.Line.Method, rf.Line.Path)
	rf.Match = m
	switch {
	case m.Endpoint != nil && m.Endpoint.Exists:
		rf.Endpoint = m.Endpoint
	case m.Endpoint != nil:
		rf.Recipe = m.Endpoint
	}
	if id := m.Params["conversationId"]; id != "" && !isPlaceholder(id) {
		rf.ConversationID = id
	}
	rf.PathParticipant = m.Params["participantId"]
	rf.Segment = strings.ToLower(m.Params["media"])
	if rf.Segment == "" {
		if segs := genesys.SplitPath(rf.Line.Path); len(segs) > 3 && strings.EqualFold(segs[2], "conversations") {
			for _, s := range genesys.MediaSegments {
				if strings.EqualFold(segs[3], s) {
					rf.Segment = s
				}
			}
		}
	}
	if ev.ConversationID != "" && m.Params["conversationId"] != "" && !isPlaceholder(m.Params["conversationId"]) &&
		!strings.EqualFold(strings.TrimSpace(ev.ConversationID), strings.TrimSpace(m.Params["conversationId"])) {
		p.Saw("flag --conversation", "", ev.ConversationID)
		p.Detail("the path targets conversation %s but --conversation says %s; judging the path (what was sent)", m.Params["conversationId"], ev.ConversationID)
	}
}

func isPlaceholder(s string) bool { return NormalizeID(s).Placeholder }

// orgRegion is the org's region as the evidence shows it, and how.
func orgRegion(ev *diagnose.Evidence) (*genesys.Region, string) {
	if ev.Region != "" {
		if r, err := genesys.LookupRegion(ev.Region); err == nil {
			from := ev.RegionFrom
			if from == "" {
				from = "the region given"
			}
			return &r, fmt.Sprintf("%s says %s", from, ev.Region)
		}
	}
	if ev.Mode == diagnose.ModeLive {
		if r, ok := genesys.RegionForHost(hostOf(ev.APIBase)); ok && ev.Conversation != nil {
			return &r, "the live check found the conversation at " + ev.APIBase
		}
	}
	if ev.Auth != nil && ev.Auth.Error == "" {
		if r, ok := genesys.RegionForHost(hostOf(ev.Auth.TokenURL)); ok {
			return &r, "the token came from " + hostOf(ev.Auth.TokenURL)
		}
	}
	return nil, ""
}

func hostOf(rawURL string) string {
	s := rawURL
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return s
}

// defaultBase is the API base of fixes when the request's own host does
// not give one: the org's region, else a live check's base.
func defaultBase(ev *diagnose.Evidence, rf *RequestFacts) string {
	if rf.Region != nil {
		return rf.Region.APIBase()
	}
	if ev.Mode == diagnose.ModeLive && ev.APIBase != "" && !ev.Simulated {
		return ev.APIBase
	}
	return ""
}

// endpointJudgement reports endpoint.unknown and endpoint.deprecated.
func endpointJudgement(p *diagnose.Pass, rf *RequestFacts) {
	m := rf.Match
	ref := diagnose.Ref{Source: srcRequest, Value: rf.Line.Method + " " + rf.Line.Path}
	if m.CaseDiffers {
		p.Detail("the path differs from the documented one only in letter case; Genesys paths are lower case")
	}
	fix := func() *diagnose.Fix { return newFix(upperFirst(opWords(p).Phrase()) + " with the documented request") }
	switch {
	case rf.Recipe != nil:
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is %s. It is not in the Genesys API definition; the server answers it with an error whatever the body says.", rf.Line.Method, rf.Line.Path, rf.Recipe.Summary),
			Fix:         fix()})
		return
	case rf.Endpoint == nil && len(m.OtherMethods) > 0:
		var ms []string
		for _, o := range m.OtherMethods {
			ms = append(ms, o.Method)
		}
		f := fix()
		if len(m.OtherMethods) == 1 {
			f = newFix(fmt.Sprintf("Send it as %s %s", m.OtherMethods[0].Method, m.OtherMethods[0].Path))
		}
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s does not take %s; the API definition has only %s on this path (%s).", m.OtherMethods[0].Path, rf.Line.Method, strings.Join(ms, ", "), m.OtherMethods[0].Summary),
			Fix:         f})
		return
	case rf.Endpoint == nil:
		unknownPath(p, rf, ref)
		return
	}
	ep := rf.Endpoint
	p.RuleOut(causeEndpointUnknown, "%s %s is a documented operation (%s, SDK %s)", ep.Method, ep.Path, ep.ID, genesys.SDKVersion)
	if !ep.Deprecated {
		p.RuleOut(causeEndpointDeprecated, "%s %s is current in the API definition (SDK %s)", ep.Method, ep.Path, genesys.SDKVersion)
		return
	}
	var succ []string
	for _, id := range ep.Successors {
		s := genesys.EndpointByID(id)
		succ = append(succ, s.Method+" "+s.Path)
	}
	expl := fmt.Sprintf("%s %s (%s) is deprecated in the API definition (SDK %s).", ep.Method, ep.Path, ep.ID, genesys.SDKVersion)
	if len(succ) > 0 {
		expl += " Its successors: " + strings.Join(succ, ", ") + "."
	}
	l := diagnose.Possible
	refs := []diagnose.Ref{ref, {Source: "endpoint table", Path: ep.ID, Value: "deprecated"}}
	if gone(p.Evidence) {
		// The server says the operation is not there: a deprecated one
		// removed (DESIGN §4: possible unless the response says so).
		l = diagnose.Likely
		expl += " The server answered 404 that the operation was not found: it is gone for this org; use the successor."
		refs = append(refs, diagnose.Ref{Source: "response", Path: "status", Value: "404"})
	} else {
		expl += " Genesys keeps deprecated operations while they have usage, so this alone is unlikely to be why it failed; new code should use the successor."
	}
	p.Report(diagnose.Cause{Info: causeEndpointDeprecated, Likelihood: l,
		Evidence:    refs,
		Explanation: expl,
		Fix:         newFix("Use the successor operation, with the same destination")})
}

// gone reports whether the response says the operation itself was not
// found: a 404 whose error is about the resource (not.found "The requested
// operation was not found"), not about a conversation or participant.
func gone(ev *diagnose.Evidence) bool {
	r := ev.Response
	if r == nil || r.Status != 404 {
		return false
	}
	eb := r.ErrorBody()
	if eb == nil {
		return false
	}
	code, msg := strings.ToLower(eb.Code), strings.ToLower(eb.Message)
	return (code == "not.found" || code == "resource.not.found" || code == "general.resource.not.found") && strings.Contains(msg, "operation") ||
		strings.Contains(msg, "requested operation was not found")
}

// unknownPath judges a path that matched no row.
func unknownPath(p *diagnose.Pass, rf *RequestFacts, ref diagnose.Ref) {
	path := rf.Line.Path
	suggest := ""
	if s := rf.Match.Suggestion; s != nil {
		suggest = fmt.Sprintf("; the closest documented operation is %s %s (%s)", s.Method, s.Path, s.Summary)
	}
	fix := newFix(upperFirst(opWords(p).Phrase()) + " with the documented request")
	switch {
	case !strings.HasPrefix(path, "/api/v2/"):
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is not a Genesys Cloud operation: every Platform API path starts with /api/v2/%s.", rf.Line.Method, path, suggest), Fix: fix})
	case inConversationsAPI(path):
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is not an operation of the Conversations API as the official API definition lists it (SDK %s, %d operations)%s. An operation newer than that definition is possible but unlikely.", rf.Line.Method, path, genesys.SDKVersion, conversationOps(), suggest), Fix: fix})
	default:
		p.RuleOut(causeEndpointUnknown, "%s is outside the Conversations API, which is all convdiag knows: whether it exists is not judged", path)
		p.Report(diagnose.Cause{Info: causeEndpointWrongOperation, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is not an operation of the Conversations API, so it does not %s (whether it exists elsewhere in the API is not judged).", rf.Line.Method, path, opWords(p).Phrase()), Fix: fix})
	}
}

func inConversationsAPI(path string) bool {
	return strings.HasPrefix(strings.ToLower(path), "/api/v2/conversations") || strings.HasPrefix(strings.ToLower(path), "/api/v2/analytics/conversations")
}

// conversationOps counts the documented operations of the Conversations API.
func conversationOps() int {
	n := 0
	table := genesys.Endpoints()
	for i := range table {
		if ep := &table[i]; ep.Exists && inConversationsAPI(ep.Path) {
			n++
		}
	}
	return n
}

// mediaJudgement reports endpoint.media-mismatch.
func mediaJudgement(p *diagnose.Pass, rf *RequestFacts) {
	conv := p.Evidence.Conv()
	if rf.Segment == "" {
		if rf.Endpoint != nil && conv != nil && rf.Endpoint.Op != genesys.OpTeardown {
			p.RuleOut(causeEndpointMediaMismatch, "the path is the generic one, which serves every media (the conversation is %s)", orDash(conv.Media))
		}
		return
	}
	if conv == nil {
		p.Detail("media segment %q not compared: no conversation evidence", rf.Segment)
		return
	}
	src := conv.GenericSource
	if conv.Generic == nil {
		src = conv.CallSource
	}
	if conv.Media == "" {
		p.Detail("media segment %q not compared: the conversation's participants have no communications", rf.Segment)
		return
	}
	if conv.Segment == rf.Segment {
		p.RuleOut(causeEndpointMediaMismatch, "the path's media segment %q matches the conversation's media (%s)", rf.Segment, conv.Media)
		return
	}
	want := conv.Segment
	alt := "the generic /api/v2/conversations/{id}/participants/{pid}"
	if want != "" {
		alt = "/api/v2/conversations/" + want + "/... or " + alt
	}
	p.Report(diagnose.Cause{Info: causeEndpointMediaMismatch, Likelihood: diagnose.Confirmed,
		Evidence: []diagnose.Ref{
			{Source: srcRequest, Path: "media segment", Value: rf.Segment},
			{Source: src, Path: "participants[].*", Value: "media " + conv.Media},
		},
		Explanation: fmt.Sprintf("The path addresses a %s conversation (/conversations/%s/...) but conversation %s is a %s conversation; the media-specific endpoints serve only their own media. Use %s.", strings.TrimSuffix(rf.Segment, "s"), rf.Segment, conv.ID, conv.Media, alt),
		Fix:         newFix("Send the request to the path of the conversation's media")})
}

// hostJudgement reports endpoint.wrong-region and endpoint.non-genesys-host
// and decides the API base for fixes.
func hostJudgement(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	host := rf.Line.Host
	if host == "" {
		rf.BaseURL = defaultBase(ev, rf)
		p.Detail("the request line is a path without a host: the host is not judged")
		return
	}
	ref := p.Saw(srcRequest, "host", host)
	if r, ok := genesys.IsAPIHost(host); ok {
		rf.BaseURL = "https://" + strings.ToLower(host)
		p.RuleOut(causeEndpointNonGenesysHost, "%s is the API host of %s", host, r)
		regionJudgement(p, rf, r, ref)
		return
	}
	if isLoopback(host) && ev.Mode == diagnose.ModeLive && strings.Contains(ev.APIBase, host) && !ev.Simulated {
		rf.BaseURL = ev.APIBase
		p.Detail("the request went to the API base of this live check (%s)", host)
		return
	}
	rf.BaseURL = defaultBase(ev, rf)
	if r, ok := genesys.RegionForHost(host); ok {
		rf.BaseURL = r.APIBase()
		p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s belongs to %s but is not its API host; the Platform API is served at api.%s (login.%s only issues tokens).", host, r, r.Domain, r.Domain),
			Fix:         newFix("Send the request to the API host " + r.APIBase())})
		return
	}
	gatewayJudgement(p, host, ref)
}

// regionJudgement compares the API host's region with the org's.
func regionJudgement(p *diagnose.Pass, rf *RequestFacts, hostRegion genesys.Region, ref diagnose.Ref) {
	ev := p.Evidence
	org := rf.Region
	if org == nil {
		return
	}
	if org.Domain == hostRegion.Domain {
		p.RuleOut(causeEndpointWrongRegion, "the request's host is in %s, the org's region (%s)", hostRegion, rf.RegionWhy)
		return
	}
	l := diagnose.Likely
	seen := ""
	if s := ev.Response; s != nil && (s.Status == 401 || s.Status == 404) {
		l = diagnose.Confirmed
		seen = fmt.Sprintf(" The %d it got is what another region answers: it does not know the org's token or ids.", s.Status)
	}
	rf.BaseURL = org.APIBase()
	p.Report(diagnose.Cause{Info: causeEndpointWrongRegion, Likelihood: l,
		Evidence:    []diagnose.Ref{ref, {Source: "org region", Value: rf.RegionWhy}},
		Explanation: fmt.Sprintf("The request went to %s, the API host of %s, but the org is in %s (%s). Each region is a separate cloud: tokens and ids of one are unknown in another.%s", rf.Line.Host, hostRegion, org, rf.RegionWhy, seen),
		Fix:         newFix("Send the request to " + org.APIBase() + ", the API host of the org's region, with a token from " + org.TokenURL())})
}

// gatewayJudgement judges a host that belongs to no Genesys region: a
// gateway or proxy. The response says whether Genesys ever saw the request.
func gatewayJudgement(p *diagnose.Pass, host string, ref diagnose.Ref) {
	resp := p.Evidence.Response
	markers := resp.GenesysMarkers()
	switch {
	case resp != nil && resp.Status >= 400 && len(markers) == 0 && (resp.HeadersKnown || len(resp.Body) > 0):
		what := "the response carries no ININ-Correlation-Id header and its body is not a Genesys error body"
		if !resp.HeadersKnown {
			what = "its body is not a Genesys error body (no code with a status or contextId), and no response headers were given to show an ININ-Correlation-Id"
		}
		p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Likely,
			Evidence:    []diagnose.Ref{ref, {Source: "response", Path: "Genesys marks", Value: "(none)"}},
			Explanation: fmt.Sprintf("%s is not the API host of any Genesys Cloud region, and the %d did not come from Genesys: %s. The gateway answered; Genesys most likely never saw the request, so nothing about the participant can be read from this answer.", host, resp.Status, what),
			Fix:         newFix("Send the request straight to https://api.<region domain>, or ask the gateway's owners what it answered and why")})
	case len(markers) > 0:
		p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Possible,
			Evidence:    []diagnose.Ref{ref, {Source: "response", Path: "Genesys marks", Value: strings.Join(markers, ", ")}},
			Explanation: fmt.Sprintf("%s is not the API host of any Genesys Cloud region, but Genesys answered (%s): the gateway forwarded the request. It may still have rewritten the path or the body on the way.", host, strings.Join(markers, ", ")),
			Fix:         newFix("Compare what the gateway forwards with what was sent, or send the request straight to https://api.<region domain>")})
	default:
		p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s is not the API host of any Genesys Cloud region (api.<region domain>, e.g. api.mypurecloud.com). A gateway, proxy or mock in between may rewrite the path, drop the body, or answer itself, so the status seen may not come from Genesys.", host),
			Fix:         newFix("Send the request straight to https://api.<region domain>, or check what the gateway forwards")})
	}
}

func isLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// targetJudgement reports endpoint.target-mismatch: the path names another
// participant than --participant.
func targetJudgement(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	if rf.PathParticipant == "" || ev.ParticipantID == "" || isPlaceholder(rf.PathParticipant) {
		return
	}
	a, b := NormalizeID(rf.PathParticipant).Key(), NormalizeID(ev.ParticipantID).Key()
	if strings.EqualFold(a, b) {
		p.RuleOut(causeEndpointTargetMismatch, "the path names the participant given by --participant")
		return
	}
	p.Report(diagnose.Cause{Info: causeEndpointTargetMismatch, Likelihood: diagnose.Confirmed,
		Evidence:    []diagnose.Ref{{Source: srcRequest, Path: "{participantId}", Value: rf.PathParticipant}, {Source: "flag --participant", Value: ev.ParticipantID}},
		Explanation: fmt.Sprintf("The path targets participant %s but the participant meant is %s.", rf.PathParticipant, ev.ParticipantID),
		Fix:         newFix("Put the id of the participant to " + opWords(p).Verb + " in the path")})
}
