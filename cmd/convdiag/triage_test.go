package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/genesys"
	"github.com/convdiag/convdiag/diagnose/sim"
	"github.com/convdiag/convdiag/diagnose/triage"
)

// triageJSON is the triage report as scripts read it (DESIGN §5a).
type triageJSON struct {
	FormatVersion string `json:"format_version"`
	Mode          string `json:"mode"`
	Tickets       []struct {
		Source  string `json:"source"`
		Verdict struct {
			Status   string `json:"status"`
			ExitCode int    `json:"exit_code"`
		} `json:"verdict"`
		TopCause       *string `json:"top_cause"`
		Operation      string  `json:"operation"`
		ConversationID string  `json:"conversation_id"`
		Time           *string `json:"time"`
	} `json:"tickets"`
	Clusters []struct {
		Operation string   `json:"operation"`
		Cause     string   `json:"cause"`
		Count     int      `json:"count"`
		Share     float64  `json:"share"`
		Examples  []string `json:"examples"`
		Fix       string   `json:"fix"`
	} `json:"clusters"`
	Counts struct {
		Tickets, CausesFound, NoCauseFound, Incomplete int
	} `json:"-"`
	RawCounts   map[string]int                   `json:"counts"`
	Errors      []struct{ Source, Error string } `json:"errors"`
	Interrupted bool                             `json:"interrupted"`
	Verdict     struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
	} `json:"verdict"`
}

func parseTriage(t *testing.T, out string) triageJSON {
	t.Helper()
	var r triageJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.FormatVersion != "1" || r.Tickets == nil || r.Clusters == nil || r.Errors == nil || r.RawCounts == nil {
		t.Fatalf("not the triage schema (format_version, tickets, clusters, counts, errors):\n%s", out)
	}
	c := r.RawCounts
	r.Counts.Tickets, r.Counts.CausesFound, r.Counts.NoCauseFound, r.Counts.Incomplete = c["tickets"], c["causes_found"], c["no_cause_found"], c["incomplete"]
	inClusters := 0
	for _, cl := range r.Clusters {
		inClusters += cl.Count
	}
	if inClusters+r.Counts.NoCauseFound+r.Counts.Incomplete != r.Counts.Tickets || r.Counts.Tickets != len(r.Tickets) || inClusters != r.Counts.CausesFound {
		t.Errorf("counts do not add up: clusters %d + no cause %d + incomplete %d vs %d tickets (%d listed)", inClusters, r.Counts.NoCauseFound, r.Counts.Incomplete, r.Counts.Tickets, len(r.Tickets))
	}
	return r
}

// checkVerdict is what `convdiag check` gives: the verdict and top cause.
func checkVerdict(t *testing.T, args ...string) (status string, exit int, top string) {
	t.Helper()
	r := runCLI(t, nil, "", append(append([]string{"check"}, args...), "--format", "json")...)
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("check %v: exit %d, not JSON: %v\n%s", args, r.Code, err, r.Stderr)
	}
	if len(rep.Causes) > 0 {
		top = rep.Causes[0].ID
	}
	return rep.Verdict.Status, rep.Verdict.ExitCode, top
}

