"""The one implementation of headroom's MCP tools, shared by the stdio server and the proxy's `/mcp`.

Tools are plain data (MCP wire-format dicts) plus a synchronous `call_tool(name, arguments)`; the
transports only frame them. Calls may touch SQLite and the engine, so async callers run them in a
worker thread.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .. import config
from ..ccr.retrieve_tool import RANGE_PROPERTIES, line_range
from ..errors import HeadroomError

RETRIEVE_TOOL = config.RETRIEVE_TOOL
COMPRESS_TOOL = "headroom_compress"
STATS_TOOL = "headroom_stats"

RETRIEVE_DESCRIPTION = (
    "Fetch the exact original text that headroom shortened. When a tool result in this conversation "
    "contains a headroom marker such as `[… 412 of 560 lines omitted; headroom_retrieve key=3f9a…]` and "
    "you need the omitted part (a line, a value, an error, the full file), call this tool with that "
    "key; it returns the complete original, byte for byte. Do not re-run the original command just to "
    "see what was omitted. For a long original (your agent may cut long tool results), fetch a range "
    "of lines with start_line/end_line."
)

TOOLS: list[dict[str, Any]] = [
    {
        "name": RETRIEVE_TOOL,
        "title": "Retrieve an original headroom compressed",
        "description": RETRIEVE_DESCRIPTION,
        "inputSchema": {
            "type": "object",
            "properties": {
                "key": {
                    "type": "string",
                    "description": "The key shown in the marker (the text after `key=`).",
                },
                **RANGE_PROPERTIES,
            },
            "required": ["key"],
            "additionalProperties": False,
        },
        "annotations": {"readOnlyHint": True, "openWorldHint": False},
    },
    {
        "name": COMPRESS_TOOL,
        "title": "Compress text or messages",
        "description": (
            "Compress a large tool output (logs, JSON, search results, diffs, code, build output) or a "
            "list of chat messages to save context tokens. Lossy cuts leave a marker with a key; the "
            f"original stays retrievable with `{RETRIEVE_TOOL}`. Returns JSON with the compressed "
            "`text` (or `messages`), the retrieval `keys`, and token counts before/after."
        ),
        "inputSchema": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "A tool output to compress."},
                "messages": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "OpenAI-style chat messages; tool results among them are compressed.",
                },
                "tool_name": {"type": "string", "description": "Tool that produced `text` (a hint)."},
                "context": {
                    "type": "string",
                    "description": "What you are looking for (command, pattern, question): relevant parts are kept.",
                },
                "ratio": {
                    "type": "number", "minimum": 0.05, "maximum": 1.0,
                    "description": "Share of tokens lossy compressors aim to keep (default 0.3).",
                },
                "model": {"type": "string", "description": "Model name for token counting (default gpt-4o)."},
            },
            "additionalProperties": False,
        },
        "annotations": {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": False},
    },
    {
        "name": STATS_TOOL,
        "title": "headroom savings",
        "description": (
            "Token savings headroom recorded (per session when `session_id` is given, else overall) and "
            "the state of the local store of originals."
        ),
        "inputSchema": {
            "type": "object",
            "properties": {
                "session_id": {"type": "string", "description": "Limit the totals to one session."},
            },
            "additionalProperties": False,
        },
        "annotations": {"readOnlyHint": True, "openWorldHint": False},
    },
]

TOOL_NAMES = tuple(t["name"] for t in TOOLS)


class UnknownTool(HeadroomError):
    """A call named a tool we do not serve (a protocol error, not a tool error)."""


class InvalidArguments(HeadroomError):
    """Arguments that do not match the tool's schema (a protocol error: -32602)."""


@dataclass
class ToolOutcome:
    text: str  # the content the model sees
    is_error: bool = False
    structured: dict | None = None  # machine-readable figures (MCP structuredContent)

    def to_mcp(self) -> dict:
        """The `CallToolResult` wire shape."""
        out: dict[str, Any] = {"content": [{"type": "text", "text": self.text}], "isError": self.is_error}
        if self.structured is not None:
            out["structuredContent"] = self.structured
        return out


@dataclass
class ToolContext:
    """What a call may depend on besides its arguments (tests and the proxy pass their own store)."""

    store: Any = None  # one owner's originals (`storage` Backend.originals); None → the configured store's local user
    marker_tool: str = RETRIEVE_TOOL  # retrieval tool name as this client sees it
    extra: dict = field(default_factory=dict)

    def get_store(self):
        if self.store is None:
            from ..storage import open_store

            self.store = open_store().originals()
        return self.store


def list_tools() -> list[dict[str, Any]]:
    return [dict(t) for t in TOOLS]


