"""What the small-result rule costs: `compress.tokens.lossy_allowed` on real-shaped blocks of a few sizes.

    python benchmarks/bench_small_rule.py

The rule counts exactly (`count_tokens_cached`, cl100k offline) only where the estimate is ambiguous; a cold
count is timed with the count memo cleared before each call, a warm one with it kept (history re-sent).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from headroom_cli.compress import tokens  # noqa: E402


def blocks() -> dict[str, str]:
    stdlib = os.path.dirname(os.__file__)  # this interpreter's stdlib: ~200 entries
    lines = subprocess.run(["ls", "-la", stdlib], capture_output=True, text=True).stdout.splitlines(True)
    pytest_v = (ROOT / "tests" / "fixtures" / "small_results" / "pytest_v.txt").read_text(encoding="utf-8")
    out = {}
    for n in (20, 46, 80, 200):
        out[f"ls -la, {n} lines"] = "".join(lines[:n])
    out["pytest -v, 70 lines"] = pytest_v
    return out


def timed(f, text: str, cold: bool, reps: int = 200) -> float:
    ts = []
    for _ in range(reps):
        if cold:
            tokens.clear_count_cache()
        t0 = time.perf_counter()
        f(text)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e6


def main() -> int:
    print(f"encoding: {tokens.encoding_name()}; bound {tokens.SMALL_RESULT_TOKENS} tokens; exact count asked for "
          f"estimates in [{tokens._SURELY_SMALL}, {tokens._SURELY_NOT_SMALL}) below {tokens._NEVER_SMALL_CHARS} chars")
    print(f"{'block':22} {'KB':>5} {'estimate':>8} {'exact':>6} {'counted':>7} {'cold us':>8} {'warm us':>8} {'estimate us':>11}")
    for name, t in blocks().items():
        est = tokens.estimate_tokens(t)
        counted = len(t) < tokens._NEVER_SMALL_CHARS and tokens._SURELY_SMALL <= est < tokens._SURELY_NOT_SMALL
        print(f"{name:22} {len(t) / 1024:5.1f} {est:8} {tokens.count_tokens(t):6} {str(counted):>7} "
              f"{timed(tokens.lossy_allowed, t, True):8.1f} {timed(tokens.lossy_allowed, t, False):8.1f} "
              f"{timed(tokens.estimate_tokens, t, False):11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
