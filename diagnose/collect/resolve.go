package collect

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Environment variables, as the Genesys CLI and Terraform provider use them.
const (
	EnvClientID     = "GENESYSCLOUD_OAUTHCLIENT_ID"
	EnvClientSecret = "GENESYSCLOUD_OAUTHCLIENT_SECRET"
	EnvAccessToken  = "GENESYSCLOUD_ACCESS_TOKEN"
	EnvRegion       = "GENESYSCLOUD_REGION"
	EnvAPIBase      = "GENESYSCLOUD_API_BASE"
)

// Settings are what the user said about where and how to look: flags,
// with the environment and the Genesys CLI's profiles behind them.
type Settings struct {
	ClientID, ClientSecret, AccessToken string
	Region, APIBase, LoginBase          string
	// Profile names a profile of ~/.gc/config.toml.
	Profile string
	// Offline forbids the network; SavedEvidence (saved GETs were given)
	// implies it.
	Offline, SavedEvidence bool
	// InsecureHTTP allows credentials over plain http to a host that is
	// not loopback (a test gateway the user trusts).
	InsecureHTTP bool
	// ConversationID is --conversation; Request the request line (its
	// path can hold the conversation id).
	ConversationID string
	Request        diagnose.Request
	// ManyConversations is set when the conversations come from the
	// evidence, one per ticket (convdiag triage): none is needed here.
	ManyConversations bool

	Getenv   func(string) string
	HomeDir  func() (string, error)
	ReadFile func(name string, limit int64) ([]byte, error)
}

// Resolved is the outcome: the org's region when the user gave one (any
// mode), and the live target when the check is live.
type Resolved struct {
	Region, RegionFrom string
	// Live is nil for an offline check.
	Live *Live
	// Warnings are remarks for stderr (credentials given to an offline
	// check).
	Warnings []string
}

// Live is a resolved live check: where, how, which conversation.
type Live struct {
	Target Target
	Config genesys.ClientConfig
	ConvID string
}

// UsageError is a setting that cannot work: exit 2 with its message.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

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
func readProfile(s Settings) (gcProfile, error) {
	name := s.Profile
	home, err := s.HomeDir()
	if err != nil || home == "" {
		return gcProfile{}, usagef("--profile %s: cannot find the home directory for ~/.gc/config.toml", name)
	}
	path := filepath.Join(home, ".gc", "config.toml")
	b, err := s.ReadFile(path, 1<<20)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return gcProfile{}, usagef("--profile %s: %s does not exist (create it with `gc profiles new`)", name, path)
		}
		return gcProfile{}, usagef("--profile %s: %s: %v", name, path, err)
	}
	var all map[string]gcProfile
	if _, err := toml.Decode(string(b), &all); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			// The position only: the message can quote the line, secret
			// and all.
			return gcProfile{}, usagef("--profile %s: %s is not valid TOML (line %d)", name, path, pe.Position.Line)
		}
		return gcProfile{}, usagef("--profile %s: %s is not a Genesys CLI config (one table of strings per profile)", name, path)
	}
	p, ok := all[name]
	if !ok {
		var names []string
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		return gcProfile{}, usagef("--profile %s: no such profile in %s (profiles: %s)", name, path, strings.Join(names, ", "))
	}
	return p, nil
}

