// Package bundle writes and reads replay bundles: the evidence of one check
// exactly as the checks saw it (request line and body bytes, response,
// both conversation views, token info, fetch outcomes), redacted, with the
// report and a manifest of every redaction. `convdiag check --bundle DIR`
// reruns a bundle offline and gets the same causes and verdict;
// `convdiag sim --bundle DIR` serves it as a live org.
package bundle

import (
	"bytes"
	"context"
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
	"github.com/convdiag/convdiag/report"
)

// FormatVersion is the bundle layout version.
const FormatVersion = "1"

// File names in a bundle.
const (
	FileManifest    = "manifest.json"
	FileEvidence    = "evidence.json"
	FileRequestBody = "request-body"
	// FileRequestBodyAsWritten is the body as a pasted PowerShell command
	// wrote it, when Windows PowerShell 5.1 would have sent another
	// (Request.QuotesStripped).
	FileRequestBodyAsWritten = "request-body-as-written"
	FileResponseBody         = "response-body"
	// FileReport is the report; the documents read are in the files the
	// registry names (diagnose.Document.BundleFile: conversation.json,
	// tokeninfo.json, role-1.json, ...).
	FileReport = "report.json"
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
	// PhoneRegion is where national phone numbers are read (see
	// report.PhoneRegion; "" for the org's region).
	PhoneRegion string
	// Context ends an unfinished save (an interrupt): nothing is put in
	// place. Nil means never.
	Context context.Context
}

// Reproduce is the command line that reruns a bundle.
func Reproduce(dir string) string { return "convdiag check --bundle " + diagnose.ShellQuote(dir) }

// Save writes the bundle into dir: a new path, an empty folder, or a
// folder holding an earlier bundle convdiag wrote (replaced whole). The
// files are written into a fresh private folder beside dir, each created
// new (never through a link or onto another file), and that folder is
// renamed into place when complete, so an interrupted save leaves dir as
// it was. A symbolic link, another folder's contents, or the bundle being
// replayed (ev.Replayed) is refused.
func Save(dir string, ev *diagnose.Evidence, rep *diagnose.Report, o Options) error {
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	t, err := checkTarget(dir, ev.Replayed)
	if err != nil {
		return err
	}
	st, err := newStaging(ctx, t)
	if err != nil {
		return err
	}
	if err := writeBundle(st, dir, ev, rep, o); err != nil {
		st.discard()
		return err
	}
	if err := st.commit(t); err != nil {
		st.discard()
		return err
	}
	return nil
}

