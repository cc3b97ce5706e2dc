package input

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// harEntry is the part of a HAR 1.2 entry convdiag reads. Cookies are not
// decoded at all.
type harEntry struct {
	StartedDateTime string  `json:"startedDateTime"`
	Time            float64 `json:"time"`
	Request         struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		PostData *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HARCandidate is a failing conversation request found in a HAR.
type HARCandidate struct {
	// Index is the 1-based position among all entries (--har-entry).
	Index  int
	Method string
	URL    string
	Status int
}

func (c HARCandidate) String() string {
	return fmt.Sprintf("#%d %s %s -> %d", c.Index, c.Method, c.URL, c.Status)
}

// HAR is what a HAR file holds for a check: the chosen request and its
// response, and any GETs of the conversation and the token it recorded.
type HAR struct {
	Creator    string
	Entries    int
	Chosen     int
	Candidates []HARCandidate
	Request    diagnose.Request
	Response   *diagnose.Response
	// Docs are the documents of the registry the HAR recorded GETs of
	// (the web app's own), at the paths a live check would read for the
	// chosen request, in the registry's order. When the HAR recorded
	// several GETs of one, the nearest after the failure is kept (its
	// timestamps rebuild the state at the failure), and the nearest
	// before it as the earlier copy (Document.Before) when there is one.
	Docs []Recorded
	// Failure is when the chosen request failed: its response's Date
	// header, else its startedDateTime (the browser's clock) and duration.
	Failure *diagnose.FailureTime
	// Notes are remarks worth showing (a Date header that is not a date).
	Notes []string
}

// aboutConversation reports whether a HAR entry is a request that changes a
// conversation or a participant (not a read, a preflight, or another API).
func aboutConversation(method, path string) bool {
	switch strings.ToUpper(method) {
	case "GET", "HEAD", "OPTIONS":
		return false
	}
	return strings.HasPrefix(path, "/api/v2/conversations")
}

// listCandidates names the entries --har-entry may pick.
func listCandidates(list []HARCandidate) string {
	if len(list) == 0 {
		return "the HAR holds no request that changes a conversation"
	}
	var s []string
	for _, c := range list {
		s = append(s, c.String())
	}
	return "the candidates are " + strings.Join(s, "; ")
}

// keptGet is a successful GET the HAR recorded. The first pass notes
// where and when it is; only the few GETs a check uses have their body
// read, in a second pass.
type keptGet struct {
	index int
	at    time.Time
	body  []byte
}

// ParseHAR reads a HAR 1.2 export (Chrome, Firefox, Postman) as a stream,
// one entry at a time, and picks the failing entry: the last non-2xx
// request on an /api/v2/conversations path, or entry number pick (1-based)
// when pick > 0. The export is read twice: once to choose the entry and
// note where the recorded GETs are, once more for the bodies of the few
// GETs used (a HAR of many large GETs costs one entry's memory, not all
// of them). An entry larger than MaxDocument, or nesting deeper than
// MaxJSONNesting, is refused.
func ParseHAR(r io.ReadSeeker, pick int) (*HAR, error) {
	h := newHAR()
	sc := newHARScan(pick, false)
	if err := readEntries(r, h, sc.add); err != nil {
		return nil, err
	}
	h.Candidates = sc.candidates
	e, err := sc.choose(h)
	if err != nil {
		return nil, err
	}
	used := sc.build(h, e)
	if err := readBodies(r, used.byIndex()); err != nil {
		return nil, err
	}
	used.attach(h)
	return h, nil
}

// ParseHARAll reads a HAR export and returns every failing request on an
// /api/v2/conversations path, in entry order, each exactly as ParseHAR
// with that entry picked would (convdiag triage: every failing request of
// a HAR is a ticket). It reads the export twice, as ParseHAR does: the
// second pass reads the bodies of the GETs any of them uses, once. A HAR
// without one returns none and no error.
func ParseHARAll(r io.ReadSeeker) ([]*HAR, error) {
	head := newHAR()
	sc := newHARScan(0, true)
	if err := readEntries(r, head, sc.add); err != nil {
		return nil, err
	}
	out := make([]*HAR, 0, len(sc.failing))
	useds := make([]*usedGets, 0, len(sc.failing))
	want := map[int][]*keptGet{}
	for i, e := range sc.failing {
		h := newHAR()
		h.Creator, h.Entries, h.Candidates, h.Chosen = head.Creator, head.Entries, sc.candidates, sc.candidates[i].Index
		used := sc.build(h, e)
		for idx, gets := range used.byIndex() {
			want[idx] = append(want[idx], gets...)
		}
		out, useds = append(out, h), append(useds, used)
	}
	if err := readBodies(r, want); err != nil {
		return nil, err
	}
	for i, h := range out {
		useds[i].attach(h)
	}
	return out, nil
}

// Recorded is a document a HAR recorded a GET of: which, decoded, from
// which entry (1-based), when, and its body as recorded.
type Recorded struct {
	Doc   *diagnose.Document
	Value any
	Entry int
	At    time.Time
	Raw   []byte
}

// Recorded returns the document of the registry named name the HAR
// recorded (nil when none).
func (h *HAR) Recorded(name string) *Recorded {
	for i := range h.Docs {
		if h.Docs[i].Doc.Name == name {
			return &h.Docs[i]
		}
	}
	return nil
}

func newHAR() *HAR { return &HAR{} }

func newHARScan(pick int, all bool) *harScan {
	return &harScan{pick: pick, all: all, gets: map[string][]keptGet{}}
}

// build fills h from its chosen entry e: the request, the response and
// when it failed; it returns the recorded GETs that go with it, their
// bodies still to read.
func (sc *harScan) build(h *HAR, e *harEntry) *usedGets {
	h.Request = harRequest(e)
	resp := harResponse(e)
	if resp.Status != 0 {
		h.Response = resp
	}
	h.Failure, h.Notes = harFailure(e, h.Chosen, resp)
	return sc.usedGets(h)
}

// harScan is what one pass over a HAR's entries keeps: the entry picked
// or the last failing one, the candidates, and the GETs worth using.
type harScan struct {
	pick int
	// all keeps every failing entry (ParseHARAll) in failing.
	all      bool
	failing  []*harEntry
	chosen   *harEntry
	last     *harEntry
	lastIdx  int
	eligible []HARCandidate
	// candidates are the failing conversation requests.
	candidates []HARCandidate
	// gets are the successful GETs of a registry document's path, by
	// lower-case path.
	gets map[string][]keptGet
}

// readEntries streams the file: entries are decoded one at a time and
// handed to each, so a HAR of any size costs one entry's memory; creator
// is set on h, and h.Entries counts the entries.
func readEntries(r io.Reader, h *HAR, each func(dec *json.Decoder, index int) error) error {
	// Some tools save exports with a UTF-8 byte order mark.
	lr := &entryLimit{r: r, limit: MaxDocument}
	br := bufio.NewReader(lr)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if err := expectDelim(dec, '{', "a HAR file (a JSON object with \"log\")"); err != nil {
		return err
	}
	foundLog := false
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return err
		}
		lr.mark()
		if key != "log" {
			if err := skipValue(dec); err != nil {
				return err
			}
			continue
		}
		foundLog = true
		if err := readLog(dec, lr, h, each); err != nil {
			return err
		}
	}
	if !foundLog {
		return errors.New(`is not a HAR file: it has no "log"`)
	}
	return nil
}

