package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose/apply"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/diagnose/notify"
)

const applyDescription = `Carries out the plan of a JSON report (convdiag check --format json): its waits, grants and
the request, in order, against the org the report came from. It is the only command that
changes an org, and it is a code path of its own: check stays read-only.

It shows every step first and asks once on a terminal (--yes answers for a script; without a
terminal and without --yes it refuses). A grant step changes security settings: it is shown
apart and asked for on its own, and --yes does not approve it (--yes-grants does, for scripts).
Before each change it reads the conversation again to see that the state still allows it, and
sends nothing when the target is already as the operation meant (the plan was carried out
before); at the end it says whether the target is now as the operation meant. --timeout is the
network budget of the reads and the changes (the plan's waits add their own timeout_s).

It refuses, before sending anything: a report whose target.org_id is not the credentials' org,
or has none; evidence read longer ago than --max-age (from evidence_read_at), or undated; a
plan marked next-time; a report with no target.operation; a request that is not a documented
operation, or that performs another operation than target.operation (what it does is read from
the endpoint table; a drop's plan may finish or cancel the consult first, a hold's may be the
consult's speakTo); anything with {braces}, unset shell variables or redaction labels
(<phone-3>) left in it (set the plan's variables in the environment: PARTICIPANT_ID=...
convdiag apply report.json); an operation that needs a user context (not.a.user) with client
credentials.

   convdiag check --region eu-central-1 --conversation C --participant P --body body.json \
     --format json --output report.json
   convdiag apply --region eu-central-1 report.json

Exit codes: 0 done, and the target is as the operation meant (or the conversation cannot show
it); 1 a step was answered with an error, or the target is not as meant; 2 refused or declined,
the target already as meant, or the state no longer allowing the plan: nothing was sent; 3 a
wait timed out, --timeout was spent or the org could not be read; 130 interrupted.`

func applyCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "carry out the plan without asking (for scripts); grants still need --yes-grants"},
		&cli.BoolFlag{Name: "yes-grants", Usage: "also approve the plan's grant steps without asking (they change security settings)"},
		&cli.DurationFlag{Name: "max-age", Value: 15 * time.Minute, Usage: "refuse a report whose evidence was read longer ago than this"},
		&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "overall network budget of the reads and the changes (the plan's waits add their own timeout_s)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log the requests to stderr"},
	}
	return &cli.Command{
		Name:         "apply",
		Usage:        "carry out a report's fix plan after showing every step and asking",
		UsageText:    "convdiag apply [flags] REPORT.json",
		ArgsUsage:    "REPORT.json",
		Description:  applyDescription,
		Flags:        append(flags, credentialFlags()...),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usageErr("apply takes one REPORT.json (the JSON report of convdiag check)")
			}
			o := applyOptions{Path: c.Args().First(), Yes: c.Bool("yes"), YesGrants: c.Bool("yes-grants"), MaxAge: c.Duration("max-age"),
				Timeout: c.Duration("timeout"), Verbose: c.Bool("verbose")}
			if o.MaxAge <= 0 {
				return usageErr("--max-age %s: must be positive", o.MaxAge)
			}
			if o.Timeout <= 0 {
				return usageErr("--timeout %s: must be positive", o.Timeout)
			}
			return runApply(c.Context, e, c, o)
		},
	}
}

// applyOptions is what `convdiag apply` was asked to do.
type applyOptions struct {
	Path           string
	Yes, YesGrants bool
	MaxAge         time.Duration
	// Timeout is the network budget: the login and Verify's read before
	// the plan is shown, and what is left of it for carrying it out, with
	// the plan's waits on top.
	Timeout time.Duration
	Verbose bool
}

func runApply(ctx context.Context, e *env, c *cli.Context, o applyOptions) error {
	p, err := preparePlan(e, o)
	if err != nil {
		return err
	}
	interactive := e.StdinIsTerminal != nil && e.StdinIsTerminal()
	if err := mayAsk(p, o, interactive); err != nil {
		return err
	}
	lv, err := resolveOrg(e, liveSettings(e, c, p.Report.Target.ConversationID), "apply")
	if err != nil {
		return err
	}
	// The budget is spent on the network only: not while a person reads
	// the plan and answers, nor in the plan's waits (each has its own
	// timeout_s).
	start := time.Now()
	vctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	reads, err := readsClient(vctx, e, lv.Config, o.Verbose)
	if err != nil {
		return err
	}
	out := e.redactor.Writer(e.Stdout)
	cfg := apply.Config{Reads: reads, APIBase: lv.Target.APIBase, Transport: e.Transport, Sleep: e.Sleep,
		Watch: notify.Config{Now: e.Now, Sleep: e.Sleep, Logf: stderrLogf(e)},
		Logf:  func(format string, args ...any) { fmt.Fprintln(out, "     "+oneLine(fmt.Sprintf(format, args...))) }}
	if _, err := apply.Verify(vctx, cfg, p); err != nil {
		return applyErr(err, o.Timeout)
	}
	left := o.Timeout - time.Since(start)
	showPlan(out, p, o.Path, e.Now())
	if err := confirm(e, p, o); err != nil {
		return err
	}
	fmt.Fprintln(out, "carrying out the plan:")
	ectx, cancel := context.WithTimeout(ctx, left+p.WaitTime())
	defer cancel()
	res, err := apply.Execute(ectx, cfg, p)
	if err != nil {
		return applyErr(err, o.Timeout)
	}
	fmt.Fprintln(out, oneLine("done: "+res.Summary))
	if res.Known && !res.Achieved {
		return &exitError{code: 1, msg: oneLine("the target is not as the operation meant: " + res.Summary)}
	}
	return nil
}

