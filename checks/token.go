package checks

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Token is the third check: what kind of token made the request, for which
// org, with which scopes; how it was sent; what the response says about
// authorisation.
var Token = &diagnose.Check{
	ID:       "token",
	Title:    "Token and permissions",
	Doc:      "Token kind (client credentials or user), org, authorizedScope, idle expiry; the Authorization scheme; the permissions the endpoint needs; what a 401/403 says.",
	Requires: []*diagnose.Check{RequestLine, OperationCheck, BodyShape},
	Causes: []*diagnose.CauseInfo{causeRateLimited, causeTokenInvalid, causeTokenNotBearer, causeTokenScopeMissing, causeTokenPermissionMissing, causeTokenDivisionMissing,
		causeTokenNoUserContext, causeTokenNotParty},
	Run: runToken,
}

// The causes token reports (stable ids: add, never rename).
var (
	causeRateLimited = &diagnose.CauseInfo{ID: "rate.limited",
		Title:     "Rate limited (429)",
		Meaning:   "The request was answered 429 Too Many Requests: the org's (or the OAuth client's) rate limit was spent, so the server did not act on the request at all (too.many.requests, too.many.requests.retry.after; Retry-After and the inin-ratelimit-allowed, -count and -reset headers say how long and how many). Nothing is wrong with the request itself.",
		Detection: "token reads the customer's response status, code and headers (Retry-After, inin-ratelimit-*).",
		Remedy:    "Send the same request again after Retry-After, and pace the integration under the limit (inin-ratelimit-allowed per window); do not retry at once in a loop.",
		Confirm:   "The same request, sent after the wait, gets its normal answer.",
	}
	causeTokenInvalid = &diagnose.CauseInfo{ID: "token.invalid",
		Title:        "Token expired or rejected",
		Meaning:      "The request was answered 401: its token was expired, malformed, revoked, or issued by another region's login host, so the request was never authorised. Only the customer's own 401 shows this; convdiag failing to get a token of its own says nothing about the customer's token (the diagnosis is then incomplete).",
		Detection:    "token reads the status and error code of the customer's response (401, bad.credentials, authentication.required).",
		Remedy:       "Get a new token from https://login.<region domain>/oauth/token of the org's region and send the request again.",
		Confirm:      "GET /api/v2/tokens/me with the new token answers 200 with the org's name.",
		SuppressedBy: []*diagnose.CauseInfo{causeEndpointWrongRegion, causeTokenNotBearer},
	}
	causeTokenNotBearer = &diagnose.CauseInfo{ID: "token.not-bearer",
		Title:     "Authorization is not a Bearer token",
		Meaning:   "The Platform API takes `Authorization: Bearer <access token>`. The request sent something else: Basic credentials (curl -u, the OAuth client's id and secret, which only the token endpoint takes), a bare token without the Bearer scheme, or another scheme. The API answers 401.",
		Detection: "token reads the scheme of the Authorization header of a pasted curl command or a HAR entry (the value itself is never kept).",
		Remedy:    "Exchange the client credentials for a token at https://login.<region domain>/oauth/token, then send `Authorization: Bearer <access_token>`.",
		Confirm:   "The request's Authorization header starts with \"Bearer \"; the 401 goes away.",
	}
	causeTokenScopeMissing = &diagnose.CauseInfo{ID: "token.scope-missing",
		Title:     "User token without the conversations scope",
		Meaning:   "A token issued to a user (code, implicit, PKCE, SAML2 bearer) carries scopes; changing a conversation needs the scope \"conversations\", and \"conversations:readonly\" only reads. (Client-credentials tokens carry roles, not scopes.) \"conversations:write\" is not a Genesys scope name.",
		Detection: "token reads authorizedScope and OAuthClient.authorizedGrantType from GET /api/v2/tokens/me (a non-empty authorizedScope is a scoped, user grant), and the response status.",
		Remedy:    "Add the conversations scope to the OAuth client and have the user authorise again.",
		Confirm:   "GET /api/v2/tokens/me lists \"conversations\" in authorizedScope; the request no longer gets 403.",
	}
	causeTokenPermissionMissing = &diagnose.CauseInfo{ID: "token.permission-missing",
		Title:        "Missing permission",
		Meaning:      "The request was refused with 403: the roles behind the token lack a permission the endpoint needs. The participant PATCH needs ANY of conversation:communication:disconnect, conversation:participant:wrapup, conversation:call:record; the teardown endpoints need conversation:communication:disconnect. A missing permission normally surfaces as 403, not 409 (inference).",
		Detection:    "token reads the response status and error body (missing.any.permissions) and the endpoint's permissions from the table.",
		Remedy:       "Grant a role with one of the permissions (for client credentials: on the OAuth client's roles, in the conversation's division).",
		Confirm:      "The request no longer gets 403.",
		SuppressedBy: []*diagnose.CauseInfo{causeTokenScopeMissing, causeTokenInvalid},
	}
	causeTokenDivisionMissing = &diagnose.CauseInfo{ID: "token.division-missing",
		Title:     "Permission held, but not in the conversation's division",
		Meaning:   "The token's roles carry the permission the endpoint needs, but granted in divisions the conversation is not in. Genesys checks division-aware permissions against the conversation's divisions (the queues, users and flows it touched), and answers 403 missing.division.permission.",
		Detection: "token reads the error code (missing.division.permission, missing.any.division.permissions) and, when given, the token's grants against the conversation's divisions[].",
		Remedy:    "Grant the role in the conversation's division (or in all divisions) to the OAuth client or user.",
		Confirm:   "The request no longer gets 403 missing.division.permission.",
	}
	causeTokenNoUserContext = &diagnose.CauseInfo{ID: "token.no-user-context",
		Title:     "Client-credentials token used for an action that needs a user",
		Meaning:   "Client-credentials tokens have no user. The API definitions list not.a.user (\"This request requires a user context\") for the /calls/ participant and communication PATCHes, PATCH /conversations/calls/{id}, DELETE /conversations/{id} and the consult operations; the generic participant PATCH does not list it. The official developer blog adds that answering (state \"connected\") and placing calls need a user token.",
		Detection: "token reads the token kind (OAuthClient.authorizedGrantType, authorizedScope), the endpoint's documented codes, the body's state, and the response's code.",
		Remedy:    "Drop the participant with the generic PATCH /api/v2/conversations/{conversationId}/participants/{participantId}, which does not need a user; or use a token of the user on the call.",
		Confirm:   "The generic PATCH answers 202 with the same client-credentials token.",
	}
	causeTokenNotParty = &diagnose.CauseInfo{ID: "token.not-party",
		Title:     "The token's user is not the participant's user",
		Meaning:   "The /calls/ participant operations act for the user on the call: with a user token of someone else the server answers conversation.error.user.not.party (\"The participant for this request does not belong to the user making the request\") or conversation.error.not.conversation.participant.",
		Detection: "token reads the response's error code.",
		Remedy:    "Drop the participant with the generic PATCH /api/v2/conversations/{conversationId}/participants/{participantId}, or with a token of the participant's own user.",
		Confirm:   "The generic PATCH answers 202.",
	}
)

