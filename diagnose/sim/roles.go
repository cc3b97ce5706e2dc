package sim

import (
	"net/http"
	"strconv"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// roles is GET /api/v2/authorization/roles: the org's roles, with their
// permissions, one page at a time (pageSize, default 25; pageNumber from 1).
func (s *Server) roles(w http.ResponseWriter, r *http.Request) {
	all := s.org.Access().Roles
	size := queryInt(r, "pageSize", 25)
	number := queryInt(r, "pageNumber", 1)
	page := struct {
		Entities   []genesys.DomainOrganizationRole `json:"entities"`
		PageSize   int                              `json:"pageSize"`
		PageNumber int                              `json:"pageNumber"`
		Total      int                              `json:"total"`
		PageCount  int                              `json:"pageCount"`
	}{Entities: []genesys.DomainOrganizationRole{}, PageSize: size, PageNumber: number, Total: len(all), PageCount: (len(all) + size - 1) / size}
	if from := (number - 1) * size; from < len(all) {
		page.Entities = append(page.Entities, all[from:min(from+size, len(all))]...)
	}
	writeJSON(w, http.StatusOK, page)
}

// queryInt reads a positive integer query parameter, def when absent or
// not one.
func queryInt(r *http.Request, name string, def int) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return def
	}
	return n
}
