package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Options tune the simulated org's behaviour.
type Options struct {
	// ClientID and ClientSecret are the accepted client credentials; when
	// both are empty any non-empty pair is accepted.
	ClientID, ClientSecret string
	// AccessTokens are accepted as bearer tokens besides those issued.
	AccessTokens []string
	// Latency is added to every response.
	Latency time.Duration
	// RateLimit is the number of requests per second served; past it the
	// answer is 429 with Retry-After. 0: no limit.
	RateLimit int
	// FailRate is the fraction of API responses (not token responses)
	// that are 503.
	FailRate float64
	// Seed seeds the failure dice (0: random).
	Seed uint64
	// RequestLog receives one JSON line per request:
	// {"method","path","status"}.
	RequestLog io.Writer
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Live tunes the notification channels, WebSocket and scenario
	// timers (notify.go).
	Live LiveOptions
}

// Server is the simulated org's http.Handler.
type Server struct {
	org  *Org
	opts Options
	mux  *http.ServeMux

	mu     sync.Mutex
	issued map[string]time.Time // token -> when it expires
	client map[string]string    // token -> the client id it was issued to
	window time.Time
	count  int
	dice   *mrand.Rand
	logMu  sync.Mutex
	docs   docCache
	// hub serves the notification channels (notify.go).
	hub *hub
}

// New returns the handler serving org.
func New(org *Org, opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	s := &Server{org: org, opts: opts, issued: map[string]time.Time{}, client: map[string]string{}, dice: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, t := range opts.AccessTokens {
		s.issued[t] = time.Time{} // never expires
	}
	s.hub = newHub(opts.Live, opts.Now)
	s.hub.unlisten = org.onChange(s.hub.conversationChanged)
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth/token", s.token)
	m.HandleFunc("GET /api/v2/tokens/me", s.api(s.tokensMe))
	m.HandleFunc("GET /api/v2/authorization/subjects/me", s.api(s.subjectsMe))
	m.HandleFunc("GET /api/v2/authorization/divisionspermitted/paged/me", s.api(s.divisionsPermitted))
	m.HandleFunc("GET /api/v2/authorization/roles", s.api(s.roles))
	m.HandleFunc("GET /api/v2/authorization/roles/{id}", s.api(s.role))
	m.HandleFunc("GET /api/v2/oauth/clients/{id}", s.api(s.oauthClient))
	m.HandleFunc("GET /api/v2/routing/queues/{id}", s.api(s.getQueue))
	m.HandleFunc("GET /api/v2/users/{id}", s.api(s.getUser))
	m.HandleFunc("GET /api/v2/conversations/{id}", s.api(s.getConversation))
	m.HandleFunc("GET /api/v2/analytics/conversations/{id}/details", s.api(s.getAnalytics))
	m.HandleFunc("GET /api/v2/conversations/{media}/{id}", s.api(s.getMediaConversation))
	m.HandleFunc("POST /api/v2/conversations/{id}/disconnect", s.api(s.postDisconnect))
	m.HandleFunc("DELETE /api/v2/conversations/{id}", s.api(s.deleteConversation))
	m.HandleFunc("PATCH /api/v2/conversations/{id}/participants/{pid}", s.api(s.patchParticipant))
	m.HandleFunc("PATCH /api/v2/conversations/{media}/{id}/participants/{pid}", s.api(s.patchParticipant))
	m.HandleFunc("POST /api/v2/conversations/{media}/{id}/participants/{pid}/communications/{cid}/wrapup", s.api(s.postWrapup))
	m.HandleFunc("PATCH /api/v2/conversations/{media}/{id}/participants/{pid}/attributes", s.api(s.patchAttributes))
	m.HandleFunc("PATCH /api/v2/conversations/{id}/recordingstate", s.api(s.recordingState))
	m.HandleFunc("PUT /api/v2/conversations/{media}/{id}/recordingstate", s.api(s.recordingState))
	m.HandleFunc("DELETE /api/v2/conversations/calls/{id}/participants/{pid}/consult", s.api(s.deleteConsult))
	m.HandleFunc("POST /api/v2/notifications/channels", s.api(s.postChannel))
	m.HandleFunc("POST /api/v2/notifications/channels/{channelId}/subscriptions", s.api(s.subscriptions))
	m.HandleFunc("PUT /api/v2/notifications/channels/{channelId}/subscriptions", s.api(s.subscriptions))
	m.HandleFunc("GET /api/v2/notifications/channels/{channelId}/subscriptions", s.api(s.getSubscriptions))
	m.HandleFunc("GET /channels/{channelId}", s.streaming)
	m.HandleFunc("POST /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}", s.api(s.grant))
	m.HandleFunc("/", s.api(s.fallback))
	s.mux = m
	return s
}

// fallback serves the documented operations whose paths the mux's
// patterns cannot tell apart (the generic and media-specific replace,
// transfer, consult and attributes paths overlap): it finds the operation
// in the endpoint table, as convdiag does, and dispatches on what it does;
// anything else is 404.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	m := genesys.MatchRequest(r.Method, r.URL.Path)
	ep := m.Endpoint
	if ep == nil || !ep.Exists {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("No resource for %s %s", r.Method, r.URL.Path))
		return
	}
	r.SetPathValue("id", m.Params["conversationId"])
	r.SetPathValue("pid", m.Params["participantId"])
	r.SetPathValue("media", ep.Segment())
	var h http.HandlerFunc
	switch {
	case ep.Op == genesys.OpAttributes && r.Method == http.MethodPatch:
		h = s.patchAttributes
	case ep.Op == genesys.OpTransfer:
		h = s.postTransfer
	case ep.Op == genesys.OpConsult:
		h = s.postConsult
	case ep.Op == genesys.OpConsultSpeakTo:
		h = s.patchConsult
	case ep.ID == "postConversationsCallParticipants":
		h = s.postCallParticipants
	case ep.ID == "patchConversationsCallbacks":
		h = s.patchCallbacks
	}
	if h == nil {
		writeError(w, http.StatusNotImplemented, "not.implemented", fmt.Sprintf("The simulated org does not serve %s %s (%s)", r.Method, ep.Path, ep.ID))
		return
	}
	h(w, r)
}