// saveScenarioBundles saves a bundle of every built-in scenario into dir
// and returns their names.
func saveScenarioBundles(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	for _, sdir := range scenarioDirs(t) {
		name := filepath.Base(sdir)
		args := append(scenarioArgs(t, sdir), "--save-bundle", filepath.Join(dir, name), "--format", "json")
		if r := runCLI(t, nil, "", append([]string{"check"}, args...)...); r.Code == 2 {
			t.Fatalf("%s: %s", name, r.Stderr)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// TestTriageEqualsCheck: triage over the bundles of every built-in
// scenario and over the HAR fixtures gives each ticket exactly the verdict
// and top cause `convdiag check --bundle` (or --har --har-entry N) gives
// it, lists the tickets in input order whatever --jobs is, and its counts
// add up.
func TestTriageEqualsCheck(t *testing.T) {
	dir := t.TempDir()
	bundles := filepath.Join(dir, "cases")
	names := saveScenarioBundles(t, bundles)
	hars, _ := filepath.Glob("../../testdata/har/*.har")

	r := runCLI(t, nil, "", append([]string{"triage", bundles, "--format", "json", "--jobs", "3"}, hars...)...)
	rep := parseTriage(t, r.Stdout)
	if r.Code != 1 || rep.Verdict.ExitCode != 1 {
		t.Fatalf("exit %d (verdict %d), want 1: %s", r.Code, rep.Verdict.ExitCode, r.Stderr)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors %+v", rep.Errors)
	}
	var want []string
	for _, n := range names {
		want = append(want, filepath.Join(bundles, n))
	}
	got := map[string]int{}
	var order []string
	for i, tk := range rep.Tickets {
		got[tk.Source] = i
		order = append(order, tk.Source)
	}
	for _, src := range want {
		if _, ok := got[src]; !ok {
			t.Errorf("bundle %s is not a ticket", src)
		}
	}
	if !sort.SliceIsSorted(order[:len(names)], func(i, j int) bool { return order[i] < order[j] }) {
		t.Errorf("bundle tickets not in input (lexical) order: %v", order[:len(names)])
	}
	harTickets := 0
	for _, tk := range rep.Tickets {
		var status, top string
		var exit int
		if file, entry, ok := strings.Cut(tk.Source, ".har#"); ok {
			harTickets++
			status, exit, top = checkVerdict(t, "--har", file+".har", "--har-entry", entry)
		} else {
			status, exit, top = checkVerdict(t, "--bundle", tk.Source)
		}
		gotTop := topOf(tk.TopCause)
		if tk.Verdict.Status != status || tk.Verdict.ExitCode != exit || gotTop != top {
			t.Errorf("%s: triage says %s/%d top %q, check says %s/%d top %q", tk.Source, tk.Verdict.Status, tk.Verdict.ExitCode, gotTop, status, exit, top)
		}
	}
	if harTickets < len(hars) {
		t.Errorf("%d HAR tickets from %d HARs", harTickets, len(hars))
	}

	// The same run on one worker lists the same tickets in the same order.
	one := runCLI(t, nil, "", append([]string{"triage", bundles, "--format", "json", "--jobs", "1"}, hars...)...)
	if strip := func(s string) string { return regexpGenerated.ReplaceAllString(s, "") }; strip(one.Stdout) != strip(r.Stdout) {
		t.Error("--jobs 1 and --jobs 3 give different reports")
	}
}

// TestTriageLog: a JSONL log's lines are tickets with check's verdict on
// the same flags; a bad line is reported with its number and skipped.
func TestTriageLog(t *testing.T) {
	dir := t.TempDir()
	stale := "https://api.mypurecloud.de/api/v2/conversations/calls/7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76"
	teardown := "https://api.mypurecloud.com/api/v2/conversations/3f1c2a9e-5b7d-4c1e-9a3f-6d2b8e4c7a10/disconnect"
	lines := []string{
		`{"time":"2026-11-25T09:20:00Z","method":"POST","url":"` + teardown + `","status":409,"request_body":{"participantIds":["p-12345678"]},"response_body":{"status":409,"code":"request.conflict","message":"The request conflicts with the current state of the target resource."},"correlation_id":"c-1","extra":"ignored"}`,
		`not json at all`,
		``,
		`{"method":"PATCH","url":"` + stale + `","status":"409","request_body":"{\"state\":\"disconnected\"}","operation":"disconnect"}`,
		`{"method":"PATCH","url":"/api/v2/conversations/c/participants/p","request_body":"{\"state\": \"disconnected\",}","status":400}`,
		`{"method":"PATCH","url":"/x","operation":"hodl"}`,
	}
	log := filepath.Join(dir, "failures.jsonl")
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "triage", log, "--format", "json")
	rep := parseTriage(t, r.Stdout)
	if r.Code != 1 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if len(rep.Tickets) != 3 || rep.Tickets[0].Source != log+":1" || rep.Tickets[1].Source != log+":4" || rep.Tickets[2].Source != log+":5" {
		t.Fatalf("tickets %+v", rep.Tickets)
	}
	if len(rep.Errors) != 2 || rep.Errors[0].Source != log+":2" || rep.Errors[1].Source != log+":6" || !strings.Contains(rep.Errors[1].Error, `did you mean`) {
		t.Errorf("errors %+v: want lines 2 and 6, the operation with a did-you-mean", rep.Errors)
	}
	body := filepath.Join(dir, "teardown-body.json")
	resp := filepath.Join(dir, "teardown-response.json")
	_ = os.WriteFile(body, []byte(`{"participantIds":["p-12345678"]}`), 0o644)
	_ = os.WriteFile(resp, []byte(`{"status":409,"code":"request.conflict","message":"The request conflicts with the current state of the target resource."}`), 0o644)
	want := [][]string{
		{"--request", "POST " + teardown, "--body", body, "--status", "409", "--response", resp, "--at", "2026-11-25T09:20:00Z"},
		{"--request", "PATCH " + stale, "--body", `{"state":"disconnected"}`, "--status", "409", "--operation", "disconnect"},
		{"--request", "PATCH /api/v2/conversations/c/participants/p", "--body", `{"state": "disconnected",}`, "--status", "400"},
	}
	for i, args := range want {
		status, exit, top := checkVerdict(t, args...)
		tk := rep.Tickets[i]
		if tk.Verdict.Status != status || tk.Verdict.ExitCode != exit || topOf(tk.TopCause) != top {
			t.Errorf("%s: triage %s/%d %q, check %s/%d %q", tk.Source, tk.Verdict.Status, tk.Verdict.ExitCode, topOf(tk.TopCause), status, exit, top)
		}
	}
	if topOf(rep.Tickets[0].TopCause) != "endpoint.full-teardown" || topOf(rep.Tickets[2].TopCause) != "body.malformed-json" {
		t.Errorf("top causes %q, %q", topOf(rep.Tickets[0].TopCause), topOf(rep.Tickets[2].TopCause))
	}
	if rep.Tickets[0].Time == nil || *rep.Tickets[0].Time != "2026-11-25T09:20:00Z" {
		t.Errorf("the log's time is not the ticket's: %v", rep.Tickets[0].Time)
	}
}

// TestTriageUsageAndUnreadable: no path is a usage error; nothing readable
// is exit 2 with the reasons listed; a symlink inside a folder is refused.
func TestTriageUsageAndUnreadable(t *testing.T) {
	if r := runCLI(t, nil, "", "triage"); r.Code != 2 || !strings.Contains(r.Stderr, "nothing to triage") {
		t.Errorf("no path: exit %d %q", r.Code, r.Stderr)
	}
	if r := runCLI(t, nil, "", "triage", "x", "--jobs", "0"); r.Code != 2 || !strings.Contains(r.Stderr, "--jobs") {
		t.Errorf("--jobs 0: exit %d %q", r.Code, r.Stderr)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.jsonl")
	_ = os.WriteFile(secret, []byte(`{"method":"PATCH","url":"/api/v2/conversations/c/participants/p"}`+"\n"), 0o644)
	folder := filepath.Join(dir, "cases")
	_ = os.Mkdir(folder, 0o755)
	if err := os.Symlink(secret, filepath.Join(folder, "link.jsonl")); err != nil {
		t.Skip(err)
	}
	_ = os.WriteFile(filepath.Join(folder, "broken.har"), []byte(`{"log":`), 0o644)
	r := runCLI(t, nil, "", "triage", folder, filepath.Join(dir, "missing.jsonl"), "--format", "json")
	rep := parseTriage(t, r.Stdout)
	if r.Code != 2 || len(rep.Tickets) != 0 || len(rep.Errors) != 3 || !strings.Contains(r.Stderr, "no ticket could be read") {
		t.Fatalf("exit %d, errors %+v, stderr %q", r.Code, rep.Errors, r.Stderr)
	}
	all, _ := json.Marshal(rep.Errors)
	for _, want := range []string{"symbolic link", "truncated", "no such file"} {
		if !strings.Contains(string(all), want) {
			t.Errorf("errors %s: want one saying %q", all, want)
		}
	}
}

// TestTriageInterrupted: a triage stopped by Ctrl-C prints what it
// triaged, says so, and exits 130.
func TestTriageInterrupted(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "failures.jsonl")
	var b strings.Builder
	for i := 0; i < 50; i++ {
		b.WriteString(`{"method":"PATCH","url":"/api/v2/conversations/c/participants/p","request_body":"{\"participantId\":1}","status":400}` + "\n")
	}
	_ = os.WriteFile(log, []byte(b.String()), 0o644)
	e, out, errb := testEnv(nil, "")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&diagnose.Interrupted{Signal: "SIGINT", Code: 130})
	code := run(ctx, []string{"convdiag", "triage", log, "--format", "json"}, e)
	rep := parseTriage(t, out.String())
	if code != 130 || !rep.Interrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, interrupted %v, stderr %q", code, rep.Interrupted, errb.String())
	}
}

