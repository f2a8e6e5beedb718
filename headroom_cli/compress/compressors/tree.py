"""Trees drawn with connectors (`npm ls`, `pnpm ls`, `cargo tree`, `pipdeptree`, `tree`, `mvn dependency:tree`):
keep the top of the tree, the branches the request names and the lines that report a problem.

A line's depth is where its name starts (the width of its `│ ├── ` prefix). Kept: the roots and the two levels
under them (what was installed or listed directly, and what that pulls in first), every line the request's
terms name with the branch that leads to it, and lines that report a problem (`UNMET DEPENDENCY`, `invalid`,
`missing`, `extraneous`, errors); deeper lines and optional packages the platform did not install go, each run
as one in-place marker at its depth. An entry the tool marks as shown in full elsewhere (npm's `deduped`, cargo
tree's `(*)`) is a pointer: kept when the request names it (who pulls a package in), not for its level. With a
generous ratio a third level is kept too.
"""
from __future__ import annotations

import functools
import re

from .. import markers, relevance
from ..base import Context, Result
from .common import (ERROR_RE, MATCH_CAP, Lines, block_key, clip, finish, keep_ratio, line_starts, regex_lines,
                     selective_regex)

name = "tree"
kinds = ("tree",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# A tree line's prefix: connectors and the bars and blanks that lead to them (box drawing or ASCII `|--`, `` `-- ``,
# `+-`, `\-` as Maven and cargo print them).
# Written so no run of spaces can be split two ways: before the first bar none or two or more, after each bar one or
# more, possessively. (The old `(?:[│┃|]\s{1,3}|\s{2,4})*` matched the same lines, but a bar followed by ~90 spaces
# and no connector — a code frame's caret line in ruff's output — backtracked through every way to split them.)
PREFIX = re.compile(r"(?:\s{2,}+)?(?:[│┃|]\s++)*+(?:[├└┣┗]─*[┬─]?\s?|[|`+\\]-+\s?)")
_PROBLEM = re.compile(r"\b(?:UNMET (?!OPTIONAL)|invalid|missing|extraneous|ELSPROBLEMS|peer dep)", re.I)
_OPTIONAL_UNMET = "UNMET OPTIONAL DEPENDENCY"
_REPEAT = re.compile(r"(?: deduped| \(\*\))\s*$")  # an entry shown in full elsewhere in the tree
_LEVELS = 2  # levels under the roots always kept
_BRANCHES = re.compile(r"[┬┳]")  # the connector of an entry drawn as having children (npm, pnpm)


def share(lines: list[str]) -> float:
    """Share of `lines` that are tree lines (for detection)."""
    if not lines:
        return 0.0
    m = PREFIX.match
    return sum(1 for ln in lines if m(ln) is not None and m(ln).end() < len(ln)) / len(lines)


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 20:
        return None
    m = PREFIX.match
    depth = [0] * n  # the column where the entry's name starts (0: a root, or a line outside the tree)
    for i, s in enumerate(items):
        p = m(s[:MATCH_CAP])
        depth[i] = p.end() if p is not None else 0
    cols = sorted({d for d in depth if d})
    if len(cols) < 2:
        return None
    levels = _LEVELS + (1 if keep_ratio(ctx) >= 0.6 else 0)
    shallow = set(cols[:levels])
    joined = text[:-1] if lines.trailing else text
    tr = selective_regex(ctx, joined, n)
    hit = regex_lines(tr, joined, line_starts(items), joined.lower()) if tr is not None else [False] * n
    if tr is not None and any(hit):
        # a tree's entries are names: a term names an entry when it is a whole name or part of a path, not a piece
        # of a longer hyphenated name ("TypeScript" names `typescript@5.9.3`, not `@typescript-eslint/parser`,
        # whose every line under typescript-eslint would otherwise be kept with its branch)
        whole = _whole_names(tr)
        hit = [h and whole.search(items[i]) is not None for i, h in enumerate(hit)]
    # the entries the request names in words ("where does the blame compressor live?": `blame.py`), by BM25 over
    # the entries' names where a few stand out: kept with their ancestors, as a term's
    query = relevance.query_terms(ctx)
    if query is not None:
        distinct: list[int] = []
        names = [s[depth[i]:MATCH_CAP] if depth[i] else s[:MATCH_CAP] for i, s in enumerate(items)]
        for i in relevance.pick(relevance.rank(names, query, distinct=distinct, specific=True), distinct=distinct,
                                query=query) or ():
            hit[i] = True
    pointer = [_REPEAT.search(s[:MATCH_CAP]) is not None for s in items]  # listed in full elsewhere
    keep = [False] * n
    for i, s in enumerate(items):
        d = depth[i]
        if d == 0 or hit[i] or _PROBLEM.search(s[:MATCH_CAP]) or _error_after_name(s, d):
            keep[i] = True
            if d:
                _ancestors(depth, keep, i)
        elif d in shallow and _OPTIONAL_UNMET not in s and not pointer[i]:
            keep[i] = True  # (not a pointer to an entry listed in full elsewhere: npm's `deduped`, cargo's `(*)`)
    if all(keep):
        return None
    out: list[str] = []
    dropped = 0
    quiet_runs = quiet_lines = quiet_pointers = 0
    i = 0
    while i < n:
        if keep[i]:
            out.append(clip(items[i])[0])
            i += 1
            continue
        j = i
        while j < n and not keep[j]:
            j += 1
        if i > 0 and depth[i - 1] and _BRANCHES.match(items[i - 1][depth[i - 1] - 2:depth[i - 1]]):
            # the lines under the entry just shown, whose own connector (npm's `┬`) says it has children: no
            # marker under each such entry, one line at the end counts them (what follows them is a run of its own)
            k = next((k for k in range(i, j) if depth[k] <= depth[i - 1]), j)
            # (only when none of its descendants is shown: a kept child after the run would read as its only one)
            if k > i and (k < j or j == n or depth[j] <= depth[i - 1]):
                dropped += k - i
                quiet_runs += 1
                quiet_lines += k - i
                quiet_pointers += sum(pointer[i:k])
                i = k
                continue
        cnt = j - i
        dropped += cnt
        # the marker sits at the depth of the first line it stands for, under the same bars
        lead = items[i][:depth[i]]
        lead = re.sub(r"[├└┣┗┬─`+\\-]", " ", lead)
        word = "lines" if cnt != 1 else "line"
        if all(pointer[i:j]):
            word += " listed in full elsewhere"
        marker = lines.marker_line(lead + markers.gap(f"{cnt} {word}"))
        if cnt == 1 and len(items[i]) <= max(30, len(marker)):  # the line costs no more than its marker
            out.append(items[i])
            dropped -= 1
        else:
            out.append(marker)
        i = j
    if not dropped:
        return None
    if quiet_runs:
        out.append(lines.marker_line(markers.gap(
            f"the {quiet_lines} line{'s' if quiet_lines != 1 else ''} under {quiet_runs} entr"
            f"{'ies' if quiet_runs != 1 else 'y'} drawn with a branch (┬) and no children shown"
            + (f", {quiet_pointers} of them listed in full elsewhere" if quiet_pointers else ""))))
    return Result(finish(lines, out, f"{dropped} of {n} lines", block_key(text, key), ctx), True, name, "tree")


def _error_after_name(line: str, depth: int) -> bool:
    """An error word after the entry's name (`x [error opening dir]`); in the name itself it names a package
    (`assertion-error@2.0.1`, `check-error`), not a problem."""
    rest = line[depth:MATCH_CAP]
    cut = rest.find(" ")
    return cut >= 0 and ERROR_RE.search(rest, cut) is not None


@functools.lru_cache(maxsize=64)
def _whole_names(tr: re.Pattern) -> re.Pattern:
    """`tr` (a term regex) matching only where no letter, digit, `_` or `-` touches the term on either side."""
    return re.compile(rf"(?<![\w-])(?:{tr.pattern})(?![\w-])", tr.flags)


def _ancestors(depth: list[int], keep: list[bool], i: int) -> None:
    """Keep the branch leading to line `i`: each nearest earlier line of a smaller depth, up to a root."""
    d = depth[i]
    k = i - 1
    while k >= 0 and d > 0:
        if depth[k] < d:
            keep[k] = True
            d = depth[k]
        k -= 1
