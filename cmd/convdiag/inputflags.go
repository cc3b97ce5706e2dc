package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// emptyRefused are the flags whose empty value is refused: a file, a
// request or an id given as "" is almost always an unset shell variable
// ("--har $HAR"), and judging nothing in its place would read as "should
// succeed". --body is not among them: an empty body is evidence.
var emptyRefused = append(append([]string{"conversation", "participant", "operation", "request", "status", "response"}, documentFlagNames()...),
	"at", "curl", "har", "bundle", "save-bundle", "output", "profile", "addr", "request-log")

// refuseEmpty refuses a flag of c that was given with an empty value.
func refuseEmpty(c *cli.Context) error {
	for _, name := range emptyRefused {
		if !c.IsSet(name) {
			continue
		}
		values := c.StringSlice(name)
		if len(values) == 0 {
			values = []string{c.String(name)}
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return usageErr("--%s is empty (an unset shell variable?): give it a value, or leave the flag out", name)
			}
		}
	}
	return nil
}
