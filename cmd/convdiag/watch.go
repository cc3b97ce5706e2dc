package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/notify"
	"github.com/convdiag/convdiag/report"
)

const watchDescription = `Watches the participants of a conversation live over the Notifications API: creates a
notification channel, subscribes (ignoreErrors=true) to the conversation topics of its users and
queues, listens on the channel's WebSocket and prints each communication's state changes as they
happen, with the time convdiag saw each one and the org's own time of it. It pings the socket,
notices missing heartbeats, reconnects on v2.system.socket_closing or a dropped socket, and
re-reads the conversation (GET) after every gap, because events are not replayed. Rejected topics
are named with the reason and missing permissions; where no topic can be subscribed it polls the
conversation, paced inside the org's rate limit, and says so. It connects only to a connectUri on
the streaming host of the org's own domain (or loopback, for convdiag sim).

Read-only: besides the token and GETs it sends only the channel and subscription POSTs.

   convdiag watch --region eu-central-1 --conversation C
   convdiag watch --api-base http://127.0.0.1:PORT --client-id x --client-secret y \
     --conversation C --participant P --until connected --timeout 2m

--format json writes JSON Lines: one object per change {"seen_at", "event_time",
"participant_id", "communication_id", "media", "state", "previous_state", "held", "muted",
"source": "topic|poll"}, then {"result": "until-met|timeout|interrupted"}.

Exit codes: 0 the --until state was reached (or, without --until, the watch ran its time
having read the conversation); 2 usage; 3 the --timeout passed first, or the conversation could
not be read (the login failed, or the org never answered or answered only errors within
--timeout: a watch that read nothing is no clean watch); 130 interrupted.`

func watchCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "conversation", Usage: "the conversation `ID` to watch (required)"},
		&cli.StringFlag{Name: "participant", Usage: "the participant `ID` that --until is about"},
		&cli.StringFlag{Name: "until", Usage: "stop with exit 0 once the participant reaches `STATE`: connected, alerting, disconnected, terminated, ... or gone (no live communication left)"},
		&cli.DurationFlag{Name: "timeout", Value: 15 * time.Minute, Usage: "stop after this long (with --until: exit 3)"},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text (one line per change) or json (JSON Lines)"},
		&cli.BoolFlag{Name: "show-secrets", Usage: "do not redact phone numbers and e-mail addresses in names (never the default)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log the requests to stderr"},
		&cli.DurationFlag{Name: "ping-every", Value: 20 * time.Second, Usage: "how often the socket is pinged", Hidden: true},
		&cli.DurationFlag{Name: "quiet-after", Value: 75 * time.Second, Usage: "a socket silent this long is taken for dead", Hidden: true},
	}
	return &cli.Command{
		Name:         "watch",
		Usage:        "watch a conversation's participants change state, live and read-only",
		UsageText:    "convdiag watch --conversation ID [--participant ID --until STATE] [flags]",
		Description:  watchDescription,
		Flags:        append(flags, credentialFlags()...),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			o, err := watchOptionsFrom(c)
			if err != nil {
				return err
			}
			return runWatch(c.Context, e, c, o)
		},
	}
}

// watchOptions is what `convdiag watch` was asked to do.
type watchOptions struct {
	Watch       notify.Options
	JSON        bool
	ShowSecrets bool
	Verbose     bool
	PingEvery   time.Duration
	QuietAfter  time.Duration
}

func watchOptionsFrom(c *cli.Context) (*watchOptions, error) {
	o := &watchOptions{ShowSecrets: c.Bool("show-secrets"), Verbose: c.Bool("verbose"), PingEvery: c.Duration("ping-every"), QuietAfter: c.Duration("quiet-after")}
	o.Watch.ConversationID = strings.TrimSpace(c.String("conversation"))
	if o.Watch.ConversationID == "" {
		return nil, usageErr("watch needs --conversation ID")
	}
	switch c.String("format") {
	case "text":
	case "json":
		o.JSON = true
	default:
		return nil, usageErr("--format %q: want text or json", c.String("format"))
	}
	if o.Watch.Timeout = c.Duration("timeout"); o.Watch.Timeout <= 0 {
		return nil, usageErr("--timeout %s: must be positive", o.Watch.Timeout)
	}
	pid := strings.TrimSpace(c.String("participant"))
	if c.IsSet("until") {
		state, err := notify.ParseUntil(c.String("until"))
		if err != nil {
			return nil, usageErr("--until: %v", err)
		}
		if pid == "" {
			return nil, usageErr("--until %s needs --participant ID: the participant whose state ends the watch", state)
		}
		o.Watch.Until = &notify.Until{Participant: pid, State: state}
	}
	return o, nil
}

