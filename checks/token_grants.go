package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// The token check's reading of the token's grants (reference §8d): which
// roles it holds in which divisions, against the permissions the request
// needs and the conversation's divisions.

// grantVerdict is what the grants say about the request.
type grantVerdict struct {
	perms  *diagnose.Permissions
	access *diagnose.Access
	// held are the grants that carry a needed permission; inConv those
	// of them that hold in one of the conversation's divisions.
	held, inConv []diagnose.Grant
	// missingIn are the conversation's divisions no grant covers.
	missingIn []string
	names     map[string]string
}

// neededPermissions are the permissions (ANY of) the request needs, and
// which request that is: the endpoint sent when it does what was meant,
// else the operation's own request (the participant PATCH when the
// operation is unknown too).
func (t *tokenPass) neededPermissions() ([]string, string) {
	if t.ep != nil && (t.of == nil || t.of.Performs || !t.p.Operation.Known()) {
		return t.ep.Permissions, t.ep.Method + " " + t.ep.Path
	}
	op := t.p.Operation
	id := genericPatch
	if op.Known() && len(op.Endpoints) > 0 {
		id = op.Endpoints[0]
	}
	ep := genesys.EndpointByID(id)
	return ep.Permissions, fmt.Sprintf("%s (%s %s, the request convdiag would send)", opWords(t.p).Gerund+" "+opWords(t.p).Object, ep.Method, ep.Path)
}

// readGrants judges the grants the evidence holds; nil when they are
// unknown (then a 403 is judged as before).
func (t *tokenPass) readGrants() *grantVerdict {
	t.noteGrantReads()
	a := diagnose.AccessOf(t.ev)
	if a == nil {
		return nil
	}
	needed, forWhat := t.neededPermissions()
	if len(needed) == 0 {
		if t.ep != nil {
			t.p.Detail("%s %s lists no permissions: the grants are not judged", t.ep.Method, t.ep.Path)
		}
		return nil
	}
	g := &grantVerdict{access: a, names: diagnose.DivisionNames(t.ev)}
	for _, r := range a.Refs {
		t.p.Saw(r.Source, r.Path, r.Value)
	}
	for _, gr := range a.Grants {
		for _, perm := range needed {
			if gr.Allows(perm) {
				g.held = append(g.held, gr)
				break
			}
		}
	}
	convDivs := diagnose.ConversationDivisions(t.ev)
	for _, d := range convDivs {
		covered := false
		for _, gr := range g.held {
			if gr.AllDivisions() || strings.EqualFold(gr.DivisionID, d) {
				covered = true
				g.inConv = appendGrant(g.inConv, gr)
			}
		}
		if !covered {
			g.missingIn = append(g.missingIn, d)
		}
	}
	// A copy: needed is the endpoint table's own slice, and reports
	// rewrite their model in place (redaction, terminal safety).
	g.perms = &diagnose.Permissions{Needed: append([]string(nil), needed...), For: forWhat, Does: permissionDoes(t.p), HeldIn: map[string][]string{}, ConversationDivisions: []string{}, Source: a.Source}
	for _, gr := range g.held {
		label := g.division(gr.DivisionID)
		g.perms.HeldIn[label] = appendUnique(g.perms.HeldIn[label], roleName(gr))
	}
	for _, d := range convDivs {
		g.perms.ConversationDivisions = append(g.perms.ConversationDivisions, g.division(d))
	}
	g.perms.Verdict = g.verdict(len(convDivs) > 0)
	return g
}

// verdict names what the grants show (diagnose.Permissions.Verdict).
func (g *grantVerdict) verdict(convKnown bool) string {
	allDivs := false
	for _, gr := range g.held {
		allDivs = allDivs || gr.AllDivisions()
	}
	switch {
	case len(g.held) == 0 && len(g.access.Unread) > 0:
		return "unknown"
	case len(g.held) == 0:
		return "not-held"
	case allDivs:
		return "held"
	case !convKnown:
		return "unknown"
	case len(g.missingIn) == 0:
		return "held"
	case len(g.inConv) > 0:
		return "held-in-some"
	}
	return "held-elsewhere"
}

// where are the grants that make the permission held where it is needed:
// those in the conversation's divisions, else (all divisions, or the
// divisions unknown) every grant that carries it.
func (g *grantVerdict) where() []diagnose.Grant {
	if len(g.inConv) > 0 {
		return g.inConv
	}
	return g.held
}

