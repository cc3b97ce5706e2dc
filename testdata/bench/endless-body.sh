#!/usr/bin/env bash
# Peak memory of a live check against an org whose every GET answers a
# body that never ends (testdata/bench/endless: `{"id":"AAAA...` streamed
# until the client hangs up). The client's caps (64 MiB per read, 128 MiB
# for all its reads together) should bound it: prints the exit code (3,
# "response body too large") and the peak RSS of each run.
#
#   testdata/bench/endless-body.sh [RUNS]      (a few seconds; needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
tmp=$(mktemp -d)
trap 'kill "${org_pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/convdiag" ./cmd/convdiag
go build -o "$tmp/endless" ./testdata/bench/endless

"$tmp/endless" > "$tmp/org.out" &
org_pid=$!
for _ in $(seq 50); do [ -s "$tmp/org.out" ] && break; sleep 0.1; done
base=$(head -1 "$tmp/org.out")

for i in $(seq "$runs"); do
	set +e
	/usr/bin/time -o "$tmp/time" -f '%M' "$tmp/convdiag" check --api-base "$base" --client-id c --client-secret s \
		--conversation 7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31 --status 409 > "$tmp/out" 2> "$tmp/err"
	code=$?
	set -e
	grep -q "response body too large" "$tmp/out" || { echo "run $i: the report does not say the body was too large" >&2; exit 1; }
	echo "run $i: exit $code, peak RSS $(( $(tail -1 "$tmp/time") / 1024 )) MiB"
done
