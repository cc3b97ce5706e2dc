package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/report"
	"github.com/convdiag/convdiag/report/bundle"
)

// checkOptions is everything `convdiag check` was asked to do, parsed from
// flags and kept apart from running it (cli/cli's Options + runF split).
type checkOptions struct {
	Input input.Options

	Offline, DryRun bool

	// Live-mode credentials and place.
	Region, APIBase, LoginBase string
	ClientID, ClientSecret     string
	AccessToken                string
	Profile                    string
	Timeout                    time.Duration
	InsecureHTTP               bool

	// Bundle reruns a saved bundle; BundleModifiedOK accepts files that
	// no longer match its manifest.
	Bundle           string
	BundleModifiedOK bool

	Output outputOptions
}

// outputOptions are the report flags shared by check and demo.
type outputOptions struct {
	Format      report.Format
	OutputFile  string
	Color       string
	ShowSecrets bool
	Verbose     bool
	// SaveBundle writes the redacted evidence to a replay bundle.
	SaveBundle string
	// PhoneRegion is where national phone numbers are read when they are
	// masked ("" for the org's region).
	PhoneRegion string
	// NoPager writes a report to a terminal without the pager.
	NoPager bool
}

func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Value: "text", Usage: "report format: text, markdown or json (json: stdout holds the JSON document only)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` instead of stdout"},
		&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: auto (only on a terminal, honours NO_COLOR), always or never"},
		&cli.BoolFlag{Name: "show-secrets", Usage: "do not redact tokens, secrets, phone numbers and e-mail addresses (never the default)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show every check's evidence and notes; log requests to stderr"},
		&cli.StringFlag{Name: "phone-region", Usage: "read national phone numbers (masked in every output) as numbers of country `CC` (ISO 3166, e.g. GB); default: the org's region's country, else US"},
		&cli.BoolFlag{Name: "no-pager", Usage: "on a terminal, write a long report straight out instead of through the pager ($PAGER, default less -FRX; PAGER=cat turns it off too)"},
		&cli.StringFlag{Name: "save-bundle", Usage: "also write the redacted evidence, report.json and manifest.json to `DIR` (new, empty, or a bundle convdiag wrote, replaced whole; never a link or another folder's contents), for another engineer to rerun with --bundle", TakesFile: true},
	}
}

func checkFlags() []cli.Flag {
	fl := []cli.Flag{
		&cli.StringFlag{Name: "conversation", Usage: "conversation `ID` (taken from the request path when absent)"},
		&cli.StringFlag{Name: "participant", Usage: "the participant `ID` the operation is about, for a drop the one meant to be dropped (taken from the path or body when absent)"},
		&cli.StringFlag{Name: "operation", Usage: "what the request was meant to do, `OP`: disconnect, answer, hold, unhold, mute, unmute, recording, recording-state, confine, wrapup, transfer, consult, consult-speak-to, consult-cancel, conference-add, attributes, callback, teardown (inferred from the request when absent)"},
		&cli.StringFlag{Name: "request", Usage: "the request line as sent, 'METHOD URL-or-PATH'; without it (or --curl, --har) nothing is judged about the endpoint or the body"},
		&cli.StringFlag{Name: "body", Usage: "the body as sent: a file path, - for stdin, or a literal starting with { or [; bytes kept exactly", TakesFile: true},
		&cli.StringFlag{Name: "status", Usage: "the HTTP status the request got, e.g. 409"},
		&cli.StringFlag{Name: "response", Usage: "`FILE` with the error body received (or the whole response as printed by curl -i)", TakesFile: true},
	}
	fl = append(fl, documentFlags()...)
	fl = append(fl, []cli.Flag{
		&cli.StringFlag{Name: "at", Usage: "when the request failed: RFC 3339, a log time such as '2026-11-20 14:05:03' (UTC unless it has an offset), or epoch ms; default: the response's Date header, a HAR entry's time"},
		&cli.StringFlag{Name: "curl", Usage: "the request as a pasted command, instead of --request/--body: curl in bash, curl from cmd.exe, or PowerShell's curl.exe or Invoke-RestMethod / Invoke-WebRequest (- reads it from stdin)"},
		&cli.StringFlag{Name: "har", Usage: "`FILE`: a HAR export (Chrome, Firefox, Postman); the failing conversation request, its response and any recorded GETs are taken from it", TakesFile: true},
		&cli.IntFlag{Name: "har-entry", Usage: "judge HAR entry `N` (1-based) instead of the last failing one"},
		&cli.StringFlag{Name: "bundle", Usage: "rerun a saved bundle `DIR` offline (it holds all the evidence)", TakesFile: true},
		&cli.BoolFlag{Name: "bundle-modified-ok", Usage: "replay a bundle whose files no longer match its manifest's SHA-256 (the report says so)"},
		&cli.BoolFlag{Name: "offline", Usage: "no network: judge the files given (implied when there are no credentials and no --api-base, or when saved GETs are given)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "judge only the request line and body; nothing is fetched"},
	}...)
	fl = append(fl, credentialFlags()...)
	fl = append(fl, &cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "live: overall network budget"})
	return append(fl, outputFlags()...)
}

