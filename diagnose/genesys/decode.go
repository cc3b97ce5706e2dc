package genesys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"
)

// DecodeError says why a document is not what it should be, and where.
// Offset is the byte offset (0-based); Line and Col are 1-based.
type DecodeError struct {
	Offset    int64
	Line, Col int
	Msg       string
}

func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, column %d, byte offset %d)", e.Msg, e.Line, e.Col, e.Offset)
	}
	return e.Msg
}

// LineCol converts a byte offset into a 1-based line and column (columns
// count runes, as an editor does).
func LineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	col = utf8.RuneCount(before[start:]) + 1
	return line, col
}

func decodeErr(data []byte, offset int64, format string, args ...any) *DecodeError {
	l, c := LineCol(data, offset)
	return &DecodeError{Offset: offset, Line: l, Col: c, Msg: fmt.Sprintf(format, args...)}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// firstByte returns the offset and value of the first byte that is not JSON
// whitespace or a UTF-8 byte order mark; ok is false for an empty document.
func firstByte(data []byte) (int, byte, bool) {
	i := 0
	if bytes.HasPrefix(data, utf8BOM) {
		i = len(utf8BOM)
	}
	for ; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return i, data[i], true
	}
	return i, 0, false
}

// requireObject checks that data is a JSON object at the top level and says
// what it is instead.
func requireObject(data []byte, what string) error {
	off, b, ok := firstByte(data)
	if !ok {
		return &DecodeError{Msg: "is empty, not " + what}
	}
	switch {
	case b == '{':
		return nil
	case b == '[':
		return decodeErr(data, int64(off), "is a JSON array, not %s (an object starting with '{')", what)
	case b == '"':
		return decodeErr(data, int64(off), "is a JSON string, not %s (was the JSON encoded twice?)", what)
	case b == '<':
		return decodeErr(data, int64(off), "looks like HTML or XML, not %s", what)
	case len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF || data[0] == 0 || data[1] == 0):
		return decodeErr(data, int64(off), "is UTF-16 text, not UTF-8: save it as UTF-8 (PowerShell: Out-File -Encoding utf8)")
	case b < 0x20 || b >= 0x80 && !utf8.Valid(data[off:min(len(data), off+64)]):
		return decodeErr(data, int64(off), "is binary data, not %s (byte 0x%02x)", what, b)
	default:
		return decodeErr(data, int64(off), "is not %s: it starts with %q", what, rune(b))
	}
}

// jsonErr converts an encoding/json error into a DecodeError with a position.
func jsonErr(data []byte, err error, what string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg := se.Error()
		if se.Offset >= int64(len(data)) || msg == "unexpected end of JSON input" {
			return decodeErr(data, int64(len(data)), "is truncated: %s ends before the JSON is complete", what)
		}
		off := se.Offset - 1 // the parser reports the offset after the offending byte
		if off < 0 {
			off = 0
		}
		return decodeErr(data, off, "is not valid JSON: %s", msg)
	}
	if err.Error() == "unexpected end of JSON input" {
		return decodeErr(data, int64(len(data)), "is truncated: %s ends before the JSON is complete", what)
	}
	return &DecodeError{Msg: "is not valid JSON: " + err.Error()}
}

// Decoded is a conversation document in whichever view it was saved.
type Decoded struct {
	// Conversation is set when the document is the generic view.
	Conversation *Conversation
	// Call is set when the document is the flat call view.
	Call *CallConversation
	// Warnings lists tolerated oddities (a field of an unexpected type, a
	// list wrapper that was unwrapped).
	Warnings []string
}

// DecodeConversation decodes a saved GET of a conversation. It accepts the
// generic view (GET /api/v2/conversations/{id}), the flat call view (GET
// /api/v2/conversations/calls/{id}), and a list response holding it
// ({"entities":[...]}; wantID picks the entity when there are several). It
// fails with a *DecodeError for anything that is not a conversation.
func DecodeConversation(data []byte, wantID string) (*Decoded, error) {
	const what = "a conversation"
	if err := requireObject(data, what); err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if d, ok := fastConversation(bytes.NewReader(data), int64(len(data))); ok {
		return d, nil
	}
	var d Decoded
	var conv Conversation
	if err := json.Unmarshal(data, &conv); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, jsonErr(data, err, what)
		}
		if te.Field == "participants" || te.Field == "id" || te.Field == "" {
			return nil, decodeErr(data, te.Offset, "is not %s: field %q is a JSON %s, not %s", what, te.Field, te.Value, jsonTypeName(te.Type))
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("field %q is a JSON %s, not %s; ignored (byte offset %d)", te.Field, te.Value, jsonTypeName(te.Type), te.Offset))
	}
	if conv.ID == "" && len(conv.Participants) == 0 {
		return decodeOther(data, wantID, d)
	}
	hasComms := false
	for i := range conv.Participants {
		if len(conv.Participants[i].Comms()) > 0 {
			hasComms = true
			break
		}
	}
	if !hasComms && len(conv.Participants) > 0 {
		var call CallConversation
		if err := json.Unmarshal(data, &call); err == nil || isTypeErr(err) {
			for _, p := range call.Participants {
				if p.State != "" {
					d.Call = &call
					return &d, nil
				}
			}
		}
	}
	d.Conversation = &conv
	return &d, nil
}

