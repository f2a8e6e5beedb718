"""Source code: imports, signatures, class structure and docstring first lines kept; bodies elided.

Works on indentation (Python, and brace languages whose bodies are indented), so it is linear, needs
no parser and survives truncated files (agents cut big outputs in the middle). Claude Code's
`     12→` / `12\t` / `cat -n` line-number prefixes are understood and kept. Short bodies stay (eliding them
saves little). Each elided run's marker names its line range (the file's numbers when the read shows them).

The definitions the question points to keep their bodies: one whose *name* the question names —
`Popen.communicate()` names `communicate` (and `_communicate`, its implementation); a plain word names a
definition only when few do (`timeout` → `_check_timeout`) —, or one the relevance ranking (`relevance.py`,
BM25F over name and body) puts clearly above the others. Long class and module docstrings keep their first line.
"""
from __future__ import annotations

import re

from .. import markers
from ..base import Context, Result
from ..tokens import estimate_tokens
from .. import relevance
from .common import Lines, block_key, clip, keep_ratio

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
_LONG_DOC = 8  # class/module docstrings longer than this keep their first line only
NAME_WEIGHT = 3.0  # a definition's name says more about what it is than any line of its body
_PY_NAME = re.compile(r"\s*(?:async\s+)?def\s+(\w+)")
_CALL_NAME = re.compile(r"([A-Za-z_$][\w$]*)\s*\(")
_NOT_NAMES = frozenset("func function if for while switch catch return fn new typeof sizeof await".split())
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_STOP = frozenset("""this that with what does from have when where which while there their them they then than
into about also only just like more most some such very will would could should must need make made here how why
the and for are but not you all any can had her was one our out use using used file files code line lines read
look check show find call calls called method function class module value values return returns""".split())
_PY_CLASS = re.compile(r"\s*class\s+\w")
_NUM = re.compile(r"\s*(\d+)(?:→|\t|$)")
_MAX_SIG = 30  # lines a Python signature may span
_MAX_SIG_CHARS = 400  # longer lines are not signatures (and would make the signature regex backtrack)


def _content(line: str) -> str:
    m = _PREFIX.match(line)
    return line[m.end():] if m else line


def _indent(c: str) -> int:
    return len(c) - len(c.lstrip(" \t"))


def _def_name(c: str, python: bool) -> str:
    if python:
        m = _PY_NAME.match(c)
        return m.group(1) if m else ""
    for m in _CALL_NAME.finditer(c):
        if m.group(1) not in _NOT_NAMES:
            return m.group(1)
    return ""


