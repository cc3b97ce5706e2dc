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
	"strconv"
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

// RolesPath is the org's roles listing, read in the same round as the
// OAuth client (one page of up to RolesPageSize roles, with their
// permissions), so that a client-credentials token's roles cost no round of
// their own; a role the page lacks is read by id afterwards.
const RolesPath = "/api/v2/authorization/roles"

// RolesPageSize is how many roles the listing asks for.
const RolesPageSize = 500

// Collect fills ev (whose request, body and response came from flags) with
// what the org shows for conversation convID: the token, then every read in
// one parallel round (two round trips; a third only for roles the listing
// did not hold).
func Collect(ctx context.Context, c *genesys.Client, t Target, ev *diagnose.Evidence, convID string, now func() time.Time) {
	live(ev, t)
	// Round trip 1: the token (none for an access token).
	if !login(ctx, c, t, ev, now) {
		return
	}
	// Round trip 2: the reads in parallel; each is applied to the evidence
	// in a fixed order, whatever order they arrived in.
	roles := &roleListing{}
	getAll(ctx, c, append(append(tokenReads(c), conversationReads(convID)...), documentReads(ev)...)).apply(ev, convID, roles)
	ev.ObservedAt = now().UTC()
	getAll(ctx, c, clientReads(ev)).apply(ev, "", roles)
	getAll(ctx, c, roleReads(ev, roles)).apply(ev, "", roles)
	conclude(ev, convID, t)
}

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

// tokenReads are the reads about the token: what it is and what it may do.
// With client credentials, convdiag's own OAuth client and the org's roles
// listing are read beside them.
func tokenReads(c *genesys.Client) []read {
	reads := []read{{path: PathTokenInfo, apply: applyTokenInfo}, {path: PathSubject, apply: applySubject}}
	if id := c.ClientID(); id != "" {
		reads = append(reads, read{path: OAuthClientPath(id), apply: applyOAuthClient},
			read{path: RolesPath + "?pageSize=" + strconv.Itoa(RolesPageSize), listing: true})
	}
	return reads
}

// conversationReads are the reads of one conversation: both views and its
// analytics history.
func conversationReads(convID string) []read {
	return []read{{path: ConversationPath(convID), apply: applyConversation}, {path: CallPath(convID), apply: applyCall}, {path: AnalyticsPath(convID), apply: applyAnalytics}}
}

// documentReads are the reads of the registry's documents this evidence
// needs (the destination queue or user a transfer names), in the same
// parallel round as the conversation's: no round trip of their own.
func documentReads(ev *diagnose.Evidence) []read {
	var reads []read
	for _, d := range diagnose.Documents {
		path := d.Path(ev)
		if path == "" || d.Fetch(ev) != nil {
			continue
		}
		reads = append(reads, read{path: path, apply: applyDocument(d)})
	}
	return reads
}

// applyDocument puts a registry document read into the evidence: the
// document when it decodes, and how it was read (a 404 is evidence, not a
// failure of the check).
func applyDocument(d *diagnose.Document) func(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
	return func(ev *diagnose.Evidence, _ string, res *genesys.Result, err error) {
		f := fetchOf(d.Source, res, err)
		var doc any
		if res != nil && res.Status == 200 {
			if doc, err = d.Decode(res.Body); err != nil {
				f.Err, doc = "the response "+err.Error(), nil
			}
		}
		d.Set(ev, doc, f)
	}
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
// its reads.
type round struct {
	reads   []read
	results []outcome
}

type outcome struct {
	res *genesys.Result
	err error
}

// getAll sends the reads in parallel.
func getAll(ctx context.Context, c *genesys.Client, reads []read) round {
	r := round{reads: reads, results: make([]outcome, len(reads))}
	var wg sync.WaitGroup
	for i, rd := range reads {
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
// whatever order they arrived in (the roles listing to roles); a round
// with reads counts in ev.ReadRounds.
func (r round) apply(ev *diagnose.Evidence, convID string, roles *roleListing) {
	if len(r.reads) == 0 {
		return
	}
	ev.ReadRounds++
	for i, rd := range r.reads {
		if rd.listing {
			roles.apply(r.results[i].res, r.results[i].err)
			continue
		}
		rd.apply(ev, convID, r.results[i].res, r.results[i].err)
	}
}

// roleListing holds the org's roles listing of one round, for roleReads.
type roleListing struct {
	fetch *diagnose.Fetch
	roles []genesys.DomainOrganizationRole
	read  bool
}

func (l *roleListing) apply(res *genesys.Result, err error) {
	l.fetch = fetchOf("GET "+RolesPath, res, err)
	l.fetch.Raw = nil // a bundle keeps the roles it used, one file each
	if res == nil || res.Status != 200 {
		return
	}
	list, err := genesys.DecodeRoleListing(res.Body)
	if err != nil {
		l.fetch.Err = "the response " + err.Error()
		return
	}
	l.roles, l.read = list, true
}

// clientReads is the read of the token's OAuth client when its id became
// known only from tokens/me (an access token of a client-credentials
// client) and its grants are still unknown; none otherwise.
func clientReads(ev *diagnose.Evidence) []read {
	if ev.Subject != nil && len(ev.Subject.Grants) > 0 || ev.OAuthClient != nil || ev.OAuthClientFetch != nil {
		return nil
	}
	ti := ev.TokenInfo
	if ti == nil || ti.OAuthClient == nil || ti.OAuthClient.ID == "" || !strings.EqualFold(strings.ReplaceAll(ti.OAuthClient.AuthorizedGrantType, "_", "-"), "CLIENT-CREDENTIALS") {
		return nil
	}
	if err := checkPathID("the OAuth client id of GET /api/v2/tokens/me", ti.OAuthClient.ID); err != nil {
		ev.Notes = append(ev.Notes, err.Error())
		return nil
	}
	return []read{{path: OAuthClientPath(ti.OAuthClient.ID), apply: applyOAuthClient}}
}

// roleReads takes what subjects/me did not tell (a client-credentials
// token's subject may list no grants, UNCONFIRMED) from the roles listing
// read beside the OAuth client, and returns the role reads still needed:
// by id, those the listing lacked (all of them when it was not read).
// Usually none: then the roles cost no round trip of their own.
func roleReads(ev *diagnose.Evidence, roles *roleListing) []read {
	if ev.Subject != nil && len(ev.Subject.Grants) > 0 || ev.OAuthClient == nil {
		return nil
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
		if r := roles.find(rd.RoleID); r != nil {
			f := *roles.fetch
			ev.Roles, ev.RoleFetches = append(ev.Roles, r), append(ev.RoleFetches, &f)
			continue
		}
		reads = append(reads, read{path: RolePath(rd.RoleID), apply: applyRole})
	}
	return reads
}

// find returns a copy of role id from the listing, nil when it is not
// there.
func (l *roleListing) find(id string) *genesys.DomainOrganizationRole {
	if l == nil || !l.read {
		return nil
	}
	for i := range l.roles {
		if strings.EqualFold(l.roles[i].ID, id) {
			r := l.roles[i]
			return &r
		}
	}
	return nil
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

// read is one GET and how its outcome becomes evidence (listing: it is
// the roles listing, kept aside for roleReads).
type read struct {
	path    string
	apply   func(ev *diagnose.Evidence, convID string, res *genesys.Result, err error)
	listing bool
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