// TestTriageResume: a run recorded in a state file and interrupted goes on
// with --resume without diagnosing again what it recorded; the report is
// the same as one uninterrupted run's.
func TestTriageResume(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "failures.jsonl")
	var b strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `{"method":"PATCH","url":"/api/v2/conversations/c%d/participants/p","request_body":"{\"participantIds\":[\"p\"]}","status":400}`+"\n", i)
	}
	_ = os.WriteFile(log, []byte(b.String()), 0o644)
	full := runCLI(t, nil, "", "triage", log, "--format", "json")

	state := filepath.Join(dir, "triage.state")
	// A state as an interrupted run leaves it: the header, 12 tickets of
	// which the last is torn.
	first := runCLI(t, nil, "", "triage", log, "--format", "json", "--resume", state)
	if first.Code != 1 {
		t.Fatalf("exit %d: %s", first.Code, first.Stderr)
	}
	st, _ := os.ReadFile(state)
	recs := strings.SplitAfter(string(st), "\n")
	if len(recs) != 22 { // header, 20 tickets, "" after the last newline
		t.Fatalf("state has %d lines:\n%s", len(recs), st)
	}
	// Records are written as tickets finish, in any order: put them in
	// input order, so that the first ticket (whose fix a cluster shows) is
	// among the whole ones.
	body := recs[1:21]
	sort.Slice(body, func(i, j int) bool { return sourceLine(body[i]) < sourceLine(body[j]) })
	torn := recs[0] + strings.Join(body[:11], "") + body[11][:len(body[11])/2]
	_ = os.WriteFile(state, []byte(torn), 0o600)
	// Mark the recorded tickets so that the resumed run shows it used them.
	marked := strings.ReplaceAll(torn, `"fix_summary":"`, `"fix_summary":"RECORDED `)
	_ = os.WriteFile(state, []byte(marked), 0o600)

	second := runCLI(t, nil, "", "triage", log, "--format", "json", "--resume", state)
	rep := parseTriage(t, second.Stdout)
	if second.Code != 1 || len(rep.Tickets) != 20 {
		t.Fatalf("exit %d, %d tickets: %s", second.Code, len(rep.Tickets), second.Stderr)
	}
	var raw struct {
		Resumed int `json:"resumed"`
	}
	_ = json.Unmarshal([]byte(second.Stdout), &raw)
	if raw.Resumed != 11 {
		t.Errorf("resumed %d tickets, want the 11 whole records", raw.Resumed)
	}
	fullRep := parseTriage(t, full.Stdout)
	a, _ := json.Marshal(rep.Tickets)
	b2, _ := json.Marshal(fullRep.Tickets)
	if string(a) != string(b2) || rep.RawCounts["tickets"] != fullRep.RawCounts["tickets"] {
		t.Errorf("the resumed run's tickets differ from an uninterrupted run's:\n%s\n%s", a, b2)
	}
	if !strings.Contains(second.Stdout, "RECORDED") {
		t.Error("the resumed run did not use the recorded tickets")
	}
	st, _ = os.ReadFile(state)
	if n := strings.Count(string(st), "\n"); n != 21 {
		t.Errorf("state has %d lines after the resumed run, want the header and 20 tickets", n)
	}
}

