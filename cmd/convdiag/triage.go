package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/diagnose/triage"
	"github.com/convdiag/convdiag/report"
	"github.com/convdiag/convdiag/report/bundle"
)

// triageOptions is everything `convdiag triage` was asked to do.
type triageOptions struct {
	Paths  []string
	Jobs   int
	Resume string
	// Live settings, as check's.
	Offline                    bool
	Region, APIBase, LoginBase string
	ClientID, ClientSecret     string
	AccessToken, Profile       string
	InsecureHTTP               bool
	Timeout                    time.Duration
	Format                     report.Format
	OutputFile, Color          string
	ShowSecrets                bool
}

const triageDescription = `Diagnoses many failed requests in one process, each exactly as ` + "`convdiag check`" + ` would,
and groups them by operation and root cause: how many of each, since when, and the fix.

Each PATH is a folder (walked for replay bundles, .har files and .jsonl/.ndjson logs; symbolic
links inside it are not followed), a replay bundle, a HAR export (every failing request on a
conversation is a ticket, FILE.har#N), or a JSONL log of failed requests (FILE.jsonl:LINE).

JSONL log format. ` + triage.LogFormat + `

Live (credentials or --api-base given, as for check): each distinct conversation of a log is
read once (both views and its analytics), in parallel, paced to the org's rate limit
(inin-ratelimit-* headers, Retry-After); the token and its grants are read once. Bundles and
HARs are judged on their own evidence. Read-only: only GETs and the token request.

--resume STATE records each ticket as it is done; rerun the same command with it after an
interruption (Ctrl-C prints what was triaged and exits 130) to go on without reading those
tickets or their conversations again.

Examples:
   convdiag triage cases/                       # bundles, HARs and logs under cases/
   convdiag triage failures.jsonl --format markdown --output triage.md
   convdiag triage failures.jsonl --region eu-central-1 --resume triage.state

Exit codes: 0 no ticket has a confirmed or likely cause; 1 some ticket has one; 2 usage, or no
ticket could be read; 3 no cause, but some ticket is incomplete; 130/143 interrupted.`

func triageCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:         "triage",
		Usage:        "diagnose many failed requests at once, clustered by root cause",
		UsageText:    "convdiag triage [flags] PATH...",
		ArgsUsage:    "PATH...",
		Description:  triageDescription,
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "tickets diagnosed at once (default: the CPU count)"},
			&cli.StringFlag{Name: "resume", Usage: "record finished tickets in `STATE` and skip those it already holds (rerun after an interruption)", TakesFile: true},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "report format: text, markdown or json (json: stdout holds the JSON document only)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` instead of stdout"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: auto, always or never"},
			&cli.BoolFlag{Name: "show-secrets", Usage: "do not redact tokens, secrets, phone numbers and e-mail addresses (never the default)"},
			&cli.BoolFlag{Name: "offline", Usage: "no network: judge each ticket on its own evidence"},
			&cli.StringFlag{Name: "region", Usage: "live: the org's region, key or domain [$GENESYSCLOUD_REGION]"},
			&cli.StringFlag{Name: "api-base", Usage: "live: explicit API base `URL` [$GENESYSCLOUD_API_BASE]"},
			&cli.StringFlag{Name: "login-base", Usage: "live: base `URL` of the token endpoint"},
			&cli.StringFlag{Name: "client-id", Usage: "live: OAuth client id [$GENESYSCLOUD_OAUTHCLIENT_ID]"},
			&cli.StringFlag{Name: "client-secret", Usage: "live: OAuth client secret [$GENESYSCLOUD_OAUTHCLIENT_SECRET]"},
			&cli.StringFlag{Name: "access-token", Usage: "live: an existing access token [$GENESYSCLOUD_ACCESS_TOKEN]"},
			&cli.StringFlag{Name: "profile", Usage: "live: credentials from profile `NAME` of ~/.gc/config.toml"},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "live: network budget of the login and of each conversation's reads"},
			&cli.BoolFlag{Name: "insecure-http", Usage: "live: allow credentials over plain http to a host that is not this machine"},
		},
		Action: func(c *cli.Context) error {
			o, err := triageOptionsFrom(c)
			if err != nil {
				return err
			}
			return runTriage(c.Context, e, o)
		},
	}
}

// triageOptionsFrom maps flags and arguments to options.
func triageOptionsFrom(c *cli.Context) (*triageOptions, error) {
	o := &triageOptions{Paths: c.Args().Slice(), Jobs: c.Int("jobs"), Resume: c.String("resume"), Offline: c.Bool("offline"),
		Region: c.String("region"), APIBase: c.String("api-base"), LoginBase: c.String("login-base"),
		ClientID: c.String("client-id"), ClientSecret: c.String("client-secret"), AccessToken: c.String("access-token"), Profile: c.String("profile"),
		InsecureHTTP: c.Bool("insecure-http"), Timeout: c.Duration("timeout"),
		OutputFile: c.String("output"), Color: c.String("color"), ShowSecrets: c.Bool("show-secrets")}
	if len(o.Paths) == 0 {
		return nil, usageErr("nothing to triage: give one or more PATHs (folders, bundles, .har files, .jsonl logs)")
	}
	if o.Jobs < 1 {
		return nil, usageErr("--jobs %d: at least 1", o.Jobs)
	}
	if o.Timeout <= 0 {
		return nil, usageErr("--timeout %s: must be positive", o.Timeout)
	}
	out, err := outputOptionsFrom(c) // --format and --color, validated as check's
	if err != nil {
		return nil, err
	}
	o.Format = out.Format
	return o, nil
}

