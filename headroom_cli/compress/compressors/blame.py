"""`git blame`: a file's lines, each under the commit, author and date that last changed it.

A blame is asked about a few lines (who changed this bound, when did this check come in), so the lines the
request points to stay with their neighbours (ranked over each line's author and code), and every line of the
newest commits, newest first, fills what the budget leaves (what changed last is what a blame is most often
after). Each run of lines that goes is one in-place marker naming its line numbers and the commits that hold them
(`[… 63 lines (14–76) of 16c57cd6 headroom dev 2026-11-24 (60), e7434ff8 headroom dev 2026-11-25 (3) omitted]`), so who
wrote what stays readable for the whole file. Read without a blame's columns, the file itself is a read (protected
by the read policy); its blame is the history's output.
"""
from __future__ import annotations

import re
from collections import Counter

from .. import markers, relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import Lines, block_key, finish, keep_ratio, line_starts, regex_lines, render, selective_regex

name = "blame"
kinds = ("blame",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# `git blame`'s default line, and with `-e`, `-l`, `--date=short|iso`, `-f`/a path after a rename, a boundary `^`,
# `-c` (annotate's tabs): `7ac9beae headroom_cli/compress/tokens.py (Seed maintainers 2026-12-01 21:38:37 +0000 120) …`
LINE = re.compile(r"(\^?[0-9a-f]{7,40})[ \t](?:[^\s(][^(\n]*?[ \t]+)?\((.*?)[ \t]+(\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d"
                  r"(?::\d\d)?)?(?: ?[+-]\d\d:?\d\d)?)[ \t]+(\d+)\)[ \t]?")
_NEAR = 2  # lines kept either side of one the request points to (the statement around it)
_HEAD = 3  # the file's first lines (what it is)
_NAMES = 4  # commits a marker names (the most lines first); the rest are counted


def share(lines: list[str]) -> float:
    """Share of `lines` that are blame lines (for detection)."""
    if not lines:
        return 0.0
    m = LINE.match
    return sum(1 for ln in lines if m(ln) is not None) / len(lines)


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 20:
        return None
    m = LINE.match
    commit: list[str | None] = [None] * n  # each line's commit
    number = ["?"] * n  # each line's number in the file, as the blame prints it ("?" on a line that is not one)
    when: dict[str, str] = {}  # a commit -> its sha, author and day, as a marker names it
    stamp: dict[str, str] = {}  # a commit -> its date as printed (`2026-12-01 21:38:37 +0000`: sorts by time)
    for i, s in enumerate(items):
        g = m(s)
        if g is not None:
            sha, who, date, number[i] = g.group(1, 2, 3, 4)
            commit[i] = sha
            if sha not in when:
                when[sha] = f"{sha} {who.strip()} {date[:10]}"
                stamp[sha] = date
    if len(when) < 1 or commit.count(None) > n // 5:
        return None
    keep = [c is None for c in commit]  # what is not a blame line (a warning, a heading) stays
    for k in range(min(_HEAD, n)):
        keep[k] = True
    joined = text[:-1] if lines.trailing else text
    lower = joined.lower()
    tr = selective_regex(ctx, joined, n, lower)
    hits = regex_lines(tr, joined, line_starts(items), lower) if tr is not None else [False] * n
    query = relevance.query_terms(ctx)
    picked = []
    if query is not None:
        distinct: list[int] = []
        score = relevance.rank(items, query, lower, distinct)
        picked = relevance.pick(score, distinct=distinct, query=query) or []
    for i in sorted(set(picked) | {i for i, h in enumerate(hits) if h}):
        for k in range(max(0, i - _NEAR), min(n, i + _NEAR + 1)):
            keep[k] = True
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
    # the newest commits' lines, newest first (dates as printed sort by time; a commit's own order breaks ties)
    newest = sorted(when, key=lambda c: stamp[c], reverse=True)
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(commit):
        if c is not None:
            rows.setdefault(c, []).append(i)
    for c in newest:
        if used >= budget:
            break
        cost = sum(estimate_tokens(items[k], coarse=True) + 1 for k in rows[c] if not keep[k])
        if used + cost > budget and used:
            continue  # a commit whose lines do not fit: named in the markers, an older one may fit
        for k in rows[c]:
            keep[k] = True
        used += cost
    if all(keep):
        return None

    def describe(a: int, b: int) -> str:
        counts = Counter(c for c in commit[a:b] if c is not None).most_common()
        named = [f"{when[c]} ({k})" for c, k in counts[:_NAMES]]
        if len(counts) > _NAMES:
            rest = counts[_NAMES:]
            named.append(f"{len(rest)} more commit{'s' if len(rest) != 1 else ''} ({sum(k for _, k in rest)})")
        span = f"1 line ({number[a]})" if a + 1 == b else f"{b - a} lines ({number[a]}–{number[b - 1]})"
        return markers.gap(f"{span} of {', '.join(named)}" if named else span)

    out, dropped, clipped = render(lines, keep, describe=describe)
    if not dropped and not clipped:
        return None
    what = f"{dropped} of {n} lines" if dropped else "parts of long lines"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "blame")

