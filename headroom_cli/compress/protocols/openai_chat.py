"""OpenAI Chat Completions: `role: "tool"` messages (string or list-of-text content), legacy `role: "function"`."""
from __future__ import annotations

from .common import History, Site, aider_section, has_tools, tool_output_site


def _texts(content) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content
                 if isinstance(p, dict) and p.get("type") in ("text", "input_text") and isinstance(p.get("text"), str)]
        return "\n".join(parts) if parts else None
    return None


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
            t = _texts(content)
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
                for k, p in enumerate(content):
                    if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str):
                        out.append(tool_output_site(hist, ("messages", i, "content", k, "text"), p["text"], call))
        elif role == "user":
            if aider:
                if isinstance(content, str):
                    s = aider_section(hist, ("messages", i, "content"), content)
                    if s is not None:
                        out.append(s)
                        continue
                elif isinstance(content, list):
                    found = False
                    for k, p in enumerate(content):
                        if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str):
                            s = aider_section(hist, ("messages", i, "content", k, "text"), p["text"])
                            if s is not None:
                                out.append(s)
                                found = True
                    if found:
                        continue
            t = _texts(content)
            if t:
                hist.saw_human(t)
    return out
