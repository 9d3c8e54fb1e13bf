#!/usr/bin/env python3
"""A whole `kiln bubbleup --format json` process against DuckDB's fastest BubbleUp query, paired.

  python3 bench/bubbleup_process.py [EVENTS] [RUNS]     # default 1,000,000 events, 31 runs

The issue's target: the whole process (start, open, read, count, rank, print) takes no longer
than DuckDB's query alone, its data already loaded in memory. Same events (the bad-deploy
scenario, seed 1), same selection (the slowest 0.5%: duration_ms >= its 99.5th percentile).
DuckDB's query is the shape its users write: `count(*) FILTER (WHERE sel)` and
`FILTER (WHERE NOT sel)` with one grouping set per field, over the 12 fields with the fewest
values (Kiln counts all of them, ids included).

Kiln and DuckDB run in turn, RUNS times each, so both see the same machine; the best and the
median of each are printed with their ratios (target: kiln/duckdb at most 1). Kiln's time is
the wall time of the process as `subprocess` sees it. Needs a release build
(KILN=.build/release/kiln by default; the README's static build is what production runs).
"""
import os, statistics, subprocess, sys, tempfile, time

import duckdb

KILN = os.path.abspath(os.environ.get("KILN", ".build/release/kiln"))
EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 31


def main():
    with tempfile.TemporaryDirectory(prefix="kiln-bubbleup-") as work:
        events = os.path.join(work, "events.jsonl")
        db = os.path.join(work, "kiln.db")
        subprocess.run([KILN, "generate", "--scenario", "bad-deploy", "--events", str(EVENTS), "--seed", "1", "-o", events], check=True)
        subprocess.run([KILN, "ingest", "--db", db, "--dataset", "bench", events], check=True, stderr=subprocess.DEVNULL)
        con = duckdb.connect()
        con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{events}', format='newline_delimited', union_by_name=true, sample_size=-1)")
        threshold = con.execute("SELECT quantile_disc(duration_ms, 0.995) FROM events").fetchone()[0]
        predicate = f"duration_ms >= {threshold}"
        cols = con.execute("DESCRIBE events").fetchall()
        fields = [c[0] for c in cols if c[0] != "timestamp" and not c[1].startswith("DOUBLE")]
        distinct = con.execute("SELECT " + ", ".join(f'approx_count_distinct("{f}")' for f in fields) + " FROM events").fetchone()
        twelve = [f'"{f}"' for f, _ in sorted(zip(fields, distinct), key=lambda fd: fd[1])[:12]]
        sql = f"""
            SELECT {', '.join(twelve)}, count(*) FILTER (WHERE {predicate}) AS s, count(*) FILTER (WHERE NOT ({predicate})) AS b
            FROM events GROUP BY GROUPING SETS ({', '.join(f'({q})' for q in twelve)})
        """
        command = [KILN, "bubbleup", "--db", db, "--dataset", "bench", "--select", predicate, "--format", "json"]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        selected = out.split('"count":', 1)[1].split("}", 1)[0]
        con.execute(sql).fetchall()  # warm, as Kiln's store file is in the page cache
        kiln, duck = [], []
        for _ in range(RUNS):
            t = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            kiln.append(time.perf_counter() - t)
            t = time.perf_counter()
            con.execute(sql).fetchall()
            duck.append(time.perf_counter() - t)
        k_best, d_best = min(kiln) * 1000, min(duck) * 1000
        k_med, d_med = statistics.median(kiln) * 1000, statistics.median(duck) * 1000
        print(f"{EVENTS:,} events, selection {predicate} ({selected} events), {RUNS} runs each in turn; load {os.getloadavg()[0]:.1f}")
        print(f"kiln bubbleup process  best {k_best:.1f} ms  median {k_med:.1f} ms")
        print(f"duckdb query (12 fields) best {d_best:.1f} ms  median {d_med:.1f} ms")
        print(f"ratio kiln/duckdb: best {k_best / d_best:.2f}, median {k_med / d_med:.2f}  (target <= 1)")


if __name__ == "__main__":
    main()
