package checks

import (
	"bytes"
	"fmt"
	"net"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// RequestLine is the first check: is the method and path a Genesys endpoint,
// the right one for dropping one participant, for the conversation's media,
// on a Genesys API host?
var RequestLine = &diagnose.Check{
	ID:     "request-line",
	Title:  "Request line",
	Doc:    "Method, host and path: a known Genesys endpoint? the whole-conversation teardown? the media segment of the conversation? a Genesys API host for the region?",
	Causes: []*diagnose.CauseInfo{causeEndpointFullTeardown, causeEndpointUnknown, causeEndpointMediaMismatch, causeEndpointWrongRegion, causeEndpointNonGenesysHost, causeEndpointTargetMismatch},
	Run:    runRequestLine,
}

// The causes request-line reports (stable ids: add, never rename).
var (
	causeEndpointFullTeardown = &diagnose.CauseInfo{ID: "endpoint.full-teardown",
		Title:     "Whole-conversation teardown used to drop one participant",
		Meaning:   "The request went to an endpoint that ends the whole conversation (POST /api/v2/conversations/{id}/disconnect, DELETE /api/v2/conversations/{id}, or PATCH on the whole conversation) while the caller meant to drop one participant. The public reference documents POST .../disconnect as a body-less recovery tool that disconnects every connected medium and gives wrap-up to anyone who owes it; a participant id in its body is not part of its contract.",
		Detection: "request-line matches the method and path against the endpoint table; the endpoint's kind is conversation-teardown and a participant was targeted (--participant, or a participant id in the body).",
		Remedy:    "Drop the one participant with PATCH /api/v2/conversations/{media}/{conversationId}/participants/{participantId} (or the generic /api/v2/conversations/{conversationId}/participants/{participantId}) and the body {\"state\":\"disconnected\"}.",
		Confirm:   "Send the PATCH; expect a 2xx (202 is commonly reported), then GET the conversation again: the participant's communications show state \"disconnected\" and the rest of the conversation is still up.",
	}
	causeEndpointUnknown = &diagnose.CauseInfo{ID: "endpoint.unknown",
		Title:     "Endpoint that Genesys does not have",
		Meaning:   "The method and path are not a Genesys Cloud endpoint: a recipe that circulates on forums (/conversations/voice/participants, POST .../participants/{id}/disconnect, DELETE on a participant), a method the path does not take, or a misspelled path.",
		Detection: "request-line matches the request against the endpoint table (reference §1); forum recipes are listed there as rows that do not exist, and a path that exists with other methods names them.",
		Remedy:    "Use the documented participant PATCH with {\"state\":\"disconnected\"}.",
		Confirm:   "The Genesys API Explorer or `gc <operation> --help` lists the endpoint; the corrected request gets a 2xx.",
	}
	causeEndpointMediaMismatch = &diagnose.CauseInfo{ID: "endpoint.media-mismatch",
		Title:        "Media-specific path for a conversation of another media type",
		Meaning:      "The path names a media type (/conversations/calls/..., /conversations/messages/...) that is not the conversation's: a messaging conversation addressed through /calls, say. The media-specific endpoints only serve conversations of their own media.",
		Detection:    "request-line compares the path's media segment with the media arrays the conversation's participants have (calls[], messages[], ...).",
		Remedy:       "Use the path of the conversation's media type, or the generic /api/v2/conversations/{id}/participants/{pid} which serves every media.",
		Confirm:      "GET /api/v2/conversations/{id} shows which media arrays the participants have; the corrected path gets a 2xx.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationNotFound, causeConversationIDMismatch},
	}
	causeEndpointWrongRegion = &diagnose.CauseInfo{ID: "endpoint.wrong-region",
		Title:     "Request sent to another region's API host",
		Meaning:   "The request went to the API host of one region while the conversation lives in an org of another region. Each region is a separate cloud: ids from one are unknown in the other.",
		Detection: "request-line compares the request's host with the region in which convdiag found the conversation (live checks).",
		Remedy:    "Send the request to https://api.<domain> of the org's region (and fetch the token from https://login.<domain>).",
		Confirm:   "GET /api/v2/tokens/me against the right region names the org; the corrected request gets a 2xx.",
	}
	causeEndpointNonGenesysHost = &diagnose.CauseInfo{ID: "endpoint.non-genesys-host",
		Title:     "Request sent to a host that is not a Genesys API host",
		Meaning:   "The request did not go to api.<region domain>. A gateway, proxy or mock in between may rewrite the path, drop or alter the body, or answer itself, so the status seen may not be Genesys's.",
		Detection: "request-line compares the host with the API hosts of the region table (reference §5).",
		Remedy:    "Send the request straight to https://api.<region domain>, or check what the gateway forwards.",
		Confirm:   "A Genesys response carries an ININ-Correlation-Id header; compare the request the gateway forwards with the one sent.",
	}
	causeEndpointTargetMismatch = &diagnose.CauseInfo{ID: "endpoint.target-mismatch",
		Title:     "Path names another participant than the one meant",
		Meaning:   "The participant id in the path is not the participant the caller said they meant (--participant).",
		Detection: "request-line compares the {participantId} path parameter with --participant after normalising both.",
		Remedy:    "Put the id of the participant to drop in the path.",
		Confirm:   "The corrected request drops the intended participant.",
	}
)

// RequestFacts is what request-line established, for later checks.
type RequestFacts struct {
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
}

const srcRequest = "request line"

func runRequestLine(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	line, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
	if err != nil {
		p.Set(diagnose.StatusFail, "the request line cannot be read: %v", err)
		return nil, nil
	}
	rf := &RequestFacts{Line: line}
	p.Saw(srcRequest, "", line.Method+" "+ev.Request.URL)
	if ev.Request.Origin == "default" {
		p.Detail("no --request was given: judging the default request line %s %s", line.Method, ev.Request.URL)
	}
	if line.Query != "" {
		p.Detail("query string %q ignored: none of these endpoints takes query parameters that change the outcome", line.Query)
	}

	m := genesys.MatchRequest(line.Method, line.Path)
	rf.Match = m
	switch {
	case m.Endpoint != nil && m.Endpoint.Exists:
		rf.Endpoint = m.Endpoint
	case m.Endpoint != nil:
		rf.Recipe = m.Endpoint
	}
	rf.ConversationID = m.Params["conversationId"]
	if rf.ConversationID == "" || isPlaceholder(rf.ConversationID) {
		rf.ConversationID = ev.ConversationID
	}
	rf.PathParticipant = m.Params["participantId"]
	rf.Segment = strings.ToLower(m.Params["media"])
	if rf.Segment == "" && len(genesys.SplitPath(line.Path)) > 3 {
		seg := strings.ToLower(genesys.SplitPath(line.Path)[3])
		for _, s := range genesys.MediaSegments {
			if seg == s {
				rf.Segment = s
			}
		}
	}
	if ev.ConversationID != "" && m.Params["conversationId"] != "" && !isPlaceholder(m.Params["conversationId"]) &&
		!strings.EqualFold(strings.TrimSpace(ev.ConversationID), strings.TrimSpace(m.Params["conversationId"])) {
		p.Saw("flag --conversation", "", ev.ConversationID)
		p.Detail("the path targets conversation %s but --conversation says %s; judging the path (what was sent)", m.Params["conversationId"], ev.ConversationID)
	}

	hostJudgement(p, rf)
	endpointJudgement(p, rf)
	mediaJudgement(p, rf)
	targetJudgement(p, rf)

	switch {
	case rf.Endpoint != nil:
		p.Summary("%s %s: %s", rf.Endpoint.Method, rf.Endpoint.Path, rf.Endpoint.Summary)
	case rf.Recipe != nil:
		p.Summary("%s %s: %s", line.Method, line.Path, rf.Recipe.Summary)
	default:
		p.Summary("%s %s: not a known Genesys endpoint", line.Method, line.Path)
	}
	return rf, nil
}

func isPlaceholder(s string) bool { return NormalizeID(s).Placeholder }

// endpointJudgement reports endpoint.unknown and endpoint.full-teardown.
func endpointJudgement(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	m := rf.Match
	ref := diagnose.Ref{Source: srcRequest, Value: rf.Line.Method + " " + rf.Line.Path}
	if m.CaseDiffers {
		p.Detail("the path differs from the documented one only in letter case; Genesys paths are lower case")
	}
	switch {
	case rf.Recipe != nil:
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is %s. It is not in the Genesys API reference; the server answers it with an error whatever the body says.", rf.Line.Method, rf.Line.Path, rf.Recipe.Summary),
			Fix:         newFix("Drop the participant with the documented participant PATCH")})
		return
	case rf.Endpoint == nil && len(m.OtherMethods) > 0:
		var ms []string
		for _, o := range m.OtherMethods {
			ms = append(ms, o.Method)
		}
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s does not take %s; the reference documents only %s on this path (%s).", m.OtherMethods[0].Path, rf.Line.Method, strings.Join(ms, ", "), m.OtherMethods[0].Summary),
			Fix:         newFix("Drop the participant with the documented participant PATCH")})
		return
	case rf.Endpoint == nil:
		likelihood := diagnose.Likely
		why := "It is not in convdiag's endpoint table (taken from the public SDK reference)"
		if !strings.HasPrefix(rf.Line.Path, "/api/v2/") {
			likelihood = diagnose.Confirmed
			why = "Every Genesys Cloud Platform API path starts with /api/v2/"
		}
		if m.Suggestion != nil {
			why += fmt.Sprintf("; the closest documented endpoint is %s %s (%s)", m.Suggestion.Method, m.Suggestion.Path, m.Suggestion.Summary)
		}
		p.Report(diagnose.Cause{Info: causeEndpointUnknown, Likelihood: likelihood, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s %s is not a known Genesys endpoint. %s.", rf.Line.Method, rf.Line.Path, why),
			Fix:         newFix("Drop the participant with the documented participant PATCH")})
		return
	}
	ep := rf.Endpoint
	p.RuleOut(causeEndpointUnknown, "%s %s is a documented endpoint (it will %s)", ep.Method, ep.Path, ep.Summary)
	targeted := ev.ParticipantID != "" || len(bytes.TrimSpace(ev.Request.Body)) > 0 || rf.PathParticipant != ""
	switch ep.Kind {
	case genesys.KindTeardown, genesys.KindConversationUpdate:
		if ep.Kind == genesys.KindConversationUpdate && !bytes.Contains(bytes.ToLower(ev.Request.Body), []byte(`"disconnected"`)) {
			p.RuleOut(causeEndpointFullTeardown, "%s updates the whole conversation but the body does not set it disconnected", ep.Path)
			return
		}
		l := diagnose.Confirmed
		expl := fmt.Sprintf("%s %s is a whole-conversation endpoint (it will %s). The public reference documents no participant in its contract, so naming one does not make it drop just that participant: it ends everyone's part, or conflicts.", ep.Method, ep.Path, ep.Summary)
		if !targeted {
			l = diagnose.Possible
			expl = fmt.Sprintf("%s %s is a whole-conversation endpoint (it will %s). No participant was named; if the aim was to drop one participant, this is the wrong endpoint.", ep.Method, ep.Path, ep.Summary)
		}
		p.Report(diagnose.Cause{Info: causeEndpointFullTeardown, Likelihood: l, Evidence: []diagnose.Ref{ref}, Explanation: expl,
			Fix: newFix("Drop the one participant with the participant PATCH instead of the conversation-wide disconnect")})
	default:
		p.RuleOut(causeEndpointFullTeardown, "%s %s acts on one participant, not the whole conversation", ep.Method, ep.Path)
	}
}

