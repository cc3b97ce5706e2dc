package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Provenance is the fifth check: where did the target id come from? A
// participant id, a user id, a communication id, a peer id, an external
// contact id, an ended leg of a party that has a live one, nothing at all;
// is it a Genesys id at all?
var Provenance = &diagnose.Check{
	ID:       "participant-provenance",
	Title:    "Participant id provenance",
	Doc:      "Where the target id came from: a participant id, a userId, a communication id, a peerId, an external contact id, an ended leg of a party with a live leg, or nothing; is it a canonical id?",
	Requires: []*diagnose.Check{RequestLine, BodyShape, Conversation},
	Causes:   []*diagnose.CauseInfo{causeParticipantIDFormat, causeParticipantNotInConversation, causeParticipantIDIsUserID, causeParticipantIDIsCommunicationID, causeParticipantIDIsExternalContactID, causeParticipantStaleLeg},
	Run:      runProvenance,
}

// The causes participant-provenance reports (stable ids: add, never rename).
var (
	causeParticipantIDFormat = &diagnose.CauseInfo{ID: "participant.id-format",
		Title:     "Participant id is not a canonical Genesys id",
		Meaning:   "Genesys ids are lowercase UUIDs (8-4-4-4-12 hex digits). The id sent has a prefix (p-...), braces, spaces, quotes, upper case, or is a placeholder, so the server cannot match it.",
		Detection: "participant-provenance checks the id's form and looks up its normalised form in the conversation.",
		Remedy:    "Send the id exactly as GET /api/v2/conversations/{id} shows it in participants[].id.",
		Confirm:   "The corrected id appears in participants[].id.",
	}
	causeParticipantNotInConversation = &diagnose.CauseInfo{ID: "participant.not-in-conversation",
		Title:        "Participant id matches nothing in the conversation",
		Meaning:      "The id is not a participant, user, communication, peer or external contact of the conversation: it comes from another conversation (a consult, a merged-away conversation), or it was read before the participant existed.",
		Detection:    "participant-provenance looks the id up among every id the conversation holds.",
		Remedy:       "Take the participant id from GET /api/v2/conversations/{id} of this conversation.",
		Confirm:      "The id appears in participants[].id.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationNotFound, causeConversationIDMismatch, causeEndpointWrongRegion},
	}
	causeParticipantIDIsUserID = &diagnose.CauseInfo{ID: "participant.id-is-user-id",
		Title:     "User id used as participant id",
		Meaning:   "The id is the userId of a participant (the agent's user id), not the participant id. A user can even own several participants of one conversation (transfers, retries).",
		Detection: "participant-provenance finds the id in participants[].userId.",
		Remedy:    "Use participants[].id of that user's live participant (named in the fix).",
		Confirm:   "The corrected id is the participant id of the live leg.",
	}
	causeParticipantIDIsCommunicationID = &diagnose.CauseInfo{ID: "participant.id-is-communication-id",
		Title:     "Communication id used as participant id",
		Meaning:   "The id is a communication id (participants[].calls[].id, messages[].id, ...) or a peerId, not a participant id.",
		Detection: "participant-provenance finds the id among the communications' id and peerId fields.",
		Remedy:    "Use the owning participant's id, or the communication PATCH .../participants/{pid}/communications/{commId} to end that one communication.",
		Confirm:   "The corrected id appears in participants[].id.",
	}
	causeParticipantIDIsExternalContactID = &diagnose.CauseInfo{ID: "participant.id-is-external-contact-id",
		Title:     "External contact id used as participant id",
		Meaning:   "The id is the externalContactId of a participant, not its participant id.",
		Detection: "participant-provenance finds the id in participants[].externalContactId.",
		Remedy:    "Use participants[].id of that contact's live participant.",
		Confirm:   "The corrected id appears in participants[].id.",
	}
	causeParticipantStaleLeg = &diagnose.CauseInfo{ID: "participant.stale-leg",
		Title:        "Ended leg of a party that has another, live leg",
		Meaning:      "The id is a participant that already ended while the same user (or contact) has another participant that is live, as after a transfer retry or a consult. Picking \"the participant of user X\" by userId alone picks the wrong one (WEBRTC-40).",
		Detection:    "participant-provenance finds the target ended and another participant of the same user, contact or address live.",
		Remedy:       "Use the live participant's id (named in the fix).",
		Confirm:      "The corrected id's communications are connected.",
		SuppressedBy: []*diagnose.CauseInfo{causeConversationEnded},
	}
)

