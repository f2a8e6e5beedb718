"""The proxy under concurrent load, and its memory (issue 15): rounds of 50 clients × 20 requests each
(Anthropic requests with a 400-line log as tool result, so compression and the store of originals work on
every one) through `headroom proxy` in its own process, in front of a fake provider in another. Prints the
answers, the ledger rows and the proxy's RSS after each round: the first round grows it (imports, caches,
connection pools), the second must leave it flat. `--json` for machines. Loopback only; user directories
(ledger, store) in a temp folder.

    python benchmarks/bench_load.py [--rounds 2] [--clients 50] [--requests 20] [--json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\n"
HEADERS = {"Content-Type": "application/json", "x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01"}


def body(i: int) -> bytes:
    return json.dumps({"model": "claude-bench", "max_tokens": 64, "messages": [
        {"role": "user", "content": f"why did batch 777 fail? ({i})"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": LOG}]}]}).encode()


def spawn(args: list[str], pattern: str, stream: str, env: dict) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    src = p.stdout if stream == "stdout" else p.stderr
    assert src is not None
    for line in src:
        m = re.search(pattern, line)
        if m:
            return p, m.group(1)
    p.kill()
    raise SystemExit(f"could not start: {' '.join(args)}")


async def one_round(url: str, clients: int, requests: int) -> list[int]:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=120)) as s:
        async def client(c: int) -> list[int]:
            out = []
            for k in range(requests):
                async with s.post(url + "/v1/messages", data=body(c * requests + k), headers=HEADERS) as r:
                    await r.read()
                    out.append(r.status)
            return out

        return [x for part in await asyncio.gather(*(client(c) for c in range(clients))) for x in part]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20, help="per client and round")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    rounds, clients, per = max(2, min(a.rounds, 10)), max(1, min(a.clients, 200)), max(1, min(a.requests, 200))
    import psutil

    tmp = Path(tempfile.mkdtemp(prefix="headroom-load-"))
    env = {**os.environ, "HEADROOM_HOME": str(tmp / "home")}
    os.environ["HEADROOM_HOME"] = env["HEADROOM_HOME"]  # this process opens the same ledger afterwards
    fake, fake_url = spawn([sys.executable, "-m", "headroom_cli.testing.fake_provider"], r"(http://\S+)", "stdout", env)
    proxy = None
    rows_out = []
    try:
        proxy, url = spawn([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0", "--anthropic-upstream",
                            fake_url, "--retrieval", "off"], r"▸ (http://127\.0\.0\.1:\d+)", "stderr", env)
        proc = psutil.Process(proxy.pid)
        rss0 = proc.memory_info().rss
        total_ok = total = 0
        for r in range(1, rounds + 1):
            t = time.perf_counter()
            statuses = asyncio.run(one_round(url, clients, per))
            dt = time.perf_counter() - t
            time.sleep(1.0)  # let records and figures land
            ok = statuses.count(200)
            total_ok, total = total_ok + ok, total + len(statuses)
            rows_out.append({"round": r, "answers_ok": ok, "requests": len(statuses), "seconds": round(dt, 1),
                             "rss_mb": round(proc.memory_info().rss / 2**20, 1)})
    finally:
        for p in (proxy, fake):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    from headroom_cli.stats.ledger import Ledger, default_path

    with Ledger(default_path()) as lg:
        ledger_rows = lg.count()
    growth = rows_out[-1]["rss_mb"] - rows_out[-2]["rss_mb"]
    report = {"benchmark": "proxy_load", "clients": clients, "requests_per_client": per, "rounds": rows_out,
              "answers_ok": total_ok, "requests": total, "ledger_rows": ledger_rows,
              "rss_start_mb": round(rss0 / 2**20, 1), "rss_growth_last_round_mb": round(growth, 1),
              "cpus": os.cpu_count()}
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"proxy load: {rounds} rounds of {clients} clients × {per} requests ({os.cpu_count()} CPUs); "
              f"RSS at start {report['rss_start_mb']} MB")
        for r in rows_out:
            print(f"round {r['round']}: {r['answers_ok']}/{r['requests']} answers in {r['seconds']} s, "
                  f"proxy RSS {r['rss_mb']} MB")
        print(f"{total_ok}/{total} answers, {ledger_rows} ledger rows; RSS growth in the last round "
              f"{growth:+.1f} MB")
    return 0 if total_ok == total == ledger_rows else 1


if __name__ == "__main__":
    sys.exit(main())
