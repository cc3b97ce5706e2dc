package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The notification channel calls (reference participant-operations.md
// §4a): the only requests besides GETs and the token that watch sends, and
// they change no conversation.
const channelsPath = "/api/v2/notifications/channels"

var subscriptionsPath = regexp.MustCompile(`^/api/v2/notifications/channels/[A-Za-z0-9_-]+/subscriptions$`)

// ErrNotChannelCall is returned, without sending anything, for a request
// the channel client does not make.
var ErrNotChannelCall = errors.New("refused: convdiag watch sends only GETs, the token request and the notification channel calls")

// channelTransport lets through POST to the channel and subscription
// endpoints on the API host, and nothing else.
type channelTransport struct {
	base http.RoundTripper
	host string
}

func (t channelTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	allowed := req.Method == http.MethodPost && strings.EqualFold(req.URL.Host, t.host) &&
		(req.URL.Path == channelsPath || subscriptionsPath.MatchString(req.URL.Path))
	if !allowed {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ErrNotChannelCall)
	}
	return t.base.RoundTrip(req)
}

// refuseRedirect: a redirect would carry the Authorization header away.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("a redirect to %s was refused: Genesys does not redirect API calls", req.URL.Redacted())
}

// Channel is the answer of POST /api/v2/notifications/channels.
type Channel struct {
	ID         string `json:"id"`
	ConnectURI string `json:"connectUri"`
	Expires    string `json:"expires"`
}

// Topic is one subscription's outcome (ChannelTopic).
type Topic struct {
	ID                 string   `json:"id"`
	State              string   `json:"state,omitempty"`
	RejectionReason    string   `json:"rejectionReason,omitempty"`
	MissingPermissions []string `json:"missingPermissions,omitempty"`
}

// Rejected reports whether the topic was refused.
func (t Topic) Rejected() bool { return strings.EqualFold(t.State, "Rejected") }

// Why says why a topic was refused, in a few words.
func (t Topic) Why() string {
	why := t.RejectionReason
	if why == "" {
		why = "rejected"
	}
	if len(t.MissingPermissions) > 0 {
		why += " (missing " + strings.Join(t.MissingPermissions, ", ") + ")"
	}
	return why
}

// APIError is a channel call the API refused.
type APIError struct {
	Call    string
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s answered %d", e.Call, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// channels makes the channel calls with the reads client's token.
type channels struct {
	reads *genesys.Client
	api   *url.URL
	http  *http.Client
}

func newChannels(reads *genesys.Client, apiBase string, base http.RoundTripper) (*channels, error) {
	api, err := url.Parse(strings.TrimSuffix(apiBase, "/"))
	if err != nil || api.Host == "" {
		return nil, fmt.Errorf("API base %q is not an absolute URL", apiBase)
	}
	hc := &http.Client{Transport: channelTransport{base: base, host: api.Host}, CheckRedirect: refuseRedirect}
	return &channels{reads: reads, api: api, http: hc}, nil
}

// post sends one channel call and decodes its answer into out.
func (c *channels) post(ctx context.Context, path string, body any, out any) error {
	if err := c.reads.Token(ctx); err != nil {
		return fmt.Errorf("token for the channel calls: %w", err)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	u := *c.api
	u.Path = strings.TrimSuffix(c.api.Path, "/") + path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		u.Path, u.RawQuery = strings.TrimSuffix(c.api.Path, "/")+path[:i], path[i+1:]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), rd)
	if err != nil {
		return fmt.Errorf("build POST %s: %w", u.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.reads.TokenValue())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	call := "POST " + u.Path
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", call, err)
	}
	if resp.StatusCode/100 != 2 {
		var eb genesys.ErrorBody
		_ = json.Unmarshal(b, &eb)
		return &APIError{Call: call, Status: resp.StatusCode, Code: eb.Code, Message: eb.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: the answer is not the documented JSON: %w", call, err)
	}
	return nil
}

// create is POST /api/v2/notifications/channels.
func (c *channels) create(ctx context.Context) (Channel, error) {
	var ch Channel
	if err := c.post(ctx, channelsPath, nil, &ch); err != nil {
		return ch, err
	}
	if ch.ID == "" || ch.ConnectURI == "" {
		return ch, errors.New("POST " + channelsPath + ": the answer has no id or connectUri")
	}
	return ch, nil
}

// subscribe adds topics with ignoreErrors=true, so a topic the token may
// not read comes back Rejected with its reason instead of failing the
// call.
func (c *channels) subscribe(ctx context.Context, channelID string, topics []string) ([]Topic, error) {
	req := make([]Topic, len(topics))
	for i, t := range topics {
		req[i] = Topic{ID: t}
	}
	var out struct {
		Entities []Topic `json:"entities"`
	}
	path := channelsPath + "/" + url.PathEscape(channelID) + "/subscriptions?ignoreErrors=true"
	if err := c.post(ctx, path, req, &out); err != nil {
		return nil, err
	}
	return out.Entities, nil
}

// CheckConnectURI decides whether a channel's connectUri may be dialled:
// only wss:// on the streaming host of the org's own domain
// (streaming.mypurecloud.de for https://api.mypurecloud.de), or, for a
// simulated org on loopback, a loopback host. Anything else (another
// host, a look-alike, credentials in the URI) is refused: the channel's
// events would go to whoever runs it.
func CheckConnectURI(apiBase, connectURI string) error {
	api, err := url.Parse(apiBase)
	if err != nil || api.Host == "" {
		return fmt.Errorf("API base %q is not an absolute URL", apiBase)
	}
	u, err := url.Parse(connectURI)
	if err != nil || u.Host == "" {
		return fmt.Errorf("connectUri %q is not an absolute URL", connectURI)
	}
	if u.User != nil {
		return fmt.Errorf("connectUri %s carries user information", u.Redacted())
	}
	if isLoopback(api.Hostname()) {
		if (u.Scheme == "ws" || u.Scheme == "wss") && isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("connectUri %s is not on this machine, as the simulated org at %s is", u.Redacted(), api.Host)
	}
	domain, ok := strings.CutPrefix(strings.ToLower(api.Hostname()), "api.")
	if !ok {
		return fmt.Errorf("connectUri %s: the org's streaming host cannot be told from the API base %s (not api.<domain>)", u.Redacted(), api.Host)
	}
	want := "streaming." + domain
	if u.Scheme != "wss" || !strings.EqualFold(u.Hostname(), want) || u.Port() != "" && u.Port() != "443" {
		return fmt.Errorf("connectUri %s is not wss://%s, the streaming host of the org's domain", u.Redacted(), want)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
