package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

func smallEvidence() (*diagnose.Evidence, *diagnose.Report) {
	ev := &diagnose.Evidence{Mode: diagnose.ModeOffline, Request: diagnose.Request{Method: "PATCH", URL: "/api/v2/conversations/c/participants/p", Body: []byte(`{"state":"disconnected"}`), HasBody: true}}
	rep := &diagnose.Report{GeneratedAt: time.Unix(0, 0), Mode: ev.Mode, Evidence: ev, Checks: []diagnose.CheckResult{}, Causes: []diagnose.Cause{}, RuledOut: []diagnose.RuledOut{}}
	return ev, rep
}

// TestSaveNeverWritesThroughALink: a link planted in the target folder
// (to a file outside it) makes the save refuse, and the file it points at
// is untouched; so is a target that is itself a link.
func TestSaveNeverWritesThroughALink(t *testing.T) {
	root := t.TempDir()
	victim := filepath.Join(root, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "case")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FileReport, FileManifest, FileEvidence} {
		if err := os.Symlink("../victim.txt", filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	ev, rep := smallEvidence()
	err := Save(dir, ev, rep, Options{Version: "test"})
	if err == nil || !strings.Contains(err.Error(), "does not hold a bundle convdiag wrote") {
		t.Errorf("planted links: %v", err)
	}
	linkDir := filepath.Join(root, "linked")
	if err := os.Symlink(root, linkDir); err != nil {
		t.Fatal(err)
	}
	if err := Save(linkDir, ev, rep, Options{Version: "test"}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a target that is a link: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the victim was written: %q", b)
	}
	assertNoStaging(t, root)
}

// TestSaveRefusesOthersFolders: a folder with anything but a bundle
// convdiag wrote is refused and left as it was; an earlier bundle is
// replaced whole; an empty folder is used.
func TestSaveRefusesOthersFolders(t *testing.T) {
	root := t.TempDir()
	ev, rep := smallEvidence()
	home := filepath.Join(root, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("echo hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(home, ev, rep, Options{Version: "test"}); err == nil || !strings.Contains(err.Error(), "does not hold a bundle") {
		t.Errorf("a home folder: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".bashrc")); string(b) != "echo hi" {
		t.Error("the folder was changed")
	}

	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(empty, ev, rep, Options{Version: "test"}); err != nil {
		t.Fatalf("an empty folder: %v", err)
	}
	// Saving again replaces the earlier bundle; a stray file added to
	// it makes it someone else's folder.
	ev.Request.Body = []byte(`{"state":"connected"}`)
	if err := Save(empty, ev, rep, Options{Version: "test"}); err != nil {
		t.Fatalf("over an earlier bundle: %v", err)
	}
	back, err := Load(empty, LoadOptions{})
	if err != nil || string(back.Request.Body) != `{"state":"connected"}` {
		t.Fatalf("reload: %v %s", err, back.Request.Body)
	}
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(empty, ev, rep, Options{Version: "test"}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a bundle folder with a stranger's file: %v", err)
	}
	assertNoStaging(t, root)
}

// TestSaveOverTheReplayedBundle: --bundle D --save-bundle D cannot
// overwrite the evidence it reads.
func TestSaveOverTheReplayedBundle(t *testing.T) {
	dir := saved(t)
	ev, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, FileManifest))
	_, rep := smallEvidence()
	if err := Save(dir+"/", ev, rep, Options{Version: "test"}); err == nil || !strings.Contains(err.Error(), "being replayed") {
		t.Errorf("saved over the replayed bundle: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, FileManifest)); string(after) != string(before) {
		t.Error("the replayed bundle changed")
	}
}

// TestInterruptedSaveLeavesNothing: a save cancelled midway puts nothing
// in place, keeps an earlier bundle as it was, and leaves no half bundle.
func TestInterruptedSaveLeavesNothing(t *testing.T) {
	root := t.TempDir()
	ev, rep := smallEvidence()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fresh := filepath.Join(root, "fresh")
	if err := Save(fresh, ev, rep, Options{Version: "test", Context: ctx}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled save: %v", err)
	}
	if _, err := os.Lstat(fresh); !os.IsNotExist(err) {
		t.Errorf("a cancelled save left %s: %v", fresh, err)
	}
	earlier := filepath.Join(root, "earlier")
	if err := Save(earlier, ev, rep, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(earlier, FileManifest))
	if err := Save(earlier, ev, rep, Options{Version: "test", Context: ctx}); err == nil {
		t.Error("cancelled save succeeded")
	}
	if after, _ := os.ReadFile(filepath.Join(earlier, FileManifest)); string(after) != string(before) {
		t.Error("a cancelled save changed the earlier bundle")
	}
	if _, err := Load(earlier, LoadOptions{}); err != nil {
		t.Errorf("the earlier bundle no longer loads: %v", err)
	}
	assertNoStaging(t, root)
}

// TestLoadChecksEveryFile: report.json edited, or a manifest naming a file
// outside the folder, or a listed file gone, is refused.
func TestLoadChecksEveryFile(t *testing.T) {
	dir := saved(t)
	if err := os.WriteFile(filepath.Join(dir, FileReport), []byte(`{"verdict":"forged"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), FileReport) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("an edited report.json: %v", err)
	}
	ev, err := Load(dir, LoadOptions{ModifiedOK: true})
	if err != nil || len(ev.Modified) != 1 || ev.Modified[0] != FileReport {
		t.Errorf("with ModifiedOK: %v %v", err, ev)
	}
	for _, tc := range []struct{ manifest, want string }{
		{`{"format_version":"1","files":[{"name":"../../etc/passwd","sha256":"x"}]}`, "not a file of the bundle folder"},
		{`{"format_version":"1","files":[{"name":"gone.json","sha256":"x"}]}`, "missing"},
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, FileManifest), []byte(tc.manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(d, LoadOptions{ModifiedOK: true}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.manifest, err)
		}
	}
}

// assertNoStaging fails when a save left one of its hidden folders.
func assertNoStaging(t *testing.T, root string) {
	t.Helper()
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stagingPrefix) {
			t.Errorf("left %s behind", e.Name())
		}
	}
}