// Org returns the org served.
func (s *Server) Org() *Org { return s.org }

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP adds what every Genesys response carries (correlation id,
// rate-limit headers), the configured latency and rate limit, and the
// request log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { s.logRequest(r, rec.status) }()
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			rec.status = 499
			return
		}
	}
	h := rec.Header()
	h.Set("ININ-Correlation-Id", uuid.NewString())
	h.Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
	count, reset, limited := s.rate()
	allowed := 300
	if s.opts.RateLimit > 0 {
		allowed = s.opts.RateLimit
	}
	h.Set("inin-ratelimit-allowed", strconv.Itoa(allowed))
	h.Set("inin-ratelimit-count", strconv.Itoa(count))
	h.Set("inin-ratelimit-reset", strconv.Itoa(reset))
	if limited {
		h.Set("Retry-After", strconv.Itoa(reset))
		writeError(rec, http.StatusTooManyRequests, "too.many.requests", fmt.Sprintf("Rate limit exceeded the maximum of %d requests per second", s.opts.RateLimit))
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// rate counts the request in the current one-second window.
func (s *Server) rate() (count, reset int, limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if now.Sub(s.window) >= time.Second {
		s.window, s.count = now, 0
	}
	s.count++
	reset = 1
	return s.count, reset, s.opts.RateLimit > 0 && s.count > s.opts.RateLimit
}

func (s *Server) logRequest(r *http.Request, status int) {
	if s.opts.RequestLog == nil {
		return
	}
	b, _ := json.Marshal(struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Status int    `json:"status"`
	}{r.Method, r.URL.Path, status})
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.opts.RequestLog.Write(append(b, '\n'))
}

// api wraps an /api/v2 handler: bearer authentication and injected 503s.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			tok, ok = strings.CutPrefix(auth, "bearer ")
		}
		s.mu.Lock()
		exp, known := s.issued[strings.TrimSpace(tok)]
		known = known && (exp.IsZero() || s.opts.Now().Before(exp))
		fail := s.opts.FailRate > 0 && s.dice.Float64() < s.opts.FailRate
		s.mu.Unlock()
		if !ok || !known {
			writeError(w, http.StatusUnauthorized, "bad.credentials", "Invalid login credentials.")
			return
		}
		if fail {
			writeError(w, http.StatusServiceUnavailable, "service.unavailable", "The service is currently unavailable (simulated failure)")
			return
		}
		if s.serveSaved(w, r) {
			return
		}
		h(w, r)
	}
}

