"""Read past agent sessions into one neutral shape: tool calls with their outcome, and user messages.

Claude Code writes one JSONL transcript per session under `~/.claude/projects/<slug>/<session>.jsonl`
(slug = the project's absolute path with every non-alphanumeric character replaced by `-`). Lines
are `{"type": "user"|"assistant"|"system"|"summary"|"file-history-snapshot"|…, "message": {...}}`;
tool calls are `tool_use` blocks in assistant messages, their results `tool_result` blocks (with
`is_error`) in the next user line.

Codex writes `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`. Current versions wrap every line as
`{"timestamp", "type": "session_meta"|"response_item"|"event_msg"|"turn_context"|"compacted",
"payload"}`; older ones wrote the first line as bare session metadata and the items unwrapped
(with `{"record_type": "state"}` lines in between). Shell calls appear as `function_call` named
`shell` (`command` argv), `exec_command` (`cmd` string) or `shell_command`, or as `local_shell_call`;
their output is JSON (`{"output", "metadata": {"exit_code"}}`) or text with an exit-code header.

Codex 0.171 also writes an `event_msg` `item_completed` per command it ran (`CommandExecution`: argv, cwd as a
`file://` URL, exit code, output). Its default model calls one freeform JavaScript tool (`exec`) whose code runs
the commands through `tools.exec_command`: those commands appear only as such items, so each becomes a shell call
of its own (the JavaScript wrapper is dropped).

Both formats change often, so every reader skips what it does not understand: unknown line types,
unknown block types, malformed JSON, half-written last lines.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

SHELL = "shell"  # neutral name of every agent's shell tool (Claude `Bash`, Codex `shell`/`exec_command`)

_CLAUDE_SHELL_TOOLS = {"Bash", "BashOutput"}
_CODEX_SHELL_TOOLS = {"shell", "exec_command", "shell_command", "container.exec", "local_shell"}


@dataclass
class ToolCall:
    index: int  # position among the session's events
    tool: str  # neutral tool name: SHELL for shells, else the agent's own name (Read, Edit, apply_patch…)
    input: dict  # the call's arguments as the agent sent them
    command: str = ""  # shell tools: the command line (wrappers like `bash -lc` removed)
    output: str = ""
    is_error: bool | None = None  # what the agent recorded; None when it records nothing
    exit_code: int | None = None
    timestamp: str = ""
    call_id: str = ""
    answered: bool = False  # a result was seen for this call (whether it failed: `mining.call_failed`)
    cwd: str = ""  # the directory the call ran in, when the agent records it (absolute)


@dataclass
class UserMessage:
    index: int
    text: str
    timestamp: str = ""
    uid: str = ""  # the agent's own message id, when it writes one (Claude Code's uuid)


@dataclass
class Session:
    agent: str  # the agent's profile name ("claude", "codex", …)
    session_id: str
    path: Path
    project: str = ""  # the working directory the agent ran in
    events: list = field(default_factory=list)  # ToolCall | UserMessage, in order
    started: str = ""
    ended: str = ""
    skipped_lines: int = 0  # malformed or unreadable lines

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [e for e in self.events if isinstance(e, ToolCall)]

    @property
    def user_messages(self) -> list[UserMessage]:
        return [e for e in self.events if isinstance(e, UserMessage)]

    def last_time(self) -> datetime | None:
        return parse_time(self.ended or self.started)


def parse_time(ts: str) -> datetime | None:
    if not ts or not isinstance(ts, str):
        return None
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


try:  # transcripts run to hundreds of MB: orjson parses them ~3x faster when it is installed
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is optional
    _loads = json.loads


def _json_lines(path: Path) -> Iterator[dict | None]:
    """Each line parsed, None for a malformed one. Reads bytes so a bad encoding costs one line only."""
    try:
        fh = open(path, "rb")
    except OSError:
        return
    with fh:
        for raw in fh:
            raw = raw.strip()
            if not raw:
                continue
            try:
                obj = _loads(raw)
            except ValueError:  # orjson's errors are ValueErrors too
                try:  # invalid UTF-8 in one string should not cost the line
                    obj = json.loads(raw.decode("utf-8", "replace"))
                except ValueError:
                    yield None
                    continue
            yield obj if isinstance(obj, dict) else None


def _text_of(content) -> str:
    """Text of a message/tool-result content: a string, or a list of text blocks (others skipped)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for b in content:
            if isinstance(b, str):
                parts.append(b)
            elif isinstance(b, dict) and isinstance(b.get("text"), str):
                parts.append(b["text"])
        return "\n".join(parts)
    return ""


