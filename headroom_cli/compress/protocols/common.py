"""Shared pieces of the protocol walkers: sites, tool-call context, agent envelopes, aider sections."""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Callable

from ...jsonspan import exact_float

# Context is bounded: compressors need the gist (what was asked, what was searched), and hashing stays cheap.
MAX_CONTEXT_CHARS = 2000
MAX_INPUT_CHARS = 1000


@dataclass
class Site:
    """One compressible string inside a request body."""

    path: tuple  # keys/indices from the body root to the string value to replace
    text: str  # the compressible part of that value
    tool_name: str = ""
    tool_input: str = ""  # the call's arguments as text (command, pattern, path)
    command: str = ""  # shell command, when the tool ran one (protection policy)
    preceding_text: str = ""  # assistant text before the call + last human text before it
    is_error: bool = False
    prefix: str = ""  # kept verbatim before the compressed text (e.g. Codex's exec envelope)
    suffix: str = ""
    encode: Callable[[str], Any] | None = None  # builds the stored value from prefix+new+suffix
    origin: str = "tool_result"  # "tool_result" | "command_output" (aider)

    def value(self, new_text: str) -> Any:
        v = self.prefix + new_text + self.suffix
        return self.encode(v) if self.encode else v


@dataclass
class Call:
    name: str
    tool_input: str
    command: str
    preceding_text: str


class History:
    """Running context while walking a conversation forward: what precedes each tool call."""

    def __init__(self) -> None:
        self.human = ""
        self.assistant = ""
        self.calls: dict[str, Call] = {}

    def saw_human(self, text: str) -> None:
        t = strip_boilerplate(text)
        if t:
            self.human = t[-MAX_CONTEXT_CHARS:]

    def saw_assistant(self, text: str) -> None:
        if isinstance(text, str) and text.strip():
            self.assistant = text[-MAX_CONTEXT_CHARS:]

    def preceding(self) -> str:
        return f"{self.assistant}\n{self.human}".strip("\n")

    def saw_call(self, call_id: Any, name: Any, args: Any) -> None:
        name = name if isinstance(name, str) else ""
        tool_input, command = render_input(args)
        if isinstance(call_id, str) and call_id:
            self.calls[call_id] = Call(name, tool_input, command, self.preceding())

    def call(self, call_id: Any) -> Call:
        c = self.calls.get(call_id) if isinstance(call_id, str) else None
        return c or Call("", "", "", "")  # orphan result: no context rather than a guess

    def site(self, path: tuple, text: str, call: Call, **kw) -> Site:
        return Site(path=path, text=text, tool_name=call.name, tool_input=call.tool_input,
                    command=call.command, preceding_text=call.preceding_text, **kw)


_REMINDER = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.S)
# Agent boilerplate that is not the human's request (Claude Code reminders, Codex environment/AGENTS.md).
_BOILERPLATE_PREFIXES = ("<environment_context>", "<user_instructions>", "# AGENTS.md instructions",
                         "<permissions instructions>", "<user_shell_command>", "Caveat: The messages below")


