package genesys_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/convdiag/convdiag/diagnose/benchdata"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// BenchmarkDecodeConference decodes the benchmarks' conference of 5,000
// participants (5.4 MB): streamed from its file, as a check reads it, and
// with encoding/json alone, the decoder it replaced.
//
//	go test ./diagnose/genesys -run '^$' -bench DecodeConference
func BenchmarkDecodeConference(b *testing.B) {
	path := filepath.Join(b.TempDir(), "conference.json")
	if _, err := benchdata.WriteConference(path, 5000); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d, err := genesys.DecodeConversationStream(bytes.NewReader(data), nil, "")
			if err != nil || len(d.Conversation.Participants) != 5000 {
				b.Fatalf("%v", err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var c genesys.Conversation
			if err := json.Unmarshal(data, &c); err != nil || len(c.Participants) != 5000 {
				b.Fatalf("%v", err)
			}
		}
	})
}
