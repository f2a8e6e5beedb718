"""Failures worked around with a *different* call, and the wording of path rules.

A program that is not installed here (`helm: command not found`) teaches a rule when the session then got what it
wanted another way: a call, of any tool, that succeeded on the same paths (the manifests in deploy/k8s/ read
instead of rendered) or another program run on the same arguments (`python3` for `python`). A path that does not
exist teaches one when a later call, of any tool, succeeded on a file of the same name elsewhere (`cat
src/orders/x.py` failed, `Read orders/x.py` worked). Nothing related succeeding means nothing was corrected: no rule.
"""
from __future__ import annotations

import posixpath
import re
from typing import Callable, Iterable

from .commands import LISTERS, READERS, SEARCHERS, code, file_path, missing_program, norm_path, pathlike, program, related, tokens, \
    touched_paths
from .readers import SHELL, ToolCall

Lesson = tuple[str, str, str]  # (kind, key, text)

_NOUNS = {"yaml": "manifests", "yml": "manifests", "json": "JSON files", "toml": "config files", "ini": "config files",
          "cfg": "config files", "md": "docs", "py": "Python files", "ts": "TypeScript files", "js": "JavaScript files",
          "sql": "SQL files", "tf": "Terraform files", "sh": "scripts"}


def path_rule(old: str, new: str, *, missing: bool = True) -> Lesson:
    """The rule for a path that was wrong: the moved folder when both share their tail (src/shop/x.py → shop/x.py:
    `shop/…`, not `src/shop/…`), else the two paths."""
    fp, sp = norm_path(old).split("/"), norm_path(new).split("/")
    n = 0  # common trailing components
    while n < min(len(fp), len(sp)) and fp[-1 - n] == sp[-1 - n]:
        n += 1
    if n >= 1 and len(fp) > n and len(sp) > n:  # both folders named: tests/unit/x.py → tests/x.py
        o, nw = "/".join(fp[:len(fp) - n]), "/".join(sp[:len(sp) - n])
        why = f" ({code(o)} does not exist)" if missing else ""
        return "path", f"path|{o}|{nw}", f"Use {code(nw + '/…')} paths, not {code(o + '/…')}{why}."
    if n >= 2:
        # keep one shared component so the rule names a folder: src/shop/… → shop/…
        o, nw = "/".join(fp[:len(fp) - n + 1]), "/".join(sp[:len(sp) - n + 1])
        if o != nw:
            why = f" ({code(o)} does not exist)" if missing else ""
            return "path", f"path|{o}|{nw}", f"Use {code(nw + '/…')} paths, not {code(o + '/…')}{why}."
    o, nw = "/".join(fp), "/".join(sp)
    why = f" ({code(o)} does not exist)" if missing else ""
    return "path", f"path|{o}|{nw}", f"Use {code(nw)}, not {code(o)}{why}."


def _verb(call: ToolCall) -> str | None:
    """What a successful call did with files: "read", "list", "search"; None for another program."""
    name = call.tool.lower()
    if call.tool == SHELL:
        name = program(tokens(call.command)).lower()
    if name in READERS:
        return "read"
    if name in LISTERS:
        return "list"
    if name in SEARCHERS:
        return "search"
    return None if call.tool == SHELL else "read" if file_path(call) else None


def _in_folder(q: str) -> str:
    """A file as the kind of files in its folder (`the manifests in deploy/k8s/`), or the path itself."""
    folder, ext = posixpath.dirname(q), posixpath.splitext(q)[1].lstrip(".").lower()
    if not folder or not ext:
        return code(q if ext else q + "/")
    return f"the {_NOUNS.get(ext, 'files')} in {code(folder + '/')}"


def _object(p: str, q: str) -> str:
    """How the rule names what the other call touched: the path itself, or the kind of files inside a folder."""
    if q == p:
        return code(q) if posixpath.splitext(q)[1] else code(q + "/")
    if q.startswith(p + "/"):  # a file inside the folder the failed call named
        ext = posixpath.splitext(q)[1].lstrip(".").lower()
        return f"the {_NOUNS.get(ext, 'files')} in {code(p + '/')}"
    return code(q + "/") if not posixpath.splitext(q)[1] else code(q)


