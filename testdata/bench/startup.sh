#!/usr/bin/env bash
# Start-up cost of a trivial command: the wall time of `convdiag version`
# and `convdiag explain participant.already-ended` (median of RUNS runs
# each, alternating), and what package initialisation takes
# (GODEBUG=inittrace=1, median over the runs of the sums: every package,
# and convdiag's own).
#
#   testdata/bench/startup.sh [RUNS]   (default 101)
#
# CONVDIAG=path/to/convdiag measures that binary instead of building one
# (an earlier build, for a before and after).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-101}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${CONVDIAG:-$tmp/convdiag}
[ -n "${CONVDIAG:-}" ] || go build -o "$bin" ./cmd/convdiag

us() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for _ in $(seq "$runs"); do
	start=$(date +%s%N)
	"$bin" version > /dev/null
	us "$start" >> "$tmp/version.us"
	start=$(date +%s%N)
	"$bin" explain participant.already-ended > /dev/null
	us "$start" >> "$tmp/explain.us"
	GODEBUG=inittrace=1 "$bin" version 2>&1 > /dev/null |
		awk '/^init / {all += $5; if ($2 ~ /^github.com\/convdiag\//) own += $5} END {printf "%d %d\n", all * 1000, own * 1000}' >> "$tmp/init.us"
done
ms() { awk '{printf "%.1f", $1 / 1000}'; }
echo "median of $runs runs: convdiag version $(median < "$tmp/version.us" | ms) ms, explain $(median < "$tmp/explain.us" | ms) ms;" \
	"package init $(cut -d' ' -f1 "$tmp/init.us" | median | ms) ms, of which convdiag's packages $(cut -d' ' -f2 "$tmp/init.us" | median | ms) ms"
