package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

const harDir = "../../testdata/har/"

func openHAR(t *testing.T, name string, pick int) *HAR {
	t.Helper()
	f, err := os.Open(harDir + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ParseHAR(f, pick)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestParseHARProducers(t *testing.T) {
	for _, tc := range []struct {
		file, creator    string
		chosen, cands    int
		method, pathEnd  string
		status           int
		corr, bodyPrefix string
		conv, call, tok  bool
	}{
		{"chrome-stale-leg.har", "WebInspector 537.36", 6, 1, "PATCH", "/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76", 409, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", `{"message": "The participant`, true, true, true},
		{"firefox-seed.har", "Firefox 133.0", 2, 2, "POST", "/disconnect", 409, "", "{\n \"message\": \"Cannot disconnect", false, false, false},
		{"postman-messaging.har", "Postman 11.20.0", 1, 1, "PATCH", "/participants/bfe173a0-d264-4f81-83be-84a0d26f915c", 404, "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918", `{"message":"The requested`, false, false, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			h := openHAR(t, tc.file, 0)
			if h.Creator != tc.creator || h.Chosen != tc.chosen || len(h.Candidates) != tc.cands {
				t.Errorf("creator %q chosen #%d candidates %v", h.Creator, h.Chosen, h.Candidates)
			}
			if h.Request.Method != tc.method || !strings.HasSuffix(h.Request.URL, tc.pathEnd) {
				t.Errorf("request %s %s", h.Request.Method, h.Request.URL)
			}
			if h.Response == nil || h.Response.Status != tc.status || h.Response.CorrelationID != tc.corr || !bytes.HasPrefix(h.Response.Body, []byte(tc.bodyPrefix)) {
				t.Errorf("response %+v body %q", h.Response, h.Response.Body)
			}
			conv, call, tok := h.Recorded("conversation") != nil, h.Recorded("call") != nil, h.Recorded("token") != nil
			if conv != tc.conv || call != tc.call || tok != tc.tok {
				t.Errorf("recorded GETs: conversation %v call %v token %v", conv, call, tok)
			}
			if !h.Request.HasBody {
				t.Error("the request body was not kept")
			}
			for _, hd := range append(h.Request.Headers, h.Response.Headers...) {
				if strings.Contains(hd.Value, "CANARY") || strings.HasPrefix(hd.Name, ":") || strings.EqualFold(hd.Name, "set-cookie") {
					t.Errorf("header leaves the parser: %s: %s", hd.Name, hd.Value)
				}
			}
		})
	}
	// --har-entry picks another entry.
	if h := openHAR(t, "firefox-seed.har", 1); h.Chosen != 1 || !strings.HasSuffix(h.Request.URL, "/disconnect") || h.Response.Status != 404 {
		t.Errorf("entry 1: %+v", h.Request)
	}
}

func TestParseHARErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`[]`, "not a HAR file"},
		{`{"foo":1}`, `no "log"`},
		{`{"log":{"entries":[{"request":{"method":"GET","url":"https://x/api/v2/tokens/me"},"response":{"status":200}}]}}`, "no failing request"},
		{`{"log":{"entries":[{"request":{"method":"GET","url":"https://x/"}`, "truncated"},
		{`{"log":{"entries":[]}}`, "no failing request"},
	} {
		_, err := ParseHAR(strings.NewReader(tc.doc), 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.doc, err, tc.want)
		}
	}
	if _, err := ParseHAR(strings.NewReader(`{"log":{"entries":[]}}`), 3); err == nil || !strings.Contains(err.Error(), "no entry #3") {
		t.Errorf("missing entry: %v", err)
	}
}

