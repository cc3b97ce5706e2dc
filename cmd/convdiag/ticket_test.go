package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/sim"
)

// TestSeedInputsAgree: the seed's request given by flags, pasted as a curl
// command, and taken from a HAR export gives the same diagnosis.
func TestSeedInputsAgree(t *testing.T) {
	var sets []map[string]string
	var codes []int
	for _, name := range []string{"seed-forum-409", "curl-seed", "har-firefox-seed"} {
		dir := filepath.Join(scenarioRoot, name)
		r := runCLI(t, nil, "", append(append([]string{"check"}, scenarioArgs(t, dir)...), "--format", "json")...)
		c, code := causeSet(t, r.Stdout)
		sets, codes = append(sets, c), append(codes, code)
	}
	for i := 1; i < len(sets); i++ {
		if !equalMaps(sets[0], sets[i]) || codes[0] != codes[i] {
			t.Errorf("input %d: %v (exit %d), flags: %v (exit %d)", i, sets[i], codes[i], sets[0], codes[0])
		}
	}
}

// TestBundleRoundTrip: for every scenario, --save-bundle then --bundle
// gives the same causes and verdict, and the bundle holds no secret, token,
// phone number or e-mail address.
func TestBundleRoundTrip(t *testing.T) {
	for _, dir := range scenarioDirs(t) {
		dir := dir
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			b := filepath.Join(t.TempDir(), "bundle")
			first := runCLI(t, nil, "", append(append([]string{"check"}, scenarioArgs(t, dir)...), "--format", "json", "--save-bundle", b)...)
			again := runCLI(t, nil, "", "check", "--bundle", b, "--format", "json")
			c1, x1 := causeSet(t, first.Stdout)
			c2, x2 := causeSet(t, again.Stdout)
			if !equalMaps(c1, c2) || x1 != x2 || first.Code != again.Code {
				t.Errorf("saved: %v (exit %d)\nrerun: %v (exit %d) %s", c1, first.Code, c2, again.Code, again.Stderr)
			}
			if !strings.Contains(first.Stderr, "convdiag check --bundle "+b) {
				t.Errorf("stderr does not say how to rerun: %q", first.Stderr)
			}
			assertBundleClean(t, b)
		})
	}
}

// personal and secret values that appear in the scenarios' inputs.
var canaries = []string{"tel:+1", "+1 317", "317-555", "3175550", "4155550", "442079", "@mycompany.example", "CANARY", "eyJ"}

