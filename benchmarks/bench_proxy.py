"""Proxy overhead: a 100 KB passthrough request sent directly to a fake provider and through
`headroom proxy`, interleaved in one run, like the real set-up (three processes: client, proxy,
provider). Prints p50/p95 per path and the overhead; `--json` for machines.

    python benchmarks/bench_proxy.py [-n 300] [--size-kb 100] [--json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

HEADERS = {"Content-Type": "application/json", "x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01"}


def body_of(size_kb: int, stream: bool) -> bytes:
    """An Anthropic request whose bulk is user text: nothing for a compressor to touch (passthrough)."""
    words = ("The quick brown fox jumps over the lazy dog while the proxy relays every byte. " * 2000)
    doc = {"model": "claude-bench", "max_tokens": 64, "stream": stream,
           "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]}
    pad = size_kb * 1024 - len(json.dumps(doc))
    doc["messages"][0]["content"][0]["text"] = words[:max(0, pad)]
    return json.dumps(doc).encode()


def spawn(args: list[str], pattern: str, stream: str) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    src = p.stdout if stream == "stdout" else p.stderr
    assert src is not None
    for line in src:
        m = re.search(pattern, line)
        if m:
            return p, m.group(1)
    p.kill()
    raise SystemExit(f"could not start: {' '.join(args)}")


def timed_post(conn: http.client.HTTPConnection, path: str, body: bytes) -> float:
    t = time.perf_counter()
    conn.request("POST", path, body=body, headers=HEADERS)
    r = conn.getresponse()
    data = r.read()
    dt = time.perf_counter() - t
    if r.status != 200 or not data:
        raise SystemExit(f"unexpected answer {r.status}: {data[:200]!r}")
    return dt * 1000


def interleaved(direct: http.client.HTTPConnection, via: http.client.HTTPConnection, path: str,
                bodies: list[bytes], gap_ms: float = 0.0) -> tuple[list[float], list[float]]:
    """Each body sent both ways, alternating which goes first so drift hits both paths alike;
    (direct ms, via-proxy ms) per body. `gap_ms`: a pause before each pair (an agent's tool time)."""
    d, v = [], []
    for i, b in enumerate(bodies):
        if gap_ms:
            time.sleep(gap_ms / 1000)
        if i % 2:
            x, y = timed_post(direct, path, b), timed_post(via, path, b)
        else:
            y, x = timed_post(via, path, b), timed_post(direct, path, b)
        d.append(x)
        v.append(y)
    return d, v


def stop(*procs: subprocess.Popen | None) -> None:
    """Interrupt each started process; kill what has not exited within 10 s."""
    for p in procs:
        if p is not None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="requests per path and mode (bounded)")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--size-kb", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    n = max(10, min(a.n, 5000))

    fake, fake_url = spawn([sys.executable, "-m", "headroom_cli.testing.fake_provider"], r"(http://\S+)", "stdout")
    proxy = None
    try:
        proxy, proxy_url = spawn([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0",
                                  "--anthropic-upstream", fake_url], r"▸ (http://127\.0\.0\.1:\d+)", "stderr")
        rows = []
        for mode in ("json", "sse"):
            body = body_of(a.size_kb, stream=mode == "sse")
            direct = http.client.HTTPConnection(urlsplit(fake_url).netloc, timeout=30)
            via = http.client.HTTPConnection(urlsplit(proxy_url).netloc, timeout=30)
            for _ in range(a.warmup):
                timed_post(direct, "/v1/messages", body)
                timed_post(via, "/v1/messages", body)
            d, v = interleaved(direct, via, "/v1/messages", [body] * n)
            diff = [y - x for x, y in zip(d, v)]
            direct.close()
            via.close()
            rows.append({
                "mode": mode, "body_bytes": len(body), "n": n,
                "direct_p50_ms": round(pct(d, 0.5), 3), "direct_p95_ms": round(pct(d, 0.95), 3),
                "proxy_p50_ms": round(pct(v, 0.5), 3), "proxy_p95_ms": round(pct(v, 0.95), 3),
                "overhead_p50_ms": round(pct(v, 0.5) - pct(d, 0.5), 3),
                "overhead_p95_ms": round(pct(v, 0.95) - pct(d, 0.95), 3),
                "paired_diff_median_ms": round(statistics.median(diff), 3),
            })
    finally:
        stop(proxy, fake)

    if a.json:
        print(json.dumps({"benchmark": "proxy_overhead", "cpus": os.cpu_count(), "rows": rows}, indent=2))
        return 0
    print(f"proxy overhead, {a.size_kb} KB passthrough request, {n} interleaved requests per path "
          f"({os.cpu_count()} CPUs)")
    print(f"{'mode':<5} {'direct p50':>11} {'direct p95':>11} {'proxy p50':>10} {'proxy p95':>10} "
          f"{'overhead p50':>13} {'overhead p95':>13} {'paired median':>14}")
    for r in rows:
        print(f"{r['mode']:<5} {r['direct_p50_ms']:>9.3f}ms {r['direct_p95_ms']:>9.3f}ms {r['proxy_p50_ms']:>8.3f}ms "
              f"{r['proxy_p95_ms']:>8.3f}ms {r['overhead_p50_ms']:>11.3f}ms {r['overhead_p95_ms']:>11.3f}ms "
              f"{r['paired_diff_median_ms']:>12.3f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
