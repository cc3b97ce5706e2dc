package diagnose

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// What the registry's documents do that is theirs alone: the conversation's
// two views, the analytics read that may be refused, the roles (a list,
// found in the org's listing or read one by one), the destinations a
// request names.

// Sources of the conversation's two views.
const (
	sourceConversation = "GET /api/v2/conversations/{id}"
	sourceCall         = "GET /api/v2/conversations/calls/{id}"
)

func decodeConversation(b []byte, want string) (any, error) {
	return genesys.DecodeConversation(b, want)
}

func streamConversation(r io.Reader, reread func() ([]byte, error), want string) (any, error) {
	return genesys.DecodeConversationStream(r, reread, want)
}

// putView stores a conversation document under the view it turned out to
// be (a flat call view given as the generic one is the call view), with
// how it was read and what its decoder tolerated.
func putView(ev *Evidence, doc any, f *Fetch) error {
	d, _ := doc.(*genesys.Decoded)
	switch {
	case d != nil && d.Call != nil:
		ev.Call = d.Call
		if f != nil {
			f.Source, f.Warnings = sourceCall, append(f.Warnings, d.Warnings...)
			ev.CallFetch = f
		}
	case d != nil && d.Conversation != nil:
		ev.Conversation = d.Conversation
		if f != nil {
			f.Source, f.Warnings = sourceConversation, append(f.Warnings, d.Warnings...)
			ev.ConversationFetch = f
		}
	case f != nil:
		ev.ConversationFetch = f
	}
	return nil
}

// putCallView stores a document given as the call view: under the view it
// is, but a generic view when the generic one is already there is refused.
func putCallView(ev *Evidence, doc any, f *Fetch) error {
	d, _ := doc.(*genesys.Decoded)
	switch {
	case d == nil:
		if f != nil {
			ev.CallFetch = f
		}
		return nil
	case d.Call == nil && ev.Conversation != nil:
		return errors.New("is the generic view (participants with calls[]), and --conversation-json already gave that view")
	}
	return putView(ev, doc, f)
}

// putEarlier stores the conversation as a GET before the failure showed it:
// only the generic view is kept so.
func putEarlier(ev *Evidence, doc any, f *Fetch) error {
	d, _ := doc.(*genesys.Decoded)
	if d != nil && d.Conversation == nil {
		return errors.New("is not the generic view of a conversation")
	}
	if f != nil {
		ev.EarlierConversationFetch = f
	}
	if d != nil {
		ev.EarlierConversation = d.Conversation
	}
	return nil
}

// conversationRead reads the document of the conversation checked.
func conversationRead(d *Document, _ *Evidence, at Place) ([]string, []string) {
	if at.ConvID == "" {
		return nil, nil
	}
	return []string{d.PathOf(at.ConvID)}, nil
}

// fixedRead reads a document at its path, which takes no id (the token's
// own: tokens/me, subjects/me).
func fixedRead(d *Document, _ *Evidence, _ Place) ([]string, []string) { return []string{d.Path}, nil }

// gotConversation keeps the generic GET's outcome: the fetch as the
// generic view's, the document under the view it is.
func gotConversation(_ *Document, ev *Evidence, f *Fetch, body []byte, want string) {
	ev.ConversationFetch = f
	if f.Err != "" || f.Status != 200 {
		return
	}
	d, err := genesys.DecodeConversation(body, want)
	switch {
	case err != nil:
		f.Err = "the response " + err.Error()
	case d.Conversation != nil:
		ev.Conversation = d.Conversation
	default:
		ev.Call = d.Call
	}
}

// gotCall keeps the call view: a 404 for a conversation that is not a call
// is expected (the view was read in parallel, before the media was known),
// and a generic view answered there is ignored, with a note.
func gotCall(_ *Document, ev *Evidence, f *Fetch, body []byte, want string) {
	switch {
	case f.Err == "" && f.Status == 200:
		d, err := genesys.DecodeConversation(body, want)
		if err == nil && d.Call != nil {
			ev.Call, ev.CallFetch = d.Call, f
		} else if err == nil {
			ev.Notes = append(ev.Notes, sourceCall+" answered with the generic view; ignored")
		}
	case f.Err == "" && f.Status == 404 && ev.Conversation != nil:
	default:
		ev.CallFetch = f
	}
}

