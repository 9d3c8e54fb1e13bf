#!/usr/bin/env python3
"""`--max-db-size` against high-cardinality ids (issue 15, item 2), on a real `kiln serve`.

    python3 bench/size_limit.py [--kiln .build/debug/kiln] [--limit 20MB] [--events 400000]
                                [--batch 2000] [--seconds 300] [--dir DIR]

Starts `kiln serve --max-db-size LIMIT` on a fresh store (in DIR when given, e.g. a small
tmpfs to fill the disk first), then sends EVENTS events in /1/batch requests of BATCH, each
with a fresh 32-hex `id`, a `n` counter and a time of now. After every request it samples the
store file plus its -wal; it prints the largest and final sizes against the limit, how many
events the store kept, whether the events of the last minute are all there (`kiln query`), and
the `/healthz` retention figures. Stops after SECONDS whatever happens.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time


def post(port, dataset, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", f"/1/batch/{dataset}", body=body, headers={"Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, data


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return json.loads(data)


def size(path):
    total = 0
    for p in (path, path + "-wal"):
        try:
            total += os.path.getsize(p)
        except OSError:
            pass
    return total


def parse_size(text):
    m = re.fullmatch(r"([\d.]+)\s*(KB|MB|GB)?", text.upper())
    return int(float(m.group(1)) * {None: 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", default=".build/debug/kiln")
    ap.add_argument("--limit", default="20MB")
    ap.add_argument("--events", type=int, default=400_000)
    ap.add_argument("--batch", type=int, default=2_000)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--dir")
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    limit = parse_size(args.limit)
    work = args.dir or tempfile.mkdtemp(prefix="kiln-size-")
    db = os.path.join(work, "size.db")
    err = open(os.path.join(tempfile.gettempdir(), f"kiln-size-serve-{os.getpid()}.err"), "w+")
    server = subprocess.Popen([args.kiln, "serve", "--db", db, "--listen", "127.0.0.1:0", "--max-db-size", args.limit],
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = None
        while port is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
            err.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", err.read())
            port = int(m.group(1)) if m else None
        sent = n = 0
        largest = 0
        split = (0, 0)
        refused = 0
        last_minute_sent = []
        started = time.time()
        while sent < args.events and time.monotonic() < deadline:
            now = time.time()
            events = [{"time": now, "data": {"id": secrets.token_hex(16), "n": n + i}} for i in range(args.batch)]
            status, body = post(port, "ids", json.dumps(events).encode())
            if status == 200:
                n += args.batch
                sent += args.batch
                last_minute_sent.append((now, args.batch))
            else:
                refused += 1
                time.sleep(0.2)
            if size(db) > largest:
                largest = size(db)
                split = (os.path.getsize(db), size(db) - os.path.getsize(db))
        health = get(port, "/healthz")
        server.terminate()
        server.wait(timeout=30)
        final = size(db)
        cutoff = time.time() - 55
        recent = sum(k for t, k in last_minute_sent if t >= cutoff)
        q = subprocess.run([args.kiln, "query", "--db", db, "--dataset", "ids", "--since", "55s", "--calc", "COUNT", "--format", "json"],
                           capture_output=True, text=True)
        counted = json.loads(q.stdout)["rows"][0]["COUNT"] if q.returncode == 0 else q.stderr
        d = subprocess.run([args.kiln, "datasets", "--db", db, "--format", "json"], capture_output=True, text=True)
        kept = json.loads(d.stdout)["datasets"][0]["events"]
        print(f"limit {limit:,} bytes; sent {sent:,} events in {time.time() - started:.1f} s ({refused} requests refused)")
        print(f"largest store + wal seen: {largest:,} bytes ({largest / limit:.2f} of the limit; file {split[0]:,}, wal {split[1]:,})")
        print(f"final store + wal: {final:,} bytes ({final / limit:.2f} of the limit)")
        print(f"events kept: {kept:,}; sent in the last 55 s: {recent:,}; counted there: {counted}")
        print(f"healthz retention: {json.dumps(health.get('retention'))}")
    finally:
        if server.poll() is None:
            server.kill()
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
