package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// BodyShape is the second check: is the body JSON, and does it say what the
// endpoint's contract needs, under the right names, types and values?
var BodyShape = &diagnose.Check{
	ID:       "body-shape",
	Title:    "Body shape",
	Doc:      "Is the body JSON (where and why not)? Does it name its target under the field the contract expects? Misnamed fields, wrong types, state values, unknown fields.",
	Requires: []*diagnose.Check{RequestLine, OperationCheck},
	Causes: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyContentType, causeBodyNotAnObject, causeBodyTargetMissing, causeBodyTargetMisnamed,
		causeBodyTargetWrongType, causeBodyTargetMismatch, causeBodyStateValue, causeBodyActionMissing, causeBodyRequiredMissing, causeBodyFieldType, causeBodyFieldValue, causeBodyUnknownField, causeBodyWrapupRequired},
	Run: runBodyShape,
}

// The causes body-shape reports (stable ids: add, never rename).
var (
	causeBodyWrapupRequired = &diagnose.CauseInfo{ID: "body.wrapup-required",
		Title:     "A wrap-up code is needed and the body does not give one",
		Meaning:   "The server requires a wrap-up code with this change (conversation.error.wrapup.code.required with a drop or a wrap-up; missing.wrapup.code on POST .../communications/{commId}/wrapup without provisional), or refuses to let it be skipped (conversation.error.wrapup.cannot.skip): the queue's wrap-up is mandatory.",
		Detection: "body-shape reads the response's documented error code; the wrap-up operation's check reads whether the wrap-up sent has a code or is provisional.",
		Remedy:    "Send the wrap-up code with the request: {\"wrapup\":{\"code\":\"<wrap-up code id>\"}} on the participant PATCH (with \"state\":\"disconnected\" for a drop), or {\"code\":\"<wrap-up code id>\"} on the wrap-up POST (GET .../participants/{pid}/wrapupcodes lists the codes). \"provisional\": true saves a wrap-up without a code, without completing it.",
		Confirm:   "The request with the wrap-up code answers 202.",
	}
	causeBodyRequiredMissing = &diagnose.CauseInfo{ID: "body.required-missing",
		Title:        "A field the contract requires is missing",
		Meaning:      "The body lacks a field the API definition marks required for this operation: speakTo for a consult, the address of a transfer to an address, the contactId of a transfer to an external contact, conversationId and agentId of a callback update, callbackNumbers of a new callback, conversationIds of a merge. The server refuses it (conversations.error.transfer.destination.required, dest.address.not.specified, callback.error.missing.required.information.for.patch.request, ...).",
		Detection:    "body-shape reads the contract's required fields; the operations' checks read the destination fields and the response's documented code.",
		Remedy:       "Send the required fields.",
		Confirm:      "`convdiag check --dry-run` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject, causeEndpointWrongOperation},
	}
	causeBodyActionMissing = &diagnose.CauseInfo{ID: "body.action-missing",
		Title:        "The body has no field that does what was meant",
		Meaning:      "The endpoint acts through its body's fields (held holds, muted mutes, recording records, confined confines, wrapup wraps up), and the body sets none that does what was meant: as sent, the request changes nothing of the kind.",
		Detection:    "body-shape compares the body's fields with the fields of the contract that perform the operation meant.",
		Remedy:       "Send the field that does it, e.g. {\"held\": true} to hold.",
		Confirm:      "`convdiag check --dry-run --operation OP` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject, causeEndpointWrongOperation},
	}
	causeBodyMalformedJSON = &diagnose.CauseInfo{ID: "body.malformed-json",
		Title:     "Body is not valid JSON",
		Meaning:   "The body does not parse as JSON, so the server cannot read any field of it. Typical slips: smart quotes from a word processor or forum, single quotes or Python literals (str(dict) instead of json.dumps), a trailing comma, a byte order mark, comments, or JSON encoded twice (a JSON string holding JSON).",
		Detection: "body-shape parses the exact bytes sent and reports the line, column and byte of the first error, the offending character, and the slip that explains it.",
		Remedy:    "Send the body shown in the fix, serialised by a JSON library (json.dumps, JSON.stringify) exactly once.",
		Confirm:   "`convdiag check --dry-run --body FILE` reports the body as valid; the server no longer answers 400.",
	}
	causeBodyContentType = &diagnose.CauseInfo{ID: "body.content-type",
		Title:        "Body not declared as JSON",
		Meaning:      "The request carried a body without Content-Type: application/json: curl -d sends application/x-www-form-urlencoded, Python requests with data= sends form data or nothing. The Platform API reads JSON bodies declared as JSON; a body declared otherwise is rejected (415) or not read.",
		Detection:    "body-shape reads the request headers when the request came from a curl command or a HAR export.",
		Remedy:       "Send Content-Type: application/json with the body (curl -H 'Content-Type: application/json', requests json=...).",
		Confirm:      "The request's headers show Content-Type: application/json; the 415 or 400 goes away.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON},
	}
	causeBodyNotAnObject = &diagnose.CauseInfo{ID: "body.not-an-object",
		Title:     "Body is JSON but not an object",
		Meaning:   "The body is valid JSON but an array, string or number; every body contract here is a JSON object.",
		Detection: "body-shape checks the top-level JSON type.",
		Remedy:    "Send an object with the documented fields.",
		Confirm:   "`convdiag check --dry-run` passes the body.",
	}
	causeBodyTargetMissing = &diagnose.CauseInfo{ID: "body.target-missing",
		Title:        "No target participant in the body",
		Meaning:      "The endpoint, under the undocumented participantId body recipe that circulates with it, reads the participant to drop from the body field participantId; without it the server falls back to the conversation's initiator, which is usually not the participant meant (and often cannot be dropped, hence the 409). The public reference documents no body at all for this endpoint.",
		Detection:    "body-shape judges the body against the contract of the matched endpoint, including the undocumented participantId body recipe believed for the conversation-wide disconnect.",
		Remedy:       "Use the participant PATCH, where the target is in the path.",
		Confirm:      "The corrected request names the participant in its path; the response is 2xx and only that participant ends.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject, causeBodyTargetMisnamed, causeBodyTargetWrongType},
	}
	causeBodyTargetMisnamed = &diagnose.CauseInfo{ID: "body.target-misnamed",
		Title:     "Target participant under the wrong field name",
		Meaning:   "The body names the participant under a field the contract does not have (participantIds, participant_id, participantID, id, ...). The server ignores unknown fields, so as far as it knows no target was given.",
		Detection: "body-shape finds a field whose name is a spelling, plural, case or alias variant of the contract's target field.",
		Remedy:    "Use the participant PATCH, where the target is in the path; under the undocumented participantId body recipe the field is participantId, a single string.",
		Confirm:   "`convdiag check --dry-run` no longer reports the field.",
	}
	causeBodyTargetWrongType = &diagnose.CauseInfo{ID: "body.target-wrong-type",
		Title:     "Target field has the wrong JSON type",
		Meaning:   "The target field is there but holds an array or a number where a single string id is expected.",
		Detection: "body-shape checks the JSON type of the target field.",
		Remedy:    "Send the id as one string; drop several participants with one request each.",
		Confirm:   "`convdiag check --dry-run` passes the body.",
	}
	causeBodyTargetMismatch = &diagnose.CauseInfo{ID: "body.target-mismatch",
		Title:     "Body names another participant than the path or --participant",
		Meaning:   "The body names one participant and the path (or the participant the caller meant) another. The path decides for the PATCH endpoints; the body decides under the undocumented participantId body recipe.",
		Detection: "body-shape compares the participant id in the body with the path parameter and --participant after normalising them.",
		Remedy:    "Name one participant, in the path.",
		Confirm:   "The corrected request drops the intended participant.",
	}
	causeBodyStateValue = &diagnose.CauseInfo{ID: "body.state-value",
		Title:        "state missing or not the value that does what was meant",
		Meaning:      "The participant PATCH (MediaParticipantRequest) drops a participant only with \"state\": \"disconnected\", and answers an alerting one only with \"state\": \"connected\". Without state, or with another value (\"disconnect\", \"terminated\", \"ended\"), it does neither; only \"connected\" and \"disconnected\" are meaningful. The communication PATCH takes only \"disconnected\".",
		Detection:    "body-shape reads state and compares it with the value of the operation meant, with a did-you-mean.",
		Remedy:       "Send {\"state\":\"disconnected\"} to drop (or {\"state\":\"connected\"} to answer).",
		Confirm:      "`convdiag check --dry-run` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject, causeEndpointWrongOperation},
	}
	causeBodyFieldValue = &diagnose.CauseInfo{ID: "body.field-value",
		Title:        "A documented field has a value it does not take",
		Meaning:      "A field whose values the API definition lists (an enum) is sent with another: speakTo \"customer\" (DESTINATION, OBJECT, BOTH, CONFERENCE), transferType \"attended\" (Attended, Unattended), recordingState \"paused\" (ACTIVE, PAUSED, NONE), phoneType \"Mobile\". The server refuses such a value (invalid.value \"Value [X] is not valid for field type Y\"); whether it accepts one in other letter case is UNCONFIRMED.",
		Detection:    "body-shape compares each enum field's value with the values the contract lists, with a did-you-mean, and reads the response's invalid.value message.",
		Remedy:       "Send one of the values the contract lists, exactly as it is written there.",
		Confirm:      "`convdiag check --dry-run` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject},
	}
	causeBodyFieldType = &diagnose.CauseInfo{ID: "body.field-type",
		Title:        "A documented field has the wrong JSON type",
		Meaning:      "A field the contract has is sent with the wrong JSON type (\"held\": \"true\" instead of true, wrapup as a string).",
		Detection:    "body-shape checks each documented field's JSON type.",
		Remedy:       "Send the field with its documented type, or leave it out.",
		Confirm:      "`convdiag check --dry-run` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject},
	}
	causeBodyUnknownField = &diagnose.CauseInfo{ID: "body.unknown-field",
		Title:        "Fields the contract does not have",
		Meaning:      "The body carries fields the endpoint's contract does not have (action, reason, cause, disconnectType, a snake_case variant of a real field). The reference does not say whether the server ignores or rejects them (UNCONFIRMED); either way they do not do what was meant, and a misspelt real field is silently lost.",
		Detection:    "body-shape compares each field with the contract and suggests the closest real field.",
		Remedy:       "Remove the fields, or rename a misspelt one to the suggested name.",
		Confirm:      "`convdiag check --dry-run` passes the body.",
		SuppressedBy: []*diagnose.CauseInfo{causeBodyMalformedJSON, causeBodyNotAnObject},
	}
)