// IDKind says what an id turned out to be.
type IDKind string

// Id kinds.
const (
	IDParticipant     IDKind = "participant"
	IDUser            IDKind = "user"
	IDCommunication   IDKind = "communication"
	IDPeer            IDKind = "peer"
	IDExternalContact IDKind = "external-contact"
	IDConversation    IDKind = "conversation"
	IDUnknown         IDKind = "unknown"
)

// Resolution is what an id stands for in the conversation.
type Resolution struct {
	// Given is the id as sent (or meant); From says where it came from.
	Given, From string
	Form        IDForm
	Kind        IDKind
	// Named is the participant the id names (Kind participant), or the
	// owner of the communication it names.
	Named *diagnose.PView
	// Intended is the participant that should be dropped: Named, or the
	// live leg of the same party.
	Intended *diagnose.PView
	// Candidates are further live legs that could be meant.
	Candidates []*diagnose.PView
	// Comm is the communication the id names (Kind communication/peer).
	Comm *diagnose.CommRef
}

// ProvenanceFacts is what participant-provenance established.
type ProvenanceFacts struct {
	Conv *diagnose.Conv
	// Sent is the resolution of the id the request sent (nil when it sent
	// none); Meant that of --participant when it differs.
	Sent, Meant *Resolution
	// Given is the participant id the request targets, as given (the id
	// sent, else the id meant).
	Given string
}

// Target is the resolution whose state matters: the id sent, else the id
// meant.
func (pf *ProvenanceFacts) Target() *Resolution {
	if pf.Sent != nil {
		return pf.Sent
	}
	return pf.Meant
}

