"""Which tool results are never compressed — the per-tool protection policy, in one place (docs/ARCHITECTURE.md §4).

Protected by default:
- file reads the agent edits from (Claude `Read`, Codex/OpenClaw `read_file`/`view`, …): the agent acts on the
  exact bytes (its edit tools match old text verbatim);
- shell reads of a source file (`cat f.py`, `sed -n '1,80p' f.go`, `head f.ts`, `nl -ba f.rs`) for agents that
  read through a shell (Codex runs `bash -lc "…"`, Claude Code sometimes `cat`s);
- retrieval results (`headroom_retrieve`, `mcp__headroom__headroom_retrieve`): retrieved originals are never
  compressed again;
- whatever the user adds with `protect_tools` (names or fnmatch globs).

Reads that are not source the agent edits (`readpaths.py`), whether by a read tool or a shell read, are
compressible: a command output an agent saved to a file and reads back (Claude Code's `tool-results/…txt`,
Copilot's and Gemini CLI's temp files), and installed code (dependencies, the standard library) outside the
agent's working directory — which the request states (`workdir.py`); when it does not, installed code stays
protected, and so does a project's own `.venv`/`node_modules` under it.

Protection depends on the tool and its input only — never on a block's position or age, which would change a
block's treatment as it ages and bust the provider's prompt cache for everything after it.
"""
from __future__ import annotations

import fnmatch
import re
import shlex
from typing import Iterable

from . import readpaths

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
# Files that are a program's output, never source: logs (rotated ones too: `worker.log.1`) and event streams.
# Read with a read tool they are output like a `cat` of them; data tables (csv, tsv) the agent may edit stay whole.
_OUTPUT_FILE = re.compile(r"\.(?:log|out|err|trace|jsonl|ndjson)(?:\.\d+)?$|^/var/log/", re.I)
_SPLIT_SEQ = re.compile(r"\s*(?:&&|\|\||;|\n)\s*")