// gotAnalytics keeps the conversation's history; a read it may not make
// (403) or that finds nothing (404) is a note, never a failure.
func gotAnalytics(d *Document, ev *Evidence, f *Fetch, body []byte, _ string) {
	src := d.Source()
	switch {
	case f.Err == "" && f.Status == 200:
		a, err := genesys.DecodeAnalytics(body)
		if err != nil {
			ev.Notes = append(ev.Notes, src+": the response "+err.Error())
			return
		}
		ev.Analytics, ev.AnalyticsFetch = a, f
	case f.Err == "" && (f.Status == 403 || f.Status == 404):
		ev.Notes = append(ev.Notes, fmt.Sprintf("%s answered %d: no history from analytics (it needs analytics:conversationDetail:view); the timeline is read from the conversation's timestamps only", src, f.Status))
	case f.Err != "":
		ev.Notes = append(ev.Notes, src+": "+f.Err)
	default:
		ev.Notes = append(ev.Notes, fmt.Sprintf("%s: answered %d", src, f.Status))
	}
}

// oauthClientRead reads the token's OAuth client: convdiag's own when it
// logged in with client credentials (in the first round), else the one
// tokens/me names for a client-credentials token whose grants subjects/me
// did not list.
func oauthClientRead(d *Document, ev *Evidence, at Place) ([]string, []string) {
	if ev.OAuthClient != nil || ev.OAuthClientFetch != nil {
		return nil, nil
	}
	if at.ClientID != "" {
		return []string{d.PathOf(at.ClientID)}, nil
	}
	if ev.Subject != nil && len(ev.Subject.Grants) > 0 {
		return nil, nil
	}
	ti := ev.TokenInfo
	if ti == nil || ti.OAuthClient == nil || ti.OAuthClient.ID == "" || !clientCredentials(ti.OAuthClient.AuthorizedGrantType) {
		return nil, nil
	}
	if err := CheckPathID("the OAuth client id of GET /api/v2/tokens/me", ti.OAuthClient.ID); err != nil {
		return nil, []string{err.Error()}
	}
	return []string{d.PathOf(ti.OAuthClient.ID)}, nil
}

func clientCredentials(grantType string) bool {
	return strings.EqualFold(strings.ReplaceAll(grantType, "_", "-"), "CLIENT-CREDENTIALS")
}

// rolesListingRead reads the org's roles listing beside convdiag's own
// OAuth client.
func rolesListingRead(d *Document, ev *Evidence, at Place) ([]string, []string) {
	if at.ClientID == "" || ev.OAuthClientFetch != nil {
		return nil, nil
	}
	return []string{d.Path + "?pageSize=" + strconv.Itoa(rolesPageSize)}, nil
}

// wantsRoles reports whether the token's roles are to be read from its
// OAuth client: subjects/me did not list its grants (a client-credentials
// token's subject may list none, UNCONFIRMED) and the client is known.
func wantsRoles(ev *Evidence) bool {
	return !(ev.Subject != nil && len(ev.Subject.Grants) > 0) && ev.OAuthClient != nil
}

// clientRoleIDs are the OAuth client's role ids, each once, with a note for
// each refused (it cannot be sent as a path segment).
func clientRoleIDs(c *genesys.OAuthClient) (ids, notes []string) {
	seen := map[string]bool{}
	for _, rd := range c.RoleDivisions {
		if rd.RoleID == "" || seen[rd.RoleID] {
			continue
		}
		seen[rd.RoleID] = true
		if err := CheckPathID("a role id of GET /api/v2/oauth/clients/{id}", rd.RoleID); err != nil {
			notes = append(notes, err.Error())
			continue
		}
		ids = append(ids, rd.RoleID)
	}
	return ids, notes
}

