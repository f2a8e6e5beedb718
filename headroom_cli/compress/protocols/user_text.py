"""User text per wire, as sites for document compression (`compress/documents.py`): each string of a user
message (string content, or one text part of a list) is one site, with the assistant text before it as context.

Only for callers that ask for it (the library's `compress()`, the framework wrappers, `headroom proxy
--compress-documents`): by default the engine never touches what a user sent. Left out even then: agent
boilerplate (Claude Code's `<system-reminder>` blocks, Codex's environment context), which is context the agent
composed rather than a document, and aider's `/run` sections, which the tool-result walkers already own.
"""
from __future__ import annotations

from typing import Any, Callable

from ... import wires
from .common import AIDER_RUN_HEAD, AIDER_RUN_MID, MAX_CONTEXT_CHARS, Site, strip_boilerplate, text_parts, texts

_CHAT_TEXT = ("text", "input_text")
_RESPONSES_TEXT = ("input_text", "text")


def _wanted(text: Any) -> bool:
    if not isinstance(text, str) or not text:
        return False
    if "<system-reminder>" in text or not strip_boilerplate(text):
        return False
    return not (AIDER_RUN_HEAD in text and AIDER_RUN_MID in text)


class _Walk:
    def __init__(self) -> None:
        self.assistant = ""
        self.out: list[Site] = []

    def saw_assistant(self, text: Any) -> None:
        if isinstance(text, str) and text.strip():
            self.assistant = text[-MAX_CONTEXT_CHARS:]

    def user(self, path: tuple, content: Any, types: tuple[str, ...]) -> None:
        if isinstance(content, str):
            if _wanted(content):
                self.out.append(Site(path=path, text=content, preceding_text=self.assistant, origin="document"))
        elif isinstance(content, list):
            for k, t in text_parts(content, types):
                if _wanted(t):
                    self.out.append(Site(path=path + (k, "text"), text=t, preceding_text=self.assistant,
                                         origin="document"))


def _messages(body: dict, types: tuple[str, ...]) -> list[Site]:
    msgs = body.get("messages")
    if not isinstance(msgs, list):
        return []
    w = _Walk()
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        if m.get("role") == "assistant":
            w.saw_assistant(texts(m.get("content"), ("text", "output_text")))
        elif m.get("role") == "user":
            w.user(("messages", i, "content"), m.get("content"), types)
    return w.out


def _anthropic(body: dict) -> list[Site]:
    return _messages(body, ("text",))


def _chat(body: dict) -> list[Site]:
    return _messages(body, _CHAT_TEXT)


def _responses(body: dict) -> list[Site]:
    items = body.get("input")
    w = _Walk()
    if isinstance(items, str):  # `input` may be the user's text itself
        w.user(("input",), items, _RESPONSES_TEXT)
        return w.out
    if not isinstance(items, list):
        return []
    for i, it in enumerate(items):
        if not isinstance(it, dict) or not (it.get("type") == "message" or (it.get("type") is None and "role" in it)):
            continue
        if it.get("role") == "assistant":
            w.saw_assistant(texts(it.get("content"), ("output_text", "text")))
        elif it.get("role") == "user":
            w.user(("input", i, "content"), it.get("content"), _RESPONSES_TEXT)
    return w.out


def _gemini(body: dict) -> list[Site]:
    """`contents[]`: a user turn's `parts[]` with `text` (no `type` field in this wire); function responses are the
    tool-result walker's, thought parts the model's."""
    contents = body.get("contents")
    if not isinstance(contents, list):
        return []
    w = _Walk()
    for i, c in enumerate(contents):
        if not isinstance(c, dict) or not isinstance(c.get("parts"), list):
            continue
        parts = c["parts"]
        if c.get("role") == "model":
            w.saw_assistant("\n".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
                                      and not p.get("thought")))
        elif c.get("role", "user") == "user":
            for k, part in enumerate(parts):
                if isinstance(part, dict) and not part.get("thought") and _wanted(part.get("text")):
                    w.out.append(Site(path=("contents", i, "parts", k, "text"), text=part["text"],
                                      preceding_text=w.assistant, origin="document"))
    return w.out


USER_TEXT: wires.WireMap[Callable[[dict], list[Site]]] = wires.WireMap("user-text walkers", {
    wires.ANTHROPIC: _anthropic,
    wires.OPENAI_CHAT: _chat,
    wires.OPENAI_RESPONSES: _responses,
    wires.GEMINI: _gemini,
})


def sites(body: dict, protocol: str) -> list[Site]:
    return USER_TEXT[protocol](body)
