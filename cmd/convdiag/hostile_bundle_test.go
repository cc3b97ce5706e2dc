package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveBundleThroughAPlantedLink is the acceptance of issue 19 item 1:
// `ln -s ../victim.txt case/report.json; convdiag check ... --save-bundle
// case` leaves victim.txt untouched and exits 2 with one line.
func TestSaveBundleThroughAPlantedLink(t *testing.T) {
	root := t.TempDir()
	victim := filepath.Join(root, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "case")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../victim.txt", filepath.Join(dir, "report.json")); err != nil {
		t.Skip(err)
	}
	r := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/"+trConv+"/participants/"+trAgent, "--body", `{"state":"disconnected"}`, "--save-bundle", dir)
	if r.Code != 2 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "--save-bundle") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("victim.txt was written: %q", b)
	}
}

// TestSaveBundleOverItsOwnReplay: --bundle D --save-bundle D is refused and
// D still replays.
func TestSaveBundleOverItsOwnReplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	first := runCLI(t, nil, "", "check", "--request", "PATCH /api/v2/conversations/"+trConv+"/participants/"+trAgent, "--body", `{"state":"disconnected"}`, "--save-bundle", dir)
	if first.Code == 2 {
		t.Fatalf("save: %s", first.Stderr)
	}
	again := runCLI(t, nil, "", "check", "--bundle", dir, "--save-bundle", dir)
	if again.Code != 2 || !strings.Contains(again.Stderr, "being replayed") {
		t.Errorf("exit %d %q", again.Code, again.Stderr)
	}
	if replay := runCLI(t, nil, "", "check", "--bundle", dir); replay.Code != first.Code {
		t.Errorf("the bundle no longer replays to exit %d: %d %s", first.Code, replay.Code, replay.Stderr)
	}
}
