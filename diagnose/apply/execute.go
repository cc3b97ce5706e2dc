package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/notify"
)

// Config is what carrying out a plan needs from outside.
type Config struct {
	// Reads is the read-only client (token, GETs); its token also
	// authorises the plan's changes.
	Reads *genesys.Client
	// APIBase is where the changes are sent: the org of the credentials
	// (Verify has checked it is the report's).
	APIBase string
	// Transport is the base transport of the changes (nil: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Watch configures the waits (its Reads, APIBase and Transport are
	// taken from here).
	Watch notify.Config
	// Sleep waits between the final re-reads (nil: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Logf receives progress lines (what each step did).
	Logf func(format string, args ...any)
}

// Verify reads the credentials' token info and refuses a report of
// another org, and an operation that needs a user context (not.a.user in
// its definition) with client credentials. It returns the token info.
func Verify(ctx context.Context, cfg Config, p *Prepared) (*genesys.TokenInfo, error) {
	res, err := cfg.Reads.Get(ctx, "/api/v2/tokens/me")
	if err != nil {
		return nil, fmt.Errorf("read the credentials' org (GET /api/v2/tokens/me): %w", err)
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("read the credentials' org: GET /api/v2/tokens/me answered %d", res.Status)
	}
	ti, err := genesys.DecodeTokenInfo(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read the credentials' org: %w", err)
	}
	org := ""
	if ti.Organization != nil {
		org = ti.Organization.ID
	}
	if !strings.EqualFold(org, p.Report.Target.OrgID) {
		return nil, refuse("the report is from org %s, and these credentials are for org %s: a plan is only carried out in the org its evidence came from", p.Report.Target.OrgID, orNone(org))
	}
	if ti.IsClientCredentials() {
		for i, s := range p.Steps {
			if s.Endpoint != nil && s.Endpoint.NeedsUser {
				return nil, refuse("step %d: %s %s needs a user context (its definition lists not.a.user), and these are client credentials: log in as the user on the call (--access-token of a user token)", i+1, s.Method, s.Endpoint.Path)
			}
		}
	}
	return ti, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none named by GET /api/v2/tokens/me)"
	}
	return s
}

// Outcome is what a plan achieved.
type Outcome struct {
	// Achieved is true when the re-read shows the target as the
	// operation meant, false when it shows otherwise; Known is false when
	// the conversation cannot show it.
	Achieved, Known bool
	Summary         string
}

