package diagnose

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Mode says how the evidence was gathered.
type Mode string

// Modes.
const (
	ModeLive    Mode = "live"
	ModeOffline Mode = "offline"
	ModeDryRun  Mode = "dry-run"
)

// Evidence is everything observed about one failing request, gathered once
// (live or from files) before any check runs.
type Evidence struct {
	Mode Mode `json:"mode"`
	// ConversationID and ParticipantID are what the user said they meant
	// (--conversation, --participant); empty when not given.
	ConversationID string `json:"conversation_id,omitempty"`
	ParticipantID  string `json:"participant_id,omitempty"`
	// Operation is what the request was meant to do, as --operation (or a
	// triage log's operation) said; "" when not given: then it is inferred
	// from the request (DESIGN §3b).
	Operation OpID `json:"operation,omitempty"`

	// Request is the request as sent.
	Request Request `json:"request"`
	// Response is what the request got back; nil when unknown.
	Response *Response `json:"response,omitempty"`

	// Conversation is GET /api/v2/conversations/{id} (the generic view).
	Conversation      *genesys.Conversation `json:"conversation,omitempty"`
	ConversationFetch *Fetch                `json:"conversation_fetch,omitempty"`
	// Call is GET /api/v2/conversations/calls/{id} (the flat call view).
	Call      *genesys.CallConversation `json:"call,omitempty"`
	CallFetch *Fetch                    `json:"call_fetch,omitempty"`
	// EarlierConversation is a GET of the conversation taken before the
	// failure when Conversation was taken after it (a HAR that recorded
	// both): the state just before the failure.
	EarlierConversation      *genesys.Conversation `json:"earlier_conversation,omitempty"`
	EarlierConversationFetch *Fetch                `json:"earlier_conversation_fetch,omitempty"`
	// Analytics is GET /api/v2/analytics/conversations/{id}/details: the
	// conversation's history as segments.
	Analytics      *genesys.AnalyticsConversation `json:"analytics,omitempty"`
	AnalyticsFetch *Fetch                         `json:"analytics_fetch,omitempty"`
	// Failure is when the failed request was answered, when known.
	Failure *FailureTime `json:"failure,omitempty"`
	// TokenInfo is GET /api/v2/tokens/me.
	TokenInfo  *genesys.TokenInfo `json:"token_info,omitempty"`
	TokenFetch *Fetch             `json:"token_fetch,omitempty"`
	// Subject is GET /api/v2/authorization/subjects/me: the token's roles
	// by division (for a user token; for a client-credentials token it
	// may list none, UNCONFIRMED).
	Subject      *genesys.AuthzSubject `json:"subject,omitempty"`
	SubjectFetch *Fetch                `json:"subject_fetch,omitempty"`
	// OAuthClient is GET /api/v2/oauth/clients/{id}: a client-credentials
	// client's roles and divisions; Roles are GET
	// /api/v2/authorization/roles/{id} of each (their permissions), in the
	// order of the successful RoleFetches (RoleFetches holds the failed
	// ones too).
	OAuthClient      *genesys.OAuthClient              `json:"oauth_client,omitempty"`
	OAuthClientFetch *Fetch                            `json:"oauth_client_fetch,omitempty"`
	Roles            []*genesys.DomainOrganizationRole `json:"roles,omitempty"`
	RoleFetches      []*Fetch                          `json:"role_fetches,omitempty"`
	// Queue and User are GET /api/v2/routing/queues/{id} and
	// GET /api/v2/users/{id} of a transfer's or consult's destination, when
	// the request names one by id (a 404 fetch: it does not exist, or the
	// token cannot see it).
	Queue      *genesys.Queue `json:"queue,omitempty"`
	QueueFetch *Fetch         `json:"queue_fetch,omitempty"`
	User       *genesys.User  `json:"user,omitempty"`
	UserFetch  *Fetch         `json:"user_fetch,omitempty"`
	// Auth describes how a live check authenticated (nil offline).
	Auth *Auth `json:"auth,omitempty"`

	// APIBase is where a live check looked.
	APIBase string `json:"api_base,omitempty"`
	// Region is the org's region as the user gave it (--region,
	// GENESYSCLOUD_REGION, a profile; any mode), RegionFrom where from.
	Region     string `json:"region,omitempty"`
	RegionFrom string `json:"region_from,omitempty"`
	// Incomplete lists what could not be established (API unreachable,
	// authentication failed, budget spent). Non-empty makes the verdict
	// "incomplete".
	Incomplete []string `json:"incomplete,omitempty"`
	// Notes are remarks of the collector or loader worth showing.
	Notes []string `json:"notes,omitempty"`
	// Replayed names the bundle this evidence was read from (a rerun);
	// Modified lists its files that no longer match the manifest.
	Replayed string   `json:"replayed,omitempty"`
	Modified []string `json:"-"`
	// Sent lists the requests a live check sent ("GET /api/v2/..."), in
	// the order they went out.
	Sent []string `json:"sent,omitempty"`
	// ReadRounds counts the rounds of parallel GETs a live check made
	// after its token: 1 on the common path (two round trips in all), 2
	// when a client-credentials token's roles had to be read after its
	// OAuth client.
	ReadRounds int `json:"read_rounds,omitempty"`
	// Simulated is set when the org is convdiag's own simulated org (the
	// demo): fixes name the scenario's real host, not the simulator's
	// port, which is gone after the demo.
	Simulated bool `json:"simulated,omitempty"`
	// ObservedAt is when the evidence was gathered (zero when unknown).
	ObservedAt time.Time `json:"observed_at,omitzero"`

	conv *Conv // built on first use by Conv
}