def unwrap_shell(cmd) -> str:
    """The command a shell call ran: argv lists joined, `bash -lc '<cmd>'` wrappers removed."""
    if isinstance(cmd, list):
        argv = [str(a) for a in cmd]
        if len(argv) >= 3 and os.path.basename(argv[0]) in {"bash", "sh", "zsh"} and argv[1] in {"-lc", "-c"}:
            return argv[2].strip()
        return shlex.join(argv)
    if isinstance(cmd, str):
        s = cmd.strip()
        m = re.match(r"^(?:/bin/|/usr/bin/)?(?:bash|sh|zsh) -l?c (.+)$", s, re.S)
        if m:
            try:
                parts = shlex.split(m.group(1))
            except ValueError:
                return s
            if len(parts) == 1:
                return parts[0].strip()
        return s
    return ""


# --- user text that is not the user talking ------------------------------------------------------

_BOILERPLATE_PREFIXES = (
    "<command-name>", "<command-message>", "<command-args>", "<local-command-stdout>", "<local-command-stderr>",
    "<system-reminder>", "<environment_context>", "<user_instructions>", "<user_shell_command>", "<turn_aborted>",
    "Caveat:", "[Request interrupted", "# AGENTS.md instructions", "<INSTRUCTIONS>", "<permissions instructions>",
    "This session is being continued from a previous conversation",
)


_REMINDER = re.compile(r"<system-reminder>.*?</system-reminder>", re.S)


def strip_reminders(text: str) -> str:
    """User text without the `<system-reminder>` spans the agent injects into it."""
    return _REMINDER.sub("", text).strip() if "<system-reminder>" in text else text


def is_boilerplate(text: str) -> bool:
    t = text.lstrip()
    return not t or t.startswith(_BOILERPLATE_PREFIXES)


# --- Claude Code ----------------------------------------------------------------------------------

def claude_slug(project: str | os.PathLike) -> str:
    """Claude Code's directory name for a project: the absolute path with non-alphanumerics as `-`."""
    return re.sub(r"[^A-Za-z0-9]", "-", str(project))


def _claude_slug_variants(project: str) -> set[str]:
    # older versions replaced only `/` (and `.`): accept both spellings
    return {claude_slug(project), re.sub(r"[/.]", "-", project), project.replace("/", "-")}


