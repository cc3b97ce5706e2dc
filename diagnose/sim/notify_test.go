package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeTimers is a clock whose timers fire when the test says so.
type fakeTimers struct {
	mu      sync.Mutex
	pending []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (c *fakeTimers) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{d: d, f: f}
	c.pending = append(c.pending, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// fire runs the pending timers of duration d (each once) and reports how
// many ran.
func (c *fakeTimers) fire(d time.Duration) int {
	c.mu.Lock()
	var due []*fakeTimer
	keep := c.pending[:0]
	for _, t := range c.pending {
		if t.d == d && !t.stopped {
			due = append(due, t)
			t.stopped = true
		} else if !t.stopped {
			keep = append(keep, t)
		}
	}
	c.pending = keep
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
	return len(due)
}

const (
	ringConv  = "b8d1f3a5-7c9e-4b2d-9f4a-6e8c0a2d4f17"
	ringAgent = "a3c6e8fa-c1e3-4072-a49f-b3d15f729e6c"
	ringUser  = "5d7f9b1d-3f5a-4b7d-9f1b-3d5f7b9d1f3b"
	ringQueue = "0c3a5e7f-9b1d-4f3a-8c5e-7a9b1d3f5e60"
	ringCust  = "c9e2a4b6-8daf-4c3e-a05b-7f9d1b3e5a28"
)

// message is what the tests read of a socket message.
type message struct {
	TopicName string          `json:"topicName"`
	Version   string          `json:"version"`
	EventBody json.RawMessage `json:"eventBody"`
	Metadata  map[string]any  `json:"metadata"`
}

// openChannel creates a channel, subscribes to topics and connects.
func openChannel(t *testing.T, do func(method, path, body string) (*http.Response, []byte), topics ...string) (*websocket.Conn, channelJSON, []channelTopic) {
	t.Helper()
	resp, b := do("POST", "/api/v2/notifications/channels", "")
	if resp.StatusCode != 200 {
		t.Fatalf("create channel: %d %s", resp.StatusCode, b)
	}
	var ch channelJSON
	if err := json.Unmarshal(b, &ch); err != nil || !strings.HasPrefix(ch.ConnectURI, "ws://127.0.0.1:") || !strings.HasSuffix(ch.ConnectURI, "/channels/"+ch.ID) {
		t.Fatalf("channel %s: %v", b, err)
	}
	var list []string
	for _, tp := range topics {
		list = append(list, `{"id":"`+tp+`"}`)
	}
	resp, b = do("POST", "/api/v2/notifications/channels/"+ch.ID+"/subscriptions?ignoreErrors=true", "["+strings.Join(list, ",")+"]")
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, b)
	}
	var subs struct{ Entities []channelTopic }
	_ = json.Unmarshal(b, &subs)
	conn, _, err := websocket.Dial(context.Background(), ch.ConnectURI, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", ch.ConnectURI, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn, ch, subs.Entities
}

func readMessage(t *testing.T, conn *websocket.Conn) message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("message %s: %v", b, err)
	}
	return m
}

func liveSim(t *testing.T, scenario string) (*Server, func(method, path, body string) (*http.Response, []byte), *fakeTimers, *syncLog) {
	t.Helper()
	clock := &fakeTimers{}
	log := &syncLog{}
	srv, do, _ := simFor(t, scenario, Options{RequestLog: log, Live: LiveOptions{AfterFunc: clock.AfterFunc, SocketClosingAfter: 5 * time.Second}})
	s := srv.Config.Handler.(*Server)
	t.Cleanup(s.Close)
	return s, do, clock, log
}