// readLog reads the "log" object: its creator and its entries.
func readLog(dec *json.Decoder, lr *entryLimit, h *HAR, each func(dec *json.Decoder, index int) error) error {
	if err := expectDelim(dec, '{', `"log" as an object`); err != nil {
		return err
	}
	h.Entries = 0
	for dec.More() {
		k, err := stringToken(dec)
		if err != nil {
			return err
		}
		lr.mark()
		switch k {
		case "creator":
			var c struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			}
			if err := dec.Decode(&c); err != nil {
				return harErr(dec, err)
			}
			h.Creator = strings.TrimSpace(c.Name + " " + c.Version)
		case "entries":
			if err := expectDelim(dec, '[', `"entries" as an array`); err != nil {
				return err
			}
			for dec.More() {
				lr.mark()
				h.Entries++
				if err := each(dec, h.Entries); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return harErr(dec, err)
			}
		default:
			if err := skipValue(dec); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return harErr(dec, err)
	}
	return nil
}

// errEnoughRead ends the second pass once every body wanted is read.
var errEnoughRead = errors.New("every wanted body is read")

// readBodies reads the HAR again, from its start, for the bodies of the
// GETs used; every other entry is skipped without keeping anything.
func readBodies(r io.ReadSeeker, want map[int][]*keptGet) error {
	if len(want) == 0 {
		return nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("cannot be read a second time: %v", err)
	}
	left := len(want)
	err := readEntries(r, &HAR{}, func(dec *json.Decoder, index int) error {
		gets, ok := want[index]
		if !ok {
			var skip struct{}
			if err := dec.Decode(&skip); err != nil {
				return harErr(dec, err)
			}
			return nil
		}
		var e harEntry
		if err := dec.Decode(&e); err != nil {
			return harErr(dec, err)
		}
		for _, g := range gets {
			g.body = harBody(&e)
		}
		if left--; left == 0 {
			return errEnoughRead
		}
		return nil
	})
	if errors.Is(err, errEnoughRead) {
		return nil
	}
	return err
}

