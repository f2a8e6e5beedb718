"""Anthropic Messages: `tool_result` blocks in user messages (string content or a list of text blocks).

Images, documents and unknown block types, `cache_control`, `is_error`, and unknown roles (Claude Code sends
`role: "system"` inside `messages`) all pass through untouched.
"""
from __future__ import annotations

from .common import History, Site, aider_section, has_tools, text_parts, tool_output_site


def sites(body: dict) -> list[Site]:
    msgs = body.get("messages")
    if not isinstance(msgs, list):
        return []
    aider = not has_tools(body)
    hist = History()
    out: list[Site] = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        role, content = m.get("role"), m.get("content")
        if role == "assistant":
            if isinstance(content, str):
                hist.saw_assistant(content)
            elif isinstance(content, list):
                for b in content:
                    if not isinstance(b, dict):
                        continue
                    t = b.get("type")
                    if t == "text":
                        hist.saw_assistant(b.get("text"))
                    elif t == "tool_use":
                        hist.saw_call(b.get("id"), b.get("name"), b.get("input"))
        elif role == "user":
            if isinstance(content, str):
                if aider:
                    s = aider_section(hist, ("messages", i, "content"), content)
                    if s is not None:
                        out.append(s)
                        continue
                hist.saw_human(content)
            elif isinstance(content, list):
                human = None
                for j, b in enumerate(content):
                    if not isinstance(b, dict):
                        continue
                    t = b.get("type")
                    if t == "tool_result":
                        out.extend(_result_sites(hist, ("messages", i, "content", j), b))
                    elif t == "text" and isinstance(b.get("text"), str):
                        if aider:
                            s = aider_section(hist, ("messages", i, "content", j, "text"), b["text"])
                            if s is not None:
                                out.append(s)
                                continue
                        human = b["text"] if human is None else human + "\n" + b["text"]
                if human is not None:
                    hist.saw_human(human)
    return out


def _result_sites(hist: History, path: tuple, block: dict) -> list[Site]:
    call = hist.call(block.get("tool_use_id"))
    is_error = block.get("is_error") is True
    c = block.get("content")
    if isinstance(c, str):
        return [tool_output_site(hist, path + ("content",), c, call, is_error=is_error)]
    out = []
    if isinstance(c, list):
        for k, t in text_parts(c, ("text",)):
            out.append(tool_output_site(hist, path + ("content", k, "text"), t, call, is_error=is_error))
    return out
