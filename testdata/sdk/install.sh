#!/usr/bin/env sh
# Installs the official Genesys JavaScript SDK next to smoke.js, so that
# `go test ./diagnose/sim -run TestOfficialSDK` drives it against the
# simulated org. Needs node and npm (the npm registry).
set -eu
cd "$(dirname "$0")"
[ -f package.json ] || printf '{"name":"convdiag-sdk-smoke","private":true}\n' > package.json
npm install --no-audit --no-fund purecloud-platform-client-v2@262.0.0
