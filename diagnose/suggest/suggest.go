// Package suggest finds what a user probably meant by a word convdiag does
// not know (a command, a scenario, a cause id, a region), or says nothing
// when no candidate is close: a wild guess is worse than none.
package suggest

import (
	"strings"

	"github.com/agnivade/levenshtein"
)

// Closest returns the candidate word most probably meant, or "" when none
// is close enough: an edit distance of at most a third of the word's
// length (at least 1, at most 3; two neighbouring letters swapped count
// one), case ignored; or a candidate whose last
// dot-separated part is the word ("stale-leg" for
// "participant.stale-leg"); or, for a word of 4 letters or more, the one
// candidate it begins.
func Closest(word string, candidates []string) string {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" {
		return ""
	}
	limit := min(max(len([]rune(w))/3, 1), 3)
	best, bestD := "", limit+1
	var prefixed []string
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == w || strings.HasSuffix(lc, "."+w) {
			return c
		}
		if len(w) >= 4 && strings.HasPrefix(lc, w) {
			prefixed = append(prefixed, c)
		}
		d := levenshtein.ComputeDistance(w, lc)
		if swapped(w, lc) {
			d = 1 // two neighbouring letters typed in the wrong order
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// swapped reports whether a is b with two neighbouring letters swapped.
func swapped(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	return i+1 < len(ra) && ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[i+2:]) == string(rb[i+2:])
}
