package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/input"
	"github.com/convdiag/convdiag/diagnose/sim"
	"github.com/convdiag/convdiag/report/bundle"
)

// documentSamples holds one sample of every document of the registry,
// testdata/documents/NAME.json: a new entry needs one, and then every
// test below covers it.
const documentSamples = "../../testdata/documents"

func sampleOf(t *testing.T, d *diagnose.Document) (string, []byte) {
	t.Helper()
	path := filepath.Join(documentSamples, d.Name+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("document %q has no sample: add %s (%v)", d.Name, path, err)
	}
	if _, err := d.Decode(b, ""); err != nil {
		t.Fatalf("the sample of document %q does not decode: %v", d.Name, err)
	}
	return path, b
}

// copiesOf is how many copies of a document the tests give: two of a
// repeatable one, so that the list and its numbered files are exercised.
func copiesOf(d *diagnose.Document) int {
	if d.Repeatable {
		return 2
	}
	return 1
}

// TestEveryDocumentFlowsThroughTheRegistry: each document of the registry,
// given by its flag (check's and sim's), is loaded into the evidence, saved
// in a bundle in its own file as received, read back from the bundle with
// its bytes, and served by the simulated org built from that bundle at the
// path a live check reads it from, byte for byte. Nothing here names a
// document: a registry entry with a sample is covered as it is added.
func TestEveryDocumentFlowsThroughTheRegistry(t *testing.T) {
	files := map[string][]string{}
	samples := map[string][]byte{}
	for _, d := range diagnose.Documents {
		path, b := sampleOf(t, d)
		samples[d.Name] = b
		if d.Flag == "" {
			continue
		}
		assertFlag(t, "check", checkFlags(), d)
		assertFlag(t, "sim", simCommand(nil).Flags, d)
		for i := 0; i < copiesOf(d); i++ {
			files[d.Name] = append(files[d.Name], path)
		}
	}
	// Flags to evidence.
	ev, err := input.Load(input.Options{Mode: diagnose.ModeOffline, Documents: files, KeepRaw: true,
		Request: "PATCH /api/v2/conversations/calls/7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31/participants/8e4f2ca3-15b0-40d2-a49d-e1af70c25d98"})
	if err != nil {
		t.Fatal(err)
	}
	// A document no flag gives (a HAR's earlier copy) goes in as its
	// reader puts it.
	for _, d := range diagnose.Documents {
		if d.Flag != "" || d.BundleFile == "" {
			continue
		}
		doc, _ := d.Decode(samples[d.Name], "")
		if err := d.Put(ev, doc, &diagnose.Fetch{Source: d.Source(), File: d.Name, Raw: samples[d.Name]}); err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
	}
	for _, d := range diagnose.Documents {
		if want := copiesOf(d); d.BundleFile != "" && len(d.HeldIn(ev)) != want {
			t.Errorf("%s: the evidence holds %d, want %d", d.Name, len(d.HeldIn(ev)), want)
		}
	}

	// Evidence to bundle, and back.
	dir := filepath.Join(t.TempDir(), "bundle")
	rep := &diagnose.Report{GeneratedAt: fixedNow, Mode: ev.Mode, Evidence: ev, Checks: []diagnose.CheckResult{}, Causes: []diagnose.Cause{}, RuledOut: []diagnose.RuledOut{}}
	if err := bundle.Save(dir, ev, rep, bundle.Options{Version: "test", Now: func() time.Time { return fixedNow }, ShowSecrets: true}); err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, bundle.FileEvidence))
	if err != nil {
		t.Fatal(err)
	}
	var kept diagnose.Evidence
	if err := json.Unmarshal(meta, &kept); err != nil {
		t.Fatal(err)
	}
	loaded, err := bundle.Load(dir, bundle.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diagnose.Documents {
		if d.BundleFile == "" {
			continue
		}
		if n := len(d.HeldIn(&kept)); n != 0 {
			t.Errorf("%s: evidence.json holds %d of it; its own file should", d.Name, n)
		}
		held := d.HeldIn(loaded)
		if len(held) != copiesOf(d) {
			t.Errorf("%s: the bundle gave back %d, want %d", d.Name, len(held), copiesOf(d))
			continue
		}
		for i, h := range held {
			b, err := os.ReadFile(filepath.Join(dir, d.BundleName(i+1)))
			if err != nil || !bytes.Equal(b, samples[d.Name]) {
				t.Errorf("%s: %s is not the document as received (%v)", d.Name, d.BundleName(i+1), err)
			}
			if h.Fetch == nil || !bytes.Equal(h.Fetch.Raw, samples[d.Name]) {
				t.Errorf("%s: the replay does not hold its bytes", d.Name)
			}
		}
	}

	// Bundle to the simulated org: each document at its path, as saved.
	org, err := sim.FromEvidence(loaded)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.New(org, sim.Options{AccessTokens: []string{"tok-registry"}}))
	defer srv.Close()
	for _, d := range diagnose.Documents {
		if d.Before != "" {
			continue // the org serves the later copy
		}
		for _, h := range d.HeldIn(loaded) {
			path := d.Path
			if d.ID != nil {
				path = d.PathOf(d.ID(h.Doc))
			}
			if got := simGet(t, srv.URL+path, "tok-registry"); !bytes.Equal(got, samples[d.Name]) {
				t.Errorf("%s: GET %s served %.80q, not the saved document", d.Name, path, got)
			}
		}
	}
}

