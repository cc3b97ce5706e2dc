package input

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestShellNestingLimit: a command nested deeper than the limit is refused
// in one line before the shell parser recurses; quoting is followed, so a
// deeply nested JSON body in single quotes is no nesting at all.
func TestShellNestingLimit(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "x" + strings.Repeat(close, n)
	}
	for _, tc := range []struct {
		name, cmd string
		refused   bool
	}{
		{"subshells", deep("(", ")", 250000) + " curl https://h/api/v2/conversations/c", true},
		{"command substitution", "curl https://h/api/v2/conversations/c -d " + deep("$(", ")", 100), true},
		{"in double quotes", `curl https://h/api/v2/conversations/c -d "` + deep("$(", ")", 100) + `"`, true},
		{"parameter expansion", "curl https://h/api/v2/conversations/c -d " + deep("${", "}", 100), true},
		{"arithmetic", "curl https://h/api/v2/conversations/c -d " + deep("$((", "))", 100), true},
		{"groups", deep("{ ", "; }", 100) + " curl https://h/api/v2/conversations/c", true},
		{"json in single quotes", "curl https://h/api/v2/conversations/c -d '" + deep(`{"a":`, "}", 500) + "'", false},
		{"escaped parens", "curl https://h/api/v2/conversations/c -d " + strings.Repeat(`\(`, 500), false},
		{"braces in double quotes", `curl https://h/api/v2/conversations/c -d "` + deep("{ ", "}", 500) + `"`, false},
		{"within the limit", deep("(", ")", MaxShellNesting) + " curl https://h/api/v2/conversations/c", false},
	} {
		err := checkShellNesting(tc.cmd)
		if (err != nil) != tc.refused {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: more than one line: %q", tc.name, err)
		}
	}
	var err error
	peak := peakHeap(t, func() {
		_, err = Load(Options{Curl: "-", Stdin: strings.NewReader(deep("(", ")", 250000) + " curl https://h/api/v2/conversations/c")})
	})
	if err == nil || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("250,000 parentheses: %v", err)
	}
	if peak > 100<<20 {
		t.Errorf("refusing 250,000 parentheses took %d MB", peak>>20)
	}
}

// TestManyUnknownCurlWords: 10,000 unknown options are one note with a
// count; a few stay listed by name.
func TestManyUnknownCurlWords(t *testing.T) {
	var b strings.Builder
	b.WriteString("curl -X PATCH https://api.mypurecloud.com/api/v2/conversations/c/participants/p -d '{}'")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, " --opt%d", i)
	}
	b.WriteString(" extra1 extra2")
	c, err := ParseCurl(b.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 3 {
		t.Fatalf("%d warnings: %.300q", len(c.Warnings), c.Warnings)
	}
	if !strings.Contains(c.Warnings[0], "--opt0") || !strings.Contains(c.Warnings[0], "and 9999 more like it") {
		t.Errorf("the unknown options: %q", c.Warnings[0])
	}
	if !strings.Contains(c.Warnings[1], "extra1") || !strings.Contains(c.Warnings[2], "extra2") {
		t.Errorf("a few of a kind are listed by name: %q", c.Warnings[1:])
	}
}

// harOf writes a HAR holding entries (each a JSON object) to a file.
func harOf(t *testing.T, entries []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.har")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprint(f, `{"log":{"creator":{"name":"test"},"entries":[`)
	for i, e := range entries {
		if i > 0 {
			fmt.Fprint(f, ",")
		}
		fmt.Fprint(f, e)
	}
	fmt.Fprint(f, `]}}`)
	return p
}

func harGet(url, at string, body string) string {
	b, _ := json.Marshal(map[string]any{"startedDateTime": at, "request": map[string]any{"method": "GET", "url": url},
		"response": map[string]any{"status": 200, "content": map[string]any{"text": body}}})
	return string(b)
}

// TestHARKeepsOnlyTheGetsItUses: a HAR of many large conversation GETs
// (other conversations, and the same one long before) costs about one
// entry's memory, and the GETs nearest the failure are the ones kept.
func TestHARKeepsOnlyTheGetsItUses(t *testing.T) {
	pad := strings.Repeat("x", 1<<20)
	var entries []string
	for i := 0; i < 40; i++ {
		entries = append(entries, harGet(fmt.Sprintf("https://api.mypurecloud.com/api/v2/conversations/other-%d", i), "2026-11-25T10:00:00Z",
			fmt.Sprintf(`{"id":"other-%d","participants":[],"pad":%q}`, i, pad)))
	}
	entries = append(entries,
		harGet("https://api.mypurecloud.com/api/v2/conversations/c1", "2026-11-25T10:14:00Z", `{"id":"c1","participants":[{"id":"before"}]}`),
		harGet("https://api.mypurecloud.com/api/v2/conversations/c1", "2026-11-25T10:16:00Z", `{"id":"c1","participants":[{"id":"after"}]}`),
		`{"startedDateTime":"2026-11-25T10:15:00Z","request":{"method":"PATCH","url":"https://api.mypurecloud.com/api/v2/conversations/c1/participants/p"},"response":{"status":409,"content":{"text":"{}"}}}`,
		harGet("https://api.mypurecloud.com/api/v2/conversations/c1", "2026-11-25T10:17:00Z", `{"id":"c1","participants":[{"id":"later"}]}`))
	path := harOf(t, entries)
	var h *HAR
	peak := peakHeap(t, func() {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if h, err = ParseHAR(f, 0); err != nil {
			t.Fatal(err)
		}
	})
	after, before := h.Recorded("conversation"), h.Recorded("conversation-before")
	if after == nil || before == nil {
		t.Fatalf("kept %+v", h.Docs)
	}
	if a, b := after.Value.(*genesys.Decoded), before.Value.(*genesys.Decoded); a.Conversation.Participants[0].ID != "after" || b.Conversation.Participants[0].ID != "before" {
		t.Errorf("kept %+v / %+v", a.Conversation, b.Conversation)
	}
	if after.Entry != 42 || before.Entry != 41 {
		t.Errorf("entries %d and %d", after.Entry, before.Entry)
	}
	if peak > 16<<20 {
		t.Errorf("peak heap %d MB for 40 MB of GETs it does not use", peak>>20)
	}
}

