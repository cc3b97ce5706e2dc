// Package bundle writes and reads replay bundles: the evidence of one check
// exactly as the checks saw it (request line and body bytes, response,
// both conversation views, token info, fetch outcomes), redacted, with the
// report and a manifest of every redaction. `convdiag check --bundle DIR`
// reruns a bundle offline and gets the same causes and verdict;
// `convdiag sim --bundle DIR` serves it as a live org.
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/report"
)

// FormatVersion is the bundle layout version.
const FormatVersion = "1"

// File names in a bundle.
const (
	FileManifest     = "manifest.json"
	FileEvidence     = "evidence.json"
	FileRequestBody  = "request-body"
	FileResponseBody = "response-body"
	FileConversation = "conversation.json"
	FileCall         = "call.json"
	FileTokenInfo    = "tokeninfo.json"
	FileAnalytics    = "analytics.json"
	FileEarlier      = "conversation-before.json"
	FileReport       = "report.json"
)

// Manifest describes a bundle: its files and every redaction made.
type Manifest struct {
	FormatVersion string         `json:"format_version"`
	Tool          report.Tool    `json:"tool"`
	CreatedAt     string         `json:"created_at"`
	Mode          string         `json:"mode"`
	Reproduce     string         `json:"reproduce"`
	Redacted      bool           `json:"redacted"`
	Files         []File         `json:"files"`
	Redactions    []report.Where `json:"redactions"`
	// Summary counts the redactions by kind.
	Summary []report.Redaction `json:"summary"`
}