// gotRolesListing takes from the org's roles listing the roles of the
// token's OAuth client (read in the same round, before it), each kept with
// the listing's fetch; the others are read by id in the next round.
func gotRolesListing(_ *Document, ev *Evidence, f *Fetch, body []byte, _ string) {
	f.Raw = nil // a bundle keeps the roles it used, one file each
	if f.Err != "" || f.Status != 200 || !wantsRoles(ev) {
		return
	}
	list, err := genesys.DecodeRoleListing(body)
	if err != nil {
		return
	}
	ids, _ := clientRoleIDs(ev.OAuthClient)
	for _, id := range ids {
		for i := range list {
			if strings.EqualFold(list[i].ID, id) && !holdsRole(ev, id) {
				r, cp := list[i], *f
				ev.Roles, ev.RoleFetches = append(ev.Roles, &r), append(ev.RoleFetches, &cp)
				break
			}
		}
	}
}

// roleReads reads by id the OAuth client's roles the evidence does not hold
// yet (all of them when the listing was not read).
func roleReads(d *Document, ev *Evidence, _ Place) ([]string, []string) {
	if !wantsRoles(ev) {
		return nil, nil
	}
	ids, notes := clientRoleIDs(ev.OAuthClient)
	var paths []string
	for _, id := range ids {
		if !holdsRole(ev, id) {
			paths = append(paths, d.PathOf(id))
		}
	}
	return paths, notes
}

func holdsRole(ev *Evidence, id string) bool {
	for _, r := range ev.Roles {
		if strings.EqualFold(r.ID, id) {
			return true
		}
	}
	return false
}

// putRole adds a role read (or only how a read of one went).
func putRole(ev *Evidence, doc any, f *Fetch) error {
	if r, ok := doc.(*genesys.DomainOrganizationRole); ok && r != nil {
		ev.Roles = append(ev.Roles, r)
	}
	if f != nil {
		ev.RoleFetches = append(ev.RoleFetches, f)
	}
	return nil
}

// heldRoles pairs the roles, in order, with the fetches that produced them
// (a failed fetch produced none; when they do not pair up, how each was
// read is unknown).
func heldRoles(ev *Evidence) []Held {
	var ok []*Fetch
	for _, f := range ev.RoleFetches {
		if f.OK() {
			ok = append(ok, f)
		}
	}
	out := make([]Held, 0, len(ev.Roles))
	for i, r := range ev.Roles {
		h := Held{Doc: r}
		if len(ok) == len(ev.Roles) {
			h.Fetch = ok[i]
		}
		out = append(out, h)
	}
	return out
}

// destinationRead reads the request's destination of a kind (a queue, a
// user) by id, when it names one.
func destinationRead(kind string) func(d *Document, ev *Evidence, _ Place) ([]string, []string) {
	return func(doc *Document, ev *Evidence, _ Place) ([]string, []string) {
		if !ev.Request.Known() {
			return nil, nil
		}
		rl, err := ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
		if err != nil {
			return nil, nil
		}
		d, ok := genesys.MatchRequest(rl.Method, rl.Path).Endpoint.DestinationOf(ev.Request.Body)
		if !ok || d.Kind != kind || !strings.HasSuffix(d.Field, "Id") || strings.ContainsAny(d.Value, "/?#") {
			return nil, nil
		}
		return []string{doc.PathOf(d.Value)}, nil
	}
}

// CheckPathID refuses an id that cannot be sent as one path segment as it
// is: "." and ".." (a server or proxy would resolve them to another
// resource), and anything but letters, digits and "-", "_", ".", "~"
// (Genesys ids are UUIDs). Such an id is refused, never encoded: what the
// report says was sent is then exactly what was sent.
func CheckPathID(what, id string) error {
	if id == "." || id == ".." {
		return fmt.Errorf("%s %q is a path step, not an id: it would read another resource than the one named", what, id)
	}
	if i := strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r))
	}); i >= 0 {
		return fmt.Errorf("%s %q holds %q, which a Genesys id never does (they are UUIDs): refused rather than sent", what, clipID(id), id[i:i+1])
	}
	return nil
}

func clipID(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}