// Resolve decides the org's region and whether the check is live and, if
// so, with which credentials and conversation. Precedence: flags, then
// environment variables, then --profile.
func Resolve(s Settings) (*Resolved, error) {
	var prof gcProfile
	profFrom := ""
	if s.Profile != "" {
		var err error
		if prof, err = readProfile(s); err != nil {
			return nil, err
		}
		profFrom = "profile " + s.Profile
	}
	out := &Resolved{}
	region := pick(setting{s.Region, "--region"}, setting{s.Getenv(EnvRegion), EnvRegion}, setting{prof.Environment, profFrom})
	var r genesys.Region
	if region.value != "" {
		var err error
		if r, err = genesys.LookupRegion(region.value); err != nil {
			return nil, usagef("region (%s): %v", region.from, err)
		}
		out.Region, out.RegionFrom = r.Key, region.from
	}
	flagCreds := s.ClientID != "" || s.ClientSecret != "" || s.AccessToken != "" || s.APIBase != ""
	if s.Offline || s.SavedEvidence {
		if flagCreds && !s.Offline {
			out.Warnings = append(out.Warnings, "saved GETs were given, so this check is offline; the credential and API base flags are not used")
		}
		return out, nil
	}
	levels := map[string]int{"flags": 0, "environment": 1, profFrom: 2}
	id := pick(setting{s.ClientID, "flags"}, setting{s.Getenv(EnvClientID), "environment"}, setting{prof.ClientCredentials, profFrom})
	secret := pick(setting{s.ClientSecret, "flags"}, setting{s.Getenv(EnvClientSecret), "environment"}, setting{prof.ClientSecret, profFrom})
	token := pick(setting{s.AccessToken, "flags"}, setting{s.Getenv(EnvAccessToken), "environment"}, setting{prof.AccessToken, profFrom})
	apiBase := pick(setting{s.APIBase, "flags"}, setting{s.Getenv(EnvAPIBase), "environment"})

	useToken := token.value != "" && (id.value == "" || secret.value == "" || levels[token.from] <= min(levels[id.from], levels[secret.from]))
	haveCreds := useToken || id.value != "" && secret.value != ""
	switch {
	case !haveCreds && id.value == "" && secret.value != "":
		return nil, usagef("a client secret is set (%s) but no client id: --client-id or %s", secret.from, EnvClientID)
	case !haveCreds && id.value != "":
		return nil, usagef("a client id is set (%s) but no client secret: --client-secret or %s", id.from, EnvClientSecret)
	case !haveCreds && apiBase.value == "":
		return out, nil // offline (DESIGN §2): no credentials and no API base; a region given is the org's
	case !haveCreds:
		return nil, usagef("a live check needs credentials: --client-id/--client-secret or --access-token (or %s/%s, %s, or --profile); add --offline to judge files only", EnvClientID, EnvClientSecret, EnvAccessToken)
	}

	lv := &Live{}
	lv.Target.Region = out.Region
	switch {
	case apiBase.value != "":
		base := strings.TrimSuffix(apiBase.value, "/")
		if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
			return nil, usagef("--api-base %q: want an absolute URL such as https://api.mypurecloud.de or http://127.0.0.1:8080", apiBase.value)
		}
		lv.Target.APIBase = base
	case r.Domain != "":
		lv.Target.APIBase = r.APIBase()
	default:
		return nil, usagef("a live check needs the org's region: --region (eu-central-1 or mypurecloud.de), %s, or --api-base", EnvRegion)
	}
	lv.Target.TokenURL = TokenURL(lv.Target.APIBase, s.LoginBase)
	for _, u := range []string{lv.Target.APIBase, lv.Target.TokenURL} {
		if plainRemote(u) && !s.InsecureHTTP {
			return nil, usagef("%s is plain http to a host that is not this machine: the token or the client secret would cross the network unencrypted; use https, or --insecure-http for a test gateway you trust", redactURL(u))
		}
	}
	lv.Config = genesys.ClientConfig{APIBase: lv.Target.APIBase, TokenURL: lv.Target.TokenURL}
	if useToken {
		lv.Config.AccessToken = token.value
		lv.Target.Method, lv.Target.From = "access-token", token.from
	} else {
		lv.Config.ClientID, lv.Config.ClientSecret = id.value, secret.value
		lv.Target.Method, lv.Target.From = "client-credentials", id.from
		if secret.from != id.from {
			lv.Target.From = id.from + " and " + secret.from
		}
	}
	lv.ConvID = strings.TrimSpace(s.ConversationID)
	if lv.ConvID == "" && s.Request.Known() {
		if rl, err := diagnose.ParseRequestLine(s.Request.Method + " " + s.Request.URL); err == nil {
			lv.ConvID = genesys.MatchRequest(rl.Method, rl.Path).Params["conversationId"]
		}
	}
	if !s.ManyConversations && (lv.ConvID == "" || strings.HasPrefix(lv.ConvID, "{")) {
		return nil, usagef("a live check needs the conversation id: --conversation ID, or a --request whose path holds it")
	}
	if err := diagnose.CheckPathID("the conversation id", lv.ConvID); err != nil {
		return nil, usagef("%v", err)
	}
	out.Live = lv
	return out, nil
}

// plainRemote reports whether a URL is plain http to a host other than
// loopback.
func plainRemote(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return false
	}
	ip := net.ParseIP(h)
	return ip == nil || !ip.IsLoopback()
}

// redactURL drops user information from a URL for messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// TokenURL is where the client-credentials grant goes (DESIGN §2):
// --login-base + /oauth/token when given; https://login.X/oauth/token for
// an https://api.X base; otherwise <api-base>/oauth/token.
func TokenURL(apiBase, loginBase string) string {
	switch {
	case loginBase != "":
		return strings.TrimSuffix(loginBase, "/") + "/oauth/token"
	case strings.HasPrefix(apiBase, "https://api."):
		return "https://login." + strings.TrimPrefix(apiBase, "https://api.") + "/oauth/token"
	}
	return apiBase + "/oauth/token"
}