// runTriage resolves where to look, runs the triage, and renders it.
func runTriage(ctx context.Context, e *env, o *triageOptions) error {
	topts := triage.Options{Paths: o.Paths, Jobs: o.Jobs,
		Diagnose: func(ev *diagnose.Evidence) *diagnose.Report {
			return ops.Diagnose(ev, diagnose.Options{Now: e.Now}) // the engine of check
		},
		LoadBundle:   func(dir string) (*diagnose.Evidence, error) { return bundle.Load(dir, bundle.LoadOptions{}) },
		BundleMarker: bundle.FileManifest}
	var secrets []string
	session, err := triageSession(ctx, e, o, &secrets)
	if err != nil {
		return err
	}
	topts.Session = session
	if o.Resume != "" {
		st, err := triage.OpenState(o.Resume)
		if err != nil {
			return usageErr("--resume %s: %v", o.Resume, err)
		}
		defer st.Close()
		topts.Done = st.Done()
		red := report.NewRedactor(secrets...)
		topts.Record = func(t triage.Ticket) {
			if !o.ShowSecrets {
				red.Walk(&t)
			}
			if err := st.Record(t); err != nil {
				fmt.Fprintf(e.Stderr, "convdiag: --resume %s: %v\n", o.Resume, err)
			}
		}
	}
	var progress *triageProgress
	if e.stderrTTY {
		width := e.stderrWidth
		if width <= 0 {
			width = report.DefaultWidth
		}
		progress = startTriageProgress(e.Stderr, max(width, 40), time.Now)
		topts.Progress = progress.update
	}
	res := triage.Run(ctx, topts)
	if progress != nil {
		progress.stop() // before anything else is written
	}
	if err := writeTriage(ctx, e, res, o, secrets); err != nil {
		return err
	}
	switch {
	case res.Interrupted:
		fmt.Fprintf(e.Stderr, "convdiag: interrupted: %s triaged\n", diagnose.Plural(len(res.Tickets), "ticket", "tickets"))
		code := 130
		if in := diagnose.InterruptedBy(ctx); in != nil {
			code = in.Code
		}
		return &exitError{code: code}
	case res.Verdict.ExitCode == diagnose.ExitUsage:
		return usageErr("%s", res.Verdict.Summary)
	case res.Verdict.ExitCode != 0:
		return &exitError{code: res.Verdict.ExitCode}
	}
	return nil
}

// triageSession logs in to the org when the triage is live (nil offline);
// every secret it learns goes to secrets and the stderr redactor.
func triageSession(ctx context.Context, e *env, o *triageOptions, secrets *[]string) (*collect.Session, error) {
	res, err := resolve(e, collect.Settings{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, AccessToken: o.AccessToken,
		Region: o.Region, APIBase: o.APIBase, LoginBase: o.LoginBase, Profile: o.Profile,
		Offline: o.Offline, InsecureHTTP: o.InsecureHTTP, ManyConversations: true,
		Getenv: e.Getenv, HomeDir: e.HomeDir, ReadFile: input.ReadFileLimited,
	})
	if err != nil || res.Live == nil {
		return nil, err
	}
	cfg := res.Live.Config
	cfg.Transport = e.Transport
	cfg.Pace = genesys.NewRatePacer(nil, nil)
	if e.Sleep != nil {
		cfg.Sleep = e.Sleep
	}
	client, err := genesys.NewClient(cfg)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	lctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	s := collect.StartSession(lctx, client, res.Live.Target, e.Now)
	s.Budget = o.Timeout
	*secrets = append(*secrets, cfg.ClientSecret, cfg.AccessToken, client.TokenValue())
	if e.redactor != nil {
		e.redactor.AddSecret(client.TokenValue())
	}
	return s, nil
}

// writeTriage renders the report to stdout or --output.
func writeTriage(ctx context.Context, e *env, res *triage.Result, o *triageOptions, secrets []string) error {
	return writeOutput(ctx, e, o.OutputFile, "triage report", res.Verdict.Summary, false, func(w io.Writer, tty bool) error {
		return report.RenderTriage(w, res, report.TriageOptions{Now: e.Now(), Options: report.Options{
			Format: o.Format, ShowSecrets: o.ShowSecrets, Version: e.Version, Secrets: secrets,
			Color: decideColor(o.Color, tty, e.Getenv), Unicode: tty && e.Getenv("TERM") != "dumb", Width: reportWidth(e, w, tty)}})
	})
}
