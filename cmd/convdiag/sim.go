package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/diagnose/sim"
	"github.com/convdiag/convdiag/report/bundle"
)

func simCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "sim",
		Usage:     "serve a simulated Genesys Cloud org on loopback for curl, SDKs and convdiag",
		UsageText: "convdiag sim [flags]",
		Description: `Serves POST /oauth/token, GET /api/v2/tokens/me, GET /api/v2/conversations/{id},
GET /api/v2/conversations/calls/{id}, the analytics details of a conversation,
POST /api/v2/conversations/{id}/disconnect (the undocumented participantId body recipe),
PATCH /api/v2/conversations[/MEDIA]/{id}/participants/{pid} and DELETE .../consult,
answering with Genesys's documented error codes; the grant call
POST /api/v2/authorization/subjects/{id}/divisions/{id}/roles/{id}?subjectType=...; and the
Notifications API: POST /api/v2/notifications/channels, POST|PUT|GET .../subscriptions (users'
and queues' conversation topics) and the channel's WebSocket (its connectUri), which sends
documented events for every state change, heartbeats and pongs. A scenario's timers (ringing:
the agent answers after 3s) start when it is served.
The first line on stdout is the base URL; it serves until interrupted (Ctrl-C or SIGTERM),
then exits 0. An --addr other machines can reach (0.0.0.0:PORT) is served with a warning on
stderr.

   convdiag sim --scenario stale-leg
   convdiag sim --conversation-json saved.json --token-info-json tokens-me.json \
     --request-log log.jsonl`,
		OnUsageError: onUsageError,
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "scenario", Usage: "built-in scenario to serve (default: " + sim.DefaultScenario + "; --list shows them)"},
			&cli.BoolFlag{Name: "list", Usage: "list the built-in scenarios and exit"},
		}, simDocumentFlags()...), []cli.Flag{
			&cli.StringFlag{Name: "bundle", Usage: "serve every document of a replay bundle `DIR` (from check --save-bundle): its conversation, token info and grants", TakesFile: true},
			&cli.BoolFlag{Name: "bundle-modified-ok", Usage: "serve a bundle whose files no longer match its manifest's SHA-256"},
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "listen address (anything but loopback is reachable from other machines, and says so)"},
			&cli.StringFlag{Name: "client-id", Usage: "accepted client id (default: any non-empty pair is accepted)"},
			&cli.StringFlag{Name: "client-secret", Usage: "accepted client secret"},
			&cli.StringSliceFlag{Name: "access-token", Usage: "also accept this bearer `TOKEN` (repeatable)"},
			&cli.DurationFlag{Name: "latency", Usage: "added to every response"},
			&cli.IntFlag{Name: "rate-limit", Usage: "requests per second; past it 429 with Retry-After (0: none)"},
			&cli.Float64Flag{Name: "fail-rate", Usage: "fraction of API responses that are 503 (0 to 1)"},
			&cli.DurationFlag{Name: "socket-closing-after", Usage: "send v2.system.socket_closing on every notification socket open this long (tests reconnects)"},
			&cli.DurationFlag{Name: "heartbeat-every", Value: 30 * time.Second, Usage: "how often a notification socket gets a heartbeat"},
			&cli.StringFlag{Name: "request-log", Usage: "append one JSON line per request ({\"method\",\"path\",\"status\"}) to `FILE`", TakesFile: true},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the simulated failures (0: random)", Hidden: true},
		}...),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Bool("list") {
				listScenarios(e.Stdout)
				return nil
			}
			if err := refuseEmpty(c); err != nil {
				return err
			}
			return runSim(c, e)
		},
	}
}

func listScenarios(w io.Writer) {
	for _, s := range sim.Scenarios() {
		op := s.OperationOf()
		if op == "" {
			op = "-" // the request alone does not say (a body that is not JSON)
		}
		fmt.Fprintf(w, "%-22s %-16s %s\n", s.Name, op, s.Title)
	}
}

// simDocumentFlags are the flags of the registry's documents, as sim
// takes them: a saved GET each, served as saved beside the conversations
// of --conversation-json (repeatable: the org serves several).
func simDocumentFlags() []cli.Flag {
	var fl []cli.Flag
	for _, d := range diagnose.Documents {
		switch {
		case d.Flag == "":
		case d.Name == diagnose.DocConversation:
			fl = append(fl, &cli.StringSliceFlag{Name: d.Flag, Usage: "serve this saved conversation `FILE` (either view; repeatable) instead of a scenario", TakesFile: true})
		case d.Repeatable:
			fl = append(fl, &cli.StringSliceFlag{Name: d.Flag, Usage: "serve this saved " + d.Source() + " `FILE` (repeatable)", TakesFile: true})
		default:
			fl = append(fl, &cli.StringFlag{Name: d.Flag, Usage: "serve this saved " + d.Source() + " `FILE`", TakesFile: true})
		}
	}
	return fl
}

