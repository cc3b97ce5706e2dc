package suggest

import "testing"

func TestClosest(t *testing.T) {
	scenarios := []string{"seed-forum-409", "stale-leg", "user-id", "ringing", "consult", "acd-leg", "ended", "healthy"}
	causes := []string{"participant.stale-leg", "participant.already-ended", "conversation.ended", "token.invalid"}
	commands := []string{"check", "demo", "sim", "explain", "version", "completion"}
	for _, c := range []struct {
		word string
		in   []string
		want string
	}{
		{"nosuch", scenarios, ""}, // far from everything: no guess
		{"stale-leg", scenarios, "stale-leg"},
		{"stale_leg", scenarios, "stale-leg"}, // one edit
		{"staleleg", scenarios, "stale-leg"},
		{"conslt", scenarios, "consult"},
		{"x", scenarios, ""},
		{"chekc", commands, "check"},
		{"dmeo", commands, "demo"},
		{"explian", commands, "explain"},
		{"versoin", commands, "version"},
		{"comp", commands, "completion"}, // the one command it begins
		{"zzz", commands, ""},
		{"participant.stale", causes, "participant.stale-leg"},
		{"stale-leg", causes, "participant.stale-leg"},
		{"token.invalidd", causes, "token.invalid"},
		{"TOKEN.INVALID", causes, "token.invalid"},
	} {
		if got := Closest(c.word, c.in); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}
