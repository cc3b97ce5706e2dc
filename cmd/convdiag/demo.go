package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/diagnose/sim"
)

// Credentials of the demo's simulated org.
const demoClientID, demoClientSecret = "demo-client", "demo-secret"

func demoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "demo",
		Usage:     "diagnose a built-in case live against the simulated org (default: the seed 409)",
		UsageText: "convdiag demo [flags] [SCENARIO]",
		Description: `Starts the simulated org on 127.0.0.1, replays the user's failing request against it (as
the user did), then runs the same code path as a live ` + "`convdiag check`" + ` (real HTTP, a real OAuth
exchange, GETs only) and prints the report. --list shows the scenarios.`,
		ArgsUsage:    "[SCENARIO]",
		OnUsageError: onUsageError,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "list", Usage: "list the scenarios and exit"},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "overall network budget"},
		}, outputFlags()...),
		Action: func(c *cli.Context) error {
			if c.Bool("list") {
				listScenarios(e.Stdout)
				return nil
			}
			if c.Args().Len() > 1 {
				return usageErr("demo takes one scenario name, got %d words", c.Args().Len())
			}
			name := c.Args().First()
			if name == "" {
				name = sim.DefaultScenario
			}
			sc, err := sim.LookupScenario(name)
			if err != nil {
				return usageErr("%v", err)
			}
			out, err := outputOptionsFrom(c)
			if err != nil {
				return err
			}
			return runDemo(c.Context, e, sc, out, c.Duration("timeout"))
		},
	}
}

// demoRun is what a demo established, for its one-line summary.
type demoRun struct {
	base     string
	replayed string
	rep      *diagnose.Report
}

// runDemo starts the simulated org, replays the scenario's request, and
// checks it live.
func runDemo(ctx context.Context, e *env, sc sim.Scenario, out outputOptions, budget time.Duration) error {
	d, err := demo(ctx, e, sc, out.Verbose, budget)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintf(e.Stderr, "convdiag demo: started a simulated Genesys org at %s (scenario %s), replayed the user's request (%s), then checked it live over HTTP (%s).\n",
			d.base, sc.Name, d.replayed, sentSummary(d.rep))
		if try := tryFix(selfCommand(e.Args), sc.Name, d.rep.Conclusion); try != "" {
			fmt.Fprintf(e.Stderr, "convdiag demo: try the fix against a simulated org that stays up:\n  %s\n", try)
		}
	}()
	return endedBy(ctx, finish(ctx, e, d.rep.Evidence, d.rep, out, "convdiag demo "+sc.Name))
}

// Address and token of the one-liner that tries a demo's fix.
const tryAddr, tryToken = "127.0.0.1:8765", "demo-token"

// tryFix is a one-liner that serves the scenario on a fixed address and
// sends the corrected request (and any to send first) to it; "" when there
// is nothing to send, the request as sent was already right, or the plan
// holds more than requests (a wait, a grant: a token, a moment or a
// setting the one-liner cannot give) or values convdiag does not know. self is how
// the user runs convdiag. The token is a
// shell variable, so that the line survives the redaction of everything
// convdiag writes (a literal token would print as "<redacted>").
func tryFix(self, scenario string, c diagnose.Conclusion) string {
	if c.Corrected == nil || c.Answer != diagnose.AnswerCorrected || c.Plan == nil || len(c.Plan.Variables) > 0 {
		return ""
	}
	for _, st := range c.Plan.Steps {
		if st.Kind != diagnose.StepRequest {
			return "" // a wait or a grant: not a one-liner's to carry out
		}
	}
	// go run compiles before it serves: give it longer.
	wait := 2
	if strings.HasPrefix(self, "go run") {
		wait = 6
	}
	parts := []string{fmt.Sprintf("T=%s; %s sim --scenario %s --addr %s --access-token \"$T\" & sleep %d", tryToken, self, scenario, tryAddr, wait)}
	for _, r := range append(append([]*diagnose.FixRequest{}, c.Before...), c.Corrected) {
		local := *r
		local.BaseURL = "http://" + tryAddr
		curl := strings.ReplaceAll(local.Curl(), " \\\n  ", " ")
		parts = append(parts, strings.ReplaceAll(curl, "$GENESYSCLOUD_ACCESS_TOKEN", "$T")+" -w ' -> %{http_code}\\n'")
	}
	return strings.Join(append(parts, "kill %1"), "; ")
}

// selfCommand is how the user ran convdiag: "go run ./cmd/convdiag" when
// the binary is one go run built in a temporary directory, else
// "convdiag".
func selfCommand(args []string) string {
	if len(args) > 0 && strings.Contains(filepath.ToSlash(args[0]), "/go-build") {
		return "go run ./cmd/convdiag"
	}
	return "convdiag"
}