// TokenKind classifies a token.
type TokenKind string

// Token kinds.
const (
	TokenClientCredentials TokenKind = "client-credentials"
	TokenUser              TokenKind = "user"
	TokenUnknown           TokenKind = "unknown"
)

// TokenFacts is what the token check established.
type TokenFacts struct {
	Kind TokenKind
	Org  string
	// Permissions is what the token's grants show for the request (nil
	// when they were not read).
	Permissions *diagnose.Permissions
}

// tokenKind classifies the token from GET /api/v2/tokens/me and names the
// field that shows it.
func tokenKind(ti *genesys.TokenInfo) (TokenKind, string) {
	if ti == nil {
		return TokenUnknown, ""
	}
	if ti.OAuthClient != nil && ti.OAuthClient.AuthorizedGrantType != "" {
		g := strings.ToUpper(strings.ReplaceAll(ti.OAuthClient.AuthorizedGrantType, "_", "-"))
		if g == "CLIENT-CREDENTIALS" {
			return TokenClientCredentials, "OAuthClient.authorizedGrantType"
		}
		return TokenUser, "OAuthClient.authorizedGrantType"
	}
	if len(ti.AuthorizedScope) > 0 {
		// Scopes are granted only to the user grants (code, implicit,
		// PKCE, SAML2 bearer); client-credentials clients have roles.
		return TokenUser, "authorizedScope"
	}
	if ti.AuthenticatedUser != nil && ti.AuthenticatedUser.ID != "" {
		return TokenUser, "authenticatedUser"
	}
	return TokenUnknown, ""
}