// division labels a division id: its name when the evidence has one.
func (g *grantVerdict) division(id string) string {
	if n := g.names[id]; n != "" {
		return n
	}
	for k, n := range g.names {
		if strings.EqualFold(k, id) && n != "" {
			return n
		}
	}
	return "division " + id
}

// holders says which roles hold the permission where: "role CRM
// Integration in Billing".
func (g *grantVerdict) holders(list []diagnose.Grant) string {
	var parts []string
	for _, gr := range list {
		parts = appendUnique(parts, fmt.Sprintf("role %s in %s", roleName(gr), g.division(gr.DivisionID)))
	}
	return diagnose.JoinAnd(parts)
}

// noteGrantReads says when the token could not read its own grants: a
// note, never a failure.
func (t *tokenPass) noteGrantReads() {
	for _, f := range append([]*diagnose.Fetch{t.ev.SubjectFetch, t.ev.OAuthClientFetch}, t.ev.RoleFetches...) {
		if f == nil || f.OK() {
			continue
		}
		if f.Status == 429 {
			t.p.Detail("%s not read (rate limited): the permissions are judged from the response alone", f.Source)
			continue
		}
		why := f.Err
		if why == "" {
			why = fmt.Sprintf("answered %d", f.Status)
		}
		t.p.Detail("the token cannot read its own grants: %s %s (the permissions are judged from the response alone)", f.Source, why)
	}
}

// judgeGrants reports from the grants when the request was refused or its
// outcome is unknown: the permission held nowhere, held only outside the
// conversation's divisions, or held where it is needed.
func (t *tokenPass) judgeGrants(g *grantVerdict, scopeMissing bool) {
	perms := g.perms
	needs := fmt.Sprintf("%s needs ANY of %s", perms.For, strings.Join(perms.Needed, ", "))
	refs := append([]diagnose.Ref{}, g.access.Refs...)
	if t.status != 0 {
		refs = append(refs, t.resp)
	}
	code := responseCode(t.ev)
	switch perms.Verdict {
	case "not-held":
		l := diagnose.Likely
		why := ""
		if t.status == 403 && code != nil && code.Cause == causeTokenPermissionMissing.ID {
			l, why = diagnose.Confirmed, fmt.Sprintf(" The 403 %s says the same.", code.Row.Code)
		}
		if scopeMissing {
			l = diagnose.Possible
		}
		perm := t.preferred(perms.Needed)
		fix := newFix(fmt.Sprintf("Grant a role carrying %s to %s in %s", perm, t.grantee(), t.grantDivisions(g)))
		fix.Steps = t.grantSteps(t.roleWith(perm), diagnose.ConversationDivisions(t.ev), perm)
		t.p.Report(diagnose.Cause{Info: causeTokenPermissionMissing, Likelihood: l, Evidence: refs,
			Explanation: fmt.Sprintf("None of the token's roles carries a permission the request needs: %s (%s). %s.%s", t.roleList(g), perms.Source, needs, why),
			Fix:         fix})
	case "held-elsewhere", "held-in-some":
		t.p.RuleOut(causeTokenPermissionMissing, "the token holds it: %s", g.holders(g.held))
		l := diagnose.Likely
		why := ""
		if perms.Verdict == "held-in-some" {
			l = diagnose.Possible
			why = fmt.Sprintf(" It holds it in %s but not in %s; whether any one of a conversation's divisions suffices is UNCONFIRMED.", divisionsOf(g, g.inConv), labels(g, g.missingIn))
		}
		if t.status == 403 && code != nil && code.Cause == causeTokenDivisionMissing.ID {
			l, why = diagnose.Confirmed, why+fmt.Sprintf(" The 403 %s says so.", code.Row.Code)
		}
		fix := newFix(fmt.Sprintf("Grant %s to %s in %s (or in all divisions)", rolesOf(g.held), t.grantee(), labels(g, g.missingIn)))
		fix.Steps = t.grantSteps(g.held[0].RoleID, g.missingIn, t.preferred(perms.Needed))
		t.p.Report(diagnose.Cause{Info: causeTokenDivisionMissing, Likelihood: l, Evidence: refs,
			Explanation: fmt.Sprintf("The token holds the permission through %s, but the conversation is in %s, and Genesys checks the permission in the conversation's divisions. %s.%s", g.holders(g.held), diagnose.JoinAnd(perms.ConversationDivisions), needs, why),
			Fix:         fix})
	case "held":
		if t.status == 403 {
			t.p.Detail("the grants read (%s) hold the permission where it is needed, yet the request got 403: the token that sent it is not the one convdiag read, or its grants changed since", perms.Source)
			return
		}
		t.p.RuleOut(causeTokenPermissionMissing, "the token holds it: %s", g.holders(g.where()))
		t.p.RuleOut(causeTokenDivisionMissing, "the token holds it in the conversation's divisions: %s", g.holders(g.where()))
	default:
		t.p.Detail("the grants read (%s) do not settle the permission: %s", perms.Source, t.unknownWhy(g))
	}
}

