"""Emulates provider prompt caching the way Anthropic renders a prompt: tools, then system, then
messages. The longest common prefix with the session's previous request (ignoring `cache_control`,
which clients move every turn) is billed as a cache read; the rest as fresh input.

Units are characters of a canonical rendering divided by 4 — the ratio, not the absolute, matters.
"""
from __future__ import annotations

import json


def _strip_cc(x):
    if isinstance(x, dict):
        return {k: _strip_cc(v) for k, v in x.items() if k != "cache_control"}
    if isinstance(x, list):
        return [_strip_cc(v) for v in x]
    return x


def render(body: dict) -> str:
    parts = []
    for t in body.get("tools") or []:
        parts.append(json.dumps(_strip_cc(t), sort_keys=True, ensure_ascii=False))
    system = body.get("system")
    if isinstance(system, str):
        parts.append(system)
    elif isinstance(system, list):
        parts.extend(json.dumps(_strip_cc(b), sort_keys=True, ensure_ascii=False) for b in system)
    for m in body.get("messages") or body.get("input") or []:
        parts.append(json.dumps(_strip_cc(m), sort_keys=True, ensure_ascii=False))
    return "\x1e".join(parts)


def common_prefix_len(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo = 0
    # compare in big strides first: linear and fast for long equal prefixes
    step = 4096
    while lo + step <= n and a[lo:lo + step] == b[lo:lo + step]:
        lo += step
    while lo < n and a[lo] == b[lo]:
        lo += 1
    return lo


class PromptCache:
    """One session's cache. `bill(body)` returns (cache_read_tokens, uncached_tokens)."""

    def __init__(self):
        self.previous = ""
        self.cache_read = 0
        self.uncached = 0
        self.reusable = 0  # characters of previous requests that could have been read back
        self.hit = 0  # characters actually read back

    def bill(self, body: dict) -> tuple[int, int]:
        text = render(body)
        hit = common_prefix_len(self.previous, text)
        self.reusable += len(self.previous)
        self.hit += hit
        self.previous = text
        read, fresh = hit // 4, (len(text) - hit) // 4
        self.cache_read += read
        self.uncached += fresh
        return read, fresh

    @property
    def read_share(self) -> float:
        total = self.cache_read + self.uncached
        return self.cache_read / total if total else 0.0

    @property
    def prefix_hit_rate(self) -> float:
        """Share of each previous request found again as the next one's prefix (1.0: nothing busted)."""
        return self.hit / self.reusable if self.reusable else 1.0

    def billed_input(self, read_price: float = 0.1) -> float:
        return self.uncached + read_price * self.cache_read