// tokenPass is one run of the token check: the evidence it reads, named.
type tokenPass struct {
	p      *diagnose.Pass
	ev     *diagnose.Evidence
	ep     *genesys.Endpoint
	rf     *RequestFacts
	of     *OperationFacts
	bf     *BodyFacts
	tf     *TokenFacts
	status int
	src    string
	resp   diagnose.Ref
}

func runToken(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	t := &tokenPass{p: p, ev: ev, tf: &TokenFacts{Kind: TokenUnknown}, src: "GET /api/v2/tokens/me"}
	if ev.Mode == diagnose.ModeDryRun {
		p.Skip("dry run: the token is not judged")
		return t.tf, nil
	}
	defer reportErrorBody(p)
	if rf, ok := diagnose.Result[*RequestFacts](p, RequestLine); ok {
		t.ep, t.rf = rf.Endpoint, rf
	}
	t.of, _ = diagnose.Result[*OperationFacts](p, OperationCheck)
	t.bf, _ = diagnose.Result[*BodyFacts](p, BodyShape)
	if ev.Response != nil {
		t.status = ev.Response.Status
	}
	t.resp = diagnose.Ref{Source: "response", Path: "status", Value: fmt.Sprint(t.status)}
	if ev.TokenFetch != nil {
		t.src = ev.TokenFetch.Label()
	}
	if f := ev.TokenFetch; f != nil && f.Status == 401 {
		p.Detail("convdiag's own GET /api/v2/tokens/me answered 401: that says nothing about the customer's token (see the notes)")
	}
	grantsKnown := ev.Subject != nil || ev.OAuthClient != nil
	if ev.TokenInfo == nil && t.status == 0 && ev.Request.AuthScheme == "" && !grantsKnown {
		p.Skip("no token evidence: give --token-info-json (GET /api/v2/tokens/me), --subject-json or --status, or run live")
		return t.tf, nil
	}
	t.readTokenInfo()
	t.judgeRateLimited()
	t.judgeScheme()
	t.judgeRejected()
	scopeMissing := t.judgeScopes()
	g := t.readGrants()
	if g != nil {
		t.tf.Permissions = g.perms
	}
	t.judgeForbidden(scopeMissing, g)
	t.judgeUserContext()
	switch {
	case ev.TokenInfo == nil && t.status == 0 && !grantsKnown && ev.Request.AuthScheme == "":
		p.Skip("%s: give --token-info-json (GET /api/v2/tokens/me) or the response's status", notRead(ev.TokenFetch, "no GET /api/v2/tokens/me"))
	case ev.TokenInfo == nil && t.status == 0:
		p.Summary("no GET /api/v2/tokens/me (%s)", notRead(ev.TokenFetch, "not given"))
	case ev.TokenInfo == nil:
		p.Summary("%s; judged from the response status %d", notRead(ev.TokenFetch, "no GET /api/v2/tokens/me"), t.status)
	case t.tf.Org != "":
		p.Summary("%s token for org %q", t.tf.Kind, t.tf.Org)
	default:
		p.Summary("%s token", t.tf.Kind)
	}
	return t.tf, nil
}

// notRead says why a document was not read: rate limited, or the fetch's
// own failure; def when it was not asked for.
func notRead(f *diagnose.Fetch, def string) string {
	switch {
	case f == nil:
		return def
	case f.Status == 429:
		return f.Source + " not read (rate limited)"
	case f.Err != "":
		return f.Source + " not read: " + f.Err
	case !f.OK():
		return fmt.Sprintf("%s not read (HTTP %d)", f.Source, f.Status)
	}
	return def
}