// unknownWhy says what kept the grants from settling it.
func (t *tokenPass) unknownWhy(g *grantVerdict) string {
	if len(g.access.Unread) > 0 {
		return "the permissions of " + diagnose.Plural(len(g.access.Unread), "role", "roles") + " could not be read"
	}
	return fmt.Sprintf("the token holds it (%s) but the conversation's divisions are unknown (no GET of the conversation, or no divisions[] in it)", g.holders(g.held))
}

// roleList names the token's roles by division.
func (t *tokenPass) roleList(g *grantVerdict) string {
	if len(g.access.Grants) == 0 {
		return "it holds no role at all"
	}
	var parts []string
	for _, gr := range g.access.Grants {
		parts = appendUnique(parts, fmt.Sprintf("%s in %s", roleName(gr), g.division(gr.DivisionID)))
	}
	return "it holds " + diagnose.JoinAnd(parts)
}

// grantee names who needs the role: the OAuth client, or the user.
func (t *tokenPass) grantee() string {
	user := t.tf.Kind == TokenUser || t.tf.Kind == TokenUnknown && t.ev.Subject != nil && len(t.ev.Subject.Grants) > 0
	switch {
	case user && t.ev.Subject != nil && t.ev.Subject.Name != "":
		return fmt.Sprintf("the user %q", t.ev.Subject.Name)
	case user:
		return "the token's user"
	case t.ev.OAuthClient != nil && t.ev.OAuthClient.Name != "":
		return fmt.Sprintf("the OAuth client %q", t.ev.OAuthClient.Name)
	case t.tf.Kind == TokenClientCredentials:
		return "the OAuth client"
	}
	return "the token's user or OAuth client"
}

// grantDivisions is where to grant the permission: the conversation's
// divisions when known.
func (t *tokenPass) grantDivisions(g *grantVerdict) string {
	if len(g.perms.ConversationDivisions) > 0 {
		return diagnose.JoinAnd(g.perms.ConversationDivisions) + ", where the conversation is"
	}
	return "the conversation's division"
}

func divisionsOf(g *grantVerdict, list []diagnose.Grant) string {
	var parts []string
	for _, gr := range list {
		parts = appendUnique(parts, g.division(gr.DivisionID))
	}
	return diagnose.JoinAnd(parts)
}

func labels(g *grantVerdict, ids []string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, g.division(id))
	}
	return diagnose.JoinAnd(parts)
}

func rolesOf(list []diagnose.Grant) string {
	var parts []string
	for _, gr := range list {
		parts = appendUnique(parts, "role "+roleName(gr))
	}
	return diagnose.JoinAnd(parts)
}

func appendGrant(list []diagnose.Grant, g diagnose.Grant) []diagnose.Grant {
	for _, x := range list {
		if x.RoleID == g.RoleID && x.DivisionID == g.DivisionID {
			return list
		}
	}
	return append(list, g)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	out := append(list, s)
	sort.Strings(out)
	return out
}

func roleName(g diagnose.Grant) string {
	if g.RoleName != "" {
		return g.RoleName
	}
	return g.RoleID
}

// preferred is the permission to ask an admin for: the one that performs
// the operation meant, when it is among those needed (the drop's is
// conversation:communication:disconnect, not the wrap-up or recording
// entries of the same ANY-of list).
func (t *tokenPass) preferred(needed []string) string {
	if op := t.p.Operation; op.Known() && op.Permission != "" {
		for _, p := range needed {
			if p == op.Permission {
				return p
			}
		}
	}
	for _, p := range needed {
		if p == "conversation:communication:disconnect" {
			return p
		}
	}
	return needed[0]
}