const checkDescription = `Examples:
   # offline, from the files attached to a ticket
   convdiag check \
     --request 'POST https://api.mypurecloud.com/api/v2/conversations/C/disconnect' \
     --body body.json --status 409 --response error.json \
     --conversation-json conversation.json

   # dry run: judge a request and body before sending it
   convdiag check --dry-run --request 'PATCH /api/v2/conversations/calls/C/participants/P' \
     --body '{"state":"disconnected"}'

   # live, against the org (read-only: only GETs, plus the token request)
   convdiag check --region eu-central-1 --conversation C --participant P --body body.json

   # a hold, a transfer, a wrap-up...: what the request was for is inferred, or given
   convdiag check --request 'POST /api/v2/conversations/C/participants/P/replace/queue' \
     --body '{"queueId":"Q"}' --status 400 --response error.json --queue-json queue.json
   convdiag check --operation wrapup --request 'PATCH /api/v2/conversations/C/participants/P' \
     --body participant.json --status 400

Operation: every check judges the request against what it was for (--operation, else
inferred from the endpoint and the body's fields); the fix never changes it: a hold's fix
holds. The fix is a plan: wait for a state, grant a role, then the request (JSON "plan";
convdiag apply carries it out). Once the conversation has ended, a fix about the code
is printed as the request to send next time.

Mode: --dry-run judges the request only; saved GETs (--conversation-json, --call-json,
--token-info-json) or --offline mean offline; otherwise credentials or --api-base mean live.

Credentials, highest precedence first: flags, then environment variables (GENESYSCLOUD_*),
then --profile. Region: --region, GENESYSCLOUD_REGION, then the profile's environment.

Untrusted input: secrets (found by name, such as password or x-api-key, and by shape) and
personal data (e-mail addresses, phone numbers read in the org's country or --phone-region,
card numbers, IBANs) are redacted in every output and bundle unless --show-secrets; a flag given
an empty value is refused; a pasted curl is never run.

Exit codes: 0 no confirmed or likely cause; 1 at least one; 2 usage or unreadable input;
3 diagnosis incomplete (API unreachable, authentication failed, budget spent, or a failure
nothing given could judge); 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM): no report, one line saying so.`

func checkCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:         "check",
		Usage:        "diagnose a failed request on a participant: drop, hold, transfer, wrap-up, ...",
		UsageText:    "convdiag check [flags]",
		Description:  checkDescription,
		Flags:        checkFlags(),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			opts, err := checkOptionsFrom(c)
			if err != nil {
				return err
			}
			return runCheck(c.Context, e, opts)
		},
	}
}

// outputOptionsFrom reads and validates the report flags.
func outputOptionsFrom(c *cli.Context) (outputOptions, error) {
	if err := refuseEmpty(c); err != nil {
		return outputOptions{}, err
	}
	o := outputOptions{OutputFile: c.String("output"), Color: c.String("color"), ShowSecrets: c.Bool("show-secrets"), Verbose: c.Bool("verbose"), SaveBundle: c.String("save-bundle"), PhoneRegion: c.String("phone-region"), NoPager: c.Bool("no-pager")}
	if err := checkOutputName(o.OutputFile); err != nil {
		return o, err
	}
	f, err := report.ParseFormat(c.String("format"))
	if err != nil {
		return o, usageErr("--format: %v", err)
	}
	o.Format = f
	switch o.Color {
	case "auto", "always", "never":
	default:
		return o, usageErr("--color %q: want auto, always or never", o.Color)
	}
	if o.PhoneRegion != "" && !report.ValidPhoneRegion(o.PhoneRegion) {
		return o, usageErr("--phone-region %q: want a two-letter country code such as US, GB or DE", o.PhoneRegion)
	}
	return o, nil
}