// Header is one HTTP header.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Request is the request as sent.
type Request struct {
	Method string `json:"method"`
	// URL is a full URL or a path, as given.
	URL string `json:"url"`
	// Body holds the body bytes exactly as sent; HasBody distinguishes an
	// empty body from none.
	Body    []byte `json:"-"`
	HasBody bool   `json:"has_body"`
	// BodyUnknown is set when a body was sent but convdiag did not read
	// it (a curl @file outside the current directory): nothing is judged
	// about it.
	BodyUnknown bool `json:"body_unknown,omitempty"`
	// Origin says where the request came from: "flags", "curl", "har",
	// "demo", "bundle"; empty (with an empty Method) when the request is
	// unknown: nothing is judged about it.
	Origin  string   `json:"origin,omitempty"`
	Headers []Header `json:"headers,omitempty"`
	// AuthScheme is the scheme of the Authorization sent, when the request
	// came with its headers (curl, HAR): "Bearer", "Basic", another scheme,
	// AuthBare for a token without a scheme, AuthVariable for a shell
	// variable; "" when no Authorization is known. The value is never kept.
	AuthScheme string `json:"auth_scheme,omitempty"`
	// Shell is the shell a pasted command was written for (--curl):
	// ShellBash, ShellCmd (cmd.exe) or ShellPowerShell; "" for a request
	// that was not pasted as a command.
	Shell string `json:"shell,omitempty"`
	// QuotesStripped is set when a PowerShell command hands its body to a
	// native curl.exe and Windows PowerShell 5.1 would strip the body's
	// inner double quotes on the way (curl.exe -d '{"state":"disconnected"}'
	// reaches curl as {state:disconnected}). Body is then what 5.1 sends,
	// the JSON that lost its quotes, and BodyAsWritten what PowerShell 7.3
	// and later send (the body as written): the likely cause of a body the
	// API could not read, not a certain one.
	QuotesStripped bool   `json:"quotes_stripped,omitempty"`
	BodyAsWritten  []byte `json:"-"`
}

// Shells a pasted command is read for (Request.Shell).
const (
	ShellBash       = "bash"
	ShellCmd        = "cmd"
	ShellPowerShell = "powershell"
)

// Authorization schemes that are not a scheme word.
const (
	AuthBare     = "(none: a bare token)"
	AuthVariable = "(a shell variable)"
)

// Known reports whether the request line was given (flags, curl, HAR,
// bundle); without it nothing is claimed about the endpoint or the body.
func (r *Request) Known() bool { return r.Method != "" }

// Response is the response the request got.
type Response struct {
	Status        int      `json:"status,omitempty"`
	Body          []byte   `json:"-"`
	CorrelationID string   `json:"correlation_id,omitempty"`
	Headers       []Header `json:"headers,omitempty"`
	// HeadersKnown is set when the response's headers were given (curl -i,
	// a HAR, a live replay): then their absence is evidence too.
	HeadersKnown bool `json:"headers_known,omitempty"`
}

// GenesysMarkers lists what shows that Genesys produced the response: the
// ININ-Correlation-Id and inin-ratelimit-* headers, and the ErrorBody shape
// (reference §8b). Empty means a gateway, proxy or mock may have answered.
func (r *Response) GenesysMarkers() []string {
	if r == nil {
		return nil
	}
	var out []string
	if r.CorrelationID != "" {
		out = append(out, "ININ-Correlation-Id header")
	}
	for _, h := range r.Headers {
		if strings.HasPrefix(strings.ToLower(h.Name), "inin-ratelimit-") {
			out = append(out, "inin-ratelimit-* headers")
			break
		}
	}
	if eb := r.ErrorBody(); eb.IsGenesysShaped() {
		out = append(out, "a Genesys error body (code, status, contextId)")
	}
	return out
}

// ErrorBody decodes the response body as a Genesys error body.
func (r *Response) ErrorBody() *genesys.ErrorBody {
	if r == nil || len(r.Body) == 0 {
		return nil
	}
	eb, ok := genesys.DecodeErrorBody(r.Body)
	if !ok {
		return nil
	}
	return eb
}