// mediaJudgement reports endpoint.media-mismatch.
func mediaJudgement(p *diagnose.Pass, rf *RequestFacts) {
	conv := p.Evidence.Conv()
	if rf.Segment == "" {
		if rf.Endpoint != nil && conv != nil && rf.Endpoint.Kind != genesys.KindTeardown {
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

// hostJudgement reports endpoint.non-genesys-host and endpoint.wrong-region
// and decides the API base for fixes.
func hostJudgement(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	host := rf.Line.Host
	var evRegion *genesys.Region
	if ev.Region != "" {
		if r, err := genesys.LookupRegion(ev.Region); err == nil {
			evRegion = &r
		}
	}
	defer func() {
		if rf.BaseURL == "" && evRegion != nil {
			rf.BaseURL = evRegion.APIBase()
		}
		if rf.BaseURL == "" && ev.Mode == diagnose.ModeLive && ev.APIBase != "" {
			rf.BaseURL = ev.APIBase
		}
	}()
	if host == "" {
		p.Detail("the request line is a path without a host: the host is not judged")
		return
	}
	if r, ok := genesys.IsAPIHost(host); ok {
		rf.BaseURL = "https://" + strings.ToLower(host)
		p.Saw(srcRequest, "host", host)
		p.RuleOut(causeEndpointNonGenesysHost, "%s is the API host of %s", host, r)
		if evRegion != nil && evRegion.Domain != r.Domain && ev.Mode == diagnose.ModeLive && ev.Conversation != nil {
			p.Report(diagnose.Cause{Info: causeEndpointWrongRegion, Likelihood: diagnose.Likely,
				Evidence:    []diagnose.Ref{{Source: srcRequest, Path: "host", Value: host}, {Source: "live check", Path: "region", Value: evRegion.String()}},
				Explanation: fmt.Sprintf("The request went to %s (%s) but convdiag found the conversation in %s. Ids of one region are unknown in another.", host, r, evRegion),
				Fix:         newFix("Send the request to the API host of the org's region")})
			rf.BaseURL = evRegion.APIBase()
		} else if evRegion != nil {
			p.RuleOut(causeEndpointWrongRegion, "the request's host is in %s", r)
		}
		return
	}
	if isLoopback(host) && ev.Mode == diagnose.ModeLive && strings.Contains(ev.APIBase, host) {
		rf.BaseURL = ev.APIBase
		p.Detail("the request went to the API base of this live check (%s)", host)
		return
	}
	ref := p.Saw(srcRequest, "host", host)
	if r, ok := genesys.RegionForHost(host); ok {
		rf.BaseURL = r.APIBase()
		p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s belongs to %s but is not its API host; the Platform API is served at api.%s (login.%s only issues tokens).", host, r, r.Domain, r.Domain),
			Fix:         newFix("Send the request to the API host " + r.APIBase())})
		return
	}
	p.Report(diagnose.Cause{Info: causeEndpointNonGenesysHost, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
		Explanation: fmt.Sprintf("%s is not the API host of any Genesys Cloud region (api.<region domain>, e.g. api.mypurecloud.com). A gateway, proxy or mock in between may rewrite the path, drop the body, or answer itself, so the status seen may not come from Genesys.", host),
		Fix:         newFix("Send the request straight to https://api.<region domain>, or check what the gateway forwards")})
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
		Fix:         newFix("Put the id of the participant to drop in the path")})
}
