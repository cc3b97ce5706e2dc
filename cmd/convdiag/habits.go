package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose/suggest"
	"github.com/convdiag/convdiag/report"
)

// The habits of gh and kubectl: a usage error names the program once and
// the help to read, a misspelt flag gets a did-you-mean, `help COMMAND`
// and `--version` work, and values that are plainly meant for another
// flag are refused with the flag they belong to.

// onUsageError turns urfave/cli's parse errors into one line: what was
// wrong, a did-you-mean for an unknown flag, and where the help is.
func onUsageError(c *cli.Context, err error, _ bool) error {
	help := "convdiag"
	var flags []cli.Flag
	if c != nil {
		flags = c.App.Flags
		if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
			help += " " + c.Command.Name
			flags = c.Command.Flags
		}
	}
	msg := firstLine(err.Error())
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		msg = "unknown flag " + dashed(name)
		if best := closestFlag(name, flags); best != "" {
			msg += "; did you mean " + dashed(best) + "?"
		}
	}
	return usageErr("%s (see %s --help)", msg, help)
}

// dashed writes a flag name as it is typed: -v, --request.
func dashed(name string) string {
	if len([]rune(name)) == 1 {
		return "-" + name
	}
	return "--" + name
}

// closestFlag is the long flag name a misspelt one was meant to be; a
// single letter is too short to guess from.
func closestFlag(name string, flags []cli.Flag) string {
	if len([]rune(name)) < 3 {
		return ""
	}
	var long []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len([]rune(n)) > 1 {
				long = append(long, n)
			}
		}
	}
	return suggest.Closest(name, long)
}

// helpCommand is `convdiag help [COMMAND]`, as gh and kubectl have it.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show help for convdiag or one of its commands",
		UsageText: "convdiag help [COMMAND]",
		ArgsUsage: "[COMMAND]",
		Action: func(c *cli.Context) error {
			app := c.Lineage()[1]
			switch c.Args().Len() {
			case 0:
				return cli.ShowAppHelp(app)
			case 1:
				name := c.Args().First()
				if cmd := c.App.Command(name); cmd != nil && !cmd.Hidden {
					return cli.ShowCommandHelp(app, cmd.Name)
				}
				return unknownCommand(c.App, name)
			}
			return usageErr("help takes one command name, got %d words", c.Args().Len())
		},
	}
}

// checkOutputName refuses an --output that is a report format's name
// (`-o json`, as kubectl's -o means the format): the report would land in
// a file called "json". A path (./json) is taken as meant.
func checkOutputName(name string) error {
	if name == "" || name != filepath.Base(name) {
		return nil
	}
	f, err := report.ParseFormat(strings.ToLower(name))
	if err != nil {
		return nil
	}
	return usageErr("--output %s: -o/--output names the file the report is written to, and %q is a format: for the format give --format %s (to write a file called %s, give --output ./%s)", name, name, f, name, name)
}

// responseLooksLikeConversation reports whether a --response body is a
// conversation document (GET /api/v2/conversations/{id}: an id and
// participants, no error code or message) rather than the error body the
// request got.
func responseLooksLikeConversation(body []byte) bool {
	var doc struct {
		ID           string            `json:"id"`
		Participants []json.RawMessage `json:"participants"`
		Code         string            `json:"code"`
		Message      string            `json:"message"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	return doc.ID != "" && len(doc.Participants) > 0 && doc.Code == "" && doc.Message == ""
}

// responseWarning is the warning for a --response that holds a
// conversation, or "".
func responseWarning(flagValue string, body []byte) string {
	if flagValue == "" || !responseLooksLikeConversation(body) {
		return ""
	}
	return fmt.Sprintf("--response %s holds a conversation (an id and participants, no error code or message), not the error body the request got: give it as --conversation-json %s, and the error body (code, message) as --response", flagValue, flagValue)
}
