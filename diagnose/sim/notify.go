package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// LiveOptions tune the notification channels, their WebSocket and the
// scenario timers (reference participant-operations.md §4).
type LiveOptions struct {
	// HeartbeatEvery is how often a socket gets a heartbeat (default 30s,
	// as Genesys sends them).
	HeartbeatEvery time.Duration
	// SocketClosingAfter, when set, sends v2.system.socket_closing on every
	// socket that has been open that long (a maintenance close, to test
	// reconnects); the socket is closed socketClosingGrace later, or when
	// the client connects again.
	SocketClosingAfter time.Duration
	// AfterFunc is the clock's timer (nil: time.AfterFunc): heartbeats,
	// maintenance closes and scenario timers run on it.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

func (o LiveOptions) afterFunc(d time.Duration, f func()) func() bool {
	if o.AfterFunc != nil {
		return o.AfterFunc(d, f)
	}
	return time.AfterFunc(d, f).Stop
}

// socketClosingGrace is how long a socket stays open after
// v2.system.socket_closing (Genesys gives about a minute).
const socketClosingGrace = time.Minute

// Limits of the Notifications API (reference §4c).
const (
	maxChannels    = 20
	maxTopics      = 1000
	channelTTL     = 24 * time.Hour
	socketQueueLen = 256
)

// hub is the org's notification service: channels, their topics and
// sockets, and the last state it published of each conversation (events
// are what changed since).
type hub struct {
	opts LiveOptions
	now  func() time.Time

	mu       sync.Mutex
	channels map[string]*channel
	order    []string // channel ids, oldest first
	last     map[string]map[string]commState
	closed   bool
	// timerStops stop the scenario timers not yet fired.
	timerStops []func() bool
	// unlisten stops the org's change events.
	unlisten func()
}

type channel struct {
	id      string
	topics  map[string]bool
	sock    *socket
	expires time.Time
}

// socket is one WebSocket of a channel: a writer goroutine drains out.
type socket struct {
	conn      *websocket.Conn
	out       chan []byte
	done      chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	closed bool
	stops  []func() bool // the socket's timers
}

func (s *socket) close(code websocket.StatusCode, reason string) {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		s.closed = true
		stops := s.stops
		s.stops = nil
		s.mu.Unlock()
		for _, stop := range stops {
			stop()
		}
		// The close handshake waits for the client (up to 5s): nobody
		// waits for it.
		if conn := s.websocket(); conn != nil {
			go func() { _ = conn.Close(code, reason) }()
		}
	})
}

// websocket is the socket's connection (nil before the handshake).
func (s *socket) websocket() *websocket.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// after runs f after d on the hub's clock, unless the socket closes first.
func (s *socket) after(o LiveOptions, d time.Duration, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.stops = append(s.stops, o.afterFunc(d, f))
	}
}

// send queues a message; a socket too slow to keep up is closed (its
// client re-reads, as after any gap).
func (s *socket) send(b []byte) {
	select {
	case <-s.done:
	case s.out <- b:
	default:
		s.close(websocket.StatusPolicyViolation, "client too slow")
	}
}

// commState is what an event reports of one communication.
type commState struct {
	State        string
	Held, Muted  bool
	Confined     bool
	Disconnected string
}

func newHub(opts LiveOptions, now func() time.Time) *hub {
	return &hub{opts: opts, now: now, channels: map[string]*channel{}, last: map[string]map[string]commState{}}
}

// states is the published view of a conversation: one entry per
// communication, keyed by participant and communication.
func states(c *genesys.Conversation) map[string]commState {
	out := map[string]commState{}
	for i := range c.Participants {
		p := &c.Participants[i]
		for _, cm := range p.Comms() {
			key := fmt.Sprintf("%s/%s/%d/%s", p.ID, cm.Array.Key, cm.Index, cm.ID)
			out[key] = commState{State: strings.ToLower(cm.State), Held: cm.Held, Muted: cm.Muted, Confined: cm.Confined, Disconnected: cm.DisconnectedTime}
		}
	}
	return out
}