// Fetch records how one piece of evidence was obtained.
type Fetch struct {
	// Source is how the evidence is named in reports, e.g.
	// "GET /api/v2/conversations/{id}".
	Source string `json:"source"`
	// File is the saved file it was read from (offline).
	File string `json:"file,omitempty"`
	// URL is the URL fetched (live).
	URL           string             `json:"url,omitempty"`
	Status        int                `json:"status,omitempty"`
	CorrelationID string             `json:"correlation_id,omitempty"`
	RateLimit     map[string]string  `json:"rate_limit,omitempty"`
	ErrorBody     *genesys.ErrorBody `json:"error_body,omitempty"`
	Err           string             `json:"error,omitempty"`
	Attempts      int                `json:"attempts,omitempty"`
	Warnings      []string           `json:"warnings,omitempty"`
	// At is when the GET was answered, when known (a HAR entry, a live
	// response's Date header).
	At time.Time `json:"at,omitzero"`
	// Raw is the document as received (the file's bytes, the response
	// body), kept so that a bundle holds every field of it, redacted in
	// place; nil when the document was built, not received.
	Raw []byte `json:"-"`
}

// OK reports whether the fetch produced its document.
func (f *Fetch) OK() bool { return f != nil && f.Err == "" && (f.Status == 0 || f.Status/100 == 2) }

// Label names the source for evidence references: the file (and what it
// stands for) offline, the request line live.
func (f *Fetch) Label() string {
	if f == nil {
		return ""
	}
	if f.File != "" {
		return f.File + " (" + f.Source + ")"
	}
	return f.Source
}

// Auth describes how a live check authenticated.
type Auth struct {
	// Method is "client-credentials" or "access-token".
	Method string `json:"method"`
	// From says where the credentials came from ("flags", "env", "profile NAME").
	From string `json:"from,omitempty"`
	// TokenURL is where the client-credentials grant was sent.
	TokenURL string `json:"token_url,omitempty"`
	// Status and Error describe a failed token request.
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Secrets lists the literal secret values used (token, client secret),
	// so every output can redact them. Never serialised.
	Secrets []string `json:"-"`
}

// RequestLine is a parsed request line.
type RequestLine struct {
	Method string
	// URL is the parsed URL; Host is empty for a bare path.
	URL  *url.URL
	Host string
	Path string
	// RawPath is the path as written (before percent-decoding).
	RawPath string
	// Query is the raw query string, if any.
	Query string
}

var knownMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// ParseRequestLine parses "METHOD URL-or-PATH" (an HTTP version after it is
// tolerated). It fails for a line without a known method or without a path.
func ParseRequestLine(s string) (RequestLine, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return RequestLine{}, fmt.Errorf("empty request line; want 'METHOD URL-or-PATH'")
	}
	if len(f) == 1 && isMethod(strings.ToUpper(f[0])) {
		return RequestLine{}, fmt.Errorf("request line %q has no URL; want '%s URL-or-PATH', the URL or path the request was sent to", s, strings.ToUpper(f[0]))
	}
	if len(f) == 1 {
		return RequestLine{}, fmt.Errorf("request line %q has no method; want 'METHOD URL-or-PATH', e.g. 'PATCH /api/v2/conversations/calls/ID/participants/PID'", s)
	}
	if len(f) > 3 || len(f) == 3 && !strings.HasPrefix(strings.ToUpper(f[2]), "HTTP/") {
		return RequestLine{}, fmt.Errorf("request line %q has extra words; want 'METHOD URL-or-PATH' (quote it as one argument)", s)
	}
	method := strings.ToUpper(f[0])
	if !isMethod(method) {
		return RequestLine{}, fmt.Errorf("request line %q: %q is not an HTTP method", s, f[0])
	}
	raw := f[1]
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") {
		if strings.HasPrefix(raw, "api.") || strings.Contains(strings.SplitN(raw, "/", 2)[0], ".") {
			raw = "https://" + raw
		} else {
			raw = "/" + raw
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return RequestLine{}, fmt.Errorf("request line %q: bad URL: %v", s, err)
	}
	rl := RequestLine{Method: method, URL: u, Host: u.Host, Path: u.Path, RawPath: u.EscapedPath(), Query: u.RawQuery}
	if rl.Path == "" {
		rl.Path, rl.RawPath = "/", "/"
	}
	return rl, nil
}

// isMethod reports whether an upper-case word is an HTTP method.
func isMethod(m string) bool {
	for _, k := range knownMethods {
		if k == m {
			return true
		}
	}
	return false
}

// Plural is "1 attempt", "3 attempts": reports never say "attempt(s)".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// JoinAnd is "a", "a and b", "a, b and c".
func JoinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// CountSent sorts the requests a live check sent (Evidence.Sent) into token
// requests, GETs and anything else (which the read-only client cannot
// send: a non-zero other is a bug to report, not to hide).
func CountSent(sent []string) (tokens, gets, other int) {
	for _, s := range sent {
		switch {
		case strings.HasPrefix(s, "POST ") && strings.Contains(s, "/oauth/token"):
			tokens++
		case strings.HasPrefix(s, "GET "):
			gets++
		default:
			other++
		}
	}
	return tokens, gets, other
}
