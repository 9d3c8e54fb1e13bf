#!/usr/bin/env python3
"""Sparse fields (issue 15, item 1): EVENTS events, each with 2 of NAMES possible attribute
names, loaded with `kiln ingest` and then asked about with `kiln query`, bounded in time.

    python3 bench/sparse.py [--kiln .build/release/kiln] [--events 100000] [--names 20000]
                            [--per-event 2] [--seconds 300]

Prints, for the ingest and for each query (COUNT; COUNT grouped by one sparse attribute;
COUNT where one sparse attribute is present; the raw events
where one equals a value, every field loaded; `kiln fields`; `kiln bubbleup`, which counts
every field; the explorer's first frame in tmux, whose RSS is sampled from /proc), the wall
time and the peak RSS of the process, and the store's size. A dense peer: the same events with NAMES = per-event (every event has
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


STEP_SECONDS = 300


def peak_mb(cmd, deadline, stdin=None):
    """Runs cmd under GNU time when present, else without the RSS figure."""
    if shutil.which("/usr/bin/time"):
        full = ["/usr/bin/time", "-f", "%M"] + cmd
    else:
        full = cmd
    start = time.monotonic()
    try:
        p = subprocess.run(full, input=stdin, capture_output=True, timeout=max(1, min(STEP_SECONDS, deadline - time.monotonic())))
    except subprocess.TimeoutExpired:
        return time.monotonic() - start, None, "", "timeout", ""
    seconds = time.monotonic() - start
    rss = None
    if full[0] == "/usr/bin/time":
        try:
            rss = int(p.stderr.decode().strip().splitlines()[-1]) / 1024
        except (ValueError, IndexError):
            rss = None
    return seconds, rss, p.stdout.decode(), p.returncode, p.stderr.decode()


def explorer_first_frame(kiln, db, deadline):
    """Seconds until `kiln explore` shows its first frame in a detached tmux session, and the
    explorer's peak RSS then (from /proc, the largest seen while waiting); None without tmux."""
    if not shutil.which("tmux"):
        return None, None, "no tmux"
    sock = ["tmux", "-L", f"ksparse{os.getpid()}", "-f", "/dev/null"]
    subprocess.run(sock + ["kill-server"], capture_output=True)
    start = time.monotonic()
    subprocess.run(sock + ["new-session", "-d", "-s", "b", "-x", "120", "-y", "40",
                           f"env TERM=xterm-256color LANG=C.UTF-8 {kiln} explore --db {db} --dataset d"], check=True)
    seconds, peak, status = None, 0, "timeout"
    try:
        pane_pid = subprocess.run(sock + ["display", "-p", "-t", "b", "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
        while time.monotonic() < min(deadline, start + STEP_SECONDS):
            screen = subprocess.run(sock + ["capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
            peak = max(peak, tree_rss_mb(pane_pid))
            if "events  " in screen:
                seconds, status = time.monotonic() - start, 0
                break
            time.sleep(0.01)
        # What it holds once the first frame is up and the BubbleUp warm-up ran.
        for _ in range(20):
            time.sleep(0.1)
            peak = max(peak, tree_rss_mb(pane_pid))
    finally:
        subprocess.run(sock + ["kill-server"], capture_output=True)
    return seconds if seconds is not None else float("nan"), peak, status


def tree_rss_mb(pid):
    """RSS of `pid` and its children (the shell tmux starts and kiln under it), in MB."""
    total = 0
    try:
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
        for p in [str(pid)] + kids:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return total / 1024


def shape(kiln, work, events, names, per_event, deadline, label, explorer=True):
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
    # Every field at once: BubbleUp of the slow events against the rest.
    s, rss, out, rc, err = peak_mb([kiln, "bubbleup", "--db", db, "--dataset", "d", "--since", "all",
                                    "--select", "duration_ms >= 450", "--format", "json"], deadline)
    rows.append(("bubbleup duration_ms >= 450", s, rss, rc if rc == 0 else f"{rc}: {err.strip()[-200:]}"))
    if explorer:
        first = explorer_first_frame(kiln, db, deadline)
        rows.append(("explore: first frame (tmux)", first[0], first[1], first[2]))
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
    ap.add_argument("--no-explore", action="store_true", help="skip the explorer's first frame (needs tmux)")
    ap.add_argument("--step-seconds", type=float, default=300, help="give up on one command after this long")
    args = ap.parse_args()
    global STEP_SECONDS
    STEP_SECONDS = args.step_seconds
    deadline = time.monotonic() + args.seconds
    work = tempfile.mkdtemp(prefix="kiln-sparse-")
    try:
        print(f"{args.events:,} events, {args.per_event} of {args.names:,} attribute names each")
        shape(args.kiln, work, args.events, args.names, args.per_event, deadline, "sparse", not args.no_explore)
        shape(args.kiln, work, args.events, args.per_event, args.per_event, deadline, "dense", not args.no_explore)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
