package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/report"
)

// exitError ends the program with a code and, when msg is not empty, one
// line on stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

// run runs the app and returns the exit code; it never calls os.Exit.
// Everything written to stderr goes through a redactor that knows the
// secrets given on the command line and in the environment (and those read
// later from a profile), so no progress line, -v line or error message
// carries one. A command interrupted (ctx cancelled with a
// *diagnose.Interrupted cause) ends with the signal's exit code and one
// line saying so.
func run(ctx context.Context, args []string, e *env) int {
	e.Args = args
	e.Stdin = interruptible(ctx, e.Stdin)
	if e.redactor == nil {
		e.redactor = report.NewRedactor(givenSecrets(args, e.Getenv)...)
	}
	e.stderrTTY = e.IsTerminal(e.Stderr)
	if e.stderrTTY && e.TermWidth != nil {
		e.stderrWidth = e.TermWidth(e.Stderr)
	}
	if !containsArg(args, "--show-secrets") {
		e.Stderr = e.redactor.Writer(e.Stderr)
	}
	out := watchStdout(e)
	app := newApp(e)
	err := app.RunContext(ctx, permuteArgs(app, args))
	if out.err != nil && !isExitWithMessage(err) {
		err = usageErr("write standard output: %v", out.err)
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if in := diagnose.InterruptedBy(ctx); in != nil {
		msg := in.Error()
		if errors.As(err, &ee) && ee.code == in.Code && ee.msg != "" {
			msg = ee.msg
		}
		fmt.Fprintf(e.Stderr, "convdiag: %s\n", report.TermSafe(msg))
		return in.Code
	}
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(e.Stderr, "convdiag: %s\n", report.TermSafe(ee.msg)) // file names come from tickets
		}
		return ee.code
	}
	fmt.Fprintf(e.Stderr, "convdiag: %s\n", report.TermSafe(firstLine(err.Error())))
	return 2
}

// givenSecrets are the literal secrets of the command line and the
// environment.
func givenSecrets(args []string, getenv func(string) string) []string {
	out := []string{getenv(collect.EnvClientSecret), getenv(collect.EnvAccessToken)}
	id, secret := getenv(collect.EnvClientID), getenv(collect.EnvClientSecret)
	for i, a := range args {
		name, val, hasVal := strings.Cut(a, "=")
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		switch strings.TrimLeft(name, "-") {
		case "client-secret":
			out, secret = append(out, val), val
		case "access-token":
			out = append(out, val)
		case "client-id":
			id = val
		}
	}
	// The Basic value the token request carries (id:secret in base64).
	return append(out, report.BasicCredential(id, secret))
}

func containsArg(args []string, want string) bool {
	for _, a := range args {
		if a == want || a == "--" {
			return a == want
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// newApp builds the command-line app around an env.
func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:  "convdiag",
		Usage: "explain why a Genesys Cloud participant request fails; print what works",
		Description: "convdiag runs a chain of checks (request line, operation, body shape, token, conversation,\n" +
			"participant provenance and state, the operation's own rules) over the evidence of a failed\n" +
			"request, ranks the likely causes, and prints the plan that would have worked, for the same\n" +
			"operation. Start with `convdiag demo`; `convdiag demo --list` shows a scenario per operation.",
		HideVersion: true,
		// urfave/cli's built-in help flag and command are package globals
		// that every App mutates while it runs; each command gets its own
		// (withHelp) so that apps can run side by side.
		HideHelp:        true,
		HideHelpCommand: true,
		Flags:           []cli.Flag{newHelpFlag(), &cli.BoolFlag{Name: "version", Usage: "print the version and exit (the line convdiag version prints)"}},
		Reader:          e.Stdin,
		Writer:          e.Stdout,
		ErrWriter:       e.Stderr,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError:    onUsageError,
		// File names may contain commas: repeat a flag instead.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{
			withHelp(e, checkCommand(e)),
			withHelp(e, triageCommand(e)),
			withHelp(e, demoCommand(e)),
			withHelp(e, simCommand(e)),
			withHelp(e, watchCommand(e)),
			withHelp(e, applyCommand(e)),
			withHelp(e, explainCommand(e)),
			withHelp(e, versionCommand(e)),
			withHelp(e, completionCommand(e)),
			withHelp(e, helpCommand()),
		},
		EnableBashCompletion: true,
		BashComplete:         completer(e, func(c *cli.Context) []cli.Flag { return c.App.Flags }, completeCommands),
		Action: func(c *cli.Context) error {
			if c.Bool("help") {
				return cli.ShowAppHelp(c)
			}
			if c.Bool("version") {
				fmt.Fprintln(e.Stdout, versionLine(e.Version, readBuildInfo()))
				return nil
			}
			if c.Args().Len() > 0 {
				return unknownCommand(c.App, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	return app
}

func newHelpFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help"}
}

// withHelp gives a command its own --help flag and completion.
func withHelp(e *env, cmd *cli.Command) *cli.Command {
	cmd.BashComplete = completer(e, commandFlags, positionalCompletion[cmd.Name])
	cmd.HideHelp, cmd.HideHelpCommand = true, true
	cmd.Flags = append(cmd.Flags, newHelpFlag())
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if c.Bool("help") {
			return cli.ShowCommandHelp(c.Lineage()[1], cmd.Name)
		}
		return action(c)
	}
	return cmd
}

// positionalCompletion offers each command's positional words.
var positionalCompletion = map[string]func(*cli.Context){
	"demo": completeScenarios, "explain": completeCauses, "completion": completeShells, "help": completeCommands,
}

// noArgs refuses positional arguments (a flag after one is not parsed by
// urfave/cli, so a stray word usually means a misplaced flag).
func noArgs(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usageErr("unexpected argument %q: %s takes only flags", c.Args().First(), c.Command.Name)
	}
	return nil
}

// decodeJSON decodes one JSON value from r.
func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(v) }

// permuteArgs moves a command's flags before its positional words, so that
// `convdiag demo stale-leg --format json` works as users expect (urfave/cli
// v2 stops reading flags at the first positional word). A flag that takes a
// value keeps it; "--" ends the flags as usual.
func permuteArgs(app *cli.App, args []string) []string {
	// Shell completion reads its flag as the last word: leave it there.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	var cmd *cli.Command
	at := 1
	for ; at < len(args); at++ {
		if !strings.HasPrefix(args[at], "-") {
			cmd = app.Command(args[at])
			break
		}
	}
	if cmd == nil {
		return args
	}
	// `convdiag explain ID --help` is help for explain, whatever ID is.
	if helpRequested(args[at+1:]) {
		return append(append([]string{}, args[:at+1]...), "--help")
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	out := append([]string{}, args[:at+1]...)
	var flags, words []string
	rest := args[at+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			words = append(words, rest[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			words = append(words, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	return append(append(out, flags...), words...)
}
