// Package input turns what a user hands convdiag (flags naming files, a
// literal body, stdin) into Evidence. Every error it returns is a usage
// error: one line naming the input and what is wrong with it. A request
// body that is not valid JSON is not an error here; it is evidence.
package input

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/convdiag/convdiag/diagnose"
)

// Size limits for what is read.
const (
	// MaxBody is the largest request body read. A participant request is a
	// few hundred bytes; anything near this is the wrong file.
	MaxBody = 8 << 20
	// MaxDocument is the largest saved GET read (a 5,000-participant
	// conference is about 6.5 MB).
	MaxDocument = 256 << 20
	// MaxHAR is the largest HAR export read (it is streamed).
	MaxHAR = 2 << 30
)

// Options are the inputs of an offline or dry-run check.
type Options struct {
	ConversationID, ParticipantID string
	// Operation is --operation: what the request was meant to do ("" to
	// infer it from the request).
	Operation diagnose.OpID
	// Request is the request line; empty means the request is unknown
	// (nothing is judged about it).
	Request string
	// Body is a path, "-" for stdin, or a literal starting with { or [.
	Body string
	// BodySet distinguishes --body "" from no --body.
	BodySet bool
	// Status is the HTTP status as given ("409"); empty when not given.
	Status string
	// Response is the file holding the error body (or a whole HTTP
	// response as printed by curl -i).
	Response string
	// Documents are the saved GETs given, by the name of their document
	// in the registry (diagnose.Documents): the files given to its flag
	// (--conversation-json, --role-json, ...), several for a repeatable
	// one.
	Documents map[string][]string
	// At is when the request failed, as the user gives it (--at).
	At   string
	Mode diagnose.Mode
	// Curl is a pasted curl command (or "-" for stdin), instead of
	// Request and Body.
	Curl string
	// HAR is a HAR export to take the request, response and any recorded
	// GETs from; HAREntry picks an entry (1-based; 0 picks the failing one).
	HAR      string
	HAREntry int
	// OpenFile opens a (possibly large) file for streaming (a HAR is read
	// twice, so it seeks); nil means a regular file of at most MaxHAR.
	OpenFile func(name string) (io.ReadSeekCloser, error)
	// Warnf receives what the user should see at once, besides the report
	// (an ambiguous HAR); nil drops it.
	Warnf func(format string, args ...any)

	// Context ends the reading of a large file (a HAR) when it is done
	// (an interrupt); nil means never.
	Context context.Context

	// ReadFile reads a named file; nil means os.ReadFile with limits.
	ReadFile func(name string, limit int64) ([]byte, error)
	// Stdin is read for "-".
	Stdin io.Reader
	// KeepRaw keeps each saved GET's bytes in its Fetch (a bundle is being
	// saved); otherwise a large conversation file is decoded as it is
	// read, without a copy of it in memory.
	KeepRaw bool
}

// UsageError is an input problem: exit 2 with its one-line message.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// ReadFileLimited reads a file, refusing files over limit bytes, and
// anything that is not a regular file: a FIFO would block forever, a device
// (/dev/zero) would never end, a directory has no bytes.
func ReadFileLimited(name string, limit int64) ([]byte, error) {
	f, err := OpenRegular(name, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, limit)
}

// OpenRegular opens a regular file of at most limit bytes (limit <= 0: no
// limit), checking what it is before opening it, since opening a FIFO
// blocks until someone writes to it.
func OpenRegular(name string, limit int64) (*os.File, error) {
	st, err := os.Stat(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNoSuchFile
		}
		return nil, err
	}
	if err := regular(st, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	// The file may have been swapped between Stat and Open: check again
	// what was opened.
	if st, err = f.Stat(); err != nil || regular(st, limit) != nil {
		f.Close()
		if err == nil {
			err = regular(st, limit)
		}
		return nil, err
	}
	return f, nil
}