// BodyFacts is what body-shape established, for later checks.
type BodyFacts struct {
	// Valid is true for a body that parsed as a JSON object.
	Valid bool
	// Target is the participant id the body names (under the right name
	// or not); TargetPath says where ("participantIds[0]").
	Target, TargetPath string
	// State is the body's state value, if any.
	State string
	// Kept are the body's members a corrected request may keep, in order:
	// the documented fields of the contract the fix is judged against
	// (the sent endpoint's when it does what was meant, else the
	// operation's own endpoint's; the participant PATCH's when neither is
	// known) with a fitting type, misnamed ones under their documented
	// name; not the target (it goes in the path), not unknown fields or
	// fields of the wrong type. The operation's fix picks what it needs.
	Kept []diagnose.Member
	// Faulty is set when body-shape found a likely or confirmed cause.
	Faulty bool
}

const srcBody = "request body"

// targetLike are folded keys that name a participant, whatever the contract.
var targetLike = map[string]bool{"participantid": true, "participantids": true, "participant": true, "participants": true,
	"pid": true, "targetid": true, "targetparticipantid": true, "participantidlist": true}

// runBodyShape judges the body, then the response's documented code, and
// records whether a cause of the body was found.
func runBodyShape(p *diagnose.Pass) (any, error) {
	bf, err := judgeBody(p)
	reportErrorBody(p)
	if bf != nil {
		bf.Faulty = p.Found()
	}
	return bf, err
}