// StepError is a step that failed after the steps before it were carried
// out.
type StepError struct {
	Step int
	// TimedOut is set for a wait that timed out.
	TimedOut bool
	// Unread is set when the org could not be read (the re-read before
	// the step, or a wait's reads).
	Unread bool
	// NothingSent is set when the re-read showed that the state no longer
	// allows the step, and no change of the plan had been sent before it:
	// nothing was sent at all.
	NothingSent bool
	Err         error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %d: %v", e.Step, e.Err) }

func (e *StepError) Unwrap() error { return e.Err }

// AlreadyDone is a plan not carried out because, before any change of it
// was sent, the conversation already showed the target as the operation
// meant (the plan was carried out before, or someone else did it): nothing
// was sent.
type AlreadyDone struct {
	Step    int
	Summary string
}

func (e *AlreadyDone) Error() string {
	return "the target is already as the operation meant (" + e.Summary + "): nothing was sent"
}

// notAllowed is a re-read that shows the state no longer allows a step.
type notAllowed struct{ reason string }

func (e *notAllowed) Error() string { return e.reason }

func refuseStep(format string, args ...any) error {
	return &notAllowed{reason: fmt.Sprintf(format, args...)}
}

// Execute carries out the plan's steps in order: a wait watches the
// participant until the state holds; before a grant or a request the
// conversation is read again to see that it still allows the change, and
// that the target is not already as the operation meant (then nothing more
// is sent); the changes go out through a transport that lets through
// exactly these steps' requests, each once. At the end it reads the
// conversation again and says whether the target is now as the operation
// meant. ctx bounds all of it (the reads, the changes and the waits).
func Execute(ctx context.Context, cfg Config, p *Prepared) (*Outcome, error) {
	cfg = withDefaults(cfg)
	send, err := newSender(cfg, p.Steps)
	if err != nil {
		return nil, err
	}
	// The token's renewals (a long wait) happen within this run's context.
	if err := cfg.Reads.Token(ctx); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	// A plan carried out before (or by someone else) is not waited for
	// again: a wait for a party that has since been dropped would only
	// time out.
	switch done, err := alreadyDone(ctx, cfg, p); {
	case err != nil:
		return nil, err
	case done != nil:
		return nil, done
	}
	sent := 0
	for i, s := range p.Steps {
		n := i + 1
		switch s.Kind {
		case KindWait:
			if err := wait(ctx, cfg, p, s); err != nil {
				var re *notify.ReadError
				return nil, &StepError{Step: n, TimedOut: errors.Is(err, errWaitTimedOut), Unread: errors.As(err, &re), Err: err}
			}
			continue
		}
		done, err := stillAllowed(ctx, cfg, p, s)
		switch {
		case done != nil && sent == 0:
			return nil, &AlreadyDone{Step: n, Summary: done.Summary + endedBefore(p)}
		case done != nil:
			done.Summary += fmt.Sprintf(" (before step %d, which was not sent: it was not needed)", n)
			return done, nil
		case err != nil:
			var na *notAllowed
			refused := errors.As(err, &na)
			return nil, &StepError{Step: n, Unread: !refused, NothingSent: refused && sent == 0, Err: err}
		}
		if err := send.do(ctx, s); err != nil {
			return nil, &StepError{Step: n, Err: err}
		}
		sent++
	}
	return outcome(ctx, cfg, p)
}

func withDefaults(cfg Config) Config {
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = genesys.SleepContext
	}
	cfg.Watch.Reads, cfg.Watch.APIBase, cfg.Watch.Transport = cfg.Reads, cfg.APIBase, cfg.Transport
	return cfg
}

var errWaitTimedOut = errors.New("wait timed out")

// wait carries out a wait step with a watch.
func wait(ctx context.Context, cfg Config, p *Prepared, s Prepared1) error {
	opts := notify.Options{ConversationID: p.Report.Target.ConversationID, Timeout: s.Timeout,
		Until: &notify.Until{Participant: s.ParticipantID, Communication: s.CommunicationID, State: s.Until}}
	emit := func(ch notify.Change) {
		if ch.ParticipantID == s.ParticipantID && ch.PreviousState != "" {
			cfg.Logf("participant %s: %s -> %s (%s)", ch.ParticipantID, ch.PreviousState, ch.State, ch.Source)
		}
	}
	res, err := notify.Watch(ctx, cfg.Watch, opts, emit)
	switch {
	case err != nil:
		return fmt.Errorf("wait for participant %s to be %s: %w", s.ParticipantID, s.Until, err)
	case res == notify.Interrupted:
		return ctx.Err()
	case res == notify.TimedOut:
		return fmt.Errorf("participant %s was not %s within %s: %w; nothing after this step was sent", s.ParticipantID, s.Until, s.Timeout, errWaitTimedOut)
	}
	cfg.Logf("participant %s is %s", s.ParticipantID, s.Until)
	return nil
}

// readConversation GETs the report's conversation (nil when it is not
// found).
func readConversation(ctx context.Context, cfg Config, convID string) (*genesys.Conversation, error) {
	path := "/api/v2/conversations/" + url.PathEscape(convID)
	res, err := cfg.Reads.Get(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("re-read the conversation: %w", err)
	}
	defer cfg.Reads.Release(res) // read before every change: nothing is kept of it
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil
	default:
		return nil, fmt.Errorf("re-read the conversation: GET %s answered %d", path, res.Status)
	}
	var c genesys.Conversation
	if err := json.Unmarshal(res.Body, &c); err != nil {
		return nil, fmt.Errorf("re-read the conversation: %w", err)
	}
	return &c, nil
}