// readTokenInfo reads what GET /api/v2/tokens/me says.
func (t *tokenPass) readTokenInfo() {
	ti := t.ev.TokenInfo
	if ti == nil {
		return
	}
	p := t.p
	kind, field := tokenKind(ti)
	t.tf.Kind = kind
	if ti.Organization != nil {
		t.tf.Org = ti.Organization.Name
		p.Saw(t.src, "organization", orgLabel(ti.Organization))
	}
	switch {
	case field == "OAuthClient.authorizedGrantType":
		p.Saw(t.src, field, ti.OAuthClient.AuthorizedGrantType)
	case field != "":
		p.Saw(t.src, field, ti.AuthorizedScope)
	}
	if ti.AuthorizedScope != nil && field != "authorizedScope" {
		p.Saw(t.src, "authorizedScope", ti.AuthorizedScope)
	}
	if ti.DateTokenIdles != "" {
		p.Saw(t.src, "dateTokenIdles", ti.DateTokenIdles)
	}
	if ti.HomeOrganization != nil && ti.Organization != nil && ti.HomeOrganization.ID != "" && ti.HomeOrganization.ID != ti.Organization.ID {
		p.Detail("the token's home org (%s) is not the org it acts in (%s): a trustee/cloned user", orgLabel(ti.HomeOrganization), orgLabel(ti.Organization))
	}
}

// judgeRateLimited reports rate.limited from the customer's 429.
func (t *tokenPass) judgeRateLimited() {
	r := t.ev.Response
	if r == nil || r.Status == 0 {
		return
	}
	if r.Status != 429 {
		t.p.RuleOut(causeRateLimited, "the response was %d, not 429", r.Status)
		return
	}
	refs := []diagnose.Ref{t.resp}
	wait := ""
	for _, h := range r.Headers {
		n := strings.ToLower(h.Name)
		if n == "retry-after" || strings.HasPrefix(n, "inin-ratelimit-") {
			refs = append(refs, diagnose.Ref{Source: "response", Path: h.Name + " header", Value: h.Value})
		}
		if n == "retry-after" {
			wait = h.Value
		}
	}
	if eb := r.ErrorBody(); eb != nil && eb.Code != "" {
		refs = append(refs, diagnose.Ref{Source: "response", Path: "code", Value: eb.Code})
		if vs := genesys.QuotedValues(eb.Message); wait == "" && len(vs) > 0 {
			wait = vs[0] // "Retry the request in [N] seconds"
		}
	}
	after := "after the time Retry-After gives"
	if wait != "" {
		after = "after " + wait + " s (Retry-After)"
	}
	fix := newFix("Send the same request again "+after+", and pace the integration under inin-ratelimit-allowed",
		"wait "+strings.TrimPrefix(after, "after ")+" before sending it; a loop that retries at once keeps the limit spent")
	t.p.Report(diagnose.Cause{Info: causeRateLimited, Likelihood: diagnose.Confirmed, Evidence: refs,
		Explanation: fmt.Sprintf("The request was answered 429: the rate limit was spent, so the server did not act on it at all; nothing about the request or the participant can be read from this answer. Send it again %s.", after),
		Fix:         fix})
}

// judgeScheme reports token.not-bearer from the Authorization scheme sent.
func (t *tokenPass) judgeScheme() {
	scheme := t.ev.Request.AuthScheme
	switch {
	case scheme == "":
		if len(t.ev.Request.Headers) > 0 {
			t.p.Detail("the request as given has no Authorization header (removed before it was pasted?)")
		}
		return
	case strings.EqualFold(scheme, "Bearer"):
		t.p.RuleOut(causeTokenNotBearer, "the request sent Authorization: Bearer <token>")
		return
	case scheme == diagnose.AuthVariable:
		t.p.Detail("the Authorization header is a shell variable: its scheme is not known")
		return
	}
	l, seen := diagnose.Likely, ""
	if t.status == 401 {
		l, seen = diagnose.Confirmed, " The 401 it got is the API refusing it."
	}
	what := "the scheme " + scheme
	switch scheme {
	case "Basic":
		what = "Basic (a user and password, or the OAuth client's id and secret, which only the token endpoint takes)"
	case diagnose.AuthBare:
		what = "a token without the \"Bearer \" scheme"
	}
	t.p.Report(diagnose.Cause{Info: causeTokenNotBearer, Likelihood: l,
		Evidence:    []diagnose.Ref{{Source: srcRequest, Path: "Authorization header", Value: scheme + " <value not kept>"}},
		Explanation: fmt.Sprintf("The request's Authorization was %s; the Platform API takes only `Authorization: Bearer <access token>`.%s", what, seen),
		Fix:         newFix("Get an access token from https://login.<region domain>/oauth/token and send it as Authorization: Bearer <token>")})
}

