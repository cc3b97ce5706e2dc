// Package notify watches a conversation's participants live over the
// Genesys Cloud Notifications API (reference participant-operations.md
// §4): it creates a channel, subscribes over REST to the topics that carry
// the conversation (its users' and its queues' conversation topics),
// listens on the channel's WebSocket, and reports every state change. It
// pings the socket and notices missing heartbeats, reconnects on
// v2.system.socket_closing and on a dropped socket, and re-reads the
// conversation after every gap, because events are not replayed. Where no
// topic can be had it polls with GETs paced inside the org's rate limit.
//
// It is read-only: besides GETs and the token it sends only the channel
// and subscription POSTs, through a transport that refuses anything else,
// and it dials only a connectUri on the org's own streaming host (or
// loopback, for a simulated org).
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Config is what a watch needs from outside.
type Config struct {
	// Reads is the read-only client: the token and the GETs.
	Reads *genesys.Client
	// APIBase is the org's API base (the channel calls go there; the
	// connectUri must be on its streaming host).
	APIBase string
	// Transport is the base transport of the channel calls and the
	// socket (nil: a clone of http.DefaultTransport).
	Transport http.RoundTripper
	// Now is the clock of seen_at (nil: time.Now).
	Now func() time.Time
	// Sleep waits between polls and reconnects (nil: a timer that
	// honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// PingEvery is how often the socket is pinged (default 20s).
	PingEvery time.Duration
	// QuietAfter is how long a socket may stay silent (no heartbeat, pong
	// or event) before it is taken for dead (default 75s: Genesys sends a
	// heartbeat about every 30s).
	QuietAfter time.Duration
	// PollEvery is the least pause between fallback GETs (default 1s).
	PollEvery time.Duration
	// Logf receives remarks for stderr: rejected topics, reconnects, the
	// fallback.
	Logf func(format string, args ...any)
}

// Options say what to watch.
type Options struct {
	ConversationID string
	// Until ends the watch when it holds (nil: until Timeout or ctx).
	Until *Until
	// Timeout bounds the watch (0: none).
	Timeout time.Duration
}

// Result is how a watch ended (DESIGN §2: the JSON Lines' last line).
type Result string

// Results.
const (
	UntilMet    Result = "until-met"
	TimedOut    Result = "timeout"
	Interrupted Result = "interrupted"
)

// ReadError is a read of the conversation that failed.
type ReadError struct {
	Path   string
	Status int
	Code   string
	Err    error
}

func (e *ReadError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("GET %s: %v", e.Path, e.Err)
	}
	s := fmt.Sprintf("GET %s answered %d", e.Path, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	return s
}

func (e *ReadError) Unwrap() error { return e.Err }

// watcher is one watch under way.
type watcher struct {
	cfg   Config
	opts  Options
	emit  func(Change)
	track *tracker
	ch    *channels
	// topics maps each topic of the conversation to whether the current
	// channel was asked for it; pace is the poll interval the last read's
	// rate-limit headers allow.
	topics map[string]bool
	pace   time.Duration
	// seen is set once the conversation has been read: a watch that
	// never read it watched nothing (DESIGN §4b.7).
	seen bool
}

// Watch reports the conversation's changes to emit (from one goroutine,
// in order) until opts.Until holds, opts.Timeout passes or ctx ends. The
// first read of the conversation must succeed: its error is returned,
// also when opts.Timeout passed while it was under way (an org that never
// answers, or answers errors until the time is up) — a watch that could
// not read the conversation is no clean watch of it.
func Watch(ctx context.Context, cfg Config, opts Options, emit func(Change)) (Result, error) {
	cfg = withDefaults(cfg)
	ch, err := newChannels(cfg.Reads, cfg.APIBase, cfg.Transport)
	if err != nil {
		return "", err
	}
	w := &watcher{cfg: cfg, opts: opts, emit: emit, track: newTracker(), ch: ch, topics: map[string]bool{}, pace: cfg.PollEvery}
	wctx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	err = w.run(wctx)
	switch {
	case err == nil:
		return UntilMet, nil
	case ctx.Err() != nil:
		return Interrupted, nil
	case !w.seen && wctx.Err() != nil:
		return "", fmt.Errorf("the conversation could not be read within %s: %w", opts.Timeout, err)
	case !w.seen:
		return "", err
	case wctx.Err() != nil:
		return TimedOut, nil
	}
	return "", err
}

func withDefaults(cfg Config) Config {
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = genesys.SleepContext
	}
	if cfg.PingEvery <= 0 {
		cfg.PingEvery = 20 * time.Second
	}
	if cfg.QuietAfter <= 0 {
		cfg.QuietAfter = 75 * time.Second
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return cfg
}

// errMet ends the watch: the condition holds.
var errMet = errors.New("until met")