// TestParseHARPickMustChangeAConversation: --har-entry on a GET, a
// preflight or another API is refused, listing the entries it could pick.
func TestParseHARPickMustChangeAConversation(t *testing.T) {
	for _, pick := range []int{1, 3, 5, 7} {
		f, err := os.Open(harDir + "chrome-stale-leg.har")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseHAR(f, pick)
		f.Close()
		if err == nil || !strings.Contains(err.Error(), "not a request that changes a conversation") || !strings.Contains(err.Error(), "#6 PATCH") {
			t.Errorf("--har-entry %d: %v", pick, err)
		}
	}
	if h := openHAR(t, "chrome-stale-leg.har", 6); h.Chosen != 6 || h.Request.Method != "PATCH" {
		t.Errorf("--har-entry 6: %+v", h.Request)
	}
}

// TestParseHARStreams: a large HAR is read one entry at a time; peak heap
// stays well under three times the file's size.
func TestParseHARStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MB file")
	}
	path := t.TempDir() + "/big.har"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 200<<10)
	fmt.Fprint(f, `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"1"},"entries":[`)
	for i := 0; i < 200; i++ {
		if i > 0 {
			fmt.Fprint(f, ",")
		}
		e := map[string]any{"request": map[string]any{"method": "GET", "url": fmt.Sprintf("https://api.mypurecloud.com/api/v2/analytics/x/%d", i), "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": []any{}, "content": map[string]any{"text": big}}}
		if i == 150 {
			e["request"] = map[string]any{"method": "PATCH", "url": "https://api.mypurecloud.com/api/v2/conversations/c/participants/p", "headers": []any{}, "postData": map[string]any{"mimeType": "application/json", "text": `{"state":"disconnected"}`}}
			e["response"] = map[string]any{"status": 409, "headers": []any{}, "content": map[string]any{"text": `{"status":409}`}}
		}
		b, _ := json.Marshal(e)
		f.Write(b)
	}
	fmt.Fprint(f, `]}}`)
	f.Close()
	st, _ := os.Stat(path)

	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHAR(r, 0)
	r.Close()
	close(stop)
	<-done
	if err != nil || h.Chosen != 151 {
		t.Fatalf("%v, chosen #%d", err, h.Chosen)
	}
	if limit := uint64(st.Size()) * 3; peak > limit {
		t.Errorf("peak heap %d MB for a %d MB file (limit 3x)", peak>>20, st.Size()>>20)
	}
	t.Logf("file %d MB, peak heap %d MB", st.Size()>>20, peak>>20)
}

// FuzzParseHAR: arbitrary input never panics.
func FuzzParseHAR(f *testing.F) {
	// Small seeds, so that the fuzzer mutates entries rather than spend
	// its time copying whole exports.
	for _, seed := range []string{
		`{"log":{"creator":{"name":"x"},"entries":[{"startedDateTime":"2026-11-25T10:15:30.900Z","time":140,"request":{"method":"PATCH","url":"https://api.mypurecloud.com/api/v2/conversations/c/participants/p","headers":[{"name":"authorization","value":"bearer x"}],"postData":{"text":"{}"}},"response":{"status":409,"headers":[{"name":"date","value":"Wed, 25 Nov 2026 10:15:31 GMT"}],"content":{"text":"{}"}}}]}}`,
		`{"log":{"entries":[{"startedDateTime":"x","request":{"method":"GET","url":"https://h/api/v2/conversations/c"},"response":{"status":200,"content":{"text":"{\"id\":\"c\",\"participants\":[]}"}}},{"request":{"method":"POST","url":"https://h/api/v2/conversations/c/disconnect"},"response":{"status":409}}]}}`,
		`{"log":{"entries":[{"request":{"method":"PATCH","url":"%zz"},"response":{"status":409,"content":{"text":"@@","encoding":"base64"}}}]}}`,
		`{"log":{"creator":[],"entries":{}}}`,
		"\ufeff{\"log\":{\"entries\":[]}}",
	} {
		f.Add([]byte(seed), 0)
		f.Add([]byte(seed), 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, pick int) {
		if pick < 0 || pick > 100 {
			return
		}
		h, err := ParseHAR(bytes.NewReader(data), pick)
		if err == nil && h.Chosen == 0 {
			t.Fatal("parsed without choosing an entry")
		}
	})
}