// judgeRejected reports token.invalid from the customer's own 401.
func (t *tokenPass) judgeRejected() {
	switch {
	case t.status == 401:
		t.p.Report(diagnose.Cause{Info: causeTokenInvalid, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{t.resp},
			Explanation: "The request was answered 401: the token was expired, malformed, or issued by another region's login host, so the request was never authorised.",
			Fix:         newFix("Get a new token from https://login.<region domain>/oauth/token and send the request again")})
	case t.status != 0:
		t.p.RuleOut(causeTokenInvalid, "the response was %d, not 401: the token was accepted", t.status)
	}
}

// judgeScopes reports token.scope-missing for user tokens.
func (t *tokenPass) judgeScopes() (missing bool) {
	ti, ep := t.ev.TokenInfo, t.ep
	switch {
	case t.tf.Kind == TokenClientCredentials:
		t.p.RuleOut(causeTokenScopeMissing, "a client-credentials token carries roles, not scopes")
		return false
	case ti == nil || t.tf.Kind != TokenUser:
		return false
	case ep == nil:
		if !t.ev.Request.Known() {
			t.p.Detail("the user token's scopes %v are not judged: the request is unknown", ti.AuthorizedScope)
		}
		return false
	case ep.Reads():
		return false
	}
	has, readonly, bogus := scopeState(ti.AuthorizedScope)
	for _, b := range bogus {
		t.p.Detail("authorizedScope holds %q, which is not a Genesys scope name (conversations, conversations:readonly)", b)
	}
	if has {
		t.p.RuleOut(causeTokenScopeMissing, "the user token has the conversations scope")
		return false
	}
	l, why := diagnose.Likely, ""
	if t.status == 403 {
		l, why = diagnose.Confirmed, " The 403 is what a token without the scope gets."
	}
	what := "no conversations scope"
	if readonly {
		what = "only conversations:readonly, which reads but does not change conversations"
	}
	t.p.Report(diagnose.Cause{Info: causeTokenScopeMissing, Likelihood: l,
		Evidence:    []diagnose.Ref{{Source: t.src, Path: "authorizedScope", Value: diagnose.ValueString(ti.AuthorizedScope)}, t.resp},
		Explanation: fmt.Sprintf("The token is a user token with %s; %s %s changes a conversation and needs the scope \"conversations\".%s", what, ep.Method, ep.Path, why),
		Fix:         newFix("Add the conversations scope to the OAuth client, have the user authorise again, and resend")})
	return true
}