// run reads the conversation, then streams its changes (or polls); it
// returns nil when the condition holds, else why it stopped.
func (w *watcher) run(ctx context.Context) error {
	if err := w.read(ctx, true); err != nil {
		return metOr(err)
	}
	ch, err := w.openChannel(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.cfg.Logf("%v: polling instead", err)
		return metOr(w.poll(ctx))
	}
	return metOr(w.stream(ctx, ch))
}

// openChannel creates a channel, checks its connectUri, and subscribes
// it to the conversation's topics; an error says why it cannot be used.
func (w *watcher) openChannel(ctx context.Context) (Channel, error) {
	ch, err := w.ch.create(ctx)
	if err != nil {
		return ch, fmt.Errorf("no notification channel (%w)", err)
	}
	if err := CheckConnectURI(w.cfg.APIBase, ch.ConnectURI); err != nil {
		return ch, fmt.Errorf("not connecting: %w", err)
	}
	for t := range w.topics {
		w.topics[t] = false // a new channel has none yet
	}
	n, err := w.subscribe(ctx, ch.ID)
	switch {
	case err != nil:
		return ch, fmt.Errorf("subscribing failed (%w)", err)
	case n == 0:
		return ch, errors.New("no topic of the conversation could be subscribed")
	}
	return ch, nil
}

// metOr turns errMet into nil.
func metOr(err error) error {
	if errors.Is(err, errMet) {
		return nil
	}
	return err
}

// conversationPath is the generic GET of the conversation.
func (w *watcher) conversationPath() string {
	return "/api/v2/conversations/" + url.PathEscape(w.opts.ConversationID)
}

// read GETs the conversation and reports what changed; errMet when the
// condition holds. A failed first read is an error; later ones are
// remarks (the watch goes on).
func (w *watcher) read(ctx context.Context, first bool) error {
	path := w.conversationPath()
	res, err := w.cfg.Reads.Get(ctx, path)
	if err != nil {
		if first || ctx.Err() != nil {
			return &ReadError{Path: path, Err: err}
		}
		w.cfg.Logf("re-read failed: %v", err)
		return nil
	}
	defer w.cfg.Reads.Release(res) // read again and again: nothing is kept of it
	w.pace = paceFor(res, w.cfg.PollEvery)
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		if !first && w.opts.Until != nil && w.opts.Until.Holds(nil) {
			return errMet
		}
		fallthrough
	default:
		re := &ReadError{Path: path, Status: res.Status}
		var eb genesys.ErrorBody
		if json.Unmarshal(res.Body, &eb) == nil {
			re.Code = eb.Code
		}
		if first {
			return re
		}
		w.cfg.Logf("re-read failed: %v", re)
		return nil
	}
	var c genesys.Conversation
	if err := json.Unmarshal(res.Body, &c); err != nil {
		if first {
			return &ReadError{Path: path, Status: res.Status, Err: fmt.Errorf("the answer is not a conversation: %w", err)}
		}
		w.cfg.Logf("re-read: the answer is not a conversation: %v", err)
		return nil
	}
	w.seen = true
	return w.observe(&c, FromPoll)
}

// observe reports a view of the conversation; errMet when the condition
// holds.
func (w *watcher) observe(c *genesys.Conversation, src Source) error {
	for _, ch := range w.track.observe(c, src, w.cfg.Now()) {
		w.emit(ch)
	}
	if w.opts.Until != nil && w.opts.Until.Holds(c) {
		return errMet
	}
	w.noteTopics(c)
	return nil
}

// noteTopics adds the conversation's topics to those wanted (a
// participant that joined later brings its user's topic).
func (w *watcher) noteTopics(c *genesys.Conversation) {
	for _, t := range Topics(c) {
		if _, ok := w.topics[t]; !ok {
			w.topics[t] = false
		}
	}
}

