// Package collect gathers the evidence of a live check: the token, then GET
// /api/v2/tokens/me, GET /api/v2/conversations/{id}, GET
// /api/v2/conversations/calls/{id} and the analytics details in parallel,
// so a check costs two round trips. It is the only part of convdiag that reads from an org, and it can
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

// AnalyticsPath is the analytics details GET of a conversation.
func AnalyticsPath(id string) string {
	return "/api/v2/analytics/conversations/" + url.PathEscape(id) + "/details"
}

// The reads of the token's grants (reference §8d).
const PathSubject = "/api/v2/authorization/subjects/me"

// OAuthClientPath is the GET of an OAuth client.
func OAuthClientPath(id string) string { return "/api/v2/oauth/clients/" + url.PathEscape(id) }

// RolePath is the GET of a role.
func RolePath(id string) string { return "/api/v2/authorization/roles/" + url.PathEscape(id) }

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

	// Round trip 2: the reads in parallel; each is applied to the evidence
	// in a fixed order, whatever order they arrived in.
	reads := []read{
		{PathTokenInfo, applyTokenInfo},
		{ConversationPath(convID), applyConversation},
		{CallPath(convID), applyCall},
		{AnalyticsPath(convID), applyAnalytics},
		{PathSubject, applySubject},
	}
	if id := c.ClientID(); id != "" {
		// convdiag's own client: its roles can be asked for now.
		reads = append(reads, read{OAuthClientPath(id), applyOAuthClient})
	}
	getAll(ctx, c, ev, convID, reads)
	ev.ObservedAt = now().UTC()
	collectRoles(ctx, c, ev)

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

// getAll sends the reads in parallel and applies each outcome to the
// evidence in a fixed order, whatever order they arrived in.
func getAll(ctx context.Context, c *genesys.Client, ev *diagnose.Evidence, convID string, reads []read) {
	if len(reads) == 0 {
		return
	}
	ev.ReadRounds++
	type out struct {
		res *genesys.Result
		err error
	}
	results := make([]out, len(reads))
	var wg sync.WaitGroup
	for i, r := range reads {
		wg.Add(1)
		go func(i int, p string) {
			defer wg.Done()
			res, err := c.Get(ctx, p)
			results[i] = out{res, err}
		}(i, r.path)
	}
	wg.Wait()
	for i, r := range reads {
		r.apply(ev, convID, results[i].res, results[i].err)
	}
}