func judgeBody(p *diagnose.Pass) (*BodyFacts, error) {
	ev := p.Evidence
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	body := ev.Request.Body
	trimmed := bytes.TrimSpace(body)
	of, _ := diagnose.Result[*OperationFacts](p, OperationCheck)
	bf := &BodyFacts{Kept: keptMembers(trimmed, fixContract(p.Operation, rf, of))}
	if rf != nil && !rf.Known {
		p.Skip("no request line was given, so the body is not judged against a contract: give --request 'METHOD URL' (or --curl, --har)")
		return bf, nil
	}
	if ev.Request.BodyUnknown {
		p.Skip("the body sent was not read (see the notes), so it is not judged")
		return bf, nil
	}

	var contract *genesys.BodyContract
	var ep *genesys.Endpoint
	if rf != nil {
		ep = rf.Endpoint
	}
	if ep != nil {
		contract = ep.Body
		if contract == nil && p.Operation.ID == diagnose.OpDisconnect {
			// The seed post's recipe is for dropping one participant; it
			// says nothing of the teardown meant as a teardown.
			contract = ep.BelievedBody
		}
	}

	judgeContentType(p, rf)

	// 1. Is it JSON at all? (Judged for every endpoint.)
	if len(trimmed) > 0 {
		if mf, bad := analyseMalformed(body); bad {
			if req := ev.Request; req.QuotesStripped && json.Valid(req.BodyAsWritten) {
				// The paste's own JSON was valid: PowerShell 5.1 took its
				// quotes away on the way to curl.exe; 7.3 and later do not.
				p.Report(diagnose.Cause{Info: causeBodyMalformedJSON, Likelihood: diagnose.Likely,
					Evidence: []diagnose.Ref{{Source: srcBody, Path: "as Windows PowerShell 5.1 passes it to curl.exe", Value: excerpt(body, mf.Offset)},
						{Source: srcBody, Path: "as written in the command", Value: excerpt(req.BodyAsWritten, 0)}},
					Explanation: fmt.Sprintf("The command's JSON is valid as written, but it is handed to curl.exe, a native program: Windows PowerShell 5.1 strips the inner double quotes of such an argument, so the server gets %s, which is not JSON (%s). PowerShell 7.3 and later pass the quotes intact, so this holds only if the command ran in Windows PowerShell 5.1 (the one built into Windows).", clip(string(body), 60), mf.String()),
					Fix: newFix("Send the body from a file (curl.exe ... --data-binary '@body.json'), or with Invoke-RestMethod -Body, or run the command in PowerShell 7.3 or later",
						"in Windows PowerShell 5.1, escaping each inner quote (\\\") also works")})
				return bf, nil
			}
			p.Report(diagnose.Cause{Info: causeBodyMalformedJSON, Likelihood: diagnose.Confirmed,
				Evidence:    []diagnose.Ref{{Source: srcBody, Path: fmt.Sprintf("line %d, column %d", mf.Line, mf.Col), Value: excerpt(body, mf.Offset)}},
				Explanation: "The body is not valid JSON, so the server cannot read any field of it: " + mf.String() + ".",
				Fix:         newFix("Send the body serialised by a JSON library, exactly once")})
			return bf, nil
		}
		if inner, ok := doubleEncoded(trimmed); ok {
			p.Report(diagnose.Cause{Info: causeBodyMalformedJSON, Likelihood: diagnose.Confirmed,
				Evidence:    []diagnose.Ref{{Source: srcBody, Path: "(top level)", Value: excerpt(trimmed, 0)}},
				Explanation: fmt.Sprintf("The body is a JSON string that holds JSON (%s): it was encoded twice (json.dumps of a string that already was JSON, or data=json.dumps(...) together with json=...). The server sees a string, not an object.", clip(string(inner), 80)),
				Fix:         newFix("Serialise the body once")})
			return bf, nil
		}
		p.RuleOut(causeBodyMalformedJSON, "the body parses as JSON (%d bytes)", len(body))
	}

	if rf == nil {
		p.Skip("the request line could not be read, so there is no contract to judge the body against")
		return bf, nil
	}
	if ep == nil {
		if len(trimmed) > 0 {
			p.Set(diagnose.StatusSkip, "not judged against a contract: %s %s is not a known endpoint (see request-line)", rf.Line.Method, rf.Line.Path)
		} else {
			p.Skip("no body, and no contract: the endpoint is not known")
		}
		return bf, nil
	}
	if contract == nil {
		if len(trimmed) > 0 {
			p.Saw(srcBody, "", clip(string(trimmed), 200))
			p.Set(diagnose.StatusWarn, "%s %s takes no body; the server ignores the %d bytes sent", ep.Method, ep.Path, len(body))
		} else {
			p.Set(diagnose.StatusPass, "%s %s takes no body, and none was sent", ep.Method, ep.Path)
		}
		return bf, nil
	}
	basis := contract.Basis
	if contract.Believed {
		p.Detail("%s %s documents no body in the public reference; the body is judged against %s", ep.Method, ep.Path, contract.Model)
	}

	// 2. No body at all.
	if len(trimmed) == 0 {
		p.Saw(srcBody, "", map[bool]string{true: "(empty)", false: "(none sent)"}[ev.Request.HasBody])
		missingBody(p, ep, contract)
		return bf, nil
	}

	// 3. Not an object.
	if k := jsonKind(trimmed); k != "object" {
		expl := fmt.Sprintf("The body is a JSON %s; %s needs an object.", k, contract.Model)
		if k == "array" {
			if s, ok := decodeStringish(trimmed); ok {
				bf.Target, bf.TargetPath = s, "[0]"
				expl += fmt.Sprintf(" It looks like a list of ids (%q): ids go in a field (or, for the PATCH, in the path), one participant per request.", s)
			}
		}
		p.Report(diagnose.Cause{Info: causeBodyNotAnObject, Likelihood: diagnose.Confirmed,
			Evidence: []diagnose.Ref{{Source: srcBody, Path: "(top level)", Value: excerpt(trimmed, 0)}}, Explanation: expl,
			Fix: newFix("Send a JSON object")})
		return bf, nil
	}
	members, err := objectMembers(trimmed)
	if err != nil {
		return nil, fmt.Errorf("read body members: %w", err)
	}
	bf.Valid = true
	judgeMembers(p, rf, ep, contract, basis, members, bf)
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.Key
	}
	p.Summary("a JSON object with %s, judged against %s", quoteList(keys), contract.Model)
	return bf, nil
}