def read_claude_transcript(path: Path) -> Session:
    path = Path(path)
    s = Session(agent="claude", session_id=path.stem, path=path)
    calls: dict[str, ToolCall] = {}
    seen_ids: set[str] = set()
    for obj in _json_lines(path):
        if obj is None:
            s.skipped_lines += 1
            continue
        ts = obj.get("timestamp") if isinstance(obj.get("timestamp"), str) else ""
        if ts:
            s.started = s.started or ts
            s.ended = ts
        if isinstance(obj.get("sessionId"), str) and s.session_id == path.stem and obj["sessionId"]:
            # a subagent's transcript (<session>/subagents/agent-*.jsonl) carries its parent's id
            sub = "subagents" in path.parts and obj["sessionId"] != path.stem
            s.session_id = f"{obj['sessionId']}:{path.stem}" if sub else obj["sessionId"]
        if isinstance(obj.get("cwd"), str) and not s.project:
            s.project = obj["cwd"]
        kind = obj.get("type")
        msg = obj.get("message")
        if kind not in ("user", "assistant") or not isinstance(msg, dict):
            continue  # summary, system, file-history-snapshot, queue-operation, progress, …
        # a streamed assistant message is written once per content block, under one uuid each;
        # skip exact repeats (same uuid) that some versions write after a resume
        uid = obj.get("uuid")
        if isinstance(uid, str):
            if uid in seen_ids:
                continue
            seen_ids.add(uid)
        content = msg.get("content")
        if kind == "assistant":
            for b in content if isinstance(content, list) else []:
                if isinstance(b, dict) and b.get("type") == "tool_use" and isinstance(b.get("name"), str):
                    inp = b.get("input") if isinstance(b.get("input"), dict) else {}
                    name = b["name"]
                    call = ToolCall(index=len(s.events), tool=SHELL if name in _CLAUDE_SHELL_TOOLS else name,
                                    input=inp, timestamp=ts, call_id=str(b.get("id") or ""),
                                    # each line records the directory at that moment (a `cd` in Bash persists)
                                    cwd=obj["cwd"] if isinstance(obj.get("cwd"), str) else "")
                    if call.tool == SHELL:
                        call.command = unwrap_shell(inp.get("command", ""))
                    s.events.append(call)
                    if call.call_id:
                        calls[call.call_id] = call
            continue
        # user line: plain text from the human, or tool results
        if isinstance(content, str):
            content = strip_reminders(content)
            if not obj.get("isMeta") and not is_boilerplate(content):
                s.events.append(UserMessage(index=len(s.events), text=content.strip(), timestamp=ts,
                                            uid=uid if isinstance(uid, str) else ""))
            continue
        if not isinstance(content, list):
            continue
        texts = []
        for b in content:
            if not isinstance(b, dict):
                continue
            if b.get("type") == "tool_result":
                call = calls.get(str(b.get("tool_use_id") or ""))
                if call is None:
                    continue
                call.output = _text_of(b.get("content"))
                # Claude Code flags every failed call; a result without the flag succeeded
                call.is_error = bool(b.get("is_error"))
                call.answered = True
                m = re.match(r"^(?:Error: )?Exit code (-?\d+)", call.output)
                if m:
                    call.exit_code = int(m.group(1))
                tur = obj.get("toolUseResult")
                if isinstance(tur, dict) and tur.get("interrupted"):
                    call.is_error = True
            elif b.get("type") == "text" and isinstance(b.get("text"), str):
                t = strip_reminders(b["text"])
                if not is_boilerplate(t):  # per block: reminders come as blocks of their own
                    texts.append(t)
        text = "\n".join(texts).strip()
        if text and not obj.get("isMeta"):
            s.events.append(UserMessage(index=len(s.events), text=text, timestamp=ts,
                                        uid=uid if isinstance(uid, str) else ""))
    return s


def claude_transcripts(claude_home: Path, project: str | None = None, subdir: str = "projects") -> list[Path]:
    """Transcript files under `<claude_home>/<subdir>`, for one project or all, sorted."""
    root = Path(claude_home) / subdir
    if not root.is_dir():
        return []
    if project is None:
        dirs = [d for d in root.iterdir() if d.is_dir()]
    else:
        names = _claude_slug_variants(str(project))
        dirs = [d for d in root.iterdir() if d.is_dir() and d.name in names]
    out: list[Path] = []
    for d in dirs:
        out.extend(p for p in d.rglob("*.jsonl") if p.is_file())
    return sorted(out)


# --- Codex ------------------------------------------------------------------------------------------

def _codex_output(raw) -> tuple[str, int | None]:
    """(text, exit code) of a Codex tool output in any of its spellings."""
    if isinstance(raw, dict):  # some versions store {"content": "...", "success": bool}
        text = _text_of(raw.get("content")) or str(raw.get("output", ""))
        ok = raw.get("success")
        return text, (None if ok is None else (0 if ok else 1))
    if isinstance(raw, list):
        return _text_of(raw), None
    if not isinstance(raw, str):
        return "", None
    s = raw
    if s.startswith("{"):
        try:
            obj = json.loads(s)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "output" in obj:
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            code = meta.get("exit_code")
            return str(obj.get("output") or ""), code if isinstance(code, int) else None
    # text form: a short header (Chunk ID, Wall time, exit code, token count) then "Output:\n…"
    head, sep, body = s.partition("\nOutput:\n")
    if not sep and s.startswith("Output:\n"):
        head, body, sep = "", s[len("Output:\n"):], "x"
    m = re.search(r"(?:Process exited with code|Exit code:?)\s*(-?\d+)", head if sep else s[:200])
    code = int(m.group(1)) if m else None
    return (body if sep else s), code