// assertFlag fails unless the command has the document's flag, taking
// several files when the document is repeatable.
func assertFlag(t *testing.T, cmd string, flags []cli.Flag, d *diagnose.Document) {
	t.Helper()
	for _, f := range flags {
		if f.Names()[0] != d.Flag {
			continue
		}
		if _, many := f.(*cli.StringSliceFlag); d.Repeatable && !many {
			t.Errorf("%s --%s takes one file; the document is repeatable", cmd, d.Flag)
		}
		return
	}
	t.Errorf("%s has no --%s for document %s", cmd, d.Flag, d.Name)
}

// simGet GETs url with a bearer token the simulated org accepts; anything
// but 200 fails the test.
func simGet(t *testing.T, url, token string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// TestSimBundleGivesTheOfflineCauses: a bundle saved by an offline check,
// served by `convdiag sim --bundle`, gives a live check the causes and the
// exit that `convdiag check --bundle` gives offline: the grants the bundle
// holds (subjects/me) included, with a grants scenario and one without.
func TestSimBundleGivesTheOfflineCauses(t *testing.T) {
	for _, name := range []string{"grants-division-missing", "stale-leg", "grants-missing-permission"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(scenarioRoot, name)
			saved := filepath.Join(t.TempDir(), "bundle")
			first := runCLI(t, nil, "", append(append([]string{"check"}, scenarioArgs(t, dir)...), "--format", "json", "--save-bundle", saved)...)
			replay := runCLI(t, nil, "", "check", "--bundle", saved, "--format", "json")
			oc, ocode := causeSet(t, replay.Stdout)
			if fc, fcode := causeSet(t, first.Stdout); !equalMaps(fc, oc) || fcode != ocode {
				t.Fatalf("the replay differs from the check that saved it: %v (exit %d) vs %v (exit %d)", oc, ocode, fc, fcode)
			}
			base := startSimBundle(t, saved)
			ev, err := bundle.Load(saved, bundle.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			live := runCLI(t, nil, "", append([]string{"check", "--api-base", base, "--client-id", "cid", "--client-secret", "csecret", "--format", "json"}, liveFlagsOf(t, ev)...)...)
			lc, lcode := causeSet(t, live.Stdout)
			if !equalMaps(lc, oc) || lcode != ocode {
				t.Errorf("live against sim --bundle: %v (exit %d); offline replay: %v (exit %d)\nstderr %s", lc, lcode, oc, ocode, live.Stderr)
			}
		})
	}
}

// startSimBundle runs `convdiag sim --bundle DIR` until the test ends and
// returns its base URL.
func startSimBundle(t *testing.T, dir string) string {
	t.Helper()
	pr, pw := io.Pipe()
	e, _, errb := testEnv(nil, "")
	e.Stdout = pw
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"convdiag", "sim", "--bundle", dir, "--client-id", "cid", "--client-secret", "csecret"}, e)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("sim did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("sim --bundle printed no base URL: %v (stderr %s)", err, errb.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(line)
}

// liveFlagsOf are the flags that give a live check what a bundle's
// evidence says of the request: its line, body, response (headers
// included, as curl -i prints it), operation and participant.
func liveFlagsOf(t *testing.T, ev *diagnose.Evidence) []string {
	t.Helper()
	dir := t.TempDir()
	flags := []string{"--request", ev.Request.Method + " " + ev.Request.URL}
	if ev.Request.HasBody {
		body := filepath.Join(dir, "body")
		_ = os.WriteFile(body, ev.Request.Body, 0o644)
		flags = append(flags, "--body", body)
	}
	if r := ev.Response; r != nil {
		var b bytes.Buffer
		if r.HeadersKnown {
			fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", r.Status, http.StatusText(r.Status))
			for _, h := range r.Headers {
				fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
			}
			b.WriteString("\r\n")
		}
		b.Write(r.Body)
		flags = append(flags, "--status", strconv.Itoa(r.Status))
		if b.Len() > 0 {
			resp := filepath.Join(dir, "response")
			_ = os.WriteFile(resp, b.Bytes(), 0o644)
			flags = append(flags, "--response", resp)
		}
	}
	if ev.Operation != "" {
		flags = append(flags, "--operation", string(ev.Operation))
	}
	if ev.ParticipantID != "" {
		flags = append(flags, "--participant", ev.ParticipantID)
	}
	if ev.ConversationID != "" {
		flags = append(flags, "--conversation", ev.ConversationID)
	}
	return flags
}
