"""Several `headroom proxy` instances behind a load balancer (issue 21): requests per second and the latency
headroom adds, for one instance on the default SQLite store, one instance on a PostgreSQL store, and three
instances on that PostgreSQL store behind HAProxy (the PostgreSQL setups with durable records, as a fleet runs;
one more without them, to show what they cost). Every request carries a 400-line log as its tool result,
unique to the request, so every one is compressed and stores its original. Each setup serves the same load
(`--clients` concurrent clients x `--requests` each, half of them streamed) in interleaved rounds; the figures
are the medians over rounds. "Added" latency = a percentile of the latency through the setup minus the same
percentile of the latency straight to the fake provider (measured in the same rounds).

Everything runs on this machine: the fake provider (a process of its own), the proxies, HAProxy, PostgreSQL and
this load generator share its cores, so the figures show headroom's overhead, not how it scales across machines.

    python benchmarks/bench_fleet.py [--rounds 5] [--clients 20] [--requests 10] [--store postgresql://…] [--json]

Without `--store`, a throwaway PostgreSQL cluster is started (initdb/pg_ctl on PATH; as the `postgres` user when
run as root) and removed afterwards; without PostgreSQL only the SQLite setup runs. HAProxy must be installed
(Debian: apt-get install -y haproxy).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fleet's servers: tests/servers (proxies, HAProxy, PostgreSQL)

HEADERS = {"x-api-key": "sk-bench", "anthropic-version": "2023-06-01", "content-type": "application/json"}


def body(client: int, i: int, run: int, stream: bool) -> bytes:
    from servers.fleet import request_body

    b, _ = request_body(client * 1000 + run, i, stream=stream)  # unique per request and round: a new original
    return json.dumps(b).encode()


async def load(url: str, clients: int, requests: int, run: int) -> tuple[float, list[float], int]:
    """(requests per second, latencies in ms, failures) of `clients` x `requests` against `url`."""
    import aiohttp

    lat: list[float] = []
    failures = 0
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=120)) as s:
        async def client(c: int) -> None:
            nonlocal failures
            for i in range(requests):
                data = body(c, i, run, stream=(c + i) % 2 == 0)
                t0 = time.perf_counter()
                try:
                    async with s.post(url + "/v1/messages", data=data, headers=HEADERS) as r:
                        await r.read()
                        ok = r.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    lat.append((time.perf_counter() - t0) * 1000)
                else:
                    failures += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(clients)))
        wall = time.perf_counter() - t0
    return (clients * requests - failures) / wall, lat, failures


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] if xs else float("nan")


def start_fake() -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli.testing.fake_provider"], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None
    return p, p.stdout.readline().strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=10, help="per client per round")
    ap.add_argument("--store", default="", help="a PostgreSQL URL (default: a throwaway cluster)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)

    from servers.balancer import Balancer
    from servers.proxies import start_proxy

    tmp = Path(tempfile.mkdtemp(prefix="headroom-bench-fleet-"))
    fake, upstream = start_fake()
    cleanup = [fake.terminate]
    setups: dict[str, str] = {"direct to the fake provider": upstream}
    notes: list[str] = []
    try:
        def proxy(home: str, *args: str, env: dict | None = None):
            p = start_proxy("--anthropic-upstream", upstream, *args,
                            env={"HEADROOM_HOME": str(tmp / home), **(env or {})})
            cleanup.append(p.stop)
            return p

        setups["1 instance, SQLite"] = proxy("sqlite").url
        store = a.store
        if not store:
            try:
                from servers.postgres import throwaway_cluster

                cluster = throwaway_cluster(tmp / "pg")
                cleanup.append(cluster.stop)
                store = cluster.url
            except Exception as e:  # no PostgreSQL here: the SQLite setup only
                notes.append(f"PostgreSQL setups skipped: {type(e).__name__}: {e}")
        if store:
            fleet_env = {"HEADROOM_DURABLE_RECORDS": "1"}
            setups["1 instance, PostgreSQL"] = proxy("pg1", "--store", store, env=fleet_env).url
            # what durable records cost: the same, its rows written after the answers (the local default)
            setups["1 instance, PostgreSQL, rows after answers"] = proxy("pg1b", "--store", store).url
            three = [proxy(f"pg3-{i}", "--store", store, env=fleet_env) for i in range(3)]
            lb = Balancer([p.port for p in three]).start()
            cleanup.append(lb.stop)
            if not lb.wait_states({f"p{i}": "UP" for i in range(3)}):
                raise RuntimeError(f"instances not up behind HAProxy: {lb.servers()}")
            setups["3 instances, PostgreSQL, HAProxy"] = lb.url

        # a warm-up round (imports, pools, the BPE file), not counted
        for url in setups.values():
            asyncio.run(load(url, a.clients, 2, run=0))
        runs: dict[str, list[dict]] = {name: [] for name in setups}
        names = list(setups)
        for r in range(1, a.rounds + 1):
            order = names[r % len(names):] + names[:r % len(names)]  # interleaved, a different order each round
            for name in order:
                rps, lat, failed = asyncio.run(load(setups[name], a.clients, a.requests, run=r))
                runs[name].append({"rps": rps, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "failed": failed,
                                   "load": os.getloadavg()[0]})
    finally:
        for stop in reversed(cleanup):
            try:
                stop()
            except Exception:
                pass

    base = runs.get("direct to the fake provider", [])
    out = []
    for name, rs in runs.items():
        row = {"setup": name, "rounds": len(rs),
               "rps": statistics.median(x["rps"] for x in rs),
               "p50_ms": statistics.median(x["p50"] for x in rs),
               "p99_ms": statistics.median(x["p99"] for x in rs),
               "failed": sum(x["failed"] for x in rs),
               "load_avg": statistics.median(x["load"] for x in rs)}
        if base and name != "direct to the fake provider":
            row["added_p50_ms"] = statistics.median(x["p50"] - b["p50"] for x, b in zip(rs, base))
            row["added_p99_ms"] = statistics.median(x["p99"] - b["p99"] for x, b in zip(rs, base))
        out.append(row)
    if a.json:
        print(json.dumps({"clients": a.clients, "requests": a.requests, "rounds": a.rounds, "cpus": os.cpu_count(),
                          "setups": out, "notes": notes}, indent=2))
        return 0
    print(f"{a.clients} clients x {a.requests} requests per round, {a.rounds} interleaved rounds, "
          f"{os.cpu_count()} CPUs shared by everything; medians over rounds")
    print(f"{'setup':44} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10} {'load':>5}")
    for row in out:
        print(f"{row['setup']:44} {row['rps']:7.1f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
              f"{row.get('added_p50_ms', 0):10.1f} {row.get('added_p99_ms', 0):10.1f} {row['load_avg']:5.1f}"
              + (f"  ({row['failed']} failed)" if row["failed"] else ""))
    for n in notes:
        print(n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
