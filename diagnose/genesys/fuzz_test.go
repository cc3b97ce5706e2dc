package genesys

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeConversation: decoding arbitrary bytes never panics, and a
// document it accepts is one view or the other, never both.
func FuzzDecodeConversation(f *testing.F) {
	files, _ := filepath.Glob("../sim/scenarios/conversations/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`[]`, `"x"`, `{"entities":[{"id":"a"}]}`, `{"id":1}`, `{"participants":[{"state":"x"}]}`, "{\"id\":\"\xff\"}", `{"conversationId":"c"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeConversation(data, "a")
		if err != nil {
			return
		}
		if (d.Conversation == nil) == (d.Call == nil) {
			t.Fatalf("decoded into %v views", map[bool]int{true: 0, false: 2}[d.Conversation == nil])
		}
		_, _ = DecodeTokenInfo(data)
		_, _ = DecodeErrorBody(data)
	})
}
