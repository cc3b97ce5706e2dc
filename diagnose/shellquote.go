package diagnose

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// ShellQuote quotes s as one bash word: unchanged when it needs no quotes,
// else quoted the shortest way mvdan.cc/sh's syntax.Quote finds. Control
// characters come out as $'\x1b'-style escapes, so a quoted word never
// carries one to a terminal; a NUL byte, which no shell word can hold, is
// dropped. It is convdiag's one shell quoter: the "to reproduce" lines,
// the bundle's rerun command, the curls of a fix.
func ShellQuote(s string) string {
	q, err := syntax.Quote(s, syntax.LangBash)
	if err != nil {
		q, err = syntax.Quote(strings.ReplaceAll(s, "\x00", ""), syntax.LangBash)
	}
	if err != nil {
		// Unreachable: without NUL bytes every string quotes in bash.
		return "''"
	}
	return q
}