func sameStates(a, b map[string]commState) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// conversationChanged is the org's change hook: when a participant's state
// differs from what was last published, the whole conversation goes out on
// the topics that carry it. It runs under the org's lock and never calls
// back into the org.
func (h *hub) conversationChanged(c *genesys.Conversation) {
	now := states(c)
	h.mu.Lock()
	defer h.mu.Unlock()
	if sameStates(h.last[c.ID], now) {
		return
	}
	h.last[c.ID] = now
	for _, topic := range conversationTopics(c) {
		msg := eventMessage(topic, c)
		for _, id := range h.order {
			if ch := h.channels[id]; ch.topics[topic] && ch.sock != nil {
				ch.sock.send(msg)
			}
		}
	}
}

// conversationTopics are the topics an event of the conversation goes out
// on (reference §4d): its users' conversation topics and its queues'.
func conversationTopics(c *genesys.Conversation) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, p := range c.Participants {
		if p.UserID != "" {
			add("v2.users." + p.UserID + ".conversations")
		}
		if p.QueueID != "" {
			add("v2.routing.queues." + p.QueueID + ".conversations")
		}
	}
	return out
}

// eventMessage is the documented event shape (JAVA-NH NotificationEvent):
// topicName, version, eventBody, metadata.
func eventMessage(topic string, c *genesys.Conversation) []byte {
	return mustJSON(struct {
		TopicName string                `json:"topicName"`
		Version   string                `json:"version"`
		EventBody *genesys.Conversation `json:"eventBody"`
		Metadata  map[string]string     `json:"metadata"`
	}{topic, "2", c, map[string]string{"CorrelationId": uuid.NewString()}})
}

// metadataMessage is a channel.metadata message (a heartbeat or a pong).
func metadataMessage(text string) []byte {
	return mustJSON(map[string]any{"topicName": "channel.metadata", "eventBody": map[string]string{"message": text}})
}

// socketClosingMessage announces a maintenance close.
func socketClosingMessage() []byte {
	return mustJSON(map[string]any{"topicName": "v2.system.socket_closing", "version": "2",
		"eventBody": map[string]string{"message": "The socket will close for maintenance; reconnect to the channel"},
		"metadata":  map[string]string{"CorrelationId": uuid.NewString()}})
}

// close ends every socket; the hub accepts none after.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	var socks []*socket
	for _, ch := range h.channels {
		if ch.sock != nil {
			socks = append(socks, ch.sock)
		}
	}
	h.mu.Unlock()
	for _, s := range socks {
		s.close(websocket.StatusGoingAway, "the simulated org stopped")
	}
}

// channelJSON is Channel{id, connectUri, expires}.
type channelJSON struct {
	ID         string `json:"id"`
	ConnectURI string `json:"connectUri"`
	Expires    string `json:"expires"`
}

// postChannel is POST /api/v2/notifications/channels. The connectUri is
// on the host the request came to (the simulated org's own), as ws://.
func (s *Server) postChannel(w http.ResponseWriter, r *http.Request) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := "streaming-0-" + hex.EncodeToString(b[:])
	h := s.hub
	h.mu.Lock()
	ch := &channel{id: id, topics: map[string]bool{}, expires: h.now().Add(channelTTL)}
	h.channels[id] = ch
	h.order = append(h.order, id)
	h.evictLocked()
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, channelJSON{ID: id, ConnectURI: "ws://" + r.Host + "/channels/" + id, Expires: ch.expires.UTC().Format(time.RFC3339)})
}

// evictLocked keeps maxChannels: a 21st channel removes the oldest other
// one, those without a connection first (reference §4a).
func (h *hub) evictLocked() {
	for len(h.order) > maxChannels {
		victim := 0
		for i, id := range h.order[:len(h.order)-1] {
			if h.channels[id].sock == nil {
				victim = i
				break
			}
		}
		id := h.order[victim]
		if sock := h.channels[id].sock; sock != nil {
			sock.close(websocket.StatusGoingAway, "channel replaced")
		}
		delete(h.channels, id)
		h.order = append(h.order[:victim], h.order[victim+1:]...)
	}
}