def call_tool(name: str, arguments: dict | None, ctx: ToolContext | None = None) -> ToolOutcome:
    """Run one tool. Unknown tools and malformed arguments raise; failures inside a tool come back as
    an `is_error` outcome with a message the model can act on."""
    ctx = ctx or ToolContext()
    args = arguments or {}
    if not isinstance(args, dict):
        raise InvalidArguments("arguments must be an object")
    fn = _HANDLERS.get(name)
    if fn is None:
        raise UnknownTool(f"Unknown tool: {name!r}", hint=f"tools: {', '.join(TOOL_NAMES)}")
    _check_args(name, args)
    from ..storage import StoreUnavailable

    try:
        return fn(args, ctx)
    except (UnknownTool, InvalidArguments, StoreUnavailable):  # the store down: the transport answers 503
        raise
    except HeadroomError as e:
        msg = str(e) + (f" ({e.hint})" if e.hint else "")
        return ToolOutcome(msg, is_error=True)


def _check_args(name: str, args: dict) -> None:
    """Enough schema checking to give clear errors: required keys, no unknown keys, basic types."""
    schema = next(t["inputSchema"] for t in TOOLS if t["name"] == name)
    props = schema["properties"]
    for k in schema.get("required", []):
        if k not in args:
            raise InvalidArguments(f"{name}: missing required argument {k!r}")
    types = {"string": str, "number": (int, float), "integer": int, "array": list, "object": dict}
    for k, v in args.items():
        if k not in props:
            raise InvalidArguments(f"{name}: unknown argument {k!r} (expected: {', '.join(props)})")
        want = types[props[k]["type"]]
        if not isinstance(v, want) or isinstance(v, bool):
            raise InvalidArguments(f"{name}: argument {k!r} must be a {props[k]['type']}")


# --- headroom_retrieve --------------------------------------------------------------------------

def _retrieve(args: dict, ctx: ToolContext) -> ToolOutcome:
    key = args["key"].strip().strip("`'\"")
    if key.startswith("key="):
        key = key[4:]
    text = ctx.get_store().get(key) if key else None
    if text is None:
        return ToolOutcome(
            f"No original is stored under key {key!r}: it has expired (originals are kept for the cache "
            "TTL, 24 h by default), was cleared, or the key was mistyped. Work from the compressed text, "
            "or re-run the command that produced it.",
            is_error=True,
        )
    return ToolOutcome(line_range(text, args.get("start_line"), args.get("end_line")))


# --- headroom_compress --------------------------------------------------------------------------

def _compress(args: dict, ctx: ToolContext) -> ToolOutcome:
    from ..compress.api import CompressConfig, compress

    has_text, has_msgs = "text" in args, "messages" in args
    if has_text == has_msgs:
        raise InvalidArguments(f"{COMPRESS_TOOL}: pass exactly one of 'text' or 'messages'")
    cfg = CompressConfig(ratio=float(args.get("ratio", config.get("compress_ratio"))),
                         marker_tool=ctx.marker_tool, store=ctx.get_store())
    model = args.get("model") or "gpt-4o"
    if has_msgs:
        res = compress(args["messages"], model=model, config=cfg)
        out = {"messages": res.messages}
    else:
        messages = _text_as_tool_result(args["text"], args.get("tool_name", ""), args.get("context", ""))
        res = compress(messages, model=model, config=cfg)
        out = {"text": _tool_text(res.messages[-1])}
    out.update(
        keys=list(res.keys),
        tokens_before=res.tokens_before,
        tokens_after=res.tokens_after,
        tokens_saved=res.tokens_saved,
        changed=bool(res.changed),
    )
    return ToolOutcome(json.dumps(out, ensure_ascii=False), structured=out)


def _text_as_tool_result(text: str, tool_name: str, context: str) -> list[dict]:
    """Present bare text to the engine the way it sees tool output: a call and its result. The call's
    arguments carry the caller's context, which the engine uses for relevance."""
    call_args = json.dumps({"query": context} if context else {}, ensure_ascii=False)
    msgs: list[dict] = []
    if context:
        msgs.append({"role": "user", "content": context})
    msgs += [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_0", "type": "function",
            "function": {"name": tool_name or "tool", "arguments": call_args}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": text},
    ]
    return msgs


def _tool_text(msg: dict) -> str:
    c = msg.get("content")
    if isinstance(c, str):
        return c
    if isinstance(c, list):  # list of text parts
        return "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return ""


# --- headroom_stats -----------------------------------------------------------------------------

def _stats(args: dict, ctx: ToolContext) -> ToolOutcome:
    out: dict[str, Any] = {}
    sid = args.get("session_id")
    try:
        from ..stats.ledger import Ledger
    except ImportError:
        Ledger = None  # type: ignore[assignment]
    if Ledger is not None:
        from ..stats.basis import JSON as basis

        from ..storage import open_store

        led = open_store().ledger()
        try:
            out["session" if sid else "totals"] = led.session_totals(sid) if sid else led.totals()
        finally:
            led.close()
        out["basis"] = dict(basis)  # what each figure is a share of (saved_pct: of the whole requests)
    try:
        out["store"] = ctx.get_store().stats()
    except ImportError:
        pass
    return ToolOutcome(json.dumps(out, ensure_ascii=False, default=str), structured=out)


_HANDLERS = {RETRIEVE_TOOL: _retrieve, COMPRESS_TOOL: _compress, STATS_TOOL: _stats}
