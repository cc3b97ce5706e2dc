#!/usr/bin/env bash
# Live triage against `convdiag sim --rate-limit 5`: a JSONL log of 300
# failures on 100 conversations. Prints the wall time against what the
# limit allows, and checks from the simulated org's request log that each
# conversation was read once and that no request went past the limit
# (no 429), and that a terminal saw a progress line with an estimate.
#
#   testdata/bench/triage-live.sh        (about a minute; needs `script`)
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'kill "${sim_pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/convdiag" ./cmd/convdiag

src=diagnose/sim/scenarios/conversations/transfer-retry.json
old=7a4e1c9b-3d5f-4a2e-8b6c-0d9f2e5a7c31
convs=()
for i in $(seq 0 99); do
	id=$(printf '7a4e1c9b-3d5f-4a2e-8b6c-%012x' "$i")
	sed "s/$old/$id/g" "$src" > "$tmp/conv-$i.json"
	convs+=(--conversation-json "$tmp/conv-$i.json")
done
for n in $(seq 0 299); do
	id=$(printf '7a4e1c9b-3d5f-4a2e-8b6c-%012x' $((n % 100)))
	printf '{"time":"2026-11-25T09:20:%02dZ","method":"PATCH","url":"https://api.mypurecloud.de/api/v2/conversations/calls/%s/participants/6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76","status":409,"request_body":{"state":"disconnected"},"correlation_id":"c-%d"}\n' $((n % 60)) "$id" "$n"
done > "$tmp/failures.jsonl"

"$tmp/convdiag" sim --rate-limit 5 --request-log "$tmp/requests.jsonl" "${convs[@]}" \
	--token-info-json diagnose/sim/scenarios/tokens/user.json > "$tmp/sim.out" 2>/dev/null &
sim_pid=$!
for _ in $(seq 50); do [ -s "$tmp/sim.out" ] && break; sleep 0.1; done
base=$(head -1 "$tmp/sim.out")

start=$(date +%s.%N)
set +e
COLUMNS=100 script -qec "'$tmp/convdiag' triage '$tmp/failures.jsonl' --api-base '$base' --client-id x --client-secret y --format json --output '$tmp/report.json'" "$tmp/tty.out" > /dev/null
code=$?
set -e
end=$(date +%s.%N)

requests=$(wc -l < "$tmp/requests.jsonl")
limited=$(grep -c '"status":429' "$tmp/requests.jsonl" || true)
twice=$(grep -o '"path":"/api/v2/[^"]*conversations/[^"]*"' "$tmp/requests.jsonl" | sort | uniq -d | wc -l)
allowed=$(( (requests + 4) / 5 - 1 ))
wall=$(echo "$end - $start" | bc)
ratio=$(echo "scale=3; $wall / $allowed" | bc)
tickets=$(jq '.tickets | length' "$tmp/report.json")
progress=$(tr '\r' '\n' < "$tmp/tty.out" | grep -c 'left' || true)
echo "exit $code, $tickets tickets, $requests requests ($limited refused with 429, $twice conversation reads repeated)"
echo "wall ${wall}s; the limit allows ${allowed}s for $requests requests at 5/s: ${ratio}x"
echo "progress lines with an estimate on the terminal: $progress; the last:"
tr '\r' '\n' < "$tmp/tty.out" | grep 'left' | tail -1 | sed 's/\x1b\[K//g'
[ "$code" = 1 ] && [ "$tickets" = 300 ] && [ "$limited" = 0 ] && [ "$twice" = 0 ] && [ "$progress" -gt 0 ] &&
	[ "$(echo "$ratio <= 1.2" | bc)" = 1 ] && echo PASS || { echo FAIL; exit 1; }