// judgeForbidden reports token.permission-missing and
// token.division-missing: from the token's grants when they were read, else
// from a 403.
func (t *tokenPass) judgeForbidden(scopeMissing bool, g *grantVerdict) {
	ep := t.ep
	switch {
	case t.status == 401:
		return
	case t.status != 0 && t.status != 403:
		also := ""
		if g != nil && g.perms.Verdict == "held" {
			also = "; the token holds it: " + g.holders(g.where())
		}
		t.p.RuleOut(causeTokenPermissionMissing, "the response was %d, not 403: the request was authorised%s", t.status, also)
		t.p.RuleOut(causeTokenDivisionMissing, "the response was %d, not 403: the request was authorised%s", t.status, also)
		if g != nil && g.perms.Verdict != "held" && g.perms.Verdict != "unknown" {
			t.p.Detail("the grants read (%s) say %s, yet the request was authorised: the token that sent it is not the one convdiag read", g.perms.Source, verdictWords[g.perms.Verdict])
		}
		return
	case g != nil && g.perms.Verdict != "unknown":
		t.judgeGrants(g, scopeMissing)
		return
	case g != nil:
		t.judgeGrants(g, scopeMissing) // says why the grants do not settle it
	}
	switch {
	case t.status == 403:
	default:
		if ep != nil && len(ep.Permissions) > 0 && t.status == 0 {
			t.p.Detail("%s %s needs ANY of %s; tokens/me does not list permissions", ep.Method, ep.Path, strings.Join(ep.Permissions, ", "))
		}
		return
	}
	if ec := responseCode(t.ev); ec != nil && ec.Cause == causeTokenDivisionMissing.ID {
		return // the documented code names the cause (reportErrorBody)
	}
	l := diagnose.Likely
	if scopeMissing {
		l = diagnose.Possible
	}
	expl := "The request was refused with 403: the roles behind the token lack a permission the endpoint needs."
	if ep != nil && len(ep.Permissions) > 0 {
		expl = fmt.Sprintf("The request was refused with 403: %s %s needs ANY of %s.", ep.Method, ep.Path, strings.Join(ep.Permissions, ", "))
	}
	refs := []diagnose.Ref{t.resp}
	if eb := t.ev.Response.ErrorBody(); eb != nil && (eb.Code != "" || eb.Message != "") {
		refs = append(refs, diagnose.Ref{Source: "response", Path: "code", Value: eb.Code}, diagnose.Ref{Source: "response", Path: "message", Value: eb.Message})
		if namesPermission(eb, ep) && !scopeMissing {
			l = diagnose.Confirmed
			expl += " The error body names the permission."
		}
	}
	perm := ""
	if ep != nil && len(ep.Permissions) > 0 {
		perm = t.preferred(ep.Permissions)
	}
	fix := newFix("Grant a role with one of those permissions (for client credentials: on the OAuth client's roles, in the conversation's division)")
	if perm != "" {
		fix = newFix(fmt.Sprintf("Grant a role carrying %s to %s in the conversation's division", perm, t.grantee()))
		fix.Steps = t.grantSteps(t.roleWith(perm), diagnose.ConversationDivisions(t.ev), perm)
	}
	t.p.Report(diagnose.Cause{Info: causeTokenPermissionMissing, Likelihood: l, Evidence: refs, Explanation: expl, Fix: fix})
}

// verdictWords says a grants verdict in words.
var verdictWords = map[string]string{
	"not-held":       "the token lacks the permission",
	"held-elsewhere": "the token holds the permission only outside the conversation's divisions",
	"held-in-some":   "the token holds the permission in only some of the conversation's divisions",
}

// namesPermission reports whether an error body names a permission (one of
// the endpoint's, or any domain:entity:action).
func namesPermission(eb *genesys.ErrorBody, ep *genesys.Endpoint) bool {
	text := strings.ToLower(eb.Code + " " + eb.Message + " " + eb.MessageWithParams)
	if ep != nil {
		for _, perm := range ep.Permissions {
			if strings.Contains(text, perm) {
				return true
			}
		}
	}
	return strings.Contains(text, "permission")
}

