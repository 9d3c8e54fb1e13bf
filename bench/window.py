#!/usr/bin/env python3
"""Cost follows the time window: the same commands over the last 2 hours of a week-long store
and of a store holding only those 2 hours, in the same run, with the ratios.

  python3 bench/window.py [RATE]     # events/s over 7 days (default 10: 6,048,000 events)

Needs a release build (swift build -c release --product kiln). Prints, per command, the best
wall time and peak RSS of 5 runs on each store, the ratios week/2h (targets: time <= 1.5x,
memory <= 2x) and whether both stores gave the same answer (the JSON compared as values). Then the explorer's first frame
on each store (bench/explore_timing.py).
"""
import json, os, subprocess, sys, tempfile, time, shutil

KILN = os.path.abspath(os.environ.get("KILN", ".build/release/kiln"))
RATE = sys.argv[1] if len(sys.argv) > 1 else "10"
END, FROM = "2026-12-01T00:00:00Z", "2026-11-30T22:00:00Z"

def measured(args):
    """Best of 5: wall seconds and peak RSS (MB) of the child, via wait4."""
    best_t, best_m, out = 1e9, 1e9, b""
    for _ in range(5):
        t0 = time.perf_counter()
        p = subprocess.Popen([KILN] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"{args}: exit {os.waitstatus_to_exitcode(status)}")
        best_t, best_m = min(best_t, dt), min(best_m, usage.ru_maxrss / 1024)
    return best_t, best_m, out

def main():
    work = tempfile.mkdtemp(prefix="kiln-window-")
    try:
        week_file, recent_file = f"{work}/week.jsonl", f"{work}/recent.jsonl"
        subprocess.run([KILN, "generate", "--duration", "7d", "--rate", RATE, "--seed", "3", "--end", END, "-o", week_file], check=True)
        # The generator writes {"timestamp":"RFC 3339 UTC", ...}: text order is time order.
        n_week = n_recent = 0
        with open(week_file, "rb") as src, open(recent_file, "wb") as dst:
            key = FROM[:19].encode()
            for line in src:
                n_week += 1
                if line[14:33] >= key:
                    dst.write(line)
                    n_recent += 1
        stores = {"week": f"{work}/week.db", "2h": f"{work}/recent.db"}
        for name, src in (("week", week_file), ("2h", recent_file)):
            t0 = time.perf_counter()
            subprocess.run([KILN, "ingest", "--db", stores[name], "--dataset", "shop", src], check=True, stderr=subprocess.DEVNULL)
            print(f"store {name}: {n_week if name == 'week' else n_recent:,} events, ingested in {time.perf_counter() - t0:.1f} s, "
                  f"{os.path.getsize(stores[name]) / 1e6:.0f} MB")
        os.remove(week_file)
        scope = ["--dataset", "shop", "--from", FROM, "--to", END]
        commands = {
            "query": ["query"] + scope + ["--calc", "COUNT", "--calc", "P99(duration_ms)", "--group-by", "service.name", "--format", "json"],
            "bubbleup": ["bubbleup"] + scope + ["--select", "duration_ms >= 1000", "--format", "json"],
            "events": ["query"] + scope + ["--limit", "50", "--format", "json"],
        }
        print(f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[0]}")
        for label, args in commands.items():
            tw, mw, ow = measured([args[0], "--db", stores["week"]] + args[1:])
            tr, mr, orr = measured([args[0], "--db", stores["2h"]] + args[1:])
            a, b = json.loads(ow), json.loads(orr)
            same = a == b
            if not same and label == "bubbleup":
                # Values tied on counts are listed by first appearance in the store, which
                # differs between the two stores; everything else must agree.
                def ranking(r):
                    return ([(d["field"], d["score"], d["p_value"], sorted((v["selection"], v["baseline"]) for v in d["values"]))
                             for d in r["dimensions"]], r["id_like"], r["combinations"], r["selection"], r["baseline"])
                same = "same ranking, scores and counts; tied values in another order" if ranking(a) == ranking(b) else False
            print(f"{label:9s} week {tw * 1000:7.1f} ms {mw:6.1f} MB | 2h {tr * 1000:7.1f} ms {mr:6.1f} MB | "
                  f"ratio time {tw / tr:.2f}x memory {mw / mr:.2f}x | same answer: {same}")
            if not same:
                for name, out in (("week", ow), ("2h", orr)):
                    with open(f"/tmp/kiln-window-{label}-{name}.json", "wb") as f:
                        f.write(out)
                print(f"  (outputs kept in /tmp/kiln-window-{label}-week.json and -2h.json)")
        if shutil.which("tmux"):
            for name in ("week", "2h"):
                r = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "explore_timing.py"), "kiln", stores[name]],
                                   capture_output=True, text=True, env={**os.environ, "KILN": KILN})
                first = [l for l in r.stdout.splitlines() if "first frame" in l]
                print(f"explorer {name}: {first[0] if first else r.stdout.strip() or r.stderr.strip()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
