#!/usr/bin/env python3
"""`kiln services` and `kiln services --map` on 1M generated spans, against DuckDB (pip
`duckdb`) answering the same questions in the same run.

  python3 bench/services.py [EVENTS]      # default 1,000,000

Needs a release build (swift build -c release --product kiln; KILN=path to override).
Kiln is timed as the whole command (process start, reading the store, the answer as JSON);
DuckDB as the query alone, on a table already loaded in memory. Prints the best of 5 of each,
the ratio kiln/duckdb, and whether both gave the same per-service counts and the same edges
with the same call counts.
"""
import json, os, subprocess, sys, tempfile, time, shutil

import duckdb

KILN = os.path.abspath(os.environ.get("KILN", ".build/release/kiln"))
EVENTS = sys.argv[1] if len(sys.argv) > 1 else "1000000"
END = "2026-12-01T00:00:00Z"


def best(fn, runs=5):
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def kiln(args):
    return json.loads(subprocess.run([KILN] + args, check=True, capture_output=True).stdout)


SERVICES_SQL = """
SELECT "service.name" AS name,
       count(*) FILTER (WHERE ts >= $from) AS n,
       count(*) FILTER (WHERE ts >= $from AND (error OR coalesce("http.status_code", 0) >= 500)) AS errors,
       quantile_disc(duration_ms, [0.5, 0.95, 0.99]) FILTER (WHERE ts >= $from) AS p,
       count(*) FILTER (WHERE ts < $from) AS previous,
       quantile_disc(duration_ms, [0.5, 0.95, 0.99]) FILTER (WHERE ts < $from) AS previous_p
FROM events WHERE ts >= $previous AND ts < $to AND "service.name" IS NOT NULL
GROUP BY 1 ORDER BY n DESC
"""

MAP_SQL = """
SELECT p."service.name" AS "from", c."service.name" AS "to", count(*) AS calls,
       avg(CASE WHEN c.error OR coalesce(c."http.status_code", 0) >= 500 THEN 1 ELSE 0 END) AS error_rate,
       quantile_disc(c.duration_ms, 0.5) AS p50, quantile_disc(c.duration_ms, 0.99) AS p99
FROM events c JOIN events p ON c."trace.trace_id" = p."trace.trace_id" AND c."trace.parent_id" = p."trace.span_id"
WHERE p."service.name" <> c."service.name"
GROUP BY 1, 2 ORDER BY calls DESC
"""


def main():
    work = tempfile.mkdtemp(prefix="kiln-services-")
    try:
        spans, db = f"{work}/spans.jsonl", f"{work}/k.db"
        subprocess.run([KILN, "generate", "--events", EVENTS, "--seed", "4", "--end", END, "-o", spans], check=True)
        subprocess.run([KILN, "ingest", "--db", db, "--dataset", "shop", spans], check=True, stdout=subprocess.DEVNULL)
        con = duckdb.connect()
        con.execute(f"CREATE TABLE events AS SELECT *, CAST(\"timestamp\" AS TIMESTAMP) AS ts FROM read_json('{spans}', format='newline_delimited', union_by_name=true, sample_size=-1)")
        lo, hi = con.execute("SELECT min(ts), max(ts) FROM events").fetchone()
        # The window kiln uses without bounds: first to last event, against the same length before.
        to = con.execute("SELECT max(ts) + INTERVAL 1 MICROSECOND FROM events").fetchone()[0]
        params = {"from": lo, "to": to, "previous": lo - (to - lo)}
        print(f"spans {EVENTS}")

        k_services_t, k_services = best(lambda: kiln(["services", "--db", db, "--dataset", "shop", "--format", "json"]))
        d_services_t, d_services = best(lambda: con.execute(SERVICES_SQL, params).fetchall())
        same = {s["name"]: round(s["rate"] * (params["to"] - lo).total_seconds()) for s in k_services["services"]} == {r[0]: r[1] for r in d_services}
        print(f"services: kiln {k_services_t * 1000:.0f} ms, duckdb {d_services_t * 1000:.0f} ms, ratio kiln/duckdb {k_services_t / d_services_t:.2f}, same counts: {same}")

        k_map_t, k_map = best(lambda: kiln(["services", "--db", db, "--dataset", "shop", "--map", "--format", "json"]))
        d_map_t, d_map = best(lambda: con.execute(MAP_SQL).fetchall())
        same = {(e["from"], e["to"]): e["calls"] for e in k_map["edges"]} == {(r[0], r[1]): r[2] for r in d_map}
        print(f"map: kiln {k_map_t * 1000:.0f} ms, duckdb {d_map_t * 1000:.0f} ms, ratio kiln/duckdb {k_map_t / d_map_t:.2f}, same edges and calls: {same}, edges {len(d_map)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
