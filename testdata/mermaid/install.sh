#!/usr/bin/env sh
# Installs the mermaid package next to render.html, so that
# `go test ./cmd/convdiag -run TestMermaidRenders` renders the Markdown
# reports' Mermaid blocks (the triage pie, the timeline gantt) in Debian's
# chromium (apt-get install chromium). Needs npm; downloads no browser.
set -eu
cd "$(dirname "$0")"
[ -f package.json ] || printf '{"name":"convdiag-mermaid-check","private":true}\n' > package.json
npm install --no-audit --no-fund mermaid@11.12.2