def program_instead(failed: list[str], alt: list[str]) -> str:
    """The replacement a rule names: `uv pip` for `pip install -e .` → `uv pip install -e .`, else the program."""
    rest = failed[1:]
    if rest and len(alt) > len(rest) and alt[len(alt) - len(rest):] == rest:
        return " ".join(alt[:len(alt) - len(rest)])
    return program(alt) or (alt[0] if alt else "")


def missing_tool_rule(name: str, failed: ToolCall, alt: ToolCall, project: str, *, next_call: bool = False
                      ) -> Lesson | None:
    """`helm` is not installed here: read the manifests in `deploy/k8s/` instead — when `alt` is related: it ran
    another program on the same arguments, or it read/listed/searched the paths the failed command named (or, being
    the very next call, any file of the project)."""
    key = f"missing_tool|{name}"
    verb = _verb(alt)
    qs = [q for q in touched_paths(alt, project) if not q.startswith(("/", "../", "~"))]
    if verb is None:  # another program: on the same arguments, or on the same paths
        ft, at = tokens(failed.command), tokens(alt.command)
        if not at or program(at) == name:
            return None
        if similar_args(ft, at):
            instead = program_instead(ft, at)
        elif any(related(p, q) for p in touched_paths(failed, project) for q in qs):
            whole = " ".join(at)
            instead = whole if len(whole) <= 60 else program(at)
        else:
            return None
        return "missing_tool", key, f"{code(name)} is not installed here: use {code(instead)} instead."
    for p in touched_paths(failed, project):
        for q in qs:
            if related(p, q):
                return "missing_tool", key, f"{code(name)} is not installed here: {verb} {_object(p, q)} instead."
    if next_call and qs:  # what the session did right after finding the program missing
        return "missing_tool", key, f"{code(name)} is not installed here: {verb} {_in_folder(qs[0])} instead."
    return None


def similar_args(f: list[str], s: list[str]) -> bool:
    """Two commands on (mostly) the same arguments: `python x.py` and `python3 x.py`."""
    a, b = set(f[1:]), set(s[1:])
    return bool(a | b) and len(a & b) / len(a | b) >= 0.5


_INSTALL = re.compile(r"\b(?:install|add)\b")


def worked_around_tool(f: ToolCall, later: Iterable[ToolCall], ok: Callable[[ToolCall], bool], project: str,
                       window: int) -> tuple[Lesson, ToolCall] | None:
    """A missing program, then a related call that succeeded (the first one, within `window` events)."""
    name = missing_program(f)
    if not name:
        return None
    candidates, first = [], None
    for a in later:
        if a.index - f.index > window:
            break
        if a.tool == SHELL and (name in tokens(a.command) or program(tokens(a.command)) == name):
            if _INSTALL.search(a.command) or ok(a):
                break  # installed, or there after all: not a missing-tool lesson
            continue  # the same missing program again (or looked up with `which`)
        if first is None:
            first = a
        if ok(a):
            candidates.append(a)
    # a related call anywhere in the window first; else, when the failed command named no path, the very next call
    for a in candidates:
        lesson = missing_tool_rule(name, f, a, project)
        if lesson:
            return lesson, a
    if first is not None and first in candidates and not touched_paths(f, project):
        lesson = missing_tool_rule(name, f, first, project, next_call=True)
        if lesson:
            return lesson, first
    return None


_NO_PATH = re.compile(r"No such file|does not exist|cannot access|can't open file|cannot find|not found", re.I)


def found_elsewhere(f: ToolCall, later: Iterable[ToolCall], ok: Callable[[ToolCall], bool], project: str,
                    window: int, is_edit: Callable[[ToolCall], bool]) -> tuple[Lesson, ToolCall] | None:
    """A path that does not exist, then a call (any tool) that succeeded on a file of the same name elsewhere."""
    if not _NO_PATH.search(f.output[:2000]) or missing_program(f):
        return None
    out = f.output[:2000]
    wrong = [p for p in touched_paths(f, project)
             if f.tool != SHELL or posixpath.basename(p) in out]  # a command: the path its error names
    if not wrong:
        return None
    for a in later:
        if a.index - f.index > window:
            break
        if is_edit(a):
            break  # a file written in between: the path may exist now because of it
        if not ok(a):
            continue
        for q in touched_paths(a, project):
            for p in wrong:
                if q != p and posixpath.basename(q) == posixpath.basename(p) and ("/" in q or "/" not in p) \
                        and pathlike(q) and not related(p, q):
                    return path_rule(p, q), a
    return None
