#!/usr/bin/env bash
# A month of a small service (30M events by default) queried within a 1 GiB budget: a GROUP BY
# with P99 over all of it, streamed (--memory 1GiB) and in memory (the default budget), with
# wall time and peak resident memory of each, and whether both gave the same answer.
#   bench/month.sh [EVENTS]     (needs a release build: swift build -c release --product kiln)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30000000}
KILN=${KILN:-.build/release/kiln}
WORK=$(mktemp -d /tmp/kiln-month-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
"$KILN" generate --duration 30d --events "$N" --seed 5 --end 2026-12-01T00:00:00Z | "$KILN" ingest --db "$WORK/month.db" --dataset shop - 2>&1 | tail -1
echo "store: $N events, $(du -m "$WORK/month.db" | cut -f1) MB, made in $(( $(date +%s) - start )) s"
q=(query --db "$WORK/month.db" --dataset shop --since all --calc COUNT --calc 'P99(duration_ms)' --group-by service.name)
for budget in 1GiB default; do
  extra=()
  [ "$budget" != default ] && extra=(--memory "$budget")
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$KILN" "${q[@]}" "${extra[@]}" --format json > "$WORK/out-$budget.json"
  read -r secs kb < "$WORK/time"
  awk -v b="$budget" -v s="$secs" -v k="$kb" 'BEGIN {printf "GROUP BY service.name, P99(duration_ms) over all, budget %s: %.2f s, peak RSS %.0f MB\n", b, s, k / 1024}'
done
/usr/bin/time -f "%e %M" -o "$WORK/time" "$KILN" "${q[@]}" --memory 1GiB --format table | tail -2
cmp -s "$WORK/out-1GiB.json" "$WORK/out-default.json" && echo "same answer streamed and in memory: yes" || echo "same answer streamed and in memory: NO"
