package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A bundle is written, never followed: every file is created new
// (O_CREATE|O_EXCL|O_NOFOLLOW) in a fresh private folder beside the target,
// and that folder is renamed into place once the manifest, written last,
// is complete. A link planted in the target folder is never written
// through, an interrupted save leaves the target as it was (and the hidden
// folder it was writing holds no manifest, so it does not load), and a
// folder convdiag did not write is never emptied.

// stagingPrefix names the hidden folders a save writes into before they
// are renamed into place.
const stagingPrefix = ".convdiag-bundle-"

// target is where a bundle goes and what is there now.
type target struct {
	dir, parent string
	// exists is set when dir is already a (checked) folder: empty, or a
	// bundle convdiag wrote.
	exists bool
}

// checkTarget decides whether dir may receive a bundle: a new path, an
// empty folder, or a folder holding only a bundle convdiag wrote; never a
// symbolic link, a file, another folder's contents, or the bundle being
// replayed (replayed names it; "" when none).
func checkTarget(dir, replayed string) (*target, error) {
	clean := filepath.Clean(dir)
	t := &target{dir: clean, parent: filepath.Dir(clean)}
	st, err := os.Lstat(clean)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(t.parent, 0o755); err != nil {
			return nil, fmt.Errorf("create the folder it goes in: %w", err)
		}
		return t, nil
	case err != nil:
		return nil, err
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, errors.New("is a symbolic link: a bundle is written into a real folder, never through a link (give a new or empty folder)")
	case !st.IsDir():
		return nil, errors.New("exists and is not a folder")
	}
	if replayed != "" {
		if rst, err := os.Stat(replayed); err == nil && os.SameFile(rst, st) {
			return nil, errors.New("is the bundle being replayed (--bundle): saving over it would overwrite the evidence it reads; give another folder")
		}
	}
	if err := ownBundle(clean); err != nil {
		return nil, err
	}
	t.exists = true
	return t, nil
}

// ownBundle accepts an empty folder, or one holding a bundle convdiag
// wrote: a manifest it can read, and nothing but the regular files that
// manifest lists.
func ownBundle(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read the folder: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	notOurs := func(why string) error {
		return fmt.Errorf("is not empty and does not hold a bundle convdiag wrote (%s): give a new or empty folder", why)
	}
	mb, err := readBundleFile(dir, FileManifest, maxManifest)
	if err != nil {
		return notOurs("no readable " + FileManifest)
	}
	var m Manifest
	if json.Unmarshal(mb, &m) != nil || m.FormatVersion == "" {
		return notOurs(FileManifest + " is not a bundle manifest")
	}
	listed := map[string]bool{FileManifest: true}
	for _, f := range m.Files {
		listed[f.Name] = true
	}
	for _, e := range entries {
		switch {
		case !listed[e.Name()]:
			return notOurs(clipName(e.Name()) + " is not a bundle file")
		case !e.Type().IsRegular():
			return notOurs(clipName(e.Name()) + " is not a regular file")
		}
	}
	return nil
}

func clipName(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		s = string(r[:60]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// staging is a fresh private folder a bundle is written into.
type staging struct {
	ctx  context.Context
	path string
}

func newStaging(ctx context.Context, t *target) (*staging, error) {
	p, err := os.MkdirTemp(t.parent, stagingPrefix)
	if err != nil {
		return nil, fmt.Errorf("create a folder to write it in: %w", err)
	}
	return &staging{ctx: ctx, path: p}, nil
}

// create writes one new file: never through a link, never onto a file
// that is already there.
func (s *staging) create(name string, b []byte) error {
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("interrupted before %s was written: %w", name, err)
	}
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("%q is not a bundle file name", name)
	}
	f, err := os.OpenFile(filepath.Join(s.path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// discard removes the staging folder (an unfinished save).
func (s *staging) discard() { _ = os.RemoveAll(s.path) }

// commit puts the finished bundle in place of t: a rename for a new path
// or an empty folder; for an earlier bundle, that one is moved aside
// first and removed once the new one is in place.
func (s *staging) commit(t *target) error {
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("interrupted before the bundle was put in place: %w", err)
	}
	if err := os.Chmod(s.path, 0o755); err != nil {
		return fmt.Errorf("set the bundle folder's mode: %w", err)
	}
	if !t.exists {
		if err := os.Rename(s.path, t.dir); err != nil {
			return fmt.Errorf("put the bundle in place: %w", err)
		}
		return nil
	}
	// An empty folder is replaced by the rename itself.
	if err := os.Rename(s.path, t.dir); err == nil {
		return nil
	}
	// Judged again: the folder may have changed since.
	if err := ownBundle(t.dir); err != nil {
		return err
	}
	old, err := os.MkdirTemp(t.parent, stagingPrefix+"old-")
	if err != nil {
		return fmt.Errorf("move the earlier bundle aside: %w", err)
	}
	_ = os.Remove(old)
	if err := os.Rename(t.dir, old); err != nil {
		return fmt.Errorf("move the earlier bundle aside: %w", err)
	}
	if err := os.Rename(s.path, t.dir); err != nil {
		_ = os.Rename(old, t.dir)
		return fmt.Errorf("put the bundle in place: %w", err)
	}
	return os.RemoveAll(old)
}