// simOrg builds the org to serve from --scenario, a bundle or saved files.
func simOrg(c *cli.Context) (*sim.Org, string, error) {
	files := documentFiles(c)
	convs := files[diagnose.DocConversation]
	delete(files, diagnose.DocConversation)
	given := ""
	for _, name := range documentFlagNames() {
		if c.IsSet(name) && given == "" {
			given = name
		}
	}
	if dir := c.String("bundle"); dir != "" {
		if given == "" && c.String("scenario") != "" {
			given = "scenario"
		}
		if given != "" {
			return nil, "", usageErr("--bundle brings its own conversation, token info and grants: drop --%s", given)
		}
		ev, err := bundle.Load(dir, bundle.LoadOptions{ModifiedOK: c.Bool("bundle-modified-ok")})
		if err != nil {
			return nil, "", usageErr("--bundle: %v", err)
		}
		org, err := sim.FromEvidence(ev)
		if err != nil {
			return nil, "", usageErr("--bundle %s holds no conversation to serve (the check that saved it could not read one)", dir)
		}
		return org, "bundle " + dir, nil
	}
	if len(convs) == 0 {
		if given != "" {
			return nil, "", usageErr("--%s needs --conversation-json (a scenario brings its own documents)", given)
		}
		return scenarioOrg(c.String("scenario"))
	}
	if c.String("scenario") != "" {
		return nil, "", usageErr("--scenario and --conversation-json exclude each other")
	}
	var docs []*genesys.Decoded
	for _, f := range convs {
		b, err := input.ReadFileLimited(f, input.MaxDocument)
		if err != nil {
			return nil, "", usageErr("--conversation-json %s: %v", f, err)
		}
		d, err := genesys.DecodeConversation(b, "")
		if err != nil {
			return nil, "", usageErr("--conversation-json %s %v", f, err)
		}
		docs = append(docs, d)
	}
	ev, err := input.Load(input.Options{Mode: diagnose.ModeOffline, Documents: files, KeepRaw: true})
	if err != nil {
		return nil, "", usageErr("%v", err)
	}
	org, err := sim.FromEvidence(ev, docs...)
	if err != nil {
		return nil, "", err
	}
	return org, diagnose.Plural(len(docs), "saved conversation", "saved conversations"), nil
}

// scenarioOrg is the org of a built-in scenario (the seed's by default).
func scenarioOrg(name string) (*sim.Org, string, error) {
	if name == "" {
		name = sim.DefaultScenario
	}
	sc, err := sim.LookupScenario(name)
	if err != nil {
		return nil, "", usageErr("%v", err)
	}
	org, err := sc.Org()
	if err != nil {
		return nil, "", err
	}
	return org, "scenario " + sc.Name + ": " + sc.Title, nil
}

func runSim(c *cli.Context, e *env) error {
	org, what, err := simOrg(c)
	if err != nil {
		return err
	}
	opts := sim.Options{
		ClientID: c.String("client-id"), ClientSecret: c.String("client-secret"), AccessTokens: c.StringSlice("access-token"),
		Latency: c.Duration("latency"), RateLimit: c.Int("rate-limit"), FailRate: c.Float64("fail-rate"), Seed: c.Uint64("seed"),
		Live: sim.LiveOptions{SocketClosingAfter: c.Duration("socket-closing-after"), HeartbeatEvery: c.Duration("heartbeat-every")},
	}
	if opts.FailRate < 0 || opts.FailRate > 1 {
		return usageErr("--fail-rate %v: want a fraction between 0 and 1", opts.FailRate)
	}
	if opts.RateLimit < 0 || opts.Latency < 0 || opts.Live.SocketClosingAfter < 0 {
		return usageErr("--rate-limit, --latency and --socket-closing-after cannot be negative")
	}
	if opts.Live.HeartbeatEvery <= 0 {
		return usageErr("--heartbeat-every %s: must be positive", opts.Live.HeartbeatEvery)
	}
	if (opts.ClientID == "") != (opts.ClientSecret == "") {
		return usageErr("--client-id and --client-secret go together")
	}
	if p := c.String("request-log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return usageErr("--request-log %s: %v", p, err)
		}
		defer f.Close()
		opts.RequestLog = f
	}
	srv := sim.New(org, opts)
	run, err := sim.StartWith(c.Context, c.String("addr"), srv, sim.StartOptions{WriteTimeout: sim.DefaultWriteTimeout + opts.Latency})
	if err != nil {
		return usageErr("%v", err)
	}
	srv.StartTimers()
	base := run.URL
	fmt.Fprintln(e.Stdout, base)
	fmt.Fprintf(e.Stderr, "convdiag sim: serving %s at %s\n", what, base)
	if !run.Loopback {
		fmt.Fprintf(e.Stderr, "convdiag sim: WARNING: listening on %s%s, which other machines can reach, not only this one: anyone who can reach it can read the conversations it serves%s\n",
			run.Addr, map[bool]string{true: " (every network interface)", false: ""}[run.AllInterfaces], map[bool]string{true: " (and log in with any credentials)", false: ""}[opts.ClientID == ""])
	}
	creds := simHintCredentials(opts)
	for _, id := range org.ConversationIDs() {
		fmt.Fprintf(e.Stderr, "  conversation %s  (convdiag check --api-base %s %s --conversation %s ...)\n", id, base, creds, id)
	}
	switch {
	case opts.ClientID != "":
		fmt.Fprintln(e.Stderr, "  (SIM_CLIENT_SECRET: the --client-secret given to sim; any other pair is refused)")
	}
	fmt.Fprintln(e.Stderr, "  interrupt (Ctrl-C) to stop")
	<-c.Context.Done()
	run.Close()
	why := "stopped"
	if in := diagnose.InterruptedBy(c.Context); in != nil {
		why = in.Error() + ", stopped"
	}
	fmt.Fprintln(e.Stderr, "convdiag sim: "+why)
	return nil
}

// simHintCredentials are credentials the simulated org accepts, for the
// hint it prints: any pair when none were configured, else the configured
// client id with its secret named, not printed (stderr is
// redacted, and the user knows what they gave).
func simHintCredentials(o sim.Options) string {
	switch {
	case o.ClientID != "":
		return "--client-id " + diagnose.ShellQuote(o.ClientID) + " --client-secret \"$SIM_CLIENT_SECRET\""
	}
	return "--client-id x --client-secret y"
}
