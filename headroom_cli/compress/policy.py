"""Which tool results are never compressed — the per-tool protection policy, in one place (docs/ARCHITECTURE.md §4).

Protected by default:
- file reads the agent edits from (Claude `Read`, Codex/OpenClaw `read_file`/`view`, …): the agent acts on the
  exact bytes (its edit tools match old text verbatim);
- shell reads of a source file (`cat f.py`, `sed -n '1,80p' f.go`, `head f.ts`, `nl -ba f.rs`) for agents that
  read through a shell (Codex runs `bash -lc "…"`, Claude Code sometimes `cat`s) — except installed
  dependencies (site-packages, node_modules, …), which agents read but do not edit;
- retrieval results (`headroom_retrieve`, `mcp__headroom__headroom_retrieve`): retrieved originals are never
  compressed again;
- whatever the user adds with `protect_tools` (names or fnmatch globs).

Protection depends on the tool and its input only — never on a block's position or age, which would change a
block's treatment as it ages and bust the provider's prompt cache for everything after it.
"""
from __future__ import annotations

import fnmatch
import re
import shlex
from typing import Iterable

# Tools whose output is a file's exact content (case-insensitive names).
FILE_READ_TOOLS = frozenset(t.lower() for t in (
    "Read", "NotebookRead", "read_file", "view", "ReadFile", "read", "view_file", "open_file",
    "cat_file", "str_replace_based_edit_tool", "str_replace_editor", "get_file_contents", "read_many_files",
))

# Tool names that return retrieved originals; any tool whose name ends with one of these is protected.
RETRIEVE_SUFFIXES = ("headroom_retrieve",)

# Commands that print a file's content as-is (or with line numbers).
_READ_CMDS = frozenset(("cat", "head", "tail", "sed", "nl", "bat", "batcat", "less", "more", "view"))
# Files that are output/data rather than source the agent edits: shell reads of these may be compressed.
DATA_EXTS = frozenset((
    "log", "out", "err", "jsonl", "ndjson", "csv", "tsv", "txt.gz", "gz", "trace", "dump",
))
_SPLIT_SEQ = re.compile(r"\s*(?:&&|\|\||;|\n)\s*")


def _ext(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return base.rsplit(".", 1)[-1].lower()


# Installed dependencies the agent reads but does not edit: their source may be compressed.
READONLY_DIRS = ("site-packages/", "dist-packages/", "node_modules/", "/usr/lib/", "/usr/include/",
                 ".cargo/registry/", "/go/pkg/mod/")


def _is_source_path(path: str) -> bool:
    if any(d in path for d in READONLY_DIRS):
        return False
    ext = _ext(path)
    if ext in DATA_EXTS:
        return False
    if not ext and "log" in path.lower():  # /var/log/syslog, build.log.1, …
        return False
    return not path.lower().endswith(tuple("." + e for e in DATA_EXTS))


def _looks_like_file(arg: str) -> bool:
    return bool(arg) and not arg.startswith("-") and not arg.startswith("$") and (
        "/" in arg or "." in arg.strip(".") or arg in ("Makefile", "Dockerfile", "LICENSE"))


def unwrap_shell(command: str) -> str:
    """`bash -lc "cat x"` → `cat x` (Codex wraps every command)."""
    cmd = command.strip()
    for _ in range(3):
        try:
            parts = shlex.split(cmd, posix=True)
        except ValueError:
            return cmd
        if len(parts) >= 3 and parts[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh", "dash") and \
                parts[1] in ("-c", "-lc", "-cl", "-ic", "-l", "-ec") and parts[-1]:
            cmd = parts[-1]
            continue
        break
    return cmd


def is_source_read(command: str) -> bool:
    """True if the command's output (its last pipeline stage) is a source file's content."""
    cmd = unwrap_shell(command)
    segments = [s for s in _SPLIT_SEQ.split(cmd) if s.strip()]
    for seg in segments:
        stages = seg.split("|")
        if len(stages) > 1:  # `cat f.py | grep x` prints grep's output, not the file
            continue
        try:
            words = shlex.split(stages[0], posix=True)
        except ValueError:
            words = stages[0].split()
        if not words:
            continue
        prog = words[0].rsplit("/", 1)[-1]
        if prog not in _READ_CMDS:
            continue
        files = [w for w in words[1:] if _looks_like_file(w)]
        if prog == "sed":  # `sed -n '1,80p' f.py`: the script is the first non-option arg
            args = [w for w in words[1:] if not w.startswith("-")]
            files = [w for w in args[1:] if _looks_like_file(w)]
            if "-i" in words[1:]:
                continue
        if any(_is_source_path(f) for f in files):
            return True
    return False


def _matches(name: str, patterns: Iterable[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def is_protected(tool_name: str, command: str = "", protect_tools: Iterable[str] = ()) -> bool:
    """Should this tool result pass untouched? `command` is the shell command when the tool runs one."""
    name = (tool_name or "").strip()
    low = name.lower()
    if low.endswith(RETRIEVE_SUFFIXES):
        return True
    if protect_tools and _matches(name, protect_tools):
        return True
    # MCP tools are prefixed by their server name (`mcp__fs__read_file`): judge the last segment.
    bare = low.rsplit("__", 1)[-1]
    if bare in FILE_READ_TOOLS:
        return True
    # Any tool that ran a shell command (known shells, and unknown tools with a `command`/`cmd` argument).
    if command:
        return is_source_read(command)
    return False
