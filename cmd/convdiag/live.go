package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/report"
)

// credentialFlags say where the org is and how to log in to it (check,
// watch and apply share them).
func credentialFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "region", Usage: "the org's region, key (eu-central-1) or domain (mypurecloud.de); live: where to look [$GENESYSCLOUD_REGION]"},
		&cli.StringFlag{Name: "api-base", Usage: "live: explicit API base `URL` (simulator, gateway) [$GENESYSCLOUD_API_BASE]"},
		&cli.StringFlag{Name: "login-base", Usage: "live: base `URL` of the token endpoint (default: login.<domain> for https://api.<domain>, else the API base)"},
		&cli.StringFlag{Name: "client-id", Usage: "live: OAuth client id (client-credentials grant) [$GENESYSCLOUD_OAUTHCLIENT_ID]"},
		&cli.StringFlag{Name: "client-secret", Usage: "live: OAuth client secret [$GENESYSCLOUD_OAUTHCLIENT_SECRET]"},
		&cli.StringFlag{Name: "access-token", Usage: "live: an existing access token instead of client credentials [$GENESYSCLOUD_ACCESS_TOKEN]"},
		&cli.StringFlag{Name: "profile", Usage: "live: read credentials and environment from profile `NAME` of the Genesys CLI's ~/.gc/config.toml"},
		&cli.BoolFlag{Name: "insecure-http", Usage: "live: allow credentials over plain http to a host that is not this machine (a test gateway you trust)"},
	}
}

// liveSettings are the collector's settings from the credential flags,
// for a command that must reach the org (watch, apply).
func liveSettings(e *env, c *cli.Context, convID string) collect.Settings {
	return collect.Settings{
		ClientID: c.String("client-id"), ClientSecret: c.String("client-secret"), AccessToken: c.String("access-token"),
		Region: c.String("region"), APIBase: c.String("api-base"), LoginBase: c.String("login-base"), Profile: c.String("profile"),
		InsecureHTTP: c.Bool("insecure-http"), ConversationID: convID,
		Getenv: e.Getenv, HomeDir: e.HomeDir, ReadFile: input.ReadFileLimited,
	}
}

// resolveOrg resolves the settings of a command that must reach the org:
// without credentials it is a usage error, not an offline run.
func resolveOrg(e *env, s collect.Settings, cmd string) (*collect.Live, error) {
	res, err := resolve(e, s)
	if err != nil {
		return nil, err
	}
	if res.Live == nil {
		return nil, usageErr("%s needs the org: credentials (--client-id/--client-secret, --access-token, %s/%s, or --profile) and --region or --api-base", cmd, collect.EnvClientID, collect.EnvClientSecret)
	}
	return res.Live, nil
}

// resolveSettings maps the check's flags onto the collector's settings and
// resolves them: the org's region (any mode) and, for a live check, the
// credentials and conversation. It returns a nil Live for an offline check.
func resolveSettings(e *env, o *checkOptions, ev *diagnose.Evidence) (*collect.Resolved, error) {
	s := collect.Settings{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, AccessToken: o.AccessToken,
		Region: o.Region, APIBase: o.APIBase, LoginBase: o.LoginBase, Profile: o.Profile,
		Offline: o.Offline || o.DryRun, SavedEvidence: o.savedEvidence(), InsecureHTTP: o.InsecureHTTP,
		ConversationID: o.Input.ConversationID,
		Getenv:         e.Getenv, HomeDir: e.HomeDir, ReadFile: input.ReadFileLimited,
	}
	if ev != nil {
		s.Request = ev.Request
	}
	return resolve(e, s)
}

// resolve runs the collector's resolution and wires the result to the
// environment: its transport, and its secrets into the redactor.
func resolve(e *env, s collect.Settings) (*collect.Resolved, error) {
	res, err := collect.Resolve(s)
	if err != nil {
		var ue *collect.UsageError
		if errors.As(err, &ue) {
			return nil, usageErr("%s", ue.Msg)
		}
		return nil, err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(e.Stderr, "convdiag: "+w)
	}
	if res.Live != nil {
		res.Live.Config.Transport = e.Transport
		if e.redactor != nil {
			e.redactor.AddSecret(res.Live.Config.ClientSecret, res.Live.Config.AccessToken)
		}
	}
	return res, nil
}

// A progress line appears once a live read has waited progressDelay, and
// is redrawn every progressTick.
const (
	progressDelay = 400 * time.Millisecond
	progressTick  = 100 * time.Millisecond
)

// gatherLive runs the collector within the time budget. It is shared by
// `check` and `demo`, so the demo exercises exactly the live path.
func gatherLive(ctx context.Context, e *env, budget time.Duration, verbose bool, lv *collect.Live, ev *diagnose.Evidence) *diagnose.Evidence {
	cfg := lv.Config
	if e.Sleep != nil {
		cfg.Sleep = e.Sleep
	}
	if verbose {
		cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(e.Stderr, "convdiag: "+format+"\n", args...)
		}
	}
	if e.stderrTTY && !verbose {
		// -v prints a line per attempt instead.
		width := e.stderrWidth
		if width <= 0 {
			width = report.DefaultWidth
		}
		clock := e.ProgressClock
		if clock == nil {
			clock = realClock{}
		}
		p := startProgress(e.Stderr, width, clock, progressDelay, progressTick)
		cfg.Progress = p.Event
		defer p.Stop()
	}
	if ev.ConversationID == "" {
		ev.ConversationID = lv.ConvID
	}
	client, err := genesys.NewClient(cfg)
	if err != nil {
		ev.Mode = diagnose.ModeLive
		ev.Incomplete = append(ev.Incomplete, err.Error())
		return ev
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	if verbose {
		fmt.Fprintf(e.Stderr, "convdiag: live check of conversation %s at %s (%s from %s)\n", lv.ConvID, lv.Target.APIBase, lv.Target.Method, lv.Target.From)
	}
	collect.Collect(ctx, client, lv.Target, ev, lv.ConvID, e.Now)
	ev.Auth.Secrets = append(ev.Auth.Secrets, cfg.ClientSecret, cfg.AccessToken, report.BasicCredential(cfg.ClientID, cfg.ClientSecret))
	if tok := client.TokenValue(); tok != "" {
		ev.Auth.Secrets = append(ev.Auth.Secrets, tok)
	}
	// The order in which parallel requests went out is timing; reports
	// list them in a fixed order.
	ev.Sent = client.Sent()
	sort.SliceStable(ev.Sent, func(i, j int) bool {
		pi, pj := strings.HasPrefix(ev.Sent[i], "POST "), strings.HasPrefix(ev.Sent[j], "POST ")
		if pi != pj {
			return pi
		}
		return ev.Sent[i] < ev.Sent[j]
	})
	if verbose {
		fmt.Fprintf(e.Stderr, "convdiag: sent %s\n", strings.Join(ev.Sent, ", "))
	}
	return ev
}
