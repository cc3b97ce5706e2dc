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
	// Conversation, Call and TokenInfo are documents the HAR recorded
	// (the web app's own GETs); Sources name their entries. When the HAR
	// recorded several GETs of the conversation, Conversation is the
	// nearest after the failure (its timestamps rebuild the state at the
	// failure) and Earlier the nearest before it.
	Conversation, Call *genesys.Decoded
	Earlier            *genesys.Decoded
	TokenInfo          *genesys.TokenInfo
	Analytics          *genesys.AnalyticsConversation
	// Subject is the web app's GET /api/v2/authorization/subjects/me:
	// the user's roles by division.
	Subject *genesys.AuthzSubject
	Sources map[string]string
	// At holds when each kept GET was made, and Raw its body as recorded,
	// by Sources key.
	At  map[string]time.Time
	Raw map[string][]byte
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

// keptGet is a successful GET the HAR recorded.
type keptGet struct {
	index int
	at    time.Time
	body  []byte
}

// ParseHAR reads a HAR 1.2 export (Chrome, Firefox, Postman) as a stream,
// one entry at a time, and picks the failing entry: the last non-2xx
// request on an /api/v2/conversations path, or entry number pick (1-based)
// when pick > 0.
func ParseHAR(r io.Reader, pick int) (*HAR, error) {
	h := newHAR()
	sc := newHARScan(pick, false)
	if err := sc.read(r, h); err != nil {
		return nil, err
	}
	e, err := sc.choose(h)
	if err != nil {
		return nil, err
	}
	sc.build(h, e)
	return h, nil
}

// ParseHARAll reads a HAR export once and returns every failing request on
// an /api/v2/conversations path, in entry order, each exactly as ParseHAR
// with that entry picked would (convdiag triage: every failing request of
// a HAR is a ticket). A HAR without one returns none and no error.
func ParseHARAll(r io.Reader) ([]*HAR, error) {
	head := newHAR()
	sc := newHARScan(0, true)
	if err := sc.read(r, head); err != nil {
		return nil, err
	}
	out := make([]*HAR, 0, len(sc.failing))
	for i, e := range sc.failing {
		h := newHAR()
		h.Creator, h.Entries, h.Candidates, h.Chosen = head.Creator, head.Entries, head.Candidates, head.Candidates[i].Index
		sc.build(h, e)
		out = append(out, h)
	}
	return out, nil
}

func newHAR() *HAR {
	return &HAR{Sources: map[string]string{}, At: map[string]time.Time{}, Raw: map[string][]byte{}}
}

func newHARScan(pick int, all bool) *harScan {
	return &harScan{pick: pick, all: all, convs: map[string][]keptGet{}, calls: map[string][]keptGet{}, analytics: map[string][]keptGet{}}
}

// build fills h from its chosen entry e: the request, the response, when
// it failed, and the recorded GETs that go with it.
func (sc *harScan) build(h *HAR, e *harEntry) {
	h.Request = harRequest(e)
	resp := harResponse(e)
	if resp.Status != 0 {
		h.Response = resp
	}
	h.Failure, h.Notes = harFailure(e, h.Chosen, resp)
	sc.attachGets(h)
}

// harScan is what one pass over a HAR's entries keeps: the entry picked
// or the last failing one, the candidates, and the GETs worth using.
type harScan struct {
	pick int
	// all keeps every failing entry (ParseHARAll) in failing.
	all       bool
	failing   []*harEntry
	chosen    *harEntry
	last      *harEntry
	lastIdx   int
	eligible  []HARCandidate
	convs     map[string][]keptGet
	calls     map[string][]keptGet
	analytics map[string][]keptGet
	tokens    *keptGet
	subject   *keptGet
}

// read streams the file: entries are decoded one at a time, so a HAR of
// any size costs one entry's memory.
func (sc *harScan) read(r io.Reader, h *HAR) error {
	// Some tools save exports with a UTF-8 byte order mark.
	br := bufio.NewReader(r)
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
		if key != "log" {
			if err := skipValue(dec); err != nil {
				return err
			}
			continue
		}
		foundLog = true
		if err := sc.readLog(dec, h); err != nil {
			return err
		}
	}
	if !foundLog {
		return errors.New(`is not a HAR file: it has no "log"`)
	}
	return nil
}