// target is the participant a step's request is about: the one its path
// names, except on a consult's speak-to and cancel, whose path names the
// consult's object while the operation is about the report's target (the
// consulted party a drop ends, the party a hold leaves out).
func (s Prepared1) target(p *Prepared) string {
	if s.Endpoint != nil && s.Endpoint.Op != genesys.OpConsultSpeakTo && s.Endpoint.Op != genesys.OpConsultCancel {
		if pid := genesys.MatchRequest(s.Method, strings.SplitN(s.Path, "?", 2)[0]).Params["participantId"]; pid != "" {
			return pid
		}
	}
	return p.Report.Target.ParticipantID
}

// operation is what the plan is for: the report's target.operation
// (Prepare refuses a report without one).
func (p *Prepared) operation() string {
	if op := p.Report.Target.Operation; op != nil {
		return op.ID
	}
	return ""
}

// goalTarget is the participant whose state says whether the plan did
// what was meant: the one its last request is about.
func (p *Prepared) goalTarget() string {
	pid := p.Report.Target.ParticipantID
	for _, s := range p.Steps {
		if s.Kind == KindRequest {
			pid = s.target(p)
		}
	}
	return pid
}

// alreadyDone reads the conversation before the plan's first step and
// returns an *AlreadyDone when it shows the target as the operation meant.
func alreadyDone(ctx context.Context, cfg Config, p *Prepared) (*AlreadyDone, error) {
	c, err := readConversation(ctx, cfg, p.Report.Target.ConversationID)
	if err != nil {
		return nil, &StepError{Step: 1, Unread: true, Err: err}
	}
	if o := goalHolds(p, c); o != nil {
		return &AlreadyDone{Step: 1, Summary: o.Summary + endedBefore(p)}, nil
	}
	return nil, nil
}

// goalHolds is the outcome when the conversation shows the target as the
// operation meant, else nil.
func goalHolds(p *Prepared, c *genesys.Conversation) *Outcome {
	op, pid := p.operation(), p.goalTarget()
	if o := judge(op, pid, c); o.Known && o.Achieved && c != nil && (op == "teardown" || inConversation(c, pid)) {
		return o
	}
	return nil
}

// stillAllowed re-reads the conversation before a change. When it already
// shows the target as the operation meant, it returns that outcome (the
// change is not needed); it refuses the change (a *notAllowed) when the
// state no longer allows it: the conversation ended, the target left, or
// is not in the state the operation needs.
func stillAllowed(ctx context.Context, cfg Config, p *Prepared, s Prepared1) (*Outcome, error) {
	c, err := readConversation(ctx, cfg, p.Report.Target.ConversationID)
	if err != nil {
		return nil, err
	}
	if o := goalHolds(p, c); o != nil {
		return o, nil
	}
	return nil, allows(p, s, p.operation(), c)
}

// inConversation says whether the conversation has participant pid (an
// id it does not have proves nothing about what was meant).
func inConversation(c *genesys.Conversation, pid string) bool {
	if c == nil {
		return false
	}
	for _, q := range c.Participants {
		if q.ID == pid {
			return true
		}
	}
	return false
}