// TestHARNestingAndSizeLimits: a value nested deeper than the limit
// anywhere in a HAR is refused in one line without taking memory; an
// entry larger than its cap is refused.
func TestHARNestingAndSizeLimits(t *testing.T) {
	n := 2_000_000
	doc := `{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `,"log":{"entries":[]}}`
	var err error
	peak := peakHeap(t, func() { _, err = ParseHAR(strings.NewReader(doc), 0) })
	if err == nil || !strings.Contains(err.Error(), "levels deep") || strings.Contains(err.Error(), "\n") {
		t.Errorf("deep HAR: %v", err)
	}
	if peak > 24<<20 {
		t.Errorf("peak heap %d MB refusing a nested HAR", peak>>20)
	}
	entry := `{"log":{"entries":[{"request":{"method":"PATCH","url":"https://h/api/v2/conversations/c"},"response":{"status":409,"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}]}}`
	if _, err := ParseHAR(strings.NewReader(entry), 0); err == nil || !strings.Contains(err.Error(), "depth") {
		t.Errorf("a deep entry: %v", err)
	}
	lr := &entryLimit{r: bytes.NewReader(make([]byte, 1000)), limit: 100}
	if _, err := readLimited(lr, 10000); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("entry limit: %v", err)
	}
}

// peakHeap runs f and returns the highest live heap seen while it ran.
func peakHeap(t *testing.T, f func()) uint64 {
	t.Helper()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				done <- peak
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	f()
	close(stop)
	peak := <-done
	if peak < base {
		return 0
	}
	return peak - base
}

// TestUTF16FilesAreRead: a saved GET or a curl in UTF-16 (with or without
// a byte order mark) is read as the text it is, with a note; a body stays
// the bytes sent.
func TestUTF16FilesAreRead(t *testing.T) {
	utf16le := func(s string, bom bool) string {
		var b []byte
		if bom {
			b = append(b, 0xFF, 0xFE)
		}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	conv := `{"id":"c1","participants":[{"id":"p1","purpose":"customer","calls":[{"id":"k","state":"connected"}]}]}`
	for _, bom := range []bool{true, false} {
		ev, err := Load(Options{Documents: map[string][]string{"conversation": {"c.json"}}, ReadFile: files(map[string]string{"c.json": utf16le(conv, bom)})})
		if err != nil || ev.Conversation == nil || ev.Conversation.ID != "c1" {
			t.Fatalf("bom %v: %v", bom, err)
		}
		if !strings.Contains(strings.Join(ev.Notes, " "), "UTF-16LE") {
			t.Errorf("no note: %v", ev.Notes)
		}
	}
	ev, err := Load(Options{Curl: "-", Stdin: strings.NewReader(utf16le("curl -X PATCH https://api.mypurecloud.com/api/v2/conversations/c/participants/p -d '{}'", true))})
	if err != nil || ev.Request.Method != "PATCH" {
		t.Fatalf("curl: %v", err)
	}
	body := utf16le(`{"state":"disconnected"}`, true)
	ev, err = Load(Options{Request: "PATCH /api/v2/conversations/c/participants/p", Body: "b.json", BodySet: true, ReadFile: files(map[string]string{"b.json": body})})
	if err != nil || string(ev.Request.Body) != body {
		t.Errorf("the body was changed: %v %q", err, ev.Request.Body)
	}
}

// TestHARStopsWhenInterrupted: streaming a HAR ends at the next read once
// the context is done, saying so.
func TestHARStopsWhenInterrupted(t *testing.T) {
	path := harOf(t, []string{harGet("https://api.mypurecloud.com/api/v2/conversations/c1", "2026-11-25T10:14:00Z", `{"id":"c1"}`)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(Options{HAR: path, Context: ctx})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("%v", err)
	}
}

// TestRedactURLByName: the "to reproduce" line's URL loses every query
// parameter whose name says secret.
func TestRedactURLByName(t *testing.T) {
	got := RedactURL("https://h/api/v2/x?X-Amz-Signature=SIGV&userPassword=PWV&pageSize=25")
	if strings.Contains(got, "SIGV") || strings.Contains(got, "PWV") || !strings.Contains(got, "pageSize=25") {
		t.Errorf("%s", got)
	}
}
