package diagnose

import (
	"strings"
	"testing"
)

// FuzzParseRequestLine: any line either parses to a method and a path
// starting with "/", or is refused with an error; it never panics.
func FuzzParseRequestLine(f *testing.F) {
	for _, s := range []string{"PATCH /api/v2/conversations/c/participants/p", "post https://api.mypurecloud.com/x?y=1 HTTP/1.1", "GET api.mypurecloud.de/a",
		"DELETE //x", "PUT %zz", "PATCH http://[::1", "GET ", "X y z w", "PATCH https://u:p@h/p#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rl, err := ParseRequestLine(s)
		if err != nil {
			return
		}
		if rl.Method == "" || !strings.HasPrefix(rl.Path, "/") {
			t.Fatalf("%q parsed to %+v", s, rl)
		}
	})
}
