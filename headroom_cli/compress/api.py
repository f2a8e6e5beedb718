"""Library API of the engine: `compress(messages, …)` and `compress_request(body, protocol, …)`.

    from headroom_cli import compress, retrieve
    r = compress(messages, model="gpt-4o")
    r.messages, r.tokens_before, r.tokens_after, r.tokens_saved, r.blocks, r.keys
    retrieve(r.keys[0])  # byte-exact original

The engine knows no HTTP and no terminal, and returns figures rather than recording them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..errors import UsageError
from .base import Compressor, Context, Result, as_compressor
from .memo import Memo
from .pipeline import BlockInfo, CompressResult, default_compressor, run
from .protocols import PROTOCOLS
from .tokens import MIN_TOKENS

__all__ = ["CompressConfig", "CompressResult", "BlockInfo", "compress", "compress_request", "detect_protocol"]


@dataclass
class CompressConfig:
    ratio: float = 0.3  # share of a block's tokens lossy compressors aim to keep
    marker_tool: str = "headroom_retrieve"  # the retrieve tool as the client sees it (e.g. mcp__headroom__…)
    marker_hint: str = ""  # extra marker words (e.g. how to load a deferred MCP tool)
    protect_tools: Iterable[str] | None = None  # extra tool names/globs never compressed
    store: Any = None  # a ccr.store.Store; default: the user's store (opened on the first lossy cut)
    ttl: int | None = None  # lifetime of stored originals; default: the store's
    min_tokens: int = MIN_TOKENS  # blocks below this (estimated) size pass untouched (tokens.big_enough)
    # For tests and embedding: the block compressor (a base.Compressor, or a plain fn(text, ctx) -> Result | None;
    # default: compress.router.ROUTER) and the memo.
    compressor: Compressor | Callable[[str, Context], Result | None] | None = None
    memo: Memo | None = None


def compress_request(body: dict, protocol: str, config: CompressConfig | None = None) -> CompressResult:
    """Compress the tool results of one request body of `protocol` ("anthropic" | "openai_chat" |
    "openai_responses"). `.body` is a new dict where only compressed tool results differ; all other values are
    the input's own objects. The input is never modified."""
    if protocol not in PROTOCOLS:
        raise UsageError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(PROTOCOLS)}")
    if not isinstance(body, dict):
        raise UsageError("request body must be a JSON object")
    cfg = config or CompressConfig()
    store = cfg.store

    def store_getter():
        if store is not None:
            return store
        from ..ccr.store import default_store

        return default_store()

    return run(
        body, protocol,
        ratio=float(cfg.ratio), marker_tool=cfg.marker_tool, marker_hint=cfg.marker_hint,
        protect_tools=tuple(cfg.protect_tools or ()), min_tokens=int(cfg.min_tokens),
        compressor=as_compressor(cfg.compressor) if cfg.compressor is not None else default_compressor(),
        memo=cfg.memo, store_getter=store_getter, ttl=cfg.ttl,
    )


def detect_protocol(messages: list) -> str:
    """Anthropic Messages or OpenAI Chat, from the message shapes (default: OpenAI Chat)."""
    for m in messages:
        if not isinstance(m, dict):
            continue
        if m.get("role") in ("tool", "function") or "tool_calls" in m or "function_call" in m:
            return "openai_chat"
        c = m.get("content")
        if isinstance(c, list):
            for b in c:
                if isinstance(b, dict):
                    t = b.get("type")
                    if t in ("tool_use", "tool_result") or (t == "image" and "source" in b):
                        return "anthropic"
                    if t == "image_url":
                        return "openai_chat"
    return "openai_chat"


def compress(messages: list, model: str = "gpt-4o", *, tools: list | None = None,
             config: CompressConfig | None = None) -> CompressResult:
    """Compress an Anthropic Messages or OpenAI Chat message list (detected from its shapes).
    `.messages` is the new list. `tools` only matters for the no-tools (aider-style) rule."""
    if not isinstance(messages, list):
        raise UsageError("messages must be a list of message objects")
    body: dict[str, Any] = {"model": model, "messages": messages}
    if tools:
        body["tools"] = tools
    return compress_request(body, detect_protocol(messages), config)