// Topics are the topics that carry the conversation (reference §4d): the
// conversation topics of its users and of its queues, sorted.
func Topics(c *genesys.Conversation) []string {
	set := map[string]bool{}
	for _, p := range c.Participants {
		if p.UserID != "" {
			set["v2.users."+p.UserID+".conversations"] = true
		}
		if p.QueueID != "" {
			set["v2.routing.queues."+p.QueueID+".conversations"] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// subscribe asks for the topics not yet asked for and says which were
// rejected and why; it returns how many are permitted.
func (w *watcher) subscribe(ctx context.Context, channelID string) (int, error) {
	var want []string
	for t, asked := range w.topics {
		if !asked {
			want = append(want, t)
		}
	}
	sort.Strings(want)
	if len(want) == 0 {
		return 0, nil
	}
	res, err := w.ch.subscribe(ctx, channelID, want)
	if err != nil {
		return 0, err
	}
	permitted := 0
	for _, t := range want {
		w.topics[t] = true
	}
	for _, t := range res {
		if t.Rejected() {
			w.cfg.Logf("topic %s rejected: %s", t.ID, t.Why())
			continue
		}
		permitted++
	}
	return permitted, nil
}

// paceFor is the poll interval that uses at most a quarter of the rate
// limit the org announces (inin-ratelimit-allowed, taken per minute as
// the platform's limits are), and never less than least.
func paceFor(res *genesys.Result, least time.Duration) time.Duration {
	allowed, err := strconv.Atoi(res.RateLimit()["inin-ratelimit-allowed"])
	if err != nil || allowed <= 0 {
		return max(least, 2*time.Second)
	}
	return max(least, 4*time.Minute/time.Duration(allowed))
}

// poll re-reads the conversation at the pace the org allows.
func (w *watcher) poll(ctx context.Context) error {
	w.cfg.Logf("polling GET %s every %s (inside the org's rate limit)", w.conversationPath(), w.pace)
	for {
		if err := w.cfg.Sleep(ctx, w.pace); err != nil {
			return err
		}
		if err := w.read(ctx, false); err != nil {
			return err
		}
	}
}

// maxDialFailures is how many dials in a row may fail before the watch
// falls back to polling.
const maxDialFailures = 3

// stream listens on the channel's socket, reconnecting after every close
// and re-reading the conversation once the new socket is up.
func (w *watcher) stream(ctx context.Context, ch Channel) error {
	failures := 0
	for {
		conn, err := w.dial(ctx, ch.ConnectURI)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			if failures == 1 {
				// The channel may be gone (expired, or replaced by a
				// 21st): a new one brings a new connectUri.
				w.cfg.Logf("the channel's socket could not be reached (%v): opening a new channel", err)
				nch, oerr := w.openChannel(ctx)
				if oerr == nil {
					ch = nch
					continue
				}
				w.cfg.Logf("%v", oerr)
			}
			if failures >= maxDialFailures {
				w.cfg.Logf("the WebSocket could not be reached (%v): polling instead", err)
				return w.poll(ctx)
			}
			if err := w.cfg.Sleep(ctx, time.Duration(failures)*time.Second); err != nil {
				return err
			}
			continue
		}
		failures = 0
		// Events are not replayed: what changed while no socket was up
		// (before the first one, too) is only in the conversation itself.
		if err := w.read(ctx, false); err != nil {
			conn.CloseNow()
			return err
		}
		why, err := w.listen(ctx, conn, ch.ID)
		conn.CloseNow()
		if err != nil {
			return err
		}
		w.cfg.Logf("%s: reconnecting, then re-reading the conversation", why)
	}
}

func (w *watcher) dial(ctx context.Context, uri string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	hc := &http.Client{Transport: w.cfg.Transport, CheckRedirect: refuseRedirect}
	conn, _, err := websocket.Dial(dctx, uri, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("connect to the channel: %w", err)
	}
	conn.SetReadLimit(8 << 20)
	return conn, nil
}

// socketMessage is what watch reads of a socket message.
type socketMessage struct {
	TopicName string          `json:"topicName"`
	EventBody json.RawMessage `json:"eventBody"`
}

// listen reads the socket until it closes or goes quiet (why says which),
// or the condition holds (errMet), or ctx ends.
func (w *watcher) listen(ctx context.Context, conn *websocket.Conn, channelID string) (string, error) {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go w.ping(pctx, conn)
	for {
		rctx, cancel := context.WithTimeout(ctx, w.cfg.QuietAfter)
		_, b, err := conn.Read(rctx)
		quiet := rctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case err != nil && quiet:
			return fmt.Sprintf("no heartbeat, pong or event for %s", w.cfg.QuietAfter), nil
		case err != nil:
			return fmt.Sprintf("the WebSocket dropped (%v)", err), nil
		}
		var m socketMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		switch m.TopicName {
		case "channel.metadata": // a heartbeat or a pong: the socket is alive
			continue
		case "v2.system.socket_closing":
			return "the org announced a maintenance close (v2.system.socket_closing)", nil
		}
		var c genesys.Conversation
		if json.Unmarshal(m.EventBody, &c) != nil || c.ID != w.opts.ConversationID {
			continue
		}
		if err := w.observe(&c, FromTopic); err != nil {
			return "", err
		}
		if _, err := w.subscribe(ctx, channelID); err != nil {
			w.cfg.Logf("subscribing to a new participant's topic failed: %v", err)
		}
	}
}

// ping sends the documented health check, {"message":"ping"}, until ctx
// ends.
func (w *watcher) ping(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(w.cfg.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"message":"ping"}`)); err != nil {
				return
			}
		}
	}
}