// sourceLine is the input line a triage state record is about.
func sourceLine(rec string) int {
	var r struct {
		Source string `json:"source"`
	}
	_ = json.Unmarshal([]byte(rec), &r)
	n, _ := strconv.Atoi(r.Source[strings.LastIndex(r.Source, ":")+1:])
	return n
}

func topOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// simOrgOf serves n copies of the stale-leg conversation, each with its own
// id, and returns the ids.
func simOrgOf(t *testing.T, n int, o sim.Options) (*httptest.Server, []string) {
	t.Helper()
	raw, err := sim.ScenarioFile("conversations/transfer-retry.json")
	if err != nil {
		t.Fatal(err)
	}
	const id = "7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31"
	var docs []*genesys.Decoded
	var ids []string
	for i := 0; i < n; i++ {
		cid := fmt.Sprintf("7a4e1c9b-3d5f-4a2e-8b6c-%012x", i)
		d, err := genesys.DecodeConversation([]byte(strings.ReplaceAll(string(raw), id, cid)), cid)
		if err != nil {
			t.Fatal(err)
		}
		docs, ids = append(docs, d), append(ids, cid)
	}
	tok, _ := sim.ScenarioFile("tokens/user.json")
	ti, err := genesys.DecodeTokenInfo(tok)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.New(sim.NewOrg(ti, docs...), o))
	t.Cleanup(srv.Close)
	return srv, ids
}