// regular refuses what is not a regular file of at most limit bytes.
func regular(st fs.FileInfo, limit int64) error {
	m := st.Mode()
	switch {
	case m.IsDir():
		return fmt.Errorf("is a directory")
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("is a FIFO (named pipe), not a file: it would be read until someone writes to it; give a file, or - for standard input")
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return fmt.Errorf("is a device, not a file; give a file, or - for standard input")
	case m&fs.ModeSocket != 0 || !m.IsRegular():
		return fmt.Errorf("is not a regular file")
	case limit > 0 && st.Size() > limit:
		return fmt.Errorf("is %s; convdiag reads at most %s here", humanBytes(st.Size()), humanBytes(limit))
	}
	return nil
}

// errNoSuchFile reads "no such file" (the path is already named by the
// caller) and still matches fs.ErrNotExist.
var errNoSuchFile = noSuchFile{}

type noSuchFile struct{}

func (noSuchFile) Error() string        { return "no such file" }
func (noSuchFile) Is(target error) bool { return target == fs.ErrNotExist }

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("is larger than %s, the most convdiag reads here", humanBytes(limit))
	}
	return b, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// readRaw reads a flag's file, or standard input for "-" (once).
func readRaw(flag, name string, limit int64, read func(string, int64) ([]byte, error), stdin io.Reader, stdinUsed *bool) ([]byte, error) {
	if name == "-" {
		if *stdinUsed {
			return nil, usagef("%s -: standard input is already used by another flag", flag)
		}
		*stdinUsed = true
		if stdin == nil {
			return nil, usagef("%s -: no standard input", flag)
		}
		b, err := readLimited(stdin, limit)
		if err != nil {
			return nil, usagef("%s -: standard input %v", flag, err)
		}
		return b, nil
	}
	b, err := read(name, limit)
	if err != nil {
		return nil, usagef("%s %s: %v", flag, name, err)
	}
	return b, nil
}

// Load builds the evidence of an offline or dry-run check.
func Load(o Options) (*diagnose.Evidence, error) {
	read := o.ReadFile
	if read == nil {
		read = ReadFileLimited
	}
	stdinUsed := false
	var decodedNotes []string
	readArg := func(flag, name string, limit int64) ([]byte, error) {
		b, err := readRaw(flag, name, limit, read, o.Stdin, &stdinUsed)
		if err != nil || flag == "--body" || flag == "curl @file" {
			return b, err // a body is judged as the bytes sent
		}
		if u, order, ok := fromUTF16(b); ok {
			decodedNotes = append(decodedNotes, fmt.Sprintf("%s %s is %s text: read as UTF-8", flag, name, order))
			return u, nil
		}
		return b, nil
	}

	ev := &diagnose.Evidence{Mode: o.Mode, ConversationID: strings.TrimSpace(o.ConversationID), ParticipantID: o.ParticipantID, Operation: o.Operation}
	var at *diagnose.FailureTime
	if strings.TrimSpace(o.At) != "" {
		var err error
		if at, err = ParseAt(o.At); err != nil {
			return nil, usagef("%v", err)
		}
	}
	switch {
	case o.HAR != "":
		if o.Curl != "" || o.Request != "" || o.BodySet || o.Status != "" || o.Response != "" {
			return nil, usagef("--har holds the request and the response: drop --curl, --request, --body, --status and --response")
		}
		if err := loadHAR(ev, o); err != nil {
			return nil, err
		}
	case o.Curl != "":
		if o.Request != "" || o.BodySet {
			return nil, usagef("--curl holds the request line and the body: drop --request and --body")
		}
		if err := loadCurl(ev, o, readArg); err != nil {
			return nil, err
		}
		if err := loadResponse(ev, o, readArg); err != nil {
			return nil, err
		}
	default:
		if err := loadRequest(ev, o, readArg); err != nil {
			return nil, err
		}
		if err := loadResponse(ev, o, readArg); err != nil {
			return nil, err
		}
	}
	setFailure(ev, at)
	if err := loadDocuments(ev, o, readArg); err != nil {
		return nil, err
	}
	ev.Notes = append(ev.Notes, decodedNotes...)
	return ev, nil
}

