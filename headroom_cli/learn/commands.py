"""What a tool call touched and how it ran: shell command shapes (tokens, program, `VAR=…` prefixes, leading
`cd`), the directory a call ran in, the paths it named, and the missing program an error reports.

Shared by mining.py (same-tool corrections) and alternatives.py (a missing tool or path worked around with
another call). Everything here is a pure function of a call and the session's project folder.
"""
from __future__ import annotations

import os
import posixpath
import re
import shlex

from .readers import SHELL, ToolCall


def code(s: str) -> str:
    """Inline code that survives backticks inside."""
    return f"``{s}``" if "`" in s else f"`{s}`"


def _split(cmd: str) -> list[str]:
    try:
        return shlex.split(cmd)
    except ValueError:
        return cmd.split()


_CD = re.compile(r"^\(?\s*(?:cd|pushd)\s+(\S+)\s*(?:&&|;)\s*")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)


def leading_cds(command: str) -> list[str]:
    """The directories of the `cd X &&` / `cd X;` chain a command starts with."""
    cmd, out = command.strip(), []
    while True:
        m = _CD.match(cmd)
        if not m:
            return out
        out.append(_split(m.group(1))[0] if m.group(1) else m.group(1))
        cmd = cmd[m.end():]


def env_prefix(command: str) -> dict[str, str]:
    """`VAR=value` assignments before the program (after any leading `cd`), e.g. `PYTHONPATH=lib`."""
    cmd = command.strip()
    while (m := _CD.match(cmd)):
        cmd = cmd[m.end():]
    out: dict[str, str] = {}
    for t in _split(cmd):
        if t in {"sudo", "command", "exec", "env"}:
            continue
        m = _ASSIGN.match(t)
        if not m:
            break
        out[m.group(1)] = m.group(2)
    return out


def tokens(command: str) -> list[str]:
    """Tokens of a command, without leading `cd … &&`, env assignments and `sudo`."""
    cmd = command.strip()
    while (m := _CD.match(cmd)):
        cmd = cmd[m.end():]
    if command.lstrip().startswith("(") and cmd.endswith(")"):
        cmd = cmd[:-1]  # `(cd web && npm test)`: a subshell
    toks = _split(cmd)
    while toks and (_ASSIGN.match(toks[0]) or toks[0] in {"sudo", "command", "exec", "env"}):
        toks = toks[1:]
    return toks


_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"),
            ("pnpm", "exec"), ("npm", "exec"), ("bundle", "exec"), ("rye", "run")}


def program(toks: list[str]) -> str:
    """The program that really runs: `python -m pytest`, `uv run pytest`, `npx jest` → pytest, jest."""
    i = 0
    while i < len(toks):
        t = os.path.basename(toks[i])
        if re.fullmatch(r"python[\d.]*", t) and toks[i + 1:i + 2] == ["-m"]:
            i += 2
            continue
        if i + 1 < len(toks) and (t, toks[i + 1]) in _RUNNERS:
            i += 2
            continue
        if t in {"npx", "bunx", "time", "nice"}:
            i += 1
            continue
        return t
    return ""


def is_flag(t: str) -> bool:
    return t.startswith("-") and len(t) > 1 and not re.fullmatch(r"-\d+", t)


def pathlike(t: str) -> bool:
    return not is_flag(t) and ("/" in t or re.search(r"\.[A-Za-z0-9]{1,5}$", t) is not None)


def rel(path: str, project: str) -> str:
    """A path relative to the project when it lies inside it (`.` for the project itself)."""
    p = project.rstrip("/")
    if p and (path == p or path.startswith(p + "/")):
        return path[len(p) + 1:] or "."
    return path


def norm_path(path: str, project: str = "") -> str:
    """Relative to the project, without `./` and trailing `/` (so spellings of one path compare equal)."""
    p = rel(path.strip(), project) if project else path.strip()
    while p.startswith("./"):
        p = p[2:]
    return p.rstrip("/") or ("/" if p.startswith("/") else ".")