// believed caps the likelihood of a cause that rests only on the seed
// post's undocumented recipe (a participantId body on the teardown) at
// possible: documented before believed (DESIGN §4b.8).
func believed(c *genesys.BodyContract, l diagnose.Likelihood) diagnose.Likelihood {
	if c.Believed {
		return diagnose.Possible
	}
	return l
}

// judgeContentType reports body.content-type when the request's headers
// are known (from curl or a HAR) and do not declare JSON.
func judgeContentType(p *diagnose.Pass, rf *RequestFacts) {
	ev := p.Evidence
	if len(ev.Request.Headers) == 0 || len(bytes.TrimSpace(ev.Request.Body)) == 0 {
		return
	}
	ct := ""
	for _, h := range ev.Request.Headers {
		if strings.EqualFold(h.Name, "Content-Type") {
			ct = h.Value
		}
	}
	if strings.Contains(strings.ToLower(ct), "json") {
		p.RuleOut(causeBodyContentType, "the request declares Content-Type %s", ct)
		return
	}
	l := diagnose.Likely
	status := ""
	if ev.Response != nil && ev.Response.Status == 415 {
		l, status = diagnose.Confirmed, " The response was 415 Unsupported Media Type."
	}
	shown := ct
	if shown == "" {
		shown = "(none)"
	}
	p.Report(diagnose.Cause{Info: causeBodyContentType, Likelihood: l,
		Evidence:    []diagnose.Ref{{Source: srcRequest, Path: "Content-Type header", Value: shown}},
		Explanation: fmt.Sprintf("The body was sent with Content-Type %s, not application/json: the API reads JSON bodies only when they are declared as JSON, so it rejects or ignores this one (inferred from how the Platform API reads bodies).%s", shown, status),
		Fix:         newFix("Send the header Content-Type: application/json (curl -H, or requests json= instead of data=)")})
}

// missingBody judges an endpoint with a contract that got no body.
func missingBody(p *diagnose.Pass, ep *genesys.Endpoint, c *genesys.BodyContract) {
	if ep.Op == "" && !c.Acting() && len(c.Fields) == 0 {
		return
	}
	if t := c.TargetField(); t != nil {
		l := believed(c, diagnose.Confirmed)
		p.Report(diagnose.Cause{Info: causeBodyTargetMissing, Likelihood: l,
			Evidence:    []diagnose.Ref{{Source: srcBody, Value: "(none)"}},
			Explanation: fmt.Sprintf("No body, so no %s: under %s the server then acts on %s, not on the participant meant.", t.Name, c.Basis, c.TargetFallback),
			Fix:         newFix("Name the participant in the path of the participant PATCH")})
		return
	}
	if fs := c.FieldsFor(p.Operation.ID); len(fs) > 0 && !fs[0].NotHere {
		f := fs[0]
		info := causeBodyActionMissing
		if f.Name == "state" {
			info = causeBodyStateValue
		}
		p.Report(diagnose.Cause{Info: info, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: srcBody, Value: "(none)"}},
			Explanation: fmt.Sprintf("%s %s would %s only with %s; without a body it has nothing to do.", ep.Method, ep.Path, p.Operation.Words.Phrase(), actingBody(f, p.Operation.ID)),
			Fix:         newFix("Send the body " + actingBody(f, p.Operation.ID))})
		return
	}
	if nothingActs(p, ep, c, nil, diagnose.Ref{Source: srcBody, Value: "(none)"}) {
		return
	}
	if requiredMissing(p, c, map[string]bool{}, nil, diagnose.Ref{Source: srcBody, Value: "(none)"}) {
		return
	}
	p.Set(diagnose.StatusPass, "no body; %s has no required field", c.Model)
}

// requiredNames are the contract's required fields that do not act.
func requiredNames(c *genesys.BodyContract) []string {
	var out []string
	for _, f := range c.Fields {
		if f.Required && len(f.Acts) == 0 && !f.Target {
			out = append(out, f.Name)
		}
	}
	return out
}

