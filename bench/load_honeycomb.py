#!/usr/bin/env python3
"""Load generator for `kiln serve`: Honeycomb /1/batch requests, gzip, 100 events each.

Several processes, each with a few keep-alive connections, send batches back to back for a
fixed duration (a closed loop: a connection sends its next batch when the last one was
answered). Bodies are generated and gzipped before the clock starts (a pool per process, each
body with its own trace/span/request ids), so the generator spends its CPU on HTTP, not JSON.

Prints the acknowledged events per second (events whose reply entry was {"status":202}),
requests per second, reply latency p50/p90/p99/max, errors by kind, and the machine's load
average. Only talks to the URL given (default: loopback).

  python3 bench/load_honeycomb.py --url http://127.0.0.1:4318 --duration 60
"""
import argparse
import gzip
import http.client
import json
import multiprocessing as mp
import os
import random
import threading
import time
import urllib.parse

SERVICES = ["frontend", "cart", "checkout", "payment", "shipping", "catalog"]
ENDPOINTS = ["/api/cart", "/api/checkout", "/api/product/{id}", "/api/search", "/healthz", "/api/user"]
METHODS = ["GET", "GET", "GET", "POST", "PUT"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def make_event(rng, t):
    status = rng.choices([200, 201, 204, 400, 404, 500, 503], weights=[70, 5, 5, 5, 5, 7, 3])[0]
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % rng.randrange(1000000),
        "samplerate": rng.choice([1, 1, 1, 10]),
        "data": {
            "service.name": rng.choice(SERVICES),
            "name": rng.choice(ENDPOINTS),
            "http.method": rng.choice(METHODS),
            "http.status_code": status,
            "duration_ms": round(rng.lognormvariate(3, 0.8), 3),
            "error": status >= 500,
            "trace.trace_id": "%032x" % rng.getrandbits(128),
            "trace.span_id": "%016x" % rng.getrandbits(64),
            "user.id": "u-%d" % rng.randrange(50000),
            "region": rng.choice(REGIONS),
            "build": "v1.%d.%d" % (rng.randrange(3), rng.randrange(20)),
            "bytes": rng.randrange(100, 100000),
            "cache": {"hit": rng.random() < 0.8, "layer": rng.choice(["l1", "l2"])},
        },
    }


def make_bodies(seed, count, batch):
    rng = random.Random(seed)
    now = time.time()
    bodies = []
    for _ in range(count):
        events = [make_event(rng, now - rng.random() * 60) for _ in range(batch)]
        bodies.append(gzip.compress(json.dumps(events).encode(), compresslevel=6))
    return bodies


def worker(proc_index, args, start_at, out):
    bodies = make_bodies(1000 + proc_index, args.pool, args.batch)
    url = urllib.parse.urlsplit(args.url)
    path = "/1/batch/" + urllib.parse.quote(args.dataset, safe="")
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "X-Honeycomb-Team": args.api_key,
               "User-Agent": "kiln-load/1"}
    lock = threading.Lock()
    totals = {"events": 0, "requests": 0, "errors": {}, "latencies": []}

    def connection_loop(conn_index):
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        latencies = []
        events = requests = 0
        errors = {}
        i = conn_index
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + args.duration
        while True:
            now = time.time()
            if now >= deadline:
                break
            body = bodies[i % len(bodies)]
            i += 7
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
                time.sleep(0.05)
                continue
            latencies.append(time.perf_counter() - t0)
            requests += 1
            if resp.status == 200:
                events += data.count(b'"status":202')
            else:
                key = "http %d" % resp.status
                errors[key] = errors.get(key, 0) + 1
                retry = resp.getheader("Retry-After")
                if retry:
                    time.sleep(min(float(retry), 1.0))
        conn.close()
        with lock:
            totals["events"] += events
            totals["requests"] += requests
            totals["latencies"].extend(latencies)
            for k, v in errors.items():
                totals["errors"][k] = totals["errors"].get(k, 0) + v

    threads = [threading.Thread(target=connection_loop, args=(c,)) for c in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(totals)


def process_cpu_seconds(pid):
    """User + system CPU seconds of `pid` from /proc (None when unknown)."""
    if not pid:
        return None
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[k]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:4318")
    p.add_argument("--dataset", default="load")
    p.add_argument("--api-key", default="")
    p.add_argument("--duration", type=float, default=60)
    p.add_argument("--processes", type=int, default=3)
    p.add_argument("--connections", type=int, default=4, help="keep-alive connections per process")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--pool", type=int, default=200, help="pre-generated bodies per process")
    p.add_argument("--server-pid", type=int, default=0, help="report this process's CPU use during the run")
    args = p.parse_args()
    host = urllib.parse.urlsplit(args.url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise SystemExit("load_honeycomb.py only loads servers on this machine (loopback)")

    out = mp.Queue()
    start_at = time.time() + 3 + 0.02 * args.pool
    procs = [mp.Process(target=worker, args=(k, args, start_at, out)) for k in range(args.processes)]
    load_before = os.getloadavg()
    for pr in procs:
        pr.start()
    while time.time() < start_at:
        time.sleep(0.01)
    cpu_before = process_cpu_seconds(args.server_pid)
    results = [out.get() for _ in procs]
    cpu_after = process_cpu_seconds(args.server_pid)
    for pr in procs:
        pr.join()
    load_after = os.getloadavg()

    events = sum(r["events"] for r in results)
    requests = sum(r["requests"] for r in results)
    lat = sorted(x for r in results for x in r["latencies"])
    errors = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    d = args.duration
    print("kiln load: %d processes x %d connections, %d events/batch, gzip, %.0f s" % (args.processes, args.connections, args.batch, d))
    print("acknowledged events: %d  (%.0f events/s)" % (events, events / d))
    print("requests: %d  (%.0f requests/s)" % (requests, requests / d))
    print("reply latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" % tuple(1000 * percentile(lat, q) for q in (0.5, 0.9, 0.99, 1.0)))
    print("errors: %s" % (json.dumps(errors) if errors else "none"))
    print("load average before %.2f, after %.2f (1 min), cores %d" % (load_before[0], load_after[0], os.cpu_count() or 0))
    if cpu_before is not None and cpu_after is not None:
        print("server CPU: %.1f s in %.0f s (%.2f cores)" % (cpu_after - cpu_before, d, (cpu_after - cpu_before) / d))


if __name__ == "__main__":
    main()
