"""The engine served to other languages' SDKs (sdk/typescript) as JSON lines over a pair of byte streams.

A child process, not a port: no secret to manage, and the engine ends when its parent closes the pipe (EOF on
stdin), so nothing is left behind. `headroom engine --stdio` (cli/engine.py) runs `serve` on stdin/stdout.

One request per line, `{"id": N, "method": M, "params": {...}}`; one answer per line, in request order:
`{"id": N, "result": ...}` or `{"id": N, "error": {"type": ..., "message": ..., "hint": ...}}`. Answers are ASCII
JSON (non-ASCII and lone surrogates escaped), so every string crosses byte-exact. Methods:

- `hello` → `{"protocol": PROTOCOL, "version": ..., "features": {"documents": bool}}` (documents: this engine
  compresses large documents inside user messages)
- `compress` `{messages, model?, tools?, protocol?, ratio?, documents?}` → the library result as plain JSON
- `retrieve` `{key}` → `{"text": original}` (NotFound when the store has none)
- `answer_retrieve` `{arguments}` → `{"text": ...}`: the answer to one call of the retrieve tool (never an error)
- `retrieve_tool` `{protocol?}` → the retrieve tool's definition in that protocol's `tools` shape

This module only adapts: the work is the library's (`compress.api`, `ccr`).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, BinaryIO, Callable

from .errors import HeadroomError, UsageError

PROTOCOL = 1  # bumped when a method's shape changes incompatibly; the SDK checks it in `hello`
MESSAGE_PROTOCOLS = ("openai_chat", "anthropic")


def serve(inp: BinaryIO, out: BinaryIO) -> int:
    """Answer requests from `inp` until it ends (the parent closed the pipe or exited). Returns 0."""
    try:
        for line in inp:
            if not line.strip():
                continue
            out.write(answer_line(line))
            out.flush()
    except BrokenPipeError:  # the SDK's process ended while an answer was on its way: nobody left to tell
        pass
    return 0


def answer_line(line: bytes) -> bytes:
    """One request line → one answer line (with its newline). A bad request gets an error answer, never a crash:
    the next request must still be served."""
    rid: Any = None
    try:
        try:
            req = json.loads(line)
        except ValueError as e:
            raise UsageError(f"not a JSON request line: {e}") from None
        if not isinstance(req, dict):
            raise UsageError("a request is a JSON object with id, method and params")
        rid = req.get("id")
        method = METHODS.get(req.get("method"))  # type: ignore[arg-type]
        if method is None:
            raise UsageError(f"unknown method {req.get('method')!r}", hint=f"use one of: {', '.join(METHODS)}")
        params = req.get("params") or {}
        if not isinstance(params, dict):
            raise UsageError("params must be a JSON object")
        reply: dict[str, Any] = {"id": rid, "result": method(params)}
    except HeadroomError as e:
        reply = {"id": rid, "error": {"type": type(e).__name__, "message": str(e), "hint": e.hint or ""}}
    except Exception as e:  # an engine bug must not take the SDK's process down with it
        reply = {"id": rid, "error": {"type": "InternalError", "message": f"{type(e).__name__}: {e}", "hint": ""}}
    return json.dumps(reply, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _hello(params: dict) -> dict:
    from ._version import __version__

    return {"protocol": PROTOCOL, "version": __version__, "features": {"documents": _has_documents()}}


def _has_documents() -> bool:
    from .compress.api import CompressConfig

    return "documents" in {f.name for f in dataclasses.fields(CompressConfig)}


def _config(params: dict) -> Any:
    """A CompressConfig from the request's options (only the ones this engine's config has)."""
    from .compress.api import CompressConfig

    kw: dict[str, Any] = {}
    if params.get("ratio") is not None:
        ratio = params["ratio"]
        if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 < ratio <= 1:
            raise UsageError(f"ratio must be a number in (0, 1], not {ratio!r}")
        kw["ratio"] = float(ratio)
    if _has_documents():  # large documents inside user messages: compress()'s default unless asked otherwise
        kw["documents"] = params.get("documents") or "retrievable"
    return CompressConfig(**kw)


def _compress(params: dict) -> dict:
    from .compress import api

    messages = params.get("messages")
    if not isinstance(messages, list):
        raise UsageError("messages must be a list of message objects")
    model = params.get("model") or "gpt-4o"
    if not isinstance(model, str):
        raise UsageError("model must be a string")
    protocol = params.get("protocol") or api.detect_protocol(messages)
    if protocol not in MESSAGE_PROTOCOLS:
        raise UsageError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(MESSAGE_PROTOCOLS)}")
    body: dict[str, Any] = {"model": model, "messages": messages}
    if params.get("tools"):
        body["tools"] = params["tools"]
    res = api.compress_request(body, protocol, _config(params))
    if hasattr(res, "to_dict"):
        return res.to_dict()
    return _as_dict(res)


def _as_dict(res: Any) -> dict:
    """The result as plain JSON for an engine whose result has no `to_dict` yet."""
    from .ccr import retrieve_tool

    return {"protocol": res.protocol, "messages": res.messages, "changed": res.changed, "keys": res.keys,
            "tool": retrieve_tool.definition(res.protocol) if res.keys else None,
            "blocks": [{"origin": b.origin, "tool_name": b.tool_name, "kind": b.kind, "compressor": b.compressor,
                        "lossy": b.lossy, "key": b.key, "est_before": b.est_before, "est_after": b.est_after}
                       for b in res.blocks],
            "tokens_before": res.tokens_before, "tokens_after": res.tokens_after,
            "tokens_saved": res.tokens_saved, "encoding": res.encoding}


def _retrieve(params: dict) -> dict:
    from .ccr.store import retrieve

    key = params.get("key")
    if not isinstance(key, str):
        raise UsageError("key must be a string (the text after key= in a marker)")
    return {"text": retrieve(key)}


def _answer_retrieve(params: dict) -> dict:
    import headroom_cli

    answer = getattr(headroom_cli, "answer_retrieve", None)
    if answer is None:  # an engine without it: the byte-exact original or a sentence the model can read
        from .ccr.retrieve_tool import line_range
        from .ccr.store import default_store

        args = params.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                args = {"key": args}
        key = args.get("key") if isinstance(args, dict) else None
        text = default_store().get(key.strip()) if isinstance(key, str) and key.strip() else None
        if text is None:
            return {"text": f"No original is stored under key {key!r}. Work from the compressed text."}
        return {"text": line_range(text, args.get("start_line"), args.get("end_line"))}
    return {"text": answer(params.get("arguments"))}


def _retrieve_tool(params: dict) -> dict:
    from .ccr import retrieve_tool

    protocol = params.get("protocol") or "openai_chat"
    if protocol not in MESSAGE_PROTOCOLS:
        raise UsageError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(MESSAGE_PROTOCOLS)}")
    return retrieve_tool.definition(protocol)


METHODS: dict[str, Callable[[dict], Any]] = {
    "hello": _hello, "compress": _compress, "retrieve": _retrieve, "answer_retrieve": _answer_retrieve,
    "retrieve_tool": _retrieve_tool,
}
