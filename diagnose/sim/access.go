package sim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Access is what the org's token may do: roles, each granted in divisions
// (reference §8d). The participant PATCH and the teardown enforce it.
type Access struct {
	// User names the user of a user token (subjects/me); absent, a
	// simulated user.
	User      *genesys.NamedEntity             `json:"user,omitempty"`
	Divisions []genesys.AuthzDivision          `json:"divisions"`
	Roles     []genesys.DomainOrganizationRole `json:"roles"`
	Grants    []genesys.RoleDivision           `json:"grants"`
}

// dropPermissions are the permissions of which ANY one drops a participant
// (the participant PATCH; the teardown needs the first).
var dropPermissions = []string{"conversation:communication:disconnect", "conversation:participant:wrapup", "conversation:call:record"}

// DefaultAccess grants a role with the drop permissions in all divisions:
// an org built without access data lets its token do what it asks.
func DefaultAccess() *Access {
	return &Access{
		Roles: []genesys.DomainOrganizationRole{{ID: "00000000-0000-4000-8000-0000000a9e47", Name: "Simulated agent",
			Permissions: append([]string{"conversation:communication:view", "conversation:recording:pauseOthers", "conversation:communication:blindTransfer", "conversation:communication:consultTransfer",
				"conversation:callback:create", "conversation:callback:edit", "conversation:conference:add"}, dropPermissions...)}},
		Grants: []genesys.RoleDivision{{RoleID: "00000000-0000-4000-8000-0000000a9e47", DivisionID: genesys.AllDivisions}},
	}
}

func (a *Access) role(id string) *genesys.DomainOrganizationRole {
	for i := range a.Roles {
		if strings.EqualFold(a.Roles[i].ID, id) {
			return &a.Roles[i]
		}
	}
	return nil
}

func (a *Access) division(id string) genesys.AuthzDivision {
	for _, d := range a.Divisions {
		if strings.EqualFold(d.ID, id) {
			return d
		}
	}
	if id == genesys.AllDivisions {
		return genesys.AuthzDivision{ID: id, Name: "All divisions"}
	}
	return genesys.AuthzDivision{ID: id}
}

// heldIn lists the divisions where a role carries one of the permissions.
func (a *Access) heldIn(perms []string) []string {
	var out []string
	for _, g := range a.Grants {
		r := a.role(g.RoleID)
		if r == nil {
			continue
		}
		for _, p := range perms {
			if r.Allows(p) {
				out = append(out, g.DivisionID)
				break
			}
		}
	}
	return out
}

// subject is subjects/me: the grants of a user token, with each role's
// policies; a client-credentials token's subject lists none (what the
// reference leaves UNCONFIRMED is simulated as the unhelpful case, so that
// convdiag's path through the OAuth client and its roles is exercised).
func (a *Access) subject(id, name string, user bool) genesys.AuthzSubject {
	s := genesys.AuthzSubject{ID: id, Name: name, Grants: []genesys.AuthzGrant{}}
	if !user {
		return s
	}
	for _, g := range a.Grants {
		r := a.role(g.RoleID)
		if r == nil {
			continue
		}
		gr := genesys.AuthzGrantRole{ID: r.ID, Name: r.Name}
		for _, p := range r.Permissions {
			parts := strings.Split(p, ":")
			if len(parts) == 3 {
				gr.Policies = append(gr.Policies, genesys.AuthzGrantPolicy{Domain: parts[0], EntityName: parts[1], Actions: []string{parts[2]}})
			}
		}
		for _, p := range r.PermissionPolicies {
			gr.Policies = append(gr.Policies, genesys.AuthzGrantPolicy{Domain: p.Domain, EntityName: p.EntityName, Actions: p.ActionSet})
		}
		s.Grants = append(s.Grants, genesys.AuthzGrant{Division: a.division(g.DivisionID), Role: gr})
	}
	return s
}

// authorize is the permission check of a request that needs ANY of perms
// in the conversation: held nowhere → 403 missing.any.permissions; held only
// in divisions the conversation is not in → 403
// missing.division.permission. (The simulated org lets any one of the
// conversation's divisions suffice.)
func (o *Org) authorize(convID string, perms []string) *dropError {
	o.mu.Lock()
	a := o.access
	var convDivs []string
	if c, ok := o.convs[convID]; ok {
		for _, d := range c.Divisions {
			convDivs = append(convDivs, d.Division.ID)
		}
	}
	o.mu.Unlock()
	held := a.heldIn(perms)
	if len(held) == 0 {
		return &dropError{http.StatusForbidden, "missing.any.permissions",
			fmt.Sprintf("Unable to perform the requested action. You must have at least one of the following permissions assigned: [%s]", strings.Join(perms, ", "))}
	}
	if len(convDivs) == 0 {
		return nil
	}
	for _, h := range held {
		if h == genesys.AllDivisions {
			return nil
		}
		for _, d := range convDivs {
			if strings.EqualFold(h, d) {
				return nil
			}
		}
	}
	return &dropError{http.StatusForbidden, "missing.division.permission",
		fmt.Sprintf("Unable to perform the requested action. You are missing the following permission '%s' in the provided division(s).", perms[0])}
}

