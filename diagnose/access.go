package diagnose

import (
	"sort"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Access is what the token may do, as its grants show: each role it holds
// in each division, and what the role allows.
type Access struct {
	// Source names the reads it comes from.
	Source string
	Grants []Grant
	// Unread lists roles whose permissions could not be read: a
	// permission not found may be in one of them.
	Unread []string
	// Ref is the evidence the grants were read from.
	Refs []Ref
}

// Grant is one role in one division (DivisionNames labels the division).
type Grant struct {
	RoleID, RoleName string
	DivisionID       string
	allows           func(permission string) bool
}

// Allows reports whether the grant's role carries permission.
func (g Grant) Allows(permission string) bool { return g.allows != nil && g.allows(permission) }

// AllDivisions reports whether the grant holds in every division.
func (g Grant) AllDivisions() bool { return g.DivisionID == genesys.AllDivisions }

// AccessOf reads the token's grants from the evidence: the subject's
// grants when it lists any, else the OAuth client's roles and divisions
// with each role's permissions. nil when the evidence does not tell.
func AccessOf(ev *Evidence) *Access {
	if s := ev.Subject; s != nil && len(s.Grants) > 0 {
		a := &Access{Source: "GET /api/v2/authorization/subjects/me"}
		for _, g := range s.Grants {
			role := g.Role
			a.Grants = append(a.Grants, Grant{RoleID: role.ID, RoleName: role.Name, DivisionID: g.Division.ID, allows: role.Allows})
		}
		a.Refs = append(a.Refs, Ref{Source: labelOr(ev.SubjectFetch, a.Source), Path: "grants", Value: Plural(len(s.Grants), "grant", "grants")})
		return a
	}
	c := ev.OAuthClient
	if c == nil || len(c.RoleDivisions) == 0 {
		return nil
	}
	a := &Access{Source: "GET /api/v2/oauth/clients/{id} and GET /api/v2/authorization/roles/{id}"}
	roles := map[string]*genesys.DomainOrganizationRole{}
	for _, r := range ev.Roles {
		roles[r.ID] = r
	}
	unread := map[string]bool{}
	for _, rd := range c.RoleDivisions {
		r := roles[rd.RoleID]
		if r == nil {
			unread[rd.RoleID] = true
			continue
		}
		a.Grants = append(a.Grants, Grant{RoleID: r.ID, RoleName: r.Name, DivisionID: rd.DivisionID, allows: r.Allows})
	}
	for id := range unread {
		a.Unread = append(a.Unread, id)
	}
	sort.Strings(a.Unread)
	a.Refs = append(a.Refs, Ref{Source: labelOr(ev.OAuthClientFetch, "GET /api/v2/oauth/clients/{id}"), Path: "roleDivisions", Value: Plural(len(c.RoleDivisions), "role in a division", "roles in divisions")})
	return a
}

func labelOr(f *Fetch, def string) string {
	if l := f.Label(); l != "" {
		return l
	}
	return def
}

// DivisionNames maps division ids to names, from whatever evidence names
// them (the subject's grants).
func DivisionNames(ev *Evidence) map[string]string {
	out := map[string]string{genesys.AllDivisions: "all divisions"}
	// A conversation's divisions carry no names, but the queues, users
	// and flows that put the conversation in them do.
	var divs []genesys.Division
	if ev.Conversation != nil {
		divs = ev.Conversation.Divisions
	} else if ev.Call != nil {
		divs = ev.Call.Divisions
	}
	for _, d := range divs {
		var names []string
		for _, e := range d.Entities {
			if e.Name != "" {
				names = append(names, e.Name)
			}
		}
		if len(names) > 0 && d.Division.ID != "" {
			out[d.Division.ID] = "the division of " + JoinAnd(names)
		}
	}
	if ev.Subject != nil {
		for _, g := range ev.Subject.Grants {
			if g.Division.Name != "" {
				out[g.Division.ID] = g.Division.Name
			}
		}
	}
	return out
}

// ConversationDivisions lists the divisions a conversation is in (the
// generic view's divisions[], else the call view's), by id.
func ConversationDivisions(ev *Evidence) []string {
	var divs []genesys.Division
	switch {
	case ev.Conversation != nil && len(ev.Conversation.Divisions) > 0:
		divs = ev.Conversation.Divisions
	case ev.Call != nil:
		divs = ev.Call.Divisions
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range divs {
		if id := strings.ToLower(d.Division.ID); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, d.Division.ID)
		}
	}
	return out
}

// Permissions is what a report shows of the token's permissions for the
// request: the ones needed (ANY of), the divisions where the token holds
// one (and through which roles), the conversation's divisions.
type Permissions struct {
	Needed []string `json:"needed"`
	// For says which request needs them ("PATCH /api/v2/...").
	For string `json:"for,omitempty"`
	// Does says what the permissions let the token do, in words ("drop
	// participants"), for the report's one line.
	Does string `json:"-"`
	// HeldIn maps a division (its name, else its id) to the roles that
	// carry a needed permission there.
	HeldIn                map[string][]string `json:"held_in_divisions"`
	ConversationDivisions []string            `json:"conversation_divisions"`
	Source                string              `json:"source"`
	// Verdict is "held" (in every division of the conversation),
	// "held-in-some" (in some of them), "held-elsewhere" (only in other
	// divisions), "not-held", or "unknown" (the conversation's divisions,
	// or some roles, could not be read).
	Verdict string `json:"verdict"`
}
