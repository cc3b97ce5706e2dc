package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMermaidRenders renders the Markdown reports' Mermaid blocks (the
// triage pie, the timeline gantt) with the mermaid package in Debian's
// headless chromium: each must parse, the pie with one slice per row of
// the triage table, the gantt with its tasks. It needs chromium and the
// package (testdata/mermaid/install.sh); without them it skips, saying so.
func TestMermaidRenders(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("chromium is not installed (apt-get install chromium): the Mermaid blocks cannot be rendered")
	}
	dir, _ := filepath.Abs("../../testdata/mermaid")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mermaid", "dist", "mermaid.min.js")); err != nil {
		t.Skip("the mermaid package is not installed: run testdata/mermaid/install.sh (npm) to run this test")
	}
	bundles := filepath.Join(t.TempDir(), "cases")
	saveScenarioBundles(t, bundles)
	pie := mermaidBlock(t, runCLI(t, nil, "", "triage", bundles, "--format", "markdown").Stdout)
	gantt := mermaidBlock(t, runCLI(t, nil, "", append(append([]string{"check"}, scenarioArgs(t, filepath.Join(scenarioRoot, "race-hangup-at"))...), "--format", "markdown")...).Stdout)
	broken := "pie showData\n    \"unterminated : 3"
	results := renderMermaid(t, browser, dir, []string{pie, gantt, broken})
	slices := strings.Count(pie, "\n    \"")
	if !results[0].OK || results[0].Slices != slices {
		t.Errorf("the triage pie rendered %+v, want %d slices:\n%s", results[0], slices, pie)
	}
	if !results[1].OK || results[1].Tasks == 0 {
		t.Errorf("the timeline gantt rendered %+v:\n%s", results[1], gantt)
	}
	if results[2].OK {
		t.Errorf("a broken block rendered: the check cannot fail")
	}
}

type mermaidResult struct {
	OK     bool   `json:"ok"`
	Slices int    `json:"slices"`
	Tasks  int    `json:"tasks"`
	Error  string `json:"error"`
}

// renderMermaid renders the sources in testdata/mermaid/render.html.
func renderMermaid(t *testing.T, browser, dir string, sources []string) []mermaidResult {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, "render.html"))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := json.Marshal(sources)
	// </script> inside a source would end the script: JSON escapes < as \u003c.
	html := strings.Replace(string(page), "/*SOURCES*/[]", string(src), 1)
	f, err := os.CreateTemp(dir, "render-*.html")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(html); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
		"--virtual-time-budget=20000", "--dump-dom", "file://"+f.Name()).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`<pre id="out">([^<]*)</pre>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no result in the page:\n%s", out)
	}
	var res []mermaidResult
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&quot;", `"`)), &res); err != nil || len(res) != len(sources) {
		t.Fatalf("result %q: %v", m[1], err)
	}
	return res
}
