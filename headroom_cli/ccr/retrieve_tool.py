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


def tool_name_of(tool: object) -> str | None:
    if not isinstance(tool, dict):
        return None
    fn = tool.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return tool.get("name")


# -- wires whose `tools` is a list of named tools (Anthropic, OpenAI Chat and Responses) ----------
def _listed_names(body: dict) -> list:
    return [tool_name_of(t) for t in body.get("tools") or []]


def _append(body: dict, tool: dict) -> dict:
    new = dict(body)
    new["tools"] = [*(body.get("tools") or []), tool]
    return new


def _remove_listed(no_tools: object) -> Callable[[dict, str], dict]:
    def remove(body: dict, name: str) -> dict:
        tools = body["tools"]
        new = dict(body)
        kept = [t for t in tools if tool_name_of(t) != name]
        if kept:
            new["tools"] = kept
            if tool_name_of(body.get("tool_choice")) == name:
                del new["tool_choice"]
        else:
            new["tool_choice"] = no_tools
        return new
    return remove


class ToolShape(NamedTuple):
    definition: Callable[[], dict]  # the tool as this wire's `tools` entry (a new dict each time)
    allows: Callable[[dict], bool]  # whether this wire's request lets the proxy answer the tool itself
    names: Callable[[dict], list]  # the names of the tools a request declares
    add: Callable[[dict, dict], dict]  # a new body that also declares the tool
    remove: Callable[[dict, str], dict]  # a new body in which the model can no longer call the named tool


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


# -- Gemini: `tools` is a list of Tool objects; functions are `functionDeclarations` inside them ----
def _gemini_definition() -> dict:
    # `parametersJsonSchema` takes JSON Schema as it is (Gemini CLI declares its own tools so);
    # `parameters` is an OpenAPI subset that refuses `additionalProperties`.
    return {"name": RETRIEVE_TOOL, "description": DESCRIPTION, "parametersJsonSchema": INPUT_SCHEMA}


def _declarations(tool: object) -> list:
    d = tool.get("functionDeclarations") if isinstance(tool, dict) else None
    return d if isinstance(d, list) else []


def _gemini_allows(body: dict) -> bool:
    """Only a request that already declares functions (adding the first one would change what the
    request is: a router or title request, a cached-content request that may not set tools), not in
    JSON mode (Gemini refuses function calling together with `responseMimeType: application/json`), and
    with one candidate."""
    gc = body.get("generationConfig")
    if isinstance(gc, dict) and (gc.get("responseMimeType") == "application/json"
                                 or gc.get("responseSchema") is not None or gc.get("responseJsonSchema") is not None):
        return False
    if isinstance(gc, dict) and gc.get("candidateCount") not in (None, 1):
        return False  # several candidates: one continuation per candidate is not supported
    tools = body.get("tools")
    return isinstance(tools, list) and any(_declarations(t) for t in tools)


def _gemini_names(body: dict) -> list:
    return [d.get("name") if isinstance(d, dict) else None for t in body.get("tools") or [] for d in _declarations(t)]


def _gemini_add(body: dict, fn: dict) -> dict:
    """Appended to the last Tool that declares functions (a request with one Tool keeps one)."""
    tools = list(body["tools"])
    k = max(i for i, t in enumerate(tools) if _declarations(t))
    tools[k] = {**tools[k], "functionDeclarations": [*_declarations(tools[k]), fn]}
    new = dict(body)
    new["tools"] = tools
    return new


def _gemini_remove(body: dict, name: str) -> dict:
    tools = []
    for t in body["tools"]:
        decls = _declarations(t)
        rest = [d for d in decls if not (isinstance(d, dict) and d.get("name") == name)]
        if len(rest) == len(decls):
            tools.append(t)
        elif rest:
            tools.append({**t, "functionDeclarations": rest})
        # else: a Tool that declared only this function goes
    new = dict(body)
    if any(_declarations(t) for t in tools):
        new["tools"] = tools
    else:  # the only function: it stays declared (the history calls it) and function calling goes off
        tc = body.get("toolConfig")
        new["toolConfig"] = {**(tc if isinstance(tc, dict) else {}), "functionCallingConfig": {"mode": "NONE"}}
    return new


# No passthrough fallback: the tool is only injected into a wire the splicers can answer on.
TOOL_SHAPES: wires.WireMap[ToolShape] = wires.WireMap("retrieve-tool definitions", {
    wires.ANTHROPIC: ToolShape(_anthropic_definition, lambda body: True, _listed_names, _append,
                               _remove_listed({"type": "none"})),
    wires.OPENAI_CHAT: ToolShape(_chat_definition, _chat_allows, _listed_names, _append, _remove_listed("none")),
    wires.OPENAI_RESPONSES: ToolShape(_responses_definition, _responses_allows, _listed_names, _append,
                                      _remove_listed("none")),
    wires.GEMINI: ToolShape(_gemini_definition, _gemini_allows, _gemini_names, _gemini_add, _gemini_remove),
})


def definition(protocol: str) -> dict:
    """The tool definition in the shape `protocol` expects in `tools` (`wires.UnknownWire` for a non-wire)."""
    return TOOL_SHAPES[protocol].definition()


def can_inject(body: dict, protocol: str) -> bool:
    """Whether the proxy may inject and answer the tool for this request."""
    if not TOOL_SHAPES[protocol].allows(body):
        return False
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        return False
    return True


def inject(body: dict, protocol: str) -> dict | None:
    """A new body with the tool declared, or None when it is already there or not allowed."""
    if not can_inject(body, protocol):
        return None
    shape = TOOL_SHAPES[protocol]
    if RETRIEVE_TOOL in shape.names(body):
        return None
    return shape.add(body, definition(protocol))


def withdraw(body: dict, protocol: str, name: str = RETRIEVE_TOOL) -> dict:
    """A new body in which the model can no longer call the tool `name`: it leaves `tools` (and a
    `tool_choice` that forces it goes too). When it was the only tool, it stays listed and function
    calling is switched off instead (`tool_choice` none; Gemini's `toolConfig` mode NONE): the
    conversation holds tool calls, and Anthropic refuses tool blocks in a request that defines no tools."""
    tools = body.get("tools")
    shape = TOOL_SHAPES[protocol]
    if not isinstance(tools, list) or name not in shape.names(body):
        return body
    return shape.remove(body, name)