// preparePlan reads the report and checks its plan (nothing is sent).
func preparePlan(e *env, o applyOptions) (*apply.Prepared, error) {
	b, err := input.ReadFileLimited(o.Path, 16<<20)
	if err != nil {
		return nil, usageErr("%s", oneLine(fmt.Sprintf("%s: %v", o.Path, err)))
	}
	rep, err := apply.Parse(b)
	if err != nil {
		return nil, usageErr("%s", oneLine(fmt.Sprintf("%s: %v", o.Path, err)))
	}
	p, err := apply.Prepare(rep, e.Now(), o.MaxAge, e.Getenv)
	if err != nil {
		return nil, applyErr(err, o.Timeout)
	}
	return p, nil
}

// mayAsk refuses up front what could not be approved: without a terminal
// only --yes approves the plan, and only --yes-grants a grant.
func mayAsk(p *apply.Prepared, o applyOptions, interactive bool) error {
	if interactive {
		return nil
	}
	if !o.Yes {
		return usageErr("refused: there is no terminal to ask on, and no --yes: nothing was sent (read the plan, then pass --yes)")
	}
	for i, s := range p.Steps {
		if s.Kind == apply.KindGrant && !o.YesGrants {
			return usageErr("refused: step %d grants a role (it changes security settings); without a terminal only --yes-grants approves it: nothing was sent", i+1)
		}
	}
	return nil
}

// applyErr maps apply's errors to exits (README: 2 when nothing was
// sent, 1 when a step was answered with an error, 3 when the org could
// not be read or a wait or the budget ran out).
func applyErr(err error, budget time.Duration) error {
	var rf *apply.Refusal
	var done *apply.AlreadyDone
	var se *apply.StepError
	switch {
	case errors.As(err, &rf):
		return usageErr("refused: %s", oneLine(rf.Reason))
	case errors.As(err, &done):
		return usageErr("%s", oneLine(done.Error()))
	case errors.Is(err, context.Canceled):
		return &exitError{code: 130, msg: "interrupted: the steps before were carried out, none after"}
	case errors.Is(err, context.DeadlineExceeded):
		return &exitError{code: 3, msg: oneLine(fmt.Sprintf("the network budget (--timeout %s) was spent: %v", budget, err))}
	case errors.As(err, &se) && (se.TimedOut || se.Unread):
		return &exitError{code: 3, msg: oneLine(se.Error())}
	case errors.As(err, &se) && se.NothingSent:
		return usageErr("%s", oneLine(se.Error()))
	case errors.As(err, &se):
		return &exitError{code: 1, msg: oneLine(se.Error())}
	}
	return &exitError{code: 3, msg: oneLine(err.Error())}
}

// showPlan lists every step, the grants marked as what they are.
func showPlan(w io.Writer, p *apply.Prepared, path string, now time.Time) {
	r := p.Report
	line := func(format string, args ...any) { fmt.Fprintln(w, oneLine(fmt.Sprintf(format, args...))) }
	line("plan of %s: conversation %s, org %s; evidence read %s (%s ago)", path, r.Target.ConversationID, r.Target.OrgID,
		p.ReadAt.UTC().Format(time.RFC3339), now.Sub(p.ReadAt).Round(time.Second))
	if op := r.Target.Operation; op != nil {
		line("operation: %s (%s)", op.ID, op.Source)
	}
	for i, s := range p.Steps {
		line("  %d. %s", i+1, stepLine(s))
		if s.Body != nil {
			line("     body: %s", s.Body)
		}
		if s.Note != "" {
			line("     note: %s", s.Note)
		}
	}
}

func stepLine(s apply.Prepared1) string {
	switch s.Kind {
	case apply.KindWait:
		who := "participant " + s.ParticipantID
		if s.CommunicationID != "" {
			who += " (communication " + s.CommunicationID + ")"
		}
		return fmt.Sprintf("wait until %s is %s (at most %s), watching it live", who, s.Until, s.Timeout)
	case apply.KindGrant:
		g := s.Grant
		line := fmt.Sprintf("GRANT, changes security settings: role %s in division %s to %s %s (%s %s)", g.RoleID, g.DivisionID, g.SubjectType, g.SubjectID, s.Method, s.Path)
		if s.Summary != "" {
			line += ": " + s.Summary
		}
		return line
	}
	return fmt.Sprintf("%s %s (%s)", s.Method, s.Path, s.Endpoint.Summary)
}

// confirm asks once for the plan (unless --yes) and once for each grant
// (unless --yes-grants).
func confirm(e *env, p *apply.Prepared, o applyOptions) error {
	in := bufio.NewReader(e.Stdin)
	if !o.Yes && !ask(e, in, fmt.Sprintf("Carry out these %d steps? [y/N] ", len(p.Steps))) {
		return usageErr("declined: nothing was sent")
	}
	for i, s := range p.Steps {
		if s.Kind == apply.KindGrant && !o.YesGrants && !ask(e, in, fmt.Sprintf("Step %d changes security settings: grant role %s in division %s to %s? [y/N] ", i+1, s.Grant.RoleID, s.Grant.DivisionID, s.Grant.SubjectID)) {
			return usageErr("declined the grant of step %d: nothing was sent", i+1)
		}
	}
	return nil
}

// ask prints a question on stderr and reads a yes.
func ask(e *env, in *bufio.Reader, q string) bool {
	fmt.Fprint(e.Stderr, oneLine(q))
	line, _ := in.ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