// syncLog is a request log written from the server's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNotificationEvents(t *testing.T) {
	s, do, clock, _ := liveSim(t, "ringing")
	conn, _, subs := openChannel(t, do, "v2.users."+ringUser+".conversations", "v2.routing.queues."+ringQueue+".conversations", "v2.nonsense")
	if len(subs) != 3 || subs[0].State != "Permitted" || subs[1].State != "Permitted" || subs[2].State != "Rejected" {
		t.Fatalf("subscriptions: %+v", subs)
	}

	// A state change made by a timer reaches both topics, whole and in
	// the documented shape.
	s.StartTimers()
	if n := clock.fire(3 * time.Second); n != 1 {
		t.Fatalf("the ringing scenario's timer: %d fired", n)
	}
	got := map[string]bool{}
	for range 2 {
		m := readMessage(t, conn)
		var body struct {
			ID           string `json:"id"`
			Participants []struct {
				ID    string `json:"id"`
				Calls []struct {
					State         string `json:"state"`
					ConnectedTime string `json:"connectedTime"`
				} `json:"calls"`
			} `json:"participants"`
		}
		if err := json.Unmarshal(m.EventBody, &body); err != nil || body.ID != ringConv || m.Version != "2" || m.Metadata["CorrelationId"] == nil {
			t.Fatalf("event %+v: %v", m, err)
		}
		for _, p := range body.Participants {
			if p.ID == ringAgent && (p.Calls[0].State != "connected" || p.Calls[0].ConnectedTime == "") {
				t.Errorf("the agent after the timer: %+v", p.Calls)
			}
		}
		got[m.TopicName] = true
	}
	if !got["v2.users."+ringUser+".conversations"] || !got["v2.routing.queues."+ringQueue+".conversations"] {
		t.Errorf("topics: %v", got)
	}

	// A PATCH by another client is an event too; a ping gets a pong.
	resp, b := do("PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringCust, `{"state":"disconnected"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, b)
	}
	if m := readMessage(t, conn); !strings.Contains(string(m.EventBody), `"disconnectType":"client"`) {
		t.Errorf("the PATCH's event: %s", m.EventBody)
	}
	_ = readMessage(t, conn) // the queue topic's copy
	if err := conn.Write(context.Background(), websocket.MessageText, []byte(`{"message":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if m := readMessage(t, conn); m.TopicName != "channel.metadata" || !strings.Contains(string(m.EventBody), "pong") {
		t.Errorf("pong: %+v", m)
	}

	// A PATCH that changes nothing sends nothing: the next message is
	// the heartbeat.
	do("PATCH", "/api/v2/conversations/"+ringConv+"/participants/"+ringCust, `{"state":"disconnected"}`)
	clock.fire(30 * time.Second)
	if m := readMessage(t, conn); m.TopicName != "channel.metadata" || !strings.Contains(string(m.EventBody), "WebSocket Heartbeat") {
		t.Errorf("heartbeat: %+v %s", m, m.EventBody)
	}
	clock.fire(5 * time.Second)
	if m := readMessage(t, conn); m.TopicName != "v2.system.socket_closing" {
		t.Errorf("maintenance: %+v", m)
	}
}

func TestNotificationChannelRules(t *testing.T) {
	s, do, _, log := liveSim(t, "ringing")
	first, ch, _ := openChannel(t, do, "v2.users."+ringUser+".conversations")

	// One socket per channel: a second one closes the first.
	second, _, err := websocket.Dial(context.Background(), ch.ConnectURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := first.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("the first socket after a second connected: %v", err)
	}

	// Without the view permission a topic is rejected and says why; with
	// ignoreErrors=false the call fails.
	s.org.SetAccess(&Access{})
	resp, b := do("POST", "/api/v2/notifications/channels/"+ch.ID+"/subscriptions?ignoreErrors=true", `[{"id":"v2.routing.queues.`+ringQueue+`.conversations"}]`)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"state":"Rejected"`) || !strings.Contains(string(b), `"missingPermissions":["conversation:communication:view"]`) {
		t.Errorf("rejected topic: %d %s", resp.StatusCode, b)
	}
	resp, b = do("POST", "/api/v2/notifications/channels/"+ch.ID+"/subscriptions", `[{"id":"v2.routing.queues.`+ringQueue+`.conversations"}]`)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "notification.unauthorized.topic") {
		t.Errorf("rejected topic without ignoreErrors: %d %s", resp.StatusCode, b)
	}
	resp, _ = do("POST", "/api/v2/notifications/channels/streaming-0-nope/subscriptions", `[]`)
	if resp.StatusCode != 400 {
		t.Errorf("unknown channel: %d", resp.StatusCode)
	}
	for _, want := range []string{`"method":"POST","path":"/api/v2/notifications/channels","status":200`, `"path":"/channels/` + ch.ID + `","status":101`,
		`"path":"/api/v2/notifications/channels/` + ch.ID + `/subscriptions","status":403`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the request log lacks %s:\n%s", want, log.String())
		}
	}
}

