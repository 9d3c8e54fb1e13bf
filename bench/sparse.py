#!/usr/bin/env python3
"""Sparse fields (issue 15, item 1): EVENTS events, each with 2 of NAMES possible attribute
names, loaded with `kiln ingest` and then asked about with `kiln query`, bounded in time.

    python3 bench/sparse.py [--kiln .build/release/kiln] [--events 100000] [--names 20000]
                            [--per-event 2] [--seconds 300]

Prints, for the ingest and for each query (COUNT; COUNT grouped by one sparse attribute;
COUNT where one sparse attribute is present; the raw events
where one equals a value, every field loaded; `kiln fields`), the wall time and the peak RSS of the process,
and the store's size. A dense peer: the same events with NAMES = per-event (every event has
every field), so the cost of sparseness shows as the difference between the two rows.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time


def peak_mb(cmd, deadline, stdin=None):
    """Runs cmd under GNU time when present, else without the RSS figure."""
    if shutil.which("/usr/bin/time"):
        full = ["/usr/bin/time", "-f", "%M"] + cmd
    else:
        full = cmd
    start = time.monotonic()
    p = subprocess.run(full, input=stdin, capture_output=True, timeout=max(1, deadline - time.monotonic()))
    seconds = time.monotonic() - start
    rss = None
    if full[0] == "/usr/bin/time":
        try:
            rss = int(p.stderr.decode().strip().splitlines()[-1]) / 1024
        except (ValueError, IndexError):
            rss = None
    return seconds, rss, p.stdout.decode(), p.returncode, p.stderr.decode()


def shape(kiln, work, events, names, per_event, deadline, label):
    rng = random.Random(7)
    base = 1_700_000_000
    lines = []
    probe = None
    for i in range(events):
        fields = {"time": base + i // 10, "duration_ms": rng.randint(1, 500)}
        for name in rng.sample(range(names), per_event):
            fields[f"attr_{name}"] = rng.choice(["a", "b", "c", str(rng.randint(0, 99))])
            probe = probe or f"attr_{name}"
        lines.append(json.dumps(fields))
    data = ("\n".join(lines) + "\n").encode()
    db = os.path.join(work, f"{label}.db")
    rows = []
    s, rss, _, rc, err = peak_mb([kiln, "ingest", "--db", db, "--dataset", "d", "--format", "jsonl",
                                  "--max-fields", str(names + 10), "-"], deadline, stdin=data)
    rows.append(("ingest", s, rss, rc))
    queries = [
        ("query COUNT", ["--calc", "COUNT"]),
        ("query COUNT by one attr", ["--calc", "COUNT", "--group-by", probe, "--limit", "5"]),
        ("query COUNT where one attr exists", ["--calc", "COUNT", "--where", f"{probe} exists"]),
        ("query raw events where one attr = a", ["--where", f"{probe} = a", "--limit", "20"]),
        ("query P99(duration_ms)", ["--calc", "P99(duration_ms)"]),
    ]
    for name, args in queries:
        s, rss, out, rc, err = peak_mb([kiln, "query", "--db", db, "--dataset", "d", "--since", "all", "--format", "json"] + args, deadline)
        rows.append((name, s, rss, rc if rc == 0 else f"{rc}: {err.strip()[-200:]}"))
    s, rss, out, rc, err = peak_mb([kiln, "fields", "--db", db, "--dataset", "d", "--format", "json"], deadline)
    rows.append(("fields", s, rss, rc))
    size = os.path.getsize(db)
    for name, s, rss, rc in rows:
        rss_text = f"{rss:7.0f} MB" if rss is not None else "      ? MB"
        print(f"{label:6} {name:34} {s:7.2f} s  peak {rss_text}  exit {rc}")
    print(f"{label:6} store {size / 1e6:.1f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", default=".build/release/kiln")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--names", type=int, default=20_000)
    ap.add_argument("--per-event", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=300)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    work = tempfile.mkdtemp(prefix="kiln-sparse-")
    try:
        print(f"{args.events:,} events, {args.per_event} of {args.names:,} attribute names each")
        shape(args.kiln, work, args.events, args.names, args.per_event, deadline, "sparse")
        shape(args.kiln, work, args.events, args.per_event, args.per_event, deadline, "dense")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
