#!/usr/bin/env python3
"""The field-name flood of issue 15, against a real `kiln serve` on loopback, bounded in time.

    python3 bench/flood.py [--kiln .build/release/kiln] [--batches 3] [--events 1000]
                           [--names 1000] [--seconds 120]

Starts `kiln serve` on a fresh store on 127.0.0.1 (an ephemeral port), then sends gzipped
/1/batch requests of EVENTS events, each event with NAMES new random field names, to dataset
`flood`, while a second thread sends one small batch a second to dataset `calm` and times it.
Prints the server's peak RSS, the latencies of the flood and of the calm requests, and then the
time and peak RSS of `kiln query --calc COUNT` on the flooded dataset. Stops after SECONDS
whatever happens.
"""
import argparse
import gzip
import http.client
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def post(port, dataset, body, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    conn.request("POST", f"/1/batch/{dataset}", body=body,
                 headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, time.monotonic() - start, data


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", default=".build/release/kiln")
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--names", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=120)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds

    work = tempfile.mkdtemp(prefix="kiln-flood-")
    db = os.path.join(work, "flood.db")
    err = open(os.path.join(work, "serve.err"), "w+")
    server = subprocess.Popen([args.kiln, "serve", "--db", db, "--listen", "127.0.0.1:0", "--grpc-listen", "off"],
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = None
        while port is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
            err.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", err.read())
            port = int(m.group(1)) if m else None
        if port is None:
            err.seek(0)
            sys.exit("kiln serve did not start: " + err.read())

        peak = [rss_kb(server.pid)]
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(server.pid))
                time.sleep(0.05)

        calm_latencies, calm_failures = [], [0]

        def calm():
            body = gzip.compress(json.dumps([{"data": {"route": "/cart", "duration_ms": 12}}] * 10).encode())
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    status, seconds, _ = post(port, "calm", body, timeout=30)
                    calm_latencies.append(seconds)
                    if status != 200:
                        calm_failures[0] += 1
                except OSError:
                    calm_failures[0] += 1
                time.sleep(1)

        threads = [threading.Thread(target=watch, daemon=True), threading.Thread(target=calm, daemon=True)]
        for t in threads:
            t.start()

        rng = random.Random(1)
        flood_latencies, statuses = [], []
        for b in range(args.batches):
            if time.monotonic() >= deadline:
                print("flood: stopped at the time limit")
                break
            events = []
            for _ in range(args.events):
                data = {"".join(rng.choices(string.ascii_lowercase, k=8)): rng.randint(0, 9) for _ in range(args.names)}
                events.append({"data": data})
            body = gzip.compress(json.dumps(events).encode())
            try:
                status, seconds, data = post(port, "flood", body, timeout=max(1, deadline - time.monotonic()))
            except OSError as e:
                print(f"flood batch {b}: {e}")
                continue
            flood_latencies.append(seconds)
            statuses.append(status)
            print(f"flood batch {b}: {len(body) / 1e6:.1f} MB gzipped, status {status}, {seconds:.2f} s, "
                  f"server RSS {rss_kb(server.pid) / 1024:.0f} MB")
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(timeout=5)

        print(f"server_peak_rss_mb {peak[0] / 1024:.0f}")
        print(f"flood_batches {len(flood_latencies)} statuses {sorted(set(statuses))} "
              f"max_s {max(flood_latencies, default=float('nan')):.2f}")
        print(f"calm_requests {len(calm_latencies)} failures {calm_failures[0]} "
              f"p50_ms {percentile(calm_latencies, 50) * 1000:.0f} max_ms {max(calm_latencies, default=float('nan')) * 1000:.0f}")

        server.terminate()
        server.wait(timeout=30)
        remaining = max(1, deadline - time.monotonic())
        start = time.monotonic()
        q = subprocess.Popen([args.kiln, "query", "--db", db, "--dataset", "flood", "--calc", "COUNT", "--format", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        query_peak = 0
        while q.poll() is None and time.monotonic() - start < remaining:
            query_peak = max(query_peak, rss_kb(q.pid))
            time.sleep(0.02)
        if q.poll() is None:
            q.kill()
            q.wait()
            print(f"query_count: still running at the time limit ({remaining:.0f} s), RSS {query_peak / 1024:.0f} MB")
        else:
            out = q.stdout.read()
            print(f"query_count_s {time.monotonic() - start:.2f} query_peak_rss_mb {query_peak / 1024:.0f} "
                  f"status {q.returncode} {out.strip()[:120]}")
        f = subprocess.run([args.kiln, "fields", "--db", db, "--dataset", "flood", "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        try:
            print(f"fields_listed {len(json.loads(f.stdout).get('fields', []))}")
        except ValueError:
            print(f"fields: status {f.returncode} {f.stderr.strip()[:200]}")
    finally:
        if server.poll() is None:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