// Shell variables of a grant step.
var (
	varSubject  = diagnose.Var{Name: "SUBJECT_ID", Set: "the id of the OAuth client or user to grant the role to (GET /api/v2/tokens/me: OAuthClient.id, or authenticatedUser.id)"}
	varDivision = diagnose.Var{Name: "DIVISION_ID", Set: "the id of the conversation's division (GET /api/v2/conversations/{id}: divisions[].division.id)"}
)

func varRole(perm string) diagnose.Var {
	return diagnose.Var{Name: "ROLE_ID", Set: "the id of a role carrying " + perm + " (GET /api/v2/authorization/roles lists the org's roles with their permissions)"}
}

// roleWith is a role the evidence shows carrying the permission ("" when
// none is known).
func (t *tokenPass) roleWith(perm string) string {
	for _, r := range t.ev.Roles {
		if r.Allows(perm) {
			return r.ID
		}
	}
	if s := t.ev.Subject; s != nil {
		for _, g := range s.Grants {
			if g.Role.Allows(perm) {
				return g.Role.ID
			}
		}
	}
	return ""
}

// roleName names a role the evidence knows ("" when it does not).
func (t *tokenPass) roleName(id string) string {
	if id == "" {
		return ""
	}
	for _, r := range t.ev.Roles {
		if r.ID == id {
			return r.Name
		}
	}
	if s := t.ev.Subject; s != nil {
		for _, g := range s.Grants {
			if g.Role.ID == id {
				return g.Role.Name
			}
		}
	}
	return ""
}

// grantSteps are the grant calls that give the token's subject the role in
// each division: POST /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}
// (subjectType PC_OAUTH_CLIENT for a client-credentials client; reference
// §5). It changes security settings: apply asks for it on its own.
func (t *tokenPass) grantSteps(roleID string, divisions []string, perm string) []diagnose.Step {
	subject, subjectType := "", "PC_USER"
	ti := t.ev.TokenInfo
	switch {
	case t.tf.Kind == TokenClientCredentials && ti != nil && ti.OAuthClient != nil:
		subject, subjectType = ti.OAuthClient.ID, "PC_OAUTH_CLIENT"
	case t.tf.Kind != TokenClientCredentials && t.ev.Subject != nil && t.ev.Subject.ID != "":
		subject = t.ev.Subject.ID // subjects/me names the user
	case ti != nil && ti.AuthenticatedUser != nil:
		subject = ti.AuthenticatedUser.ID
	}
	if t.tf.Kind == TokenClientCredentials {
		subjectType = "PC_OAUTH_CLIENT"
	}
	if len(divisions) == 0 {
		divisions = []string{""}
	}
	base := ""
	if t.rf != nil {
		base = t.rf.BaseURL
	}
	var steps []diagnose.Step
	for _, d := range divisions {
		var vars []diagnose.Var
		path := "/api/v2/authorization/subjects/" + IDOrVar(subject, varSubject, &vars) + "/divisions/" + IDOrVar(d, varDivision, &vars) +
			"/roles/" + IDOrVar(roleID, varRole(perm), &vars) + "?subjectType=" + subjectType
		what := "a role carrying " + perm
		if name := t.roleName(roleID); name != "" {
			what = "role " + name + " (it carries " + perm + ")"
		}
		steps = append(steps, diagnose.Step{Kind: diagnose.StepGrant,
			Summary: fmt.Sprintf("grant %s %s in the conversation's division (this changes the org's security settings)", t.grantee(), what),
			Request: &diagnose.FixRequest{Method: "POST", BaseURL: base, Path: path, Vars: vars}})
	}
	return steps
}

// permissionDoes says what the needed permissions let the token do:
// "drop participants", "send it" when the operation is unknown.
func permissionDoes(p *diagnose.Pass) string {
	if !p.Operation.Known() {
		return "send it"
	}
	w := p.Operation.Words
	obj := strings.TrimPrefix(strings.TrimPrefix(w.Object, "the whole "), "the ")
	if strings.HasSuffix(obj, "y") && !strings.HasSuffix(obj, "ay") && !strings.HasSuffix(obj, "ey") {
		return w.Verb + " " + strings.TrimSuffix(obj, "y") + "ies" // party -> parties
	}
	return w.Verb + " " + obj + "s"
}