func runWatch(ctx context.Context, e *env, c *cli.Context, o *watchOptions) error {
	lv, err := resolveOrg(e, liveSettings(e, c, o.Watch.ConversationID), "watch")
	if err != nil {
		return err
	}
	// The token is fetched within the watch's time too, and the client
	// keeps this context for the token's renewals while the watch lasts.
	tctx, cancel := context.WithTimeout(ctx, o.Watch.Timeout)
	defer cancel()
	reads, err := readsClient(tctx, e, lv.Config, o.Verbose)
	if err != nil {
		return err
	}
	out := e.Stdout
	if !o.ShowSecrets {
		out = e.redactor.Writer(out)
	}
	view := newWatchView(out, o.JSON)
	cfg := notify.Config{Reads: reads, APIBase: lv.Target.APIBase, Transport: e.Transport, Now: e.Now, Sleep: e.Sleep,
		PingEvery: o.PingEvery, QuietAfter: o.QuietAfter, Logf: stderrLogf(e)}
	fmt.Fprintf(e.Stderr, "convdiag: watching conversation %s at %s (Ctrl-C to stop)\n", o.Watch.ConversationID, lv.Target.APIBase)
	res, err := notify.Watch(ctx, cfg, o.Watch, view.change)
	if err != nil {
		return &exitError{code: 3, msg: oneLine(fmt.Sprintf("watch: %v", err))}
	}
	view.result(res, o.Watch)
	switch {
	case res == notify.Interrupted:
		return &exitError{code: 130}
	case res == notify.TimedOut && o.Watch.Until != nil:
		return &exitError{code: 3}
	}
	return nil
}

// readsClient builds the read-only client and fetches its token now
// (within ctx, which the client keeps for renewing the token), so that the
// token is known to the redactor before anything is printed.
func readsClient(ctx context.Context, e *env, cfg genesys.ClientConfig, verbose bool) (*genesys.Client, error) {
	if e.Sleep != nil {
		cfg.Sleep = e.Sleep
	}
	if verbose {
		cfg.Logf = stderrLogf(e)
	}
	reads, err := genesys.NewClient(cfg)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if err := reads.Token(ctx); err != nil {
		return nil, &exitError{code: 3, msg: oneLine(fmt.Sprintf("could not log in to the org, so nothing was read (%v)", err))}
	}
	e.redactor.AddSecret(reads.TokenValue())
	return reads, nil
}

// stderrLogf writes remarks to stderr, one line each, with what came from
// the org or a report shown escaped.
func stderrLogf(e *env) func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(e.Stderr, "convdiag: %s\n", oneLine(fmt.Sprintf(format, args...)))
	}
}

// oneLine is a line for a terminal: control characters and bidi overrides
// shown escaped (report.TermSafe), newlines too.
func oneLine(s string) string {
	return strings.ReplaceAll(report.TermSafe(s), "\n", `\n`)
}

// watchView prints the changes: in text a line per change with the
// communication's lane so far (every state it went through, the newest
// last), or JSON Lines (DESIGN §2).
type watchView struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
	// lanes are the states each communication went through.
	lanes map[string][]string
}

func newWatchView(w io.Writer, asJSON bool) *watchView {
	return &watchView{w: w, json: asJSON, enc: json.NewEncoder(w), lanes: map[string][]string{}}
}

// changeLine is the wire shape of one change.
type changeLine struct {
	SeenAt          string  `json:"seen_at"`
	EventTime       *string `json:"event_time"`
	ParticipantID   string  `json:"participant_id"`
	CommunicationID string  `json:"communication_id"`
	Media           string  `json:"media"`
	State           string  `json:"state"`
	PreviousState   *string `json:"previous_state"`
	Held            bool    `json:"held"`
	Muted           bool    `json:"muted"`
	Source          string  `json:"source"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (v *watchView) change(ch notify.Change) {
	if v.json {
		_ = v.enc.Encode(changeLine{SeenAt: notify.FormatTime(ch.SeenAt), EventTime: optional(ch.EventTime), ParticipantID: ch.ParticipantID,
			CommunicationID: ch.CommunicationID, Media: ch.Media, State: ch.State, PreviousState: optional(ch.PreviousState),
			Held: ch.Held, Muted: ch.Muted, Source: string(ch.Source)})
		return
	}
	key := ch.ParticipantID + "/" + ch.CommunicationID
	lane := v.lanes[key]
	if len(lane) == 0 || lane[len(lane)-1] != ch.State {
		lane = append(lane, ch.State)
		v.lanes[key] = lane
	}
	what := strings.Join(lane, " -> ")
	if ch.Held {
		what += " (held)"
	}
	if ch.Muted {
		what += " (muted)"
	}
	event := "-"
	if ch.EventTime != "" {
		event = clock(ch.EventTime)
	}
	who := strings.TrimSpace(ch.Purpose + " " + ch.Name)
	fmt.Fprintln(v.w, oneLine(fmt.Sprintf("%s  %-36s  %-32s  %-5s  %s  (org time %s, %s)", clock(notify.FormatTime(ch.SeenAt)), ch.ParticipantID, who, ch.Media, what, event, ch.Source)))
}

// clock is the time of day of a watch time.
func clock(t string) string {
	if len(t) >= len("2006-01-02T15:04:05.000") {
		return t[11:23]
	}
	return t
}

func (v *watchView) result(r notify.Result, o notify.Options) {
	if v.json {
		_ = v.enc.Encode(map[string]string{"result": string(r)})
		return
	}
	switch {
	case r == notify.UntilMet:
		fmt.Fprintf(v.w, "until %s: reached by participant %s\n", o.Until.State, o.Until.Participant)
	case r == notify.TimedOut && o.Until != nil:
		fmt.Fprintf(v.w, "timeout: %s passed before participant %s was %s\n", o.Timeout, o.Until.Participant, o.Until.State)
	case r == notify.TimedOut:
		fmt.Fprintf(v.w, "timeout: watched for %s\n", o.Timeout)
	default:
		fmt.Fprintln(v.w, "interrupted")
	}
}
