#!/usr/bin/env bash
# Kiln's benchmarks beside their peer, DuckDB (pip `duckdb`), in the same run on the same data.
#   bench/run.sh [EVENTS]          (default 1000000; the analysis part also runs at 10x EVENTS
#                                    when BENCH_10X=1)
# Prints Kiln's figures, DuckDB's, and the ratios. Needs a release build:
#   swift build -c release --product kiln
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
KILN=${KILN:-.build/release/kiln}
WORK=$(mktemp -d /tmp/kiln-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ingest: $N JSON lines"
"$KILN" generate --scenario bad-deploy --events "$N" --seed 1 -o "$WORK/events.jsonl"
echo "file: $(du -m "$WORK/events.jsonl" | cut -f1) MB, $(head -c 1000000 "$WORK/events.jsonl" | wc -l | awk -v n=1000000 '{printf "%.0f bytes/line", n/$1}')"
start=$(date +%s.%N)
"$KILN" ingest --db "$WORK/ingest.db" --dataset bench "$WORK/events.jsonl"
end=$(date +%s.%N)
kiln_ingest=$(awk -v n="$N" -v s="$start" -v e="$end" 'BEGIN {print n / (e - s)}')
printf "kiln_ingest_events_per_s %.0f\n" "$kiln_ingest"
peer=$(python3 bench/peer_duckdb.py ingest "$WORK/events.jsonl")
echo "$peer"
duck_ingest=$(echo "$peer" | awk '/duckdb_ingest_events_per_s/ {print $2}')
awk -v k="$kiln_ingest" -v d="$duck_ingest" 'BEGIN {printf "ratio ingest kiln/duckdb: %.2fx\n", k / d}'

echo "== analysis"
counts=(--events "$N")
[ "${BENCH_10X:-0}" = 1 ] && counts+=(--events $((N * 10)))
"$KILN" bench "${counts[@]}" --dir "$WORK/stores" | tee "$WORK/kiln.txt"
threshold=$(awk -v n="$N" '$2 == "N="n && $3 == "bubbleup_narrow" {for (i=1;i<=NF;i++) if ($i == ">=") {sub(":", "", $(i+1)); print $(i+1)}}' "$WORK/kiln.txt")
peer=$(python3 bench/peer_duckdb.py bubbleup "$WORK/events.jsonl" "duration_ms >= $threshold")
echo "$peer"
kiln_ms=$(awk -v n="$N" '$2 == "N="n && $3 == "bubbleup_narrow" {print $4}' "$WORK/kiln.txt")
for label in lowcard all; do
  duck_s=$(echo "$peer" | awk -v key="duckdb_bubbleup_${label}_seconds" '$1 == key {print $2}')
  awk -v d="$duck_s" -v k="$kiln_ms" -v l="$label" 'BEGIN {printf "ratio BubbleUp (duckdb on %s fields): kiln %.1fx faster\n", l, d * 1000 / k}'
done

# A whole `kiln bubbleup --format json` process (open, read, count, rank, print) against
# DuckDB's fastest query shape alone (its data already loaded), best of 5 each.
"$KILN" ingest --db "$WORK/whole.db" --dataset bench "$WORK/events.jsonl" 2>/dev/null
best=999
for _ in 1 2 3 4 5; do
  s=$(date +%s.%N)
  "$KILN" bubbleup --db "$WORK/whole.db" --dataset bench --select "duration_ms >= $threshold" --format json > /dev/null
  e=$(date +%s.%N)
  best=$(awk -v b="$best" -v s="$s" -v e="$e" 'BEGIN {t = e - s; print (t < b ? t : b)}')
done
duck12=$(echo "$peer" | awk '$1 == "duckdb_bubbleup_filter12_seconds" {print $2}')
awk -v k="$best" -v d="$duck12" 'BEGIN {printf "kiln bubbleup process %.1f ms, duckdb FILTER/GROUPING SETS query on 12 fields %.1f ms: ratio kiln/duckdb %.2f\n", k * 1000, d * 1000, k / d}'

