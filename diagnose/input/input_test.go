package input

import (
	"errors"
	"strings"
	"testing"
)

func files(m map[string]string) func(string, int64) ([]byte, error) {
	return func(name string, limit int64) ([]byte, error) {
		b, ok := m[name]
		if !ok {
			return nil, errors.New("no such file")
		}
		if int64(len(b)) > limit {
			return nil, errors.New("too large")
		}
		return []byte(b), nil
	}
}

func TestLoadResponse(t *testing.T) {
	fs := files(map[string]string{
		"curl-i.txt": "HTTP/2 409 \r\ncontent-type: application/json\r\ninin-correlation-id: corr-9\r\nset-cookie: a=b\r\nauthorization: Bearer x\r\n\r\n{\"message\":\"no\",\"status\":409}",
		"body.json":  `{"message":"no","status":404}`,
		"html.txt":   "<html>502 Bad Gateway</html>",
	})
	ev, err := Load(Options{Response: "curl-i.txt", ReadFile: fs})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Response.Status != 409 || ev.Response.CorrelationID != "corr-9" || string(ev.Response.Body) != `{"message":"no","status":409}` {
		t.Errorf("%+v %q", ev.Response, ev.Response.Body)
	}
	for _, h := range ev.Response.Headers {
		if strings.EqualFold(h.Name, "set-cookie") || strings.Contains(h.Value, "Bearer x") {
			t.Errorf("header kept: %+v", h)
		}
	}
	ev, _ = Load(Options{Response: "body.json", ReadFile: fs})
	if ev.Response.Status != 404 {
		t.Errorf("status from the error body: %d", ev.Response.Status)
	}
	ev, _ = Load(Options{Response: "html.txt", Status: "502", ReadFile: fs})
	if ev.Response.Status != 502 || ev.Response.ErrorBody() != nil {
		t.Errorf("%+v", ev.Response)
	}
	if _, err := Load(Options{Response: "curl-i.txt", Status: "404", ReadFile: fs}); err == nil || !strings.Contains(err.Error(), "disagrees") {
		t.Errorf("status mismatch: %v", err)
	}
}

func TestLoadRequest(t *testing.T) {
	fs := files(map[string]string{"b.json": "{\"state\":\"disconnected\"}\n"})
	for _, tc := range []struct {
		o            Options
		method, url  string
		body         string
		hasBody      bool
		origin, fail string
	}{
		// No request line: the request is unknown, never a default.
		{Options{}, "", "", "", false, "", ""},
		{Options{ConversationID: "c1"}, "", "", "", false, "", ""},
		{Options{ConversationID: "c1", Body: `{"state":"disconnected"}`, BodySet: true}, "", "", `{"state":"disconnected"}`, true, "", ""},
		{Options{Request: "patch /x", Body: "b.json", BodySet: true}, "PATCH", "/x", "{\"state\":\"disconnected\"}\n", true, "flags", ""},
		{Options{Request: "PATCH /x", Body: `  {"a":1}`, BodySet: true}, "PATCH", "/x", `  {"a":1}`, true, "flags", ""},
		{Options{Request: "PATCH /x", Body: "", BodySet: true}, "PATCH", "/x", "", true, "flags", ""},
		{Options{Request: "PATCH /x HTTP/1.1"}, "PATCH", "/x", "", false, "flags", ""},
		{Options{Curl: "curl -X PATCH https://x/y -d '{}'"}, "PATCH", "https://x/y", "{}", true, "curl", ""},
		{Options{Curl: "curl https://x/y", Request: "GET /z"}, "", "", "", false, "", "drop --request"},
		{Options{HAR: "x.har", Status: "409"}, "", "", "", false, "", "drop --curl"},
		{Options{Request: "PATCH /x", Body: "missing.json", BodySet: true}, "", "", "", false, "", "no such file"},
	} {
		tc.o.ReadFile = fs
		ev, err := Load(tc.o)
		if tc.fail != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.fail) {
				t.Errorf("%+v: err %v, want a usage error with %q", tc.o, err, tc.fail)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", tc.o, err)
		}
		r := ev.Request
		if r.Method != tc.method || r.URL != tc.url || string(r.Body) != tc.body || r.HasBody != tc.hasBody || r.Origin != tc.origin {
			t.Errorf("%+v: got %s %s %q %v %s", tc.o, r.Method, r.URL, r.Body, r.HasBody, r.Origin)
		}
	}
}

func TestLoadStdinOnce(t *testing.T) {
	ev, err := Load(Options{Request: "PATCH /x", Body: "-", BodySet: true, Stdin: strings.NewReader(`{"state":"x"}`)})
	if err != nil || string(ev.Request.Body) != `{"state":"x"}` {
		t.Fatalf("%v %q", err, ev.Request.Body)
	}
	_, err = Load(Options{Body: "-", BodySet: true, Response: "-", Stdin: strings.NewReader("{}")})
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("stdin twice: %v", err)
	}
}