// requiredMissing reports body.required-missing for the contract's
// required fields the body lacks (not the fields that act, judged on their
// own); it reports whether it found any.
func requiredMissing(p *diagnose.Pass, c *genesys.BodyContract, present map[string]bool, misnamed map[string]*fieldMatch, ref diagnose.Ref) bool {
	var missing []string
	for _, f := range c.Fields {
		if f.Required && !present[f.Name] && misnamed[f.Name] == nil && len(f.Acts) == 0 && !f.Target {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) == 0 {
		return false
	}
	p.Report(diagnose.Cause{Info: causeBodyRequiredMissing, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
		Explanation: fmt.Sprintf("%s requires %s, and the body has no %s.", c.Model, quoteList(missing), strings.Join(missing, " and no ")),
		Fix:         newFix("Send " + quoteList(missing) + " with the request")})
	return true
}

// judgeMembers judges an object body against the contract.
func judgeMembers(p *diagnose.Pass, rf *RequestFacts, ep *genesys.Endpoint, c *genesys.BodyContract, basis string, members []member, bf *BodyFacts) {
	present := map[string]bool{}
	misnamed := map[string]*fieldMatch{}
	var unknown []member
	var unknownRefs []diagnose.Ref
	seen := map[string]int{}
	for _, m := range members {
		seen[m.Key]++
	}
	for _, m := range lastOfEachKey(members) {
		ref := p.Saw(srcBody, jsonPath(m.Key), clip(string(m.Value), 120))
		if f := c.Field(m.Key); f != nil {
			present[f.Name] = true
			judgeField(p, ep, c, f, m, ref, bf)
			continue
		}
		if fm := closestField(m.Key, c); fm != nil && !present[fm.Field.Name] && c.Field(fm.Field.Name) != nil {
			misnamed[fm.Field.Name] = fm
			judgeMisnamed(p, ep, c, basis, fm, m, ref, bf)
			continue
		}
		if targetLike[normKey(m.Key)] {
			if s, ok := decodeStringish(m.Value); ok && bf.Target == "" {
				bf.Target, bf.TargetPath = s, jsonPath(m.Key)
				if jsonKind(m.Value) == "array" {
					bf.TargetPath += "[0]"
				}
			}
		}
		if c.Open {
			continue
		}
		if oc := opContract(p.Operation); oc != nil && oc != c && oc.Field(m.Key) != nil {
			// A field of the operation's own request sent to another
			// endpoint: the endpoint is the mistake (the operation check
			// says so), and the corrected request keeps the field.
			p.Detail("%q is not a field of %s; it is a field of %s, which the corrected request uses", m.Key, c.Model, oc.Model)
			continue
		}
		if f := genesys.TransferRequest.Field(m.Key); f != nil && f.Destination != "" && len(c.DestinationFields()) > 0 {
			// A destination of another kind than this endpoint takes (a
			// queueId sent to .../transfer): the endpoint for that kind is
			// the fix, the destination kept.
			p.Detail("%q names a %s, which %s does not take; the corrected request uses the endpoint that transfers to a %s by it", m.Key, f.Destination, c.Model, f.Destination)
			continue
		}
		unknown = append(unknown, m)
		unknownRefs = append(unknownRefs, ref)
	}
	for _, k := range sortedKeys(seen) {
		if n := seen[k]; n > 1 {
			p.Detail("field %q appears %d times; judged by its last value, which most JSON parsers (the server's included) keep", k, n)
		}
	}

	// The target field.
	if t := c.TargetField(); t != nil && !present[t.Name] && misnamed[t.Name] == nil {
		l := believed(c, diagnose.Confirmed)
		p.Report(diagnose.Cause{Info: causeBodyTargetMissing, Likelihood: l,
			Evidence:    []diagnose.Ref{{Source: srcBody, Path: jsonPath(t.Name), Value: "(absent)"}},
			Explanation: fmt.Sprintf("The body has no %s: under %s the server then acts on %s, not on the participant meant.", t.Name, c.Basis, c.TargetFallback),
			Fix:         newFix("Name the participant in the path of the participant PATCH")})
	}
	// No field that does anything, and nothing says what was meant.
	nothingActs(p, ep, c, present, diagnose.Ref{Source: srcBody, Value: "no field that acts"})
	// The field that does what was meant.
	if fs := c.FieldsFor(p.Operation.ID); len(fs) > 0 && !fs[0].NotHere && !anyPresent(fs, present, misnamed) {
		f := fs[0]
		info, others := causeBodyActionMissing, "other fields"
		if f.Name == "state" {
			info, others = causeBodyStateValue, "other fields (wrap-up, hold, mute)"
		}
		p.Report(diagnose.Cause{Info: info, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: srcBody, Path: jsonPath(f.Name), Value: "(absent)"}},
			Explanation: fmt.Sprintf("The body has no %s: %s would %s only with %s; %s do not.", f.Name, c.Model, p.Operation.Words.Phrase(), actingBody(f, p.Operation.ID), others),
			Fix:         newFix(fmt.Sprintf("Add %s to the body", strings.Trim(actingBody(f, p.Operation.ID), "{}")))})
	}
	// Unknown fields.
	if len(unknown) > 0 {
		var names, hints []string
		for _, m := range unknown {
			names = append(names, m.Key)
			if targetLike[normKey(m.Key)] && c.TargetField() == nil && strings.Contains(ep.Path, "{participantId}") {
				hints = append(hints, fmt.Sprintf("%s: the target of %s %s is the {participantId} in the path, not a body field", m.Key, ep.Method, ep.Path))
			}
		}
		expl := fmt.Sprintf("%s has no field %s. Whether the server ignores or rejects unknown fields is UNCONFIRMED; either way they do not do what was meant.", c.Model, quoteList(names))
		if len(hints) > 0 {
			expl += " " + strings.Join(hints, "; ") + "."
		}
		p.Report(diagnose.Cause{Info: causeBodyUnknownField, Likelihood: diagnose.Possible, Evidence: unknownRefs, Explanation: expl,
			Fix: newFix("Remove " + quoteList(names) + " from the body")})
	} else if !c.Open && len(misnamed) == 0 {
		p.RuleOut(causeBodyUnknownField, "every field of the body is in %s", c.Model)
	}
	if !requiredMissing(p, c, present, misnamed, diagnose.Ref{Source: srcBody, Path: "(top level)", Value: "no " + strings.Join(requiredNames(c), ", no ")}) && len(requiredNames(c)) > 0 {
		p.RuleOut(causeBodyRequiredMissing, "the body has %s", quoteList(requiredNames(c)))
	}
	judgeTargetMismatch(p, rf, c, bf)
	if c.TargetField() != nil && bf.Target != "" && present[c.TargetField().Name] {
		p.RuleOut(causeBodyTargetMissing, "the body names its target under %s", c.TargetField().Name)
	}
}