// writeBundle writes every file of the bundle into the staging folder,
// the manifest last.
func writeBundle(st *staging, dir string, ev *diagnose.Evidence, rep *diagnose.Report, o Options) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	secrets := append([]string{}, o.Secrets...)
	if ev.Auth != nil {
		secrets = append(secrets, ev.Auth.Secrets...)
	}
	red := report.NewRedactor(secrets...)
	red.SetPhoneRegion(report.PhoneRegion(o.PhoneRegion, ev.Region))
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
	// The documents go in files of their own; evidence.json is the rest.
	shallow := *ev
	for _, d := range diagnose.Documents {
		if d.BundleFile != "" {
			d.Drop(&shallow)
		}
	}
	var meta diagnose.Evidence
	if err := roundTrip(&shallow, &meta); err != nil {
		return err
	}
	m := &Manifest{FormatVersion: FormatVersion, Tool: report.Tool{Name: "convdiag", Version: o.Version}, CreatedAt: now().UTC().Format(time.RFC3339),
		Mode: string(ev.Mode), Reproduce: Reproduce(dir), Redacted: !o.ShowSecrets, Files: []File{}, Redactions: []report.Where{}}
	write := func(name, what string, b []byte) error {
		if err := st.create(name, b); err != nil {
			return err
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
	// A document received as bytes is kept as those bytes, every string
	// redacted where it stands (fields convdiag does not read included);
	// one convdiag built is written from its struct.
	writeDoc := func(d document) error {
		if len(d.raw) > 0 {
			b := d.raw
			if !o.ShowSecrets {
				b = red.JSONAt(d.name, b)
			}
			return write(d.name, d.what, b)
		}
		cp := reflect.New(reflect.TypeOf(d.v).Elem()).Interface()
		if err := roundTrip(d.v, cp); err != nil {
			return err
		}
		return writeJSON(d.name, d.what, cp)
	}
	if !o.ShowSecrets {
		recordInputRedactions(red, &meta)
	}
	if ev.Request.HasBody {
		if err := write(FileRequestBody, "the request body as sent (bytes)", redactBytes(FileRequestBody, ev.Request.Body)); err != nil {
			return err
		}
	}
	if ev.Request.QuotesStripped && len(ev.Request.BodyAsWritten) > 0 {
		if err := write(FileRequestBodyAsWritten, "the request body as the pasted command wrote it, before Windows PowerShell 5.1 stripped its quotes (bytes)", redactBytes(FileRequestBodyAsWritten, ev.Request.BodyAsWritten)); err != nil {
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
	for _, d := range documents(ev) {
		if err := writeDoc(d); err != nil {
			return err
		}
	}
	var rj bytes.Buffer
	if err := report.Render(&rj, rep, report.Options{Format: report.FormatJSON, Version: o.Version, ShowSecrets: o.ShowSecrets, Secrets: secrets, Reproduce: Reproduce(dir), PhoneRegion: o.PhoneRegion}); err != nil {
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
	return st.create(FileManifest, mb)
}

// document is one GET's result in a bundle.
type document struct {
	name, what string
	v          any
	raw        []byte
}

// documents lists the documents the evidence holds, each in the file the
// registry names, in the registry's order.
func documents(ev *diagnose.Evidence) []document {
	var out []document
	for _, d := range diagnose.Documents {
		if d.BundleFile == "" {
			continue
		}
		for i, h := range d.HeldIn(ev) {
			var raw []byte
			if h.Fetch != nil {
				raw = h.Fetch.Raw
			}
			out = append(out, document{name: d.BundleName(i + 1), what: d.Describe(), v: h.Doc, raw: raw})
		}
	}
	return out
}

// recordInputRedactions lists in the manifest the header values convdiag's
// input layer removed by their names as it read the customer's file (they
// reach the bundle already "<redacted>").
func recordInputRedactions(red *report.Redactor, ev *diagnose.Evidence) {
	rec := func(path string, hs []diagnose.Header) {
		for _, h := range hs {
			if !strings.HasSuffix(h.Value, report.Redacted) {
				continue
			}
			form := report.FormHeader
			switch l := strings.ToLower(h.Name); {
			case strings.Contains(l, "cookie"):
				form = report.FormCookie
			case strings.Contains(l, "authorization"):
				form = report.FormAuthValue
			}
			red.Record(FileEvidence, path+"."+h.Name, "secret", form, 1)
		}
	}
	rec("request.headers", ev.Request.Headers)
	if ev.Response != nil {
		rec("response.headers", ev.Response.Headers)
	}
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
	files, modified, err := verifyFiles(dir, m, o)
	if err != nil {
		return nil, err
	}
	read := func(name string) ([]byte, bool, error) {
		b, ok := files[name]
		return b, ok, nil
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
	if b, ok, err := read(FileRequestBodyAsWritten); err != nil {
		return nil, err
	} else if ok && ev.Request.QuotesStripped {
		ev.Request.BodyAsWritten = b
	}
	if b, ok, err := read(FileResponseBody); err != nil {
		return nil, err
	} else if ok && ev.Response != nil {
		ev.Response.Body = b
	}
	for _, d := range diagnose.Documents {
		if err := loadDocument(dir, ev, m, d, files); err != nil {
			return nil, err
		}
	}
	ev.Replayed = dir
	if len(modified) > 0 {
		ev.Notes = append(ev.Notes, fmt.Sprintf("the bundle was modified after it was saved: %s do not match the manifest's SHA-256 (replayed with --bundle-modified-ok)", strings.Join(modified, ", ")))
		ev.Modified = modified
	}
	return ev, nil
}

// verifyFiles reads every file the manifest lists, report.json included,
// and checks each: a plain name inside the bundle, a regular file, its
// SHA-256 as recorded (a mismatch is refused unless ModifiedOK, and then
// listed in modified).
func verifyFiles(dir string, m Manifest, o LoadOptions) (files map[string][]byte, modified []string, err error) {
	files = map[string][]byte{}
	for _, f := range m.Files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." || strings.ContainsAny(f.Name, `/\`) {
			return nil, nil, fmt.Errorf("%s/%s lists %q, which is not a file of the bundle folder: refused", dir, FileManifest, f.Name)
		}
		if _, dup := files[f.Name]; dup {
			return nil, nil, fmt.Errorf("%s/%s lists %q twice", dir, FileManifest, f.Name)
		}
		b, err := readBundleFile(dir, f.Name, maxFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s/%s is listed in the manifest but missing", dir, f.Name)
		}
		if err != nil {
			return nil, nil, err
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != f.SHA256 {
			if !o.ModifiedOK {
				return nil, nil, fmt.Errorf("%s/%s does not match the SHA-256 the manifest records: it was changed after the bundle was saved (--bundle-modified-ok replays it anyway, and the report says so)", dir, f.Name)
			}
			modified = append(modified, f.Name)
		}
		files[f.Name] = b
	}
	return files, modified, nil
}

// loadDocument reads a document's files back (in the manifest's order, for
// a repeatable one), each kept with its bytes in how it was read, so that a
// replay holds the document as saved.
func loadDocument(dir string, ev *diagnose.Evidence, m Manifest, d *diagnose.Document, files map[string][]byte) error {
	var raws [][]byte
	for _, f := range m.Files {
		b, ok := files[f.Name]
		if !ok || !d.IsBundleFile(f.Name) {
			continue
		}
		doc, err := d.Decode(b, ev.ConversationID)
		if err == nil {
			if len(raws) == 0 && d.Repeatable {
				d.Drop(ev)
			}
			err = d.Put(ev, doc, nil)
		}
		if err != nil {
			return fmt.Errorf("%s/%s %v", dir, f.Name, err)
		}
		raws = append(raws, b)
	}
	if held := d.HeldIn(ev); len(held) == len(raws) {
		for i, h := range held {
			if h.Fetch != nil && h.Fetch.Raw == nil {
				h.Fetch.Raw = raws[i]
			}
		}
	}
	return nil
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
