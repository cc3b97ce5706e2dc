package collect

import (
	"context"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Session reads one org for many tickets (convdiag triage): the token and
// what it may do once, then each conversation on its own. A ticket's
// evidence gets what Collect would have put there, read once for all.
type Session struct {
	// Budget bounds the reads of one conversation (0: only the caller's
	// context does).
	Budget time.Duration

	c   *genesys.Client
	t   Target
	now func() time.Time

	// login holds the outcome of the login (Auth, Incomplete) and the
	// token's reads as applied once; failed is set when there is no token.
	login  diagnose.Evidence
	failed bool
	// rounds are the rounds of the token's reads, in order (the first,
	// then any the OAuth client's roles needed); read the paths they read.
	rounds []round
	read   map[string]bool
}

// ConversationRead is what the org showed of one conversation.
type ConversationRead struct {
	convID string
	round  round
	at     time.Time
}

// StartSession logs in and reads what the token is and may do (its info
// and grants, its OAuth client and the org's roles, then any role the
// listing lacked). A failed login is kept and given to every ticket, as
// Collect gives it to one.
func StartSession(ctx context.Context, c *genesys.Client, t Target, now func() time.Time) *Session {
	s := &Session{c: c, t: t, now: now}
	live(&s.login, t)
	if !login(ctx, c, t, &s.login, now) {
		s.failed = true
		return s
	}
	// The token's reads are those an evidence without a conversation
	// asks for.
	p := newPlanner(diagnose.Place{ClientID: c.ClientID()})
	for i := 0; i < maxRounds; i++ {
		r := p.next(&s.login)
		if len(r.reads) > 0 {
			r = getAll(ctx, c, r)
		}
		r.apply(&s.login)
		s.rounds = append(s.rounds, r)
		if len(r.reads) == 0 {
			break
		}
	}
	s.read = p.read
	return s
}

// LoggedIn reports whether the session has a token.
func (s *Session) LoggedIn() bool { return !s.failed }

// ReadConversation reads one conversation: both views and its analytics,
// in parallel (nothing without a token).
func (s *Session) ReadConversation(ctx context.Context, convID string) *ConversationRead {
	cr := &ConversationRead{convID: convID}
	if !s.failed {
		if s.Budget > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.Budget)
			defer cancel()
		}
		cr.round = getAll(ctx, s.c, s.conversationReads(convID))
	}
	cr.at = s.now().UTC()
	return cr
}

// Done gives a conversation's read bodies back to the memory the session's
// client shares (genesys.Client.Release): a triage reads thousands of
// conversations with one client, and its total body budget is for the
// reads in flight, not for every read ever made. cr must not be filled
// into evidence afterwards.
func (s *Session) Done(cr *ConversationRead) {
	if cr == nil {
		return
	}
	for i := range cr.round.results {
		s.c.Release(cr.round.results[i].res)
	}
}

// Fill puts into a ticket's evidence what the session read, decoded afresh
// for it (no two tickets share a document): the login, the token's reads,
// the conversation's, and what they leave incomplete.
func (s *Session) Fill(ev *diagnose.Evidence, cr *ConversationRead) {
	live(ev, s.t)
	if s.failed {
		ev.Auth.Status, ev.Auth.Error = s.login.Auth.Status, s.login.Auth.Error
		ev.Incomplete = append(ev.Incomplete, s.login.Incomplete...)
		ev.ObservedAt = s.login.ObservedAt
		return
	}
	for i, r := range s.rounds {
		r.apply(ev)
		if i == 0 {
			cr.round.apply(ev)
			ev.ObservedAt = cr.at
		}
	}
	conclude(ev, cr.convID, s.t)
}

// conversationReads are the reads of one conversation: what the registry
// asks for about it, besides what the login read (an evidence with
// nothing read yet asks for the token's reads too; those were made once).
func (s *Session) conversationReads(convID string) round {
	p := newPlanner(diagnose.Place{ConvID: convID, ClientID: s.c.ClientID()})
	for path := range s.read {
		p.read[path] = true
	}
	r := p.next(&diagnose.Evidence{})
	r.notes = nil
	return r
}