func runProvenance(p *diagnose.Pass) (any, error) {
	ev := p.Evidence
	rf, _ := diagnose.Result[*RequestFacts](p, RequestLine)
	bf, _ := diagnose.Result[*BodyFacts](p, BodyShape)
	var conv *diagnose.Conv
	if cf, ok := diagnose.Result[*ConversationFacts](p, Conversation); ok {
		conv = cf.Conv
	}
	pf := &ProvenanceFacts{Conv: conv}
	defer reportErrorBody(p)

	var sent, sentFrom string
	if rf != nil && rf.PathParticipant != "" {
		sent, sentFrom = rf.PathParticipant, "request line {participantId}"
		if rf.Match.RawParams["participantId"] != "" && rf.Match.RawParams["participantId"] != sent {
			p.Detail("the path's participant id is percent-encoded (%s); judged decoded", rf.Match.RawParams["participantId"])
		}
	} else if bf != nil && bf.Target != "" {
		sent, sentFrom = bf.Target, "request body "+bf.TargetPath
	}
	meant := ev.ParticipantID
	if sent == "" && meant == "" {
		if ev.Mode == diagnose.ModeDryRun {
			p.Skip("dry run: the request names no participant in its path or body")
		} else {
			p.Skip("nothing names a participant: give --participant, or send the id in the path")
		}
		return pf, nil
	}
	pf.Given = firstNonEmpty(sent, meant)
	live := needsLive(p.Operation)
	if sent != "" {
		pf.Sent = resolve(conv, sent, sentFrom, live)
	}
	if meant != "" && (sent == "" || !strings.EqualFold(NormalizeID(meant).Key(), NormalizeID(sent).Key())) {
		pf.Meant = resolve(conv, meant, "flag --participant", live)
	}
	judged := pf.Target()
	judgeForm(p, judged)

	if conv == nil {
		if ev.Mode == diagnose.ModeDryRun {
			p.Summary("dry run: the id's form was checked; where it came from needs the conversation")
		} else {
			p.Summary("no conversation evidence: the id's form was checked, not where it came from")
		}
		return pf, nil
	}
	judgeProvenance(p, conv, judged)
	return pf, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// needsLive reports whether the operation acts on a live leg, so that an
// ended leg of a party with a live one is the wrong id; a wrap-up (after
// the end) is meant for the leg that ended.
func needsLive(op *diagnose.Operation) bool {
	return !op.Known() || !op.AfterEnd && op.Needs != diagnose.NeedConversation
}

// resolve looks an id up among every id the conversation holds; live says
// whether an ended leg stands for the party's live one.
func resolve(conv *diagnose.Conv, id, from string, live bool) *Resolution {
	r := &Resolution{Given: id, From: from, Form: NormalizeID(id), Kind: IDUnknown}
	if conv == nil {
		return r
	}
	key := r.Form.Key()
	if v := conv.ByID(key); v != nil {
		r.Kind, r.Named, r.Intended = IDParticipant, v, v
		if v.Ended(conv) && live {
			if live := liveOf(conv, conv.SameParty(v)); len(live) > 0 {
				r.Intended, r.Candidates = live[0], live[1:]
			}
		}
		return r
	}
	if legs := conv.ByUser(key); len(legs) > 0 {
		r.Kind = IDUser
		pickIntended(conv, r, legs)
		return r
	}
	if c, ok := conv.ByComm(key); ok {
		r.Kind, r.Named, r.Intended, r.Comm = IDCommunication, c.P, c.P, &c
		return r
	}
	if c, ok := conv.ByPeer(key); ok {
		r.Kind, r.Comm = IDPeer, &c
		return r
	}
	if legs := conv.ByExternalContact(key); len(legs) > 0 {
		r.Kind = IDExternalContact
		pickIntended(conv, r, legs)
		return r
	}
	if strings.EqualFold(key, conv.ID) {
		r.Kind = IDConversation
	}
	return r
}

func pickIntended(conv *diagnose.Conv, r *Resolution, legs []*diagnose.PView) {
	if live := liveOf(conv, legs); len(live) > 0 {
		r.Intended, r.Candidates = live[0], live[1:]
		return
	}
	r.Intended = legs[len(legs)-1]
}

// liveOf returns the live participants among list, best first: connected
// before still-connecting, later start first.
func liveOf(conv *diagnose.Conv, list []*diagnose.PView) []*diagnose.PView {
	var out []*diagnose.PView
	for _, v := range list {
		if v.Live(conv) {
			out = append(out, v)
		}
	}
	score := func(v *diagnose.PView) int {
		for _, s := range v.States(conv) {
			if genesys.StateIs(s.State, genesys.StateConnected) {
				return 2
			}
		}
		return 1
	}
	start := func(v *diagnose.PView) string {
		if v.G != nil {
			return v.G.StartTime
		}
		if v.C != nil {
			return v.C.StartTime
		}
		return ""
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			a, b := out[j-1], out[j]
			if score(b) > score(a) || score(b) == score(a) && start(b) > start(a) {
				out[j-1], out[j] = b, a
			}
		}
	}
	return out
}

// judgeForm reports participant.id-format.
func judgeForm(p *diagnose.Pass, r *Resolution) {
	ref := p.Saw(sourceOf(r.From), pathOf(r.From), r.Given)
	if r.Form.OK() {
		p.RuleOut(causeParticipantIDFormat, "%s is a canonical Genesys id (lowercase UUID)", r.Given)
		return
	}
	expl := fmt.Sprintf("The participant id %q %s. Genesys ids are lowercase UUIDs (8-4-4-4-12 hex digits), exactly as participants[].id shows them.", r.Given, strings.Join(r.Form.Problems, ", "))
	if r.Form.Canonical != "" {
		expl += fmt.Sprintf(" Its canonical form is %s.", r.Form.Canonical)
	}
	p.Report(diagnose.Cause{Info: causeParticipantIDFormat, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{ref}, Explanation: expl,
		Fix: newFix("Send the id exactly as GET /api/v2/conversations/{id} shows it in participants[].id")})
}

