package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/checks/ops"
	"github.com/convdiag/convdiag/diagnose/sim"
	"github.com/convdiag/convdiag/diagnose/suggest"
	"github.com/convdiag/convdiag/report"
)

// Help layout: every line fits helpWidth columns; a flag's names take
// flagColumn columns, its usage wraps beside them.
const (
	helpWidth  = 100
	flagIndent = 3 // urfave/cli's template indents each flag by 3
	flagColumn = 26
)

// defaultFlagStringer is urfave/cli's own rendering of a flag, which
// helpFlagString reformats.
var defaultFlagStringer = cli.FlagStringer

func init() {
	cli.FlagStringer = helpFlagString
}

// helpFlagString renders one flag of a help page: names in a column,
// usage wrapped beside them within helpWidth, and a default shown only
// when it says something ("(default: false)" on every switch does not).
func helpFlagString(f cli.Flag) string {
	s := defaultFlagStringer(f)
	names, usage, ok := strings.Cut(s, "\t")
	if !ok {
		return s
	}
	usage = strings.NewReplacer(" (default: false)", "", " (default: 0)", "", ` (default: "")`, "").Replace(usage)
	// Usage starts at column flagIndent+flagColumn+2; the template
	// indents every continuation line by templateIndent itself.
	const templateIndent = 6
	col := flagIndent + flagColumn + 2
	cont := strings.Repeat(" ", col-templateIndent)
	wrapped := report.Wrap(usage, helpWidth-templateIndent, cont, cont)
	wrapped = strings.TrimRight(strings.TrimPrefix(wrapped, cont), "\n")
	var b strings.Builder
	if len(names) > flagColumn {
		// Long names: the usage starts on the next line.
		b.WriteString(names + "\n" + cont)
	} else {
		b.WriteString(names + strings.Repeat(" ", flagColumn-len(names)) + "  ")
	}
	b.WriteString(wrapped)
	return b.String()
}

// helpRequested reports whether a command's arguments ask for help
// anywhere (`convdiag explain ID --help`): the command's help is shown,
// whatever the positional words.
func helpRequested(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--help" || a == "-h" {
			return true
		}
	}
	return false
}

// commandNames lists the app's visible commands.
func commandNames(app *cli.App) []string {
	var out []string
	for _, c := range app.Commands {
		if !c.Hidden {
			out = append(out, c.Name)
		}
	}
	return out
}

// unknownCommand is the error for a word that is not a command, with a
// suggestion when one is close.
func unknownCommand(app *cli.App, word string) error {
	names := commandNames(app)
	if best := suggest.Closest(word, names); best != "" {
		return usageErr("unknown command %q; did you mean %q? (commands: %s)", word, best, strings.Join(names, ", "))
	}
	return usageErr("unknown command %q (commands: %s)", word, strings.Join(names, ", "))
}

// versionCommand prints the module version, the VCS commit it was built
// from, and the Go toolchain: what a bug report needs.
func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:   "version",
		Usage:  "print the version, the commit it was built from and the Go version",
		Before: noArgs,
		Action: func(c *cli.Context) error {
			fmt.Fprintln(e.Stdout, versionLine(e.Version, readBuildInfo()))
			return nil
		},
	}
}

// readBuildInfo is debug.ReadBuildInfo, replaceable in tests.
var readBuildInfo = func() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// versionLine is "convdiag v1.2.0 (commit 3631ae3c2d1e, 2026-11-27T11:11:22Z, modified) go1.26.8 linux/amd64".
func versionLine(v string, bi *debug.BuildInfo) string {
	goVersion := runtime.Version()
	var rev, at string
	modified := false
	if bi != nil {
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	build := "commit unknown: built without version control information; go build -buildvcs=true stamps it"
	if rev != "" {
		build = "commit " + rev[:min(12, len(rev))]
		if at != "" {
			build += ", " + at
		}
		if modified {
			build += ", with uncommitted changes"
		}
	}
	return fmt.Sprintf("convdiag %s (%s) %s %s/%s", v, build, goVersion, runtime.GOOS, runtime.GOARCH)
}

// completionCommand prints a shell completion script.
func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `Load it in the current shell, or install it:
   source <(convdiag completion bash)          # bash; add to ~/.bashrc to keep it
   convdiag completion zsh > "${fpath[1]}/_convdiag"
   convdiag completion fish > ~/.config/fish/completions/convdiag.fish`,
		Action: func(c *cli.Context) error {
			switch sh := c.Args().First(); sh {
			case "bash":
				_, err := io.WriteString(e.Stdout, bashCompletion)
				return err
			case "zsh":
				_, err := io.WriteString(e.Stdout, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = io.WriteString(e.Stdout, script)
				return err
			case "":
				return usageErr("completion needs a shell: bash, zsh or fish")
			default:
				if best := suggest.Closest(sh, []string{"bash", "zsh", "fish"}); best != "" {
					return usageErr("no completion for %q; did you mean %q?", sh, best)
				}
				return usageErr("no completion for %q (bash, zsh or fish)", sh)
			}
		},
	}
}

// The bash and zsh scripts ask convdiag itself what may come next
// (urfave/cli's --generate-bash-completion): commands, flags, scenario
// names, cause ids.
const bashCompletion = `# bash completion for convdiag
_convdiag_complete() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
  fi
  return 0
}
complete -o bashdefault -o default -F _convdiag_complete convdiag
`

const zshCompletion = `#compdef convdiag
# zsh completion for convdiag
_convdiag() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _convdiag convdiag
`

// completer answers --generate-bash-completion from the command line
// convdiag was given (urfave/cli's default reads os.Args, which a test,
// or any caller of run, does not set): the flags of the command when the
// word being completed starts with "-", else what positional offers.
func completer(e *env, flags func(*cli.Context) []cli.Flag, positional func(*cli.Context)) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		args := e.Args
		if n := len(args); n > 0 && args[n-1] == "--generate-bash-completion" {
			args = args[:n-1]
		}
		last := ""
		if len(args) > 1 {
			last = args[len(args)-1]
		}
		if strings.HasPrefix(last, "-") {
			for _, f := range flags(c) {
				for _, n := range f.Names() {
					name := "--" + n
					if len(n) == 1 {
						name = "-" + n
					}
					if strings.HasPrefix(name, last) {
						fmt.Fprintln(c.App.Writer, name)
					}
				}
			}
			return
		}
		if positional != nil {
			positional(c)
		}
	}
}

// commandFlags are the flags of the command being completed.
func commandFlags(c *cli.Context) []cli.Flag {
	if c.Command != nil {
		return c.Command.Flags
	}
	return nil
}

// completeCommands offers the command names.
func completeCommands(c *cli.Context) {
	for _, n := range commandNames(c.App) {
		fmt.Fprintln(c.App.Writer, n)
	}
}

// completeScenarios offers the built-in scenario names.
func completeScenarios(c *cli.Context) {
	if c.NArg() > 0 {
		return
	}
	for _, s := range sim.Scenarios() {
		fmt.Fprintln(c.App.Writer, s.Name)
	}
}

// completeCauses offers the cause ids.
func completeCauses(c *cli.Context) {
	if c.NArg() > 0 {
		return
	}
	for _, ci := range ops.Catalogue.Causes {
		fmt.Fprintln(c.App.Writer, ci.ID)
	}
}

// completeShells offers the shells completion knows.
func completeShells(c *cli.Context) {
	if c.NArg() == 0 {
		fmt.Fprintln(c.App.Writer, "bash\nzsh\nfish")
	}
}
