package wrapup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/convdiag/convdiag/checks"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Attributes sets a participant's attributes.
var Attributes = &diagnose.Operation{
	ID:        diagnose.OpAttributes,
	Title:     "set a participant's attributes",
	Words:     diagnose.WordsOf(diagnose.OpAttributes),
	Doc:       "PATCH .../participants/{participantId}/attributes with {\"attributes\": {\"key\": \"value\"}}: every value a string. A wrap-up is not an attribute: it goes to the participant PATCH's wrapup.",
	Endpoints: []string{"patchConversationParticipantAttributes", "patchConversationsCallParticipantAttributes"},
	Needs:     diagnose.NeedParticipant,
	Checks:    []*diagnose.Check{Values},
	Build:     buildAttributes,
}

// Values is the attributes' own check: every value is a string
// (ParticipantAttributes: additionalProperties string).
var Values = &diagnose.Check{
	ID:       "attribute-values",
	Title:    "Attribute values",
	Doc:      "ParticipantAttributes is a map of strings: a number, a boolean, an object or null is refused (400 bad.request, conversation.error.participant.attribute.null).",
	Requires: []*diagnose.Check{checks.RequestLine, checks.BodyShape},
	Causes:   []*diagnose.CauseInfo{checks.CauseBodyFieldType},
	Run:      runValues,
}

func runValues(p *diagnose.Pass) (any, error) {
	defer checks.ReportCode(p)
	attrs, ok := sentAttributes(p.Evidence.Request.Body)
	if !ok {
		p.Skip("the body has no attributes object to judge")
		return nil, nil
	}
	var bad []string
	var refs []diagnose.Ref
	for _, a := range attrs {
		if k := checks.JSONKind(a.Value); k != "string" {
			bad = append(bad, fmt.Sprintf("%s (a JSON %s)", a.Key, k))
			refs = append(refs, diagnose.Ref{Source: "request body", Path: "attributes." + a.Key, Value: clip(string(a.Value), 80)})
		}
	}
	if len(bad) == 0 {
		p.RuleOut(checks.CauseBodyFieldType, "every attribute value is a string")
		p.Summary("%s, every value a string", diagnose.Plural(len(attrs), "attribute", "attributes"))
		return nil, nil
	}
	l, why := diagnose.Likely, ""
	if r := p.Evidence.Response; r != nil && r.Status == 400 {
		l, why = diagnose.Confirmed, " The 400 it got is the server refusing them."
	}
	p.Report(diagnose.Cause{Info: checks.CauseBodyFieldType, Likelihood: l, Evidence: refs,
		Explanation: fmt.Sprintf("Participant attributes are a map of strings (ParticipantAttributes); %s %s not.%s", strings.Join(bad, ", "), map[bool]string{true: "is", false: "are"}[len(bad) == 1], why),
		Fix:         checks.NewFix("Send every attribute value as a string (an object as its JSON text), or leave it out")})
	return nil, nil
}

// sentAttributes reads the attributes object of a body.
func sentAttributes(body []byte) ([]genesys.RawMember, bool) {
	for _, m := range genesys.TopMembers(body) {
		if m.Key == "attributes" && checks.JSONKind(m.Value) == "object" {
			return genesys.TopMembers(m.Value), true
		}
	}
	return nil, false
}

// buildAttributes is the attributes PATCH with every value a string (a
// wrap-up written into them is left out: it is the wrap-up's request).
func buildAttributes(ctx *diagnose.FixContext) (*diagnose.FixRequest, []string) {
	attrs, wrapped := sentAttributes(ctx.Evidence.Request.Body)
	var notes []string
	if !wrapped {
		// A flat map ({"priority": "5"}) is the attributes themselves,
		// sent without their wrapper.
		if attrs = genesys.TopMembers(ctx.Evidence.Request.Body); len(attrs) > 0 {
			notes = append(notes, `the body's fields were the attributes themselves: sent inside "attributes"`)
		}
	}
	fixed := map[string]string{}
	for _, a := range attrs {
		var s string
		switch k := checks.JSONKind(a.Value); k {
		case "string":
			_ = json.Unmarshal(a.Value, &s)
		case "null":
			notes = append(notes, fmt.Sprintf("attribute %q was null: left out (a null attribute is refused)", a.Key))
			continue
		default:
			var b bytes.Buffer
			_ = json.Compact(&b, a.Value)
			s = b.String()
			notes = append(notes, fmt.Sprintf("attribute %q was a JSON %s: sent as its JSON text", a.Key, k))
		}
		fixed[a.Key] = s
	}
	keys := make([]string, 0, len(fixed))
	for k := range fixed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var members []diagnose.Member
	for _, k := range keys {
		v, _ := json.Marshal(fixed[k])
		members = append(members, diagnose.Member{Key: k, Value: v})
	}
	var vars []diagnose.Var
	path := checks.ParticipantPath(ctx, &vars) + "/attributes"
	body := checks.Object([]diagnose.Member{{Key: "attributes", Value: checks.Object(members)}})
	return &diagnose.FixRequest{Method: "PATCH", BaseURL: ctx.BaseURL, Path: path, Body: body, Vars: vars}, notes
}
