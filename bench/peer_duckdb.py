#!/usr/bin/env python3
"""The peer Kiln is measured against: DuckDB (pip `duckdb`) on the same events.

  bench/peer_duckdb.py ingest FILE.jsonl            # read_json into a DuckDB file: events/s
  bench/peer_duckdb.py bubbleup FILE.jsonl SQL_PREDICATE
      # BubbleUp as one GROUPING SETS query over every string/bool/int field,
      # selection = rows matching the predicate (e.g. "duration_ms >= 900")

Prints `name seconds value` lines that bench/run.sh reads.
"""
import os
import sys
import tempfile
import time

import duckdb


def ingest(path):
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "peer.duckdb")
        con = duckdb.connect(db)
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{path}', format='newline_delimited', union_by_name=true, sample_size=-1)")
        con.execute("CHECKPOINT")
        t1 = time.perf_counter()
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.close()
        print(f"duckdb_ingest_seconds {t1 - t0:.3f}")
        print(f"duckdb_ingest_events_per_s {n / (t1 - t0):.0f}")


def bubbleup(path, predicate):
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{path}', format='newline_delimited', union_by_name=true, sample_size=-1)")
    t1 = time.perf_counter()
    cols = [r for r in con.execute("DESCRIBE events").fetchall()]
    fields = [c[0] for c in cols if c[0] not in ("timestamp",) and not c[1].startswith("DOUBLE")]
    total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    distinct = con.execute("SELECT " + ", ".join(f'approx_count_distinct("{f}")' for f in fields) + " FROM events").fetchone()
    low = [f for f, d in zip(fields, distinct) if d <= total / 10]
    print(f"duckdb_load_seconds {t1 - t0:.3f}")

    def run(label, chosen):
        quoted = [f'"{f}"' for f in chosen]
        sets = ", ".join(f"(sel, {q})" for q in quoted)
        sql = f"""
            SELECT sel, {', '.join(quoted)}, count(*) AS n
            FROM (SELECT *, ({predicate}) AS sel FROM events)
            GROUP BY GROUPING SETS ({sets})
        """
        runs = []
        rows = []
        for _ in range(3):
            s = time.perf_counter()
            rows = con.execute(sql).fetchall()
            runs.append(time.perf_counter() - s)
        print(f"duckdb_bubbleup_{label}_fields {len(chosen)}")
        print(f"duckdb_bubbleup_{label}_groups {len(rows)}")
        print(f"duckdb_bubbleup_{label}_seconds {min(runs):.4f}")

    # Kiln's BubbleUp counts every field, ID-like ones included; the low-cardinality run is the
    # friendlier comparison (what BUBBLEUP.md measured with 13 string fields).
    run("lowcard", low)
    run("all", fields)

    # The fastest shape a DuckDB user would write: selection and baseline counted side by side
    # with FILTER, one grouping set per field, over the 12 fields with the fewest values.
    by_card = sorted(zip(fields, distinct), key=lambda fd: fd[1])
    twelve = [f'"{f}"' for f, _ in by_card[:12]]
    sql = f"""
        SELECT {', '.join(twelve)}, count(*) FILTER (WHERE {predicate}) AS s, count(*) FILTER (WHERE NOT ({predicate})) AS b
        FROM events GROUP BY GROUPING SETS ({', '.join(f'({q})' for q in twelve)})
    """
    runs = []
    for _ in range(5):
        s = time.perf_counter()
        con.execute(sql).fetchall()
        runs.append(time.perf_counter() - s)
    print(f"duckdb_bubbleup_filter12_fields {','.join(f for f, _ in by_card[:12])}")
    print(f"duckdb_bubbleup_filter12_seconds {min(runs):.4f}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "ingest":
        ingest(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "bubbleup":
        bubbleup(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(64)
