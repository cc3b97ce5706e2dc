// Package diagnose is convdiag's engine: the vocabulary (Evidence, Check,
// Pass, Cause, Fix, Report) and the driver that runs a chain of checks over
// evidence gathered once.
//
// A check is a pure function of the evidence (and of the results of the
// checks it requires). It reports what it read, a status, the causes it
// found, and the causes it ruled out. The driver runs the checks in order,
// contains a crash in one check as an "error" result while the rest run,
// suppresses causes that are only symptoms of a root cause that was found,
// ranks the causes and computes the verdict and exit code every report
// format shares.
//
// The package does no I/O and no rendering: evidence comes from the
// collector in package genesys (live) or from files (offline); reports are
// rendered by package report.
package diagnose
