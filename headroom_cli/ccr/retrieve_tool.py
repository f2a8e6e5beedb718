"""The model-facing `headroom_retrieve` tool: its definition per wire protocol, and injection.

For clients without MCP the proxy adds this definition to every request from the first one on, with
the same bytes every time: tools render before messages, so a tool list that changed mid-session would
re-bill the whole cached prompt once.
"""
from __future__ import annotations

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


def definition(protocol: str) -> dict:
    """The tool definition in the shape `protocol` expects in `tools`."""
    if protocol == "anthropic":
        return {"name": RETRIEVE_TOOL, "description": DESCRIPTION, "input_schema": INPUT_SCHEMA}
    if protocol == "openai_chat":
        return {"type": "function", "function": {"name": RETRIEVE_TOOL, "description": DESCRIPTION,
                                                 "parameters": INPUT_SCHEMA}}
    if protocol == "openai_responses":
        return {"type": "function", "name": RETRIEVE_TOOL, "description": DESCRIPTION,
                "parameters": INPUT_SCHEMA, "strict": False}
    raise ValueError(f"unknown protocol {protocol!r}")


def tool_name_of(tool: object) -> str | None:
    if not isinstance(tool, dict):
        return None
    fn = tool.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return tool.get("name")


def can_inject(body: dict, protocol: str) -> bool:
    """Whether the proxy may inject and answer the tool for this request."""
    if protocol == "openai_responses" and body.get("previous_response_id"):
        return False  # server-side state: we could not replay the conversation upstream
    if protocol == "openai_chat" and body.get("n", 1) not in (1, None):
        return False  # several choices: splicing one continuation per choice is not supported
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