// judgeField judges a field that has its documented name.
func judgeField(p *diagnose.Pass, ep *genesys.Endpoint, c *genesys.BodyContract, f *genesys.Field, m member, ref diagnose.Ref, bf *BodyFacts) {
	kind := jsonKind(m.Value)
	if f.Target {
		s, _ := decodeStringish(m.Value)
		bf.Target, bf.TargetPath = s, jsonPath(f.Name)
		if kind == "array" {
			bf.TargetPath += "[0]"
		}
		if kind != "string" {
			l := believed(c, diagnose.Confirmed)
			expl := fmt.Sprintf("%s is a JSON %s; %s expects one participant id as a string.", f.Name, kind, c.Basis)
			if kind == "array" {
				expl += " Drop several participants with one request each."
			}
			p.Report(diagnose.Cause{Info: causeBodyTargetWrongType, Likelihood: l, Evidence: []diagnose.Ref{ref}, Explanation: expl,
				Fix: newFix("Send the participant id as a single string (in the path of the participant PATCH)")})
		} else {
			p.RuleOut(causeBodyTargetWrongType, "%s is a string", f.Name)
		}
		return
	}
	if f.Name == "state" && statesOp(p.Operation.ID, f) {
		judgeState(p, c, f, m, ref, bf)
		return
	}
	if !kindFits(kind, f.Type) {
		p.Report(diagnose.Cause{Info: causeBodyFieldType, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s is a JSON %s; %s documents it as a %s.", f.Name, kind, c.Model, f.Type),
			Fix:         newFix(fmt.Sprintf("Send %s as a %s, or leave it out", f.Name, f.Type))})
		return
	}
	if len(f.Values) > 0 && kind == "string" && f.Name != "state" {
		judgeValue(p, c, f, m, ref)
	}
}

// judgeValue judges an enum field's value against the values the contract
// lists: another letter case is possible (whether the server folds case
// is UNCONFIRMED), another value likely, and confirmed when the response's
// message quotes it. The fix sends the value meant (keptMembers does the
// same for the corrected request).
func judgeValue(p *diagnose.Pass, c *genesys.BodyContract, f *genesys.Field, m member, ref diagnose.Ref) {
	var v string
	_ = json.Unmarshal(m.Value, &v)
	if containsExact(f.Values, v) {
		p.RuleOut(causeBodyFieldValue, "%s is %q, a value %s lists", f.Name, v, c.Model)
		return
	}
	meant := closestValue(v, f.Values)
	fix := newFix(fmt.Sprintf("Send %s as one of %s", f.Name, quoteList(f.Values)))
	if meant != "" {
		fix = newFix(fmt.Sprintf("Send %q: %q", f.Name, meant))
	}
	l, why := diagnose.Likely, ""
	if strings.EqualFold(strings.TrimSpace(v), meant) {
		l, why = diagnose.Possible, fmt.Sprintf(" The documented value is %q; whether the server accepts another letter case is UNCONFIRMED.", meant)
	} else if meant != "" {
		why = fmt.Sprintf(" Did you mean %q?", meant)
	}
	if ec := responseCode(p.Evidence); ec != nil && ec.Row.Code == "invalid.value" && strings.EqualFold(ec.Quoted, v) {
		l, why = diagnose.Confirmed, why+fmt.Sprintf(" The server answered invalid.value quoting %q.", v)
	}
	p.Report(diagnose.Cause{Info: causeBodyFieldValue, Likelihood: l, Evidence: []diagnose.Ref{ref},
		Explanation: fmt.Sprintf("%s is %q; %s takes only %s.%s", f.Name, v, c.Model, quoteList(f.Values), why),
		Fix:         fix})
}

// meantValue is the enum value a wrong one stands for in a corrected
// request: the same in the documented letter case, or the close one a
// did-you-mean finds; "" when none is close (the field is then left out).
func meantValue(f *genesys.Field, raw json.RawMessage) (json.RawMessage, bool) {
	var v string
	if len(f.Values) == 0 || f.Name == "state" || json.Unmarshal(raw, &v) != nil || containsExact(f.Values, v) {
		return raw, true
	}
	meant := closestValue(v, f.Values)
	if meant == "" {
		return nil, false
	}
	b, _ := json.Marshal(meant)
	return b, true
}

// judgeState judges the state field against the operation meant: the one
// value that performs it ("disconnected" drops, "connected" answers).
func judgeState(p *diagnose.Pass, c *genesys.BodyContract, f *genesys.Field, m member, ref diagnose.Ref, bf *BodyFacts) {
	want := stateValue(f, p.Operation.ID)
	phrase := p.Operation.Words.Phrase()
	send := fmt.Sprintf(`Send "state": %q`, want)
	kind := jsonKind(m.Value)
	if kind != "string" {
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("state is a JSON %s; it must be the string %q to %s.", kind, want, phrase),
			Fix:         newFix(send)})
		return
	}
	var v string
	_ = json.Unmarshal(m.Value, &v)
	bf.State = v
	switch {
	case v == want:
		p.RuleOut(causeBodyStateValue, "state is %q", want)
	case strings.EqualFold(strings.TrimSpace(v), want):
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("state is %q; the documented value is %q in lower case. Whether the server accepts other letter case or spaces is UNCONFIRMED.", v, want),
			Fix:         newFix(send + " exactly")})
	case containsExact(f.Values, v):
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("state is %q: that %s; it does not %s.", v, stateDoes(f, v), phrase),
			Fix:         newFix(send)})
	case containsFold(f.Known, v):
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("state is %q: the SDK enum lists it, but the reference says only %s meaningful to send; %q is what would %s.", v, meaningful(f), want, phrase),
			Fix:         newFix(send)})
	default:
		expl := fmt.Sprintf("state is %q, which is not a state value; %q is what would %s.", v, want, phrase)
		if s := closestValue(v, append([]string{want}, f.Known...)); s != "" && s != v {
			expl = fmt.Sprintf("state is %q, which is not a state value (did you mean %q?); %q is what would %s.", v, s, want, phrase)
		}
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref}, Explanation: expl,
			Fix: newFix(send)})
	}
}