// jsonTypeName names the JSON kind a Go type decodes from.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "the expected type"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return t.String()
}

func isTypeErr(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// decodeOther handles an object that has neither id nor participants: a list
// wrapper, an analytics document, or something else entirely.
func decodeOther(data []byte, wantID string, d Decoded) (*Decoded, error) {
	var probe struct {
		Entities       []json.RawMessage `json:"entities"`
		ConversationID string            `json:"conversationId"`
		Conversations  []json.RawMessage `json:"conversations"`
		AccessToken    string            `json:"access_token"`
		Organization   json.RawMessage   `json:"organization"`
	}
	_ = json.Unmarshal(data, &probe)
	switch {
	case len(probe.Entities) > 0:
		var pick json.RawMessage
		for _, e := range probe.Entities {
			var id struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(e, &id)
			if wantID != "" && id.ID == wantID {
				pick = e
				break
			}
		}
		if pick == nil {
			if len(probe.Entities) != 1 {
				return nil, &DecodeError{Msg: fmt.Sprintf("is a list of %d conversations; give --conversation to pick one", len(probe.Entities))}
			}
			pick = probe.Entities[0]
		}
		inner, err := DecodeConversation(pick, wantID)
		if err != nil {
			return nil, err
		}
		inner.Warnings = append(d.Warnings, append([]string{"the document is a list response; read its conversation entity"}, inner.Warnings...)...)
		return inner, nil
	case probe.ConversationID != "" || len(probe.Conversations) > 0:
		return nil, &DecodeError{Msg: "is an analytics conversation-details document; give it with --analytics-json; --conversation-json takes GET /api/v2/conversations/{id} (or .../calls/{id})"}
	case probe.AccessToken != "":
		return nil, &DecodeError{Msg: "is an OAuth token response, not a conversation"}
	case len(probe.Organization) > 0:
		return nil, &DecodeError{Msg: "looks like GET /api/v2/tokens/me, not a conversation (use --token-info-json)"}
	}
	return nil, &DecodeError{Msg: "is not a conversation: it has neither \"id\" nor \"participants\""}
}

// DecodeTokenInfo decodes a saved GET /api/v2/tokens/me.
func DecodeTokenInfo(data []byte) (*TokenInfo, error) {
	const what = "token info (GET /api/v2/tokens/me)"
	if err := requireObject(data, what); err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var ti TokenInfo
	if err := json.Unmarshal(data, &ti); err != nil && !isTypeErr(err) {
		return nil, jsonErr(data, err, what)
	}
	var probe struct {
		Participants json.RawMessage `json:"participants"`
	}
	_ = json.Unmarshal(data, &probe)
	if len(probe.Participants) > 0 {
		return nil, &DecodeError{Msg: "is a conversation, not token info (use --conversation-json)"}
	}
	return &ti, nil
}

// DecodeErrorBody decodes a Genesys error body. ok is false when the body is
// not a JSON object (an HTML page from a proxy, say); the caller keeps the
// raw text as evidence.
func DecodeErrorBody(data []byte) (eb *ErrorBody, ok bool) {
	if requireObject(data, "an error body") != nil {
		return nil, false
	}
	var b ErrorBody
	if err := json.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &b); err != nil && !isTypeErr(err) {
		return nil, false
	}
	return &b, true
}

// DecodeObject decodes a JSON object document (what names it in errors)
// into v; fields of an unexpected type are left as they are.
func DecodeObject(data []byte, v any, what string) error {
	if err := requireObject(data, what); err != nil {
		return err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := json.Unmarshal(data, v); err != nil && !isTypeErr(err) {
		return jsonErr(data, err, what)
	}
	return nil
}
