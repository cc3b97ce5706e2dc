package sim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// grant is POST
// /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}
// (reference participant-operations.md §5): it grants one of the org's
// roles in a division to the token's own subject (its OAuth client with
// subjectType=PC_OAUTH_CLIENT, its user with PC_USER, the default), so the
// next request the role allows goes through. The simulated org models one
// subject, the token's; it does not check authorization:grant:add.
func (s *Server) grant(w http.ResponseWriter, r *http.Request) {
	subject, division, roleID := r.PathValue("subjectId"), r.PathValue("divisionId"), r.PathValue("roleId")
	kind := r.URL.Query().Get("subjectType")
	if kind == "" {
		kind = "PC_USER"
	}
	want, self := "PC_USER", s.tokenUserID()
	if !s.org.userToken() {
		want = "PC_OAUTH_CLIENT"
		if ti := s.org.TokenInfo(); ti.OAuthClient != nil {
			self = ti.OAuthClient.ID
		}
	}
	switch {
	case kind != "PC_USER" && kind != "PC_OAUTH_CLIENT":
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("subjectType %q: want PC_USER or PC_OAUTH_CLIENT", kind))
		return
	case kind != want:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("subjectType %s does not fit the token's subject: a %s token's subject is a %s", kind, map[bool]string{true: "user", false: "client-credentials"}[want == "PC_USER"], want))
		return
	case !strings.EqualFold(subject, self) && !s.loggedInAs(r, subject):
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Subject %s not found (the simulated org knows only the token's own subject)", subject))
		return
	}
	a := s.org.Access()
	role := a.role(roleID)
	if role == nil {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Role %s not found", roleID))
		return
	}
	if !s.org.knownDivision(division) {
		writeError(w, http.StatusNotFound, "not.found", fmt.Sprintf("Division %s not found", division))
		return
	}
	s.org.Grant(*role, division)
	w.WriteHeader(http.StatusNoContent)
}

// knownDivision reports whether a division is one of the org's: listed in
// its access data, or one of its conversations' (or all divisions).
func (o *Org) knownDivision(id string) bool {
	if id == genesys.AllDivisions {
		return true
	}
	for _, d := range o.Access().Divisions {
		if strings.EqualFold(d.ID, id) {
			return true
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.convs {
		for _, d := range c.Divisions {
			if strings.EqualFold(d.Division.ID, id) {
				return true
			}
		}
	}
	return false
}
