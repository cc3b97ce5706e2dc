package genesys

import (
	"bytes"
	"encoding/json"
	"strings"
)

// What a token may do (reference §8d): its subject's grants, its OAuth
// client's roles and divisions, and each role's permissions.

// AuthzSubject is GET /api/v2/authorization/subjects/me.
type AuthzSubject struct {
	ID     string       `json:"id"`
	Name   string       `json:"name,omitempty"`
	Grants []AuthzGrant `json:"grants"`
}

// AuthzGrant is one role granted in one division.
type AuthzGrant struct {
	Division    AuthzDivision  `json:"division"`
	Role        AuthzGrantRole `json:"role"`
	GrantMadeAt string         `json:"grantMadeAt,omitempty"`
}

// AuthzDivision is a division with its name.
type AuthzDivision struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	HomeDivision bool   `json:"homeDivision,omitempty"`
}

// AuthzGrantRole is a role as a grant lists it, with its policies.
type AuthzGrantRole struct {
	ID       string             `json:"id"`
	Name     string             `json:"name,omitempty"`
	Policies []AuthzGrantPolicy `json:"policies,omitempty"`
}

// AuthzGrantPolicy allows actions on one entity of one domain.
type AuthzGrantPolicy struct {
	Domain     string   `json:"domain"`
	EntityName string   `json:"entityName"`
	Actions    []string `json:"actions"`
	Condition  string   `json:"condition,omitempty"`
}

// OAuthClient is GET /api/v2/oauth/clients/{clientId}: roles and divisions
// for a client-credentials client, scopes for the other grants.
type OAuthClient struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name,omitempty"`
	AuthorizedGrantType string         `json:"authorizedGrantType,omitempty"`
	Scope               []string       `json:"scope,omitempty"`
	RoleDivisions       []RoleDivision `json:"roleDivisions,omitempty"`
	State               string         `json:"state,omitempty"`
}

// RoleDivision is one role of an OAuth client in one division.
type RoleDivision struct {
	RoleID     string `json:"roleId"`
	DivisionID string `json:"divisionId"`
}

// DomainOrganizationRole is GET /api/v2/authorization/roles/{roleId}.
type DomainOrganizationRole struct {
	ID                 string                   `json:"id"`
	Name               string                   `json:"name,omitempty"`
	Permissions        []string                 `json:"permissions,omitempty"`
	PermissionPolicies []DomainPermissionPolicy `json:"permissionPolicies,omitempty"`
}

// DomainPermissionPolicy allows a set of actions on one entity of a
// domain.
type DomainPermissionPolicy struct {
	Domain     string   `json:"domain"`
	EntityName string   `json:"entityName"`
	PolicyName string   `json:"policyName,omitempty"`
	ActionSet  []string `json:"actionSet,omitempty"`
}

// AllDivisions is the division id a grant "in all divisions" carries
// (UNCONFIRMED beyond the admin UI's "All Divisions": treated as every
// division, present and future).
const AllDivisions = "*"

// Allows reports whether a policy's domain, entity and actions allow
// permission "domain:entity:action"; "*" matches anything.
func Allows(domain, entity string, actions []string, permission string) bool {
	d, e, a, ok := splitPermission(permission)
	if !ok || !wild(domain, d) || !wild(entity, e) {
		return false
	}
	for _, x := range actions {
		if wild(x, a) {
			return true
		}
	}
	return false
}

// PermissionAllows reports whether a permission string as a role lists it
// ("conversation:communication:disconnect", "conversation:*:*") allows
// permission.
func PermissionAllows(granted, permission string) bool {
	d, e, a, ok := splitPermission(granted)
	return ok && Allows(d, e, []string{a}, permission)
}

// Allows reports whether the role carries permission, in its permission
// list or its policies.
func (r *DomainOrganizationRole) Allows(permission string) bool {
	for _, p := range r.Permissions {
		if PermissionAllows(p, permission) {
			return true
		}
	}
	for _, p := range r.PermissionPolicies {
		if Allows(p.Domain, p.EntityName, p.ActionSet, permission) {
			return true
		}
	}
	return false
}

// Allows reports whether the grant's role carries permission.
func (g AuthzGrantRole) Allows(permission string) bool {
	for _, p := range g.Policies {
		if Allows(p.Domain, p.EntityName, p.Actions, permission) {
			return true
		}
	}
	return false
}

func splitPermission(p string) (domain, entity, action string, ok bool) {
	parts := strings.Split(strings.TrimSpace(p), ":")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func wild(pattern, v string) bool { return pattern == "*" || strings.EqualFold(pattern, v) }

// DecodeSubject decodes GET /api/v2/authorization/subjects/me.
func DecodeSubject(data []byte) (*AuthzSubject, error) {
	const what = "subject (GET /api/v2/authorization/subjects/me)"
	var s AuthzSubject
	if err := decodeAuthz(data, what, &s); err != nil {
		return nil, err
	}
	if s.ID == "" && s.Grants == nil {
		return nil, &DecodeError{Msg: "has neither id nor grants: not " + what}
	}
	return &s, nil
}

// DecodeOAuthClient decodes GET /api/v2/oauth/clients/{id}.
func DecodeOAuthClient(data []byte) (*OAuthClient, error) {
	const what = "OAuth client (GET /api/v2/oauth/clients/{id})"
	var c OAuthClient
	if err := decodeAuthz(data, what, &c); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, &DecodeError{Msg: "has no id: not " + what}
	}
	return &c, nil
}

// DecodeRole decodes GET /api/v2/authorization/roles/{id}.
func DecodeRole(data []byte) (*DomainOrganizationRole, error) {
	const what = "role (GET /api/v2/authorization/roles/{id})"
	var r DomainOrganizationRole
	if err := decodeAuthz(data, what, &r); err != nil {
		return nil, err
	}
	if r.ID == "" {
		return nil, &DecodeError{Msg: "has no id: not " + what}
	}
	return &r, nil
}

func decodeAuthz(data []byte, what string, v any) error {
	if err := requireObject(data, what); err != nil {
		return err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := json.Unmarshal(data, v); err != nil && !isTypeErr(err) {
		return jsonErr(data, err, what)
	}
	var probe struct {
		Participants json.RawMessage `json:"participants"`
	}
	_ = json.Unmarshal(data, &probe)
	if len(probe.Participants) > 0 {
		return &DecodeError{Msg: "is a conversation, not " + what}
	}
	return nil
}

// DecodeRoleListing decodes GET /api/v2/authorization/roles: one page of
// the org's roles ({"entities": [...], "pageSize", "total", ...}).
func DecodeRoleListing(data []byte) ([]DomainOrganizationRole, error) {
	const what = "roles listing (GET /api/v2/authorization/roles)"
	var page struct {
		Entities []DomainOrganizationRole `json:"entities"`
	}
	if err := decodeAuthz(data, what, &page); err != nil {
		return nil, err
	}
	return page.Entities, nil
}
