"""`headroom perf`: the built-in corpus through the engine — savings, needles and latency per workload.

No terminal here (the CLI renders rows); no network. Originals go to a throwaway store so a benchmark never
fills the user's cache, and each workload runs cold (fresh memo) so latency is what a first request costs.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable


@dataclass
class PerfRow:
    name: str
    protocol: str
    tokens_before: int
    tokens_after: int
    saved_pct: float
    needles_total: int
    needles_kept: int  # verbatim in the compressed request
    needles_reachable: int  # kept, or inside an original one retrieval away
    latency_ms: float  # compress_request, cold (first run: nothing memoised)
    warm_ms: float  # same request again (memo hit: what a re-sent history costs)
    bytes_before: int
    blocks: int
    compressors: dict = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _strings(obj) -> Iterable[str]:
    """Every string value in a JSON-like object (needles are looked up in text, not in JSON escapes)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def run_workload(w, *, store=None, ratio: float = 0.3, repeat_warm: int = 3) -> PerfRow:
    import json

    from .compress.api import CompressConfig, compress_request
    from .compress.memo import Memo

    memo = Memo()
    cfg = CompressConfig(ratio=ratio, store=store, memo=memo)
    t0 = time.perf_counter()
    res = compress_request(w.body, w.protocol, cfg)
    cold = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(max(0, repeat_warm)):
        t0 = time.perf_counter()
        compress_request(w.body, w.protocol, cfg)
        warm.append((time.perf_counter() - t0) * 1000)

    text = "\n".join(_strings(res.body))
    originals = "\n".join(filter(None, (store.get(k) for k in res.keys))) if store is not None else ""
    kept = sum(1 for n in w.needles if n in text)
    reachable = sum(1 for n in w.needles if n in text or n in originals)
    before, after = res.tokens_before, res.tokens_after
    return PerfRow(
        name=w.name, protocol=w.protocol, tokens_before=before, tokens_after=after,
        saved_pct=round(100.0 * (before - after) / before, 1) if before else 0.0,
        needles_total=len(w.needles), needles_kept=kept, needles_reachable=reachable,
        latency_ms=round(cold, 2), warm_ms=round(statistics.median(warm), 2) if warm else 0.0,
        bytes_before=len(json.dumps(w.body, ensure_ascii=False).encode("utf-8")),
        blocks=len(res.blocks), compressors=dict(res.compressors), description=w.description,
    )


def run(workloads=None, *, ratio: float = 0.3, on_progress: Callable[[str, int, int], None] | None = None,
        store_dir: str | Path | None = None) -> list[PerfRow]:
    """Run every workload (default: `corpus.workloads()`); `on_progress(name, done, total)` after each."""
    from .ccr.store import Store
    from .corpus import workloads as corpus_workloads

    ws = list(workloads) if workloads is not None else corpus_workloads()
    rows: list[PerfRow] = []
    with tempfile.TemporaryDirectory(prefix="headroom-perf-", dir=store_dir) as d:
        store = Store(Path(d) / "perf.sqlite3")
        try:
            for i, w in enumerate(ws):
                if on_progress:
                    on_progress(w.name, i, len(ws))
                rows.append(run_workload(w, store=store, ratio=ratio))
            if on_progress:
                on_progress("", len(ws), len(ws))
        finally:
            store.close()
    return rows


def totals(rows: list[PerfRow]) -> dict:
    before = sum(r.tokens_before for r in rows)
    after = sum(r.tokens_after for r in rows)
    return {
        "tokens_before": before, "tokens_after": after,
        "saved_pct": round(100.0 * (before - after) / before, 1) if before else 0.0,
        "needles_total": sum(r.needles_total for r in rows),
        "needles_kept": sum(r.needles_kept for r in rows),
        "needles_reachable": sum(r.needles_reachable for r in rows),
        "latency_ms": round(sum(r.latency_ms for r in rows), 2),
        "warm_ms": round(sum(r.warm_ms for r in rows), 2),
    }
