package genesys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeConversation: decoding arbitrary bytes never panics, and a
// document it accepts is one view or the other, never both.
func FuzzDecodeConversation(f *testing.F) {
	files, _ := filepath.Glob("../sim/scenarios/conversations/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`[]`, `"x"`, `{"entities":[{"id":"a"}]}`, `{"id":1}`, `{"participants":[{"state":"x"}]}`, "{\"id\":\"\xff\"}", `{"conversationId":"c"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeConversation(data, "a")
		if err != nil {
			return
		}
		if (d.Conversation == nil) == (d.Call == nil) {
			t.Fatalf("decoded into %v views", map[bool]int{true: 0, false: 2}[d.Conversation == nil])
		}
		_, _ = DecodeTokenInfo(data)
		_, _ = DecodeErrorBody(data)
	})
}

// FuzzDecodeGrants: the grant reads decode arbitrary bytes without panic,
// and a role or policy never allows a permission that is not three
// colon-separated parts.
func FuzzDecodeGrants(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/grants/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "conversation:communication:disconnect")
		}
	}
	f.Add([]byte(`{"id":"r","permissions":["*:*:*","conversation"]}`), "conversation:communication")
	f.Add([]byte(`{"id":"s","grants":[{"role":{"policies":[{"domain":"*","entityName":"*","actions":["*"]}]}}]}`), "a:b:c")
	f.Fuzz(func(t *testing.T, data []byte, perm string) {
		valid := len(strings.Split(perm, ":")) == 3
		if s, err := DecodeSubject(data); err == nil {
			for _, g := range s.Grants {
				if g.Role.Allows(perm) && !valid {
					t.Fatalf("subject role allows %q", perm)
				}
			}
		}
		if r, err := DecodeRole(data); err == nil && r.Allows(perm) && !valid {
			t.Fatalf("role allows %q", perm)
		}
		_, _ = DecodeOAuthClient(data)
	})
}

// TestAllows: permission matching, wildcards included.
func TestAllows(t *testing.T) {
	r := &DomainOrganizationRole{Permissions: []string{"conversation:communication:disconnect", "analytics:*:view"},
		PermissionPolicies: []DomainPermissionPolicy{{Domain: "routing", EntityName: "queue", ActionSet: []string{"*"}}}}
	for perm, want := range map[string]bool{
		"conversation:communication:disconnect": true,
		"conversation:communication:view":       false,
		"analytics:conversationDetail:view":     true,
		"analytics:conversationDetail:edit":     false,
		"routing:queue:edit":                    true,
		"Conversation:Communication:Disconnect": true,
		"conversation:communication":            false,
		"":                                      false,
	} {
		if got := r.Allows(perm); got != want {
			t.Errorf("Allows(%q) = %v, want %v", perm, got, want)
		}
	}
}