// loadDocuments reads the saved GETs given, document by document of the
// registry (a flag's file overrides what a HAR recorded).
func loadDocuments(ev *diagnose.Evidence, o Options, readArg func(flag, name string, limit int64) ([]byte, error)) error {
	for _, d := range diagnose.Documents {
		flag := "--" + d.Flag
		for _, file := range o.Documents[d.Name] {
			doc, b, err := readDocument(d, flag, file, o, readArg, ev.ConversationID)
			if err != nil {
				return err
			}
			if err := d.Put(ev, doc, &diagnose.Fetch{Source: d.Source(), File: file, Raw: b}); err != nil {
				return usagef("%s %s %v", flag, file, err)
			}
		}
	}
	return nil
}

// readDocument reads and decodes one saved GET: streamed from the file when
// its decoder can and its bytes are not kept (a large conversation costs no
// copy of it in memory), else read whole. Its bytes are returned only when
// they are kept (a bundle is being saved).
func readDocument(d *diagnose.Document, flag, name string, o Options, readArg func(flag, name string, limit int64) ([]byte, error), want string) (any, []byte, error) {
	var doc any
	var b []byte
	var err error
	if d.Stream != nil && name != "-" && o.ReadFile == nil && !o.KeepRaw {
		f, oerr := OpenRegular(name, MaxDocument)
		if oerr != nil {
			return nil, nil, usagef("%s %s: %v", flag, name, oerr)
		}
		defer f.Close()
		doc, err = d.Stream(f, func() ([]byte, error) { return readArg(flag, name, MaxDocument) }, want)
	} else {
		if b, err = readArg(flag, name, MaxDocument); err != nil {
			return nil, nil, err
		}
		doc, err = d.Decode(b, want)
	}
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return nil, nil, err
	case err != nil:
		return nil, nil, usagef("%s %s %v", flag, name, err)
	case !o.KeepRaw:
		b = nil
	}
	return doc, b, nil
}

// setFailure decides the moment of failure: --at, else the response's Date
// header, else what a HAR said (already in ev.Failure).
func setFailure(ev *diagnose.Evidence, at *diagnose.FailureTime) {
	if at != nil {
		ev.Failure = at
		return
	}
	if ev.Failure != nil {
		return // a HAR said when its entry failed
	}
	if f, note := DateHeaderFailure(ev.Response, "the response's Date header"); f != nil {
		ev.Failure = f
	} else if note != "" && ev.Request.Origin != "har" {
		ev.Notes = append(ev.Notes, note)
	}
}

