"""Gemini API (`generateContent` / `streamGenerateContent`): `functionResponse` parts in `contents`.

A tool result is a `functionResponse` part: `{"functionResponse": {"id"?, "name", "response": {...}}}`,
matched to the model's `functionCall` part by `id` when both carry one, else by name in call order within
the model turn before it (the API pairs calls and responses that way when there are no ids). The
compressible sites are the string values inside `response` (Gemini CLI sends `{"output": "…"}`, errors
as `{"error": "…"}`; other clients any object), at any depth.

Gemini CLI wraps tool output as `<untrusted_context>\\n…\\n</untrusted_context>` (after an `Output too large. …`
line when it cut a long output itself), and its shell tool's output as `Output: …` followed by status lines
(`Error:`, `Exit Code:`, `Signal:`, `Background PIDs:`, `Process Group PGID:`). Those envelopes stay verbatim; only the output inside is compressible, and a
non-zero exit code marks the result as an error. Text parts of `user` turns are the human's text (its
`<session_context>` preamble excepted); text parts of `model` turns (not `thought` parts) the assistant's.
Everything else (`systemInstruction`, inline data, thought signatures, unknown parts and roles) passes
through untouched.
"""
from __future__ import annotations

import re
from typing import Any

from .common import Call, History, Site, render_input, tool_output_site

_MAX_DEPTH = 6  # how deep into a response object string values are looked for

_WRAP_HEAD = "<untrusted_context>\n"
_WRAP_TAIL = "\n</untrusted_context>"
_SHELL_HEAD = "Output: "
# Status lines Gemini CLI's shell tool appends after the output, each `Name: value`.
_STATUS = re.compile(r"(?:\n(?:Error|Exit Code|Signal|Background PIDs|Process Group PGID): [^\n]*)+\Z")
_EXIT = re.compile(r"^Exit Code: (-?\d+)$", re.M)
_BOILERPLATE = ("<session_context>",)
# Above 40,000 characters Gemini CLI 0.61.0 keeps the first 8,000 and the last 32,000 (with
# `... [N characters omitted] ...` between) and puts this line, naming the file with the whole output, first.
_TOO_LARGE = "Output too large. "


def sites(body: dict) -> list[Site]:
    contents = body.get("contents")
    if not isinstance(contents, list):
        return []
    hist = History()
    out: list[Site] = []
    pending: list[tuple[str, Call]] = []  # this model turn's calls without an id, by name, in order
    for i, c in enumerate(contents):
        if not isinstance(c, dict):
            continue
        parts = c.get("parts")
        if not isinstance(parts, list):
            continue
        role = c.get("role")
        if role == "model":
            pending = []
            for p in parts:
                if not isinstance(p, dict):
                    continue
                if isinstance(p.get("text"), str) and p.get("thought") is not True:
                    hist.saw_assistant(p["text"])
                fc = p.get("functionCall")
                if isinstance(fc, dict):
                    name = fc.get("name") if isinstance(fc.get("name"), str) else ""
                    cid = fc.get("id")
                    if isinstance(cid, str) and cid:
                        hist.saw_call(cid, name, fc.get("args"))
                    else:
                        tool_input, command = render_input(fc.get("args"))
                        pending.append((name, Call(name, tool_input, command, hist.preceding())))
        elif role in ("user", None, "function"):  # "function": older clients' role for responses
            human: list[str] = []
            for j, p in enumerate(parts):
                if not isinstance(p, dict):
                    continue
                fr = p.get("functionResponse")
                if isinstance(fr, dict):
                    call = _call_for(hist, pending, fr)
                    resp = fr.get("response")
                    base = ("contents", i, "parts", j, "functionResponse", "response")
                    if isinstance(resp, dict):
                        is_error = "error" in resp and "output" not in resp
                        out.extend(_value_sites(hist, base, resp, call, is_error, 0))
                elif isinstance(p.get("text"), str) and not p["text"].lstrip().startswith(_BOILERPLATE):
                    human.append(p["text"])
            if human:
                hist.saw_human("\n".join(human))
    return out


def _call_for(hist: History, pending: list[tuple[str, Call]], fr: dict) -> Call:
    rid = fr.get("id")
    if isinstance(rid, str) and rid and rid in hist.calls:
        return hist.call(rid)
    name = fr.get("name")
    for k, (n, call) in enumerate(pending):
        if n == name:
            del pending[k]
            return call
    return hist.call(None)  # an orphan response: no context rather than a guess


def _value_sites(hist: History, path: tuple, value: Any, call: Call, is_error: bool, depth: int) -> list[Site]:
    if isinstance(value, str):
        return [_text_site(hist, path, value, call, is_error)]
    if depth >= _MAX_DEPTH:
        return []
    out: list[Site] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_value_sites(hist, path + (k,), v, call, is_error, depth + 1))
    elif isinstance(value, list):
        for k, v in enumerate(value):
            out.extend(_value_sites(hist, path + (k,), v, call, is_error, depth + 1))
    return out


def _text_site(hist: History, path: tuple, text: str, call: Call, is_error: bool) -> Site:
    head = tail = ""
    inner = text
    if inner.startswith(_TOO_LARGE):  # its own cut of a long output: the line naming the full file stays
        nl = inner.find("\n")
        if 0 < nl < 2000:
            head, inner = inner[:nl + 1], inner[nl + 1:]
    if inner.startswith(_WRAP_HEAD) and inner.endswith(_WRAP_TAIL) and len(inner) >= len(_WRAP_HEAD + _WRAP_TAIL):
        head, tail = head + _WRAP_HEAD, _WRAP_TAIL
        inner = inner[len(_WRAP_HEAD):len(inner) - len(_WRAP_TAIL)]
    if inner.startswith(_SHELL_HEAD):
        head += _SHELL_HEAD
        inner = inner[len(_SHELL_HEAD):]
        m = _STATUS.search(inner)
        if m:
            code = _EXIT.search(m.group(0)[1:])
            if code and code.group(1) != "0":
                is_error = True
            tail = m.group(0) + tail
            inner = inner[:m.start()]
    if not head and not tail:
        return tool_output_site(hist, path, text, call, is_error=is_error)
    site = hist.site(path, inner, call, is_error=is_error)
    site.prefix, site.suffix = head, tail
    return site