def read_codex_rollout(path: Path) -> Session:
    path = Path(path)
    m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", path.name)
    s = Session(agent="codex", session_id=m.group(1) if m else path.stem, path=path)
    calls: dict[str, ToolCall] = {}
    typed_prompts: list[UserMessage] = []  # event_msg user_message (the prompt as typed)
    item_prompts: list[UserMessage] = []  # response_item user messages (include injected context)
    wrappers: set[int] = set()  # ids of JavaScript `exec` calls whose commands were read on their own
    last_custom: ToolCall | None = None  # the newest freeform call (the wrapper of the commands that follow)
    first = True
    for obj in _json_lines(path):
        if obj is None:
            s.skipped_lines += 1
            first = False
            continue
        ts = obj.get("timestamp") if isinstance(obj.get("timestamp"), str) else ""
        if "payload" in obj and isinstance(obj.get("payload"), dict):
            kind, item = obj.get("type"), obj["payload"]
        elif first and "id" in obj and "type" not in obj:  # legacy: bare session metadata first
            kind, item = "session_meta", obj
        elif obj.get("record_type"):
            first = False
            continue
        else:
            kind, item = "response_item", obj
        first = False
        ts = ts or (item.get("timestamp") if isinstance(item.get("timestamp"), str) else "")
        if ts:
            s.started = s.started or ts
            s.ended = max(s.ended, ts)
        if kind == "session_meta":
            meta = item.get("meta") if isinstance(item.get("meta"), dict) else item
            if isinstance(meta.get("id"), str) and meta["id"]:
                s.session_id = meta["id"]
            if isinstance(meta.get("cwd"), str):
                s.project = meta["cwd"]
            continue
        if kind == "turn_context":
            if not s.project and isinstance(item.get("cwd"), str):
                s.project = item["cwd"]
            continue
        if kind == "event_msg":
            et = item.get("type")
            if et == "user_message" and isinstance(item.get("message"), str):
                text = item["message"].strip()
                if not is_boilerplate(text):
                    um = UserMessage(index=len(s.events), text=text, timestamp=ts)
                    s.events.append(um)
                    typed_prompts.append(um)
            elif et == "exec_command_end":
                call = calls.get(str(item.get("call_id") or ""))
                if call is not None and isinstance(item.get("exit_code"), int):
                    call.exit_code = item["exit_code"]
                    if not call.output:
                        call.output = str(item.get("aggregated_output") or item.get("stderr") or item.get("stdout") or "")
            elif et == "item_completed" and isinstance(item.get("item"), dict) \
                    and item["item"].get("type") == "CommandExecution":
                ce = item["item"]
                call = calls.get(str(ce.get("id") or ""))
                code = ce.get("exit_code") if isinstance(ce.get("exit_code"), int) else None
                cwd = _file_url_path(ce.get("cwd"))
                if call is not None:  # the function call it belongs to: complete what it lacks
                    call.cwd = call.cwd or cwd
                    if call.exit_code is None and code is not None:
                        call.exit_code = code
                    continue
                cmd = unwrap_shell(ce.get("command"))
                if not cmd:
                    continue
                call = ToolCall(index=len(s.events), tool=SHELL, input={"cmd": cmd}, command=cmd,
                                output=str(ce.get("aggregated_output") or ""), exit_code=code, timestamp=ts,
                                call_id=str(ce.get("id") or ""), answered=True, cwd=cwd)
                if code is None and ce.get("status") in ("failed", "declined"):
                    call.is_error = True
                s.events.append(call)
                if last_custom is not None:
                    wrappers.add(id(last_custom))
            continue
        if kind != "response_item":
            continue
        it = item.get("type")
        if it == "message" and item.get("role") == "user":
            text = _text_of(item.get("content")).strip()
            if not s.project:  # legacy rollouts name the cwd only in the injected context
                m = _CWD_TAG.search(text)
                s.project = m.group(1).strip() if m else ""
            if not is_boilerplate(text):
                um = UserMessage(index=len(s.events), text=text, timestamp=ts)
                s.events.append(um)
                item_prompts.append(um)
        elif it in ("function_call", "custom_tool_call", "local_shell_call"):
            name = str(item.get("name") or ("local_shell" if it == "local_shell_call" else ""))
            if it == "local_shell_call":
                action = item.get("action") if isinstance(item.get("action"), dict) else {}
                args = {"command": action.get("command"), "workdir": action.get("working_directory")}
            elif it == "custom_tool_call":
                args = {"input": item.get("input")}
            else:
                try:
                    args = json.loads(item.get("arguments") or "{}")
                except (ValueError, TypeError):
                    args = {"raw": item.get("arguments")}
                if not isinstance(args, dict):
                    args = {"raw": args}
            call = ToolCall(index=len(s.events), tool=SHELL if name in _CODEX_SHELL_TOOLS else name,
                            input=args, timestamp=ts, call_id=str(item.get("call_id") or item.get("id") or ""))
            if call.tool == SHELL:
                call.command = unwrap_shell(args.get("cmd") if "cmd" in args else args.get("command"))
            s.events.append(call)
            if call.call_id:
                calls[call.call_id] = call
            # a script calling the nested tools (`await tools.exec_command(…)`), not e.g. apply_patch
            last_custom = call if it == "custom_tool_call" and "tools." in str(item.get("input") or "") else None
        elif it in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            call = calls.get(str(item.get("call_id") or ""))
            if call is None:
                continue
            text, code = _codex_output(item.get("output"))
            call.output, call.answered = text, True
            if code is not None:
                call.exit_code = code
    # the typed prompt is recorded twice in current versions (item + event): keep one spelling
    drop = set(wrappers)
    if typed_prompts and item_prompts:
        drop |= {id(u) for u in item_prompts}
    if drop:
        s.events = [e for e in s.events if id(e) not in drop]
        for i, e in enumerate(s.events):
            e.index = i
    return s