func sourceOf(from string) string {
	switch {
	case strings.HasPrefix(from, "request body"):
		return srcBody
	case strings.HasPrefix(from, "request line"):
		return srcRequest
	}
	return from
}

func pathOf(from string) string {
	switch {
	case strings.HasPrefix(from, "request body "):
		return strings.TrimPrefix(from, "request body ")
	case strings.HasPrefix(from, "request line "):
		return strings.TrimPrefix(from, "request line ")
	}
	return ""
}

// describe names a participant for explanations.
func describe(conv *diagnose.Conv, v *diagnose.PView) string {
	src, path := conv.Source(v)
	_ = src
	s := path + " " + v.ID
	var extra []string
	if n := v.Name(); n != "" {
		extra = append(extra, quoteName(n))
	}
	if pu := v.Purpose(); pu != "" {
		extra = append(extra, pu)
	}
	if st := stateSummary(conv, v); st != "-" {
		extra = append(extra, st)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// judgeProvenance reports what the id turned out to be.
func judgeProvenance(p *diagnose.Pass, conv *diagnose.Conv, r *Resolution) {
	given := diagnose.Ref{Source: sourceOf(r.From), Path: pathOf(r.From), Value: r.Given}
	useLive := func() string {
		if r.Intended == nil {
			return ""
		}
		s := fmt.Sprintf(" Use %s.", describe(conv, r.Intended))
		if len(r.Candidates) > 0 {
			var ids []string
			for _, c := range r.Candidates {
				ids = append(ids, c.ID)
			}
			s += fmt.Sprintf(" (Other live legs of the same party: %s.)", strings.Join(ids, ", "))
		}
		return s
	}
	switch r.Kind {
	case IDParticipant:
		src, path := conv.Source(r.Named)
		ref := p.Saw(src, path+".id", r.Named.ID)
		p.RuleOut(causeParticipantNotInConversation, "%s is participants[%s] of the conversation", r.Named.ID, strings.TrimSuffix(strings.TrimPrefix(path, "participants["), "]"))
		p.RuleOut(causeParticipantIDIsUserID, "the id is a participant id")
		p.RuleOut(causeParticipantIDIsCommunicationID, "the id is a participant id")
		if r.Intended != r.Named {
			judgeStaleLeg(p, conv, r, given, ref)
		} else if r.Named.Ended(conv) {
			p.RuleOut(causeParticipantStaleLeg, "no other participant of the same party is live")
		} else {
			p.RuleOut(causeParticipantStaleLeg, "the participant is live")
		}
		p.Summary("names %s", describe(conv, r.Named))
	case IDUser:
		ref := diagnose.Ref{Source: conv.GenericSource, Path: "participants[].userId", Value: r.Form.Key()}
		if r.Intended != nil {
			src, path := conv.Source(r.Intended)
			ref = diagnose.Ref{Source: src, Path: path + ".userId", Value: r.Intended.UserID()}
		}
		p.Report(diagnose.Cause{Info: causeParticipantIDIsUserID, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{given, ref},
			Explanation: fmt.Sprintf("%s is the userId of %s, not a participant id (it has %s in this conversation).%s", r.Given, nameOr(r.Intended, "a user"), diagnose.Plural(len(conv.ByUser(r.Form.Key())), "participant", "participants"), useLive()),
			Fix:         newFix("Use the participant id of the user's live leg")})
		p.RuleOut(causeParticipantNotInConversation, "the id is the userId of a participant")
		p.Summary("%s is a userId, not a participant id", r.Given)
	case IDCommunication:
		ref := p.Saw(conv.GenericSource, fmt.Sprintf("participants[%d].%s[%d].id", r.Named.GIndex, r.Comm.Comm.Array.Key, r.Comm.Comm.Index), r.Comm.Comm.ID)
		p.Report(diagnose.Cause{Info: causeParticipantIDIsCommunicationID, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{given, ref},
			Explanation: fmt.Sprintf("%s is the id of a communication (%s[%d]) of %s, not a participant id. The participant PATCH takes the participant id; to end only that communication, PATCH .../participants/%s/communications/%s.", r.Given, r.Comm.Comm.Array.Key, r.Comm.Comm.Index, describe(conv, r.Named), r.Named.ID, r.Comm.Comm.ID),
			Fix:         newFix("Use the owning participant's id " + r.Named.ID)})
		p.RuleOut(causeParticipantNotInConversation, "the id is a communication id of the conversation")
		p.Summary("%s is a communication id of participant %s", r.Given, r.Named.ID)
	case IDPeer:
		ref := p.Saw(conv.GenericSource, fmt.Sprintf("participants[%d].%s[%d].peerId", r.Comm.P.GIndex, r.Comm.Comm.Array.Key, r.Comm.Comm.Index), r.Comm.Comm.PeerID)
		p.Report(diagnose.Cause{Info: causeParticipantIDIsCommunicationID, Likelihood: diagnose.Confirmed, Evidence: []diagnose.Ref{given, ref},
			Explanation: fmt.Sprintf("%s is the peerId of a communication of %s: the id of the peer communication on the matching leg, not a participant id.", r.Given, describe(conv, r.Comm.P)),
			Fix:         newFix("Take participants[].id of the participant to " + opWords(p).Verb)})
		p.RuleOut(causeParticipantNotInConversation, "the id is a peerId in the conversation")
		p.Summary("%s is a peerId, not a participant id", r.Given)
	case IDExternalContact:
		p.Report(diagnose.Cause{Info: causeParticipantIDIsExternalContactID, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{given, {Source: conv.GenericSource, Path: "participants[].externalContactId", Value: r.Form.Key()}},
			Explanation: fmt.Sprintf("%s is the externalContactId of %s, not a participant id.%s", r.Given, nameOr(r.Intended, "a participant"), useLive()),
			Fix:         newFix("Use the participant id of the contact's live leg")})
		p.RuleOut(causeParticipantNotInConversation, "the id is an externalContactId of the conversation")
		p.Summary("%s is an external contact id", r.Given)
	default:
		if r.Form.Canonical == "" && !r.Form.OK() {
			p.Summary("%q is not a Genesys id (see participant.id-format), so it cannot be looked up", r.Given)
			break
		}
		what := ""
		switch {
		case r.Kind == IDConversation:
			what = " It is the conversation's own id."
		case queueOf(conv, r.Form.Key()) != "":
			what = " It is the queueId of " + queueOf(conv, r.Form.Key()) + "."
		case r.Form.Placeholder:
			what = " It is a template placeholder that was never filled in."
		}
		p.Report(diagnose.Cause{Info: causeParticipantNotInConversation, Likelihood: diagnose.Confirmed,
			Evidence:    []diagnose.Ref{given, {Source: conv.GenericSource, Path: "participants[]", Value: fmt.Sprintf("%d participants; no id, userId, communication id, peerId or externalContactId matches", len(conv.Participants))}},
			Explanation: fmt.Sprintf("%s matches nothing in conversation %s: no participant, user, communication, peer or external contact has it.%s It may come from another conversation (a consult, or one merged into a conference), or from before the participant existed.", r.Given, conv.ID, what),
			Fix:         newFix("Take the participant id from GET /api/v2/conversations/" + conv.ID + " (participants[].id)")})
		p.Summary("%s is not in the conversation", r.Given)
	}
	if r.Kind != IDUser {
		p.RuleOut(causeParticipantIDIsUserID, "the id is not a userId in the conversation")
	}
	if r.Kind != IDCommunication && r.Kind != IDPeer {
		p.RuleOut(causeParticipantIDIsCommunicationID, "the id is not a communication id or peerId in the conversation")
	}
	if r.Kind != IDExternalContact {
		p.RuleOut(causeParticipantIDIsExternalContactID, "the id is not an externalContactId in the conversation")
	}
}

// judgeStaleLeg reports participant.stale-leg: the id names an ended leg of
// a party that has a live one. It is judged at the moment of failure: a
// leg that ended after the failure was the live one then.
func judgeStaleLeg(p *diagnose.Pass, conv *diagnose.Conv, r *Resolution, given, ref diagnose.Ref) {
	ev, f := p.Evidence, p.Evidence.Failure
	src, path := conv.Source(r.Named)
	lsrc, lpath := conv.Source(r.Intended)
	refs := []diagnose.Ref{given, ref, {Source: src, Path: path, Value: "ended: " + stateSummary(conv, r.Named)},
		{Source: lsrc, Path: lpath, Value: "live: " + r.Intended.ID + " " + stateSummary(conv, r.Intended)}}
	end := conv.Lifeline(r.Named).EndedAt()
	l, when := diagnose.Likely, " "+afterNote(ev)
	switch f.Compare(end) {
	case diagnose.After:
		p.RuleOut(causeParticipantStaleLeg, "%s: it was a live leg when the request failed", f.Describe("participant "+r.Named.ID+" ended", end))
		return
	case diagnose.Around:
		l, when = diagnose.Possible, " "+f.Describe("It ended", end)+", so whether it was still live then cannot be told."
	case diagnose.Before:
		l, when = diagnose.Confirmed, " "+f.Describe("It ended", end)+"."
		refs = append(refs, failureRef(f))
	}
	p.Report(diagnose.Cause{Info: causeParticipantStaleLeg, Likelihood: l, Evidence: refs,
		Explanation: fmt.Sprintf("%s has ended, but the same party has a live participant: %s. Transfers, retries and consults create new participants and keep the old ones, so picking a participant by user or address alone picks an ended leg.%s", describe(conv, r.Named), describe(conv, r.Intended), when),
		Fix:         newFix(upperFirst(opWords(p).Verb) + " the live participant " + r.Intended.ID + " instead")})
}

func queueOf(conv *diagnose.Conv, id string) string {
	for _, v := range conv.Participants {
		if v.G != nil && strings.EqualFold(v.G.QueueID, id) {
			return describe(conv, v)
		}
	}
	return ""
}

func nameOr(v *diagnose.PView, def string) string {
	if v == nil {
		return def
	}
	if n := v.Name(); n != "" {
		return n
	}
	return "participant " + v.ID
}

// correctedTarget is the conversation and participant the corrected
// request should name: the participant the operation is meant for.
func correctedTarget(rf *RequestFacts, conv *diagnose.Conv, judged, meant *Resolution) (convID, pid string) {
	target := judged
	if meant != nil {
		target = meant
	}
	pid = target.Form.Key()
	if target.Intended != nil {
		pid = target.Intended.ID
	} else if conv != nil && target.Kind != IDParticipant {
		pid = "" // the id names nobody: leave the placeholder
	}
	if target.Form.Placeholder {
		pid = ""
	}
	convID = rf.ConversationID
	if conv != nil && target.Intended != nil && conv.ID != "" {
		convID = conv.ID // the conversation the participant is in
	}
	return convID, pid
}

// marks names the rows that matter in the participants table.
func marks(conv *diagnose.Conv, judged, meant *Resolution, w diagnose.Words) map[*diagnose.PView]string {
	m := map[*diagnose.PView]string{}
	for _, r := range []*Resolution{judged, meant} {
		if r == nil {
			continue
		}
		if r.Named != nil {
			m[r.Named] = "target (as sent)"
		}
		if r.Intended != nil && r.Intended != r.Named {
			m[r.Intended] = strings.Fields(w.Verb)[0] + " this one"
		}
		for _, c := range r.Candidates {
			if _, ok := m[c]; !ok {
				m[c] = "live leg, same party"
			}
		}
		if r.Named != nil {
			for _, o := range conv.SameParty(r.Named) {
				if _, ok := m[o]; !ok {
					m[o] = "same party"
				}
			}
			if link := conv.ByID(r.Named.ConsultParticipantID()); link != nil {
				if _, ok := m[link]; !ok {
					m[link] = "consult link"
				}
			}
		}
	}
	return m
}

// quoteName quotes a participant's name that holds parentheses, so that
// "(Jordan Lee (external), external, connected)" does not nest:
// ("Jordan Lee (external)", external, connected).
func quoteName(n string) string {
	if strings.ContainsAny(n, "(),") {
		return strconv.Quote(n)
	}
	return n
}