func demo(ctx context.Context, e *env, sc sim.Scenario, verbose bool, budget time.Duration) (*demoRun, error) {
	org, err := sc.Org()
	if err != nil {
		return nil, err
	}
	// A scenario that happened at a known moment is replayed at that
	// moment (its Date header says so); the check that follows runs now.
	clock := &replayClock{}
	if t := diagnose.ParseGenesysTime(sc.At); !t.IsZero() {
		clock.set(t)
	} else if conv, _, err := sc.Files(); err == nil {
		// Without a moment of its own, the scenario happens half a minute
		// after its conversation's last recorded change (not days later,
		// now): its timeline is drawn at the scale of the call.
		if t := newestTime(conv); !t.IsZero() {
			clock.set(t.Add(30 * time.Second))
		}
	}
	run, err := sim.Start(ctx, "127.0.0.1:0", sim.New(org, sim.Options{ClientID: demoClientID, ClientSecret: demoClientSecret, Now: clock.now}))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	defer run.Close(e.Transport)
	base := run.URL

	ev := &diagnose.Evidence{Simulated: true, Operation: diagnose.OpID(sc.Operation), Request: diagnose.Request{Method: sc.Request.Method, URL: sc.Request.URL, Body: []byte(sc.Request.Body), HasBody: sc.Request.Body != "", Origin: "demo", AuthScheme: "Bearer"}}
	resp, err := replay(ctx, e, base, sc.Request)
	if err := stopIfInterrupted(ctx, "while replaying the scenario's request"); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("replay the scenario's request: %w", err)
	}
	ev.Response = resp
	ev.Failure, _ = input.DateHeaderFailure(resp, "the Date header of the replayed response")
	clock.set(time.Time{})
	// The check sees the org as it was when the request failed.
	org.Reset()

	lv := &collect.Live{
		Target: collect.Target{APIBase: base, TokenURL: base + "/oauth/token", Method: "client-credentials", From: "the demo"},
		Config: genesys.ClientConfig{APIBase: base, TokenURL: base + "/oauth/token", ClientID: demoClientID, ClientSecret: demoClientSecret, Transport: e.Transport},
		ConvID: sc.ConversationID(),
	}
	ev = gatherLive(ctx, e, budget, verbose, lv, ev)
	if err := stopIfInterrupted(ctx, "while reading the simulated org"); err != nil {
		return nil, err
	}
	rep := ops.Diagnose(ev, diagnose.Options{Now: e.Now})
	return &demoRun{base: base, replayed: fmt.Sprintf("%s %s -> %d", sc.Request.Method, shortPath(sc.Request.URL), resp.Status), rep: rep}, nil
}

// replayClock is the simulated org's clock in a demo: a fixed moment while
// the user's request is replayed, then the real time.
type replayClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *replayClock) set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

func (c *replayClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

// replay sends the user's request to the simulated org, as the user did:
// a client-credentials token, then the request with its exact body.
func replay(ctx context.Context, e *env, base string, r sim.SentRequest) (*diagnose.Response, error) {
	hc := &http.Client{Transport: e.Transport, Timeout: 10 * time.Second}
	form := strings.NewReader("grant_type=client_credentials")
	treq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth/token", form)
	if err != nil {
		return nil, err
	}
	treq.SetBasicAuth(demoClientID, demoClientSecret)
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tresp, err := hc.Do(treq)
	if err != nil {
		return nil, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = decodeJSON(tresp.Body, &tok)
	tresp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("no token from the simulated org (%v)", err)
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+u.EscapedPath(), bytes.NewReader([]byte(r.Body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	out := &diagnose.Response{Status: resp.StatusCode, Body: body, CorrelationID: resp.Header.Get("ININ-Correlation-Id"), HeadersKnown: true}
	for _, k := range []string{"ININ-Correlation-Id", "inin-ratelimit-allowed", "inin-ratelimit-count", "inin-ratelimit-reset", "Date"} {
		if v := resp.Header.Get(k); v != "" {
			out.Headers = append(out.Headers, diagnose.Header{Name: k, Value: v})
		}
	}
	return out, nil
}

func shortPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		p := u.Path
		if i := strings.LastIndex(p, "/"); i > 0 && strings.Count(p, "/") > 5 {
			p = ".../" + strings.Join(strings.Split(p, "/")[len(strings.Split(p, "/"))-2:], "/")
		}
		return p
	}
	return raw
}

// sentSummary says what the live check sent.
func sentSummary(rep *diagnose.Report) string {
	ev := rep.Evidence
	if ev.Auth != nil && ev.Auth.Error != "" {
		return "the token request failed: " + ev.Auth.Error
	}
	posts, gets, other := diagnose.CountSent(ev.Sent)
	rounds := "in parallel"
	if ev.ReadRounds > 1 {
		rounds = fmt.Sprintf("in %d parallel rounds", ev.ReadRounds)
	}
	rest := "nothing else"
	if other > 0 {
		rest = diagnose.Plural(other, "other request", "other requests")
	}
	return fmt.Sprintf("%s, then %s %s, %s; verdict %s", diagnose.Plural(posts, "token request", "token requests"), diagnose.Plural(gets, "GET", "GETs"), rounds, rest, rep.Verdict.Status)
}

// newestTime is the latest timestamp a saved conversation holds (zero for
// none).
func newestTime(doc []byte) time.Time {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return time.Time{}
	}
	var newest time.Time
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			if len(x) >= 20 && len(x) <= 35 && x[4] == '-' && x[10] == 'T' {
				if t := diagnose.ParseGenesysTime(x); t.After(newest) {
					newest = t
				}
			}
		}
	}
	walk(v)
	return newest
}
