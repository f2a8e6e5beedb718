"""Library API of the engine: `compress(messages, …)` and `compress_request(body, protocol, …)`.

    from headroom_cli import compress, retrieve
    r = compress(messages, model="gpt-4o")
    r.messages, r.tokens_before, r.tokens_after, r.tokens_saved, r.blocks, r.keys
    r.tool            # the retrieve tool to pass on with the messages when r.keys is not empty
    retrieve(r.keys[0])  # byte-exact original
    r.to_dict()       # the same as plain JSON (messages, figures, keys, tool, blocks)

Tool results are compressed, and (`CompressConfig.documents`) large documents inside user messages: a log, a
JSON document, a code block or a long paste is compressed, the prose around it kept verbatim
(`compress/documents.py`). `compress()` does so by default: its caller gets the keys and the tool definition
and decides whether the model may retrieve. `compress_request()` — the proxy's entry — leaves user text alone
unless asked: what a person typed to an agent is never touched by default.

The engine knows no HTTP and no terminal, and returns figures rather than recording them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..config import RETRIEVE_TOOL
from ..errors import UsageError
from . import pipeline
from .base import Compressor, Context, Result, as_compressor
from .documents import DOC_MIN_TOKENS, DocumentCompressor
from .memo import Memo
from .pipeline import BlockInfo, default_compressor, run
from .protocols import PROTOCOLS
from .tokens import MIN_TOKENS

__all__ = ["CompressConfig", "CompressResult", "BlockInfo", "compress", "compress_request", "detect_protocol",
           "retrieve_tool", "answer_retrieve", "DOCUMENT_MODES"]

# What `CompressConfig.documents` may say about large documents inside user messages:
# "off" — user text is never touched; "lossless" — only cuts that drop nothing (the model cannot retrieve);
# "retrievable" — lossy cuts too, each with a marker and key (the model can call the retrieve tool).
DOCUMENT_MODES = ("off", "lossless", "retrievable")


@dataclass
class CompressConfig:
    ratio: float = 0.3  # share of a block's tokens lossy compressors aim to keep
    marker_tool: str = "headroom_retrieve"  # the retrieve tool as the client sees it (e.g. mcp__headroom__…)
    marker_hint: str = ""  # extra marker words (e.g. how to load a deferred MCP tool)
    protect_tools: Iterable[str] | None = None  # extra tool names/globs never compressed
    store: Any = None  # a ccr.store.Store; default: the user's store (opened on the first lossy cut)
    ttl: int | None = None  # lifetime of stored originals; default: the store's
    min_tokens: int = MIN_TOKENS  # blocks below this (estimated) size pass untouched (tokens.big_enough)
    # Large documents inside user messages: one of DOCUMENT_MODES; None = the entry point's default
    # (`compress()`: "retrievable", `compress_request()`: "off").
    documents: str | None = None
    document_min_tokens: int = DOC_MIN_TOKENS  # a document region below this (estimated) size stays whole
    # For tests and embedding: the block compressor (a base.Compressor, or a plain fn(text, ctx) -> Result | None;
    # default: compress.router.ROUTER) and the memo.
    compressor: Compressor | Callable[[str, Context], Result | None] | None = None
    memo: Memo | None = None


class CompressResult(pipeline.CompressResult):
    """What `compress()` / `compress_request()` return: the pipeline's result (`.body`, `.messages`, `.blocks`,
    `.keys`, exact `.tokens_before` / `.tokens_after` / `.tokens_saved`, lazily counted) plus what a caller needs
    to let the model retrieve (`.tool`) and a JSON form (`.to_dict()`)."""

    marker_tool: str = RETRIEVE_TOOL

    @classmethod
    def of(cls, res: pipeline.CompressResult, original: dict, body: dict, blocks: list, skipped: dict,
           elapsed_ms: float, errors: list, marker_tool: str) -> "CompressResult":
        out = cls(original, body, res.protocol, blocks, skipped, elapsed_ms, errors)
        out.marker_tool = marker_tool
        return out

    @property
    def tool(self) -> dict | None:
        """The retrieve tool in this protocol's `tools` shape when a lossy cut left a marker, else None. Pass it
        with the messages (and answer its calls with `answer_retrieve`) so the model can fetch an original."""
        if not self.keys:
            return None
        return retrieve_tool(self.protocol, self.marker_tool)

    def to_dict(self, *, exact: bool = True) -> dict:
        """Plain JSON (for a stdio or HTTP caller): messages, figures with their basis, keys, tool, blocks.
        `exact=False` skips exact token counting (tiktoken) and reports the engine's estimates only."""
        out: dict[str, Any] = {"protocol": self.protocol, "messages": self.messages, "changed": self.changed,
                               "keys": self.keys, "tool": self.tool,
                               "blocks": [b.to_dict() for b in self.blocks],
                               "tokens_saved_estimate": self.tokens_saved_estimate}
        if exact:
            out.update(tokens_before=self.tokens_before, tokens_after=self.tokens_after,
                       tokens_saved=self.tokens_saved, encoding=self.encoding)
        if self.errors:
            out["errors"] = list(self.errors)
        return out


