"""OpenAI Responses: `function_call_output`, `custom_tool_call_output` and `local_shell_call_output` items in
`input`, matched to their call by `call_id`. Messages of any role, reasoning and unknown items pass through."""
from __future__ import annotations

from .common import History, Site, aider_sites, has_tools, text_parts, texts, tool_output_site

_OUTPUT_TYPES = ("function_call_output", "custom_tool_call_output", "local_shell_call_output")
_TEXT_TYPES = ("input_text", "output_text", "text")  # parts read as text (messages, tool outputs)


def sites(body: dict) -> list[Site]:
    items = body.get("input")
    if not isinstance(items, list):
        return []
    aider = not has_tools(body)
    hist = History()
    out: list[Site] = []
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            continue
        t = it.get("type")
        if t == "message" or (t is None and "role" in it):
            role, content = it.get("role"), it.get("content")
            if role == "assistant":
                txt = texts(content, _TEXT_TYPES)
                if txt:
                    hist.saw_assistant(txt)
            elif role == "user":
                if aider:
                    found = aider_sites(hist, ("input", i, "content"), content, ("input_text",))
                    if found:
                        out.extend(found)
                        continue
                txt = texts(content, _TEXT_TYPES)
                if txt:
                    hist.saw_human(txt)
        elif t == "function_call":
            hist.saw_call(it.get("call_id"), it.get("name"), it.get("arguments"))
        elif t == "custom_tool_call":
            hist.saw_call(it.get("call_id"), it.get("name"), it.get("input"))
        elif t == "local_shell_call":
            hist.saw_call(it.get("call_id"), "local_shell", {"action": it.get("action")})
        elif t in _OUTPUT_TYPES:
            call = hist.call(it.get("call_id"))
            o = it.get("output")
            if isinstance(o, str):
                out.append(tool_output_site(hist, ("input", i, "output"), o, call))
            elif isinstance(o, list):
                for k, t in text_parts(o, _TEXT_TYPES):
                    out.append(tool_output_site(hist, ("input", i, "output", k, "text"), t, call))
    return out
