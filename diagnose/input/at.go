package input

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// AtForms lists the forms --at accepts, for its error message.
const AtForms = "RFC 3339 (2026-11-20T14:05:03Z, 2026-11-20T14:05:03.250+01:00), a log time (2026-11-20 14:05:03, UTC unless it carries an offset such as +01:00), or epoch milliseconds (1763647503000)"

// atLayouts are the written forms of --at; a layout without a zone means
// UTC.
var atLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05,999999999",
}

// ParseAt reads a failure time as a user pastes it: RFC 3339, a log time
// (UTC unless it has an offset), or epoch milliseconds (or seconds). The
// precision is a second unless the time has a fraction.
func ParseAt(s string) (*diagnose.FailureTime, error) {
	v := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && (len(v) == 13 || len(v) == 10) {
		if len(v) == 13 {
			return &diagnose.FailureTime{Time: time.UnixMilli(n).UTC(), Source: "--at", Precision: time.Millisecond}, nil
		}
		return &diagnose.FailureTime{Time: time.Unix(n, 0).UTC(), Source: "--at", Precision: time.Second}, nil
	}
	v = strings.TrimSuffix(strings.TrimSuffix(v, " UTC"), " GMT")
	for _, layout := range atLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		p := time.Second
		if t.Nanosecond() != 0 || strings.ContainsAny(v[min(len(v), 19):], ".,") {
			p = time.Millisecond
		}
		if t.Year() < 2000 || t.Year() > 2100 {
			return nil, fmt.Errorf("--at %q: the year %d is not plausible", s, t.Year())
		}
		return &diagnose.FailureTime{Time: t.UTC(), Source: "--at", Precision: p}, nil
	}
	return nil, fmt.Errorf("--at %q is not a time; give %s", s, AtForms)
}

// DateHeaderFailure reads the failure time from a response's Date header;
// a header that is not an HTTP date becomes a note.
func DateHeaderFailure(resp *diagnose.Response, source string) (*diagnose.FailureTime, string) {
	if resp == nil {
		return nil, ""
	}
	for _, h := range resp.Headers {
		if !strings.EqualFold(h.Name, "Date") {
			continue
		}
		t, err := http.ParseTime(strings.TrimSpace(h.Value))
		if err != nil || t.Year() < 2000 {
			return nil, fmt.Sprintf("the response's Date header %q is not an HTTP date, so it does not give the failure time (give --at)", clipNote(h.Value))
		}
		return &diagnose.FailureTime{Time: t.UTC(), Source: source, Precision: time.Second}, ""
	}
	return nil, ""
}

func clipNote(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}