// TestParseHARWithBOM: an export saved with a byte order mark is read.
func TestParseHARWithBOM(t *testing.T) {
	b, err := os.ReadFile(harDir + "chrome-stale-leg.har")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHAR(bytes.NewReader(append([]byte("\xef\xbb\xbf"), b...)), 0)
	if err != nil || h.Chosen != 6 {
		t.Errorf("%v %+v", err, h)
	}
}

// TestParseHARKeepsSubject: the web app's own GET of subjects/me (the
// user's roles by division) is kept as evidence of the grants.
func TestParseHARKeepsSubject(t *testing.T) {
	subject, err := os.ReadFile("../../testdata/grants/subject-agent-sales.json")
	if err != nil {
		t.Fatal(err)
	}
	entry := func(method, url string, status int, body string) map[string]any {
		return map[string]any{"startedDateTime": "2026-11-25T09:14:40.000Z", "time": 80,
			"request":  map[string]any{"method": method, "url": url, "headers": []any{}},
			"response": map[string]any{"status": status, "headers": []any{}, "content": map[string]any{"text": body, "mimeType": "application/json"}}}
	}
	har := map[string]any{"log": map[string]any{"entries": []any{
		entry("GET", "https://api.mypurecloud.com/api/v2/authorization/subjects/me", 200, string(subject)),
		entry("PATCH", "https://api.mypurecloud.com/api/v2/conversations/calls/c/participants/p", 403, `{"code":"missing.division.permission"}`),
	}}}
	b, _ := json.Marshal(har)
	h, err := ParseHAR(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := h.Recorded("subject")
	if r == nil {
		t.Fatalf("the subject was not taken: %+v", h.Docs)
	}
	s, _ := r.Value.(*genesys.AuthzSubject)
	if s == nil || len(s.Grants) != 1 || s.Grants[0].Division.Name != "Sales" || r.Entry != 1 || len(r.Raw) == 0 {
		t.Errorf("subject %+v entry %d", s, r.Entry)
	}
}

// TestHARKeepsTheDestination: a HAR's GET of the queue a failing transfer
// names is the destination's evidence (the registry's read for that
// request); a GET of another queue is not.
func TestHARKeepsTheDestination(t *testing.T) {
	const queue, other = "8f2e6b4a-1c9d-4e7f-a3b5-2d8c6f1e9a47", "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
	entry := func(method, url string, status int, body, sent string) map[string]any {
		req := map[string]any{"method": method, "url": url, "headers": []any{}}
		if sent != "" {
			req["postData"] = map[string]any{"mimeType": "application/json", "text": sent}
		}
		return map[string]any{"startedDateTime": "2026-11-25T09:14:40.000Z", "time": 80, "request": req,
			"response": map[string]any{"status": status, "headers": []any{}, "content": map[string]any{"text": body, "mimeType": "application/json"}}}
	}
	har := map[string]any{"log": map[string]any{"entries": []any{
		entry("GET", "https://api.mypurecloud.com/api/v2/routing/queues/"+other, 200, `{"id":"`+other+`","name":"Other"}`, ""),
		entry("GET", "https://api.mypurecloud.com/api/v2/routing/queues/"+queue, 200, `{"id":"`+queue+`","name":"Billing"}`, ""),
		entry("POST", "https://api.mypurecloud.com/api/v2/conversations/c/participants/p/replace/queue", 400, `{"code":"bad.request"}`, `{"queueId":"`+queue+`"}`),
	}}}
	b, _ := json.Marshal(har)
	path := t.TempDir() + "/transfer.har"
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ev, err := Load(Options{HAR: path, Mode: "offline"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Queue == nil || ev.Queue.Name != "Billing" || ev.QueueFetch == nil || !strings.HasSuffix(ev.QueueFetch.File, "HAR entry #2") {
		t.Errorf("queue %+v fetch %+v", ev.Queue, ev.QueueFetch)
	}
}