// File is one file of the bundle.
type File struct {
	Name   string `json:"name"`
	What   string `json:"what"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Options tune Save.
type Options struct {
	Version string
	Now     func() time.Time
	// ShowSecrets turns redaction off (never the default).
	ShowSecrets bool
	// Secrets are literal values to remove wherever they appear.
	Secrets []string
}

// Reproduce is the command line that reruns a bundle.
func Reproduce(dir string) string { return "convdiag check --bundle " + shellQuote(dir) }

func shellQuote(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte(`'\''`))) + "'"
		}
	}
	return s
}

// Save writes the bundle into dir (created if needed; existing bundle files
// are replaced).
func Save(dir string, ev *diagnose.Evidence, rep *diagnose.Report, o Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create bundle directory: %w", err)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	secrets := append([]string{}, o.Secrets...)
	if ev.Auth != nil {
		secrets = append(secrets, ev.Auth.Secrets...)
	}
	red := report.NewRedactor(secrets...)
	redactStruct := func(file string, v any) {
		if !o.ShowSecrets {
			red.WalkAt(file, v)
		}
	}
	redactBytes := func(file string, b []byte) []byte {
		if o.ShowSecrets {
			return b
		}
		return red.BytesAt(file, b)
	}

	// Copies, so the caller's evidence is not redacted under it.
	var meta diagnose.Evidence
	if err := roundTrip(ev, &meta); err != nil {
		return err
	}
	meta.Conversation, meta.Call, meta.TokenInfo, meta.Analytics, meta.EarlierConversation = nil, nil, nil, nil, nil
	m := &Manifest{FormatVersion: FormatVersion, Tool: report.Tool{Name: "convdiag", Version: o.Version}, CreatedAt: now().UTC().Format(time.RFC3339),
		Mode: string(ev.Mode), Reproduce: Reproduce(dir), Redacted: !o.ShowSecrets, Files: []File{}, Redactions: []report.Where{}}
	write := func(name, what string, b []byte) error {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		m.Files = append(m.Files, File{Name: name, What: what, Bytes: len(b), SHA256: hex.EncodeToString(sum[:])})
		return nil
	}
	writeJSON := func(name, what string, v any) error {
		redactStruct(name, v)
		b, err := marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		return write(name, what, b)
	}
	if ev.Request.HasBody {
		if err := write(FileRequestBody, "the request body as sent (bytes)", redactBytes(FileRequestBody, ev.Request.Body)); err != nil {
			return err
		}
	}
	if ev.Response != nil && len(ev.Response.Body) > 0 {
		if err := write(FileResponseBody, "the response body received (bytes)", redactBytes(FileResponseBody, ev.Response.Body)); err != nil {
			return err
		}
	}
	if err := writeJSON(FileEvidence, "request line and headers, response status and headers, fetch outcomes, mode, region, notes", &meta); err != nil {
		return err
	}
	// Each document is copied before it is redacted, so the caller's
	// evidence stays as it was.
	docs := []struct {
		name, what string
		v          any
	}{
		{FileConversation, "GET /api/v2/conversations/{id}", ev.Conversation},
		{FileCall, "GET /api/v2/conversations/calls/{id}", ev.Call},
		{FileTokenInfo, "GET /api/v2/tokens/me", ev.TokenInfo},
		{FileAnalytics, "GET /api/v2/analytics/conversations/{id}/details", ev.Analytics},
		{FileEarlier, "GET /api/v2/conversations/{id} taken before the failure", ev.EarlierConversation},
	}
	for _, d := range docs {
		if reflect.ValueOf(d.v).IsNil() {
			continue
		}
		cp := reflect.New(reflect.TypeOf(d.v).Elem()).Interface()
		if err := roundTrip(d.v, cp); err != nil {
			return err
		}
		if err := writeJSON(d.name, d.what, cp); err != nil {
			return err
		}
	}
	var rj bytes.Buffer
	if err := report.Render(&rj, rep, report.Options{Format: report.FormatJSON, Version: o.Version, ShowSecrets: o.ShowSecrets, Secrets: secrets, Reproduce: Reproduce(dir)}); err != nil {
		return fmt.Errorf("render report.json: %w", err)
	}
	if err := write(FileReport, "the report (JSON, format_version 1)", rj.Bytes()); err != nil {
		return err
	}
	m.Redactions = append(m.Redactions, red.Places()...)
	m.Summary = red.Log()
	mb, err := marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, FileManifest), mb, 0o644)
}

// marshal is indented JSON that keeps <, > and & readable.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	return json.Unmarshal(b, out)
}

// Limits on what a bundle's files may weigh.
const (
	maxManifest = 64 << 20
	maxFile     = 256 << 20
)

// LoadOptions tune Load.
type LoadOptions struct {
	// ModifiedOK accepts files whose SHA-256 does not match the manifest
	// (the evidence then says so).
	ModifiedOK bool
}

// Load reads a bundle back into evidence. It reads only the files the
// manifest lists, only as regular files (a symlink, FIFO or device is
// refused, naming it), and checks each against the manifest's SHA-256: a
// file edited after the bundle was saved is refused unless ModifiedOK. The
// evidence keeps the mode it was recorded in; Replayed names the bundle.
func Load(dir string, o LoadOptions) (*diagnose.Evidence, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a bundle directory", dir)
	}
	mb, err := readBundleFile(dir, FileManifest, maxManifest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: not a convdiag bundle", dir, FileManifest)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("%s/%s is not a bundle manifest: %v", dir, FileManifest, err)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: bundle format %q, this convdiag reads %q", dir, m.FormatVersion, FormatVersion)
	}
	sums := map[string]string{}
	for _, f := range m.Files {
		sums[f.Name] = f.SHA256
	}
	var modified []string
	read := func(name string) ([]byte, bool, error) {
		want, listed := sums[name]
		if !listed {
			return nil, false, nil
		}
		b, err := readBundleFile(dir, name, maxFile)
		if err != nil {
			return nil, false, err
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			if !o.ModifiedOK {
				return nil, false, fmt.Errorf("%s/%s does not match the SHA-256 the manifest records: it was changed after the bundle was saved (--bundle-modified-ok replays it anyway, and the report says so)", dir, name)
			}
			modified = append(modified, name)
		}
		return b, true, nil
	}
	eb, ok, err := read(FileEvidence)
	if err != nil || !ok {
		return nil, fmt.Errorf("%s has no %s", dir, FileEvidence)
	}
	ev := &diagnose.Evidence{}
	if err := json.Unmarshal(eb, ev); err != nil {
		return nil, fmt.Errorf("%s/%s: %v", dir, FileEvidence, err)
	}
	if b, ok, err := read(FileRequestBody); err != nil {
		return nil, err
	} else if ok {
		ev.Request.Body, ev.Request.HasBody = b, true
	}
	if b, ok, err := read(FileResponseBody); err != nil {
		return nil, err
	} else if ok && ev.Response != nil {
		ev.Response.Body = b
	}
	for _, f := range []struct {
		name string
		set  func(*genesys.Decoded)
	}{
		{FileConversation, func(d *genesys.Decoded) { ev.Conversation = d.Conversation }},
		{FileCall, func(d *genesys.Decoded) { ev.Call = d.Call }},
	} {
		b, ok, err := read(f.name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		d, err := genesys.DecodeConversation(b, ev.ConversationID)
		if err != nil {
			return nil, fmt.Errorf("%s/%s %v", dir, f.name, err)
		}
		f.set(d)
	}
	if b, ok, err := read(FileAnalytics); err != nil {
		return nil, err
	} else if ok {
		a, err := genesys.DecodeAnalytics(b)
		if err != nil {
			return nil, fmt.Errorf("%s/%s %v", dir, FileAnalytics, err)
		}
		ev.Analytics = a
	}
	if b, ok, err := read(FileEarlier); err != nil {
		return nil, err
	} else if ok {
		d, err := genesys.DecodeConversation(b, ev.ConversationID)
		if err != nil || d.Conversation == nil {
			return nil, fmt.Errorf("%s/%s is not the generic view of a conversation", dir, FileEarlier)
		}
		ev.EarlierConversation = d.Conversation
	}
	if b, ok, err := read(FileTokenInfo); err != nil {
		return nil, err
	} else if ok {
		ti, err := genesys.DecodeTokenInfo(b)
		if err != nil {
			return nil, fmt.Errorf("%s/%s %v", dir, FileTokenInfo, err)
		}
		ev.TokenInfo = ti
	}
	ev.Replayed = dir
	if len(modified) > 0 {
		ev.Notes = append(ev.Notes, fmt.Sprintf("the bundle was modified after it was saved: %s do not match the manifest's SHA-256 (replayed with --bundle-modified-ok)", strings.Join(modified, ", ")))
		ev.Modified = modified
	}
	return ev, nil
}

// readBundleFile reads one file of a bundle: a regular file, not a
// symlink (it could point anywhere, ~/.ssh/id_ed25519 included), not a
// FIFO or device, at most limit bytes.
func readBundleFile(dir, name string, limit int64) ([]byte, error) {
	path := filepath.Join(dir, name)
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	switch m := st.Mode(); {
	case m&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s is a symbolic link: a bundle's files must be regular files (it could point at any file on this machine)", path)
	case !m.IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (a directory, FIFO or device)", path)
	case st.Size() > limit:
		return nil, fmt.Errorf("%s is %d bytes, more than a bundle file may be", path, st.Size())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is more than %d bytes", path, limit)
	}
	return b, nil
}
