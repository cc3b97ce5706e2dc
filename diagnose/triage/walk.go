package triage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// inputKind is what an input file or folder holds.
type inputKind int

const (
	kindBundle inputKind = iota + 1
	kindHAR
	kindLog
)

// source is one file or folder to read tickets from.
type source struct {
	kind inputKind
	path string
}

// logExtensions name JSONL logs inside a folder (a file named on the
// command line is read as a log whatever its name, unless it is a HAR).
var logExtensions = []string{".jsonl", ".ndjson"}

// walk lists the inputs of the paths, in order: a folder holding the
// bundle marker is a bundle; another folder is walked in lexical order for
// bundles, .har files and JSONL logs (other files are skipped); a file is
// a HAR when it ends in .har, else a log. Inside a folder, symbolic links
// and what is not a regular file are refused by name (bad), never
// followed: they are files nobody named.
func walk(paths []string, marker string, visit func(source), bad func(path string, err error)) {
	for _, p := range paths {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			if errors.Is(err, fs.ErrNotExist) {
				err = errors.New("no such file or folder")
			}
			bad(p, err)
		case st.IsDir():
			walkDir(p, marker, visit, bad)
		case strings.EqualFold(filepath.Ext(p), ".har"):
			visit(source{kindHAR, p})
		default:
			visit(source{kindLog, p})
		}
	}
}

func walkDir(root, marker string, visit func(source), bad func(path string, err error)) {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			bad(p, err)
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			bad(p, errors.New("is a symbolic link: not followed (name its target)"))
			return nil
		}
		if d.IsDir() {
			if isBundle(p, marker) {
				visit(source{kindBundle, p})
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(p))
		isHAR, isLog := ext == ".har", contains(logExtensions, ext)
		if !isHAR && !isLog {
			return nil
		}
		if !d.Type().IsRegular() {
			bad(p, errors.New("is not a regular file"))
			return nil
		}
		if isHAR {
			visit(source{kindHAR, p})
		} else {
			visit(source{kindLog, p})
		}
		return nil
	})
	if err != nil {
		bad(root, err)
	}
}

// isBundle reports whether dir holds the bundle marker as a regular file
// (a symlinked manifest is left to the bundle loader to refuse).
func isBundle(dir, marker string) bool {
	if marker == "" {
		return false
	}
	st, err := os.Lstat(filepath.Join(dir, marker))
	return err == nil && !st.IsDir()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
