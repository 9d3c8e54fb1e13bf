#!/usr/bin/env python3
"""Times `kiln explore` in tmux until a range is loaded: the first frame, until MARKER is on
screen with no loading line, one key after that, and the peak RSS. Works for a store file and
for a ClickHouse URL (whose range is read in the background, page by page).

  RUNS=3 python3 bench/explore_load_timing.py .build/release/kiln STORE.db "of 200,000 events"
  RUNS=3 python3 bench/explore_load_timing.py .build/release/kiln 'clickhouse://...' "of 200,000 events" --dataset big
"""
import subprocess, sys, time, re
S = ["tmux", "-L", "s9bench", "-f", "/dev/null"]
def cap():
    return subprocess.run(S + ["capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
kiln, db, marker = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:] 
for run in range(int(__import__("os").environ.get("RUNS","3"))):
    subprocess.run(S + ["kill-server"], capture_output=True)
    time.sleep(1)
    t0 = time.perf_counter()
    subprocess.run(S + ["new-session", "-d", "-s", "b", "-x", "120", "-y", "40", f"env TERM=xterm-256color LANG=C.UTF-8 {kiln} explore --db '{db}' " + " ".join(extra)], check=True)
    first = None
    while time.perf_counter() - t0 < 120:
        s = cap()
        if first is None and "kiln " in s: first = time.perf_counter() - t0
        if marker in s and "loading " not in s: break
        time.sleep(0.005)
    done = time.perf_counter() - t0
    pid = subprocess.run(S + ["display-message", "-p", "-t", "b", "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
    rss = open(f"/proc/{pid}/status").read() if pid else ""
    m = re.search(r"VmHWM:\s+(\d+)", rss)
    # a key while loaded
    before = cap(); t1 = time.perf_counter()
    subprocess.run(S + ["send-keys", "-t", "b", "h"])
    while cap() == before and time.perf_counter() - t1 < 5: time.sleep(0.002)
    key = time.perf_counter() - t1
    print(f"run {run}: first frame {first:.2f} s, loaded {done:.2f} s, key {key*1000:.0f} ms, peak RSS {int(m.group(1))//1024 if m else -1} MB")
    header = s.split("\n")[0]
    print("  ", header.strip())
subprocess.run(S + ["kill-server"], capture_output=True)
