#!/usr/bin/env bash
# Offline diagnosis of a large conference against jq looking the target
# participant up in the same file (issue 17: at most 0.5x jq's time). The
# conference is the benchmarks' (diagnose/benchdata); each round runs
# `convdiag check` (process start included) and jq once, alternately, so
# that a busy machine slows both alike; the medians are compared.
#
#   testdata/bench/offline-jq.sh [PARTICIPANTS [ROUNDS]]   (default 5000 21)
#
# CONVDIAG=path/to/convdiag measures that binary instead of building one
# (an earlier build, for a before and after).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5000}
rounds=${2:-21}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${CONVDIAG:-$tmp/convdiag}
[ -n "${CONVDIAG:-}" ] || go build -o "$bin" ./cmd/convdiag
mapfile -t args < <(go run ./testdata/bench/conference -n "$n" -o "$tmp/conference.json")
target=${args[2]##*/}

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
: > "$tmp/convdiag.ms"
: > "$tmp/jq.ms"
for _ in $(seq "$rounds"); do
	start=$(date +%s%N)
	"$bin" "${args[@]}" > "$tmp/report.txt"
	ms "$start" >> "$tmp/convdiag.ms"
	start=$(date +%s%N)
	state=$(jq -r --arg id "$target" '.participants[] | select(.id==$id) | .calls[0].state' "$tmp/conference.json")
	ms "$start" >> "$tmp/jq.ms"
	[ "$state" = connected ] || { echo "jq read $state, want connected" >&2; exit 1; }
done
c=$(median < "$tmp/convdiag.ms")
j=$(median < "$tmp/jq.ms")
size=$(du -m "$tmp/conference.json" | cut -f1)
echo "$n participants ($size MB), median of $rounds rounds: convdiag check ${c} ms, jq ${j} ms: $(echo "scale=2; $c / $j" | bc)x jq's time (target 0.5x or less)"
