"""A bounded fuzz run of the proxy (issue 15): malformed and hostile requests (headroom_cli.testing.hostile:
the hand-written cases, then seeded mutations of valid requests) against the proxy in this process, in front
of a fake upstream that misbehaves on request. Every answer is checked — no 5xx without a provider-shaped
body, no traceback to the client — then the proxy must serve normally and every forwarded request must
have its ledger row. Exit status 1 on any violation. Loopback only; user directories in a temp folder.

    python benchmarks/fuzz_proxy.py [--requests 5000] [--seed 15] [--concurrency 8] [--json]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5000, help="mutated requests (bounded: 100..50000)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    n = max(100, min(a.requests, 50_000))
    tmp = Path(tempfile.mkdtemp(prefix="headroom-fuzz-"))
    os.environ["HEADROOM_HOME"] = str(tmp / "home")  # the store of originals and the ledger stay in here

    import http.client

    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings
    from headroom_cli.stats.ledger import Ledger
    from headroom_cli.stats.recorder import Recorder
    from headroom_cli.testing import hostile
    from headroom_cli.testing.fake_provider import FakeProvider

    rng = random.Random(a.seed)
    cases = hostile.hand_written() + [hostile.mutated(rng) for _ in range(n)]
    fake = FakeProvider(hostile.upstream_script)
    fake.start_thread()
    fake.requests = _Discard()
    ledger = Ledger(tmp / "ledger.db")
    recorder = Recorder(ledger)
    proxy = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                      max_body_bytes=hostile.BOMB_LIMIT, on_record=recorder)).start().wait_ready(30)
    t0 = time.perf_counter()
    try:
        results = asyncio.run(_send_all(proxy.port, cases, a.concurrency, hostile))
        elapsed = time.perf_counter() - t0
        violations = [v for c, ans in results for v in hostile.check(c, ans)]
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
        conn.request("POST", "/v1/messages", body=json.dumps(hostile.valid_body("/v1/messages")).encode(),
                     headers=hostile.headers_for("/v1/messages"))
        r = conn.getresponse()
        serves = r.status == 200 and json.loads(r.read()).get("type") == "message"
        forwarded = [ans for c, ans in results if c.forwarded]
        refused = sum(ans.status == 403 for ans in forwarded)  # a guard refusal needs no row
        expected_min, expected_max = len(forwarded) - refused + 1, len(forwarded) + 1  # + the normal request
        rows, end = 0, time.monotonic() + 60
        while time.monotonic() < end:
            recorder.flush(30)
            rows = ledger.count()
            if rows >= expected_min:
                break
            time.sleep(0.05)
    finally:
        proxy.stop(grace=1)
        fake.stop_thread()
        recorder.close()
    statuses = collections.Counter(ans.status for _, ans in results)
    cut = sum(ans.cut for _, ans in results)
    accounted = expected_min <= rows <= expected_max
    report = {"benchmark": "fuzz_proxy", "requests": len(cases), "mutated": n, "seed": a.seed,
              "seconds": round(elapsed, 1), "statuses": dict(sorted(statuses.items())), "cut_answers": cut,
              "violations": violations[:50], "violation_count": len(violations), "serves_afterwards": serves,
              "ledger_rows": rows, "ledger_rows_expected": [expected_min, expected_max], "accounted": accounted}
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"fuzz: {len(cases)} requests ({n} mutated, seed {a.seed}) in {elapsed:.1f} s")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + f"; {cut} answers cut")
        print(f"violations: {len(violations)}; serves afterwards: {serves}; ledger rows {rows} "
              f"(expected {expected_min}..{expected_max})")
        for v in violations[:20]:
            print("  " + v)
    return 0 if not violations and serves and accounted else 1


async def _send_all(port, cases, concurrency, hostile):
    sem = asyncio.Semaphore(concurrency)
    async with hostile.Client("127.0.0.1", port) as client:
        async def one(case):
            async with sem:
                return case, await client.send(case)

        return await asyncio.gather(*(one(c) for c in cases))


class _Discard(list):
    def append(self, item) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
