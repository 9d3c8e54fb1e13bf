#!/usr/bin/env python3
"""Server memory after a burst of large requests (issue 15, item 8), on a real `kiln serve`.

    python3 bench/burst.py [--kiln .build/release/kiln] [--clients 64] [--mb 8] [--idle 10]

Sends CLIENTS concurrent /1/batch bodies of about MB megabytes each (uncompressed JSON),
then lets the server idle. Prints its RSS before, at the peak, and 2 s and IDLE s after the
last answer; then the same with `KILN_MALLOC_TRIM=0` (memory not given back) as the peer.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def body(mb, seed):
    event = {"data": {"service": "api", "route": "/x", "note": "y" * 300, "n": 0}}
    events = []
    size = 0
    n = 0
    while size < mb * 1_000_000:
        e = dict(event)
        e["data"] = dict(event["data"], n=n, seed=seed)
        text = json.dumps(e)
        events.append(text)
        size += len(text) + 1
        n += 1
    return ("[" + ",".join(events) + "]").encode()


def run(kiln, clients, mb, idle, env):
    work = tempfile.mkdtemp(prefix="kiln-burst-")
    err = open(os.path.join(work, "serve.err"), "w+")
    server = subprocess.Popen([kiln, "serve", "--db", os.path.join(work, "b.db"), "--listen", "127.0.0.1:0"],
                              stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        port = None
        for _ in range(400):
            time.sleep(0.05)
            err.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", err.read())
            if m:
                port = int(m.group(1))
                break
        before = rss_mb(server.pid)
        bodies = [body(mb, k) for k in range(clients)]
        peak = [before]
        statuses = []
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.02)

        def send(b):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            conn.request("POST", "/1/batch/burst", body=b, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            statuses.append(r.status)
            conn.close()

        w = threading.Thread(target=watch)
        w.start()
        threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - start
        done.set()
        w.join()
        time.sleep(2)
        after2 = rss_mb(server.pid)
        time.sleep(max(0, idle - 2))
        after = rss_mb(server.pid)
        ok = sum(1 for s in statuses if s == 200)
        return before, peak[0], after2, after, ok, took
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", default=".build/release/kiln")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--mb", type=float, default=8)
    ap.add_argument("--idle", type=float, default=10)
    args = ap.parse_args()
    print(f"{args.clients} concurrent bodies of {args.mb} MB")
    for label, extra in (("trim", {}), ("no trim", {"KILN_MALLOC_TRIM": "0"})):
        env = dict(os.environ, **extra)
        before, peak, after2, after, ok, took = run(args.kiln, args.clients, args.mb, args.idle, env)
        print(f"{label:8} RSS before {before:6.0f} MB  peak {peak:6.0f} MB  2 s after {after2:6.0f} MB  "
              f"{args.idle:.0f} s after {after:6.0f} MB  ({ok}/{args.clients} answered 200 in {took:.1f} s)")


if __name__ == "__main__":
    main()
