package diagnose

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Document is one kind of document convdiag reads, declared once: its name,
// the API path it is read from, the flag that gives it saved, the file a
// bundle keeps it in, its decoder, the GETs a live check makes for it, and
// where it goes in the evidence. The check flags, the input loader, a HAR's
// recorded GETs, bundles (save and load), the live collector and the
// simulated org loop over Documents: adding a read is an entry here, a
// decoder, and the Evidence field the checks read it from.
type Document struct {
	// Name is the document's short name ("queue").
	Name string
	// Path is the API path it is read from, {id} standing for the id of
	// what it is about: "/api/v2/routing/queues/{id}". Reports name the
	// document "GET " + Path.
	Path string
	// Flag is the check flag that gives it saved ("queue-json"; "": none),
	// Usage its help text; Repeatable documents are a list in the
	// evidence, the flag given once for each (the roles).
	Flag, Usage string
	Repeatable  bool
	// BundleFile is the file a bundle keeps it in ("": none); a
	// repeatable document is kept in numbered files ("role.json":
	// role-1.json, role-2.json, ...).
	BundleFile string
	// What is how a bundle's manifest describes the file (default: the
	// source, "GET " + Path).
	What string
	// Before names the document this one is an earlier copy of: the GET
	// of it a HAR recorded before the failure when the one kept was taken
	// after it. It is never read live, and a simulated org serves the
	// later one.
	Before string

	// Decode reads the document; want is the conversation the check is
	// about (a list response picks it).
	Decode func(b []byte, want string) (any, error)
	// Stream, when set, decodes a large saved document as it is read,
	// without a copy of it in memory; reread reads it whole when it cannot
	// be decoded that way.
	Stream func(r io.Reader, reread func() ([]byte, error), want string) (any, error)
	// ID is the id its Path takes, read from a document the evidence
	// holds (nil: the path takes none); a simulated org serves the
	// document there.
	ID func(doc any) string

	// Reads are the paths a live check reads for it, given the evidence
	// read so far and where it reads (nil: it is never read live), with a
	// note for each id refused rather than sent. The collector asks before
	// every round and reads each path once, so a read that needs another
	// one's answer (the OAuth client's roles) goes in a later round; a HAR
	// gives the GET it recorded at one of them.
	Reads func(d *Document, ev *Evidence, at Place) (paths, notes []string)
	// Got puts a live read's outcome into the evidence: f says how it went
	// (status, error), body is the response (nil: DefaultGot).
	Got func(d *Document, ev *Evidence, f *Fetch, body []byte, want string)

	// Put stores a document read (nil: none came) and how it was read (nil:
	// leave that as it is, as a bundle keeps it in evidence.json) in the
	// evidence; a repeatable document is added to the list. An error says
	// why the document does not fit there.
	Put func(ev *Evidence, doc any, f *Fetch) error
	// Held lists the documents of this kind the evidence holds, each with
	// how it was read (nil when unknown), in order.
	Held func(ev *Evidence) []Held
	// Drop removes the documents from the evidence, leaving how they were
	// read (a bundle keeps them in files of their own).
	Drop func(ev *Evidence)
}

// Held is one document the evidence holds and how it was read.
type Held struct {
	Doc   any
	Fetch *Fetch
}

// Place is where a live check reads, besides what the evidence says: the
// conversation it is about, and convdiag's own OAuth client (a
// client-credentials login; "" for an access token).
type Place struct {
	ConvID, ClientID string
}

// Source is how reports name the document: "GET /api/v2/routing/queues/{id}".
func (d *Document) Source() string { return "GET " + d.Path }

// Describe is how a bundle's manifest describes the document's file.
func (d *Document) Describe() string {
	if d.What != "" {
		return d.What
	}
	return d.Source()
}

// PathOf is the document's path for id ({id} replaced, escaped as one
// path segment).
func (d *Document) PathOf(id string) string {
	return strings.Replace(d.Path, "{id}", url.PathEscape(id), 1)
}

// BundleName is the bundle file of the document's i-th copy (from 1): its
// BundleFile, numbered for a repeatable document ("role-2.json").
func (d *Document) BundleName(i int) string {
	if !d.Repeatable {
		return d.BundleFile
	}
	stem, ext, _ := strings.Cut(d.BundleFile, ".")
	return fmt.Sprintf("%s-%d.%s", stem, i, ext)
}

// IsBundleFile reports whether a bundle file name is one of the document's
// ("role-7.json" for the roles); a manifest's names are untrusted, so only
// plain numbers of at most four digits count.
func (d *Document) IsBundleFile(name string) bool {
	if d.BundleFile == "" {
		return false
	}
	if !d.Repeatable {
		return name == d.BundleFile
	}
	stem, ext, _ := strings.Cut(d.BundleFile, ".")
	n, ok := strings.CutPrefix(name, stem+"-")
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, "."+ext)
	if !ok || n == "" || len(n) > 4 {
		return false
	}
	return strings.Trim(n, "0123456789") == ""
}

