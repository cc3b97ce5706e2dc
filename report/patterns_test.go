package report

import (
	"regexp"
	"testing"
)

// redactorPatterns are every pattern the redactor compiles on first use.
func redactorPatterns() []func() *regexp.Regexp {
	return []func() *regexp.Regexp{emailRe, authRe, jwtRe, headerLineRe, secretFlagRe, curlCredRe, curlGluedCredRe,
		proxyUserRe, userInfoURL, placeholderRe, ssnRe, isoDateRe, ibanRe}
}

// TestRedactorPatternsCompileOnce: each lazily compiled pattern compiles
// (a typo would panic the first string that needs it, not the start-up),
// and is compiled once: every call gives the same value.
func TestRedactorPatternsCompileOnce(t *testing.T) {
	for i, re := range redactorPatterns() {
		if a, b := re(), re(); a == nil || a != b {
			t.Errorf("pattern %d: %p then %p", i, a, b)
		}
	}
}

// BenchmarkRedactorPatterns is what compiling the redactor's patterns
// costs the first run that needs them all (it used to cost every command
// at start-up).
//
//	go test ./report -run '^$' -bench RedactorPatterns
func BenchmarkRedactorPatterns(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, re := range redactorPatterns() {
			regexp.MustCompile(re().String())
		}
	}
}
