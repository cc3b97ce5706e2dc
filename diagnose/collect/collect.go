// Package collect gathers the evidence of a live check: the token, then
// the GETs the registry's documents ask for (diagnose.Documents: tokens/me,
// the conversation in both views, its analytics details, the token's
// grants, a request's destination) in parallel, so a check costs two round
// trips. It is the only part of convdiag that reads from an org, and it can
// only read: it holds a genesys.Client, which has no way to send anything
// but GETs and the token request.
//
// Every failure becomes evidence (a Fetch with a status or an error, a
// note, an Incomplete entry) that the checks and the report explain; none
// is returned as a bare error.
package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Target says where a live check looks and how it authenticates.
type Target struct {
	APIBase  string
	TokenURL string
	// Region is the region key, when known.
	Region string
	// Method is "client-credentials" or "access-token"; From names where
	// the credentials came from ("flags", "environment", "profile X").
	Method, From string
}

// Collect fills ev (whose request, body and response came from flags) with
// what the org shows for conversation convID: the token, then every read
// the registry's documents ask for in one parallel round (two round trips;
// a third only for roles the org's roles listing did not hold, or for the
// OAuth client of an access token).
func Collect(ctx context.Context, c *genesys.Client, t Target, ev *diagnose.Evidence, convID string, now func() time.Time) {
	live(ev, t)
	// Round trip 1: the token (none for an access token).
	if !login(ctx, c, t, ev, now) {
		return
	}
	// Round trip 2: the reads in parallel; each is applied to the evidence
	// in the registry's order, whatever order they arrived in. Then the
	// reads that needed one of their answers.
	p := newPlanner(diagnose.Place{ConvID: convID, ClientID: c.ClientID()})
	for i := 0; i < maxRounds; i++ {
		r := p.next(ev)
		if len(r.reads) == 0 {
			ev.Notes = append(ev.Notes, r.notes...)
			break
		}
		getAll(ctx, c, r).apply(ev)
		if i == 0 {
			ev.ObservedAt = now().UTC()
		}
	}
	conclude(ev, convID, t)
}

// maxRounds bounds the rounds of reads after the token: the first, the
// OAuth client an access token's tokens/me names, then its roles.
const maxRounds = 3

// live marks ev as gathered from the org at t.
func live(ev *diagnose.Evidence, t Target) {
	ev.Mode = diagnose.ModeLive
	ev.APIBase, ev.Region = t.APIBase, t.Region
	ev.Auth = &diagnose.Auth{Method: t.Method, From: t.From, TokenURL: t.TokenURL}
}

// login fetches the token; a failure is recorded in ev (incomplete).
func login(ctx context.Context, c *genesys.Client, t Target, ev *diagnose.Evidence, now func() time.Time) bool {
	err := c.Token(ctx)
	if err == nil {
		return true
	}
	var te *genesys.TokenError
	if errors.As(err, &te) {
		ev.Auth.Status = te.Status
		ev.Auth.Error = te.Error()
		ev.Incomplete = append(ev.Incomplete, tokenFailure(te, t, ctx.Err() != nil))
	} else {
		ev.Auth.Error = err.Error()
		ev.Incomplete = append(ev.Incomplete, "no token: "+err.Error())
	}
	ev.ObservedAt = now().UTC()
	return false
}

// planner decides each round's reads from the registry: what each
// document asks for, given the evidence so far, each path read once and
// each note said once.
type planner struct {
	at    diagnose.Place
	read  map[string]bool
	noted map[string]bool
}

func newPlanner(at diagnose.Place) *planner {
	return &planner{at: at, read: map[string]bool{}, noted: map[string]bool{}}
}

// next is the next round: the reads not made yet, in the registry's order,
// and the notes about ids refused.
func (p *planner) next(ev *diagnose.Evidence) round {
	var r round
	for _, d := range diagnose.Documents {
		paths, notes := d.PathsFor(ev, p.at)
		for _, n := range notes {
			if !p.noted[n] {
				p.noted[n] = true
				r.notes = append(r.notes, n)
			}
		}
		for _, path := range paths {
			if !p.read[path] {
				p.read[path] = true
				r.reads = append(r.reads, read{doc: d, path: path})
			}
		}
	}
	r.want = p.at.ConvID
	return r
}

// conclude records what the reads leave incomplete and what a 404 means.
func conclude(ev *diagnose.Evidence, convID string, t Target) {
	for _, f := range []*diagnose.Fetch{ev.TokenFetch, ev.ConversationFetch, ev.CallFetch} {
		if f == nil {
			continue
		}
		if why := incomplete(f); why != "" {
			ev.Incomplete = append(ev.Incomplete, why)
		}
	}
	if ev.Conversation == nil && ev.Call == nil && ev.ConversationFetch != nil && ev.ConversationFetch.Status == 404 {
		ev.Notes = append(ev.Notes, fmt.Sprintf("conversation %s was not found in the org of the token at %s", convID, t.APIBase))
	}
}

