"""Unified diffs (git diff/show/log -p, diff -u): keep headers and every changed line, trim context.

Hunks are re-cut with less context (1 line, or 3 when the budget is generous), splitting where
changes are far apart; every new hunk header is recomputed, so headers always agree with their
lines. Lock files and generated/minified files keep their headers but lose their hunks.
"""
from __future__ import annotations

import re

from .. import markers, relevance
from ..base import Context, Result
from .common import LONG_LINE, Lines, block_key, clip, finish, keep_ratio

name = "diff"
kinds = ("diff",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_GIT = re.compile(r"^diff --git a/(.*?) b/(.*)$")
_GENERATED = re.compile(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|"
    r"Pipfile\.lock|uv\.lock|composer\.lock|Gemfile\.lock|go\.sum)$|\.min\.(?:js|css)$|\.map$|\.snap$"
)


def _header(os_: int, ol: int, ns: int, nl: int, rest: str) -> str:
    # A zero-length side names the line *before* the change (unified diff convention).
    a = os_ - 1 if ol == 0 else os_
    b = ns - 1 if nl == 0 else ns
    return f"@@ -{max(a, 0)},{ol} +{max(b, 0)},{nl} @@{rest}"


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    ctx_lines = 3 if keep_ratio(ctx) >= 0.6 else 1
    out: list[str] = []
    dropped_gen = 0
    hunks = 0
    skip_file = False
    cr = "\r" if lines.cr else ""
    any_cr = "\r" in text
    whole = _relevant_hunks(items, ctx)
    i = 0
    while i < n:
        raw = items[i]
        s = raw.rstrip("\r")
        m = _HUNK.match(s)
        if not m:
            g = _GIT.match(s)
            if g:
                skip_file = bool(_GENERATED.search(g.group(2)))
            elif s.startswith("+++ ") and not skip_file:
                skip_file = bool(_GENERATED.search(s[4:].strip())) or s.startswith("+++ /dev/null")
            elif s.startswith("deleted file mode"):
                skip_file = True  # a deleted file's old content: the header says it all
            out.append(clip(raw)[0])
            i += 1
            continue
        hunks += 1
        old_start, new_start = int(m.group(1)), int(m.group(3))
        old_rem = int(m.group(2)) if m.group(2) is not None else 1
        new_rem = int(m.group(4)) if m.group(4) is not None else 1
        rest = m.group(5)
        body: list[tuple[str, str]] = []  # (tag, raw line)
        j = i + 1
        while j < n and (old_rem > 0 or new_rem > 0):
            line = items[j]
            # an empty line is context (no "\r" in the block: only "" is empty after rstrip)
            t = (line[:1] or " ") if not any_cr else (line[:1] if line.rstrip("\r") else " ")
            if t == " ":
                old_rem -= 1
                new_rem -= 1
            elif t == "-":
                old_rem -= 1
            elif t == "+":
                new_rem -= 1
            elif t != "\\":
                break
            body.append((t, line))
            j += 1
        while j < n and items[j].startswith("\\"):
            body.append(("\\", items[j]))
            j += 1
        i = j
        if skip_file:
            plus = sum(1 for t, _ in body if t == "+")
            minus = sum(1 for t, _ in body if t == "-")
            dropped_gen += len(body) + 1
            what = "deleted file" if minus and not plus else "generated file"
            out.append(lines.marker_line(markers.gap(f"hunk (+{plus} -{minus} lines of a {what})")))
            continue
        if hunks - 1 in whole:  # a hunk the request points to: kept whole, with its own header
            out.append(clip(raw)[0])
            out.extend([ln if len(ln) <= LONG_LINE else clip(ln)[0] for _, ln in body])
        else:
            out.extend(_recut(body, old_start, new_start, rest, ctx_lines, cr))
    if not hunks:
        return None
    return _result(text, items, out, lines, ctx, key, dropped_gen)


def _relevant_hunks(items: list[str], ctx: Context) -> set[int]:
    """Numbers (in order, from 0) of the hunks the request points to: each hunk ranked as one unit, with
    its file's path, its header's function name and its lines; empty without a clear signal."""
    query = relevance.query_terms(ctx)
    if query is None:
        return set()
    parts: list[list[str]] = []
    path = ""
    for line in items:
        if line.startswith("@@"):
            parts.append([path, line])
        elif line.startswith("diff --git ") or line.startswith("+++ "):
            path = line
        elif parts:
            parts[-1].append(line)
    units = [" ".join(p) for p in parts]
    distinct: list[int] = []
    picked = relevance.pick(relevance.rank(units, query, distinct=distinct), distinct=distinct, query=query)
    return set(picked or ())


def _recut(body: list[tuple[str, str]], old_start: int, new_start: int, rest: str, c: int, cr: str) -> list[str]:
    """The hunk re-cut with `c` lines of context around each group of changes."""
    changes = [k for k, (t, _) in enumerate(body) if t in "+-"]
    if not changes:
        return [_header(old_start, sum(1 for t, _ in body if t == " "), new_start,
                        sum(1 for t, _ in body if t == " "), rest) + cr] + [ln for _, ln in body]
    groups: list[list[int]] = [[changes[0], changes[0]]]
    for k in changes[1:]:
        # context lines between two changes; split when more than 2c of them would be dropped
        between = sum(1 for x in range(groups[-1][1] + 1, k) if body[x][0] == " ")
        if between > 2 * c:
            groups.append([k, k])
        else:
            groups[-1][1] = k
    out: list[str] = []
    last = len(body) - 1
    # (old line no, new line no) before body line `done`, advanced to each group's first line (groups ascend)
    o, nn, done = old_start, new_start, 0
    for a, b in groups:
        lo, hi = a, b
        ctx_seen = 0
        while lo > 0 and ctx_seen < c and body[lo - 1][0] == " ":
            lo -= 1
            ctx_seen += 1
        ctx_seen = 0
        while hi < last and body[hi + 1][0] in (" ", "\\") and (ctx_seen < c or body[hi + 1][0] == "\\"):
            hi += 1
            if body[hi][0] == " ":
                ctx_seen += 1
        for t, _ in body[done:lo]:
            if t == " ":
                o += 1
                nn += 1
            elif t == "-":
                o += 1
            elif t == "+":
                nn += 1
        done = lo
        seg = body[lo:hi + 1]
        ol = sum(1 for t, _ in seg if t in " -")
        nl = sum(1 for t, _ in seg if t in " +")
        out.append(_header(o, ol, nn, nl, rest) + cr)
        out.extend([ln if len(ln) <= LONG_LINE else clip(ln)[0] for _, ln in seg])
    return out


def _result(text: str, items: list[str], out: list[str], lines: Lines, ctx: Context, key: str | None,
            dropped_gen: int) -> Result | None:
    dropped = len(items) - len(out)
    if dropped <= 0 and not dropped_gen:
        return None
    what = f"{max(dropped, 0)} of {len(items)} lines (diff context"
    what += ", generated/deleted-file hunks)" if dropped_gen else ")"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "diff")