// channelTopic is ChannelTopic: a subscription's outcome.
type channelTopic struct {
	ID                 string   `json:"id"`
	State              string   `json:"state,omitempty"`
	RejectionReason    string   `json:"rejectionReason,omitempty"`
	MissingPermissions []string `json:"missingPermissions,omitempty"`
}

// Topics the simulated org serves: the users' and the queues'
// conversation topics (reference §4d).
var (
	userTopic  = regexp.MustCompile(`^v2\.users\.([0-9a-fA-F-]{36})\.conversations$`)
	queueTopic = regexp.MustCompile(`^v2\.routing\.queues\.([0-9a-fA-F-]{36})\.conversations$`)
)

// topicPermission is what the simulated org asks of a subscriber to a
// conversation topic (the real requirements are UNCONFIRMED, §4a): the
// permission to view conversations in some division, or, on a user
// token, the topic of the token's own user.
const topicPermission = "conversation:communication:view"

// subscriptions is POST (adds) and PUT (replaces)
// /api/v2/notifications/channels/{channelId}/subscriptions.
func (s *Server) subscriptions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("channelId")
	var req []channelTopic
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "The body must be an array of ChannelTopic ({\"id\": \"<topic>\"})")
		return
	}
	ignore := strings.EqualFold(r.URL.Query().Get("ignoreErrors"), "true")
	judged := make([]channelTopic, 0, len(req))
	for _, t := range req {
		judged = append(judged, s.judgeTopic(t.ID))
	}
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.channels[id]
	if !ok || !h.now().Before(ch.expires) {
		writeError(w, http.StatusBadRequest, "notification.unable.to.get.channel.id", fmt.Sprintf("Channel %s does not exist (expired, or replaced by a newer channel)", id))
		return
	}
	topics := map[string]bool{}
	if r.Method == http.MethodPost {
		for t := range ch.topics {
			topics[t] = true
		}
	}
	for _, t := range judged {
		switch {
		case t.State == "Permitted":
			topics[t.ID] = true
		case ignore:
		case t.RejectionReason == "invalid topic":
			writeError(w, http.StatusBadRequest, "notification.invalid.topic", fmt.Sprintf("Topic %s is not a valid topic", t.ID))
			return
		default:
			writeError(w, http.StatusForbidden, "notification.unauthorized.topic", "Not authorized for this topic.")
			return
		}
	}
	if len(topics) > maxTopics {
		writeError(w, http.StatusBadRequest, "notification.subscription.too.many.subscriptions", fmt.Sprintf("A channel may subscribe to at most %d topics", maxTopics))
		return
	}
	ch.topics = topics
	writeJSON(w, http.StatusOK, map[string][]channelTopic{"entities": judged})
}

// getSubscriptions is GET .../subscriptions: the channel's topics.
func (s *Server) getSubscriptions(w http.ResponseWriter, r *http.Request) {
	h := s.hub
	h.mu.Lock()
	ch, ok := h.channels[r.PathValue("channelId")]
	var list []channelTopic
	if ok {
		for t := range ch.topics {
			list = append(list, channelTopic{ID: t})
		}
	}
	h.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "entity.not.found", "Channel not found")
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	writeJSON(w, http.StatusOK, map[string][]channelTopic{"entities": append([]channelTopic{}, list...)})
}

// judgeTopic decides one subscription.
func (s *Server) judgeTopic(topic string) channelTopic {
	m := userTopic.FindStringSubmatch(topic)
	if m == nil && !queueTopic.MatchString(topic) {
		return channelTopic{ID: topic, State: "Rejected", RejectionReason: "invalid topic"}
	}
	if m != nil && s.org.userToken() && strings.EqualFold(m[1], s.tokenUserID()) {
		return channelTopic{ID: topic, State: "Permitted"}
	}
	if len(s.org.Access().heldIn([]string{topicPermission})) > 0 {
		return channelTopic{ID: topic, State: "Permitted"}
	}
	return channelTopic{ID: topic, State: "Rejected", RejectionReason: "No divisioned permissions for this topic.", MissingPermissions: []string{topicPermission}}
}