def _question_names(ctx: Context) -> tuple[set[str], set[str], set[str]]:
    """What the context names, lower-cased, without leading underscores: (every identifier part — matched against
    definition names exactly —, code-like names that may also be part of a definition's name — a dotted name's
    last part, snake_case, camelCase, a call —, plain words). `Session.send` qualifies `send` by its class:
    `session` names a definition only when one is called exactly that."""
    src = f"{ctx.preceding_text}\n{ctx.tool_input}"[-6000:]
    exact: set[str] = set()
    sub: set[str] = set()
    words: set[str] = set()
    for m in re.finditer(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(\(\))?", src):
        parts = m.group(0).removesuffix("()").split(".")
        for k, part in enumerate(parts):
            low = part.lower().lstrip("_")
            if len(low) < 3 or low in _NAME_STOP:
                continue
            last = k == len(parts) - 1
            codeish = (len(parts) > 1 and last) or bool(m.group(1) and last) or "_" in part.strip("_") or \
                (part[1:] != part[1:].lower() and part[:1].islower())
            if len(parts) > 1 or codeish:
                exact.add(low)
            if codeish:
                sub.add(low)
            elif len(parts) == 1 and len(low) >= 4:
                words.add(low)
    return exact | words, sub, words - sub


def _named(names: list[str], ctx: Context) -> list[bool]:
    """Per definition: does the question point to it by name?"""
    exact, sub, words = _question_names(ctx)
    if not exact and not sub:
        return [False] * len(names)
    bare = [n.lower().lstrip("_") for n in names]
    hit = [b in exact for b in bare]
    limit = max(3, len(names) // 5)
    for term in sorted(sub | words):
        if len(term) < (5 if term in sub else 6):
            continue
        found = [k for k, b in enumerate(bare) if term in b and not hit[k]]
        if 0 < len(found) <= limit:
            for k in found:
                hit[k] = True
    return hit


def _scopes(cont: list[str], blank: list[bool], ind: list[int], n: int, python: bool) -> dict[int, tuple[int, int]]:
    """Every function definition this compressor understands: its first line -> (the signature's last line,
    the first line after its body)."""
    out: dict[int, tuple[int, int]] = {}
    for i in range(n):
        c = cont[i]
        if python:
            if not _PY_DEF.match(c):
                continue
            j, depth = i, 0
            while j < n and j - i < _MAX_SIG:
                s = cont[j].split("#", 1)[0]
                depth += s.count("(") + s.count("[") - s.count(")") - s.count("]")
                if depth <= 0:
                    break  # the signature's brackets close on this line
                j += 1
            if j >= n or j - i >= _MAX_SIG or not _PY_COLON.search(cont[j]):
                continue  # one-line def (`def f(): return x`) or not a def we understand
        else:
            if not c.endswith("{") or len(c) > _MAX_SIG_CHARS or not _BRACE_FN.search(c) or _CONTROL.match(c):
                continue
            j = i
        base = ind[i]
        k = j + 1
        while k < n and (blank[k] or ind[k] > base):
            k += 1
        out[i] = (j, k)
    return out


def _pointed(cont: list[str], scopes: dict[int, tuple[int, int]], python: bool, ctx: Context, text: str,
             n: int) -> set[int]:
    """The definitions the question points to: named by it (`_named`), or ranked clearly above the others
    (`relevance`: BM25F over the definitions, the name weighing `NAME_WEIGHT` times its body; `pick` keeps
    only units that stand out, so a word in every other body keeps nothing extra)."""
    starts = sorted(scopes)
    names = [_def_name(cont[x], python) for x in starts]
    hit = {x for x, h in zip(starts, _named(names, ctx)) if h}
    query = relevance.query_terms(ctx)
    if not query or len(starts) < 2:
        return hit
    bodies = ["\n".join(cont[x:scopes[x][1]]) for x in starts]
    spaced = [re.sub(r"[_.]+", " ", nm) for nm in names]  # `_check_timeout` → words check, timeout
    chosen = relevance.pick(relevance.rank_fields((spaced, bodies), query, (NAME_WEIGHT, 1.0)))
    if chosen:
        hit.update(starts[k] for k in chosen)
    return hit


def _numbers(items: list[str]) -> list[int]:
    """The line number each line shows (its prefix), else its position (1-based)."""
    out = []
    for x, s in enumerate(items):
        m = _NUM.match(s)
        out.append(int(m.group(1)) if m else x + 1)
    return out


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
    generous = keep_ratio(ctx) >= 0.6
    scopes = _scopes(cont, blank, ind, n, python)  # def line -> (its signature's last line, the line after its body)
    first_stmt = next((x for x in range(n) if not blank[x] and not cont[x].lstrip().startswith("#")), n)
    relevant_defs = _pointed(cont, scopes, python, ctx, text, n)

    def elide(min_body: int) -> tuple[list[bool], dict[int, tuple[str, str]]]:
        keep = [True] * n
        gaps: dict[int, tuple[str, str]] = {}  # first elided index -> (indent text, docstring quote to close)
        i = 0
        while i < n:
            if blank[i]:
                i += 1
                continue
            scope = scopes.get(i)
            if scope is None:
                if python and _DOC.match(cont[i]) and _doc_opens_scope(cont, blank, i, first_stmt):
                    i = _elide_doc(cont, keep, gaps, i, n)
                    continue
                i += 1
                continue
            j, k = scope
            base = ind[i]
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
            relevant = i in relevant_defs
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
    shown = _numbers(items)
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
        span = f"line {shown[x]}" if y - x == 1 else f"lines {shown[x]}–{shown[y - 1]}"
        out.append(lines.marker_line(f"{indent_text}{filler}{comment} {markers.gap(span)}"))
        x = y
    out.append(lines.marker_line(f"{comment} {markers.omitted(f'{dropped} of {n} lines (function bodies)', block_key(text, key), ctx)}"))
    return Result(lines.join(out), True, name, "code")


def _doc_opens_scope(cont: list[str], blank: list[bool], i: int, first_stmt: int) -> bool:
    """Is the docstring starting on line `i` a class's or the module's (its first statement)?"""
    if i == first_stmt:
        return True
    k = i - 1
    while k >= 0 and blank[k]:
        k -= 1
    return k >= 0 and _PY_CLASS.match(cont[k]) is not None and _PY_COLON.search(cont[k]) is not None


def _elide_doc(cont: list[str], keep: list[bool], gaps: dict, i: int, n: int) -> int:
    """Keep a long class/module docstring's first line; the rest is elided (the marker line closes it).
    Returns the line after the docstring."""
    c = cont[i]
    q = '"""' if '"""' in c else "'''"
    if c.count(q) >= 2:
        return i + 1  # one-line docstring
    j = i + 1
    while j < n and q not in cont[j]:
        j += 1
    if j >= n:
        return i + 1  # unterminated (a cut file): leave it
    if j - i >= _LONG_DOC:
        for x in range(i + 1, j + 1):
            keep[x] = False
        gaps[i + 1] = (c[: _indent(c)], q)
    return j + 1
