package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
)

// Environment variables, as the Genesys CLI and Terraform provider use them.
const (
	envClientID     = "GENESYSCLOUD_OAUTHCLIENT_ID"
	envClientSecret = "GENESYSCLOUD_OAUTHCLIENT_SECRET"
	envAccessToken  = "GENESYSCLOUD_ACCESS_TOKEN"
	envRegion       = "GENESYSCLOUD_REGION"
	envAPIBase      = "GENESYSCLOUD_API_BASE"
)

// liveTarget is a resolved live check: where, how, which conversation.
type liveTarget struct {
	target collect.Target
	cfg    genesys.ClientConfig
	convID string
}

// setting is one value and where it came from.
type setting struct{ value, from string }

// pick returns the first non-empty value, in precedence order.
func pick(ss ...setting) setting {
	for _, s := range ss {
		if strings.TrimSpace(s.value) != "" {
			return setting{strings.TrimSpace(s.value), s.from}
		}
	}
	return setting{}
}

// gcProfile is one profile of the Genesys CLI's ~/.gc/config.toml.
type gcProfile struct {
	Environment       string `toml:"environment"`
	ClientCredentials string `toml:"client_credentials"` // the client id, despite the name
	ClientSecret      string `toml:"client_secret"`
	AccessToken       string `toml:"access_token"`
}

// readProfile reads a profile of ~/.gc/config.toml with a TOML parser.
func readProfile(e *env, name string) (gcProfile, string, error) {
	home, err := e.HomeDir()
	if err != nil || home == "" {
		return gcProfile{}, "", usageErr("--profile %s: cannot find the home directory for ~/.gc/config.toml", name)
	}
	path := filepath.Join(home, ".gc", "config.toml")
	b, err := input.ReadFileLimited(path, 1<<20)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return gcProfile{}, path, usageErr("--profile %s: %s does not exist (create it with `gc profiles new`)", name, path)
		}
		return gcProfile{}, path, usageErr("--profile %s: %s: %v", name, path, err)
	}
	var all map[string]gcProfile
	if _, err := toml.Decode(string(b), &all); err != nil {
		return gcProfile{}, path, usageErr("--profile %s: %s is not valid TOML: %s", name, path, firstLine(err.Error()))
	}
	p, ok := all[name]
	if !ok {
		var names []string
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		return gcProfile{}, path, usageErr("--profile %s: no such profile in %s (profiles: %s)", name, path, strings.Join(names, ", "))
	}
	return p, path, nil
}

