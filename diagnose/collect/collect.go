// Package collect gathers the evidence of a live check: the token, then GET
// /api/v2/tokens/me, GET /api/v2/conversations/{id} and GET
// /api/v2/conversations/calls/{id} in parallel, so a check costs two round
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
	"net/url"
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

// Paths are the three reads of a live check.
const (
	PathTokenInfo = "/api/v2/tokens/me"
)

// ConversationPath is the generic GET of a conversation.
func ConversationPath(id string) string { return "/api/v2/conversations/" + url.PathEscape(id) }

// CallPath is the flat call GET of a conversation.
func CallPath(id string) string { return "/api/v2/conversations/calls/" + url.PathEscape(id) }

// Collect fills ev (whose request, body and response came from flags) with
// what the org shows for conversation convID.
func Collect(ctx context.Context, c *genesys.Client, t Target, ev *diagnose.Evidence, convID string, now func() time.Time) {
	ev.Mode = diagnose.ModeLive
	ev.APIBase, ev.Region = t.APIBase, t.Region
	ev.Auth = &diagnose.Auth{Method: t.Method, From: t.From, TokenURL: t.TokenURL}

	// Round trip 1: the token (none for an access token).
	if err := c.Token(ctx); err != nil {
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
		return
	}

	// Round trip 2: the three reads in parallel.
	type out struct {
		res *genesys.Result
		err error
	}
	paths := []string{PathTokenInfo, ConversationPath(convID), CallPath(convID)}
	results := make([]out, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func(i int, p string) {
			defer wg.Done()
			r, err := c.Get(ctx, p)
			results[i] = out{r, err}
		}(i, p)
	}
	wg.Wait()
	ev.ObservedAt = now().UTC()

	// Results are read in a fixed order, whatever order they arrived in.
	ev.TokenFetch = fetchOf("GET /api/v2/tokens/me", results[0].res, results[0].err)
	if res := results[0].res; res != nil && res.Status == 200 {
		ti, err := genesys.DecodeTokenInfo(res.Body)
		if err != nil {
			ev.TokenFetch.Err = "the response " + err.Error()
		} else {
			ev.TokenInfo = ti
		}
	}

	ev.ConversationFetch = fetchOf("GET /api/v2/conversations/{id}", results[1].res, results[1].err)
	if res := results[1].res; res != nil && res.Status == 200 {
		d, err := genesys.DecodeConversation(res.Body, convID)
		switch {
		case err != nil:
			ev.ConversationFetch.Err = "the response " + err.Error()
		case d.Conversation != nil:
			ev.Conversation = d.Conversation
		default:
			ev.Call = d.Call
		}
	}
	callFetch := fetchOf("GET /api/v2/conversations/calls/{id}", results[2].res, results[2].err)
	if res := results[2].res; res != nil && res.Status == 200 {
		d, err := genesys.DecodeConversation(res.Body, convID)
		if err == nil && d.Call != nil {
			ev.Call, ev.CallFetch = d.Call, callFetch
		} else if err == nil {
			ev.Notes = append(ev.Notes, "GET /api/v2/conversations/calls/{id} answered with the generic view; ignored")
		}
	} else if res != nil && res.Status == 404 && ev.Conversation != nil {
		// Expected for a conversation that is not a call: the calls view
		// was fetched in parallel, before the media was known.
	} else {
		ev.CallFetch = callFetch
	}

	for _, f := range []*diagnose.Fetch{ev.TokenFetch, ev.ConversationFetch, ev.CallFetch} {
		if f == nil {
			continue
		}
		if why := incomplete(f); why != "" {
			ev.Incomplete = append(ev.Incomplete, why)
		}
	}
	if ev.Conversation == nil && ev.Call == nil && ev.ConversationFetch.Status == 404 {
		ev.Notes = append(ev.Notes, fmt.Sprintf("conversation %s was not found in the org of the token at %s", convID, t.APIBase))
	}
}

// tokenFailure says why convdiag's own token request failed. It is
// convdiag's login, not the customer's: it says nothing about the token the
// customer's request carried.
func tokenFailure(te *genesys.TokenError, t Target, budgetSpent bool) string {
	own := "convdiag's own token request to " + t.TokenURL
	switch {
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
	f.CorrelationID, f.RateLimit = res.CorrelationID(), res.RateLimit()
	if res.Status/100 != 2 {
		if eb, ok := genesys.DecodeErrorBody(res.Body); ok {
			f.ErrorBody = eb
		}
	}
	if res.BudgetSpent {
		f.Warnings = append(f.Warnings, fmt.Sprintf("stopped retrying after %d attempt(s): the time budget would not allow another", res.Attempts))
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
		return fmt.Sprintf("%s answered %d after %d attempt(s): the API is unavailable", f.Source, f.Status, f.Attempts)
	}
	return fmt.Sprintf("%s answered %d", f.Source, f.Status)
}