// TestTriageLiveReadsEachConversationOnce: a log of 30 failures on 10
// conversations, triaged live against an org limited to 20 requests a
// second: each conversation is read once (both views and its analytics),
// the token and its grants once, nothing is refused with 429, nothing but
// GETs and the token request is sent, and each ticket's verdict is the
// live check's.
func TestTriageLiveReadsEachConversationOnce(t *testing.T) {
	log := &syncBuffer{}
	srv, ids := simOrgOf(t, 10, sim.Options{RateLimit: 20, RequestLog: log})
	dir := t.TempDir()
	file := filepath.Join(dir, "failures.jsonl")
	var b strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, `{"method":"PATCH","url":"https://api.mypurecloud.de/api/v2/conversations/calls/%s/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76","request_body":{"state":"disconnected"},"status":409}`+"\n", ids[i%10])
	}
	_ = os.WriteFile(file, []byte(b.String()), 0o644)
	r := runCLI(t, nil, "", "triage", file, "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y", "--format", "json")
	rep := parseTriage(t, r.Stdout)
	if r.Code != 1 || rep.Mode != "live" || len(rep.Tickets) != 30 {
		t.Fatalf("exit %d, mode %s, %d tickets: %s", r.Code, rep.Mode, len(rep.Tickets), r.Stderr)
	}
	assertReadOnly(t, log)
	reads := map[string]int{}
	for _, l := range log.lines() {
		if l["status"] == float64(429) {
			t.Errorf("a request past the rate limit: %v", l)
		}
		reads[fmt.Sprint(l["method"], " ", l["path"])]++
	}
	for _, id := range ids {
		for _, p := range []string{"/api/v2/conversations/" + id, "/api/v2/conversations/calls/" + id, "/api/v2/analytics/conversations/" + id + "/details"} {
			if reads["GET "+p] != 1 {
				t.Errorf("GET %s read %d times, want once", p, reads["GET "+p])
			}
		}
	}
	for _, p := range []string{"POST /oauth/token", "GET /api/v2/tokens/me", "GET /api/v2/authorization/subjects/me"} {
		if reads[p] != 1 {
			t.Errorf("%s sent %d times, want once", p, reads[p])
		}
	}
	status, exit, top := checkVerdict(t, "--api-base", srv.URL, "--client-id", "x", "--client-secret", "y",
		"--request", "PATCH https://api.mypurecloud.de/api/v2/conversations/calls/"+ids[3]+"/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76",
		"--body", `{"state":"disconnected"}`, "--status", "409")
	for _, tk := range rep.Tickets {
		if tk.Verdict.Status != status || tk.Verdict.ExitCode != exit || tk.TopCause == nil || *tk.TopCause != top {
			t.Errorf("%s: triage %s %v, live check %s %s", tk.Source, tk.Verdict.Status, tk.TopCause, status, top)
		}
	}
	if len(rep.Clusters) != 1 || rep.Clusters[0].Count != 30 || !strings.Contains(rep.Clusters[0].Fix, `'"$CONVERSATION_ID"'`) {
		t.Errorf("clusters %+v: want one of 30 whose fix names the conversation as a variable", rep.Clusters)
	}
}

