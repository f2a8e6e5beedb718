"""Column tables (kubectl get, docker ps, ps aux, df; psql and markdown tables, `python -X importtime`, whose
columns are between `|` bars; listings of padded columns without a header row, as `jdeps -verbose:class` prints:
`aligned`): keep the header (or first line) and the rows that stand out.

Kept: the header (and a legend above it, as `dpkg -l` prints), first and last rows, rows the request points to
(its terms, or BM25 over the rows), rows reporting errors, the rows with the three largest values of each
numeric column, and rows with a rare value in a low-cardinality column (a CrashLoopBackOff among Running pods, 14
restarts among zeros). Other rows collapse into counted in-place markers.
"""
from __future__ import annotations

import re
from collections import Counter
from operator import itemgetter
from typing import Iterator

from .. import relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .json_data import column_outliers
from .common import (ERROR_WORDS, Lines, block_key, clip, finish, keep_ratio, keyword_lines, line_starts, template,
                      regex_lines, render, rows_with, selective_regex)

name = "table"
kinds = ("table",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_NUM = re.compile(r"-?\d+(?:\.\d+)?$")
# `\s{2,}|\t` (two or more spaces, or a tab) written to start with a character class, so the regex engine
# skips other characters in C: the same splits, about twice as fast.
_SPLIT = re.compile(r"\s(?:\s+|(?<=\t))")
_HEAD, _TAIL = 2, 1
_BARS = re.compile(r"\s*\|\s*")
_TOP = 3  # rows kept for the largest values of each numeric column
_SAME_ERROR_CAP = 3  # rows of one error template kept (plus the last)
_NAMED_ROWS = 3  # a request's word found in at most this many rows keeps them
# a header of capitalised column names (two gaps of two or more spaces at least), after a legend of a few lines
_TITLE_HEAD = re.compile(r"[|+/\\ ]*%?[A-Z][\w()%/+-]*(?: +%?[A-Z][\w()%/+-]*){2,}\s*")
# A line of dashes or equals under a header: only rule characters (then whitespace), three dashes or equals in a
# row somewhere. (Written as two look-aheads and one possessive run: `[+|=\- ]*[=-]{3,}[+|=\- ]*\s*$` meant the
# same but tried every split of a long run, ~n³: 1,600 `=` and a `>` took 10 s.)
_RULE = re.compile(r"(?=[+|=\- ]*+\s*$)(?=[^\n]*?[=-]{3})[+|=\- ]*+\s*$")  # (a row fails at its first cell)
# A kept row this long (ps' COMMAND holding a JVM classpath or a JSON --env) keeps its head and tail only
_WIDE_ROW, _WIDE_HEAD, _WIDE_TAIL = 480, 320, 120


def _last_word(cell: str) -> str:
    k = cell.rfind(" ")
    return cell[k + 1:] if k >= 0 else cell


# Lines a header may come after: a legend (`dpkg -l`), a summary (`top -b`: five lines and a blank one).
HEADER_WITHIN = 8


def header_at(items: list[str]) -> int:
    """Where the header is: the first line, or a line of capitalised names two spaces apart (`%CPU`, `TIME+`
    too) among the first HEADER_WITHIN that has a rule or rows of as many columns under it."""
    for k in range(1, min(HEADER_WITHIN, len(items) - 5)):
        s = items[k].rstrip()
        if _TITLE_HEAD.fullmatch(s) and len(re.findall(r"\S {2,}\S", s)) >= 2:
            return k
    return 0


# A table without a header row (`jdeps -verbose:class`, `git ls-tree`): most lines are cells padded to the same
# columns. `aligned` asks for _ALIGNED_SHARE of the sample's lines to have the most common number of cells (three or
# more, split as rows are) and, cell by cell, the same start column in that share of them.
_ALIGNED_SHARE = 0.7
_ALIGNED_MIN = 12
_ANY_SPACE = re.compile(r"\s+")  # (cells one space apart: `git ls-tree`, on the stricter share below)
_ALIGNED_STRICT = 0.85


def aligned(lines: list[str]) -> bool:
    """Is this sample of a block's lines a table without a header: its cells padded to shared columns? Cells are
    split as rows are (two spaces or a tab); or, for listings of fixed-width fields one space or a tab apart
    (`git ls-tree`: mode, type, object id, path), on any whitespace, with a stricter share (`_ALIGNED_STRICT`)."""
    rows = [ln.rstrip() for ln in lines if ln.strip()]
    if len(rows) < _ALIGNED_MIN:
        return False
    return _lined_up(rows, _SPLIT, _ALIGNED_SHARE) or _lined_up(rows, _ANY_SPACE, _ALIGNED_STRICT)


def _lined_up(rows: list[str], split: re.Pattern, share: float) -> bool:
    """Do `share` of the rows have the most common number of cells (three or more) and, cell by cell, the same
    start column?"""
    starts: list[tuple[int, ...]] = []
    for ln in rows:
        body = ln.lstrip()
        lead = len(ln) - len(body)
        cols = [lead]
        for m in split.finditer(body):
            cols.append(lead + m.end())
        if len(cols) >= 3:
            starts.append(tuple(cols))
    need = share * len(rows)
    if len(starts) < need:
        return False
    widths = Counter(map(len, starts))
    width = max(widths, key=lambda k: (widths[k], k))
    same = [c for c in starts if len(c) == width]
    if len(same) < need:
        return False
    # each cell starts where the others' do: the padding lines them up
    return all(Counter(c[j] for c in same).most_common(1)[0][1] >= need for j in range(width))


def _rules(items: list[str], h: int) -> list[bool]:
    """Per line: is it a rule (`_RULE`) below the header? Only a line whose first character may start one is
    tried (a row starts with its first cell)."""
    out = [False] * len(items)
    m = _RULE.match
    for i in range(h + 1, len(items)):
        s = items[i]
        if s[:1] in _RULE_FIRST and m(s):
            out[i] = True
    return out


_RULE_FIRST = frozenset("+|=- ")  # (and "" is not in it: an empty line is no rule)


def _line(text: str, starts: list[int], j: int) -> str:
    end = starts[j + 1] - 1 if j + 1 < len(starts) else len(text)
    return text[starts[j]:end]


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 8:
        return None
    tr = selective_regex(ctx, text, n)
    h = header_at(items)  # lines before the header (a legend, as `dpkg -l` prints) stay as they are
    header = items[h].strip()
    ncols = len(_SPLIT.split(header))
    bars = header.count("|")
    if bars >= 2 and sum(1 for s in items[:50] if s.count("|") == bars) >= 0.7 * min(n, 50):
        # columns between bars (psql, markdown, `python -X importtime`)
        ncols = len(_BARS.split(header))
        rows = [_BARS.split(s.strip()) for s in items]
    elif ncols < 3 or "  " not in header:
        # single-space columns (ps aux): split on any whitespace, the last column keeps the rest
        ncols = max(1, len(header.split()))
        rows = [s.split(None, ncols - 1) for s in items]
    else:
        rows = _cells(items, text)
        ws = _one_space_cells(items, h, ncols, rows)
        if ws:
            ncols, rows = ws, [s.split(None, ws - 1) for s in items]
    rule = _rules(items, h)
    body = [i for i in range(h + 1, n) if items[i] and not rule[i] and not items[i].isspace()]
    m = len(body)
    if m < 6:
        return None
    keep = [i <= h or rule[i] for i in range(n)]  # the legend, header and rules
    asked = [False] * n  # rows the request points to: never clipped
    for i in body[:_HEAD] + body[-_TAIL:]:
        keep[i] = True
    joined = text[:-1] if lines.trailing else text  # = "\n".join(items)
    starts = line_starts(items)
    lower = joined.lower()
    is_err = keyword_lines(lower, ERROR_WORDS, starts)
    is_hit = regex_lines(tr, joined, starts, lower) if tr is not None else is_err
    # rows reporting errors; of rows that repeat one error but for numbers and ids (the same event every few
    # minutes), the first `_SAME_ERROR_CAP` and the last
    capped: set[int] = set()
    occ: dict[str, list[int]] = {}
    for i in body:
        if is_err[i]:
            occ.setdefault(template(items[i]), []).append(i)
    for rows_of in occ.values():
        if len(rows_of) > _SAME_ERROR_CAP + 1:
            capped.update(rows_of[_SAME_ERROR_CAP:-1])
    for i in body:
        if (is_err[i] and i not in capped) or (tr is not None and is_hit[i]):
            keep[i] = True
            asked[i] = tr is not None and is_hit[i]
    # the rows the request points to (BM25 over the rows: "which version of cmake?" names a row in words)
    query = relevance.query_terms(ctx)
    if query is not None:
        distinct: list[int] = []
        units = [items[i] for i in body]
        low_body = "\n".join(units).lower()  # (lines hold no "\n")
        absent: set[int] = set()  # stems the ranking found nowhere in the rows: not looked for again
        picked = relevance.pick(relevance.rank(units, query, low_body, distinct, absent), distinct=distinct,
                                query=query)
        for j in picked or ():
            keep[body[j]] = asked[body[j]] = True
        # a word of the request that names a few rows only ("cmake" among 195 packages) names those rows
        low_starts: list[int] | None = None
        for k, (stem, w) in enumerate(zip(query.stems, query.weights)):
            if w < 1.0 or len(stem) < 3:
                continue  # (a word of the command only: `dpkg` in `dpkg -l`)
            if k in absent or stem not in low_body:
                continue
            if low_starts is None:  # (lower-casing may change a line's length)
                low_starts = line_starts(low_body.split("\n") if not low_body.isascii() else units)
            # the rows holding the stem (one C scan; the word start checked after), past 4 * _NAMED_ROWS: too many
            cand = rows_with(low_body, stem, low_starts, 4 * _NAMED_ROWS)
            if cand is None:
                continue
            rx = re.compile(r"(?<![a-z0-9])" + re.escape(stem))
            hits = [j for j in cand if rx.search(_line(low_body, low_starts, j))]
            if 1 <= len(hits) <= _NAMED_ROWS:
                for j in hits:
                    keep[body[j]] = asked[body[j]] = True
    # outliers: numeric values far from their column's mean, rare values of low-cardinality columns
    numeric = [c for c in range(ncols) if all(_NUM.match(r[c]) for r in (rows[i] for i in body[:10]) if c < len(r))]
    for j in column_outliers(_columns([rows[i] for i in body], ncols, set(numeric)), m):
        keep[body[j]] = True
    # the largest values of each numeric column (the slowest import, the biggest process): what a question about
    # a table of sizes or timings is most often after
    # (a cell's number is its last word: `import time:   215`; columns whose first ten cells all end in one)
    head_rows = [rows[i] for i in body[:10]]
    num = _NUM.match
    for c in range(ncols):
        if not all(c < len(r) and _NUM.match(_last_word(r[c])) for r in head_rows):
            continue
        vals = []
        for i in body:
            r = rows[i]
            if c < len(r):
                v = r[c]
                k = v.rfind(" ")  # (`_last_word`, inline)
                if k >= 0:
                    v = v[k + 1:]
                if v.isdecimal() or num(v):  # (all decimal digits: `_NUM` matches, no regex needed)
                    vals.append((-float(v), i))
        for _, i in sorted(vals)[:_TOP]:
            keep[i] = True
    if keep_ratio(ctx) >= 0.6:  # (not for a flagged result alone: one output, one cut, whichever agent ran it)
        budget = int(estimate_tokens(text, coarse=True) * keep_ratio(ctx))
        used = sum(estimate_tokens(items[i], coarse=True) for i in range(n) if keep[i])
        for i in body:
            if used >= budget:
                break
            if not keep[i]:
                keep[i] = True
                used += estimate_tokens(items[i], coarse=True)
    # a wide row kept for its values (the largest RSS, an outlier, a first or last row) keeps its columns and the
    # ends of its last cell (the program, its main class or script); a row the request points to stays whole
    wide = False
    for i in body:
        if keep[i] and not asked[i] and len(items[i]) > _WIDE_ROW:
            items[i], c = clip(items[i], _WIDE_ROW, _WIDE_HEAD, _WIDE_TAIL)
            wide |= c
    out, dropped, clipped = render(lines, keep, unit="rows")
    clipped |= wide
    if not dropped and not clipped:
        return None
    return Result(finish(lines, out, f"{dropped} of {m} rows", block_key(text, key), ctx), True, name, "table")


# Where a text's only whitespace is the space (ASCII, no tab, no other control), `_SPLIT` splits a stripped row
# where two or more spaces are: this pattern, which starts with a literal (the engine skips to spaces in C).
_SPACES = re.compile("  +")
_OTHER_SPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"  # the ASCII whitespace of `\s` and `str.strip` besides " ", "\n"


def _cells(items: list[str], text: str) -> list[list[str]]:
    """`_SPLIT.split(s.strip())` for every row: the same cells, by `_SPACES` where the block allows it."""
    if text.isascii() and not any(c in text for c in _OTHER_SPACE):
        split = _SPACES.split
        return [split(s.strip()) for s in items]
    return [_SPLIT.split(s.strip()) for s in items]


def _one_space_cells(items: list[str], h: int, ncols: int, cells: list[list[str]]) -> int:
    """The number of columns when the rows' cells are split on any whitespace, or 0. `ps aux` aligns its header
    with two spaces here and there but its rows' numbers one space apart ("24304 19792"): split on two spaces,
    the rows fall into more cells than the header's (and other cells), and every numeric column is misread. Then,
    when nearly every row has a word for each header name (the last column keeps the rest of the row, as
    `ps`' COMMAND does), the header's names are the columns."""
    counts: dict[int, int] = {}
    sel = [i for i in range(h + 1, min(len(items), h + 51)) if items[i].strip() and not _RULE.match(items[i])]
    rows = [items[i] for i in sel]
    for i in sel:
        c = len(cells[i])  # (`cells[i]` is `_SPLIT.split(items[i].strip())`)
        counts[c] = counts.get(c, 0) + 1
    if not counts or max(counts, key=lambda c: (counts[c], c)) == ncols:
        return 0  # the rows split like their header: cells may hold single spaces (docker's "2 hours ago")
    names = len(items[h].split())
    if names < 3 or sum(1 for s in rows if len(s.split()) >= names) < 0.9 * len(rows):
        return 0
    return names


def _columns(rows: list[list[str]], ncols: int, numeric: set[int]) -> Iterator[list]:
    """The body's columns for `column_outliers`, as `outliers` would see the rows as records
    ({column: cell}, at most `ncols` cells, fields from the first 50 rows, numeric columns as floats)."""
    width = min(max((len(r) for r in rows[:50]), default=0), ncols, 40)
    num = _NUM.match
    full = min(map(len, rows), default=0) >= width  # no short rows: each column gathered in C
    for c in range(width):
        col = list(map(itemgetter(c), rows)) if full else [r[c] if c < len(r) else None for r in rows]
        if c in numeric:
            # all decimal digits is `_NUM`'s commonest case: no regex for it
            col = [float(v) if v is not None and (v.isdecimal() or num(v)) else v for v in col]
        yield col