// checkOptionsFrom maps flags to options.
func checkOptionsFrom(c *cli.Context) (*checkOptions, error) {
	out, err := outputOptionsFrom(c)
	if err != nil {
		return nil, err
	}
	o := &checkOptions{
		Input: input.Options{
			ConversationID: c.String("conversation"), ParticipantID: strings.TrimSpace(c.String("participant")),
			Request: c.String("request"), Body: c.String("body"), BodySet: c.IsSet("body"),
			Status: c.String("status"), Response: c.String("response"), At: c.String("at"), Documents: documentFiles(c),
			Curl: c.String("curl"), HAR: c.String("har"), HAREntry: c.Int("har-entry"),
		},
		Bundle: c.String("bundle"), BundleModifiedOK: c.Bool("bundle-modified-ok"),
		Offline: c.Bool("offline"), DryRun: c.Bool("dry-run"),
		Region: c.String("region"), APIBase: c.String("api-base"), LoginBase: c.String("login-base"),
		ClientID: c.String("client-id"), ClientSecret: c.String("client-secret"), AccessToken: c.String("access-token"),
		Profile: c.String("profile"), Timeout: c.Duration("timeout"), InsecureHTTP: c.Bool("insecure-http"),
		Output: out,
	}
	if o.Timeout <= 0 {
		return nil, usageErr("--timeout %s: must be positive", o.Timeout)
	}
	if c.IsSet("operation") {
		op, err := diagnose.ParseOpID(c.String("operation"))
		if err != nil {
			return nil, usageErr("--operation: %v", err)
		}
		o.Input.Operation = op
	}
	if o.DryRun && o.savedGETs() {
		return nil, usageErr("--dry-run judges only the request line and body; drop the saved GETs (--conversation-json, --token-info-json, ...), or drop --dry-run")
	}
	nothing := !c.IsSet("bundle")
	for _, f := range evidenceFlags {
		nothing = nothing && !c.IsSet(f)
	}
	if nothing {
		return nil, usageErr("nothing to check: give the request (--request/--body, --curl or --har), a --conversation, saved GETs, or a --bundle; `convdiag demo` shows a whole diagnosis")
	}
	if c.IsSet("har-entry") && o.Input.HAREntry < 1 {
		return nil, usageErr("--har-entry %d: entries are numbered from 1", o.Input.HAREntry)
	}
	if o.Input.HAREntry > 0 && o.Input.HAR == "" {
		return nil, usageErr("--har-entry needs --har")
	}
	if o.Bundle != "" {
		for _, f := range append(append([]string{}, evidenceFlags...), "dry-run", "api-base", "region", "client-id", "client-secret", "access-token", "profile") {
			if c.IsSet(f) {
				return nil, usageErr("--bundle holds all the evidence: drop --%s", f)
			}
		}
	}
	return o, nil
}

// evidenceFlags are the flags that give evidence of the failed request
// (the registry's documents' included).
var evidenceFlags = append(append([]string{"conversation", "participant", "request", "body", "status", "response"}, documentFlagNames()...), "at", "curl", "har")

// documentFlags are the flags of the registry's documents: a saved GET
// each (a repeatable one given once for each file).
func documentFlags() []cli.Flag {
	var fl []cli.Flag
	for _, d := range diagnose.Documents {
		switch {
		case d.Flag == "":
		case d.Repeatable:
			fl = append(fl, &cli.StringSliceFlag{Name: d.Flag, Usage: d.Usage, TakesFile: true})
		default:
			fl = append(fl, &cli.StringFlag{Name: d.Flag, Usage: d.Usage, TakesFile: true})
		}
	}
	return fl
}

// documentFlagNames are the names of the registry's document flags.
func documentFlagNames() []string {
	var out []string
	for _, d := range diagnose.Documents {
		if d.Flag != "" {
			out = append(out, d.Flag)
		}
	}
	return out
}