def _file_url_path(url) -> str:
    """`file:///home/dev/shop/web` → `/home/dev/shop/web` (a plain path stays as it is)."""
    if not isinstance(url, str) or not url:
        return ""
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(url).path)
    return url


_CWD_TAG = re.compile(r"<cwd>([^<]+)</cwd>")


def _codex_meta_cwd(path: Path) -> str:
    """The cwd from a rollout's first lines (cheap: no full parse to filter by project)."""
    for i, obj in enumerate(_json_lines(path)):
        if i > 12:
            break
        if not obj:
            continue
        item = obj.get("payload") if isinstance(obj.get("payload"), dict) else obj
        if isinstance(item.get("cwd"), str) and obj.get("type") in ("session_meta", "turn_context", None):
            return item["cwd"]
        if item.get("type") == "message" and item.get("role") == "user":
            m = _CWD_TAG.search(_text_of(item.get("content")))
            if m:
                return m.group(1).strip()
    return ""


def codex_rollouts(codex_home: Path, project: str | None = None, subdir: str = "sessions") -> list[Path]:
    """Rollout files under `<codex_home>/<subdir>` whose session ran in `project` (or all), sorted."""
    root = Path(codex_home) / subdir
    if not root.is_dir():
        return []
    files = sorted(p for p in root.rglob("*.jsonl") if p.is_file())
    if project is None:
        return files
    proj = str(project).rstrip("/") or "/"
    out = []
    for p in files:
        cwd = _codex_meta_cwd(p).rstrip("/")
        if cwd == proj or cwd.startswith(proj + "/"):
            out.append(p)
    return out


# --- the formats, by the name a profile's `[transcripts] reader` gives -----------------------------

@dataclass(frozen=True)
class Format:
    find: Callable[[Path, str | None, str], list[Path]]  # (agent home, project or None, subdir) → files
    read: Callable[[Path], Session]


FORMATS: dict[str, Format] = {
    "claude": Format(find=claude_transcripts, read=read_claude_transcript),
    "codex": Format(find=codex_rollouts, read=read_codex_rollout),
}