// underWorkingDir reports whether a curl @file names a regular file under
// the current directory (after symlinks): a pasted command must not make
// convdiag read /etc/shadow into a report.
func underWorkingDir(name string) bool {
	wd, err := os.Getwd()
	if err != nil {
		return false
	}
	wd, err = filepath.EvalSymlinks(wd)
	if err != nil {
		return false
	}
	p, err := filepath.EvalSymlinks(name)
	if err != nil {
		return false
	}
	p, err = filepath.Abs(p)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// loadCurl reads the request from a pasted curl command.
func loadCurl(ev *diagnose.Evidence, o Options, readArg func(flag, name string, limit int64) ([]byte, error)) error {
	text := o.Curl
	if text == "-" {
		b, err := readArg("--curl", "-", MaxBody)
		if err != nil {
			return err
		}
		text = string(b)
	}
	c, err := ParseCurl(text, func(name string) ([]byte, error) {
		if name == "-" || !underWorkingDir(name) {
			return nil, ErrNotRead
		}
		b, err := readArg("curl @file", name, MaxBody)
		if err != nil {
			return nil, ErrNotRead
		}
		return b, nil
	})
	if err != nil {
		return usagef("--curl: %v", err)
	}
	if _, err := diagnose.ParseRequestLine(c.Method + " " + c.URL); err != nil {
		return usagef("--curl: %v", err)
	}
	ev.Request = diagnose.Request{Method: c.Method, URL: c.URL, Body: c.Body, HasBody: c.HasBody, Origin: "curl", Headers: c.Headers, AuthScheme: c.AuthScheme, BodyUnknown: c.BodyUnread,
		Shell: c.Shell, QuotesStripped: c.QuotesStripped, BodyAsWritten: c.BodyAsWritten}
	for _, w := range c.Warnings {
		ev.Notes = append(ev.Notes, "curl: "+w)
	}
	return nil
}

// loadHAR reads the request, the response and any recorded GETs from a
// HAR export, streaming it.
func loadHAR(ev *diagnose.Evidence, o Options) error {
	f, err := openHARFile(o)
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := ParseHAR(stopWith(o.Context, f), o.HAREntry)
	if err != nil {
		return usagef("--har %s %v", o.HAR, err)
	}
	return harEvidence(ev, o, h)
}

// HARTicket is one failing request of a HAR, as the evidence `convdiag
// check --har FILE --har-entry Entry` would judge, or why it cannot be.
type HARTicket struct {
	Entry    int
	Evidence *diagnose.Evidence
	Err      error
}

// LoadHARAll reads the HAR export o.HAR once and builds the evidence of each
// of its failing conversation requests, exactly as Load with o.HAREntry set
// to that entry would. An error is about the file as a whole.
func LoadHARAll(o Options) ([]HARTicket, error) {
	f, err := openHARFile(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	all, err := ParseHARAll(stopWith(o.Context, f))
	if err != nil {
		return nil, usagef("%s %v", o.HAR, err)
	}
	out := make([]HARTicket, 0, len(all))
	for _, h := range all {
		o.HAREntry = h.Chosen
		ev := &diagnose.Evidence{Mode: o.Mode, ConversationID: strings.TrimSpace(o.ConversationID), ParticipantID: o.ParticipantID, Operation: o.Operation}
		t := HARTicket{Entry: h.Chosen, Evidence: ev}
		if t.Err = harEvidence(ev, o, h); t.Err == nil {
			setFailure(ev, nil)
		}
		out = append(out, t)
	}
	return out, nil
}

// openHARFile opens o.HAR for streaming (twice: it is read two times).
func openHARFile(o Options) (io.ReadSeekCloser, error) {
	open := o.OpenFile
	if open == nil {
		open = func(name string) (io.ReadSeekCloser, error) { return OpenRegular(name, MaxHAR) }
	}
	f, err := open(o.HAR)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("--har %s: no such file", o.HAR)
		}
		return nil, usagef("--har %s: %v", o.HAR, err)
	}
	return f, nil
}

// harEvidence fills ev from the HAR's chosen entry and its recorded GETs.
func harEvidence(ev *diagnose.Evidence, o Options, h *HAR) error {
	if _, err := diagnose.ParseRequestLine(h.Request.Method + " " + h.Request.URL); err != nil {
		return usagef("--har %s: entry #%d: %v", o.HAR, h.Chosen, err)
	}
	ev.Request, ev.Response = h.Request, h.Response
	note := fmt.Sprintf("HAR %s (%s, %d entries): judging entry #%d, %s %s", o.HAR, orUnknown(h.Creator), h.Entries, h.Chosen, h.Request.Method, h.Request.URL)
	ev.Notes = append(ev.Notes, note)
	if len(h.Candidates) > 1 && o.HAREntry == 0 {
		var list []string
		for _, c := range h.Candidates {
			list = append(list, c.String())
		}
		note := fmt.Sprintf("the HAR holds %d failing conversation requests (%s); the last is judged, pick another with --har-entry N", len(h.Candidates), strings.Join(list, "; "))
		ev.Notes = append(ev.Notes, note)
		if o.Warnf != nil {
			o.Warnf("%s", note)
		}
	}
	for _, r := range h.Docs {
		if given(o, r.Doc) {
			continue
		}
		f := &diagnose.Fetch{Source: r.Doc.Source(), File: fmt.Sprintf("%s HAR entry #%d", o.HAR, r.Entry), At: r.At, Raw: r.Raw}
		_ = r.Doc.Put(ev, r.Value, f) // one that does not fit (a second generic view) is left out
	}
	ev.Failure = h.Failure
	ev.Notes = append(ev.Notes, h.Notes...)
	return nil
}

