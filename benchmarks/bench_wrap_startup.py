"""How fast `headroom wrap` hands the terminal to the agent, and gives it back.

Times, for a no-op agent (a shell script named `claude` first on PATH that records when it started,
stays `--hold` seconds and records when it exits), the time from launching `headroom wrap claude`
until the agent process has started, and from the agent's exit until wrap has exited (proxy stopped,
records written, summary printed, temp files cleaned). Median of N runs (default 10) per hold, runs of the
holds interleaved (0, 1, 0, 1, ...), all user dirs in a temp folder, no network (the agent sends nothing).

    python benchmarks/bench_wrap_startup.py [--runs 10] [--hold 0 --hold 1] [--entry headroom|module]

Goals (docs/ARCHITECTURE.md §6, issue 16): terminal handed to the agent in <= 0.5 s; wrap gone <= 100 ms after the
agent. With `--hold 0` the agent exits while the proxy is still loading aiohttp: wrap does not wait for that
start-up (nor for the warm-up), and ends with os._exit (cli/ending.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOOP = """#!/bin/sh
date +%s%N > "$BENCH_STARTED"
[ "$BENCH_HOLD" = 0 ] || sleep "$BENCH_HOLD"
date +%s%N > "$BENCH_EXITING"
exit 0
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hold", type=float, action="append",
                    help="seconds the agent stays before exiting (a real session outlives the proxy's start-up; "
                         "0: exit at once, while the proxy is still loading); repeatable, default 0 and 1")
    ap.add_argument("--baseline", metavar="DIR",
                    help="also time the headroom_cli package in DIR (e.g. `git archive main | tar -x -C DIR`), "
                         "runs interleaved with this one's (both as `python -m headroom_cli`)")
    ap.add_argument("--entry", choices=["headroom", "module"], default="headroom",
                    help="the console script (what users run) or `python -m headroom_cli`")
    a = ap.parse_args()
    holds = a.hold or [0.0, 1.0]
    exe = shutil.which("headroom") if a.entry == "headroom" and not a.baseline else None
    cmd = [exe] if exe else [sys.executable, "-m", "headroom_cli"]
    variants = {"this": {}, **({"baseline": {"PYTHONPATH": a.baseline}} if a.baseline else {})}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "bin").mkdir()
        agent = t / "bin" / "claude"
        agent.write_text(NOOP)
        agent.chmod(0o755)
        stamp, exiting = t / "started", t / "exiting"
        env = dict(os.environ, PATH=f"{t / 'bin'}{os.pathsep}{os.environ['PATH']}", HEADROOM_HOME=str(t / "hr"),
                   HOME=str(t), BENCH_STARTED=str(stamp), BENCH_EXITING=str(exiting))
        # Installed packages have their bytecode; compiling headroom's modules on every run is not what users see.
        for k in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "PYTHONDONTWRITEBYTECODE"):
            env.pop(k, None)
        results = {(v, h): ([], [], []) for v in variants for h in holds}  # handoff, total less the hold, teardown
        load = [os.getloadavg()[0]]
        for i in range(a.runs + 1):  # the first round warms the page cache and is not counted
            for variant, hold in results:
                stamp.unlink(missing_ok=True)
                exiting.unlink(missing_ok=True)
                t0 = time.time_ns()
                p = subprocess.run([*cmd, "wrap", "claude", "--", "-p", "noop"], env={**env, **variants[variant], "BENCH_HOLD": f"{hold:g}"},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, cwd=t)  # not the checkout: `python -m` would import from there
                t1 = time.time_ns()
                if p.returncode != 0 or not stamp.exists() or not exiting.exists():
                    print(f"run {i}: exit {p.returncode}, agent started: {stamp.exists()}, "
                          f"exited: {exiting.exists()}\n{p.stderr}", file=sys.stderr)
                    return 1
                if i == 0:
                    continue
                handoff, total, teardown = results[variant, hold]
                handoff.append((int(stamp.read_text()) - t0) / 1e6)
                total.append((t1 - t0) / 1e6 - hold * 1000)
                teardown.append((t1 - int(exiting.read_text())) / 1e6)
            load.append(os.getloadavg()[0])
    print(f"entry: {' '.join(cmd)}  runs: {a.runs} per hold, interleaved  "
          f"load average (1 min) {min(load):.1f}-{max(load):.1f}")
    ok = True
    for (variant, hold), (handoff, total, teardown) in results.items():
        print(f"{variant if a.baseline else ''}{' · ' if a.baseline else ''}agent holds {hold:g} s:")
        print(f"  wrap start -> agent started: median {statistics.median(handoff):.0f} ms "
              f"(min {min(handoff):.0f}, max {max(handoff):.0f})")
        print(f"  wrap start -> wrap exited (less the hold): median {statistics.median(total):.0f} ms "
              f"(min {min(total):.0f}, max {max(total):.0f})")
        print(f"  agent exited -> wrap exited: median {statistics.median(teardown):.0f} ms "
              f"(min {min(teardown):.0f}, max {max(teardown):.0f})")
        if variant == "this":
            ok = ok and statistics.median(handoff) <= 500 and statistics.median(teardown) <= 100
    print("goals (agent started within 500 ms, wrap exited within 100 ms of the agent):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
