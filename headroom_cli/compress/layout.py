"""Lossless re-layouts: a command's output in fewer tokens, every line of it still there in full.

A list of paths (`find`, `fd`, `git ls-files`, `rg --files`, `grep -l`, a Glob tool) repeats its directories on
every line: consecutive paths in one directory go under a `dir/` line, each as its name indented by two spaces. A
directory with one path stays on it, and so does a path the request names (what an answer quotes stays as the tool
printed it). After a cut, the paths it kept are laid out the same way, its markers staying between them. Every
original line is its heading followed by itself (the indent removed), so nothing is lost: nothing is stored and
the result carries no marker.

Not done, measured: grep's `path:12:text` lines written under their file (rg --heading's layout) saved 17-25 % of
real greps, but a line quoted from a search (`core.py:2007:    if not args …`) was then no longer verbatim
anywhere; column padding (`pip list`, `ls -la`) is left alone, as o200k spends one token on a run of spaces
whatever its length.

The router uses it where nothing is cut (a small result, tokens.SMALL_RESULT_TOKENS, or an output its compressor
leaves whole) and on the paths a cut kept. Measured with o200k on a real capture: a `find` of 110 paths 1,323 -> 763
tokens. Pure functions of the text.
"""
from __future__ import annotations

import re
from typing import Callable

NAME = "layout"  # the compressor name of a result that was only re-laid out

_MIN_LINES = 6  # fewer lines than this: too few to share a prefix worth writing once
_SHARE = 0.8  # of the non-blank lines, at least this share must be paths for the layout to apply
_INDENT = "  "
_PROBE = 40  # lines looked at first
_MARKER = "[… "  # a cut's marker line (markers.gap): not a path, and no reason not to lay out the others

# A path: no whitespace, at least one `/` with a name after it (a trailing `/` allowed: a directory), no `:` (a grep
# line, a URL, a timestamp) nor `=`, quotes, brackets (code, key=value), not a line that only looks like one (`--`, a
# rule line, `+`/`-` of a diff).
_PATH = re.compile(r"(?:~|\.{1,2})?/?(?:[^\s/:=\"'(),;]+/)+[^\s/:=\"'(),;]+/?")
_NOT_PATH_START = tuple("-+=#*>|<")


def _path_line(s: str) -> bool:
    return not s.startswith(_NOT_PATH_START) and _PATH.fullmatch(s) is not None


def _parent(s: str) -> tuple[str, str]:
    """(`dir/`, name) of a path line; a directory's trailing `/` stays on its name."""
    core = s[:-1] if s.endswith("/") else s
    d, _, name = core.rpartition("/")
    return d + "/", name + s[len(core):]


def paths(text: str, named: Callable[[], Callable[[str], bool] | None] | None = None) -> str | None:
    """The path list laid out by directory, or None when `text` is not one (or nothing would be shared).
    `named`: called once `text` is known to be a path list, gives what tells the lines to leave as they are, out of
    any group (the paths the request names: what an answer quotes stays as the tool printed it), or None."""
    # Most blocks are settled before any regex, in C: a path list has a `/` on (nearly) every line, and its first
    # lines hold no space
    lines = text.count("\n") + 1
    if lines < _MIN_LINES or text.count("/") < _SHARE * lines * 0.5 or "\r" in text:
        return None
    items = text.split("\n")
    head = []
    for s in items:
        if s and not s.startswith(_MARKER):
            head.append(s)
            if len(head) >= _PROBE:
                break
    if sum(" " not in s for s in head) < _SHARE * len(head) or sum(map(_path_line, head)) < _SHARE * len(head):
        return None
    body = [s for s in items if s and not s.startswith(_MARKER)]
    if len(body) < _MIN_LINES:
        return None
    listed = [bool(s) and _path_line(s) for s in items]
    if sum(listed) < _SHARE * len(body):
        return None
    whole = named() if named is not None else None
    is_path = listed if whole is None else [p and not whole(s) for p, s in zip(listed, items)]
    if any(not p and s.startswith(_INDENT) for p, s in zip(is_path, items)):
        return None  # another line indented like a name under its directory would read as one
    out: list[str] = []
    shared = False
    i, n = 0, len(items)
    while i < n:
        if not is_path[i]:
            out.append(items[i])
            i += 1
            continue
        d, _ = _parent(items[i])
        j = i + 1
        while j < n:
            k = j
            while k < n and items[k].startswith(_MARKER):  # a cut's markers between two paths of one directory
                k += 1
            if k >= n or not is_path[k] or _parent(items[k])[0] != d:
                break
            j = k + 1
        if sum(is_path[i:j]) >= 2 and d != "/":
            out.append(d)
            out.extend(_INDENT + _parent(s)[1] if p else s for p, s in zip(is_path[i:j], items[i:j]))
            shared = True
        else:
            out.extend(items[i:j])
        i = j
    return "\n".join(out) if shared else None
