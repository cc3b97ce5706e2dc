package checks

import (
	"fmt"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Token is the third check: what kind of token made the request, for which
// org, with which scopes; what the response says about authorisation.
var Token = &diagnose.Check{
	ID:       "token",
	Title:    "Token and permissions",
	Doc:      "Token kind (client credentials or user), org, authorizedScope, idle expiry; the permissions the endpoint needs; what a 401/403 says.",
	Requires: []*diagnose.Check{RequestLine, BodyShape},
	Causes:   []*diagnose.CauseInfo{causeTokenInvalid, causeTokenScopeMissing, causeTokenPermissionMissing, causeTokenNoUserContext},
	Run:      runToken,
}

// The causes token reports (stable ids: add, never rename).
var (
	causeTokenInvalid = &diagnose.CauseInfo{ID: "token.invalid",
		Title:     "Token expired or rejected",
		Meaning:   "The server answered 401, or the token request failed (invalid_client, wrong secret, wrong region's login host), so the request was never authorised.",
		Detection: "token reads the response status, the token request outcome and GET /api/v2/tokens/me.",
		Remedy:    "Get a new token from https://login.<region domain>/oauth/token with valid client credentials for the org's region.",
		Confirm:   "GET /api/v2/tokens/me answers 200 with the org's name.",
	}
	causeTokenScopeMissing = &diagnose.CauseInfo{ID: "token.scope-missing",
		Title:     "User token without the conversations scope",
		Meaning:   "A token issued to a user (code, implicit, PKCE, SAML2 bearer) carries scopes; changing a conversation needs the scope \"conversations\", and \"conversations:readonly\" only reads. (Client-credentials tokens carry roles, not scopes.) \"conversations:write\" is not a Genesys scope name.",
		Detection: "token reads authorizedScope and OAuthClient.authorizedGrantType from GET /api/v2/tokens/me, and the response status.",
		Remedy:    "Add the conversations scope to the OAuth client and have the user authorise again.",
		Confirm:   "GET /api/v2/tokens/me lists \"conversations\" in authorizedScope; the request no longer gets 403.",
	}
	causeTokenPermissionMissing = &diagnose.CauseInfo{ID: "token.permission-missing",
		Title:        "Missing permission",
		Meaning:      "The request was refused with 403: the roles behind the token lack a permission the endpoint needs. The participant PATCH needs ANY of conversation:communication:disconnect, conversation:participant:wrapup, conversation:call:record; the teardown endpoints need conversation:communication:disconnect. A missing permission normally surfaces as 403, not 409 (inference).",
		Detection:    "token reads the response status and error body and the endpoint's permissions from the table.",
		Remedy:       "Grant a role with one of the permissions (for client credentials: on the OAuth client's roles, in the conversation's division).",
		Confirm:      "The request no longer gets 403.",
		SuppressedBy: []*diagnose.CauseInfo{causeTokenScopeMissing, causeTokenInvalid},
	}
	causeTokenNoUserContext = &diagnose.CauseInfo{ID: "token.no-user-context",
		Title:     "Client-credentials token used for an action that needs a user",
		Meaning:   "Client-credentials tokens have no user. The official developer blog says answering (state \"connected\") and placing calls need a user token and answer 400 otherwise. Whether a client-credentials token may disconnect another participant is UNCONFIRMED.",
		Detection: "token reads OAuthClient.authorizedGrantType from GET /api/v2/tokens/me and the body's state.",
		Remedy:    "Use a token of the user on the call (code, implicit, PKCE or SAML2 bearer grant) for call control.",
		Confirm:   "The same request with a user token succeeds.",
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
}

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
	if ti.AuthenticatedUser != nil && ti.AuthenticatedUser.ID != "" {
		return TokenUser, "authenticatedUser"
	}
	return TokenUnknown, ""
}

func runToken(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	bf, _ := diagnose.Result[*BodyFacts](p, BodyShape)
	tf := &TokenFacts{Kind: TokenUnknown}
	if ev.Mode == diagnose.ModeDryRun {
		p.Skip("dry run: the token is not judged")
		return tf, nil
	}
	status := 0
	var eb *genesys.ErrorBody
	if ev.Response != nil {
		status = ev.Response.Status
		eb = ev.Response.ErrorBody()
	}
	var ep *genesys.Endpoint
	if rf != nil {
		ep = rf.Endpoint
	}
	respRef := diagnose.Ref{Source: "response", Path: "status", Value: fmt.Sprint(status)}

	// The live check's own authentication.
	if a := ev.Auth; a != nil && a.Error != "" {
		p.Report(diagnose.Cause{Info: causeTokenInvalid, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: "POST " + a.TokenURL, Path: "status", Value: fmt.Sprint(a.Status)}, {Source: "POST " + a.TokenURL, Path: "error", Value: a.Error}},
			Explanation: fmt.Sprintf("convdiag could not get a token with the %s credentials (%s): %s. Nothing could be read from the org.", a.Method, a.From, a.Error),
			Fix:         noRequestFix("Check the client id and secret, and that they belong to an OAuth client with the Client Credentials grant in this region's org")})
	}
	if tfetch := ev.TokenFetch; tfetch != nil && tfetch.Status == 401 {
		p.Report(diagnose.Cause{Info: causeTokenInvalid, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{{Source: tfetch.Label(), Path: "status", Value: "401"}},
			Explanation: "GET /api/v2/tokens/me answered 401: the token is expired or was issued by another region's login host.",
			Fix:         noRequestFix("Get a new token from the login host of the org's region")})
	}

	ti := ev.TokenInfo
	if ti == nil && status == 0 && ev.Auth == nil {
		p.Skip("no token evidence: give --token-info-json (GET /api/v2/tokens/me) or --status, or run live")
		return tf, nil
	}
	src := "GET /api/v2/tokens/me"
	if ev.TokenFetch != nil {
		src = ev.TokenFetch.Label()
	}
	if ti != nil {
		kind, field := tokenKind(ti)
		tf.Kind = kind
		if ti.Organization != nil {
			tf.Org = ti.Organization.Name
			p.Saw(src, "organization", orgLabel(ti.Organization))
		}
		if field != "" {
			v := ""
			if ti.OAuthClient != nil {
				v = ti.OAuthClient.AuthorizedGrantType
			}
			p.Saw(src, field, map[bool]string{true: v, false: "(a user)"}[v != ""])
		}
		if ti.AuthorizedScope != nil {
			p.Saw(src, "authorizedScope", ti.AuthorizedScope)
		}
		if ti.DateTokenIdles != "" {
			p.Saw(src, "dateTokenIdles", ti.DateTokenIdles)
		}
		if ti.HomeOrganization != nil && ti.Organization != nil && ti.HomeOrganization.ID != "" && ti.HomeOrganization.ID != ti.Organization.ID {
			p.Detail("the token's home org (%s) is not the org it acts in (%s): a trustee/cloned user", orgLabel(ti.HomeOrganization), orgLabel(ti.Organization))
		}
	}

	// 401.
	if status == 401 {
		p.Report(diagnose.Cause{Info: causeTokenInvalid, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{respRef},
			Explanation: "The request was answered 401: the token was expired, malformed, or issued by another region's login host, so the request was never authorised.",
			Fix:         newFix("Get a new token from https://login.<region domain>/oauth/token and send the request again")})
	} else if status != 0 {
		p.RuleOut(causeTokenInvalid, "the response was %d, not 401: the token was accepted", status)
	}

	// Scopes (user tokens only).
	scopeMissing := false
	if ti != nil && tf.Kind == TokenUser && ep != nil && ep.Kind != genesys.KindRead {
		has, readonly, bogus := scopeState(ti.AuthorizedScope)
		for _, b := range bogus {
			p.Detail("authorizedScope holds %q, which is not a Genesys scope name (conversations, conversations:readonly)", b)
		}
		if !has {
			scopeMissing = true
			l := diagnose.Likely
			why := ""
			if status == 403 {
				l = diagnose.Confirmed
				why = " The 403 is what a token without the scope gets."
			}
			what := "no conversations scope"
			if readonly {
				what = "only conversations:readonly, which reads but does not change conversations"
			}
			p.Report(diagnose.Cause{Info: causeTokenScopeMissing, Likelihood: l,
				Evidence:    []diagnose.Ref{{Source: src, Path: "authorizedScope", Value: diagnose.ValueString(ti.AuthorizedScope)}, respRef},
				Explanation: fmt.Sprintf("The token is a user token with %s; %s %s changes a conversation and needs the scope \"conversations\".%s", what, ep.Method, ep.Path, why),
				Fix:         newFix("Add the conversations scope to the OAuth client, have the user authorise again, and resend")})
		} else {
			p.RuleOut(causeTokenScopeMissing, "the user token has the conversations scope")
		}
	} else if tf.Kind == TokenClientCredentials {
		p.RuleOut(causeTokenScopeMissing, "a client-credentials token carries roles, not scopes")
	}

	// 403.
	if status == 403 {
		l := diagnose.Likely
		if scopeMissing {
			l = diagnose.Possible
		}
		expl := "The request was refused with 403: the roles behind the token lack a permission the endpoint needs."
		if ep != nil && len(ep.Permissions) > 0 {
			expl = fmt.Sprintf("The request was refused with 403: %s %s needs ANY of %s.", ep.Method, ep.Path, strings.Join(ep.Permissions, ", "))
		}
		refs := []diagnose.Ref{respRef}
		if eb != nil && (eb.Code != "" || eb.Message != "") {
			refs = append(refs, diagnose.Ref{Source: "response", Path: "code", Value: eb.Code}, diagnose.Ref{Source: "response", Path: "message", Value: eb.Message})
			if strings.Contains(strings.ToLower(eb.Code+" "+eb.Message), "permission") {
				if !scopeMissing {
					l = diagnose.Confirmed
				}
				expl += " The error body names permissions."
			}
		}
		p.Report(diagnose.Cause{Info: causeTokenPermissionMissing, Likelihood: l, Evidence: refs, Explanation: expl,
			Fix: noRequestFix("Grant a role with one of those permissions (for client credentials: on the OAuth client's roles, in the conversation's division)")})
	} else if status != 0 && status != 401 {
		p.RuleOut(causeTokenPermissionMissing, "the response was %d, not 403: the request was authorised", status)
	} else if ep != nil && len(ep.Permissions) > 0 && status == 0 {
		p.Detail("%s %s needs ANY of %s; tokens/me does not list permissions", ep.Method, ep.Path, strings.Join(ep.Permissions, ", "))
	}

	// No user context.
	if tf.Kind == TokenClientCredentials && ep != nil && ep.Kind == genesys.KindParticipantUpdate {
		ref := p.Saw(src, "OAuthClient.authorizedGrantType", ti.OAuthClient.AuthorizedGrantType)
		if bf != nil && bf.State == "connected" {
			l := diagnose.Likely
			if status == 400 {
				l = diagnose.Confirmed
			}
			p.Report(diagnose.Cause{Info: causeTokenNoUserContext, Likelihood: l, Evidence: []diagnose.Ref{ref, respRef},
				Explanation: "A client-credentials token has no user. The official developer blog says answering a call (state \"connected\") works only with a token of the user whose phone rings, and answers 400 otherwise.",
				Fix:         noRequestFix("Use a token of the user on the call (code, implicit, PKCE or SAML2 bearer grant)")})
		} else {
			p.Report(diagnose.Cause{Info: causeTokenNoUserContext, Likelihood: diagnose.Possible, Evidence: []diagnose.Ref{ref},
				Explanation: "The token is a client-credentials token, which has no user. Whether such a token may disconnect another participant is UNCONFIRMED (the reference only documents that answering and placing calls need a user token).",
				Fix:         noRequestFix("If the request keeps failing with a valid body and state, retry it with a token of a user on the call")})
		}
	} else if tf.Kind == TokenUser {
		p.RuleOut(causeTokenNoUserContext, "the token belongs to a user")
	}

	if ti == nil {
		p.Summary("no GET /api/v2/tokens/me; judged from the response status %d", status)
	} else if tf.Org != "" {
		p.Summary("%s token for org %q", tf.Kind, tf.Org)
	} else {
		p.Summary("%s token", tf.Kind)
	}
	return tf, nil
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
