"""OpenAI Chat Completions: `role: "tool"` messages (string or list-of-text content), legacy `role: "function"`."""
from __future__ import annotations

from .common import History, Site, aider_sites, has_tools, text_parts, texts, tool_output_site

_TEXT_TYPES = ("text", "input_text")  # parts read as message text


def sites(body: dict) -> list[Site]:
    msgs = body.get("messages")
    if not isinstance(msgs, list):
        return []
    aider = not has_tools(body) and not body.get("functions")
    hist = History()
    out: list[Site] = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        role, content = m.get("role"), m.get("content")
        if role == "assistant":
            t = texts(content, _TEXT_TYPES)
            if t:
                hist.saw_assistant(t)
            calls = m.get("tool_calls")
            if isinstance(calls, list):
                for c in calls:
                    if isinstance(c, dict) and isinstance(c.get("function"), dict):
                        hist.saw_call(c.get("id"), c["function"].get("name"), c["function"].get("arguments"))
            fc = m.get("function_call")
            if isinstance(fc, dict):  # legacy functions API: the result names the function, no id
                hist.saw_call("fn:" + str(fc.get("name")), fc.get("name"), fc.get("arguments"))
        elif role in ("tool", "function"):
            call = hist.call(m.get("tool_call_id") if role == "tool" else "fn:" + str(m.get("name")))
            if role == "function" and not call.name and isinstance(m.get("name"), str):
                call.name = m["name"]
            if isinstance(content, str):
                out.append(tool_output_site(hist, ("messages", i, "content"), content, call))
            elif isinstance(content, list):
                for k, t in text_parts(content, ("text",)):
                    out.append(tool_output_site(hist, ("messages", i, "content", k, "text"), t, call))
        elif role == "user":
            if aider:
                found = aider_sites(hist, ("messages", i, "content"), content, ("text",))
                if found:
                    out.extend(found)
                    continue
            t = texts(content, _TEXT_TYPES)
            if t:
                hist.saw_human(t)
    return out