// allows says why the conversation no longer allows the step (nil when it
// does).
func allows(p *Prepared, s Prepared1, op string, c *genesys.Conversation) error {
	if c == nil {
		return refuseStep("the conversation is no longer found: nothing was sent")
	}
	if c.EndTime != "" && op != "wrapup" {
		return refuseStep("the conversation ended at %s: nothing was sent", c.EndTime)
	}
	if s.Kind == KindGrant || op == "teardown" {
		return nil
	}
	pid := s.target(p)
	if pid == "" {
		return nil // an operation on the conversation (recording-state, a callback's PATCH): no party to judge
	}
	var tp *genesys.Participant
	for i := range c.Participants {
		if c.Participants[i].ID == pid {
			tp = &c.Participants[i]
		}
	}
	if tp == nil {
		return refuseStep("participant %s is not in the conversation: nothing was sent", pid)
	}
	var live, connected, alerting bool
	for _, cm := range tp.Comms() {
		live = live || !genesys.Ended(cm.State)
		connected = connected || genesys.StateIs(cm.State, genesys.StateConnected)
		alerting = alerting || genesys.NotYetConnected(cm.State)
	}
	switch {
	case op == "wrapup":
	case op == "answer" && !alerting:
		return refuseStep("participant %s is not alerting any more: there is nothing to answer; nothing was sent", pid)
	case op == "answer":
	case !live:
		return refuseStep("participant %s %s: nothing was sent", pid, endedWhen(p.Report, pid))
	case needsConnected[op] && !connected:
		return refuseStep("participant %s is not connected (the %s needs it): nothing was sent", pid, op)
	}
	return nil
}

// endedBefore notes, for a drop whose target is gone, that it already was
// when the evidence was read (the report's timeline says so): the plan
// was not for a party that left since.
func endedBefore(p *Prepared) string {
	if ended, known := p.Report.endedAtCheck(p.goalTarget()); p.operation() == "disconnect" && known && ended {
		return ", and had already ended when the evidence was read"
	}
	return ""
}

// endedWhen says when a participant that has ended did, as far as the
// report's evidence tells: since it was read, or already before.
func endedWhen(r *Report, pid string) string {
	ended, known := r.endedAtCheck(pid)
	switch {
	case known && ended:
		return "had already ended when the evidence was read (the report's timeline says so)"
	case known:
		return "has ended since the evidence was read"
	}
	return "has ended (the report's timeline does not say whether it had when the evidence was read)"
}

// needsConnected are the operations that need the target connected
// (reference participant-operations.md §3).
var needsConnected = map[string]bool{"disconnect": true, "hold": true, "unhold": true, "mute": true, "unmute": true,
	"transfer": true, "consult": true, "confine": true, "recording": true}

// outcome reads the conversation again (a few times: the operations
// answer 202, the change may follow) and says whether the target is as
// the operation meant.
func outcome(ctx context.Context, cfg Config, p *Prepared) (*Outcome, error) {
	op, pid := p.operation(), p.goalTarget()
	var last *Outcome
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			if err := cfg.Sleep(ctx, time.Second); err != nil {
				return last, err
			}
		}
		c, err := readConversation(ctx, cfg, p.Report.Target.ConversationID)
		if err != nil {
			return nil, err
		}
		last = judge(op, pid, c)
		if last.Achieved || !last.Known {
			return last, nil
		}
	}
	return last, nil
}

// judge says whether the conversation shows the operation done.
func judge(op, pid string, c *genesys.Conversation) *Outcome {
	gone := notify.Until{Participant: pid, State: notify.Gone}
	switch op {
	case "teardown":
		done := c == nil || c.EndTime != ""
		return &Outcome{Achieved: done, Known: true, Summary: map[bool]string{true: "the conversation has ended", false: "the conversation has not ended"}[done]}
	case "disconnect":
		done := gone.Holds(c)
		return &Outcome{Achieved: done, Known: true, Summary: map[bool]string{true: "participant " + pid + " is gone", false: "participant " + pid + " is still there"}[done]}
	case "answer":
		done := notify.Until{Participant: pid, State: genesys.StateConnected}.Holds(c)
		return &Outcome{Achieved: done, Known: true, Summary: map[bool]string{true: "participant " + pid + " is connected", false: "participant " + pid + " is not connected"}[done]}
	case "hold", "unhold", "mute", "unmute":
		return flagOutcome(op, pid, c)
	}
	what := op
	if what == "" {
		what = "the request"
	}
	return &Outcome{Known: false, Summary: "the org accepted " + what + "; the conversation does not show whether it took effect"}
}