// tokenUserID is the user of a user token, as subjects/me names it.
func (s *Server) tokenUserID() string {
	ti, a := s.org.TokenInfo(), s.org.Access()
	switch {
	case ti.AuthenticatedUser != nil && ti.AuthenticatedUser.ID != "":
		return ti.AuthenticatedUser.ID
	case a.User != nil:
		return a.User.ID
	}
	return ""
}

// Unwrap lets the WebSocket library reach the connection under the
// request log's recorder (http.ResponseController does the same).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// streaming is GET /channels/{channelId}: the channel's WebSocket (the
// connectUri; the channel id is its credential, as on the real streaming
// host). A second socket on a channel closes the first. The handler
// returns once the socket is up, so the request log shows the upgrade
// (101) when it happens.
func (s *Server) streaming(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("channelId")
	h := s.hub
	h.mu.Lock()
	ch, ok := h.channels[id]
	closed := h.closed || ok && !h.now().Before(ch.expires)
	h.mu.Unlock()
	if !ok || closed {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Channel %s not found", id))
		return
	}
	// The socket is the channel's before the handshake answers, so that no
	// event between the answer and the first read is lost.
	sock := &socket{out: make(chan []byte, socketQueueLen), done: make(chan struct{})}
	h.mu.Lock()
	old := ch.sock
	ch.sock = sock
	h.mu.Unlock()
	if old != nil {
		old.close(websocket.StatusNormalClosure, "another socket connected to the channel")
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		sock.close(websocket.StatusInternalError, "")
		return // Accept has answered the request
	}
	sock.mu.Lock()
	sock.conn = conn
	closed = sock.closed
	sock.mu.Unlock()
	if closed { // replaced during the handshake
		_ = conn.Close(websocket.StatusNormalClosure, "another socket connected to the channel")
		return
	}
	s.armSocket(sock)
	go s.writeLoop(sock)
	go s.readLoop(sock)
}

// armSocket starts the socket's heartbeats and, when asked for, its
// maintenance close.
func (s *Server) armSocket(sock *socket) {
	o := s.hub.opts
	every := o.HeartbeatEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	var beat func()
	beat = func() {
		sock.send(metadataMessage("WebSocket Heartbeat"))
		sock.after(o, every, beat)
	}
	sock.after(o, every, beat)
	if d := o.SocketClosingAfter; d > 0 {
		sock.after(o, d, func() {
			sock.send(socketClosingMessage())
			sock.after(o, socketClosingGrace, func() { sock.close(websocket.StatusGoingAway, "maintenance") })
		})
	}
}

func (s *Server) writeLoop(sock *socket) {
	for {
		select {
		case <-sock.done:
			return
		case msg := <-sock.out:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := sock.conn.Write(ctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				sock.close(websocket.StatusInternalError, "write failed")
				return
			}
		}
	}
}

// readLoop answers {"message":"ping"} with a pong (reference §4b); any
// read error ends the socket.
func (s *Server) readLoop(sock *socket) {
	sock.conn.SetReadLimit(64 << 10)
	for {
		_, b, err := sock.conn.Read(context.Background())
		if err != nil {
			sock.close(websocket.StatusNormalClosure, "")
			return
		}
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &m) == nil && strings.EqualFold(m.Message, "ping") {
			sock.send(metadataMessage("pong"))
		}
	}
}

// Close ends the org's sockets and scenario timers (a WebSocket outlives
// http.Server.Shutdown, which does not wait for hijacked connections).
func (s *Server) Close() {
	s.hub.unlisten()
	s.hub.close()
	s.stopTimers()
}
