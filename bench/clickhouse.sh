#!/usr/bin/env bash
# Kiln on the two-shard ClickHouse test cluster beside the embedded store and DuckDB, same run,
# same events:
#   bench/clickhouse.sh [EVENTS] [SERVE_SECONDS]     (defaults 1000000 and 20)
# 1. ingest through `kiln serve` (Honeycomb batches, bench/load_honeycomb.py) into the cluster and
#    into an embedded store: acknowledged events/s;
# 2. EVENTS generated events loaded into both (and DuckDB): wall time of the whole `kiln query`
#    (GROUP BY service.name, COUNT, P99) and `kiln bubbleup` processes, best of 3, and of the
#    heatmap's two statements against the cluster (curl) and DuckDB's equivalent query.
# Needs a release build (swift build -c release --product kiln), clickhouse-server, pip duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
SERVE_SECONDS=${2:-20}
KILN=${KILN:-.build/release/kiln}
BASE=${BASE_PORT:-18500}
WORK=$(mktemp -d /tmp/kiln-chbench-XXXXXX)
cleanup() {
  [ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null || true
  scripts/clickhouse-cluster.sh stop "$WORK/cluster" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb

URL=$(scripts/clickhouse-cluster.sh start "$WORK/cluster" "$BASE")
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); cluster $URL"

best() { # best wall time in ms of 3 runs of a command
  local best=999999999
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    local ms=$(( (e - s) / 1000000 ))
    [ "$ms" -lt "$best" ] && best=$ms
  done
  echo "$best"
}

serve_load() { # db, port: acknowledged events/s through kiln serve
  "$KILN" serve --db "$1" --listen "127.0.0.1:$2" 2>"$WORK/serve.err" &
  SERVE_PID=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  python3 bench/load_honeycomb.py --url "http://127.0.0.1:$2" --duration "$SERVE_SECONDS" --dataset load | tee "$WORK/load.txt" >&2
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=
  awk '/acknowledged events/ {gsub(/[()]/, "", $4); print $4}' "$WORK/load.txt"
}

echo "== ingest through kiln serve ($SERVE_SECONDS s of Honeycomb batches each)"
ch_serve=$(serve_load "$URL" $((BASE + 50)))
emb_serve=$(serve_load "$WORK/serve.db" $((BASE + 51)))
echo "serve_into_clickhouse_events_per_s $ch_serve"
echo "serve_into_embedded_events_per_s $emb_serve"
awk -v c="$ch_serve" -v e="$emb_serve" 'BEGIN {printf "ratio serve ingest clickhouse/embedded: %.2fx\n", c / e}'

echo "== $N events into each store"
"$KILN" generate --scenario bad-deploy --events "$N" --seed 1 -o "$WORK/events.jsonl"
s=$(date +%s%N); "$KILN" ingest --db "$URL" --dataset bench "$WORK/events.jsonl" 2>/dev/null; e=$(date +%s%N)
echo "kiln_ingest_file_into_clickhouse_events_per_s $(( N * 1000000000 / (e - s) ))"
s=$(date +%s%N); "$KILN" ingest --db "$WORK/bench.db" --dataset bench "$WORK/events.jsonl" 2>/dev/null; e=$(date +%s%N)
echo "kiln_ingest_file_into_embedded_events_per_s $(( N * 1000000000 / (e - s) ))"

echo "== latency (ms, best of 3, whole process)"
for db in "$WORK/bench.db" "$URL"; do
  name=$([ "$db" = "$URL" ] && echo clickhouse || echo embedded)
  g=$(best "$KILN" query --db "$db" --dataset bench --since all --calc COUNT --calc 'P99(duration_ms)' --group-by service.name --format json)
  b=$(best "$KILN" bubbleup --db "$db" --dataset bench --since all --select 'duration_ms >= 1000' --format json)
  echo "${name}_groupby_ms $g"
  echo "${name}_bubbleup_ms $b"
done
# The heatmap as ClickHouseBackend sends it: the extent, then the cells (60 x 20, log edges).
read -r lo hi < <(curl -sS "http://127.0.0.1:$BASE/" --data-binary "SELECT min(timestamp_ns), max(timestamp_ns) FROM kiln.events WHERE dataset = 'bench' FORMAT TSV")
X="if(has(i_keys, 'duration_ms'), toFloat64(i_values[indexOf(i_keys, 'duration_ms')]), f_values[indexOf(f_keys, 'duration_ms')])"
width=$(( (hi + 1 - lo) / 60 + 1 ))
edges=$(python3 -c "print(', '.join(repr(0.01 * (1e5 ** (i / 20))) for i in range(1, 20)))")
heat() {
  curl -sS "http://127.0.0.1:$BASE/?wait_end_of_query=1" --data-binary "SELECT count(), min(timestamp_ns), max(timestamp_ns), minIf($X, isFinite($X)), maxIf($X, isFinite($X)) FROM kiln.events WHERE dataset = 'bench' FORMAT TSV" >/dev/null
  curl -sS "http://127.0.0.1:$BASE/?wait_end_of_query=1" --data-binary "SELECT intDiv(timestamp_ns - $lo, $width) AS _t, arrayCount(e -> e <= $X, [$edges]) AS _v, sum(sample_rate) FROM kiln.events WHERE dataset = 'bench' GROUP BY _t, _v FORMAT TSV" >/dev/null
}
echo "clickhouse_heatmap_ms $(best heat)"

python3 - "$WORK/events.jsonl" <<'EOF'
import sys, time, duckdb
con = duckdb.connect()
con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{sys.argv[1]}', format='newline_delimited', union_by_name=true, sample_size=-1)")
def best(sql):
    b = 1e9
    for _ in range(3):
        t = time.perf_counter(); con.execute(sql).fetchall(); b = min(b, time.perf_counter() - t)
    return b * 1000
print("duckdb_groupby_ms %.0f" % best('SELECT "service.name", count(*), quantile_disc(duration_ms, 0.99) FROM events GROUP BY 1'))
print("duckdb_heatmap_ms %.0f" % best("SELECT (epoch_ns(CAST(timestamp AS TIMESTAMP_NS)) - (SELECT min(epoch_ns(CAST(timestamp AS TIMESTAMP_NS))) FROM events)) // 60000000000 AS t, floor(log10(greatest(duration_ms, 0.01)) * 4) AS v, count(*) FROM events GROUP BY 1, 2"))
EOF
python3 bench/peer_duckdb.py bubbleup "$WORK/events.jsonl" "duration_ms >= 1000"
