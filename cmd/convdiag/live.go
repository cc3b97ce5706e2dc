package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/report"
)

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
	return resolveWith(e, s)
}

// resolveWith resolves the collector's settings for check and triage: the
// warnings go to stderr, the credentials to the redactor.
func resolveWith(e *env, s collect.Settings) (*collect.Resolved, error) {
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