// token is POST /oauth/token: the client-credentials grant with Basic auth.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "description": desc, "error_description": desc})
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "the form body does not parse")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported here; use client_credentials", gt))
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	valid := id != "" && secret != ""
	if s.opts.ClientID != "" || s.opts.ClientSecret != "" {
		valid = id == s.opts.ClientID && secret == s.opts.ClientSecret
	}
	if !valid {
		oauthErr(http.StatusUnauthorized, "invalid_client", "client id or secret is not valid")
		return
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "sim-" + base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	s.remember(tok)
	s.client[tok] = id
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 86400})
}

// maxTokens bounds the tokens the org remembers: a client that logs in
// again and again must not grow it without end.
const maxTokens = 10000

// remember keeps an issued token for a day; past maxTokens the expired ones,
// then the oldest, are forgotten. s.mu is held.
func (s *Server) remember(tok string) {
	now := s.opts.Now()
	if len(s.issued) >= maxTokens {
		var oldest string
		var oldestExp time.Time
		for t, exp := range s.issued {
			switch {
			case exp.IsZero():
			case !now.Before(exp):
				delete(s.issued, t)
			case oldest == "" || exp.Before(oldestExp):
				oldest, oldestExp = t, exp
			}
		}
		if len(s.issued) >= maxTokens && oldest != "" {
			delete(s.issued, oldest)
		}
		for t := range s.client {
			if _, ok := s.issued[t]; !ok {
				delete(s.client, t)
			}
		}
	}
	s.issued[tok] = now.Add(24 * time.Hour)
}

func (s *Server) tokensMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.org.TokenInfo())
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if b, ok := s.org.conversationJSON(id); ok {
		s.docs.serve(w, "conversation "+id, b)
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Conversation %s not found", id))
}

func (s *Server) getAnalytics(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if b, ok := s.org.analyticsJSON(id); ok {
		s.docs.serve(w, "analytics "+id, b)
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Conversation %s not found", id))
}

func (s *Server) getMediaConversation(w http.ResponseWriter, r *http.Request) {
	media, id := r.PathValue("media"), r.PathValue("id")
	switch media {
	case "calls":
		if b, ok := s.org.callJSON(id); ok {
			s.docs.serve(w, "call "+id, b)
			return
		}
	case "callbacks", "chats", "cobrowsesessions", "emails", "messages":
		if b, ok := s.org.conversationJSON(id); ok && s.org.mediaIs(id, media) {
			s.docs.serve(w, "conversation "+id, b)
			return
		}
	default:
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("No resource for GET %s", r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Conversation %s not found", id))
}

// mediaIs reports whether the conversation is of the media segment.
func (o *Org) mediaIs(id, segment string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.convs[id]
	return ok && mediaOf(c) == segment
}

// loggedInAs reports whether the request's bearer token was issued to the
// OAuth client id.
func (s *Server) loggedInAs(r *http.Request, id string) bool {
	tok := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "bearer "))
	s.mu.Lock()
	defer s.mu.Unlock()
	return tok != "" && strings.EqualFold(s.client[tok], id)
}

// notAUser is the documented message of not.a.user.
const notAUser = "This request requires a user context. Client credentials cannot be used for requests to this resource."

// deleteConsult is DELETE .../calls/{id}/participants/{pid}/consult: it
// cancels the consult transfer of the party pid (every consult operation
// lists not.a.user).
func (s *Server) deleteConsult(w http.ResponseWriter, r *http.Request) {
	if !s.org.userToken() {
		writeError(w, http.StatusBadRequest, "not.a.user", notAUser)
		return
	}
	if failed(w, s.org.cancelConsult(r.PathValue("id"), r.PathValue("pid"), s.opts.Now())) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// userToken reports whether the org's token is a user token (a scoped
// grant), not a client-credentials one.
func (o *Org) userToken() bool {
	ti := o.TokenInfo()
	if ti.OAuthClient != nil && ti.OAuthClient.AuthorizedGrantType != "" {
		return !strings.EqualFold(strings.ReplaceAll(ti.OAuthClient.AuthorizedGrantType, "_", "-"), "CLIENT-CREDENTIALS")
	}
	return len(ti.AuthorizedScope) > 0
}

func hasScope(scopes []string, want string) bool {
	for _, s := range scopes {
		if s == want {
			return true
		}
	}
	return false
}

// writeError writes a Genesys-shaped error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, genesys.ErrorBody{Message: msg, Code: code, Status: status, ContextID: uuid.NewString()})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sim: " + err.Error()) // the org's own models always marshal
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
