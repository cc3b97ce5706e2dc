// Package sim is the simulated Genesys Cloud org: a real http.Handler that
// serves, on loopback, what convdiag reads (the token endpoint, GET
// /api/v2/tokens/me, the conversation in both views) and what a user sends
// (the teardown POST with the seed forum post's contract, the participant
// PATCH with the real API's), with Genesys-shaped error bodies,
// correlation and rate-limit headers, and injectable latency, rate limits
// and failures. `convdiag sim` serves it to other tools; `convdiag demo` and
// the end-to-end tests run convdiag against it over real HTTP.
//
// It is product code, not a test double: built-in scenarios are embedded in
// the binary, and a customer's saved conversation can be served as a live
// org.
package sim

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/suggest"
)

//go:embed scenarios
var scenarioFS embed.FS

// Scenario is one built-in case: an org (a conversation and a token) and
// the request a user sent to it.
type Scenario struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Story string `json:"story"`
	// Conversation and Token name files under scenarios/conversations and
	// scenarios/tokens.
	Conversation string `json:"conversation"`
	Token        string `json:"token"`
	// Access names a file under scenarios/access: the token's roles and
	// divisions (absent: a role with the drop permissions in all
	// divisions).
	Access string `json:"access,omitempty"`
	// Request is what the user sent, exactly: method, URL, body text.
	Request SentRequest `json:"request"`
	// At is when the request failed (RFC 3339), for a scenario that
	// happened at a known moment; the demo replays it then.
	At string `json:"at,omitempty"`
	// Operation is what the request was for, when the request alone does
	// not say (--operation).
	Operation string `json:"operation,omitempty"`
	// Queues and Users are destinations the org knows (id -> name)
	// besides its conversations' own.
	Queues map[string]string `json:"queues,omitempty"`
	Users  map[string]string `json:"users,omitempty"`
	// Healthy marks a healthy control: the request as sent is right, and
	// a check finds no confirmed or likely cause.
	Healthy bool `json:"healthy,omitempty"`
	// Vars are the values of the shell variables the scenario's fix holds
	// that convdiag cannot know (a wrap-up code of the queue), as a user
	// would set them before sending it; "now+72h" is a time that long
	// after the plan is carried out (RFC 3339, UTC, milliseconds).
	Vars map[string]string `json:"vars,omitempty"`
	// Replays are the customer's recorded answers the org gives to those
	// requests (the seed post's 409), instead of what the documented API
	// would do.
	Replays []Replay `json:"replays,omitempty"`
	// Timers are the scenario's timed changes (a ringing party answers
	// after a delay), run from when the org is served.
	Timers []Timer `json:"timers,omitempty"`
}

// SentRequest is a request as a user sent it.
type SentRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Body   string `json:"body"`
}

// Scenarios lists the built-in scenarios, the seed's case first.
func Scenarios() []Scenario {
	b, err := scenarioFS.ReadFile("scenarios/scenarios.json")
	if err != nil {
		panic("sim: embedded scenarios missing: " + err.Error())
	}
	var list []Scenario
	if err := json.Unmarshal(b, &list); err != nil {
		panic("sim: embedded scenarios.json: " + err.Error())
	}
	return list
}

// DefaultScenario is the seed forum post's case.
const DefaultScenario = "seed-forum-409"

// LookupScenario finds a built-in scenario by name, with a did-you-mean.
func LookupScenario(name string) (Scenario, error) {
	list := Scenarios()
	var names []string
	for _, s := range list {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if best := suggest.Closest(name, names); best != "" {
		return Scenario{}, fmt.Errorf("unknown scenario %q; did you mean %q? (convdiag sim --list)", name, best)
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q; scenarios: %s", name, strings.Join(names, ", "))
}

// Files returns the scenario's conversation and token documents.
func (s Scenario) Files() (conversation, token []byte, err error) {
	conversation, err = scenarioFS.ReadFile("scenarios/conversations/" + s.Conversation)
	if err != nil {
		return nil, nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	token, err = scenarioFS.ReadFile("scenarios/tokens/" + s.Token)
	if err != nil {
		return nil, nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return conversation, token, nil
}

// ScenarioFile reads one of the embedded scenario data files
// ("conversations/ringing.json", "tokens/user.json").
func ScenarioFile(name string) ([]byte, error) { return scenarioFS.ReadFile("scenarios/" + name) }

// Org builds a fresh org for the scenario.
func (s Scenario) Org() (*Org, error) {
	conv, tok, err := s.Files()
	if err != nil {
		return nil, err
	}
	d, err := genesys.DecodeConversation(conv, "")
	if err != nil {
		return nil, fmt.Errorf("scenario %s: conversation %v", s.Name, err)
	}
	ti, err := genesys.DecodeTokenInfo(tok)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: token %v", s.Name, err)
	}
	org := NewOrg(ti, d)
	org.SetReplays(s.Replays)
	org.SetDirectory(s.Queues, s.Users)
	if s.Access != "" {
		b, err := scenarioFS.ReadFile("scenarios/access/" + s.Access)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		var a Access
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("scenario %s: access %v", s.Name, err)
		}
		org.SetAccess(&a)
	}
	if err := org.SetTimers(s.Timers); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return org, nil
}

// ConversationID is the id of the scenario's conversation.
func (s Scenario) ConversationID() string {
	conv, _, err := s.Files()
	if err != nil {
		return ""
	}
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(conv, &v)
	return v.ID
}

// OperationOf is what the scenario's request is for: its Operation, else
// what the endpoint and the body's acting fields do (the first of them),
// else "".
func (s Scenario) OperationOf() string {
	if s.Operation != "" {
		return s.Operation
	}
	rl, err := diagnose.ParseRequestLine(s.Request.Method + " " + s.Request.URL)
	if err != nil {
		return ""
	}
	for _, a := range genesys.MatchRequest(rl.Method, rl.Path).Endpoint.Actions([]byte(s.Request.Body)) {
		if !a.Unsupported {
			return string(a.Op)
		}
	}
	return ""
}