// collectRoles reads what subjects/me did not tell (a client-credentials
// token's subject may list no grants, UNCONFIRMED): the OAuth client, when
// its id is known only now, then its roles, in parallel. It costs a third
// round trip only on that path.
func collectRoles(ctx context.Context, c *genesys.Client, ev *diagnose.Evidence) {
	if ev.Subject != nil && len(ev.Subject.Grants) > 0 {
		return
	}
	if ev.OAuthClient == nil && ev.OAuthClientFetch == nil {
		ti := ev.TokenInfo
		if ti == nil || ti.OAuthClient == nil || ti.OAuthClient.ID == "" || !strings.EqualFold(strings.ReplaceAll(ti.OAuthClient.AuthorizedGrantType, "_", "-"), "CLIENT-CREDENTIALS") {
			return
		}
		if err := checkPathID("the OAuth client id of GET /api/v2/tokens/me", ti.OAuthClient.ID); err != nil {
			ev.Notes = append(ev.Notes, err.Error())
			return
		}
		getAll(ctx, c, ev, "", []read{{OAuthClientPath(ti.OAuthClient.ID), applyOAuthClient}})
	}
	if ev.OAuthClient == nil {
		return
	}
	var reads []read
	seen := map[string]bool{}
	for _, rd := range ev.OAuthClient.RoleDivisions {
		if rd.RoleID == "" || seen[rd.RoleID] {
			continue
		}
		if err := checkPathID("a role id of GET /api/v2/oauth/clients/{id}", rd.RoleID); err != nil {
			ev.Notes = append(ev.Notes, err.Error())
			continue
		}
		seen[rd.RoleID] = true
		reads = append(reads, read{RolePath(rd.RoleID), applyRole})
	}
	getAll(ctx, c, ev, "", reads)
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

// read is one GET of the second round and how its outcome becomes
// evidence.
type read struct {
	path  string
	apply func(ev *diagnose.Evidence, convID string, res *genesys.Result, err error)
}

func applyTokenInfo(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	ev.TokenFetch = fetchOf("GET /api/v2/tokens/me", res, err)
	if res != nil && res.Status == 200 {
		ti, err := genesys.DecodeTokenInfo(res.Body)
		if err != nil {
			ev.TokenFetch.Err = "the response " + err.Error()
		} else {
			ev.TokenInfo = ti
		}
	}
}

func applyConversation(ev *diagnose.Evidence, convID string, res *genesys.Result, err error) {
	ev.ConversationFetch = fetchOf("GET /api/v2/conversations/{id}", res, err)
	if res != nil && res.Status == 200 {
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
}

func applyCall(ev *diagnose.Evidence, convID string, res *genesys.Result, err error) {
	callFetch := fetchOf("GET /api/v2/conversations/calls/{id}", res, err)
	switch {
	case res != nil && res.Status == 200:
		d, err := genesys.DecodeConversation(res.Body, convID)
		if err == nil && d.Call != nil {
			ev.Call, ev.CallFetch = d.Call, callFetch
		} else if err == nil {
			ev.Notes = append(ev.Notes, "GET /api/v2/conversations/calls/{id} answered with the generic view; ignored")
		}
	case res != nil && res.Status == 404 && ev.Conversation != nil:
		// Expected for a conversation that is not a call: the calls view
		// was fetched in parallel, before the media was known.
	default:
		ev.CallFetch = callFetch
	}
}

// applyAnalytics keeps the conversation's history; a read it may not make
// (403) or that finds nothing (404) is a note, never a failure.
func applyAnalytics(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	f := fetchOf("GET /api/v2/analytics/conversations/{id}/details", res, err)
	switch {
	case res != nil && res.Status == 200:
		a, err := genesys.DecodeAnalytics(res.Body)
		if err != nil {
			ev.Notes = append(ev.Notes, "GET /api/v2/analytics/conversations/{id}/details: the response "+err.Error())
			return
		}
		ev.Analytics, ev.AnalyticsFetch = a, f
	case res != nil && (res.Status == 403 || res.Status == 404):
		ev.Notes = append(ev.Notes, fmt.Sprintf("GET /api/v2/analytics/conversations/{id}/details answered %d: no history from analytics (it needs analytics:conversationDetail:view); the timeline is read from the conversation's timestamps only", res.Status))
	default:
		ev.Notes = append(ev.Notes, "GET /api/v2/analytics/conversations/{id}/details: "+fetchProblem(f))
	}
}

// applySubject keeps the token's grants; a read it may not make is kept
// as a fetch the token check notes, never a failure.
func applySubject(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	ev.SubjectFetch = fetchOf("GET /api/v2/authorization/subjects/me", res, err)
	if res != nil && res.Status == 200 {
		s, err := genesys.DecodeSubject(res.Body)
		if err != nil {
			ev.SubjectFetch.Err = "the response " + err.Error()
			return
		}
		ev.Subject = s
	}
}

func applyOAuthClient(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	ev.OAuthClientFetch = fetchOf("GET /api/v2/oauth/clients/{id}", res, err)
	if res != nil && res.Status == 200 {
		c, err := genesys.DecodeOAuthClient(res.Body)
		if err != nil {
			ev.OAuthClientFetch.Err = "the response " + err.Error()
			return
		}
		ev.OAuthClient = c
	}
}

func applyRole(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	f := fetchOf("GET /api/v2/authorization/roles/{id}", res, err)
	if res != nil && res.Status == 200 {
		r, err := genesys.DecodeRole(res.Body)
		if err != nil {
			f.Err = "the response " + err.Error()
		} else {
			ev.Roles = append(ev.Roles, r)
			ev.RoleFetches = append(ev.RoleFetches, f)
			return
		}
	}
	ev.RoleFetches = append(ev.RoleFetches, f)
}

func fetchProblem(f *diagnose.Fetch) string {
	if f.Err != "" {
		return f.Err
	}
	return fmt.Sprintf("answered %d", f.Status)
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