// SetAccess changes what the org's token may do.
func (o *Org) SetAccess(a *Access) {
	if a == nil {
		a = DefaultAccess()
	}
	o.mu.Lock()
	o.access = a
	o.forgetSavedAccess()
	o.mu.Unlock()
}

// Access returns what the org's token may do.
func (o *Org) Access() *Access {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.access
}

func (s *Server) subjectsMe(w http.ResponseWriter, r *http.Request) {
	ti, a := s.org.TokenInfo(), s.org.Access()
	id, name := "", ""
	switch {
	case !s.org.userToken() && ti.OAuthClient != nil:
		id, name = ti.OAuthClient.ID, ti.OAuthClient.Name
	case ti.AuthenticatedUser != nil && ti.AuthenticatedUser.ID != "":
		id, name = ti.AuthenticatedUser.ID, ti.AuthenticatedUser.Name
	case a.User != nil:
		id, name = a.User.ID, a.User.Name
	default:
		id, name = "00000000-0000-4000-8000-0000000005e7", "Simulated user"
	}
	writeJSON(w, http.StatusOK, a.subject(id, name, s.org.userToken()))
}

// oauthClient is GET /api/v2/oauth/clients/{id}: the token's own client
// (by the id its token info names, or the id it logged in with).
func (s *Server) oauthClient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ti := s.org.TokenInfo()
	if ti.OAuthClient == nil || !strings.EqualFold(id, ti.OAuthClient.ID) && !s.loggedInAs(r, id) {
		writeError(w, http.StatusNotFound, "client.not.found", fmt.Sprintf("OAuth client %s not found", id))
		return
	}
	c := genesys.OAuthClient{ID: id, Name: ti.OAuthClient.Name, AuthorizedGrantType: ti.OAuthClient.AuthorizedGrantType, State: "active"}
	if s.org.userToken() {
		c.Scope = ti.AuthorizedScope
	} else {
		c.RoleDivisions = append([]genesys.RoleDivision{}, s.org.Access().Grants...)
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) role(w http.ResponseWriter, r *http.Request) {
	if role := s.org.Access().role(r.PathValue("id")); role != nil {
		writeJSON(w, http.StatusOK, role)
		return
	}
	writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Role %s not found", r.PathValue("id")))
}

// divisionsPermitted is GET /api/v2/authorization/divisionspermitted/paged/me.
func (s *Server) divisionsPermitted(w http.ResponseWriter, r *http.Request) {
	perm := r.URL.Query().Get("permission")
	if perm == "" {
		writeError(w, http.StatusBadRequest, "missing.permission.param", "The permission query parameter is required")
		return
	}
	a := s.org.Access()
	out := struct {
		Entities         []genesys.AuthzDivision `json:"entities"`
		AllDivsPermitted bool                    `json:"allDivsPermitted"`
		PageSize         int                     `json:"pageSize"`
		PageNumber       int                     `json:"pageNumber"`
		Total            int                     `json:"total"`
	}{Entities: []genesys.AuthzDivision{}, PageSize: 25, PageNumber: 1}
	if s.org.userToken() {
		for _, d := range a.heldIn([]string{perm}) {
			if d == genesys.AllDivisions {
				out.AllDivsPermitted = true
				continue
			}
			out.Entities = append(out.Entities, a.division(d))
		}
	}
	out.Total = len(out.Entities)
	writeJSON(w, http.StatusOK, out)
}

// AddRole adds a role to the org without granting it to anyone (an admin
// making a role in the UI).
func (o *Org) AddRole(role genesys.DomainOrganizationRole) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := *o.access
	if a.role(role.ID) == nil {
		a.Roles = append(append([]genesys.DomainOrganizationRole{}, a.Roles...), role)
	}
	o.access = &a
	o.forgetSavedAccess()
}

// Grant gives the org's token role in a division (a test applying a
// permission fix, as an admin would).
func (o *Org) Grant(role genesys.DomainOrganizationRole, divisionID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := *o.access
	a.Roles = append([]genesys.DomainOrganizationRole{}, a.Roles...)
	a.Grants = append([]genesys.RoleDivision{}, a.Grants...)
	if a.role(role.ID) == nil {
		a.Roles = append(a.Roles, role)
	}
	a.Grants = append(a.Grants, genesys.RoleDivision{RoleID: role.ID, DivisionID: divisionID})
	o.access = &a
	o.forgetSavedAccess()
}

// ConversationDivisions lists the division ids of a conversation.
func (o *Org) ConversationDivisions(convID string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	if c, ok := o.convs[convID]; ok {
		for _, d := range c.Divisions {
			out = append(out, d.Division.ID)
		}
	}
	return out
}