// given reports whether the user gave the document (or, for an earlier
// copy, the document it is a copy of) by its flag: then what a HAR
// recorded of it is not used.
func given(o Options, d *diagnose.Document) bool {
	if d.Before != "" {
		return len(o.Documents[d.Before]) > 0
	}
	return len(o.Documents[d.Name]) > 0
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown producer"
	}
	return s
}

func loadRequest(ev *diagnose.Evidence, o Options, readArg func(flag, name string, limit int64) ([]byte, error)) error {
	if line := o.Request; strings.TrimSpace(line) != "" {
		rl, err := diagnose.ParseRequestLine(line)
		if err != nil {
			return usagef("--request: %v", err)
		}
		ev.Request.Method, ev.Request.URL, ev.Request.Origin = rl.Method, strings.Fields(line)[1], "flags"
	}
	if !o.BodySet {
		return nil
	}
	ev.Request.HasBody = true
	b := strings.TrimLeft(o.Body, " \t\r\n")
	switch {
	case o.Body == "":
		ev.Request.Body = []byte{}
	case strings.HasPrefix(b, "{") || strings.HasPrefix(b, "["):
		ev.Request.Body = []byte(o.Body)
	default:
		data, err := readArg("--body", o.Body, MaxBody)
		if err != nil {
			return err
		}
		ev.Request.Body = data
	}
	return nil
}

func loadResponse(ev *diagnose.Evidence, o Options, readArg func(flag, name string, limit int64) ([]byte, error)) error {
	status := 0
	if s := strings.TrimSpace(o.Status); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return usagef("--status %q: not an HTTP status code (100-599)", o.Status)
		}
		status = n
	}
	if o.Response == "" {
		if status != 0 {
			ev.Response = &diagnose.Response{Status: status}
		}
		return nil
	}
	b, err := readArg("--response", o.Response, MaxBody)
	if err != nil {
		return err
	}
	resp := &diagnose.Response{Body: b}
	if bytes.HasPrefix(b, []byte("HTTP/")) {
		if err := parseHTTPResponse(resp, b); err != nil {
			return usagef("--response %s: looks like an HTTP response but %v", o.Response, err)
		}
	}
	if status != 0 {
		if resp.Status != 0 && resp.Status != status {
			return usagef("--status %d disagrees with the status line of --response %s (%d)", status, o.Response, resp.Status)
		}
		resp.Status = status
	}
	if resp.Status == 0 {
		if eb := resp.ErrorBody(); eb != nil && eb.Status >= 100 && eb.Status <= 599 {
			resp.Status = eb.Status
		}
	}
	ev.Response = resp
	return nil
}

// parseHTTPResponse reads a whole HTTP response (curl -i): status line,
// headers, body.
func parseHTTPResponse(resp *diagnose.Response, b []byte) error {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	line, err := tp.ReadLine()
	if err != nil {
		return fmt.Errorf("has no status line")
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return fmt.Errorf("its status line %q has no status", line)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 100 || n > 599 {
		return fmt.Errorf("its status line %q has no status code", line)
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("its headers do not parse: %v", err)
	}
	resp.Status, resp.HeadersKnown = n, true
	for _, k := range sortedKeys(hdr) {
		if strings.EqualFold(k, "Set-Cookie") {
			continue
		}
		for _, v := range hdr[k] {
			resp.Headers = append(resp.Headers, redactHeader(k, v))
		}
	}
	resp.CorrelationID = hdr.Get("Inin-Correlation-Id")
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		resp.Body = b[i+4:]
	} else if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		resp.Body = b[i+2:]
	} else {
		resp.Body = nil
	}
	return nil
}

func sortedKeys(h textproto.MIMEHeader) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