def call_dir(call: ToolCall, project: str) -> str:
    """The directory a shell call ran in, relative to the project (`.`: the project itself): the directory the agent
    recorded (or its `workdir` argument), then the command's own leading `cd`s."""
    base = call.cwd
    wd = call.input.get("workdir") if isinstance(call.input, dict) else None
    if not base and isinstance(wd, str) and wd:
        base = wd if wd.startswith("/") else posixpath.join(project or "/", wd)
    base = base or project or "."
    for d in leading_cds(call.command):
        if d.startswith("~"):
            return ""  # the home folder: nothing to compare
        base = d if d.startswith("/") else posixpath.join(base, d)
    return norm_path(posixpath.normpath(base), project)


_PATH_KEYS = ("file_path", "path", "notebook_path", "filePath")


def file_path(call: ToolCall) -> str:
    """The path a file tool (Read, Edit, …) named, or ""."""
    return next((call.input[k] for k in _PATH_KEYS if isinstance(call.input.get(k), str)), "")


def touched_paths(call: ToolCall, project: str) -> list[str]:
    """Paths a call named (relative to the project): a file tool's path, or a command's path-like arguments."""
    if call.tool == SHELL:
        vals = [t for t in _split(call.command) if pathlike(t)] + _operands(tokens(call.command))
    else:  # a glob's pattern is a path too (Grep's is a regex)
        keys = _PATH_KEYS + (("pattern",) if "glob" in call.tool.lower() else ())
        vals = [v for k in keys if isinstance(v := call.input.get(k), str)]
    cands = []
    for v in vals:  # `deploy/k8s/*.yaml` → its folder
        cands.append(re.split(r"[*?\[{]", v)[0].rstrip("/") if re.search(r"[*?\[{]", v) else v)
    out = []
    for c in cands:
        p = norm_path(c, project)
        if c and p not in (".", "/", "..") and p not in out:
            out.append(p)
    return out


READERS = {"cat", "head", "tail", "less", "more", "sed", "bat", "nl", "wc", "view", "read", "read_file", "open_file",
           "view_file", "readfile"}
LISTERS = {"ls", "find", "tree", "fd", "du", "glob", "list_dir", "listdir", "list_directory"}
SEARCHERS = {"grep", "rg", "ag", "ack", "search", "search_files"}


def _operands(toks: list[str]) -> list[str]:
    """The file operands of a command that reads, lists or searches files (`ls infra`: infra), even without a `/`."""
    prog = program(toks)
    if prog not in READERS | LISTERS | SEARCHERS or not toks:
        return []
    args, skip = [], 0
    for t in toks[toks.index(prog) + 1 if prog in toks else 1:]:
        if is_flag(t):
            skip = 1 if t in {"-n", "-c", "-e", "-f", "-name", "-type", "-A", "-B", "-C", "-m"} else 0
            continue
        if skip:
            skip = 0
            continue
        args.append(t)
    if prog in SEARCHERS or prog == "sed":
        args = args[1:]  # the pattern or script comes first
    return [a for a in args if not re.fullmatch(r"[\d,]+p?", a) and not re.search(r"[|<>]", a)]


def related(a: str, b: str) -> bool:
    """One path is the other or lies inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


# bash/sh/zsh/cmd spellings of "no such program"
_MISSING = [re.compile(p, re.M) for p in (r"command not found: ([A-Za-z0-9_.+-]+)",
                                          r"(?:^|[\s:])([A-Za-z0-9_.+-]+): (?:command )?not found\b",
                                          r"'([A-Za-z0-9_.+-]+)' is not recognized as")]


_LOOKUP = {"which", "type", "hash", "whereis"}


def missing_program(call: ToolCall) -> str:
    """The program a failed shell call could not find (one of the command's own words), or "": also what a failed
    `which X` / `command -v X` looked for."""
    if call.tool != SHELL:
        return ""
    raw = _split(call.command.strip())
    if call.exit_code not in (None, 0) and len(raw) >= 2:
        if raw[0] in _LOOKUP and not is_flag(raw[-1]):
            return os.path.basename(raw[-1])
        if raw[:2] in (["command", "-v"], ["command", "-V"]) and len(raw) == 3:
            return os.path.basename(raw[2])
    words = {os.path.basename(w) for w in re.split(r"[\s|;&()]+", call.command) if w}
    for pattern in _MISSING:
        for m in pattern.finditer(call.output[:2000]):
            name = m.group(1)
            if name in words and name not in {"line", "bash", "sh", "zsh"}:
                return name
    return ""
