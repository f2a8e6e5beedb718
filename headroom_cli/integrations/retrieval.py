"""Retrieval inside a framework wrapper: the wrapper answers the model's `headroom_retrieve` calls itself.

Why the wrapper and not the application: an application (a chain, a LangGraph agent, an Agno agent) does not
know the tool, so a call it received would break its tool loop or reach the user; answered inside the wrapper,
the call and the original never leave the model call that needed them, streaming keeps flowing, and the
application's history stays as small as the compression made it. At most `MAX_ROUNDS` rounds per call; in a
round where the model also called other tools, only the retrieve calls are answered and the others dropped (the
model re-issues what it still needs, and the conversation stays valid), as the proxy does.
"""
from __future__ import annotations

from typing import Any

from ..compress.api import answer_retrieve, retrieve_tool
from ..config import RETRIEVE_TOOL

NAME = RETRIEVE_TOOL
MAX_ROUNDS = 3


def openai_tool(*, strict: bool = False) -> dict:
    """The tool in OpenAI Chat's `tools` shape (what frameworks' `bind_tools` / tool lists accept). `strict`: the
    form OpenAI's strict function calling needs (every property required, the line range nullable), for calls
    whose other tools or response format are strict."""
    d = retrieve_tool("openai_chat")
    if strict:
        props = {"key": d["function"]["parameters"]["properties"]["key"]}
        for name in ("start_line", "end_line"):
            p = dict(d["function"]["parameters"]["properties"][name])
            p.pop("minimum", None)
            p["type"] = ["integer", "null"]
            props[name] = p
        d["function"]["parameters"] = {"type": "object", "properties": props, "required": list(props),
                                       "additionalProperties": False}
        d["function"]["strict"] = True
    return d


def is_retrieve(name: Any) -> bool:
    return name == NAME


def answer(arguments: Any, store: Any = None) -> str:
    """The text to return for one call (`arguments`: a dict or its JSON text); never raises."""
    return answer_retrieve(arguments, store)
