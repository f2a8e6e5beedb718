"""The model-facing `headroom_retrieve` tool: its definition per wire protocol, and injection.

For clients without MCP the proxy adds this definition to every request from the first one on, with
the same bytes every time: tools render before messages, so a tool list that changed mid-session would
re-bill the whole cached prompt once.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from .. import wires
from ..config import RETRIEVE_TOOL

DESCRIPTION = (
    "Fetch the full original of a tool result that headroom shortened. Compressed tool results contain "
    "a marker like `[… N lines omitted; headroom_retrieve key=KEY]`; call this tool with that key when "
    "the omitted part is needed to answer (an exact line, a record, an error's full trace). "
    "Returns the byte-exact original text; for a long original, ask for a range with start_line/end_line."
)

RANGE_PROPERTIES = {
    "start_line": {"type": "integer", "minimum": 1,
                   "description": "First line to return (1-based). Omit both for the whole original."},
    "end_line": {"type": "integer", "minimum": 1, "description": "Last line to return (inclusive)."},
}

INPUT_SCHEMA = {
    "type": "object",
    "properties": {"key": {"type": "string", "description": "The key from the marker (hex)."}, **RANGE_PROPERTIES},
    "required": ["key"],
    "additionalProperties": False,
}


def line_range(text: str, start: object = None, end: object = None) -> str:
    """Lines start..end (1-based, inclusive) of text, byte-exact with their line endings; the whole text
    when neither is given. Some agents cut long tool results (Codex keeps ~10 KB), so long originals
    are read in ranges."""
    if start is None and end is None:
        return text
    lines = text.splitlines(keepends=True)
    lo = max(1, int(start)) if isinstance(start, int) and not isinstance(start, bool) else 1
    hi = int(end) if isinstance(end, int) and not isinstance(end, bool) else len(lines)
    return "".join(lines[lo - 1:hi])


class ToolShape(NamedTuple):
    definition: Callable[[], dict]  # the tool as this wire's `tools` entry (a new dict each time)
    allows: Callable[[dict], bool]  # whether this wire's request lets the proxy answer the tool itself
    no_tools: object  # this wire's `tool_choice` that lets the model call no tool


def _anthropic_definition() -> dict:
    return {"name": RETRIEVE_TOOL, "description": DESCRIPTION, "input_schema": INPUT_SCHEMA}


def _chat_definition() -> dict:
    return {"type": "function", "function": {"name": RETRIEVE_TOOL, "description": DESCRIPTION,
                                             "parameters": INPUT_SCHEMA}}


def _responses_definition() -> dict:
    return {"type": "function", "name": RETRIEVE_TOOL, "description": DESCRIPTION,
            "parameters": INPUT_SCHEMA, "strict": False}


def _chat_allows(body: dict) -> bool:
    return body.get("n", 1) in (1, None)  # several choices: splicing one continuation per choice is not supported


def _responses_allows(body: dict) -> bool:
    return not body.get("previous_response_id")  # server-side state: we could not replay the conversation upstream


# No passthrough fallback: the tool is only injected into a wire the splicers can answer on.
TOOL_SHAPES: wires.WireMap[ToolShape] = wires.WireMap("retrieve-tool definitions", {
    wires.ANTHROPIC: ToolShape(_anthropic_definition, lambda body: True, {"type": "none"}),
    wires.OPENAI_CHAT: ToolShape(_chat_definition, _chat_allows, "none"),
    wires.OPENAI_RESPONSES: ToolShape(_responses_definition, _responses_allows, "none"),
})


def definition(protocol: str) -> dict:
    """The tool definition in the shape `protocol` expects in `tools` (`wires.UnknownWire` for a non-wire)."""
    return TOOL_SHAPES[protocol].definition()


def tool_name_of(tool: object) -> str | None:
    if not isinstance(tool, dict):
        return None
    fn = tool.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return tool.get("name")


def can_inject(body: dict, protocol: str) -> bool:
    """Whether the proxy may inject and answer the tool for this request."""
    if not TOOL_SHAPES[protocol].allows(body):
        return False
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        return False
    return True


def inject(body: dict, protocol: str) -> dict | None:
    """A new body with the tool appended to `tools`, or None when it is already there or not allowed."""
    if not can_inject(body, protocol):
        return None
    tools = body.get("tools") or []
    if any(tool_name_of(t) == RETRIEVE_TOOL for t in tools):
        return None
    new = dict(body)
    new["tools"] = [*tools, definition(protocol)]
    return new


def withdraw(body: dict, protocol: str, name: str = RETRIEVE_TOOL) -> dict:
    """A new body in which the model can no longer call the tool `name`: it leaves `tools` (and a
    `tool_choice` that forces it goes too). When it was the only tool, it stays listed and `tool_choice`
    switches tools off instead: the conversation holds tool calls, and Anthropic refuses tool blocks in a
    request that defines no tools."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not any(tool_name_of(t) == name for t in tools):
        return body
    new = dict(body)
    kept = [t for t in tools if tool_name_of(t) != name]
    if kept:
        new["tools"] = kept
        if tool_name_of(body.get("tool_choice")) == name:
            del new["tool_choice"]
    else:
        new["tool_choice"] = TOOL_SHAPES[protocol].no_tools
    return new
