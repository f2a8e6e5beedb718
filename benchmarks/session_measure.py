"""What the session runner measures, as pure functions of request bodies (no proxy, no network), so the
rules can be tested on small hand-made sessions. The rules are issues #13/#14's "How we measure":

- tokens: o200k over each whole JSON body as sent (an injected tool counts); `count` is passed in;
- billed input: a request's cached prefix is its longest run of leading items — the tools array, each system
  block, each message or input item, `cache_control` ignored — identical to the previous request's (compared
  as sent: originals with originals, forwarded with forwarded), billed at 0.1x; the rest at 1.25x (Anthropic,
  a cache write) or 1x (OpenAI);
- tool results: each one counted once, in the first request that carries it, original vs forwarded, split
  into file reads and the rest (a read of a persisted tool output is output, not a read);
- needles: verbatim in what was forwarded, or one retrieval away (a marker's key whose stored original holds
  it), in every request whose original holds it;
- re-forwarding: an item the client re-sent unchanged (same place, same JSON, cache_control ignored) must be
  forwarded unchanged too.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

CACHE_READ = 0.1
WRITE_RATE = {"anthropic": 1.25, "openai_responses": 1.0, "openai_chat": 1.0}

# File-read tools (what the issues call "read"): their output is a file's content.
READ_TOOLS = frozenset(t.lower() for t in (
    "Read", "NotebookRead", "read_file", "view", "ReadFile", "read", "view_file", "open_file", "cat_file",
    "read_many_files", "get_file_contents"))
READ_CMDS = frozenset(("cat", "head", "tail", "sed", "nl", "bat", "batcat", "less", "more"))
RETRIEVE_SUFFIX = "headroom_retrieve"
PERSISTED = "/tool-results/"  # Claude Code's saved big outputs: reading one is reading command output
# Reads of logs and data files are reads of output too (counted with the outputs: never flatters the share).
DATA_EXTS = (".log", ".out", ".err", ".jsonl", ".ndjson", ".csv", ".tsv", ".txt")


def _output_path(path: str) -> bool:
    return PERSISTED in path or path.lower().endswith(DATA_EXTS)


def protocol_of(body: dict) -> str:
    if "input" in body or "instructions" in body:
        return "openai_responses"
    if "system" in body or any(isinstance(m, dict) and isinstance(m.get("content"), list) and any(
            isinstance(b, dict) and b.get("type") in ("tool_use", "tool_result") for b in m["content"])
            for m in body.get("messages") or []):
        return "anthropic"
    return "openai_chat"


def _strip_cc(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip_cc(v) for k, v in x.items() if k != "cache_control"}
    if isinstance(x, list):
        return [_strip_cc(v) for v in x]
    return x


def canon(x: Any) -> str:
    return json.dumps(_strip_cc(x), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def items(body: dict, protocol: str) -> list[str]:
    """The body's cacheable items in provider order, each as canonical JSON (cache_control dropped)."""
    out: list[str] = []
    if "tools" in body:
        out.append(canon(["tools", body["tools"]]))
    if protocol == "anthropic":
        system = body.get("system")
        if isinstance(system, list):
            out += [canon(["system", b]) for b in system]
        elif system is not None:
            out.append(canon(["system", system]))
        out += [canon(m) for m in body.get("messages") or []]
    elif protocol == "openai_responses":
        if body.get("instructions") is not None:
            out.append(canon(["instructions", body["instructions"]]))
        inp = body.get("input")
        out += [canon(i) for i in inp] if isinstance(inp, list) else [canon(inp)] if inp is not None else []
    else:
        out += [canon(m) for m in body.get("messages") or []]
    return out


def common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass
class Billed:
    tokens: list[int]  # whole-body tokens per request
    cached: list[int]  # tokens of its cached prefix
    billed: list[float]

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def total_billed(self) -> float:
        return sum(self.billed)


def bill(texts: list[str], bodies: list[dict], protocol: str, count: Callable[[str], int]) -> Billed:
    """Whole-body tokens and modelled billed input of a sequence of requests (as sent)."""
    rate = WRITE_RATE.get(protocol, 1.0)
    tokens, cached, billed = [], [], []
    prev: list[str] = []
    for text, body in zip(texts, bodies):
        its = items(body, protocol)
        total = count(text)
        k = common_prefix(prev, its)
        c = min(total, sum(count(i) for i in its[:k]))
        tokens.append(total)
        cached.append(c)
        billed.append(CACHE_READ * c + rate * (total - c))
        prev = its
    return Billed(tokens, cached, billed)


