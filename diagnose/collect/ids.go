package collect

import (
	"fmt"
	"strings"
)

// checkPathID refuses an id that cannot be sent as one path segment as it
// is: "." and ".." (a server or proxy would resolve them to another
// resource), and anything but letters, digits and "-", "_", ".", "~"
// (Genesys ids are UUIDs). Such an id is refused, never encoded: what
// the report says was sent is then exactly what was sent.
func checkPathID(what, id string) error {
	if id == "." || id == ".." {
		return fmt.Errorf("%s %q is a path step, not an id: it would read another resource than the one named", what, id)
	}
	if i := strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r))
	}); i >= 0 {
		return fmt.Errorf("%s %q holds %q, which a Genesys id never does (they are UUIDs): refused rather than sent", what, clipID(id), id[i:i+1])
	}
	return nil
}

func clipID(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}