// documentFiles are the saved GETs the document flags of c give, by
// document name (a flag that takes several files, several).
func documentFiles(c *cli.Context) map[string][]string {
	out := map[string][]string{}
	for _, d := range diagnose.Documents {
		if d.Flag == "" || !c.IsSet(d.Flag) {
			continue
		}
		if list := c.StringSlice(d.Flag); len(list) > 0 {
			out[d.Name] = list
		} else {
			out[d.Name] = []string{c.String(d.Flag)}
		}
	}
	return out
}

// savedEvidence reports whether offline evidence files were given.
func (o *checkOptions) savedEvidence() bool {
	return o.savedGETs() || o.Input.HAR != ""
}

// savedGETs reports whether saved GET documents were given.
func (o *checkOptions) savedGETs() bool {
	return len(o.Input.Documents) > 0
}

// runCheck gathers the evidence, runs the chain, and renders the report
// (and the bundle).
func runCheck(ctx context.Context, e *env, o *checkOptions) error {
	var ev *diagnose.Evidence
	switch {
	case o.Bundle != "":
		var err error
		if ev, err = bundle.Load(o.Bundle, bundle.LoadOptions{ModifiedOK: o.BundleModifiedOK}); err != nil {
			return usageErr("--bundle: %v", err)
		}
	default:
		o.Input.Mode = diagnose.ModeOffline
		o.Input.KeepRaw = o.Output.SaveBundle != "" // a bundle keeps the GETs' bytes
		o.Input.Context = ctx
		if o.DryRun {
			o.Input.Mode = diagnose.ModeDryRun
		}
		var err error
		if ev, err = loadInput(e, o); err != nil {
			return err
		}
		res, err := resolveSettings(e, o, ev)
		if err != nil {
			return err
		}
		ev.Region, ev.RegionFrom = res.Region, res.RegionFrom
		if res.Live != nil {
			ev.Mode = diagnose.ModeLive
			ev = gatherLive(ctx, e, o.Timeout, o.Output.Verbose, res.Live, ev)
			if err := stopIfInterrupted(ctx, "while reading the org at "+res.Live.Target.APIBase); err != nil {
				return err
			}
		}
	}
	rep := ops.Diagnose(ev, diagnose.Options{Now: e.Now})
	reproduce := reproduceLine(e.Args)
	if o.Bundle != "" {
		reproduce = bundle.Reproduce(o.Bundle)
	}
	return endedBy(ctx, finish(ctx, e, ev, rep, o.Output, reproduce))
}

// endedBy is err, or the interruption that came while the report was
// written (SIGTERM to a pager): the exit code is then the signal's.
func endedBy(ctx context.Context, err error) error {
	if in := diagnose.InterruptedBy(ctx); in != nil {
		return &exitError{code: in.Code, msg: in.Error()}
	}
	return err
}

// finish saves the bundle (if asked), writes the report, and returns the
// exit the verdict implies; check and demo share it.
func finish(ctx context.Context, e *env, ev *diagnose.Evidence, rep *diagnose.Report, out outputOptions, reproduce string) error {
	if out.SaveBundle != "" {
		if err := bundle.Save(out.SaveBundle, ev, rep, bundle.Options{Version: e.Version, Now: e.Now, ShowSecrets: out.ShowSecrets, Context: ctx, PhoneRegion: out.PhoneRegion}); err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("--save-bundle %s: %v", out.SaveBundle, err)}
		}
		reproduce = bundle.Reproduce(out.SaveBundle)
		what := "redacted; manifest.json lists every redaction"
		if out.ShowSecrets {
			what = "NOT redacted: --show-secrets"
		}
		fmt.Fprintf(e.Stderr, "convdiag: evidence saved to %s (%s); rerun it with: %s\n", out.SaveBundle, what, reproduce)
	}
	if err := writeReport(ctx, e, rep, out, reproduce); err != nil {
		return err
	}
	return exitFor(rep)
}