func assertBundleClean(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range canaries {
			if strings.Contains(string(b), c) {
				t.Errorf("%s holds %q", e.Name(), c)
			}
		}
	}
	for _, want := range []string{"manifest.json", "evidence.json", "report.json"} {
		if !names[want] {
			t.Errorf("bundle lacks %s", want)
		}
	}
	var m struct {
		FormatVersion string `json:"format_version"`
		Files         []struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
		Redactions []struct {
			File, Path, Kind, How string
		} `json:"redactions"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil || m.FormatVersion != "1" || len(m.Files) < 2 {
		t.Errorf("manifest: %v %+v", err, m)
	}
	for _, r := range m.Redactions {
		if r.File == "" || r.Kind == "" || (r.How != "masked" && r.How != "removed") {
			t.Errorf("manifest redaction entry incomplete: %+v", r)
		}
	}
}

// TestBundleOfLiveCheck: a live check's bundle reruns offline to the same
// causes, and the simulated org can serve it back.
func TestBundleOfLiveCheck(t *testing.T) {
	sc, _ := sim.LookupScenario("stale-leg")
	flags := scenarioInputs(t, sc)
	srv, _ := testSim(t, sc.Name, sim.Options{})
	b := filepath.Join(t.TempDir(), "live-bundle")
	live := runCLI(t, nil, "", append([]string{"check", "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--conversation", sc.ConversationID(), "--save-bundle", b}, flags...)...)
	again := runCLI(t, nil, "", "check", "--bundle", b, "--format", "json")
	c1, _ := causeSet(t, live.Stdout)
	c2, _ := causeSet(t, again.Stdout)
	if !equalMaps(c1, c2) || live.Code != again.Code {
		t.Fatalf("live %v (exit %d), rerun %v (exit %d)", c1, live.Code, c2, again.Code)
	}
	if !strings.Contains(again.Stdout, "replayed offline from bundle") {
		t.Error("the rerun does not say it was replayed")
	}
	assertBundleClean(t, b)
	for _, f := range []string{"conversation.json", "call.json", "tokeninfo.json", "request-body", "response-body"} {
		if _, err := os.Stat(filepath.Join(b, f)); err != nil {
			t.Errorf("live bundle lacks %s", f)
		}
	}
}

// TestRedactionCanaries: secrets and personal data given in every way
// (curl headers, -u, body, response, conversation) appear in no format.
func TestRedactionCanaries(t *testing.T) {
	dir := t.TempDir()
	resp := filepath.Join(dir, "response.http")
	_ = os.WriteFile(resp, []byte("HTTP/1.1 409 Conflict\r\nININ-Correlation-Id: abc\r\nSet-Cookie: s=CANARYCOOKIE\r\n\r\n{\"message\":\"conflict for jane.CANARY@example.org on tel:+13175550100\",\"status\":409}"), 0o644)
	curl := `curl -X PATCH 'https://api.mypurecloud.com/api/v2/conversations/calls/7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76?access_token=CANARYQUERYTOKEN' ` +
		`-H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.CANARYPAYLOAD.sig' -u id:CANARYPASSWORD -H 'Content-Type: application/json' ` +
		`--data-raw '{"state":"disconnected","notes":"call +1 317-555-0100 or jane.CANARY@example.org"}'`
	for _, format := range []string{"text", "markdown", "json"} {
		for _, verbose := range []string{"--verbose=false", "--verbose"} {
			b := filepath.Join(dir, format+verbose)
			r := runCLI(t, nil, "", "check", "--curl", curl, "--response", resp, "--conversation-json", "../../diagnose/sim/scenarios/conversations/transfer-retry.json",
				"--format", format, verbose, "--save-bundle", b)
			if r.Code != 1 {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
			for _, c := range append(canaries, "example.org", "CANARYQUERYTOKEN", "CANARYPASSWORD", "CANARYCOOKIE") {
				if strings.Contains(r.Stdout+r.Stderr, c) {
					t.Errorf("%s %s output shows %q", format, verbose, c)
				}
			}
			assertBundleClean(t, b)
		}
	}
	r := runCLI(t, nil, "", "check", "--curl", curl, "--response", resp, "--format", "json", "--show-secrets")
	if !strings.Contains(r.Stdout, "jane.CANARY@example.org") {
		t.Error("--show-secrets still masks the e-mail address in the body")
	}
}

func TestHARAmbiguityIsListed(t *testing.T) {
	r := runCLI(t, nil, "", "check", "--har", "../../testdata/har/firefox-seed.har", "--format", "json")
	if !strings.Contains(r.Stderr, "the HAR holds 2 failing conversation requests") || !strings.Contains(r.Stderr, "#1 POST") {
		t.Errorf("stderr %q", r.Stderr)
	}
	r = runCLI(t, nil, "", "check", "--har", "../../testdata/har/firefox-seed.har", "--har-entry", "1", "--format", "json")
	c, _ := causeSet(t, r.Stdout)
	if c["endpoint.unknown"] != "confirmed" {
		t.Errorf("entry 1 (a forum recipe) causes %v", c)
	}
	r = runCLI(t, nil, "", "check", "--har", "../../testdata/har/firefox-seed.har", "--har-entry", "9")
	if r.Code != 2 || !strings.Contains(r.Stderr, "no entry #9") {
		t.Errorf("exit %d %q", r.Code, r.Stderr)
	}
	// A cmd.exe curl is read, not refused (wincurl_test.go has more).
	r = runCLI(t, nil, "", "check", "--curl", "curl ^\"https://x/y^\" ^\n -X PATCH", "-v")
	if r.Code == 2 || !strings.Contains(r.Stdout, "read as a Windows cmd.exe command") {
		t.Errorf("windows curl: exit %d %q %.300q", r.Code, r.Stderr, r.Stdout)
	}
}

// TestHostileBundles: a bundle whose file is a symlink (to a key, say), a
// FIFO, or was edited after saving is refused quickly, naming the file; an
// edited one replays with --bundle-modified-ok and the report says so.
func TestHostileBundles(t *testing.T) {
	save := func(t *testing.T) string {
		b := filepath.Join(t.TempDir(), "bundle")
		r := runCLI(t, nil, "", append(append([]string{"check"}, scenarioArgs(t, filepath.Join(scenarioRoot, "seed-forum-409"))...), "--save-bundle", b, "--format", "json")...)
		if r.Code != 1 {
			t.Fatalf("save: exit %d %s", r.Code, r.Stderr)
		}
		return b
	}
	secret := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(secret, []byte("-----BEGIN OPENSSH PRIVATE KEY----- KEYMATERIAL"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, want string
		spoil            func(path string) error
	}{
		{"symlink", "request-body", "symbolic link", func(p string) error {
			_ = os.Remove(p)
			return os.Symlink(secret, p)
		}},
		{"fifo", "conversation.json", "not a regular file", func(p string) error {
			_ = os.Remove(p)
			return syscall.Mkfifo(p, 0o644)
		}},
		{"edited", "response-body", "does not match the SHA-256", func(p string) error {
			return os.WriteFile(p, []byte(`{"message":"edited","code":"request.conflict","status":409}`), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := save(t)
			if err := tc.spoil(filepath.Join(b, tc.file)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := runCLI(t, nil, "", "check", "--bundle", b)
			if r.Code != 2 || !strings.Contains(r.Stderr, tc.file) || !strings.Contains(r.Stderr, tc.want) || strings.Count(r.Stderr, "\n") != 1 {
				t.Errorf("exit %d: %q", r.Code, r.Stderr)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %s", d)
			}
			if strings.Contains(r.Stdout+r.Stderr, "KEYMATERIAL") {
				t.Error("the symlinked file was read")
			}
			if tc.name == "edited" {
				r := runCLI(t, nil, "", "check", "--bundle", b, "--bundle-modified-ok")
				if r.Code != 1 || !strings.Contains(r.Stdout, "modified after it was saved") || !strings.Contains(r.Stdout, "response-body") {
					t.Errorf("--bundle-modified-ok: exit %d\n%s", r.Code, r.Stdout)
				}
			}
		})
	}
}
