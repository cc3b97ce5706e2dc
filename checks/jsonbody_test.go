package checks

import (
	"strings"
	"testing"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

func TestAnalyseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line, col  int
		slip       string // substring of the slip
	}{
		{"smart quotes", "{\n  \u201cstate\u201d: \u201cdisconnected\u201d\n}", 2, 3, "smart quotes"},
		{"single quotes", "{'state': 'disconnected'}", 1, 2, "single quotes"},
		{"trailing comma", "{\n  \"state\": \"disconnected\",\n}", 2, 26, "trailing comma"},
		{"trailing comma in array", `{"ids": ["a", "b",]}`, 1, 18, "trailing comma"},
		{"python literal", `{"held": True}`, 1, 10, "Python literal"},
		{"line comment", "{\n  // drop the agent\n  \"state\": \"disconnected\"\n}", 2, 3, "comment"},
		{"unquoted key", `{state: "disconnected"}`, 1, 2, "unquoted key"},
		{"missing comma", `{"state": "disconnected" "held": false}`, 1, 26, "missing comma"},
		{"truncated", `{"state": "disconn`, 1, 19, "truncated"},
		{"unclosed brace", `{"state": "disconnected"`, 1, 25, "truncated"},
		{"form encoded", "state=disconnected&participantId=abc", 1, 1, "form-encoded"},
		{"bom", "\ufeff{\"state\": \"disconnected\"}", 1, 1, "byte order mark"},
		{"binary", "\x00\x01\x02PK\x03\x04", 1, 1, "wrong file"},
		{"latin-1", "{\"name\": \"Ren\xe9\"}", 1, 14, "another encoding"},
		{"nan", `{"durationSeconds": NaN}`, 1, 21, "NaN"},
		{"equals", `{"state" = "disconnected"}`, 1, 10, "= instead of :"},
		{"deep nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), 1, 0, "nests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, bad := analyseMalformed([]byte(tc.body))
			if !bad {
				t.Fatalf("body judged valid")
			}
			if m.Line != tc.line || tc.col != 0 && m.Col != tc.col {
				t.Errorf("position line %d col %d, want line %d col %d (%s)", m.Line, m.Col, tc.line, tc.col, m)
			}
			if !strings.Contains(m.Slip+" "+m.Problem, tc.slip) {
				t.Errorf("slip %q / problem %q, want one mentioning %q", m.Slip, m.Problem, tc.slip)
			}
		})
	}
	if _, bad := analyseMalformed([]byte(`{"state":"disconnected"}`)); bad {
		t.Error("valid JSON judged malformed")
	}
}

func TestDoubleEncoded(t *testing.T) {
	inner, ok := doubleEncoded([]byte(`"{\"state\": \"disconnected\"}"`))
	if !ok || string(inner) != `{"state": "disconnected"}` {
		t.Errorf("doubleEncoded = %q, %v", inner, ok)
	}
	if _, ok := doubleEncoded([]byte(`"disconnected"`)); ok {
		t.Error("a plain JSON string judged double-encoded")
	}
	if _, ok := doubleEncoded([]byte(`{"state":"disconnected"}`)); ok {
		t.Error("an object judged double-encoded")
	}
}

func TestClosestField(t *testing.T) {
	for _, tc := range []struct {
		key   string
		c     *genesys.BodyContract
		want  string
		why   string
		found bool
	}{
		{"participantIds", genesys.SeedDisconnectBody, "participantId", "plural", true},
		{"participant_id", genesys.SeedDisconnectBody, "participantId", "snake_case", true},
		{"participantID", genesys.SeedDisconnectBody, "participantId", "letter case", true},
		{"id", genesys.SeedDisconnectBody, "participantId", "another name", true},
		{"particpantId", genesys.SeedDisconnectBody, "participantId", "misspelt", true},
		{"wrapup_skipped", genesys.MediaParticipantRequest, "wrapupSkipped", "snake_case", true},
		{"State", genesys.MediaParticipantRequest, "state", "letter case", true},
		{"participant_state", genesys.MediaParticipantRequest, "state", "longer name", true},
		{"reason", genesys.MediaParticipantRequest, "", "", false},
		{"action", genesys.SeedDisconnectBody, "", "", false},
	} {
		fm := closestField(tc.key, tc.c)
		if (fm != nil) != tc.found {
			t.Errorf("closestField(%q) = %v, want found=%v", tc.key, fm, tc.found)
			continue
		}
		if fm == nil {
			continue
		}
		if fm.Field.Name != tc.want || !strings.Contains(fm.Why, tc.why) {
			t.Errorf("closestField(%q) = %s (%s), want %s (%s)", tc.key, fm.Field.Name, fm.Why, tc.want, tc.why)
		}
	}
}

func TestClosestValue(t *testing.T) {
	vals := append([]string{"disconnected"}, genesys.StateValues...)
	for in, want := range map[string]string{"disconnect": "disconnected", "disconected": "disconnected", "terminate": "terminated", "hangup": ""} {
		if got := closestValue(in, vals); got != want {
			t.Errorf("closestValue(%q) = %q, want %q", in, got, want)
		}
	}
}