func TestGrantCall(t *testing.T) {
	_, do, _, _ := liveSim(t, "division-missing")
	const (
		agentRole = "4d8f2b6e-9a3c-4e1d-b7f5-2a6c0e8d4b13"
		billing   = "9b2f6d1e-4c8a-4e7b-a3d5-1f8c6e2b9a47"
		user      = "a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63"
	)
	patch := func() int {
		resp, _ := do("PATCH", "/api/v2/conversations/"+trConv+"/participants/"+trAgent, `{"state":"disconnected"}`)
		return resp.StatusCode
	}
	if got := patch(); got != 403 {
		t.Fatalf("before the grant: %d", got)
	}
	for _, bad := range []struct {
		path string
		want int
	}{
		{"/api/v2/authorization/subjects/" + user + "/divisions/" + billing + "/roles/" + agentRole + "?subjectType=PC_OAUTH_CLIENT", 400},
		{"/api/v2/authorization/subjects/00000000-0000-4000-8000-000000000001/divisions/" + billing + "/roles/" + agentRole, 404},
		{"/api/v2/authorization/subjects/" + user + "/divisions/" + billing + "/roles/00000000-0000-4000-8000-000000000002", 404},
		{"/api/v2/authorization/subjects/" + user + "/divisions/00000000-0000-4000-8000-000000000003/roles/" + agentRole, 404},
	} {
		if resp, b := do("POST", bad.path, ""); resp.StatusCode != bad.want {
			t.Errorf("POST %s: %d %s, want %d", bad.path, resp.StatusCode, b, bad.want)
		}
	}
	if got := patch(); got != 403 {
		t.Fatalf("after refused grants: %d", got)
	}
	if resp, b := do("POST", "/api/v2/authorization/subjects/"+user+"/divisions/"+billing+"/roles/"+agentRole+"?subjectType=PC_USER", ""); resp.StatusCode != 204 {
		t.Fatalf("grant: %d %s", resp.StatusCode, b)
	}
	if got := patch(); got != 202 {
		t.Errorf("after the grant: %d", got)
	}
}

func TestTimers(t *testing.T) {
	s, do, clock, _ := liveSim(t, "ringing")
	if err := s.org.SetTimers([]Timer{{After: Duration(time.Second), Participant: ringAgent, Action: "explode"}}); err == nil {
		t.Error("an unknown action was accepted")
	}
	if err := s.org.SetTimers([]Timer{{After: Duration(time.Second), Participant: "nobody", Action: TimerAnswer}}); err == nil {
		t.Error("a participant in no conversation was accepted")
	}
	if err := s.org.SetTimers([]Timer{{After: Duration(2 * time.Second), Participant: ringCust, Action: TimerHangUp}}); err != nil {
		t.Fatal(err)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"-3s"`), &d); err == nil {
		t.Error("a negative duration was accepted")
	}
	conn, ch, _ := openChannel(t, do, "v2.routing.queues."+ringQueue+".conversations")
	s.StartTimers()
	clock.fire(2 * time.Second)
	if m := readMessage(t, conn); !strings.Contains(string(m.EventBody), `"disconnectType":"peer"`) {
		t.Errorf("the hang-up's event: %s", m.EventBody)
	}
	resp, b := do("GET", "/api/v2/notifications/channels/"+ch.ID+"/subscriptions", "")
	if resp.StatusCode != 200 || string(b) != `{"entities":[{"id":"v2.routing.queues.`+ringQueue+`.conversations"}]}` {
		t.Errorf("GET subscriptions: %d %s", resp.StatusCode, b)
	}
}

// TestNotificationTransferEvent: a transfer is a change like any other: the
// event shows the transferring agent gone and the queue alerting.
func TestNotificationTransferEvent(t *testing.T) {
	_, do, _, _ := liveSim(t, "transfer")
	const user = "a7d2c9e4-6b1f-4e3a-8d5c-2f9b7e1a4c63"
	conn, _, subs := openChannel(t, do, "v2.users."+user+".conversations")
	if len(subs) != 1 || subs[0].State != "Permitted" {
		t.Fatalf("subscriptions: %+v", subs)
	}
	resp, b := do("POST", "/api/v2/conversations/"+trConv+"/participants/"+trAgent+"/replace/queue", `{"queueId":"8f2e6b4a-1c9d-4e7f-a3b5-2d8c6f1e9a47"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("transfer: %d %s", resp.StatusCode, b)
	}
	var body struct {
		Participants []struct {
			ID      string `json:"id"`
			Purpose string `json:"purpose"`
			QueueID string `json:"queueId"`
			Calls   []struct {
				State string `json:"state"`
			} `json:"calls"`
		} `json:"participants"`
	}
	m := readMessage(t, conn)
	if err := json.Unmarshal(m.EventBody, &body); err != nil {
		t.Fatal(err)
	}
	agentGone, queueAlerting := false, false
	for _, p := range body.Participants {
		last := ""
		if len(p.Calls) > 0 {
			last = p.Calls[len(p.Calls)-1].State
		}
		agentGone = agentGone || p.ID == trAgent && last == "disconnected"
		queueAlerting = queueAlerting || p.Purpose == "acd" && p.QueueID == "8f2e6b4a-1c9d-4e7f-a3b5-2d8c6f1e9a47" && last == "alerting"
	}
	if !agentGone || !queueAlerting {
		t.Errorf("the transfer's event: agent gone %v, queue alerting %v\n%s", agentGone, queueAlerting, m.EventBody)
	}
}