// HeldIn lists the documents of this kind ev holds (none for a document
// that is only read, the roles listing).
func (d *Document) HeldIn(ev *Evidence) []Held {
	if d.Held == nil {
		return nil
	}
	return d.Held(ev)
}

// PathsFor are the paths a live check reads for the document now (none for
// one that is never read live).
func (d *Document) PathsFor(ev *Evidence, at Place) (paths, notes []string) {
	if d.Reads == nil {
		return nil, nil
	}
	return d.Reads(d, ev, at)
}

// Received puts a live read's outcome into the evidence, by the document's
// Got or DefaultGot.
func (d *Document) Received(ev *Evidence, f *Fetch, body []byte, want string) {
	if d.Got != nil {
		d.Got(d, ev, f, body, want)
		return
	}
	DefaultGot(d, ev, f, body, want)
}

// DefaultGot is how most live reads become evidence: the fetch is kept;
// a 200 is decoded into the document, or the fetch says why it could not
// be (a 404 is evidence too, not a failure of the check).
func DefaultGot(d *Document, ev *Evidence, f *Fetch, body []byte, want string) {
	var doc any
	if f.Err == "" && f.Status == 200 {
		var err error
		if doc, err = d.Decode(body, want); err == nil {
			err = d.Put(ev, doc, f)
		}
		if err == nil {
			return
		}
		f.Err, doc = "the response "+err.Error(), nil
	}
	_ = d.Put(ev, doc, f)
}

