package report

import (
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// TestCutsKeepWhatInforms: each cut fits its width and keeps the part
// that informs: a countdown at the end, a path's last segments, a cell's
// first word.
func TestCutsKeepWhatInforms(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
		n               int
	}{
		{"end", FitEnd("GET conversations/3f1c… (429; retry 2 in 3s)", 22, "…"), "… (429; retry 2 in 3s)", 22},
		{"end fits", FitEnd("short", 24, "…"), "short", 24},
		{"path", fitLine("POST /api/v2/conversations/{conversationId}/disconnect: tear down the whole conversation", 50, "..."), "POST .../{conversationId}/disconnect: tear down...", 50},
		{"path fits once shortened", fitLine("PATCH /api/v2/conversations/calls/{conversationId}/participants/{participantId} ok", 62, "…"), "PATCH …/calls/{conversationId}/participants/{participantId} ok", 62},
		{"no path", fitLine("a summary without any path in it at all", 20, "..."), "a summary without...", 20},
		{"cell at a word", fitCell("target (as sent)", 9, "..."), "target...", 9},
		{"cell of one word", fitCell("disconnected", 8, "…"), "disconn…", 8},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
		if w := runewidth.StringWidth(tc.got); w > tc.n {
			t.Errorf("%s: %q is %d columns, more than %d", tc.name, tc.got, w, tc.n)
		}
	}
	rows := [][]string{{"0", "-"}, {"1", "target (as sent)"}, {"2", "a-very-long-first-word and more"}}
	if got := cellFloor("Note", rows, 1, "..."); got != 10 {
		t.Errorf("floor %d, want 10 (the first words, capped)", got)
	}
	if got := cellFloor("Note", rows[:2], 1, "..."); got != len("target...") {
		t.Errorf("floor %d, want room for %q", got, "target...")
	}
	if got := cellFloor("Participant", [][]string{{"x"}}, 0, "…"); got != len("Participant") {
		t.Errorf("floor %d below its header", got)
	}
	if s := strings.Repeat("é", 30); runewidth.StringWidth(FitEnd(s, 10, "…")) != 10 {
		t.Errorf("FitEnd of runes: %q", FitEnd(s, 10, "…"))
	}
}
