package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestDeeplyNestedCurlFromStdin is the acceptance of issue 19 item 2:
// 250,000 nested parentheses through --curl - end with exit 2 and one
// line (the shell parser recursed until the stack overflowed: a 354-line
// runtime trace). The memory it takes is measured in process, by
// TestShellNestingLimit: a child's peak RSS counts its parent's, which
// it shares until it execs.
func TestDeeplyNestedCurlFromStdin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	n := 250000
	for name, cmd := range map[string]string{
		"subshells":  strings.Repeat("(", n) + "curl https://api.mypurecloud.com/api/v2/conversations/c" + strings.Repeat(")", n),
		"arithmetic": "curl https://api.mypurecloud.com/api/v2/conversations/c " + strings.Repeat("$((", n) + "1" + strings.Repeat("))", n),
	} {
		c := exec.Command(testBinary(t), "check", "--curl", "-")
		c.Stdin = strings.NewReader(cmd)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		err := c.Run()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 2 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "levels deep") {
			t.Errorf("%s: exit %d, stderr %.300q", name, code, stderr.String())
		}
	}
}
