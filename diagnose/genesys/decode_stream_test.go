package genesys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// v1Conversation decodes as encoding/json alone does.
func v1Conversation(t *testing.T, data []byte) *Conversation {
	t.Helper()
	var c Conversation
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return &c
}

// TestFastDecodeEqualsEncodingJSON: on every saved conversation of the
// repository, and on valid documents with what encoding/json tolerates
// (names in another case, duplicate names, invalid UTF-8), the faster
// decoder gives exactly encoding/json's value.
func TestFastDecodeEqualsEncodingJSON(t *testing.T) {
	files, _ := filepath.Glob("../sim/scenarios/conversations/*.json")
	docs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = b
	}
	docs["case and duplicates"] = []byte(`{"ID":"c","id":"c2","Participants":[{"ID":"p","CALLS":[{"State":"connected","state":"held"}],"purpose":"agent` + "\xff" + `"}]}`)
	docs["null participants"] = []byte(`{"id":"c","participants":null}`)
	docs["participants first"] = []byte(`{"participants":[{"id":"p","calls":[{"state":"connected"}]}],"id":"c","maxParticipants":3,"divisions":[{"division":{"id":"d"}}]}`)
	for name, b := range docs {
		d, ok := fastConversation(strings.NewReader(string(b)), int64(len(b)))
		if !ok {
			continue // the flat view or another shape: encoding/json decodes it
		}
		if want := v1Conversation(t, b); !reflect.DeepEqual(d.Conversation, want) {
			t.Errorf("%s: the fast decoder differs from encoding/json:\n%+v\n%+v", name, d.Conversation, want)
		}
	}
	if _, ok := fastConversation(strings.NewReader(string(docs["case and duplicates"])), 0); !ok {
		t.Error("a valid document with names in another case was not taken by the fast decoder")
	}
}

// TestStreamFallsBackWithTheSameErrors: whatever the faster decoder does
// not take is decoded by DecodeConversation from the bytes read again, so
// the messages, offsets and warnings are encoding/json's.
func TestStreamFallsBackWithTheSameErrors(t *testing.T) {
	for _, doc := range []string{
		"{\"id\": \"c\" \"participants\": []}",
		`{"id":"c","participants":[]} trailing`,
		`{"id":"c","maxParticipants":"ten","participants":[{"id":"p","calls":[{"state":"connected"}]}]}`,
		`[{"id":"x"}]`,
		"\ufeff" + `{"entities":[{"id":"a","participants":[{"id":"p","calls":[{"state":"connected"}]}]}]}`,
		"{\n  \"id\": \"c\",\n  \"participants\": [",
	} {
		rereads := 0
		got, gotErr := DecodeConversationStream(strings.NewReader(doc), func() ([]byte, error) { rereads++; return []byte(doc), nil }, "")
		want, wantErr := DecodeConversation([]byte(doc), "")
		if !reflect.DeepEqual(got, want) || errString(gotErr) != errString(wantErr) {
			t.Errorf("%q: stream %+v %v, bytes %+v %v", doc, got, gotErr, want, wantErr)
		}
		var de *DecodeError
		if wantErr != nil && !errors.As(gotErr, &de) {
			t.Errorf("%q: %T, want a *DecodeError", doc, gotErr)
		}
		if rereads != 1 {
			t.Errorf("%q: read again %d times, want once (the fast decoder cannot take it)", doc, rereads)
		}
	}
	good := `{"id":"c","participants":[{"id":"p","calls":[{"state":"connected"}]}]}`
	d, err := DecodeConversationStream(strings.NewReader(good), func() ([]byte, error) { t.Fatal("read again"); return nil, nil }, "")
	if err != nil || d.Conversation.Participants[0].Calls[0].State != "connected" {
		t.Errorf("%+v %v", d, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestStreamLargeConference: a conference long enough for the list to be
// sized from the document (read from a file, whose size is known) decodes
// exactly as encoding/json decodes it.
func TestStreamLargeConference(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id":"c","participants":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"p%d","purpose":"external","calls":[{"id":"c%d","state":"connected"}]`, i, i)
		if i%7 == 0 { // participants of other lengths
			fmt.Fprintf(&b, `,"name":"Attendee %d","attributes":{"k":"%s"}`, i, strings.Repeat("v", i))
		}
		b.WriteString("}")
	}
	b.WriteString(`],"maxParticipants":600}`)
	path := filepath.Join(t.TempDir(), "conference.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := sizeOf(f); got != int64(b.Len()) {
		t.Errorf("sizeOf the file = %d, want %d", got, b.Len())
	}
	d, err := DecodeConversationStream(f, func() ([]byte, error) { t.Fatal("read again"); return nil, nil }, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := v1Conversation(t, []byte(b.String())); !reflect.DeepEqual(d.Conversation, want) {
		t.Errorf("the streamed conference differs from encoding/json's (%d participants, want %d)", len(d.Conversation.Participants), len(want.Participants))
	}
}

// TestListRoom: the room made for the rest of the participants is what
// the rest of the document holds at the length read so far, and never
// more memory than the rest of the document is long.
func TestListRoom(t *testing.T) {
	for _, c := range []struct {
		name            string
		n               int
		start, at, size int64
		atLeast, atMost int
	}{
		{"a short list grows by append", 8, 100, 900, 100_000, 0, 0},
		{"size unknown", 100, 100, 10_100, 0, 0, 0},
		{"at the end", 100, 100, 10_100, 10_100, 0, 0},
		{"1 KB participants, 99 MB to go", 1000, 100, 1_000_100, 100_000_100, 99_000, 99_000 + 99_000/16},
		{"tiny participants before a long string", 16, 10, 42, 64 << 20, 1, (64<<20)/int(participantSize) + 1},
	} {
		got := listRoom(c.n, c.start, c.at, c.size)
		if got < c.atLeast || got > c.atMost {
			t.Errorf("%s: room for %d, want %d to %d", c.name, got, c.atLeast, c.atMost)
		}
	}
}

// FuzzFastDecodeEqualsEncodingJSON: whatever document the faster decoder
// takes, encoding/json takes too and decodes to the same value.
//
//	go test ./diagnose/genesys -fuzz FuzzFastDecodeEqualsEncodingJSON
func FuzzFastDecodeEqualsEncodingJSON(f *testing.F) {
	files, _ := filepath.Glob("../sim/scenarios/conversations/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"ID":"c","id":"c2","Participants":[{"ID":"p","CALLS":[{"State":"connected","state":"held"}],"purpose":"agent` + "\xff" + `"}]}`,
		`{"id":"c","participants":[{"id":"p","calls":[{"state":"connected","self":null,"other":{"name":1}}],"wrapup":{"tags":["a"]}}]}`,
		`{"id":"c","participants":[{"id":"p","calls":[{"state":"connected"}],"calls":null,"attributes":{"a":"b","a":"c"}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, ok := fastConversation(bytes.NewReader(data), int64(len(data)))
		if !ok {
			return
		}
		var want Conversation
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("the fast decoder took what encoding/json refuses (%v)", err)
		}
		if !reflect.DeepEqual(d.Conversation, &want) {
			t.Fatalf("the fast decoder differs from encoding/json:\n%+v\n%+v", d.Conversation, &want)
		}
	})
}
