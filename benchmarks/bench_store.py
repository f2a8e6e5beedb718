"""The store of originals on the hot path (issue 12: ≤ 15 ms added per request; issue 20: a shared store must
not add a round trip the SQLite path did not have): put (committed, as the proxy needs before forwarding) and get
latency of the embedded SQLite store and the PostgreSQL store, on this machine, interleaved round by round.

PostgreSQL: a throwaway cluster on loopback TCP, fsync on (a real server's durability), started like the tests'
(tests/pgcluster.py). Each round puts one new original of --size bytes (what one compressed tool result stores)
for a user, then gets it back. Prints medians and p90 per backend with the load average.

    python benchmarks/bench_store.py [--rounds 400] [--size 20000]

Then, SQLite alone: a re-put of 23 originals the store holds and that are fresh (what a resumed session's history
costs when a new process, its memo empty, compresses it again), median of 41.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--size", type=int, default=20_000)
    args = ap.parse_args()

    from pgcluster import create_database, start_server

    from headroom_cli.storage.postgres import PostgresBackend
    from headroom_cli.storage.sqlite import SqliteBackend

    server = start_server(durable=True)
    try:
        backends = {"sqlite": SqliteBackend(Path(tempfile.mkdtemp(prefix="hr-bench-store-"))),
                    "postgresql": PostgresBackend(create_database(server))}
        times: dict[str, dict[str, list[float]]] = {k: {"put": [], "get": []} for k in backends}
        line = "2026-11-23T10:00:00Z INFO worker processed batch {i} of round {r} in 12ms\n"
        for r in range(args.rounds + 20):
            for name, b in backends.items():
                o = b.originals("alice")
                text = "".join(line.format(i=i, r=r) for i in range(args.size // len(line) + 1))[:args.size]
                text = f"{name} {r}\n" + text
                t0 = time.perf_counter()
                key = o.put(text)
                t1 = time.perf_counter()
                got = o.get(key)
                t2 = time.perf_counter()
                assert got == text
                if r >= 20:  # warm: connections open, statements prepared
                    times[name]["put"].append((t1 - t0) * 1000)
                    times[name]["get"].append((t2 - t1) * 1000)
        load = os.getloadavg()
        print(f"{args.rounds} rounds, {args.size}-byte originals, interleaved; load average "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for name, t in times.items():
            for op in ("put", "get"):
                xs = sorted(t[op])
                p90 = xs[int(len(xs) * 0.9)]
                print(f"  {name:10} {op}: median {statistics.median(xs):.3f} ms, p90 {p90:.3f} ms")
        o = backends["sqlite"].originals("alice")
        held = [(f"held {k}\n" + line.format(i=k, r=0) * (15_000 // len(line)), None, {"kind": "log"})
                for k in range(23)]
        o.put_many(held)
        reput = []
        for _ in range(41):
            t0 = time.perf_counter()
            o.put_many(held)
            reput.append((time.perf_counter() - t0) * 1000)
        print(f"  sqlite     re-put of 23 held, fresh 15 KB originals: median {statistics.median(reput):.3f} ms")
        for b in backends.values():
            b.close()
    finally:
        server.stop()
        import shutil

        shutil.rmtree(server.base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