// readLog reads the "log" object: its creator and its entries.
func (sc *harScan) readLog(dec *json.Decoder, h *HAR) error {
	if err := expectDelim(dec, '{', `"log" as an object`); err != nil {
		return err
	}
	for dec.More() {
		k, err := stringToken(dec)
		if err != nil {
			return err
		}
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
				var e harEntry
				if err := dec.Decode(&e); err != nil {
					return harErr(dec, err)
				}
				h.Entries++
				sc.add(&e, h)
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

// add keeps what one entry offers: itself when picked or failing, and its
// body when it is a successful GET of a conversation, a call, its
// analytics, or the token.
func (sc *harScan) add(e *harEntry, h *HAR) {
	idx := h.Entries
	path := urlPath(e.Request.URL)
	status := e.Response.Status
	if sc.pick == idx {
		sc.chosen = e
	}
	if aboutConversation(e.Request.Method, path) {
		cand := HARCandidate{Index: idx, Method: e.Request.Method, URL: e.Request.URL, Status: status}
		sc.eligible = append(sc.eligible, cand)
		if status < 200 || status > 299 {
			h.Candidates = append(h.Candidates, cand)
			sc.last, sc.lastIdx = e, idx
			if sc.all {
				sc.failing = append(sc.failing, e)
			}
		}
	}
	if !strings.EqualFold(e.Request.Method, "GET") || status != 200 {
		return
	}
	g := keptGet{idx, diagnose.ParseGenesysTime(e.StartedDateTime), harBody(e)}
	segs := genesys.SplitPath(path)
	switch {
	case len(segs) == 4 && segs[2] == "conversations":
		id := strings.ToLower(segs[3])
		sc.convs[id] = append(sc.convs[id], g)
	case len(segs) == 5 && segs[2] == "conversations" && segs[3] == "calls":
		id := strings.ToLower(segs[4])
		sc.calls[id] = append(sc.calls[id], g)
	case len(segs) == 6 && segs[2] == "analytics" && segs[3] == "conversations" && segs[5] == "details":
		id := strings.ToLower(segs[4])
		sc.analytics[id] = append(sc.analytics[id], g)
	case path == "/api/v2/tokens/me":
		sc.tokens = &g
	case path == "/api/v2/authorization/subjects/me":
		sc.subject = &g
	}
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

// attachGets adds the web app's own GETs of the same conversation, if it
// recorded them: the views nearest the failure, the analytics, the token.
func (sc *harScan) attachGets(h *HAR) {
	m := genesys.MatchRequest(h.Request.Method, urlPath(h.Request.URL))
	if id := strings.ToLower(m.Params["conversationId"]); id != "" {
		after, before := nearest(sc.convs[id], h.Failure)
		if d := decodeKept(after, id, h, "conversation"); d != nil {
			h.Conversation = d
		}
		if before != nil && after != nil && before != after {
			if d := decodeKept(before, id, h, "earlier"); d != nil && d.Conversation != nil {
				h.Earlier = d
			}
		}
		if after, _ := nearest(sc.calls[id], h.Failure); after != nil {
			if d := decodeKept(after, id, h, "call"); d != nil && d.Call != nil {
				h.Call = d
			}
		}
		if a, _ := nearest(sc.analytics[id], h.Failure); a != nil {
			if ad, err := genesys.DecodeAnalytics(a.body); err == nil {
				h.Analytics = ad
				h.Sources["analytics"], h.At["analytics"], h.Raw["analytics"] = fmt.Sprintf("HAR entry #%d", a.index), a.at, a.body
			}
		}
	}
	if sj := sc.subject; sj != nil {
		if s, err := genesys.DecodeSubject(sj.body); err == nil {
			h.Subject = s
			h.Sources["subject"], h.At["subject"], h.Raw["subject"] = fmt.Sprintf("HAR entry #%d", sj.index), sj.at, sj.body
		}
	}
	if t := sc.tokens; t != nil {
		if ti, err := genesys.DecodeTokenInfo(t.body); err == nil {
			h.TokenInfo = ti
			h.Sources["token"], h.At["token"], h.Raw["token"] = fmt.Sprintf("HAR entry #%d", t.index), t.at, t.body
		}
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

// decodeKept decodes a kept conversation GET and records its entry.
func decodeKept(g *keptGet, id string, h *HAR, key string) *genesys.Decoded {
	if g == nil {
		return nil
	}
	d, err := genesys.DecodeConversation(g.body, id)
	if err != nil {
		return nil
	}
	h.Sources[key], h.At[key], h.Raw[key] = fmt.Sprintf("HAR entry #%d", g.index), g.at, g.body
	return d
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
		if depth == 0 {
			return nil
		}
	}
}

func harErr(dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("is truncated: it ends at byte %d before the HAR is complete", dec.InputOffset())
	}
	return fmt.Errorf("is not valid JSON near byte %d: %v", dec.InputOffset(), err)
}