// round is one round of parallel GETs and their outcomes, in the order of
// its reads, with the notes to say before them (ids refused rather than
// sent) and the conversation the reads are about.
type round struct {
	reads   []read
	results []outcome
	notes   []string
	want    string
}

type outcome struct {
	res *genesys.Result
	err error
}

// read is one GET of a document.
type read struct {
	doc  *diagnose.Document
	path string
}

// getAll sends the reads in parallel.
func getAll(ctx context.Context, c *genesys.Client, r round) round {
	r.results = make([]outcome, len(r.reads))
	var wg sync.WaitGroup
	for i, rd := range r.reads {
		wg.Add(1)
		go func(i int, p string) {
			defer wg.Done()
			res, err := c.Get(ctx, p)
			r.results[i] = outcome{res, err}
		}(i, rd.path)
	}
	wg.Wait()
	return r
}

// apply applies each outcome to the evidence in the order of the reads,
// whatever order they arrived in, after the round's notes; a round with
// reads counts in ev.ReadRounds.
func (r round) apply(ev *diagnose.Evidence) {
	ev.Notes = append(ev.Notes, r.notes...)
	if len(r.reads) == 0 {
		return
	}
	ev.ReadRounds++
	for i, rd := range r.reads {
		res, err := r.results[i].res, r.results[i].err
		var body []byte
		if res != nil {
			body = res.Body
		}
		rd.doc.Received(ev, fetchOf(rd.doc.Source(), res, err), body, r.want)
	}
}

// tokenFailure says why convdiag's own token request failed. It is
// convdiag's login, not the customer's: it says nothing about the token the
// customer's request carried.
func tokenFailure(te *genesys.TokenError, t Target, budgetSpent bool) string {
	own := "convdiag's own token request to " + t.TokenURL
	switch {
	case te.Redirect != nil:
		return fmt.Sprintf("the token endpoint %s %s", t.TokenURL, te.Redirect.Error())
	case te.Unreachable:
		return fmt.Sprintf("the token endpoint %s is unreachable, so convdiag could not log in (%v)", t.TokenURL, te.Err)
	case budgetSpent && te.Status == 0:
		return own + " did not finish within the time budget"
	case te.Status == 429:
		return own + " was rate limited (429) until the time budget was spent"
	case te.Status >= 500:
		return fmt.Sprintf("%s failed with %d: the login service is unavailable", own, te.Status)
	case te.Code != "":
		return fmt.Sprintf("%s was refused (%d %s): check the credentials given to convdiag (%s)", own, te.Status, te.Code, t.From)
	case te.Status != 0:
		return fmt.Sprintf("%s was refused (%d): check the credentials given to convdiag (%s)", own, te.Status, t.From)
	}
	return own + " failed: " + te.Err.Error()
}

// fetchOf records a GET's outcome.
func fetchOf(source string, res *genesys.Result, err error) *diagnose.Fetch {
	f := &diagnose.Fetch{Source: source}
	if err != nil {
		f.Err = err.Error()
		var ge *genesys.GetError
		if errors.As(err, &ge) {
			f.URL, f.Attempts = ge.URL, ge.Attempts
		}
		return f
	}
	f.URL, f.Status, f.Attempts = res.URL, res.Status, res.Attempts
	if res.Status/100 == 2 {
		f.Raw = res.Body
	}
	if t, err := http.ParseTime(res.Header.Get("Date")); err == nil {
		f.At = t.UTC()
	}
	f.CorrelationID, f.RateLimit = res.CorrelationID(), res.RateLimit()
	if res.Status/100 != 2 {
		if eb, ok := genesys.DecodeErrorBody(res.Body); ok {
			f.ErrorBody = eb
		}
	}
	if res.BudgetSpent {
		f.Warnings = append(f.Warnings, fmt.Sprintf("stopped retrying after %s: the time budget would not allow another", diagnose.Plural(res.Attempts, "attempt", "attempts")))
	}
	return f
}

// incomplete says why a fetch leaves the diagnosis incomplete ("" when it
// does not: a 2xx, or a 404 that is itself evidence).
func incomplete(f *diagnose.Fetch) string {
	switch {
	case f.Err != "":
		return strings.TrimSpace(f.Source + ": " + f.Err)
	case f.Status/100 == 2 || f.Status == 404:
		return ""
	case f.Status == 401:
		return f.Source + " answered 401: the token was rejected"
	case f.Status == 403:
		return f.Source + " answered 403: the token may not read it (GET conversation needs conversation:communication:view)"
	case f.Status == 429:
		return f.Source + " was rate limited (429) until the time budget was spent"
	case f.Status >= 500:
		return fmt.Sprintf("%s answered %d after %s: the API is unavailable", f.Source, f.Status, diagnose.Plural(f.Attempts, "attempt", "attempts"))
	}
	return fmt.Sprintf("%s answered %d", f.Source, f.Status)
}