// statesOp reports whether the state field performs op (a drop or an
// answer).
func statesOp(op diagnose.OpID, f *genesys.Field) bool { return stateValue(f, op) != "" }

// stateValue is the state value that performs op ("" when none does).
func stateValue(f *genesys.Field, op diagnose.OpID) string {
	for _, a := range f.Acts {
		if a.Op == op && a.Value != "" {
			return strings.Trim(a.Value, `"`)
		}
	}
	return ""
}

// stateDoes says what a meaningful state value does.
func stateDoes(f *genesys.Field, v string) string {
	for _, a := range f.Acts {
		if strings.Trim(a.Value, `"`) == v {
			return diagnose.WordsOf(a.Op).Verb + "s " + diagnose.WordsOf(a.Op).Object
		}
	}
	return "is another state"
}

func meaningful(f *genesys.Field) string {
	q := make([]string, len(f.Values))
	for i, v := range f.Values {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0] + " is"
	}
	return diagnose.JoinAnd(q) + " are"
}

// actingBody is the body that performs op with field f: {"state":
// "disconnected"}, {"held": true}.
func actingBody(f *genesys.Field, op diagnose.OpID) string {
	for _, a := range f.Acts {
		if a.Op == op {
			v := a.Value
			if v == "" {
				switch f.Type {
				case genesys.TypeBool:
					v = "true"
				case genesys.TypeObject:
					v = "{...}"
				default:
					v = `"..."`
				}
			}
			return fmt.Sprintf("{%q: %s}", f.Name, v)
		}
	}
	return fmt.Sprintf("{%q: ...}", f.Name)
}

func anyPresent(fs []*genesys.Field, present map[string]bool, misnamed map[string]*fieldMatch) bool {
	for _, f := range fs {
		if present[f.Name] || misnamed[f.Name] != nil {
			return true
		}
	}
	return false
}

// opContract is the body contract of the operation's own request (its
// preferred endpoint's), nil when it has none.
func opContract(op *diagnose.Operation) *genesys.BodyContract {
	if !op.Known() || len(op.Endpoints) == 0 {
		return nil
	}
	return genesys.EndpointByID(op.Endpoints[0]).Body
}

// fixContract is the contract a corrected request is built on: the sent
// endpoint's when it does what was meant, else the operation's own, else
// the participant PATCH's.
func fixContract(op *diagnose.Operation, rf *RequestFacts, of *OperationFacts) *genesys.BodyContract {
	if rf != nil && rf.Endpoint != nil && rf.Endpoint.Body != nil && of != nil && of.Performs {
		return rf.Endpoint.Body
	}
	if c := opContract(op); c != nil {
		return c
	}
	return genesys.MediaParticipantRequest
}

// judgeMisnamed reports a key that is a variant of a contract field.
func judgeMisnamed(p *diagnose.Pass, ep *genesys.Endpoint, c *genesys.BodyContract, basis string, fm *fieldMatch, m member, ref diagnose.Ref, bf *BodyFacts) {
	f := fm.Field
	kind := jsonKind(m.Value)
	switch {
	case f.Target:
		s, _ := decodeStringish(m.Value)
		bf.Target, bf.TargetPath = s, jsonPath(m.Key)
		if kind == "array" {
			bf.TargetPath += "[0]"
		}
		l := believed(c, diagnose.Confirmed)
		refs := []diagnose.Ref{ref}
		expl := fmt.Sprintf("The body names the participant under %q (%s) but %s reads %q; the server ignores the unknown field, so as far as it knows no target was given", m.Key, fm.Why, c.Basis, f.Name)
		if c.TargetFallback != "" {
			expl += " and it acts on " + c.TargetFallback
		}
		expl += "."
		if iref, id, ok := responseNamesInitiator(p.Evidence, s); ok {
			refs = append(refs, iref)
			expl += fmt.Sprintf(" The response names participant %s, the conversation's first participant (its initiator), not the one in the body: what the recipe says the server falls back to.", id)
		}
		if kind == "array" {
			expl += fmt.Sprintf(" The value is also an array where %s is a single string.", f.Name)
		}
		p.Report(diagnose.Cause{Info: causeBodyTargetMisnamed, Likelihood: l, Evidence: refs, Explanation: expl,
			Fix: newFix("Name the participant in the path of the participant PATCH", fmt.Sprintf("under %s the body would be {%q: %q}", c.Basis, f.Name, NormalizeID(s).Key()))})
	case f.Name == "state" && statesOp(p.Operation.ID, f):
		var v string
		_ = json.Unmarshal(m.Value, &v)
		bf.State = v
		p.Report(diagnose.Cause{Info: causeBodyStateValue, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("The body has %q (%s) but no \"state\"; field names are case-sensitive in JSON, and whether the server matches other spellings is UNCONFIRMED, so as sent the participant is likely not dropped.", m.Key, fm.Why),
			Fix:         newFix(`Send "state": "disconnected"`)})
	default:
		p.Report(diagnose.Cause{Info: causeBodyUnknownField, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
			Explanation: fmt.Sprintf("%s has no field %q; did you mean %q (%s)? The misspelt field is not read, so what it was meant to do does not happen.", c.Model, m.Key, f.Name, fm.Why),
			Fix:         newFix(fmt.Sprintf("Rename %q to %q", m.Key, f.Name))})
	}
}

