package sim

import (
	"errors"
	"net/http"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// An org built from evidence (a replay bundle, saved GETs) serves every
// document of the registry the evidence holds as it was saved, at the path
// a live check reads it from, so that a check against the org reads what
// the offline check of the same evidence read. The org's model takes from
// the same documents what it needs to act (the conversation, the token,
// the access the grants show, the destinations), and answers in their place
// once the org changes: a saved document shows the org as it was.

// ErrNoConversation is FromEvidence's answer to evidence without a
// conversation to serve.
var ErrNoConversation = errors.New("holds no conversation to serve")

// FromEvidence builds an org serving what the evidence holds: its
// conversation (either view) as the org's state, beside the conversations
// more adds; its token info as the org's token; the access its grants show,
// which the org enforces (absent: the default); the queue and user it names
// as destinations the org knows; and every document it holds as saved,
// until the org changes. A document recorded before the failure
// (Document.Before) is not served: a GET shows the later one.
func FromEvidence(ev *diagnose.Evidence, more ...*genesys.Decoded) (*Org, error) {
	var docs []*genesys.Decoded
	switch {
	case ev.Conversation != nil:
		docs = append(docs, &genesys.Decoded{Conversation: ev.Conversation})
	case ev.Call != nil:
		docs = append(docs, &genesys.Decoded{Call: ev.Call})
	}
	docs = append(docs, more...)
	if len(docs) == 0 {
		return nil, ErrNoConversation
	}
	org := NewOrg(ev.TokenInfo, docs...)
	if a := accessOf(ev); a != nil {
		org.SetAccess(a)
	}
	queues, users := map[string]string{}, map[string]string{}
	if q := ev.Queue; q != nil && q.ID != "" {
		queues[q.ID] = orName(q.Name, q.ID)
	}
	if u := ev.User; u != nil && u.ID != "" {
		users[u.ID] = orName(u.Name, u.ID)
	}
	org.SetDirectory(queues, users)
	org.setSaved(savedDocuments(ev))
	return org, nil
}

// savedDocuments are the documents of the registry the evidence holds, by
// the (lower-case) path each is served at: its bytes as received, or
// encoded from what convdiag built.
func savedDocuments(ev *diagnose.Evidence) map[string][]byte {
	out := map[string][]byte{}
	for _, d := range diagnose.Documents {
		if d.Before != "" {
			continue
		}
		for _, h := range d.HeldIn(ev) {
			path, ok := servedAt(d, h.Doc)
			if !ok {
				continue
			}
			b := []byte(nil)
			if h.Fetch != nil {
				b = h.Fetch.Raw
			}
			if len(b) == 0 {
				b = mustJSON(h.Doc)
			}
			out[strings.ToLower(path)] = b
		}
	}
	return out
}

// servedAt is the path a held document is served at: its Path, with the
// id read from the document itself; false for one whose id is unknown or
// could not be sent as a path segment.
func servedAt(d *diagnose.Document, doc any) (string, bool) {
	if !strings.Contains(d.Path, "{id}") {
		return d.Path, true
	}
	if d.ID == nil {
		return "", false
	}
	id := d.ID(doc)
	if id == "" || diagnose.CheckPathID("id", id) != nil {
		return "", false
	}
	return d.PathOf(id), true
}

// accessOf is the access the evidence's grants show: the subject's grants
// when it lists any (each role with its policies, each division with its
// name), else the OAuth client's roles in their divisions with the roles
// read; nil when the evidence holds no grants.
func accessOf(ev *diagnose.Evidence) *Access {
	if s := ev.Subject; s != nil && len(s.Grants) > 0 {
		a := &Access{User: &genesys.NamedEntity{ID: s.ID, Name: s.Name}}
		for _, g := range s.Grants {
			if a.role(g.Role.ID) == nil {
				a.Roles = append(a.Roles, roleOfGrant(g.Role))
			}
			if g.Division.ID != genesys.AllDivisions && !hasDivision(a.Divisions, g.Division.ID) {
				a.Divisions = append(a.Divisions, g.Division)
			}
			a.Grants = append(a.Grants, genesys.RoleDivision{RoleID: g.Role.ID, DivisionID: g.Division.ID})
		}
		return a
	}
	c := ev.OAuthClient
	if c == nil || len(c.RoleDivisions) == 0 {
		return nil
	}
	a := &Access{Grants: append([]genesys.RoleDivision{}, c.RoleDivisions...)}
	for _, r := range ev.Roles {
		if a.role(r.ID) == nil {
			a.Roles = append(a.Roles, *r)
		}
	}
	return a
}

// roleOfGrant is a role as a subject's grant lists it: its policies.
func roleOfGrant(g genesys.AuthzGrantRole) genesys.DomainOrganizationRole {
	r := genesys.DomainOrganizationRole{ID: g.ID, Name: g.Name}
	for _, p := range g.Policies {
		r.PermissionPolicies = append(r.PermissionPolicies, genesys.DomainPermissionPolicy{Domain: p.Domain, EntityName: p.EntityName, ActionSet: p.Actions})
	}
	return r
}

func hasDivision(list []genesys.AuthzDivision, id string) bool {
	for _, d := range list {
		if strings.EqualFold(d.ID, id) {
			return true
		}
	}
	return false
}

// setSaved sets the documents served as saved, and keeps them for Reset.
func (o *Org) setSaved(docs map[string][]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.saved, o.savedAtStart = docs, docs
}

// savedDoc is the document saved at path, while the org is as it was.
func (o *Org) savedDoc(path string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.saved[strings.ToLower(path)]
	return b, ok
}

// forgetSaved is called (o.mu held) when a conversation changes: the
// model answers until Reset puts the conversations back as they were.
func (o *Org) forgetSaved() { o.saved = nil }

// forgetSavedAccess is called (o.mu held) when the token or what it may do
// changes: the saved documents no longer show the org, Reset or not.
func (o *Org) forgetSavedAccess() { o.saved, o.savedAtStart = nil, nil }

// serveSaved answers a GET of a saved document as it was saved; false
// when there is none at the request's path.
func (s *Server) serveSaved(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	b, ok := s.org.savedDoc(r.URL.Path)
	if !ok {
		return false
	}
	s.docs.serve(w, "saved "+strings.ToLower(r.URL.Path), b)
	return true
}