// entryLimit fails a read once more than limit bytes were read since the
// last mark (the start of a value): one entry of a HAR may not weigh more
// than a saved GET.
type entryLimit struct {
	r           io.Reader
	limit, read int64
}

func (l *entryLimit) mark() { l.read = 0 }

func (l *entryLimit) Read(p []byte) (int, error) {
	if l.read > l.limit {
		return 0, &readStop{fmt.Sprintf("holds a value larger than %s, the most convdiag reads of one entry", humanBytes(l.limit))}
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// add decodes one entry and keeps what it offers: itself when picked or
// failing, and where it is when it is a successful GET of one of the
// registry's documents.
func (sc *harScan) add(dec *json.Decoder, idx int) error {
	e := &harEntry{}
	if err := dec.Decode(e); err != nil {
		return harErr(dec, err)
	}
	path := urlPath(e.Request.URL)
	status := e.Response.Status
	if sc.pick == idx {
		sc.chosen = e
	}
	if aboutConversation(e.Request.Method, path) {
		cand := HARCandidate{Index: idx, Method: e.Request.Method, URL: e.Request.URL, Status: status}
		sc.eligible = append(sc.eligible, cand)
		if status < 200 || status > 299 {
			sc.candidates = append(sc.candidates, cand)
			sc.last, sc.lastIdx = e, idx
			if sc.all {
				sc.failing = append(sc.failing, e)
			}
		}
	}
	if !strings.EqualFold(e.Request.Method, "GET") || status != 200 {
		return nil
	}
	if documentPath(path) {
		key := strings.ToLower(path)
		sc.gets[key] = append(sc.gets[key], keptGet{index: idx, at: diagnose.ParseGenesysTime(e.StartedDateTime)})
	}
	return nil
}

// documentPath reports whether a path is the path of one of the registry's
// documents (its {id} standing for any one segment): only those GETs are
// noted, so a HAR of many other GETs costs nothing more.
func documentPath(path string) bool {
	segs := genesys.SplitPath(path)
	for _, d := range diagnose.Documents {
		pat := genesys.SplitPath(d.Path)
		if len(pat) != len(segs) {
			continue
		}
		match := true
		for i := range pat {
			if pat[i] != "{id}" && !strings.EqualFold(pat[i], segs[i]) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// choose is the entry to judge: --har-entry's, which must change a
// conversation, else the last failing one.
func (sc *harScan) choose(h *HAR) (*harEntry, error) {
	switch {
	case sc.pick > 0 && sc.chosen == nil:
		return nil, fmt.Errorf("has %d entries; there is no entry #%d", h.Entries, sc.pick)
	case sc.pick > 0 && !aboutConversation(sc.chosen.Request.Method, urlPath(sc.chosen.Request.URL)):
		return nil, fmt.Errorf("entry #%d is %s %s, not a request that changes a conversation; %s", sc.pick, sc.chosen.Request.Method, sc.chosen.Request.URL, listCandidates(sc.eligible))
	case sc.pick > 0:
		h.Chosen = sc.pick
		return sc.chosen, nil
	case sc.last == nil:
		return nil, fmt.Errorf("has no failing request to /api/v2/conversations among its %d entries; pick one with --har-entry N", h.Entries)
	}
	h.Chosen = sc.lastIdx
	return sc.last, nil
}

// harRequest is the entry's request, credentials redacted.
func harRequest(e *harEntry) diagnose.Request {
	req := diagnose.Request{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL, Origin: "har"}
	for _, hd := range e.Request.Headers {
		if strings.HasPrefix(hd.Name, ":") || strings.EqualFold(hd.Name, "cookie") && hd.Value == "" {
			continue // HTTP/2 pseudo-headers
		}
		req.Headers = append(req.Headers, redactHeader(hd.Name, hd.Value))
		if strings.EqualFold(hd.Name, "Authorization") {
			req.AuthScheme = AuthScheme(hd.Value)
		}
	}
	if e.Request.PostData != nil {
		req.Body, req.HasBody = []byte(e.Request.PostData.Text), true
		hasCT := false
		for _, hd := range req.Headers {
			hasCT = hasCT || strings.EqualFold(hd.Name, "Content-Type")
		}
		if !hasCT && e.Request.PostData.MimeType != "" {
			req.Headers = append(req.Headers, diagnose.Header{Name: "Content-Type", Value: e.Request.PostData.MimeType})
		}
	}
	return req
}

// harResponse is the entry's response, cookies dropped, credentials
// redacted.
func harResponse(e *harEntry) *diagnose.Response {
	resp := &diagnose.Response{Status: e.Response.Status, Body: harBody(e), HeadersKnown: len(e.Response.Headers) > 0}
	for _, hd := range e.Response.Headers {
		if strings.EqualFold(hd.Name, "ININ-Correlation-Id") {
			resp.CorrelationID = hd.Value
		}
		if strings.EqualFold(hd.Name, "set-cookie") {
			continue
		}
		resp.Headers = append(resp.Headers, redactHeader(hd.Name, hd.Value))
	}
	return resp
}

// usedGets are the recorded GETs a check uses: for each document of the
// registry, the web app's own GET of it at a path a live check would read
// for the chosen request, nearest the failure (and, for an earlier copy,
// the nearest before it).
type usedGets struct {
	id   string
	used []usedGet
}

type usedGet struct {
	doc *diagnose.Document
	get *keptGet
}

// usedGets picks, among the GETs the first pass noted, those a check uses.
func (sc *harScan) usedGets(h *HAR) *usedGets {
	m := genesys.MatchRequest(h.Request.Method, urlPath(h.Request.URL))
	u := &usedGets{id: strings.ToLower(m.Params["conversationId"])}
	req := &diagnose.Evidence{Request: h.Request}
	at := diagnose.Place{ConvID: u.id}
	for _, d := range diagnose.Documents {
		of := d
		if d.Before != "" {
			if of = diagnose.DocumentByName(d.Before); of == nil {
				continue
			}
		}
		paths, _ := of.PathsFor(req, at)
		for _, p := range paths {
			if raw, err := url.PathUnescape(p); err == nil {
				p = raw
			}
			after, before := nearest(sc.gets[strings.ToLower(p)], h.Failure)
			g := after
			if d.Before != "" {
				if g = before; before == after {
					g = nil
				}
			}
			if g != nil {
				u.used = append(u.used, usedGet{doc: d, get: g})
			}
		}
	}
	return u
}

// byIndex lists the used GETs by entry number (one entry may serve twice).
func (u *usedGets) byIndex() map[int][]*keptGet {
	out := map[int][]*keptGet{}
	for _, ug := range u.used {
		out[ug.get.index] = append(out[ug.get.index], ug.get)
	}
	return out
}

// attach decodes the used GETs (their bodies read) into h; one that does
// not decode, or is not what its document must be (an earlier copy that
// is not the generic view), is left out.
func (u *usedGets) attach(h *HAR) {
	for _, ug := range u.used {
		v, err := ug.doc.Decode(ug.get.body, u.id)
		if err != nil || ug.doc.Put(&diagnose.Evidence{}, v, nil) != nil {
			continue
		}
		h.Docs = append(h.Docs, Recorded{Doc: ug.doc, Value: v, Entry: ug.get.index, At: ug.get.at, Raw: ug.get.body})
	}
}

// harFailure is when the chosen entry failed: its response's Date header,
// else its startedDateTime (the browser's clock) plus its duration.
func harFailure(e *harEntry, index int, resp *diagnose.Response) (*diagnose.FailureTime, []string) {
	f, note := DateHeaderFailure(resp, fmt.Sprintf("the Date header of HAR entry #%d", index))
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	if f != nil {
		return f, notes
	}
	if t := diagnose.ParseGenesysTime(e.StartedDateTime); !t.IsZero() {
		d := time.Duration(e.Time * float64(time.Millisecond))
		if d < 0 {
			d = 0
		}
		return &diagnose.FailureTime{Time: t, Source: fmt.Sprintf("HAR entry #%d startedDateTime (the browser's clock)", index), Precision: d + time.Millisecond}, notes
	}
	return nil, notes
}

// nearest picks, among GETs of one document, the nearest at or after the
// failure and the nearest before it; without a failure time (or GET
// times), the last one recorded.
func nearest(list []keptGet, f *diagnose.FailureTime) (after, before *keptGet) {
	if len(list) == 0 {
		return nil, nil
	}
	if !f.Known() {
		return &list[len(list)-1], nil
	}
	for i := range list {
		g := &list[i]
		switch {
		case g.at.IsZero():
		case !g.at.Before(f.Time):
			if after == nil || g.at.Before(after.at) {
				after = g
			}
		default:
			if before == nil || g.at.After(before.at) {
				before = g
			}
		}
	}
	if after == nil {
		after = before
		if after == nil {
			after = &list[len(list)-1]
		}
	}
	return after, before
}

func harBody(e *harEntry) []byte {
	if strings.EqualFold(e.Response.Content.Encoding, "base64") {
		if b, err := base64.StdEncoding.DecodeString(e.Response.Content.Text); err == nil {
			return b
		}
	}
	return []byte(e.Response.Content.Text)
}

func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Path
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return harErr(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("is not a HAR file: expected %s at byte %d", what, dec.InputOffset())
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", harErr(dec, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("is not a HAR file: expected a key at byte %d", dec.InputOffset())
	}
	return s, nil
}

// skipValue skips one JSON value without keeping it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return harErr(dec, err)
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth > MaxJSONNesting {
			return fmt.Errorf("nests objects or arrays more than %d levels deep near byte %d: no HAR export does; refused", MaxJSONNesting, dec.InputOffset())
		}
		if depth == 0 {
			return nil
		}
	}
}

func harErr(dec *json.Decoder, err error) error {
	var stop *readStop
	if errors.As(err, &stop) {
		return fmt.Errorf("%s (near byte %d)", stop.msg, dec.InputOffset())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("is truncated: it ends at byte %d before the HAR is complete", dec.InputOffset())
	}
	return fmt.Errorf("is not valid JSON near byte %d: %v", dec.InputOffset(), err)
}
