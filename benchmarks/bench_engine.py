"""Engine benchmark: savings, needle retention and latency on the built-in corpus.

    python benchmarks/bench_engine.py [--runs 7] [--json]

Per workload: tokens before/after (exact, offline encoding), saved %, needles kept verbatim in the tool
results, needles one retrieval away (only in a stored original), median cold latency (fresh memo each run).
Then: two cold requests of ~350 KB — a JSON listing of 300 records as the tool result, new content every run
(issue 13's engine budget, the hot path's body), and the long session cut to 350 KB (23 tool results of every
kind, a store of its own each run: new originals) —, a 100 KB request with nothing to compress, and a warm turn (a long session re-sent with one new tool
result). Runs against a throwaway store (HEADROOM_HOME in a temp dir).
Targets: ≥ 75 % saved overall; needles 100 % verbatim on log, test and diff workloads (issue 3); ≤ 10 ms for the
cold JSON listing (issue 13), ≤ 15 ms for the cold mixed request; ≤ 1 ms for 100 KB with nothing to compress.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("HEADROOM_HOME", tempfile.mkdtemp(prefix="headroom-bench-"))

from headroom_cli import corpus  # noqa: E402
from headroom_cli.ccr.store import Store, default_store  # noqa: E402
from headroom_cli.compress.api import CompressConfig, compress_request  # noqa: E402
from headroom_cli.compress.memo import Memo  # noqa: E402
from headroom_cli.compress.protocols import sites  # noqa: E402
from headroom_cli.compress.tokens import encoding_name  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_hot_path import request_body  # noqa: E402  (the hot path's request: a JSON listing of 300 records)

VERBATIM_REQUIRED = {"sre_incident", "pytest_log", "git_diff"}


CPU: list[float] = []  # CPU-time medians of the last `timed` call (stable when the machine is shared)
MIN: list[float] = []  # fastest wall-clock ms of the last `timed` call (the least disturbed run)


def timed(fn, runs: int) -> tuple[float, object]:
    """Median wall-clock ms (and, in CPU[0], median thread CPU ms; in MIN[0], the fastest run) of `runs` calls."""
    times, cpu, out = [], [], None
    for _ in range(runs):
        c = time.thread_time()
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    CPU[:] = [statistics.median(cpu)]
    MIN[:] = [min(times)]
    return statistics.median(times), out


def tool_text(body: dict, protocol: str) -> str:
    return "\n".join(s.prefix + s.text + s.suffix for s in sites(body, protocol))


def bench_workloads(runs: int) -> tuple[list[dict], dict]:
    store = default_store()
    rows = []
    tot_b = tot_a = 0
    for w in corpus.workloads():
        ms, r = timed(lambda: compress_request(w.body, w.protocol, CompressConfig(memo=Memo())), runs)
        text = tool_text(r.body, w.protocol)
        originals = [store.get(k) or "" for k in r.keys]
        verbatim = [n for n in w.needles if n in text]
        one_away = [n for n in w.needles if n not in text and any(n in o for o in originals)]
        lost = [n for n in w.needles if n not in verbatim and n not in one_away]
        tb, ta = r.tokens_before, r.tokens_after
        tot_b += tb
        tot_a += ta
        rows.append({"workload": w.name, "protocol": w.protocol, "kb": round(len(json.dumps(w.body)) / 1024, 1),
                     "tokens_before": tb, "tokens_after": ta, "saved_pct": round(100 * (tb - ta) / tb, 1),
                     "needles": len(w.needles), "verbatim": len(verbatim), "one_retrieval": len(one_away),
                     "lost": lost, "median_ms": round(ms, 2), "cpu_ms": round(CPU[0], 2),
                     "compressors": r.compressors})
    overall = {"tokens_before": tot_b, "tokens_after": tot_a, "saved_pct": round(100 * (tot_b - tot_a) / tot_b, 1)}
    return rows, overall


def bench_latency(runs: int) -> dict:
    out = {}
    # cold JSON listing (issue 13's engine budget): a ~350 KB request whose tool result is a JSON listing of 300
    # records, new content every run (bench_hot_path's bodies, built before timing), fresh memo each run
    n = max(runs, 21)  # (at least 21 runs: the targets are on these medians, and a shared machine slows a few)
    listings = iter([json.loads(request_body(f"bench-engine-{i}", stream=False)) for i in range(n)])
    ms, r = timed(lambda: compress_request(next(listings), "anthropic", CompressConfig(memo=Memo())), n)
    out["cold_json_listing"] = {"kb": round(len(request_body("bench-engine-0", stream=False)) / 1024),
                                "median_ms": round(ms, 2), "cpu_ms": round(CPU[0], 2), "min_ms": round(MIN[0], 2),
                                "blocks": len(r.blocks), "target_ms": 10}
    # cold mixed: the long session cut to 350 KB (23 tool results of every kind), memo cleared each run, and a store
    # of its own each run: a cold request's originals are new to the store (inserted); the same originals put again
    # into one store would time the store re-writing the rows it holds (text and all), which a cold request never
    # makes it do
    b350 = corpus.session_body(350 * 1024)
    stores = iter([Store(os.path.join(tempfile.mkdtemp(prefix="headroom-bench-mixed-"), "store.sqlite3"))
                   for _ in range(n)])
    ms, r = timed(lambda: compress_request(b350, "anthropic", CompressConfig(memo=Memo(), store=next(stores))), n)
    out["cold_mixed"] = {"kb": round(len(json.dumps(b350)) / 1024), "median_ms": round(ms, 2),
                         "cpu_ms": round(CPU[0], 2), "min_ms": round(MIN[0], 2), "blocks": len(r.blocks),
                         "target_ms": 15}
    # nothing to compress: 100 KB of system prompt, user text and small results
    small = [{"role": "user", "content": "Please look at the config. " * 40}]
    for i in range(40):
        small.append({"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash",
                                                        "input": {"command": f"git status --short {i}"}}]})
        small.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}",
                                                   "content": f" M src/file_{i}.py\n?? notes_{i}.md\n"}]})
    b100 = {"model": "claude", "system": "You are a careful agent. " * 3600, "tools": [{"name": "Bash"}],
            "messages": small}
    memo = Memo()
    compress_request(b100, "anthropic", CompressConfig(memo=memo))
    ms, r = timed(lambda: compress_request(b100, "anthropic", CompressConfig(memo=memo)), max(runs, 20))
    out["nothing_100kb"] = {"kb": round(len(json.dumps(b100)) / 1024), "median_ms": round(ms, 3),
                            "cpu_ms": round(CPU[0], 3),
                            "changed": r.changed, "target_ms": 1}
    # warm: the whole long session again plus one new tool result (shared memo: only the new block is work)
    w = corpus.workload("long_session")
    memo = Memo()
    compress_request(w.body, "anthropic", CompressConfig(memo=memo))
    nxt = dict(w.body)
    log = corpus.plain_log(__import__("random").Random(9), 200, "2026-11-23T11:00:00Z ERROR worker-3 out of memory")

    def warm():
        m = Memo()
        m._d.update(memo._d)  # same history memo, new block cold each run
        n = dict(nxt)
        n["messages"] = nxt["messages"] + [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "tnew", "name": "Bash",
                                               "input": {"command": "tail -n 200 worker.log"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tnew", "content": log}]}]
        return compress_request(n, "anthropic", CompressConfig(memo=m))
    ms, r = timed(warm, runs)
    out["warm_turn"] = {"kb": round(len(json.dumps(w.body)) / 1024), "median_ms": round(ms, 2), "cpu_ms": round(CPU[0], 2),
                        "memo_hits": sum(b.memo_hit for b in r.blocks), "blocks": len(r.blocks)}
    # exact token counting of the 350 KB mixed request (lazy, off the hot path) for reference
    t = time.perf_counter()
    r = compress_request(b350, "anthropic", CompressConfig(memo=Memo()))
    _ = r.tokens_before, r.tokens_saved
    out["exact_count_350kb_ms"] = round((time.perf_counter() - t) * 1000, 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    rows, overall = bench_workloads(a.runs)
    lat = bench_latency(a.runs)
    if a.json:
        print(json.dumps({"encoding": encoding_name(), "workloads": rows, "overall": overall, "latency": lat}, indent=2))
        return 0
    print(f"encoding: {encoding_name()}")
    print(f"{'workload':14} {'proto':17} {'KB':>6} {'before':>8} {'after':>7} {'saved':>6}  {'verbatim':>8} "
          f"{'1-retr':>6}  {'ms':>6} {'cpu':>6}  compressors")
    for r in rows:
        print(f"{r['workload']:14} {r['protocol']:17} {r['kb']:6.0f} {r['tokens_before']:8} {r['tokens_after']:7} "
              f"{r['saved_pct']:5.1f}%  {r['verbatim']:>3}/{r['needles']:<4} {r['one_retrieval']:6}  "
              f"{r['median_ms']:6.2f} {r['cpu_ms']:6.2f}  {r['compressors']}")
        if r["lost"]:
            print(f"{'':14} LOST needles: {r['lost']}")
    print(f"{'overall':14} {'':17} {'':6} {overall['tokens_before']:8} {overall['tokens_after']:7} "
          f"{overall['saved_pct']:5.1f}%")
    for k, v in lat.items():
        print(f"{k}: {v}")
    ok = overall["saved_pct"] >= 75 and all(r["verbatim"] == r["needles"] for r in rows
                                            if r["workload"] in VERBATIM_REQUIRED)
    print("targets: saved>=75% and verbatim needles on log/test/diff:", "MET" if ok else "MISSED")
    fast = (lat["cold_json_listing"]["median_ms"] <= 10 and lat["cold_mixed"]["median_ms"] <= 15
            and lat["nothing_100kb"]["median_ms"] <= 1)
    print("targets: cold JSON listing <= 10 ms, cold mixed 350 KB <= 15 ms, nothing-to-compress 100 KB <= 1 ms "
          "(medians):", "MET" if fast else "MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
