"""What a framework wrapper saved, per call and in total, in the engine's own figures.

Every call's `CompressResult` is kept until someone asks for the figures: exact counting (tiktoken, ~90 ms per
350 KB) then runs once per block, off the call path, and the result (which holds the call's messages) is dropped.
The basis is the engine's: exact `cl100k_base` tokens of the messages as the engine saw them (their OpenAI Chat
rendering), before and after compression — not the provider's billed tokens.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_PENDING = 64  # results kept uncounted at most; older ones are counted when a new one arrives


@dataclass
class CallSavings:
    """One model call: the engine's exact figures for what it was sent, and what headroom did to it."""

    tokens_before: int
    tokens_after: int
    tokens_saved: int
    by_compressor: dict[str, int] = field(default_factory=dict)  # compressor → tokens it saved
    documents: int = 0  # user strings with documents compressed
    tool_results: int = 0  # tool results compressed
    keys: list[str] = field(default_factory=list)  # retrieval keys of the originals stored for this call
    retrievals: int = 0  # headroom_retrieve calls the wrapper answered during this call
    encoding: str = ""  # the tokenizer behind the figures

    def to_dict(self) -> dict:
        return asdict(self)


class _Pending:
    def __init__(self, res: Any):
        self.res = res
        self.retrievals = 0
        self.done: CallSavings | None = None


def _count(p: _Pending) -> CallSavings:
    res = p.res
    by: dict[str, int] = {}
    docs = tools = 0
    for b in res.blocks:
        before, after = b.exact()
        by[b.compressor] = by.get(b.compressor, 0) + before - after
        if b.origin == "document":
            docs += 1
        else:
            tools += 1
    saved = sum(by.values())
    before = res.tokens_before
    return CallSavings(before, before - saved, saved, by, docs, tools, list(res.keys), p.retrievals, res.encoding)


class Savings:
    """The calls of one wrapper (and of every copy `bind_tools` made of it). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[_Pending] = []

    def add(self, res: Any) -> _Pending:
        """Record one call's `CompressResult`; the handle counts the retrievals answered for it."""
        p = _Pending(res)
        with self._lock:
            self._calls.append(p)
            pending = [c for c in self._calls if c.done is None]
        for old in pending[:-MAX_PENDING]:
            self._settle(old)
        return p

    def retrieved(self, handle: _Pending, n: int = 1) -> None:
        with self._lock:
            handle.retrievals += n
            if handle.done is not None:
                handle.done.retrievals = handle.retrievals

    def _settle(self, p: _Pending) -> CallSavings:
        if p.done is None:
            done = _count(p)
            with self._lock:
                if p.done is None:
                    done.retrievals = p.retrievals
                    p.done, p.res = done, None
        return p.done  # type: ignore[return-value]

    @property
    def calls(self) -> list[CallSavings]:
        with self._lock:
            calls = list(self._calls)
        return [self._settle(c) for c in calls]

    @property
    def total_tokens_saved(self) -> int:
        return sum(c.tokens_saved for c in self.calls)

    @property
    def total_tokens_before(self) -> int:
        return sum(c.tokens_before for c in self.calls)

    def summary(self) -> dict:
        calls = self.calls
        before = sum(c.tokens_before for c in calls)
        saved = sum(c.tokens_saved for c in calls)
        return {"calls": len(calls), "tokens_before": before, "tokens_after": before - saved, "tokens_saved": saved,
                "retrievals": sum(c.retrievals for c in calls),
                "basis": "exact cl100k tokens of the messages sent, before and after compression"}