def _ext(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return base.rsplit(".", 1)[-1].lower()


def _is_source_path(path: str, cwd: str | None = None) -> bool:
    if not is_edited_file(path, cwd):
        return False
    ext = _ext(path)
    if ext in DATA_EXTS or is_output_file(path):
        return False
    if not ext and "log" in path.lower():  # /var/log/syslog, build.log.1, …
        return False
    return not path.lower().endswith(tuple("." + e for e in DATA_EXTS))


def is_output_file(path: str) -> bool:
    """A log or an event stream, by its name (see `_OUTPUT_FILE`)."""
    return _OUTPUT_FILE.search(path.strip().strip("'\"")) is not None


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


def is_edited_file(path: str, cwd: str | None = None) -> bool:
    """Could the agent edit this file from what it reads? Not a saved command output, not installed code outside
    the working directory `cwd` (None: unknown)."""
    return not readpaths.is_saved_output(path) and not readpaths.is_installed_code(path, cwd)


def read_paths(command: str) -> list[str]:
    """The files a shell command prints as-is (`cat`, `sed -n`, `head`, … as the last stage), in order."""
    return [f for f, _ in _reads(command)]


def prints_a_file(command: str) -> bool:
    """Does the command's output hold a file's content as it is (a read command as a stage of its own, whatever
    the file's name: `cat MANIFEST`, `sed -n '1,80p' CODEOWNERS`)? Wider than `read_paths`, which names files."""
    return any(_read_args(seg) for seg in _SPLIT_SEQ.split(unwrap_shell(command)) if seg.strip())


def _reads(command: str) -> list[tuple[str, bool]]:
    """(file, printed as a chosen line range — `sed -n 'a,bp'`) for each file the command prints as-is."""
    out: list[tuple[str, bool]] = []
    cmd = unwrap_shell(command)
    for seg in (s for s in _SPLIT_SEQ.split(cmd) if s.strip()):
        files = _segment_files(seg)
        ranged = bool(files) and seg.lstrip().split(None, 1)[0].rsplit("/", 1)[-1] == "sed"
        out.extend((f, ranged) for f in files)
    return out


def _segment_files(seg: str) -> list[str]:
    return [w for w in _read_args(seg) if _looks_like_file(w)]


def _read_args(seg: str) -> list[str]:
    """The arguments of a read command that is a stage of its own (its output redirections left out, `sed`'s
    script too); [] for any other segment."""
    stages = seg.split("|")
    if len(stages) > 1:  # `cat f.py | grep x` prints grep's output, not the file
        return []
    try:
        words = shlex.split(stages[0], posix=True)
    except ValueError:
        words = stages[0].split()
    if not words:
        return []
    prog = words[0].rsplit("/", 1)[-1]
    if prog not in _READ_CMDS:
        return []
    words = [words[0], *_without_output_redirections(words[1:])]
    if prog == "sed":  # `sed -n '1,80p' f.py`: the script is the first non-option arg
        if "-i" in words[1:]:
            return []
        return [w for w in words[1:] if not w.startswith("-")][1:]
    return words[1:]


# A redirection word: `2>/dev/null`, `>> out.txt`, `&>log`, `2>&1`, `<in.txt` (the target may be the next word).
_REDIRECT = re.compile(r"^(?:\d*|&)(>>?|>&|<)(.*)$", re.S)


def _without_output_redirections(args: list[str]) -> list[str]:
    """`args` without output redirections and their targets: `tail -n 50 app.log 2>/dev/null` prints app.log,
    not /dev/null. An input redirection's target (`cat < f.py`) is what the command prints, so it stays."""
    out: list[str] = []
    skip = False
    for w in args:
        if skip:
            skip = False
            continue
        m = _REDIRECT.match(w)
        if m is None:
            out.append(w)
        elif m.group(1) == "<":
            if m.group(2):
                out.append(m.group(2))
        else:
            skip = not m.group(2)
    return out


def is_source_read(command: str, cwd: str | None = None) -> bool:
    """True if the command's output (its last pipeline stage) is a source file's content. A line range the agent
    chose from installed code (`sed -n '1100,1160p' …/subprocess.py`) counts as one: it is how the agent looks
    at exactly what it needs, often what an earlier compressed read elided."""
    return any(_is_source_path(f, cwd) or (ranged and readpaths.is_installed_code(f, cwd))
               for f, ranged in _reads(command))


def _matches(name: str, patterns: Iterable[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def is_read_tool(tool_name: str) -> bool:
    """A tool whose output is a file's exact content (MCP prefixes such as `mcp__fs__` ignored)."""
    return (tool_name or "").strip().lower().rsplit("__", 1)[-1] in FILE_READ_TOOLS


def is_user_protected(tool_name: str, protect_tools: Iterable[str] = ()) -> bool:
    """Protected whatever it holds: a retrieval result, or a tool the user named in `protect_tools`."""
    name = (tool_name or "").strip()
    return name.lower().endswith(RETRIEVE_SUFFIXES) or bool(protect_tools and _matches(name, protect_tools))


def is_protected(tool_name: str, command: str = "", protect_tools: Iterable[str] = (), *,
                 read_path: str = "", cwd: str | None = None, ranged: bool = False) -> bool:
    """Should this tool result pass untouched? `command` is the shell command when the tool runs one;
    `read_path` the file a read tool read, `cwd` the agent's working directory (None: unknown), `ranged`: the
    read tool showed a chosen line range (it does not start at line 1), which of installed code stays whole."""
    name = (tool_name or "").strip()
    low = name.lower()
    if low.endswith(RETRIEVE_SUFFIXES):
        return True
    if protect_tools and _matches(name, protect_tools):
        return True
    # MCP tools are prefixed by their server name (`mcp__fs__read_file`): judge the last segment.
    bare = low.rsplit("__", 1)[-1]
    if bare in FILE_READ_TOOLS:
        if not read_path or readpaths.is_saved_output(read_path) or is_output_file(read_path):
            return not read_path
        return ranged or not readpaths.is_installed_code(read_path, cwd)
    # Any tool that ran a shell command (known shells, and unknown tools with a `command`/`cmd` argument).
    if command:
        return is_source_read(command, cwd)
    return False