// judgeUserContext reports token.no-user-context: a client-credentials
// token on an endpoint whose definition lists not.a.user, or on an
// operation only a user may do (answering).
func (t *tokenPass) judgeUserContext() {
	ep, op := t.ep, t.p.Operation
	switch {
	case t.tf.Kind == TokenUser:
		t.p.RuleOut(causeTokenNoUserContext, "the token belongs to a user")
		return
	case t.tf.Kind != TokenClientCredentials || ep == nil:
		return
	}
	ref := t.p.Saw(t.src, "OAuthClient.authorizedGrantType", t.ev.TokenInfo.OAuthClient.AuthorizedGrantType)
	switch {
	case op.Known() && op.UserOnly:
		l := diagnose.Likely
		if eb := t.ev.Response.ErrorBody(); t.status == 400 && eb != nil && eb.Code == "not.a.user" {
			l = diagnose.Confirmed // a generic 400 does not say why
		}
		why := fmt.Sprintf("A client-credentials token has no user, and %s needs one on every endpoint", op.Words.Gerund+" "+op.Words.Object)
		if op.ID == diagnose.OpAnswer {
			why = "A client-credentials token has no user. The official developer blog says answering a call (state \"connected\") works only with a token of the user whose phone rings, and answers 400 otherwise"
		}
		t.p.Report(diagnose.Cause{Info: causeTokenNoUserContext, Likelihood: l, Evidence: []diagnose.Ref{ref, t.resp},
			Explanation: why + ".",
			Fix:         userContextFix(t.p)})
	case ep.NeedsUser:
		l, seen := diagnose.Likely, ""
		if t.status != 0 && t.status != 400 {
			// not.a.user is a 400: the server answered something else.
			l, seen = diagnose.Possible, fmt.Sprintf(" The response was %d, not the 400 not.a.user is, so it did not refuse this request for that reason (it may once the %d is fixed).", t.status, t.status)
		}
		t.p.Report(diagnose.Cause{Info: causeTokenNoUserContext, Likelihood: l, Evidence: []diagnose.Ref{ref, {Source: "endpoint table", Path: ep.ID, Value: "documents 400 not.a.user"}, t.resp},
			Explanation: fmt.Sprintf("The token is a client-credentials token, which has no user, and the API definition lists not.a.user (\"This request requires a user context. Client credentials cannot be used for requests to this resource.\") for %s %s.%s%s", ep.Method, ep.Path, withoutUser(op), seen),
			Fix:         userContextFix(t.p)})
	case t.of != nil && t.of.Performs:
		t.p.RuleOut(causeTokenNoUserContext, "%s %s does not list not.a.user in the API definition (that it then succeeds for every media with a client-credentials token is UNCONFIRMED)", ep.Method, ep.Path)
	}
}

// withoutUser names the operation's endpoint that a client-credentials
// token may use, when it has one.
func withoutUser(op *diagnose.Operation) string {
	if ep := userlessEndpoint(op); ep != nil {
		return fmt.Sprintf(" %s %s does not list it.", ep.Method, ep.Path)
	}
	return ""
}

// userlessEndpoint is the first endpoint of the operation that does not
// need a user (nil when every one does, or the operation is unknown).
func userlessEndpoint(op *diagnose.Operation) *genesys.Endpoint {
	if !op.Known() || op.UserOnly {
		return nil
	}
	for _, id := range op.Endpoints {
		if ep := genesys.EndpointByID(id); !ep.NeedsUser {
			return ep
		}
	}
	return nil
}

// userContextFix is the fix of a request refused for its token's user: the
// operation's endpoint that needs no user, when it has one; otherwise a
// token of the user on the call.
func userContextFix(p *diagnose.Pass) *diagnose.Fix {
	op := p.Operation
	if ep := userlessEndpoint(op); ep != nil {
		return newFix(fmt.Sprintf("%s with %s %s, which does not need the token's user to be on the call", upperFirst(op.Words.Phrase()), ep.Method, genericShape(ep.Path)))
	}
	return noRequestFix("Use a token of the user on the call (code, implicit, PKCE or SAML2 bearer grant); a client-credentials token cannot " + opWords(p).Phrase())
}

// genericShape shortens a path template for prose: ".../participants/{participantId}".
func genericShape(path string) string {
	return strings.TrimPrefix(path, "/api/v2")
}

// scopeState reads authorizedScope: whether it allows changing
// conversations, whether it holds only the readonly scope, and names that
// are not Genesys scopes.
func scopeState(scopes []string) (has, readonly bool, bogus []string) {
	for _, s := range scopes {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "conversations", "conversations:all":
			has = true
		case "conversations:readonly":
			readonly = true
		case "conversations:write", "conversation:write", "conversations:read", "conversation:call:write":
			bogus = append(bogus, s)
		}
	}
	return has, readonly && !has, bogus
}

func orgLabel(n *genesys.NamedEntity) string {
	if n == nil {
		return ""
	}
	if n.Name != "" && n.ID != "" {
		return n.Name + " (" + n.ID + ")"
	}
	return n.Name + n.ID
}
