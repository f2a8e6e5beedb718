"""The hot path as issue #12 measures it: what `headroom proxy` adds to a request the client waits for.

Protocol: `headroom proxy` in its default mode (retrieve tool injected) in front of the fake provider
(`headroom_cli.testing.fake_provider`), client, proxy and provider in three processes on loopback. Every request
is an Anthropic turn whose tool result is a ~350 KB JSON listing of ~300 records with new content each time (no
memo hits), sent on a new connection, back to back with no pause, interleaved with the same request sent direct
to the provider (alternating which goes first). Rounds repeat the whole interleaving; each round gives a median
per path, and the report quotes the median of the round medians with their spread (min–max).

Passthrough (nothing compressed, same bodies): the `x-headroom-bypass` header on the same proxy (JSON and SSE)
and a second proxy started with `--no-compress`. The engine's own `compress_request` on the same kind of body is
timed in this process first, as the yardstick (target: added p50 ≤ engine + 5 ms, ≤ 15 ms; passthrough ≤ 2 ms).

    python benchmarks/bench_hot_path.py [--rounds 7] [-n 30] [--json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from bench_proxy import HEADERS, spawn, stop  # noqa: E402

_WORDS = ("cache config client request session token upstream retry timeout handler payment invoice ledger "
          "order refund customer shipment warehouse carrier parcel account billing report export import "
          "schedule").split()
_CITIES = ("Lisbon", "Berlin", "Oslo", "Lyon", "Porto", "Ghent", "Turin", "Graz", "Malmo", "Cork")


def listing(r: random.Random, n: int = 300) -> str:
    """An orders API listing of `n` records (~1.15 KB each, pretty-printed), every value drawn from `r`."""
    recs = []
    for _ in range(n):
        recs.append({
            "id": f"ord_{r.getrandbits(40):010x}",
            "customer": {"id": f"cus_{r.getrandbits(32):08x}", "name": f"{r.choice(_WORDS).title()} Ltd",
                         "email": f"{r.choice(_WORDS)}.{r.getrandbits(16):04x}@example.com",
                         "tier": r.choice(["free", "pro", "enterprise"])},
            "status": r.choice(["paid", "paid", "paid", "shipped", "refunded"]),
            "amount": {"value": r.randint(500, 99999) / 100, "currency": "EUR"},
            "lines": [{"sku": f"SKU-{r.randint(10000, 99999)}", "name": f"{r.choice(_WORDS)} {r.choice(_WORDS)}",
                       "qty": r.randint(1, 9), "unit_price": r.randint(100, 9999) / 100} for _ in range(2)],
            "shipping": {"street": f"{r.randint(1, 250)} {r.choice(_WORDS).title()} Street",
                         "city": r.choice(_CITIES), "zip": f"{r.randint(10000, 99999)}", "country": "EU"},
            "created_at": f"2026-11-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z",
            "updated_at": f"2026-11-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z",
            "invoice": f"INV-2026-{r.randint(100000, 999999)}",
            "note": " ".join(r.choice(_WORDS) for _ in range(r.randint(8, 16))),
            "tags": sorted(r.sample(_WORDS, 2)),
        })
    return json.dumps({"data": recs, "has_more": False, "total": n}, indent=2)


def request_body(seed: str, *, stream: bool) -> bytes:
    """One Claude Code-like turn: the user asks, the model ran a tool, its result is the listing."""
    r = random.Random(seed)
    tid = f"toolu_{r.getrandbits(64):016x}"
    body = {
        "model": "claude-bench", "max_tokens": 1024, "stream": stream,
        "system": [{"type": "text", "text": "You are a coding agent. Keep answers short."}],
        "tools": [{"name": "Bash", "description": "Run a shell command.",
                   "input_schema": {"type": "object", "properties": {"command": {"type": "string"}},
                                    "required": ["command"]}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Which orders were refunded this week?"}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me list the orders."},
                {"type": "tool_use", "id": tid, "name": "Bash",
                 "input": {"command": "curl -s https://orders.internal/api/v1/orders?limit=300"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": listing(r)}]},
        ],
    }
    return json.dumps(body).encode()


def fresh_post(netloc: str, body: bytes, extra_headers: dict | None = None) -> tuple[float, float]:
    """POST on a new connection; (ms until the response head, ms until the whole answer is read)."""
    host, port = netloc.rsplit(":", 1)
    t = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("POST", "/v1/messages", body=body, headers={**HEADERS, **(extra_headers or {})})
        resp = conn.getresponse()
        t_head = time.perf_counter()
        data = resp.read()
        t_end = time.perf_counter()
    finally:
        conn.close()
    if resp.status != 200 or not data:
        raise SystemExit(f"unexpected answer {resp.status}: {data[:300]!r}")
    return (t_head - t) * 1000, (t_end - t) * 1000


def engine_ms(n: int) -> list[float]:
    """`compress_request` alone on n new bodies (scratch store, fresh memo): the yardstick."""
    from headroom_cli.ccr.store import Store
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.compress.memo import Memo

    store = Store(Path(tempfile.mkdtemp(prefix="hr-bench-store-")) / "o.sqlite3")
    memo = Memo()
    out = []
    for i in range(n + 2):
        body = json.loads(request_body(f"engine-{i}", stream=False))
        t = time.perf_counter()
        res = compress_request(body, "anthropic", CompressConfig(store=store, memo=memo))
        dt = (time.perf_counter() - t) * 1000
        assert res.changed, "the listing must be compressed"
        if i >= 2:  # the first two pay for imports and regex compilation
            out.append(dt)
    store.close()
    return out


VARIANTS = {
    # name: (which proxy, stream, extra headers)
    "compressed json": ("default", False, None),
    "compressed sse": ("default", True, None),
    "bypass json": ("default", False, {"x-headroom-bypass": "1"}),
    "bypass sse": ("default", True, {"x-headroom-bypass": "1"}),
    "no-compress json": ("nocompress", False, None),
}


def run(rounds: int, n: int, warmup: int) -> dict:
    home = tempfile.mkdtemp(prefix="hr-bench-home-")
    env_home = os.environ.get("HEADROOM_HOME")
    os.environ["HEADROOM_HOME"] = home  # the proxies' store of originals and ledger go to a scratch dir
    procs = []
    try:
        fake, fake_url = spawn([sys.executable, "-m", "headroom_cli.testing.fake_provider"], r"(http://\S+)", "stdout")
        procs.append(fake)
        urls = {}
        for name, flags in (("default", []), ("nocompress", ["--no-compress"])):
            p, url = spawn([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0", *flags,
                            "--anthropic-upstream", fake_url], r"▸ (http://127\.0\.0\.1:\d+)", "stderr")
            procs.append(p)
            urls[name] = urlsplit(url).netloc
        direct = urlsplit(fake_url).netloc
        for i in range(warmup):  # imports, the BPE file, the store, the engine's regexes
            for v, (which, stream, hdrs) in VARIANTS.items():
                b = request_body(f"warm-{v}-{i}", stream=stream)
                fresh_post(direct, b)
                fresh_post(urls[which], b, hdrs)
        per_round: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        names = list(VARIANTS)
        for rnd in range(rounds):
            order = names[rnd % len(names):] + names[:rnd % len(names)]  # rotate which variant runs first
            for v in order:
                which, stream, hdrs = VARIANTS[v]
                bodies = [request_body(f"{v}-{rnd}-{i}", stream=stream) for i in range(n)]  # built before timing
                d, p, ph = [], [], []
                for i, b in enumerate(bodies):  # back to back, no pause; alternate which goes first
                    if i % 2:
                        d.append(fresh_post(direct, b)[1])
                        head, full = fresh_post(urls[which], b, hdrs)
                    else:
                        head, full = fresh_post(urls[which], b, hdrs)
                        d.append(fresh_post(direct, b)[1])
                    p.append(full)
                    ph.append(head)
                per_round[v].append({"direct": statistics.median(d), "proxy": statistics.median(p),
                                     "proxy_head": statistics.median(ph),
                                     "paired": statistics.median(y - x for x, y in zip(d, p))})
        body_kb = round(len(request_body("size", stream=False)) / 1024)
    finally:
        stop(*reversed(procs))
        if env_home is None:
            os.environ.pop("HEADROOM_HOME", None)
        else:
            os.environ["HEADROOM_HOME"] = env_home
    rows = []
    for v, rs in per_round.items():
        added = [r["proxy"] - r["direct"] for r in rs]
        rows.append({"variant": v, "rounds": len(rs), "n_per_round": n,
                     "direct_p50_ms": round(statistics.median(r["direct"] for r in rs), 2),
                     "proxy_p50_ms": round(statistics.median(r["proxy"] for r in rs), 2),
                     "proxy_head_p50_ms": round(statistics.median(r["proxy_head"] for r in rs), 2),
                     "added_p50_ms": round(statistics.median(added), 2),
                     "added_min_ms": round(min(added), 2), "added_max_ms": round(max(added), 2),
                     "paired_p50_ms": round(statistics.median(r["paired"] for r in rs), 2)})
    return {"body_kb": body_kb, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds (bounded)")
    ap.add_argument("-n", type=int, default=30, help="request pairs per variant and round (bounded)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    rounds, n = max(1, min(a.rounds, 50)), max(4, min(a.n, 500))
    eng = engine_ms(max(10, min(3 * n, 100)))
    res = run(rounds, n, max(1, min(a.warmup, 20)))
    res["engine_p50_ms"] = round(statistics.median(eng), 2)
    res["cpus"] = os.cpu_count()
    if a.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"hot path: {res['body_kb']} KB Anthropic request, tool result = JSON listing of 300 records, new "
          f"content every request, new connection per request, back to back; {rounds} rounds x {n} interleaved "
          f"pairs per variant ({res['cpus']} CPUs)")
    print(f"engine alone (compress_request, cold): p50 {res['engine_p50_ms']} ms over {len(eng)} bodies")
    print(f"{'variant':<17} {'direct p50':>10} {'proxy p50':>10} {'head p50':>9} {'added p50':>10} "
          f"{'spread (round p50s)':>20} {'paired p50':>11}")
    for r in res["rows"]:
        spread = f"{r['added_min_ms']:.1f} – {r['added_max_ms']:.1f}"
        print(f"{r['variant']:<17} {r['direct_p50_ms']:>8.2f}ms {r['proxy_p50_ms']:>8.2f}ms "
              f"{r['proxy_head_p50_ms']:>7.2f}ms {r['added_p50_ms']:>8.2f}ms {spread:>18}ms "
              f"{r['paired_p50_ms']:>9.2f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