// flagOutcome judges hold and mute from the target's communications.
func flagOutcome(op, pid string, c *genesys.Conversation) *Outcome {
	want := op == "hold" || op == "mute"
	word := map[string]string{"hold": "held", "unhold": "held", "mute": "muted", "unmute": "muted"}[op]
	if c != nil {
		for _, p := range c.Participants {
			if p.ID != pid {
				continue
			}
			for _, cm := range p.Comms() {
				if genesys.Ended(cm.State) {
					continue
				}
				got := cm.Held
				if word == "muted" {
					got = cm.Muted
				}
				not := map[bool]string{true: "", false: "not "}
				return &Outcome{Achieved: got == want, Known: true, Summary: fmt.Sprintf("participant %s is %s%s", pid, not[got], word)}
			}
		}
	}
	return &Outcome{Known: true, Summary: "participant " + pid + " has no live communication to be " + word}
}

// sender sends the plan's changes: its transport lets through exactly the
// prepared steps' requests (method, path and query), each once, to the
// API host, and nothing else.
type sender struct {
	cfg  Config
	api  *url.URL
	http *http.Client
}

// ErrNotInPlan is returned, without sending anything, for a request that
// is not one of the approved steps' (or is sent a second time).
var ErrNotInPlan = errors.New("refused: convdiag apply sends only the approved steps of the plan, each once")

type planTransport struct {
	base http.RoundTripper
	host string
	mu   sync.Mutex
	left map[string]int
}

func (t *planTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.Method + " " + req.URL.RequestURI()
	t.mu.Lock()
	ok := strings.EqualFold(req.URL.Host, t.host) && t.left[key] > 0
	if ok {
		t.left[key]--
	}
	t.mu.Unlock()
	if !ok {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s: %w", key, ErrNotInPlan)
	}
	return t.base.RoundTrip(req)
}

func newSender(cfg Config, steps []Prepared1) (*sender, error) {
	api, err := url.Parse(strings.TrimSuffix(cfg.APIBase, "/"))
	if err != nil || api.Host == "" {
		return nil, fmt.Errorf("API base %q is not an absolute URL", cfg.APIBase)
	}
	s := &sender{cfg: cfg, api: api}
	t := &planTransport{base: cfg.Transport, host: api.Host, left: map[string]int{}}
	for _, st := range steps {
		if st.Kind != KindWait {
			t.left[st.Method+" "+s.url(st).RequestURI()]++
		}
	}
	s.http = &http.Client{Transport: t, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		return fmt.Errorf("a redirect to %s was refused: Genesys does not redirect API calls", req.URL.Redacted())
	}}
	return s, nil
}

func (s *sender) url(st Prepared1) *url.URL {
	u := *s.api
	path, query, _ := strings.Cut(st.Path, "?")
	u.Path, u.RawQuery = strings.TrimSuffix(s.api.Path, "/")+path, query
	return &u
}

// do sends one step's request; anything but 2xx is an error naming the
// org's answer.
func (s *sender) do(ctx context.Context, st Prepared1) error {
	if err := s.cfg.Reads.Token(ctx); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	var body io.Reader
	if st.Body != nil {
		body = bytes.NewReader(st.Body)
	}
	u := s.url(st)
	req, err := http.NewRequestWithContext(ctx, st.Method, u.String(), body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", st.Method, u.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.Reads.TokenValue())
	req.Header.Set("Accept", "application/json")
	if st.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "convdiag apply")
	line := st.Method + " " + u.Path
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", line, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var eb genesys.ErrorBody
		_ = json.Unmarshal(b, &eb)
		msg := fmt.Sprintf("%s answered %d", line, resp.StatusCode)
		if eb.Code != "" {
			msg += " " + eb.Code
		}
		if eb.Message != "" {
			msg += ": " + eb.Message
		}
		return errors.New(msg)
	}
	s.cfg.Logf("%s -> %d (correlation id %s)", line, resp.StatusCode, resp.Header.Get("ININ-Correlation-Id"))
	return nil
}
