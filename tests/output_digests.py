"""Digests of what the engine and the proxy pipeline produce for a fixed set of inputs: the corpus at three
ratios, the real request fixtures (when ../shared is beside the checkout) and seeded property-test requests.

A restructuring must leave every digest as it is (tests/test_output_digests.py). A deliberate change of output
re-records them:  python tests/output_digests.py --write
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "fixtures" / "output_digests.json"
REAL = HERE.parent.parent / "shared" / "fixtures" / "real_requests"
REAL_FILES = {"claude-code-2.1.330.jsonl": "anthropic", "codex-0.169.0.jsonl": "openai_responses"}


class MemStore:
    """An in-memory store of originals, so digests do not depend on the user's store."""

    path = ""
    ttl = 3600

    def __init__(self):
        self.items: dict[str, str] = {}

    def put_many(self, items, *, ttl=None):
        from headroom_cli.ccr.store import key_for

        out = []
        for text, key, _meta in items:
            key = key or key_for(text)
            self.items[key] = text
            out.append(key)
        return out

    def get(self, key):
        return self.items.get(key)


def _h(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, ensure_ascii=False, sort_keys=False).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:24]


def inputs() -> list[tuple[str, dict, str]]:
    """(name, body, protocol) for every recorded input."""
    sys.path.insert(0, str(HERE))
    from test_properties import KINDS, build_aider, build_request

    from headroom_cli import corpus

    out: list[tuple[str, dict, str]] = []
    for w in corpus.workloads():
        if "host" not in w.tags:  # a workload read from this machine (its Python's stdlib) differs elsewhere
            out.append((f"corpus/{w.name}", w.body, w.protocol))
    for fname, proto in REAL_FILES.items():
        p = REAL / fname
        if p.exists():
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines()):
                if line.strip():
                    out.append((f"real/{fname}/{i}", json.loads(line), proto))
    for seed in range(48):
        r = random.Random(seed)
        protocol = ("anthropic", "openai_chat", "openai_responses")[seed % 3]
        steps = [(r.choice(KINDS), r.randrange(10_000), r.randrange(5), r.choice(["", "", "crlf", "unicode", "longline"]))
                 for _ in range(r.randint(1, 4))]
        if seed % 8 == 7 and protocol != "openai_responses":
            out.append((f"seeded/aider/{seed}", build_aider(protocol, steps), protocol))
        else:
            out.append((f"seeded/{seed}", build_request(protocol, steps, noise=bool(seed % 2)), protocol))
    return out


def engine_digest(body: dict, protocol: str, ratio: float) -> str:
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.compress.memo import Memo

    store = MemStore()
    r = compress_request(body, protocol, CompressConfig(ratio=ratio, store=store, memo=Memo()))
    blocks = [[list(b.path), b.compressor, b.kind, bool(b.lossy), b.key, b.est_before, b.est_after, b.origin] for b in r.blocks]
    return _h(r.body, blocks, r.tokens_before, r.tokens_after, sorted(store.items.items()))


def proxy_digest(body: dict, protocol: str, **settings) -> str:
    from headroom_cli.proxy import pipeline
    from headroom_cli.proxy.settings import ProxySettings

    store = MemStore()
    import headroom_cli.ccr.store as store_mod

    old = store_mod.default_store
    store_mod.default_store = lambda *a, **k: store  # the pipeline opens the user's store by default
    try:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        rctx = pipeline.RequestContext(protocol=protocol, path="/v1/messages" if protocol == "anthropic" else
                                       ("/v1/responses" if protocol == "openai_responses" else "/v1/chat/completions"),
                                       settings=ProxySettings(session_id="digest", **settings))
        t = pipeline.transform_request(raw, rctx)
        figures = list(t.figures()) if t.figures else None
    finally:
        store_mod.default_store = old
    return _h(t.body, t.changed, t.tokens_before, t.tokens_after, t.compressors, t.keys, figures, t.output_arm)


def compute() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, body, protocol in inputs():
        for ratio in (0.3, 0.1, 0.6) if name.startswith("corpus/") else (0.3,):
            out[f"engine/{name}@{ratio}"] = engine_digest(body, protocol, ratio)
        out[f"proxy/{name}"] = proxy_digest(body, protocol)
        if not name.startswith("seeded/"):
            out[f"proxy-reduce/{name}"] = proxy_digest(body, protocol, reduce_output=True, output_level=3)
            out[f"proxy-off/{name}"] = proxy_digest(body, protocol, retrieval="off")
    return out


if __name__ == "__main__":
    if "--write" in sys.argv:
        d = compute()
        RECORDED.write_text(json.dumps(d, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {len(d)} digests to {RECORDED}")
    else:
        print(json.dumps(compute(), indent=1, sort_keys=True))