def strip_boilerplate(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    if "<system-reminder>" in text:
        text = _REMINDER.sub("", text)
    t = text.strip()
    if t.startswith(_BOILERPLATE_PREFIXES):
        return ""
    return t


def _shell_string(cmd: Any) -> str:
    if isinstance(cmd, str):
        return cmd
    if isinstance(cmd, list) and all(isinstance(x, str) for x in cmd):
        if len(cmd) >= 3 and cmd[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh") and cmd[1] in ("-c", "-lc", "-cl"):
            return cmd[-1]
        return shlex.join(cmd)
    return ""


_INPUT_KEYS = ("pattern", "query", "regex", "path", "file_path", "notebook_path", "glob", "include", "url",
               "paths", "file", "filename")


# Codex 0.171's default model runs commands from JavaScript in its freeform `exec` tool:
# `await tools.exec_command({cmd: "cat src/x.py"})`. The literal: a JSON-style "…", a plain '…' or `…`.
_JS_EXEC = re.compile(r"""exec_command\(\s*\{\s*["']?cmd["']?\s*:\s*("(?:[^"\\\n]|\\.)*"|'[^'\\\n]*'|`[^`$\\]*`)""")


def js_commands(script: str) -> str:
    """The shell commands a freeform `exec` script runs, one per line ("" when it runs none we can read)."""
    out = []
    for lit in _JS_EXEC.findall(script):
        if lit[0] == '"':
            try:
                out.append(json.loads(lit))
            except ValueError:
                return ""
        else:
            out.append(lit[1:-1])
    return "\n".join(out)


def render_input(args: Any) -> tuple[str, str]:
    """The call's arguments as text for relevance (command, pattern, path), and the shell command if any."""
    if isinstance(args, str):
        s = args.strip()
        if s.startswith("{"):
            try:
                args = json.loads(s)
            except ValueError:
                return s[:MAX_INPUT_CHARS], ""
        else:
            # each command on its own line: a source read among them protects the output (policy.is_source_read)
            return s[:MAX_INPUT_CHARS], js_commands(s)[:MAX_INPUT_CHARS * 4] if "exec_command" in s else ""
    if not isinstance(args, dict):
        return "", ""
    command = _shell_string(args.get("command", args.get("cmd", "")))
    if not command and isinstance(args.get("action"), dict):  # Responses local_shell_call
        command = _shell_string(args["action"].get("command", ""))
    parts = [command] if command else []
    for k in _INPUT_KEYS:
        v = args.get(k)
        if isinstance(v, str) and v:
            parts.append(v)
        elif isinstance(v, list):
            parts.extend(x for x in v if isinstance(x, str))
    if not parts:
        try:
            parts = [json.dumps(args, sort_keys=True, ensure_ascii=False)]
        except (TypeError, ValueError):
            parts = []
    return " ".join(parts)[:MAX_INPUT_CHARS], command[:MAX_INPUT_CHARS * 4]


# Codex wraps exec output: "Chunk ID: …\nWall time: …\nProcess exited with code 0\nOriginal token count: …\nOutput:\n".
_ENVELOPE = re.compile(r"\A(?:[A-Z][^\n]{0,200}\n){1,8}?Output:\n")


def split_envelope(text: str) -> tuple[str, str]:
    """(envelope kept verbatim, output to compress)."""
    if not text[:1].isupper():
        return "", text
    m = _ENVELOPE.match(text)
    if not m:
        return "", text
    return m.group(0), text[m.end():]


def unwrap_json_output(text: str) -> tuple[str, Callable[[str], str]] | None:
    """Older Codex sends `{"output": "...", "metadata": {...}}` as the tool output string."""
    if not text.startswith('{"output"'):
        return None
    try:  # (its other values are written out again: a number a float cannot hold leaves the string as it is)
        obj = json.loads(text, parse_float=exact_float)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("output"), str):
        return None

    def encode(new: str, _obj=obj) -> str:
        o = dict(_obj)
        o["output"] = new
        return json.dumps(o, ensure_ascii=False, separators=(",", ":"))

    return obj["output"], encode


_EXIT = re.compile(r"^Process exited with code (-?\d+)$", re.M)


def _failed(envelope: str) -> bool:
    m = _EXIT.search(envelope)
    return bool(m) and m.group(1) != "0"


def tool_output_site(hist: History, path: tuple, text: str, call: Call, **kw) -> Site:
    """A site for a tool output string: an agent's envelope stays verbatim, the output inside is compressible.
    A non-zero exit code in the envelope marks the result as an error (compressors keep more of it)."""
    wrapped = unwrap_json_output(text)
    encode = None
    if wrapped is not None:
        text, encode = wrapped
    prefix, body = split_envelope(text)
    if prefix and _failed(prefix):
        kw["is_error"] = True
    return hist.site(path, body, call, prefix=prefix, encode=encode, **kw)


# aider adds command output (`/run`, `/test`, failing lint/test runs) as a user message built from this template
# (aider/prompts.py `run_output`): "I ran this command:\n\n{command}\n\nAnd got this output:\n\n{output}\n".
AIDER_RUN_HEAD = "I ran this command:\n\n"
AIDER_RUN_MID = "\n\nAnd got this output:\n\n"


def aider_section(hist: History, path: tuple, content: str) -> Site | None:
    """The command-output section of an aider `/run` message, or None. Everything else in user text is left alone."""
    h = content.find(AIDER_RUN_HEAD)
    if h < 0:
        return None
    m = content.find(AIDER_RUN_MID, h)
    if m < 0:
        return None
    command = content[h + len(AIDER_RUN_HEAD):m]
    start = m + len(AIDER_RUN_MID)
    end = len(content) - 1 if content.endswith("\n") else len(content)
    if end <= start:
        return None
    call = Call("aider_run", command[:MAX_INPUT_CHARS], command, hist.preceding())
    return hist.site(path, content[start:end], call, prefix=content[:start], suffix=content[end:],
                     origin="command_output")


def text_parts(content: list, types: tuple[str, ...]) -> list[tuple[int, str]]:
    """(index, text) of the content parts of one of `types` that carry a string `text`."""
    return [(k, p["text"]) for k, p in enumerate(content)
            if isinstance(p, dict) and p.get("type") in types and isinstance(p.get("text"), str)]


def texts(content: Any, types: tuple[str, ...]) -> str | None:
    """A message's text: string content as it is, a list's text parts (of `types`) joined, else None."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [t for _, t in text_parts(content, types)]
        return "\n".join(parts) if parts else None
    return None


def aider_sites(hist: History, path: tuple, content: Any, types: tuple[str, ...]) -> list[Site]:
    """The aider `/run` sections of a user message's content at `path`: the string itself, or its text parts."""
    if isinstance(content, str):
        s = aider_section(hist, path, content)
        return [s] if s is not None else []
    if isinstance(content, list):
        found = (aider_section(hist, path + (k, "text"), t) for k, t in text_parts(content, types))
        return [s for s in found if s is not None]
    return []


def has_tools(body: dict) -> bool:
    t = body.get("tools")
    return isinstance(t, list) and len(t) > 0
