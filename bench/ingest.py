#!/usr/bin/env python3
"""Ingest of JSON lines against DuckDB, the issue's shape: 1M held-out events in 4 files.

  python3 bench/ingest.py [EVENTS]      # default 1,000,000, split over 4 files

Needs a release build (KILN=.build/release/kiln by default) and pip's duckdb. The 4 files are
generated with seeds the tests never use. Each side runs 3 times, alternating, in the same run;
the best wall time of each is printed with the ratio (target: kiln/duckdb below 1).
  kiln:   kiln ingest --db FILE --dataset bench f1 f2 f3 f4           (a new store each run)
  duckdb: CREATE TABLE events AS SELECT * FROM read_json([f1..f4], format='newline_delimited',
          union_by_name=true); CHECKPOINT                              (a new database file each run)
"""
import os, subprocess, sys, tempfile, time

import duckdb

KILN = os.path.abspath(os.environ.get("KILN", ".build/release/kiln"))
EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def kiln_once(work, files):
    db = os.path.join(work, "kiln.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    t0 = time.perf_counter()
    p = subprocess.Popen([KILN, "ingest", "--db", db, "--dataset", "bench"] + files, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("kiln ingest failed")
    return dt, usage.ru_utime + usage.ru_stime


def duck_once(work, files):
    path = os.path.join(work, "peer.duckdb")
    for suffix in ("", ".wal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = duckdb.connect(path)
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_json({files!r}, format='newline_delimited', union_by_name=true)")
    con.execute("CHECKPOINT")
    dt = time.perf_counter() - t0
    n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    if n != EVENTS:
        raise SystemExit(f"duckdb read {n} events, not {EVENTS}")
    return dt


def main():
    with tempfile.TemporaryDirectory(prefix="kiln-ingest-") as work:
        files = []
        for k in range(4):
            f = os.path.join(work, f"part{k + 1}.jsonl")
            subprocess.run([KILN, "generate", "--events", str(EVENTS // 4), "--seed", str(9001 + k), "-o", f], check=True)
            files.append(f)
        size = sum(os.path.getsize(f) for f in files)
        print(f"{EVENTS:,} events in 4 files, {size / 1e6:.0f} MB; load {os.getloadavg()[0]:.1f}")
        kiln, kiln_cpu, duck = [], [], []
        for _ in range(3):
            t, cpu = kiln_once(work, files)
            kiln.append(t)
            kiln_cpu.append(cpu)
            duck.append(duck_once(work, files))
        k, d = min(kiln), min(duck)
        print(f"kiln ingest    best {k:.2f} s  ({EVENTS / k:,.0f} events/s; runs {', '.join(f'{x:.2f}' for x in kiln)}; cpu {min(kiln_cpu):.2f} s)")
        print(f"duckdb read_json best {d:.2f} s  ({EVENTS / d:,.0f} events/s; runs {', '.join(f'{x:.2f}' for x in duck)})")
        print(f"ratio kiln/duckdb: {k / d:.2f}  (target < 1)")


if __name__ == "__main__":
    main()
