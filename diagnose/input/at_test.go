package input

import (
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
)

// TestParseAt: the forms customers paste from logs, their precision, and a
// clear refusal listing the forms.
func TestParseAt(t *testing.T) {
	want := time.Date(2026, 11, 20, 14, 5, 3, 0, time.UTC)
	for in, exp := range map[string]struct {
		t time.Time
		p time.Duration
	}{
		"2026-11-20T14:05:03Z":         {want, time.Second},
		"2026-11-20 14:05:03":          {want, time.Second},
		"2026-11-20 14:05:03 UTC":      {want, time.Second},
		"2026-11-20T15:05:03+01:00":    {want, time.Second},
		"2026-11-20 15:05:03+01:00":    {want, time.Second},
		"2026-11-20 09:05:03 -0500":    {want, time.Second},
		"2026-11-20T14:05:03.250Z":     {want.Add(250 * time.Millisecond), time.Millisecond},
		"2026-11-20 14:05:03,250":      {want.Add(250 * time.Millisecond), time.Millisecond},
		"1795183503000":                {want, time.Millisecond},
		"1795183503":                   {want, time.Second},
		"  2026-11-20T14:05:03.000Z  ": {want, time.Millisecond},
	} {
		f, err := ParseAt(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if !f.Time.Equal(exp.t) || f.Precision != exp.p || f.Source != "--at" {
			t.Errorf("%q: %s precision %s, want %s precision %s", in, f.Time, f.Precision, exp.t, exp.p)
		}
	}
	for _, bad := range []string{"yesterday", "14:05:03", "", "2026-13-01 00:00:00", "0", "1900-01-01T00:00:00Z"} {
		_, err := ParseAt(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if bad == "yesterday" && !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("the refusal does not list the forms: %v", err)
		}
	}
}

// TestDateHeader: a Date header gives the failure time to the second; one
// that is not a date is a note, never a failure time.
func TestDateHeader(t *testing.T) {
	resp := &diagnose.Response{Headers: []diagnose.Header{{Name: "date", Value: "Wed, 25 Nov 2026 09:41:10 GMT"}}}
	f, note := DateHeaderFailure(resp, "x")
	if f == nil || !f.Time.Equal(time.Date(2026, 11, 25, 9, 41, 10, 0, time.UTC)) || f.Precision != time.Second || note != "" {
		t.Errorf("%+v %q", f, note)
	}
	resp.Headers[0].Value = "yesterday \x1b[2J"
	f, note = DateHeaderFailure(resp, "x")
	if f != nil || !strings.Contains(note, "not an HTTP date") {
		t.Errorf("%+v %q", f, note)
	}
}