// resolveLive decides whether the check is live and, if so, with which
// credentials, region and conversation. Precedence: flags, then environment
// variables, then --profile. It returns nil for an offline check.
func resolveLive(e *env, o *checkOptions, ev *diagnose.Evidence) (*liveTarget, error) {
	flagCreds := o.ClientID != "" || o.ClientSecret != "" || o.AccessToken != "" || o.APIBase != "" || o.Region != ""
	if o.Offline || o.savedEvidence() {
		if flagCreds && !o.Offline {
			fmt.Fprintln(e.Stderr, "convdiag: saved GETs were given, so this check is offline; the credential and region flags are not used")
		}
		return nil, nil
	}
	var prof gcProfile
	profFrom := ""
	if o.Profile != "" {
		var err error
		if prof, _, err = readProfile(e, o.Profile); err != nil {
			return nil, err
		}
		profFrom = "profile " + o.Profile
	}
	id := pick(setting{o.ClientID, "flags"}, setting{e.Getenv(envClientID), "environment"}, setting{prof.ClientCredentials, profFrom})
	secret := pick(setting{o.ClientSecret, "flags"}, setting{e.Getenv(envClientSecret), "environment"}, setting{prof.ClientSecret, profFrom})
	token := pick(setting{o.AccessToken, "flags"}, setting{e.Getenv(envAccessToken), "environment"}, setting{prof.AccessToken, profFrom})
	region := pick(setting{o.Region, "flags"}, setting{e.Getenv(envRegion), "environment"}, setting{prof.Environment, profFrom})
	apiBase := pick(setting{o.APIBase, "flags"}, setting{e.Getenv(envAPIBase), "environment"})

	level := map[string]int{"flags": 0, "environment": 1, profFrom: 2}
	useToken := token.value != "" && (id.value == "" || secret.value == "" || level[token.from] <= min(level[id.from], level[secret.from]))
	haveCreds := useToken || id.value != "" && secret.value != ""
	if !haveCreds && (id.value != "" || secret.value != "") {
		if id.value == "" {
			return nil, usageErr("a client secret is set (%s) but no client id: --client-id or %s", secret.from, envClientID)
		}
		return nil, usageErr("a client id is set (%s) but no client secret: --client-secret or %s", id.from, envClientSecret)
	}
	if !haveCreds && apiBase.value == "" && region.value == "" && o.Profile == "" {
		return nil, nil // offline: no credentials, no place
	}
	if !haveCreds {
		return nil, usageErr("a live check needs credentials: --client-id/--client-secret or --access-token (or %s/%s, %s, or --profile); add --offline to judge files only", envClientID, envClientSecret, envAccessToken)
	}

	lt := &liveTarget{}
	var r genesys.Region
	if region.value != "" {
		var err error
		if r, err = genesys.LookupRegion(region.value); err != nil {
			return nil, usageErr("region (%s): %v", region.from, err)
		}
		lt.target.Region = r.Key
	}
	switch {
	case apiBase.value != "":
		base := strings.TrimSuffix(apiBase.value, "/")
		if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
			return nil, usageErr("--api-base %q: want an absolute URL such as https://api.mypurecloud.de or http://127.0.0.1:8080", apiBase.value)
		}
		lt.target.APIBase = base
	case r.Domain != "":
		lt.target.APIBase = r.APIBase()
	default:
		return nil, usageErr("a live check needs the org's region: --region (eu-central-1 or mypurecloud.de), %s, or --api-base", envRegion)
	}
	switch {
	case o.LoginBase != "":
		lt.target.TokenURL = strings.TrimSuffix(o.LoginBase, "/") + "/oauth/token"
	case strings.HasPrefix(lt.target.APIBase, "https://api."):
		lt.target.TokenURL = "https://login." + strings.TrimPrefix(lt.target.APIBase, "https://api.") + "/oauth/token"
	default:
		lt.target.TokenURL = lt.target.APIBase + "/oauth/token"
	}
	lt.cfg = genesys.ClientConfig{APIBase: lt.target.APIBase, TokenURL: lt.target.TokenURL, Transport: e.Transport}
	if useToken {
		lt.cfg.AccessToken = token.value
		lt.target.Method, lt.target.From = "access-token", token.from
	} else {
		lt.cfg.ClientID, lt.cfg.ClientSecret = id.value, secret.value
		lt.target.Method, lt.target.From = "client-credentials", id.from
		if secret.from != id.from {
			lt.target.From = id.from + " and " + secret.from
		}
	}
	lt.convID = strings.TrimSpace(o.Input.ConversationID)
	if lt.convID == "" && ev != nil && ev.Request.Origin != "default" {
		if rl, err := diagnose.ParseRequestLine(ev.Request.Method + " " + ev.Request.URL); err == nil {
			lt.convID = genesys.MatchRequest(rl.Method, rl.Path).Params["conversationId"]
		}
	}
	if lt.convID == "" || strings.HasPrefix(lt.convID, "{") {
		return nil, usageErr("a live check needs the conversation id: --conversation ID, or a --request whose path holds it")
	}
	return lt, nil
}

// gatherLive runs the collector within the time budget. It is shared by
// `check` and `demo`, so the demo exercises exactly the live path.
func gatherLive(ctx context.Context, e *env, budget time.Duration, verbose bool, lt *liveTarget, ev *diagnose.Evidence) *diagnose.Evidence {
	cfg := lt.cfg
	if verbose {
		cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(e.Stderr, "convdiag: "+format+"\n", args...)
		}
	}
	if ev.ConversationID == "" {
		ev.ConversationID = lt.convID
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
		fmt.Fprintf(e.Stderr, "convdiag: live check of conversation %s at %s (%s from %s)\n", lt.convID, lt.target.APIBase, lt.target.Method, lt.target.From)
	}
	collect.Collect(ctx, client, lt.target, ev, lt.convID, e.Now)
	ev.Auth.Secrets = append(ev.Auth.Secrets, cfg.ClientSecret, cfg.AccessToken)
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