// reproduceLine is the command line of this run, for the report's "to
// reproduce", built without the credentials: the values of the credential
// flags are not shown, a pasted curl is rewritten without its credentials,
// and a URL loses its secret query parameters.
func reproduceLine(args []string) string {
	if len(args) < 2 {
		return ""
	}
	secret := map[string]bool{"client-secret": true, "access-token": true, "client-id": true}
	var out []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		flag := strings.TrimLeft(name, "-")
		switch {
		case strings.HasPrefix(name, "-") && secret[flag] && hasVal:
			out = append(out, name+"=<redacted>")
		case strings.HasPrefix(a, "-") && secret[flag]:
			out = append(out, a)
			if i+1 < len(args) {
				out = append(out, "<redacted>")
				i++
			}
		case strings.HasPrefix(name, "-") && flag == "curl" && hasVal && val != "-":
			out = append(out, name+"="+diagnose.ShellQuote(input.RedactCurl(val)))
		case strings.HasPrefix(a, "-") && flag == "curl" && i+1 < len(args) && args[i+1] != "-":
			out = append(out, a, diagnose.ShellQuote(input.RedactCurl(args[i+1])))
			i++
		case strings.Contains(a, "://"):
			out = append(out, diagnose.ShellQuote(input.RedactURL(a)))
		default:
			out = append(out, diagnose.ShellQuote(a))
		}
	}
	return "convdiag " + strings.Join(out, " ")
}

func loadInput(e *env, o *checkOptions) (*diagnose.Evidence, error) {
	o.Input.Stdin = e.Stdin
	o.Input.Warnf = func(format string, args ...any) { fmt.Fprintf(e.Stderr, "convdiag: "+format+"\n", args...) }
	ev, err := input.Load(o.Input)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if ev.Response != nil {
		if w := responseWarning(o.Input.Response, ev.Response.Body); w != "" {
			o.Input.Warnf("%s", w)
		}
	}
	return ev, nil
}

func exitFor(rep *diagnose.Report) error {
	if code := rep.ExitCode(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// writeReport renders the report to stdout or --output, deciding colour
// and glyphs for the writer actually used. A text or Markdown report to a
// terminal goes through the pager (gh and git do the same), unless
// --no-pager.
func writeReport(ctx context.Context, e *env, rep *diagnose.Report, o outputOptions, reproduce string) error {
	pageable := o.Format != report.FormatJSON && !o.NoPager
	return writeOutput(ctx, e, o.OutputFile, "report", rep.Verdict.Summary, pageable, func(w io.Writer, tty bool) error {
		return report.Render(w, rep, report.Options{
			Format: o.Format, Verbose: o.Verbose, ShowSecrets: o.ShowSecrets, Version: e.Version, Reproduce: reproduce, PhoneRegion: o.PhoneRegion,
			Color:   decideColor(o.Color, tty, e.Getenv),
			Unicode: tty && e.Getenv("TERM") != "dumb",
			Width:   reportWidth(e, w, tty),
		})
	})
}

// writeOutput runs render on stdout or the --output file (then closed, and
// named on stderr with summary), telling it whether the writer is a
// terminal; a pageable output to a terminal is rendered first, then shown
// through the pager. check and triage share it.
func writeOutput(ctx context.Context, e *env, file, what, summary string, pageable bool, render func(w io.Writer, tty bool) error) error {
	var w io.Writer = e.Stdout
	var closer io.Closer
	if file != "" && file != "-" {
		f, err := e.CreateFile(file)
		if err != nil {
			return usageErr("--output %s: %v", file, err)
		}
		w, closer = f, f
	}
	tty := e.IsTerminal(w)
	var err error
	if tty && closer == nil && pageable {
		var b bytes.Buffer
		if err = render(&b, tty); err == nil {
			err = pageReport(ctx, e, b.Bytes())
		}
	} else {
		err = render(w, tty)
	}
	if closer != nil {
		if cerr := closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("write %s: %v", what, err)}
	}
	if file != "" && file != "-" {
		fmt.Fprintf(e.Stderr, "convdiag: %s written to %s (%s)\n", what, file, summary)
	}
	return nil
}

// decideColor makes the colour decision once, for the writer in use:
// always/never win; auto means a terminal, NO_COLOR unset, TERM not dumb
// (CLICOLOR_FORCE forces, CLICOLOR=0 disables, as cli/cli does).
func decideColor(mode string, tty bool, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0" {
		return false
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	return tty && getenv("TERM") != "dumb"
}