// DocumentByName finds a document of the registry (nil when none).
func DocumentByName(name string) *Document {
	for _, d := range Documents {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// DocConversation names the registry's generic view of the conversation,
// which others refer to (its earlier copy; sim serves several).
const DocConversation = "conversation"

// rolesPageSize is how many roles the org's roles listing is asked for (one
// page, with their permissions).
const rolesPageSize = 500

// Documents is the registry: every document convdiag reads, in the order
// they are loaded, applied, saved and served (a document that depends on
// another comes after it: the call view after the generic one, the roles
// listing after the OAuth client).
var Documents = []*Document{
	single(&Document{
		Name: DocConversation, Path: "/api/v2/conversations/{id}", Flag: "conversation-json", BundleFile: "conversation.json",
		Usage:  "`FILE`: saved GET /api/v2/conversations/{id} (either view is accepted)",
		Decode: decodeConversation, Stream: streamConversation, Reads: conversationRead,
		ID:  func(doc any) string { return doc.(*genesys.Conversation).ID },
		Got: gotConversation, Put: putView,
	}, func(ev *Evidence) **genesys.Conversation { return &ev.Conversation }, func(ev *Evidence) **Fetch { return &ev.ConversationFetch }),
	single(&Document{
		Name: "call", Path: "/api/v2/conversations/calls/{id}", Flag: "call-json", BundleFile: "call.json",
		Usage:  "`FILE`: saved GET /api/v2/conversations/calls/{id}",
		Decode: decodeConversation, Stream: streamConversation, Reads: conversationRead,
		ID:  func(doc any) string { return doc.(*genesys.CallConversation).ID },
		Got: gotCall, Put: putCallView,
	}, func(ev *Evidence) **genesys.CallConversation { return &ev.Call }, func(ev *Evidence) **Fetch { return &ev.CallFetch }),
	single(&Document{
		Name: "token", Path: "/api/v2/tokens/me", Flag: "token-info-json", BundleFile: "tokeninfo.json",
		Usage:  "`FILE`: saved GET /api/v2/tokens/me",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeTokenInfo(b) },
		Reads:  fixedRead,
	}, func(ev *Evidence) **genesys.TokenInfo { return &ev.TokenInfo }, func(ev *Evidence) **Fetch { return &ev.TokenFetch }),
	single(&Document{
		Name: "analytics", Path: "/api/v2/analytics/conversations/{id}/details", Flag: "analytics-json", BundleFile: "analytics.json",
		Usage:  "`FILE`: saved GET /api/v2/analytics/conversations/{id}/details (the segment history)",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeAnalytics(b) },
		ID:     func(doc any) string { return doc.(*genesys.AnalyticsConversation).ConversationID },
		Reads:  conversationRead, Got: gotAnalytics,
	}, func(ev *Evidence) **genesys.AnalyticsConversation { return &ev.Analytics }, func(ev *Evidence) **Fetch { return &ev.AnalyticsFetch }),
	single(&Document{
		Name: "conversation-before", Path: "/api/v2/conversations/{id}", BundleFile: "conversation-before.json", Before: DocConversation,
		What:   "GET /api/v2/conversations/{id} taken before the failure",
		Decode: decodeConversation,
		ID:     func(doc any) string { return doc.(*genesys.Conversation).ID },
		Put:    putEarlier,
	}, func(ev *Evidence) **genesys.Conversation { return &ev.EarlierConversation }, func(ev *Evidence) **Fetch { return &ev.EarlierConversationFetch }),
	single(&Document{
		Name: "subject", Path: "/api/v2/authorization/subjects/me", Flag: "subject-json", BundleFile: "subject.json",
		Usage:  "`FILE`: saved GET /api/v2/authorization/subjects/me (the token's roles by division)",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeSubject(b) },
		Reads:  fixedRead,
	}, func(ev *Evidence) **genesys.AuthzSubject { return &ev.Subject }, func(ev *Evidence) **Fetch { return &ev.SubjectFetch }),
	single(&Document{
		Name: "oauth-client", Path: "/api/v2/oauth/clients/{id}", Flag: "oauth-client-json", BundleFile: "oauth-client.json",
		Usage:  "`FILE`: saved GET /api/v2/oauth/clients/{id} (a client-credentials client's roles and divisions)",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeOAuthClient(b) },
		ID:     func(doc any) string { return doc.(*genesys.OAuthClient).ID },
		Reads:  oauthClientRead,
	}, func(ev *Evidence) **genesys.OAuthClient { return &ev.OAuthClient }, func(ev *Evidence) **Fetch { return &ev.OAuthClientFetch }),
	{
		// The org's roles listing, read beside convdiag's own OAuth client
		// (one page, with the permissions), so that a client-credentials
		// token's roles cost no round of their own: the client's roles it
		// holds go into the evidence as roles; it is not kept itself.
		Name: "roles-listing", Path: "/api/v2/authorization/roles",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeRoleListing(b) },
		Reads:  rolesListingRead, Got: gotRolesListing,
	},
	{
		Name: "role", Path: "/api/v2/authorization/roles/{id}", Flag: "role-json", Repeatable: true, BundleFile: "role.json",
		Usage:  "`FILE`: saved GET /api/v2/authorization/roles/{id} (a role's permissions; repeatable)",
		Decode: func(b []byte, _ string) (any, error) { return genesys.DecodeRole(b) },
		ID:     func(doc any) string { return doc.(*genesys.DomainOrganizationRole).ID },
		Reads:  roleReads, Put: putRole, Held: heldRoles,
		Drop: func(ev *Evidence) { ev.Roles = nil },
	},
	single(&Document{
		Name: "queue", Path: "/api/v2/routing/queues/{id}", Flag: "queue-json", BundleFile: "queue.json",
		Usage:  "`FILE`: saved GET /api/v2/routing/queues/{id} of a transfer's or consult's destination queue",
		Decode: objectDecoder[genesys.Queue]("a queue (GET /api/v2/routing/queues/{id})"),
		ID:     func(doc any) string { return doc.(*genesys.Queue).ID },
		Reads:  destinationRead(genesys.DestQueue),
	}, func(ev *Evidence) **genesys.Queue { return &ev.Queue }, func(ev *Evidence) **Fetch { return &ev.QueueFetch }),
	single(&Document{
		Name: "user", Path: "/api/v2/users/{id}", Flag: "user-json", BundleFile: "user.json",
		Usage:  "`FILE`: saved GET /api/v2/users/{id} of a transfer's or consult's destination user",
		Decode: objectDecoder[genesys.User]("a user (GET /api/v2/users/{id})"),
		ID:     func(doc any) string { return doc.(*genesys.User).ID },
		Reads:  destinationRead(genesys.DestUser),
	}, func(ev *Evidence) **genesys.User { return &ev.User }, func(ev *Evidence) **Fetch { return &ev.UserFetch }),
}

// single completes a document the evidence holds one of, in the field doc
// points at, with how it was read in the field fetch points at: its Put
// (unless it has its own), Held and Drop.
func single[T any](d *Document, doc func(*Evidence) **T, fetch func(*Evidence) **Fetch) *Document {
	if d.Put == nil {
		d.Put = func(ev *Evidence, v any, f *Fetch) error {
			if f != nil {
				*fetch(ev) = f
			}
			if t, ok := v.(*T); ok && t != nil {
				*doc(ev) = t
			}
			return nil
		}
	}
	d.Held = func(ev *Evidence) []Held {
		if t := *doc(ev); t != nil {
			return []Held{{Doc: t, Fetch: *fetch(ev)}}
		}
		return nil
	}
	d.Drop = func(ev *Evidence) { *doc(ev) = nil }
	return d
}

// objectDecoder decodes a JSON object document into a T (what names it in
// errors).
func objectDecoder[T any](what string) func(b []byte, _ string) (any, error) {
	return func(b []byte, _ string) (any, error) {
		var v T
		if err := genesys.DecodeObject(b, &v, what); err != nil {
			return nil, err
		}
		return &v, nil
	}
}
