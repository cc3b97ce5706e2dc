package diagnose

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/shell"
)

// TestShellQuote: every quoted word reads back, through a shell parser, as
// the string it quotes; words that need no quotes stay bare; nothing quoted
// carries a control character.
func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"--body": "--body", "abc": "abc", "": "''", "a b": "'a b'", `{"state":"disconnected"}`: `'{"state":"disconnected"}'`, "$TOKEN": "'$TOKEN'"} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{"it's", `a "b" 'c'`, "a\x1b[31mred", "line\nbreak", "C:\\Users\\x", "ünï €", "*?[", "!x", "a\tb", "~/f", "back`tick`"} {
		q := ShellQuote(in)
		if strings.ContainsAny(q, "\x1b\n\t") {
			t.Errorf("ShellQuote(%q) = %q carries a control character", in, q)
		}
		fields, err := shell.Fields(q, func(string) string { return "" })
		if err != nil || len(fields) != 1 || fields[0] != in {
			t.Errorf("ShellQuote(%q) = %s reads back as %q (%v)", in, q, fields, err)
		}
	}
	if got := ShellQuote("x\x00y"); got != "xy" {
		t.Errorf("a NUL byte: %q", got)
	}
}
