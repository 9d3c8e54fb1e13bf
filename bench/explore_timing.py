#!/usr/bin/env python3
"""Times the explorer (or lnav) in tmux: launch until its first frame is on screen, then keys
until the screen changes. Timing includes tmux and polling the pane every 2 ms.

  python3 bench/explore_timing.py kiln STORE.db        # first frame, cursor move, BubbleUp
  python3 bench/explore_timing.py lnav FILE MARKER     # lnav until MARKER is on screen
"""
import os, subprocess, sys, time
KILN = os.environ.get("KILN", ".build/release/kiln")
S = ["tmux", "-L", "kbench", "-f", "/dev/null"]
def cap():
    return subprocess.run(S + ["capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
def wait(pred, timeout=60):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        s = cap()
        if pred(s): return time.perf_counter(), s
        time.sleep(0.002)
    raise SystemExit("timeout")
def launch(cmd, marker, w=120, h=40):
    subprocess.run(S + ["kill-server"], capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(S + ["new-session", "-d", "-s", "b", "-x", str(w), "-y", str(h), cmd], check=True)
    t1, s = wait(lambda s: marker in s)
    return t1 - t0, s
def key(k, pred):
    before = cap()
    t0 = time.perf_counter()
    subprocess.run(S + ["send-keys", "-t", "b", k], check=True)
    t1, s = wait(lambda s: s != before and pred(s))
    return t1 - t0, s
if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "kiln":
        db = sys.argv[2]
        res = {}
        for run in range(3):
            dt, s = launch(f"env TERM=xterm-256color LANG=C.UTF-8 {KILN} explore --db {db}", "events  ")
            res.setdefault("first frame", []).append(dt)
            time.sleep(1.5)  # let the BubbleUp warm-up finish, as a user would look first
            moves = []
            for i in range(10):
                dt, s = key("h", lambda s: True); moves.append(dt); time.sleep(0.05)
            res.setdefault("cursor move (median of 10)", []).append(sorted(moves)[5])
            for k in ["Space", "h", "h", "h", "k", "k", "k", "k", "k", "k"]:
                subprocess.run(S + ["send-keys", "-t", "b", k]); time.sleep(0.03)
            time.sleep(0.3)
            dt, s = key("Enter", lambda s: "❭ BubbleUp" in s)
            res.setdefault("BubbleUp", []).append(dt)
            subprocess.run(S + ["send-keys", "-t", "b", "Q"])
            time.sleep(0.5)
        for k, v in res.items():
            print(f"{k}: " + ", ".join(f"{x*1000:.0f} ms" for x in v))
    elif mode == "lnav":
        f = sys.argv[2]
        for run in range(3):
            dt, s = launch(f"env TERM=xterm-256color lnav {f}", sys.argv[3])
            print(f"lnav run {run}: {dt*1000:.0f} ms")
            subprocess.run(S + ["kill-server"], capture_output=True)
    subprocess.run(S + ["kill-server"], capture_output=True)