# -- tool results -------------------------------------------------------------------------------------------

@dataclass
class ToolResult:
    id: str
    name: str
    args: dict
    text: str

    @property
    def kind(self) -> str:
        """"read" (a file's content), "retrieve" (a retrieved original) or "output" (everything else)."""
        bare = self.name.lower().rsplit("__", 1)[-1]
        if bare.endswith(RETRIEVE_SUFFIX):
            return "retrieve"
        path = str(self.args.get("file_path") or self.args.get("path") or self.args.get("absolute_path") or "")
        if bare in READ_TOOLS:
            return "output" if _output_path(path) else "read"
        cmd = shell_command(self.args)
        files = cat_like_files(cmd) if cmd else []
        if files:
            return "output" if all(_output_path(f) for f in files) else "read"
        return "output"


_JS_CMD = re.compile(r"""exec_command\(\s*\{\s*["']?cmd["']?\s*:\s*("(?:[^"\\]|\\.)*")""")


def shell_command(args: dict) -> str:
    if "command" not in args and "cmd" not in args and isinstance(args.get("input"), str):
        # Codex 0.171's freeform `exec` tool: JavaScript that calls tools.exec_command({cmd: "…"}) once
        cmds = _JS_CMD.findall(args["input"])
        if len(cmds) == 1:
            try:
                return json.loads(cmds[0])
            except ValueError:
                return ""
        return ""
    cmd = args.get("command", args.get("cmd", ""))
    if isinstance(cmd, list):
        cmd = shlex.join(str(c) for c in cmd)
    return cmd if isinstance(cmd, str) else ""


def _unwrap(cmd: str) -> str:
    for _ in range(3):
        try:
            parts = shlex.split(cmd)
        except ValueError:
            return cmd
        if len(parts) >= 3 and parts[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh") and parts[1].startswith("-") \
                and "c" in parts[1]:
            cmd = parts[-1]
            continue
        break
    return cmd


def cat_like_files(cmd: str) -> list[str]:
    """The files a command prints as they are (one stage, a read command, file arguments), else []."""
    cmd = _unwrap(cmd).strip()
    if "|" in cmd or not cmd:
        return []
    segs = [s for s in re.split(r"\s*(?:&&|;|\n)\s*", cmd) if s.strip() and not s.strip().startswith("cd ")]
    if len(segs) != 1:
        return []
    try:
        words = shlex.split(segs[0])
    except ValueError:
        return []
    if not words or words[0].rsplit("/", 1)[-1] not in READ_CMDS:
        return []
    if words[0] == "sed" and "-i" in words:
        return []
    args, target = [], False
    for w in words[1:]:  # an output redirection's target (`2>/dev/null`, `> out.txt`) is not a printed file
        m = re.match(r"(?:\d*|&)(>>?|>&)(.*)$", w)
        if target or m is not None:
            target = m is not None and not m.group(2)  # `2> /dev/null`: the target is the next word
        elif not w.startswith("-"):
            args.append(w.lstrip("<"))
    args = [w for w in args if w]
    if words[0] == "sed":
        args = args[1:]  # the script
    return [w for w in args if "/" in w or "." in w.strip(".")]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(c.get("text", c.get("content", ""))) if isinstance(c, dict) else _text(c)
                         for c in content)
    if isinstance(content, dict):
        return _text(content.get("text", content.get("content", "")))
    return "" if content is None else str(content)


def _args(raw: Any) -> dict:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            v = json.loads(raw)
        except ValueError:
            return {"input": raw}
        return v if isinstance(v, dict) else {"input": raw}
    return {}


