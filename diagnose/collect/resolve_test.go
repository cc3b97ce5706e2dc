package collect

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convdiag/convdiag/diagnose"
)

// settings builds Settings over a fake environment and home directory.
func settings(env map[string]string, home string) Settings {
	return Settings{
		Getenv:  func(k string) string { return env[k] },
		HomeDir: func() (string, error) { return home, nil },
		ReadFile: func(name string, _ int64) ([]byte, error) {
			b, err := os.ReadFile(name)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fs.ErrNotExist
			}
			return b, err
		},
	}
}

// TestResolveRegions: every region key and domain gives the API base and
// the login host's token URL; --login-base and a non-Genesys base follow
// the DESIGN rule.
func TestResolveRegions(t *testing.T) {
	for key, wantBase := range map[string]string{"eu-central-1": "https://api.mypurecloud.de", "mypurecloud.jp": "https://api.mypurecloud.jp", "us-west-2": "https://api.usw2.pure.cloud", "ca_central_1": "https://api.cac1.pure.cloud"} {
		s := settings(nil, "")
		s.Region, s.AccessToken, s.ConversationID = key, "t", "c"
		res, err := Resolve(s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Live.Target.APIBase != wantBase || res.Live.Target.TokenURL != strings.Replace(wantBase, "://api.", "://login.", 1)+"/oauth/token" {
			t.Errorf("%s: %s %s", key, res.Live.Target.APIBase, res.Live.Target.TokenURL)
		}
		if res.RegionFrom != "--region" {
			t.Errorf("%s: region from %q", key, res.RegionFrom)
		}
	}
	if u := TokenURL("http://127.0.0.1:9", "http://127.0.0.1:10/"); u != "http://127.0.0.1:10/oauth/token" {
		t.Errorf("--login-base: %s", u)
	}
	if u := TokenURL("http://127.0.0.1:9", ""); u != "http://127.0.0.1:9/oauth/token" {
		t.Errorf("api base token URL: %s", u)
	}
}

// TestResolveOffline: without credentials and an API base the check is
// offline, and a region given by flag, environment or profile is still the
// org's region (for judging the request's host).
func TestResolveOffline(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".gc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".gc", "config.toml"), []byte("[de]\nenvironment = \"mypurecloud.de\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		region   string
		profile  string
		wantFrom string
	}{
		{"flag", nil, "mypurecloud.de", "", "--region"},
		{"environment", map[string]string{EnvRegion: "eu-central-1"}, "", "", EnvRegion},
		{"profile", nil, "", "de", "profile de"},
		{"flag beats environment", map[string]string{EnvRegion: "us-east-1"}, "eu-central-1", "", "--region"},
	} {
		s := settings(tc.env, home)
		s.Region, s.Profile = tc.region, tc.profile
		res, err := Resolve(s)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Live != nil || res.Region != "eu-central-1" || res.RegionFrom != tc.wantFrom {
			t.Errorf("%s: live %v, region %q from %q", tc.name, res.Live, res.Region, res.RegionFrom)
		}
	}
	s := settings(nil, home)
	s.ClientID, s.ClientSecret, s.APIBase, s.SavedEvidence = "id", "secret", "http://127.0.0.1:9", true
	res, err := Resolve(s)
	if err != nil || res.Live != nil || len(res.Warnings) != 1 {
		t.Errorf("saved GETs must mean offline, with a warning: %+v %v", res, err)
	}
}

// TestResolveConversationFromRequest: the conversation id of a live check
// comes from --conversation, else from the request's path; a placeholder
// is refused.
func TestResolveConversationFromRequest(t *testing.T) {
	s := settings(nil, "")
	s.AccessToken, s.APIBase = "t", "http://127.0.0.1:9"
	s.Request = diagnose.Request{Method: "PATCH", URL: "/api/v2/conversations/abc/participants/p"}
	res, err := Resolve(s)
	if err != nil || res.Live.ConvID != "abc" {
		t.Fatalf("%+v %v", res, err)
	}
	s.Request = diagnose.Request{Method: "PATCH", URL: "/api/v2/conversations/{conversationId}/participants/p"}
	if _, err := Resolve(s); err == nil || !strings.Contains(err.Error(), "conversation id") {
		t.Errorf("a placeholder conversation id: %v", err)
	}
}

// TestProfileErrorsKeepSecrets: a malformed config names the line, never
// the text of it (which can hold a secret).
func TestProfileErrorsKeepSecrets(t *testing.T) {
	home := t.TempDir()
	_ = os.MkdirAll(filepath.Join(home, ".gc"), 0o755)
	_ = os.WriteFile(filepath.Join(home, ".gc", "config.toml"), []byte("[DEFAULT]\nclient_secret = \"s3cr3t-value\n"), 0o600)
	s := settings(nil, home)
	s.Profile = "DEFAULT"
	_, err := Resolve(s)
	var ue *UsageError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "line") {
		t.Errorf("%v", err)
	}
}