def _mode(cfg: "CompressConfig", default: str) -> str:
    mode = default if cfg.documents is None else cfg.documents
    if mode not in DOCUMENT_MODES:
        raise UsageError(f"documents={mode!r} is not a document mode", hint=f"use one of: {', '.join(DOCUMENT_MODES)}")
    return mode


def compress_request(body: dict, protocol: str, config: CompressConfig | None = None) -> CompressResult:
    """Compress the tool results of one request body of `protocol` ("anthropic" | "openai_chat" |
    "openai_responses"), and its user documents when `config.documents` asks (default "off" here). `.body` is a
    new dict where only compressed strings differ; all other values are the input's own objects. The input is
    never modified."""
    return _compress_request(body, protocol, config, "off")


def _compress_request(body: dict, protocol: str, config: CompressConfig | None, doc_default: str) -> CompressResult:
    if protocol not in PROTOCOLS:
        raise UsageError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(PROTOCOLS)}")
    if not isinstance(body, dict):
        raise UsageError("request body must be a JSON object")
    cfg = config or CompressConfig()
    mode = _mode(cfg, doc_default)
    store = cfg.store

    def store_getter():
        if store is not None:
            return store
        from ..ccr.store import default_store

        return default_store()

    base = as_compressor(cfg.compressor) if cfg.compressor is not None else default_compressor()
    common = dict(ratio=float(cfg.ratio), marker_tool=cfg.marker_tool, marker_hint=cfg.marker_hint,
                  protect_tools=tuple(cfg.protect_tools or ()), memo=cfg.memo, store_getter=store_getter,
                  ttl=cfg.ttl)
    res = run(body, protocol, min_tokens=int(cfg.min_tokens), compressor=base, **common)
    if mode == "off":
        return CompressResult.of(res, res.original, res.body, res.blocks, res.skipped, res.elapsed_ms, res.errors,
                                 cfg.marker_tool)
    from .protocols import user_text

    docs = DocumentCompressor(base, lossless=mode == "lossless", min_tokens=int(cfg.document_min_tokens))
    dres = run(res.body, protocol, min_tokens=int(cfg.document_min_tokens), compressor=docs,
               walk=user_text.sites, **common)
    skipped = dict(res.skipped)
    for reason, n in dres.skipped.items():
        skipped[f"document_{reason}"] = skipped.get(f"document_{reason}", 0) + n
    return CompressResult.of(res, body, dres.body, res.blocks + dres.blocks, skipped,
                             res.elapsed_ms + dres.elapsed_ms, res.errors + dres.errors, cfg.marker_tool)


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
    """Compress an Anthropic Messages or OpenAI Chat message list (detected from its shapes): tool results, and
    large documents inside user messages (unless `config.documents` says otherwise; default "retrievable").
    `.messages` is the new list; when `.keys` is not empty, pass `.tool` to the model with it (or retrieve the
    originals yourself). `tools` only matters for the no-tools (aider-style) rule."""
    if not isinstance(messages, list):
        raise UsageError("messages must be a list of message objects")
    body: dict[str, Any] = {"model": model, "messages": messages}
    if tools:
        body["tools"] = tools
    return _compress_request(body, detect_protocol(messages), config, "retrievable")


def retrieve_tool(protocol: str = "openai_chat", name: str = RETRIEVE_TOOL) -> dict:
    """The retrieve tool's definition in `protocol`'s `tools` shape (a new dict), named `name`."""
    from ..ccr import retrieve_tool as rt

    d = rt.definition(protocol)
    if name != RETRIEVE_TOOL:
        (d["function"] if "function" in d else d)["name"] = name
    return d


def answer_retrieve(arguments: Any, store: Any = None) -> str:
    """The answer to one call of the retrieve tool: `arguments` as the model sent them (a dict or its JSON text:
    `key`, optional `start_line` / `end_line`) → the byte-exact original (or that range of its lines), or a
    sentence saying why there is none (the model reads it; this never raises for a bad call)."""
    import json

    from ..ccr.retrieve_tool import line_range

    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            arguments = {"key": arguments}
    if not isinstance(arguments, dict) or not isinstance(arguments.get("key"), str):
        return "headroom_retrieve needs a `key` (the text after `key=` in a marker)."
    key = arguments["key"].strip().strip("`'\"")
    if key.startswith("key="):
        key = key[4:]
    if store is None:
        from ..ccr.store import default_store

        store = default_store()
    text = store.get(key) if key else None
    if text is None:
        return (f"No original is stored under key {key!r}: it has expired, was cleared, or the key was mistyped. "
                "Work from the compressed text.")
    return line_range(text, arguments.get("start_line"), arguments.get("end_line"))
