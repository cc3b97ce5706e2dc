package report

import (
	"strings"

	"github.com/mattn/go-runewidth"
)

// Cutting a line to the width keeps what informs: the end of a progress
// line (the Retry-After countdown), the last segments of a path, the
// first word of a table cell (the "target" marker).

// FitEnd cuts s to n columns by dropping its start, marked with ellipsis:
// for a line whose end is what informs.
func FitEnd(s string, n int, ellipsis string) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	room := n - runewidth.StringWidth(ellipsis)
	if room <= 0 {
		return clipTo(s, n, ellipsis)
	}
	r := []rune(s)
	w, i := 0, len(r)
	for i > 0 && w+runewidth.RuneWidth(r[i-1]) <= room {
		i--
		w += runewidth.RuneWidth(r[i])
	}
	return ellipsis + string(r[i:])
}

// fitLine cuts a line to n columns: a path in it (a word with three or
// more slashes) first loses its leading segments, down to its last two
// ("…/{conversationId}/disconnect"), and only then is the line's tail cut.
func fitLine(s string, n int, ellipsis string) string {
	if n < 2 || displayWidth(s) <= n {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		for strings.Count(w, "/") >= 3 && displayWidth(strings.Join(words, " ")) > n {
			segs := strings.Split(strings.TrimPrefix(w, ellipsis), "/")
			if len(segs) <= 3 {
				break
			}
			w = ellipsis + "/" + strings.Join(segs[2:], "/")
			words[i] = w
		}
	}
	return clipTo(strings.Join(words, " "), n, ellipsis)
}

// fitCell cuts a table cell to n columns, at a word boundary when one is
// close enough that the cell keeps most of its room.
func fitCell(s string, n int, ellipsis string) string {
	if displayWidth(s) <= n {
		return s
	}
	room := n - displayWidth(ellipsis)
	if cut := strings.LastIndex(runewidth.Truncate(s, room+1, ""), " "); cut > 0 && displayWidth(s[:cut]) >= room/2 {
		return strings.TrimRight(s[:cut], " ,;(") + ellipsis
	}
	return clipTo(s, n, ellipsis)
}

// cellFloor is the narrowest a shrunk column gets: its header, six
// columns, and room for the first word of its cells (a marker such as
// "target", a name) up to ten.
func cellFloor(header string, rows [][]string, col int, ellipsis string) int {
	floor := max(displayWidth(header), 6)
	for _, r := range rows {
		if col >= len(r) {
			continue
		}
		first, rest, more := strings.Cut(r[col], " ")
		w := displayWidth(first)
		if more && rest != "" {
			w += displayWidth(ellipsis)
		}
		floor = max(floor, min(w, 10))
	}
	return floor
}
