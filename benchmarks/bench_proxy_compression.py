"""Compression through the proxy: (1) tokens saved on the benchmark corpus through `headroom proxy`
equal the library's (`compress_request`), workload by workload; (2) proxy overhead for a ~350 KB
request of new content with compression on, against going direct to the provider, interleaved in
one run (client, proxy and provider in separate processes).

    python benchmarks/bench_proxy_compression.py [-n 40] [--json]
"""
from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from bench_proxy import interleaved, pct, spawn, stop, timed_post  # noqa: E402

PATHS = {"anthropic": "/v1/messages", "openai_chat": "/v1/chat/completions", "openai_responses": "/v1/responses"}


def tool_texts(body: dict, protocol: str) -> list[str]:
    from headroom_cli.compress.protocols import sites as walk_sites

    return [s.text for s in walk_sites(body, protocol)]


def savings_equal() -> list[dict]:
    """Each corpus workload through an in-process proxy (to a recording fake) vs the library."""
    import asyncio

    import aiohttp

    from headroom_cli import corpus
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings
    from headroom_cli.compress.tokens import count_tokens
    from headroom_cli.testing.fake_provider import FakeProvider, Text

    rows = []
    with FakeProvider(lambda r: Text("ok")).in_thread() as fake, \
            ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                      retrieval="off")) as proxy:
        for w in corpus.workloads():
            async def send(body=w.body, path=PATHS[w.protocol]):
                async with aiohttp.ClientSession() as c:
                    async with c.post(proxy.url + path, json=body) as r:
                        await r.read()
            asyncio.run(send())
            forwarded = fake.model_requests[-1].json
            lib = compress_request(w.body, w.protocol, CompressConfig()).body
            before = sum(count_tokens(t) for t in tool_texts(w.body, w.protocol))
            via_proxy = sum(count_tokens(t) for t in tool_texts(forwarded, w.protocol))
            via_lib = sum(count_tokens(t) for t in tool_texts(lib, w.protocol))
            rows.append({"workload": w.name, "tool_tokens_before": before, "proxy_after": via_proxy,
                         "library_after": via_lib, "saved_pct": round(100 * (1 - via_proxy / before), 1),
                         "identical_body": forwarded == json.loads(json.dumps(lib))})
    return rows


def big_bodies(n: int, target_kb: int = 350) -> list[bytes]:
    """n distinct ~350 KB Claude Code-style requests: whole turns of the corpus session. Each tool call's
    input is tagged with the request number, so every tool result meets a new context and is
    compressed afresh (cold: no memo hits) while its content, and so its kind, stays as in the corpus."""
    from headroom_cli import corpus

    base = corpus.session_body(target_kb * 1024)
    out = []
    for i in range(n):
        body = copy.deepcopy(base)
        for m in body["messages"]:
            if isinstance(m.get("content"), list):
                for b in m["content"]:
                    if b.get("type") == "tool_use" and isinstance(b.get("input"), dict):
                        inp = dict(b["input"])
                        field = "command" if "command" in inp else "path"
                        inp[field] = str(inp.get(field, "")) + " " * (i + 1)  # same words, new context
                        b["input"] = inp
        out.append(json.dumps(body).encode())
    return out


def overhead(n: int, gap_ms: float) -> dict:
    home = tempfile.mkdtemp(prefix="hr-bench-")
    fake, fake_url = spawn([sys.executable, "-m", "headroom_cli.testing.fake_provider"], r"(http://\S+)", "stdout")
    proxy = None
    try:
        os.environ["HEADROOM_HOME"] = home  # the proxy's store of originals goes to a scratch dir
        proxy, proxy_url = spawn([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0", "--retrieval", "off",
                                  "--anthropic-upstream", fake_url], r"▸ (http://127\.0\.0\.1:\d+)", "stderr")
        bodies = big_bodies(n + 5)
        direct = http.client.HTTPConnection(urlsplit(fake_url).netloc, timeout=60)
        via = http.client.HTTPConnection(urlsplit(proxy_url).netloc, timeout=60)
        for b in bodies[:5]:  # warm-up (imports, store, connections)
            timed_post(direct, "/v1/messages", b)
            timed_post(via, "/v1/messages", b)
        # An agent runs its tools between requests; the proxy uses that gap for its accounting
        # (exact token counts are computed after the response, off the request path).
        d, v = interleaved(direct, via, "/v1/messages", bodies[5:], gap_ms)
        direct.close()
        via.close()
        return {"body_kb": round(len(bodies[-1]) / 1024), "n": n, "gap_ms": gap_ms, "direct_p50_ms": round(pct(d, 0.5), 2),
                "proxy_p50_ms": round(pct(v, 0.5), 2), "overhead_p50_ms": round(pct(v, 0.5) - pct(d, 0.5), 2),
                "paired_diff_median_ms": round(statistics.median(y - x for x, y in zip(d, v)), 2)}
    finally:
        stop(proxy, fake)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="cold requests per path (bounded)")
    ap.add_argument("--gap-ms", type=float, default=300, help="pause between request pairs (an agent's tool time)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    n = max(5, min(a.n, 500))
    os.environ.setdefault("HEADROOM_HOME", tempfile.mkdtemp(prefix="hr-bench-"))
    rows = savings_equal()
    ov = overhead(n, a.gap_ms)
    if a.json:
        print(json.dumps({"savings": rows, "overhead_350kb": ov}, indent=2))
        return 0
    print("tool-result tokens through the proxy vs the library (cl100k)")
    print(f"{'workload':<14} {'before':>8} {'proxy':>8} {'library':>8} {'saved':>7}  identical")
    for r in rows:
        print(f"{r['workload']:<14} {r['tool_tokens_before']:>8} {r['proxy_after']:>8} {r['library_after']:>8} "
              f"{r['saved_pct']:>6.1f}%  {r['identical_body']}")
    tb, tp, tl = (sum(r[k] for r in rows) for k in ("tool_tokens_before", "proxy_after", "library_after"))
    print(f"{'total':<14} {tb:>8} {tp:>8} {tl:>8} {100 * (1 - tp / tb):>6.1f}%")
    print(f"\nproxy overhead, {ov['body_kb']} KB request of new content, compression on, {ov['n']} interleaved "
          f"requests per path, {ov['gap_ms']:.0f} ms apart: direct p50 {ov['direct_p50_ms']} ms, via proxy p50 {ov['proxy_p50_ms']} ms, "
          f"overhead p50 {ov['overhead_p50_ms']} ms (paired median {ov['paired_diff_median_ms']} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
