package diagnose

import (
	"net/url"
	"strings"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Document is one kind of document convdiag reads, declared once: its name,
// how reports name its source, the flag that gives it saved, the file a
// bundle keeps it in, the API path a live check reads it from, its decoder,
// and where it goes in the evidence. Flags, the collector, bundles and the
// simulated org loop over Documents; adding a read is an entry here and a
// decoder.
type Document struct {
	// Name is the document's short name ("queue").
	Name string
	// Source is how reports name it: "GET /api/v2/routing/queues/{id}".
	Source string
	// Flag is the check flag that gives it saved ("queue-json"); Usage
	// its help text.
	Flag, Usage string
	// BundleFile is the file a bundle keeps it in.
	BundleFile string
	// Path is the API path a live check reads for this evidence ("": none
	// to read, e.g. the request names no destination queue).
	Path func(ev *Evidence) string
	// Decode reads the document.
	Decode func(b []byte) (any, error)
	// Set puts the document (nil: not read) and how it was read into the
	// evidence; Fetch returns how it was read (nil: not at all).
	Set   func(ev *Evidence, doc any, f *Fetch)
	Fetch func(ev *Evidence) *Fetch
}

// Documents are the documents read by the registry (the destination of a
// transfer, consult or callback); the conversation, token and grant reads
// are wired by their own code until they move here.
var Documents = []*Document{
	{
		Name: "queue", Source: "GET /api/v2/routing/queues/{id}", Flag: "queue-json", BundleFile: "queue.json",
		Usage: "`FILE`: saved GET /api/v2/routing/queues/{id} of a transfer's or consult's destination queue",
		Path:  destinationPath(genesys.DestQueue, "/api/v2/routing/queues/"),
		Decode: func(b []byte) (any, error) {
			var q genesys.Queue
			return &q, genesys.DecodeObject(b, &q, "a queue (GET /api/v2/routing/queues/{id})")
		},
		Set: func(ev *Evidence, doc any, f *Fetch) {
			ev.QueueFetch = f
			if q, ok := doc.(*genesys.Queue); ok {
				ev.Queue = q
			}
		},
		Fetch: func(ev *Evidence) *Fetch { return ev.QueueFetch },
	},
	{
		Name: "user", Source: "GET /api/v2/users/{id}", Flag: "user-json", BundleFile: "user.json",
		Usage: "`FILE`: saved GET /api/v2/users/{id} of a transfer's or consult's destination user",
		Path:  destinationPath(genesys.DestUser, "/api/v2/users/"),
		Decode: func(b []byte) (any, error) {
			var u genesys.User
			return &u, genesys.DecodeObject(b, &u, "a user (GET /api/v2/users/{id})")
		},
		Set: func(ev *Evidence, doc any, f *Fetch) {
			ev.UserFetch = f
			if u, ok := doc.(*genesys.User); ok {
				ev.User = u
			}
		},
		Fetch: func(ev *Evidence) *Fetch { return ev.UserFetch },
	},
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

// destinationPath reads the id of the request's destination of a kind
// (a queue, a user) by id, for its GET.
func destinationPath(kind, prefix string) func(ev *Evidence) string {
	return func(ev *Evidence) string {
		if !ev.Request.Known() {
			return ""
		}
		rl, err := ParseRequestLine(ev.Request.Method + " " + ev.Request.URL)
		if err != nil {
			return ""
		}
		d, ok := genesys.MatchRequest(rl.Method, rl.Path).Endpoint.DestinationOf(ev.Request.Body)
		if !ok || d.Kind != kind || !strings.HasSuffix(d.Field, "Id") || strings.ContainsAny(d.Value, "/?#") {
			return ""
		}
		return prefix + url.PathEscape(d.Value)
	}
}
