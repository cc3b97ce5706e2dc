package checks

import (
	"strings"
	"testing"
)

func TestNormalizeID(t *testing.T) {
	const canon = "12345678-90ab-cdef-1234-567890abcdef"
	for _, tc := range []struct {
		raw       string
		canonical string
		problem   string // substring of the joined problems; "" = no problem
	}{
		{canon, canon, ""},
		{"p-12345678-90ab-cdef-1234-567890abcdef", canon, `prefix "p-"`},
		{"participant:12345678-90ab-cdef-1234-567890abcdef", canon, `prefix "participant:"`},
		{"{12345678-90AB-CDEF-1234-567890ABCDEF}", canon, "wrapped in {}"},
		{"{12345678-90AB-CDEF-1234-567890ABCDEF}", canon, "upper-case"},
		{" 12345678-90ab-cdef-1234-567890abcdef\n", canon, "whitespace"},
		{`"12345678-90ab-cdef-1234-567890abcdef"`, canon, "quotes"},
		{"1234567890abcdef1234567890abcdef", canon, "no hyphens"},
		{"urn:uuid:12345678-90ab-cdef-1234-567890abcdef", canon, "urn:uuid:"},
		{"{participantId}", "", "placeholder"},
		{"PARTICIPANT_ID", "", "placeholder"},
		{":participantId", "", "placeholder"},
		{"12345", "", "not a UUID"},
		{"", "", "empty"},
	} {
		f := NormalizeID(tc.raw)
		if f.Canonical != tc.canonical {
			t.Errorf("NormalizeID(%q).Canonical = %q, want %q", tc.raw, f.Canonical, tc.canonical)
		}
		probs := strings.Join(f.Problems, "; ")
		if tc.problem == "" && probs != "" {
			t.Errorf("NormalizeID(%q) problems %q, want none", tc.raw, probs)
		}
		if tc.problem != "" && !strings.Contains(probs, tc.problem) {
			t.Errorf("NormalizeID(%q) problems %q, want one mentioning %q", tc.raw, probs, tc.problem)
		}
		if (tc.problem == "") != f.OK() {
			t.Errorf("NormalizeID(%q).OK() = %v", tc.raw, f.OK())
		}
	}
}
