package genesys

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unsafe"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// v1Semantics makes the faster decoder read a valid document exactly as
// encoding/json does: names matched without regard to case, the last of
// duplicate names kept, invalid UTF-8 replaced. (Not GOEXPERIMENT=jsonv2,
// which moves encoding/json's error offsets and needs the variable on every
// build.) Errors are not reported as encoding/json reports them: any error
// sends the document to encoding/json, whose messages the user sees, and
// reporting them its way had every participant's JSON read twice (checked
// whole before it was decoded), a quarter of the decoder's time.
var v1Semantics = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false))

// fastConversation decodes the generic view of a conversation with
// github.com/go-json-experiment/json, streaming from r: about two thirds of
// encoding/json's CPU, and, read from a file, neither a copy of the
// document nor of its participants array in memory (each participant is
// decoded as it is read). ok is false for anything but a well-formed
// generic view (an error of any kind, another view, a list, another
// document): the caller then decodes with encoding/json, so that messages,
// offsets and warnings stay what they were.
func fastConversation(r io.Reader, size int64) (*Decoded, bool) {
	conv, err := streamConversation(jsontext.NewDecoder(r, v1Semantics), size)
	if err != nil {
		return nil, false
	}
	switch {
	case conv.ID == "" && len(conv.Participants) == 0:
		return nil, false // a list, another document
	case len(conv.Participants) == 0:
		return &Decoded{Conversation: conv}, true
	}
	for i := range conv.Participants {
		if conv.Participants[i].hasComms() {
			return &Decoded{Conversation: conv}, true
		}
	}
	return nil, false // perhaps the flat call view
}

// streamConversation reads the top-level object member by member: the
// participants one at a time, every other member kept as its raw value and
// decoded at the end. size is the document's length, 0 when not known.
func streamConversation(dec *jsontext.Decoder, size int64) (*Conversation, error) {
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, errNotFast
	}
	conv := &Conversation{}
	rest := []byte{'{'}
	seenParticipants := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String() // the token is voided by the next call
		if strings.EqualFold(name, "participants") && dec.PeekKind() == '[' {
			if seenParticipants {
				return nil, errNotFast // duplicates: encoding/json's rules
			}
			seenParticipants = true
			if conv.Participants, err = streamParticipants(dec, size); err != nil {
				return nil, err
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if len(rest) > 1 {
			rest = append(rest, ',')
		}
		if rest, err = jsontext.AppendQuote(rest, name); err != nil {
			return nil, err
		}
		rest = append(append(rest, ':'), v...)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errNotFast // trailing data
	}
	participants := conv.Participants
	if err := jsonv2.Unmarshal(append(rest, '}'), conv, v1Semantics); err != nil {
		return nil, err
	}
	if seenParticipants {
		conv.Participants = participants
	}
	return conv, nil
}

// streamParticipants decodes a participants array one element at a time,
// each into its place in the list. size is the document's length (0 when
// not known): the list then grows to what the rest of the document holds
// (listRoom), not by doubling, so that a conference's participants are
// not copied over and over, leaving their old copies to the collector.
func streamParticipants(dec *jsontext.Decoder, size int64) ([]Participant, error) {
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	start := dec.InputOffset()
	list := []Participant{}
	for dec.PeekKind() != ']' {
		if len(list) == cap(list) {
			list = slices.Grow(list, listRoom(len(list), start, dec.InputOffset(), size))
		}
		list = append(list, Participant{})
		if err := jsonv2.UnmarshalDecode(dec, &list[len(list)-1], v1Semantics); err != nil {
			return nil, err
		}
	}
	_, err := dec.ReadToken()
	return slices.Clip(list), err
}

// listRoom is how many more participants to make room for, n of them
// read from the bytes between start and at of a document of size bytes:
// as many as the rest of the document holds at their average length, a
// little over. 0 (let append grow the list) for a short list or an
// unknown size. The room never takes more memory than the rest of the
// document is long, so that a few small participants before a long
// string cannot ask for gigabytes (and room asked for but not written to
// costs address space, not resident memory).
func listRoom(n int, start, at, size int64) int {
	const minRead = 16
	read, rest := at-start, size-at
	if n < minRead || read <= 0 || rest <= 0 {
		return 0
	}
	room := rest*int64(n)/read + rest*int64(n)/read/32 + minRead
	return int(min(room, rest/int64(participantSize)+1))
}

// participantSize is the memory a Participant takes in a list.
const participantSize = unsafe.Sizeof(Participant{})

var errNotFast = errors.New("not for the fast decoder")

// DecodeConversationStream decodes a saved conversation document read from
// r without keeping its bytes (a 100,000-participant conference is 130 MB).
// When the faster decoder cannot take it, the document is read again with
// reread and decoded by DecodeConversation, whose errors and warnings are
// the ones a user sees.
func DecodeConversationStream(r io.Reader, reread func() ([]byte, error), wantID string) (*Decoded, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(3)
	}
	if startsObject(br) {
		if d, ok := fastConversation(br, sizeOf(r)); ok {
			return d, nil
		}
	}
	data, err := reread()
	if err != nil {
		return nil, err
	}
	return DecodeConversation(data, wantID)
}

// sizeOf is the length of what r reads when it is a file, else 0.
func sizeOf(r io.Reader) int64 {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
}

// startsObject reports whether the next byte that is not whitespace is '{'.
func startsObject(br *bufio.Reader) bool {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return false
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return br.UnreadByte() == nil
		}
		return false
	}
}
