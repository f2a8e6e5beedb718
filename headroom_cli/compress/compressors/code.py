"""Source code: imports, signatures, class structure and docstring first lines kept; bodies elided.

Works on indentation (Python, and brace languages whose bodies are indented), so it is linear, needs
no parser and survives truncated files (agents cut big outputs in the middle). Claude Code's
`     12→` / `cat -n` line-number prefixes are understood and kept. Functions whose name or body
matches the context terms keep their bodies; short bodies are kept too (eliding them saves little).
"""
from __future__ import annotations

import re

from .. import markers
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import Lines, block_key, clip, keep_ratio, selective_regex

name = "code"
kinds = ("code",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_PREFIX = re.compile(r"^\s*\d+(?:→|\t)")
_PY_DEF = re.compile(r"^\s*(?:async\s+)?def\s+\w")
_PY_COLON = re.compile(r":\s*(?:#.*)?$")
_DOC = re.compile(r"^\s*[rbuRBU]{0,2}(?:\"\"\"|''')")
_BRACE_FN = re.compile(
    r"\bfunction\b[^;]*\{\s*$|=>\s*\{\s*$|^\s*func\s.*\{\s*$|^\s*(?:pub(?:\([\w:]+\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s.*\{\s*$|"
    r"^\s*(?:(?:public|private|protected|internal|static|final|override|virtual|async|export|default|synchronized|"
    r"inline|constexpr|const|extern)\s+)*[\w<>\[\],.*&:?]+(?:\s+[\w<>\[\],.*&:?]+)*\s+\**[\w$]+\s*\([^;]*\)\s*"
    r"(?:const\s*)?(?:->\s*[^{]+|:\s*[\w<>\[\]|, .]+)?\s*(?:throws\s+[\w., ]+)?\s*\{\s*$|"
    r"^\s*(?:async\s+|static\s+|get\s+|set\s+|\*\s*)*[\w$]+\s*\([^;{}]*\)\s*(?::\s*[\w<>\[\]|, .]+)?\s*\{\s*$"
)
_CONTROL = re.compile(r"^\s*(?:\}\s*)?(?:if|else|for|while|switch|catch|try|do|finally|return|with|match|loop|select|"
                      r"case|defer|go|unsafe)\b")
_MIN_BODY = 4  # bodies shorter than this stay
_MAX_SIG = 30  # lines a Python signature may span
_MAX_SIG_CHARS = 400  # longer lines are not signatures (and would make the signature regex backtrack)


def _content(line: str) -> str:
    m = _PREFIX.match(line)
    return line[m.end():] if m else line


def _indent(c: str) -> int:
    return len(c) - len(c.lstrip(" \t"))


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 12:
        return None
    cont = [_content(s).rstrip("\r") for s in items]
    blank = [not c.strip() for c in cont]
    ind = [_indent(c) for c in cont]
    py_defs = sum(1 for c in cont if _PY_DEF.match(c))
    brace_fns = sum(1 for c in cont if c.endswith("{"))
    python = py_defs > 0 and py_defs * 4 >= brace_fns
    tr = selective_regex(ctx, text, n)
    generous = keep_ratio(ctx) >= 0.6
    def elide(min_body: int) -> tuple[list[bool], dict[int, tuple[str, str]]]:
        keep = [True] * n
        gaps: dict[int, tuple[str, str]] = {}  # first elided index -> (indent text, docstring quote to close)
        i = 0
        while i < n:
            c = cont[i]
            if blank[i]:
                i += 1
                continue
            if python:
                if not _PY_DEF.match(c):
                    i += 1
                    continue
                j, depth = i, 0
                while j < n and j - i < _MAX_SIG:
                    s = cont[j].split("#", 1)[0]
                    depth += s.count("(") + s.count("[") - s.count(")") - s.count("]")
                    if depth <= 0:
                        break  # the signature's brackets close on this line
                    j += 1
                if j >= n or j - i >= _MAX_SIG or not _PY_COLON.search(cont[j]):
                    i += 1  # one-line def (`def f(): return x`) or not a def we understand
                    continue
            else:
                if not c.endswith("{") or len(c) > _MAX_SIG_CHARS or not _BRACE_FN.search(c) or _CONTROL.match(c):
                    i += 1
                    continue
                j = i
            base = ind[i]
            k = j + 1
            while k < n and (blank[k] or ind[k] > base):
                k += 1
            end = k
            while end > j + 1 and blank[end - 1]:
                end -= 1
            start = j + 1
            open_doc = ""
            if start < end and _DOC.match(cont[start]):
                q = '"""' if '"""' in cont[start] else "'''"
                if cont[start].count(q) < 2:
                    open_doc = q  # a multi-line docstring: the marker line closes it
                start += 1  # the docstring's first line stays
            body_len = end - start
            relevant = tr is not None and any(tr.search(cont[x]) for x in range(i, end))
            if body_len >= min_body and not relevant:
                for x in range(start, end):
                    keep[x] = False
                first = cont[start] if start < n else ""
                gaps[start] = (first[: _indent(first)] or " " * (base + 4), open_doc)
            i = k if not relevant else j + 1
        return keep, gaps

    budget = estimate_tokens(text, coarse=True) * keep_ratio(ctx)
    for min_body in (_MIN_BODY * (3 if generous else 1), 2):
        keep, gaps = elide(min_body)
        kept = sum(estimate_tokens(items[x], coarse=True) + 1 for x in range(n) if keep[x])
        if kept <= budget * 1.3 or generous:
            break  # small bodies are elided only when the big ones were not enough
    if all(keep):
        return None
    comment = "#" if python else "//"
    out: list[str] = []
    dropped = 0
    x = 0
    while x < n:
        if keep[x]:
            out.append(clip(items[x])[0])
            x += 1
            continue
        y = x
        while y < n and not keep[y]:
            y += 1
        dropped += y - x
        indent_text, quote = gaps.get(x, (" " * 4, ""))
        filler = (quote + "  " if quote else "...  ") if python else ""
        out.append(lines.marker_line(f"{indent_text}{filler}{comment} {markers.gap(f'{y - x} lines')}"))
        x = y
    out.append(lines.marker_line(f"{comment} {markers.omitted(f'{dropped} of {n} lines (function bodies)', block_key(text, key), ctx)}"))
    return Result(lines.join(out), True, name, "code")
