package input

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// harEntry is the part of a HAR 1.2 entry convdiag reads. Cookies are not
// decoded at all.
type harEntry struct {
	StartedDateTime string `json:"startedDateTime"`
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
	// (the web app's own GETs); Sources name their entries.
	Conversation, Call *genesys.Decoded
	TokenInfo          *genesys.TokenInfo
	Sources            map[string]string
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
	body  []byte
}

// ParseHAR reads a HAR 1.2 export (Chrome, Firefox, Postman) as a stream,
// one entry at a time, and picks the failing entry: the last non-2xx
// request on an /api/v2/conversations path, or entry number pick (1-based)
// when pick > 0.
func ParseHAR(r io.Reader, pick int) (*HAR, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{', "a HAR file (a JSON object with \"log\")"); err != nil {
		return nil, err
	}
	h := &HAR{Sources: map[string]string{}}
	var chosen *harEntry
	var last *harEntry
	lastIdx := 0
	convs, calls := map[string]keptGet{}, map[string]keptGet{}
	var eligible []HARCandidate
	var tokens *keptGet
	foundLog := false
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if key != "log" {
			if err := skipValue(dec); err != nil {
				return nil, err
			}
			continue
		}
		foundLog = true
		if err := expectDelim(dec, '{', `"log" as an object`); err != nil {
			return nil, err
		}
		for dec.More() {
			k, err := stringToken(dec)
			if err != nil {
				return nil, err
			}
			switch k {
			case "creator":
				var c struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				}
				if err := dec.Decode(&c); err != nil {
					return nil, harErr(dec, err)
				}
				h.Creator = strings.TrimSpace(c.Name + " " + c.Version)
			case "entries":
				if err := expectDelim(dec, '[', `"entries" as an array`); err != nil {
					return nil, err
				}
				for dec.More() {
					var e harEntry
					if err := dec.Decode(&e); err != nil {
						return nil, harErr(dec, err)
					}
					h.Entries++
					idx := h.Entries
					path := urlPath(e.Request.URL)
					segs := genesys.SplitPath(path)
					status := e.Response.Status
					if pick == idx {
						ec := e
						chosen = &ec
					}
					if aboutConversation(e.Request.Method, path) {
						cand := HARCandidate{Index: idx, Method: e.Request.Method, URL: e.Request.URL, Status: status}
						eligible = append(eligible, cand)
						if status < 200 || status > 299 {
							h.Candidates = append(h.Candidates, cand)
							ec := e
							last, lastIdx = &ec, idx
						}
					}
					if strings.EqualFold(e.Request.Method, "GET") && status == 200 {
						body := harBody(&e)
						switch {
						case len(segs) == 4 && segs[2] == "conversations":
							convs[strings.ToLower(segs[3])] = keptGet{idx, body}
						case len(segs) == 5 && segs[2] == "conversations" && segs[3] == "calls":
							calls[strings.ToLower(segs[4])] = keptGet{idx, body}
						case path == "/api/v2/tokens/me":
							tokens = &keptGet{idx, body}
						}
					}
				}
				if _, err := dec.Token(); err != nil {
					return nil, harErr(dec, err)
				}
			default:
				if err := skipValue(dec); err != nil {
					return nil, err
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, harErr(dec, err)
		}
	}
	if !foundLog {
		return nil, errors.New(`is not a HAR file: it has no "log"`)
	}
	switch {
	case pick > 0 && chosen == nil:
		return nil, fmt.Errorf("has %d entries; there is no entry #%d", h.Entries, pick)
	case pick > 0 && !aboutConversation(chosen.Request.Method, urlPath(chosen.Request.URL)):
		return nil, fmt.Errorf("entry #%d is %s %s, not a request that changes a conversation; %s", pick, chosen.Request.Method, chosen.Request.URL, listCandidates(eligible))
	case pick > 0:
		h.Chosen = pick
	case last == nil:
		return nil, fmt.Errorf("has no failing request to /api/v2/conversations among its %d entries; pick one with --har-entry N", h.Entries)
	default:
		chosen, h.Chosen = last, lastIdx
	}
	e := chosen
	h.Request = diagnose.Request{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL, Origin: "har"}
	for _, hd := range e.Request.Headers {
		if strings.HasPrefix(hd.Name, ":") || strings.EqualFold(hd.Name, "cookie") && hd.Value == "" {
			continue // HTTP/2 pseudo-headers
		}
		h.Request.Headers = append(h.Request.Headers, redactHeader(hd.Name, hd.Value))
		if strings.EqualFold(hd.Name, "Authorization") {
			h.Request.AuthScheme = AuthScheme(hd.Value)
		}
	}
	if e.Request.PostData != nil {
		h.Request.Body, h.Request.HasBody = []byte(e.Request.PostData.Text), true
		hasCT := false
		for _, hd := range h.Request.Headers {
			hasCT = hasCT || strings.EqualFold(hd.Name, "Content-Type")
		}
		if !hasCT && e.Request.PostData.MimeType != "" {
			h.Request.Headers = append(h.Request.Headers, diagnose.Header{Name: "Content-Type", Value: e.Request.PostData.MimeType})
		}
	}
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
	if resp.Status != 0 {
		h.Response = resp
	}
	// The web app's own GETs of the same conversation, if it recorded them.
	m := genesys.MatchRequest(h.Request.Method, urlPath(h.Request.URL))
	if id := strings.ToLower(m.Params["conversationId"]); id != "" {
		if g, ok := convs[id]; ok {
			if d, err := genesys.DecodeConversation(g.body, id); err == nil {
				h.Conversation = d
				h.Sources["conversation"] = fmt.Sprintf("HAR entry #%d", g.index)
			}
		}
		if g, ok := calls[id]; ok {
			if d, err := genesys.DecodeConversation(g.body, id); err == nil && d.Call != nil {
				h.Call = d
				h.Sources["call"] = fmt.Sprintf("HAR entry #%d", g.index)
			}
		}
	}
	if tokens != nil {
		if ti, err := genesys.DecodeTokenInfo(tokens.body); err == nil {
			h.TokenInfo = ti
			h.Sources["token"] = fmt.Sprintf("HAR entry #%d", tokens.index)
		}
	}
	return h, nil
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
