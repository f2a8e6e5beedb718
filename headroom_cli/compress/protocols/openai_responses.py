"""OpenAI Responses: `function_call_output`, `custom_tool_call_output` and `local_shell_call_output` items in
`input`, matched to their call by `call_id`. Messages of any role, reasoning and unknown items pass through."""
from __future__ import annotations

from .common import History, Site, aider_section, has_tools, tool_output_site

_OUTPUT_TYPES = ("function_call_output", "custom_tool_call_output", "local_shell_call_output")


def _texts(content) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)
                 and p.get("type") in ("input_text", "output_text", "text") and isinstance(p.get("text"), str)]
        return "\n".join(parts) if parts else None
    return None


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
                txt = _texts(content)
                if txt:
                    hist.saw_assistant(txt)
            elif role == "user":
                if aider and isinstance(content, str):
                    s = aider_section(hist, ("input", i, "content"), content)
                    if s is not None:
                        out.append(s)
                        continue
                if aider and isinstance(content, list):
                    found = [aider_section(hist, ("input", i, "content", k, "text"), p["text"])
                             for k, p in enumerate(content)
                             if isinstance(p, dict) and p.get("type") == "input_text" and isinstance(p.get("text"), str)]
                    found = [s for s in found if s is not None]
                    if found:
                        out.extend(found)
                        continue
                txt = _texts(content)
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
                for k, p in enumerate(o):
                    if isinstance(p, dict) and p.get("type") in ("input_text", "output_text", "text") \
                            and isinstance(p.get("text"), str):
                        out.append(tool_output_site(hist, ("input", i, "output", k, "text"), p["text"], call))
    return out