def tool_results(body: dict, protocol: str) -> dict[str, ToolResult]:
    """Tool results by call id, each with the name and arguments of the call that asked for it."""
    calls: dict[str, tuple[str, dict]] = {}
    results: list[tuple[str, Any]] = []
    if protocol == "anthropic":
        for m in body.get("messages") or []:
            for b in m.get("content") or [] if isinstance(m, dict) and isinstance(m.get("content"), list) else []:
                if not isinstance(b, dict):
                    continue
                if b.get("type") in ("tool_use", "server_tool_use"):
                    calls[str(b.get("id"))] = (str(b.get("name", "")), _args(b.get("input")))
                elif b.get("type") == "tool_result":
                    results.append((str(b.get("tool_use_id")), b.get("content")))
    elif protocol == "openai_responses":
        inp = body.get("input")
        for it in inp if isinstance(inp, list) else []:
            if not isinstance(it, dict):
                continue
            t = it.get("type", "")
            if t in ("function_call", "custom_tool_call"):
                calls[str(it.get("call_id"))] = (str(it.get("name", "")), _args(it.get("arguments", it.get("input"))))
            elif t == "local_shell_call":
                calls[str(it.get("call_id"))] = ("local_shell", dict((it.get("action") or {})))
            elif t.endswith("_call_output"):
                results.append((str(it.get("call_id")), it.get("output")))
    else:
        for m in body.get("messages") or []:
            if not isinstance(m, dict):
                continue
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") or {}
                calls[str(tc.get("id"))] = (str(fn.get("name", "")), _args(fn.get("arguments")))
            if m.get("role") == "tool":
                results.append((str(m.get("tool_call_id")), m.get("content")))
    out = {}
    for cid, content in results:
        name, args = calls.get(cid, ("", {}))
        out[cid] = ToolResult(cid, name, args, _text(content))
    return out


@dataclass
class ToolSavings:
    before: dict[str, int] = field(default_factory=lambda: {"read": 0, "output": 0, "retrieve": 0})
    after: dict[str, int] = field(default_factory=lambda: {"read": 0, "output": 0, "retrieve": 0})
    n: dict[str, int] = field(default_factory=lambda: {"read": 0, "output": 0, "retrieve": 0})
    lines: list[dict] = field(default_factory=list)  # one per tool result, for --detail

    def saved(self, kind: str) -> float:
        b = self.before[kind]
        return (b - self.after[kind]) / b if b else 0.0


def tool_savings(originals: list[dict], forwarded: list[dict], protocol: str,
                 count: Callable[[str], int]) -> ToolSavings:
    s = ToolSavings()
    seen: set[str] = set()
    for i, (o, f) in enumerate(zip(originals, forwarded)):
        fwd = tool_results(f, protocol)
        for cid, tr in tool_results(o, protocol).items():
            if cid in seen:
                continue
            seen.add(cid)
            after = fwd.get(cid)
            b, a = count(tr.text), count(after.text if after else tr.text)
            k = tr.kind
            s.before[k] += b
            s.after[k] += a
            s.n[k] += 1
            s.lines.append({"request": i, "tool": tr.name, "kind": k, "before": b, "after": a,
                            "what": (shell_command(tr.args) or str(tr.args.get("file_path") or tr.args.get("pattern")
                                                                   or ""))[:80]})
    return s


# -- needles and re-forwarding ------------------------------------------------------------------------------

def strings(x: Any) -> Iterable[str]:
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


def needle_status(needle: str, originals: list[dict], forwarded: list[dict],
                  get: Callable[[str], str | None], find_keys: Callable[[str], list[str]]) -> str:
    """"verbatim", "retrieval" (one retrieval away in every request that needs it), "lost", or "absent"
    (no original request holds it: the sidecar is wrong)."""
    status = "absent"
    for o, f in zip(originals, forwarded):
        if not any(needle in s for s in strings(o)):
            continue
        fs = list(strings(f))
        if any(needle in s for s in fs):
            status = "verbatim" if status in ("absent", "verbatim") else status
            continue
        keys = [k for s in fs for k in find_keys(s)]
        if any(needle in (get(k) or "") for k in keys):
            status = "retrieval" if status != "lost" else status
        else:
            return "lost"
    return status


def reforward_violations(originals: list[dict], forwarded: list[dict], protocol: str) -> tuple[int, list[str]]:
    """(items checked, where an item re-sent unchanged was forwarded changed)."""
    checked, bad = 0, []
    for n in range(1, min(len(originals), len(forwarded))):
        o0, o1 = items(originals[n - 1], protocol), items(originals[n], protocol)
        f0, f1 = items(forwarded[n - 1], protocol), items(forwarded[n], protocol)
        for i in range(min(len(o0), len(o1))):
            if o0[i] != o1[i]:
                continue
            checked += 1
            if i >= len(f0) or i >= len(f1) or f0[i] != f1[i]:
                bad.append(f"request {n} item {i}")
    return checked, bad
