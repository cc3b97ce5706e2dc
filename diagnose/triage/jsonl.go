package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/input"
)

// LogFormat documents a JSONL log of failed requests (README, --help).
const LogFormat = `One JSON object a line, one failed request each:
  time            when it failed: RFC 3339, a log time such as "2026-11-20 14:05:03"
                  (UTC unless it has an offset), or epoch milliseconds
  method, url     the request line as sent (url: a full URL or a path)
  status          the HTTP status it got (a number or a string)
  request_body    the body as sent: a string (the bytes exactly), or a JSON value
  response_body   the error body received: a string, or a JSON object
  correlation_id  the response's ININ-Correlation-Id
  conversation_id, participant_id   optional: what the request was meant for
  operation       optional: what it was meant to do (disconnect, hold, transfer, ...)
Unknown keys are ignored; blank lines are skipped; a line that cannot be read is
reported with its line number and skipped.`

// logRecord is one line of a JSONL log of failed requests.
type logRecord struct {
	Time           json.RawMessage `json:"time"`
	Method         string          `json:"method"`
	URL            string          `json:"url"`
	Status         json.RawMessage `json:"status"`
	RequestBody    json.RawMessage `json:"request_body"`
	ResponseBody   json.RawMessage `json:"response_body"`
	CorrelationID  string          `json:"correlation_id"`
	ConversationID string          `json:"conversation_id"`
	ParticipantID  string          `json:"participant_id"`
	Operation      string          `json:"operation"`
}

// parseLogLine decodes one log line.
func parseLogLine(line []byte) (*logRecord, error) {
	var rec logRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not a JSON object: %v (byte %d)", err, se.Offset)
		}
		return nil, fmt.Errorf("not a log record: %v", err)
	}
	if strings.TrimSpace(rec.Method) == "" || strings.TrimSpace(rec.URL) == "" {
		return nil, errors.New(`the record has no "method" and "url": not a request`)
	}
	return &rec, nil
}

// conversation is the conversation a record is about: its conversation_id,
// else the one its URL's path names.
func (rec *logRecord) conversation() string {
	if id := strings.TrimSpace(rec.ConversationID); id != "" {
		return id
	}
	rl, err := diagnose.ParseRequestLine(rec.Method + " " + rec.URL)
	if err != nil {
		return ""
	}
	return genesys.MatchRequest(rl.Method, rl.Path).Params["conversationId"]
}

// evidence builds what `convdiag check` would be given for the record:
// --request, --body, --status, --response, --at, --conversation,
// --participant, --operation, through the same loader.
func (rec *logRecord) evidence(mode diagnose.Mode) (*diagnose.Evidence, error) {
	o := input.Options{Mode: mode, Request: rec.Method + " " + rec.URL,
		ConversationID: rec.ConversationID, ParticipantID: strings.TrimSpace(rec.ParticipantID)}
	if s := strings.TrimSpace(rec.Operation); s != "" {
		op, err := diagnose.ParseOpID(s)
		if err != nil {
			return nil, fmt.Errorf("operation: %v", err)
		}
		o.Operation = op
	}
	status, err := scalar(rec.Status, "status")
	if err != nil {
		return nil, err
	}
	o.Status = status
	if o.At, err = scalar(rec.Time, "time"); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	if b, ok := bodyBytes(rec.RequestBody); ok {
		o.Body, o.BodySet = "request_body", true
		files[o.Body] = b
	}
	if b, ok := bodyBytes(rec.ResponseBody); ok {
		o.Response = "response_body"
		files[o.Response] = b
	}
	o.ReadFile = func(name string, limit int64) ([]byte, error) {
		b := files[name]
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("is larger than %d bytes, the most convdiag reads here", limit)
		}
		return b, nil
	}
	ev, err := input.Load(o)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "--"))
	}
	if ev.Response != nil && rec.CorrelationID != "" && ev.Response.CorrelationID == "" {
		ev.Response.CorrelationID = strings.TrimSpace(rec.CorrelationID)
	}
	return ev, nil
}

// scalar reads a field given as a string or a number; "" when absent.
func scalar(raw json.RawMessage, name string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %v", name, err)
		}
		return s, nil
	}
	if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
		return "", fmt.Errorf("%s: want a string or a number, not %s", name, clip(string(raw), 40))
	}
	return string(raw), nil
}

// bodyBytes is a body field's bytes: a string's content exactly, another
// JSON value as written; ok is false when the field is absent or null.
func bodyBytes(raw json.RawMessage) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []byte(s), true
		}
	}
	return append([]byte(nil), raw...), true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