// responseNamesInitiator reports whether the error message names the
// conversation's initiator (its first participant) rather than the target
// the body meant: proof that the server fell back to the initiator.
func responseNamesInitiator(ev *diagnose.Evidence, target string) (diagnose.Ref, string, bool) {
	eb := ev.Response.ErrorBody()
	conv := ev.Conv()
	if eb == nil || conv == nil || len(conv.Participants) == 0 || conv.Generic == nil {
		return diagnose.Ref{}, "", false
	}
	init := conv.Participants[0].ID
	if init == "" || strings.EqualFold(NormalizeID(target).Key(), init) || !strings.Contains(strings.ToLower(eb.Message+" "+eb.MessageWithParams), init) {
		return diagnose.Ref{}, "", false
	}
	return diagnose.Ref{Source: "response", Path: "message", Value: eb.Message}, init, true
}

// judgeTargetMismatch compares the body's target with the path and
// --participant.
func judgeTargetMismatch(p *diagnose.Pass, rf *RequestFacts, c *genesys.BodyContract, bf *BodyFacts) {
	if bf.Target == "" {
		return
	}
	bodyKey := NormalizeID(bf.Target).Key()
	// Where else a participant is named, and how to cite it.
	type other struct {
		label string
		ref   diagnose.Ref
	}
	var others []other
	if rf.PathParticipant != "" && !isPlaceholder(rf.PathParticipant) {
		others = append(others, other{"the path", diagnose.Ref{Source: srcRequest, Path: "{participantId}", Value: rf.PathParticipant}})
	}
	if id := p.Evidence.ParticipantID; id != "" {
		others = append(others, other{"--participant", diagnose.Ref{Source: "flag --participant", Value: id}})
	}
	for _, o := range others {
		if strings.EqualFold(NormalizeID(o.ref.Value).Key(), bodyKey) {
			continue
		}
		decides := "the path decides for the PATCH endpoints, so the body's id is at best ignored"
		if c.TargetField() != nil {
			decides = "under " + c.Basis + " the body decides which participant is acted on"
		}
		p.Report(diagnose.Cause{Info: causeBodyTargetMismatch, Likelihood: believed(c, diagnose.Confirmed),
			Evidence:    []diagnose.Ref{{Source: srcBody, Path: bf.TargetPath, Value: bf.Target}, o.ref},
			Explanation: fmt.Sprintf("The body names participant %s but %s names %s; %s.", bf.Target, o.label, o.ref.Value, decides),
			Fix:         newFix("Name one participant, in the path")})
		return
	}
	if len(others) > 0 {
		p.RuleOut(causeBodyTargetMismatch, "the body names the same participant as %s", others[0].label)
	}
}

func jsonPath(key string) string {
	for _, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b, _ := json.Marshal(key)
			return "[" + string(b) + "]"
		}
	}
	if key == "" {
		return `[""]`
	}
	return key
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "no fields"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func containsExact(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// excerpt shows up to 60 bytes of the body around an offset, as text.
func excerpt(b []byte, off int64) string {
	start := off - 30
	if start < 0 {
		start = 0
	}
	end := off + 30
	if end > int64(len(b)) {
		end = int64(len(b))
	}
	s := strings.ToValidUTF8(string(b[start:end]), "\ufffd")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 {
			return '\ufffd'
		}
		return r
	}, s)
	if start > 0 {
		s = "..." + s
	}
	if end < int64(len(b)) {
		s += "..."
	}
	return s
}

// keptMembers are the members of a JSON object body that a corrected
// request on contract c may keep (see BodyFacts.Kept).
func keptMembers(body []byte, c *genesys.BodyContract) []diagnose.Member {
	if jsonKind(body) != "object" || !json.Valid(body) || c == nil {
		return nil
	}
	members, err := objectMembers(body)
	if err != nil {
		return nil
	}
	var kept []diagnose.Member
	have := map[string]int{}
	for _, m := range members {
		f := c.Field(m.Key)
		if f == nil {
			if fm := closestField(m.Key, c); fm != nil {
				f = fm.Field
			}
		}
		if f == nil || f.Target || f.NotHere || !kindFits(jsonKind(m.Value), f.Type) {
			continue
		}
		value, ok := meantValue(f, m.Value)
		if !ok {
			continue // an enum value nothing close to: left out
		}
		if i, dup := have[f.Name]; dup {
			kept[i].Value = value // the server reads the last of duplicate keys
			continue
		}
		have[f.Name] = len(kept)
		kept = append(kept, diagnose.Member{Key: f.Name, Value: value})
	}
	return kept
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nothingActs reports body.action-missing when the operation is unknown
// and the body sets no field of a contract that acts through its fields
// (an empty participant PATCH): whatever was meant, the request as sent
// changes nothing. Which field to send depends on what was meant, so the
// fix is no request until --operation says it.
func nothingActs(p *diagnose.Pass, ep *genesys.Endpoint, c *genesys.BodyContract, present map[string]bool, ref diagnose.Ref) bool {
	if p.Operation.Known() || ep.Op != "" || !c.Acting() {
		return false
	}
	var acting []string
	for _, f := range c.Fields {
		if len(f.Acts) == 0 || f.NotHere {
			continue
		}
		if present[f.Name] {
			return false
		}
		acting = append(acting, f.Name)
	}
	what := "The body is empty"
	if present != nil {
		what = "The body sets no field that acts"
	}
	p.Report(diagnose.Cause{Info: causeBodyActionMissing, Likelihood: diagnose.Likely, Evidence: []diagnose.Ref{ref},
		Explanation: fmt.Sprintf("%s: %s %s acts only through %s, and as sent it changes nothing, whatever it was meant to do.", what, ep.Method, ep.Path, quoteList(acting)),
		Fix: noRequestFix("Send the field that does what was meant ({\"state\": \"disconnected\"} drops the participant, {\"held\": true} holds it, ...)",
			"say what the request was for with --operation OP (convdiag check --help lists them) for the exact request")})
	return true
}