// TestTriageReportFormats: the text report fits 80 columns (but for curl
// lines) with a bar per cluster, the Markdown one holds the table and a
// Mermaid pie whose slices add up to the tickets.
func TestTriageReportFormats(t *testing.T) {
	dir := t.TempDir()
	bundles := filepath.Join(dir, "cases")
	saveScenarioBundles(t, bundles)
	text := runCLI(t, map[string]string{"COLUMNS": "80"}, "", "triage", bundles)
	if text.Code != 1 {
		t.Fatalf("exit %d: %s", text.Code, text.Stderr)
	}
	bars := 0
	for _, l := range strings.Split(text.Stdout, "\n") {
		if w := len([]rune(l)); w > 80 && !strings.Contains(l, "curl ") && !strings.HasPrefix(strings.TrimSpace(l), "-H ") && !strings.HasPrefix(strings.TrimSpace(l), "--data") {
			t.Errorf("a %d-column line: %q", w, l)
		}
		if strings.HasSuffix(l, "#") && strings.Contains(l, "%") {
			bars++
		}
	}
	if bars < 3 {
		t.Errorf("%d bars in:\n%s", bars, text.Stdout)
	}
	md := runCLI(t, nil, "", "triage", bundles, "--format", "markdown")
	pie := mermaidBlock(t, md.Stdout)
	if !strings.HasPrefix(pie, "pie showData\n") {
		t.Fatalf("no pie:\n%s", md.Stdout)
	}
	total := 0
	for _, l := range strings.Split(pie, "\n")[2:] {
		var n int
		if _, err := fmt.Sscanf(l[strings.LastIndex(l, ":")+1:], "%d", &n); err != nil {
			t.Fatalf("slice %q: %v", l, err)
		}
		total += n
	}
	rep := parseTriage(t, runCLI(t, nil, "", "triage", bundles, "--format", "json").Stdout)
	if total != rep.Counts.Tickets {
		t.Errorf("the pie's slices add up to %d, not the %d tickets", total, rep.Counts.Tickets)
	}
	if !strings.Contains(md.Stdout, "| # | tickets | share | operation | cause |") {
		t.Errorf("no table:\n%s", md.Stdout)
	}
}

// mermaidBlock returns the body of the report's first mermaid block.
func mermaidBlock(t *testing.T, md string) string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "```mermaid\n")
	if !ok {
		t.Fatalf("no mermaid block:\n%s", md)
	}
	body, _, _ := strings.Cut(rest, "\n```")
	return body
}

// regexpGenerated matches the report's generated_at.
var regexpGenerated = regexp.MustCompile(`"generated_at": "[^"]*",?`)

// TestTriageProgressLine: the terminal's progress line counts tickets and
// conversations and estimates the time left from the pace so far; it is
// erased before the report's own lines.
func TestTriageProgressLine(t *testing.T) {
	got := triageProgressText(triage.Progress{Done: 100, Total: 300, Conversations: 34, ConversationsTotal: 100}, 20*time.Second)
	if got != "triage: 100 of 300 tickets, 34 of 100 conversations read, 20s, about 40s left" {
		t.Errorf("%q", got)
	}
	var buf syncBuffer
	now := fixedNow
	p := startTriageProgress(&buf, 60, func() time.Time { now = now.Add(time.Second); return now })
	p.update(triage.Progress{Done: 1, Total: 4})
	p.stop()
	if s := buf.String(); !strings.Contains(s, "1 of 4 tickets, 1s, about 3s left") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("%q", s)
	}
}
