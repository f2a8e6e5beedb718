"""Shared test helpers for the engine tests: a tiny deterministic fake compressor that records contexts."""
from __future__ import annotations

from headroom_cli.ccr.store import key_for
from headroom_cli.compress.base import Context, Result


class FakeCompressor:
    """Keeps the first two lines and a marker with the block's key; records every (text, ctx) it sees."""

    version = "fake-1"

    def __init__(self):
        self.seen: list[tuple[str, Context]] = []

    def __call__(self, text: str, ctx: Context):
        self.seen.append((text, ctx))
        lines = text.split("\n")
        if len(lines) < 6:
            return None
        head = "\n".join(lines[:2])
        return Result(f"{head}\n[… {len(lines) - 2} lines omitted; {ctx.marker_tool} key={key_for(text)}]",
                      True, "fake", "text")

    def ctx_for(self, needle: str) -> Context:
        for text, ctx in self.seen:
            if needle in text:
                return ctx
        raise AssertionError(f"compressor never saw {needle!r}")


def big(label: str, n: int = 80) -> str:
    return "\n".join(f"{label} line {i}: some tool output with words and numbers {i * 7}" for i in range(n)) + "\n"
