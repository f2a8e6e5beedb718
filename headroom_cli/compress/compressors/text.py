"""Plain text and anything unrecognised: extractive, line by line, never joining lines.

Lines are scored (context terms, error words, headings, position), exact repeats are dropped, and
the best lines are kept in their original order until the budget is spent. Very long lines (a
paragraph on one line) keep their best sentences, still on that one line. A run of lines of one template
(`common.template_runs`: a requirement per extra, a path per package) is shown by its first and last lines and
one marker with the values the lines between differ in, when that costs no more than the run's share of the
budget; the lines of the run the request's terms are in stay whole.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from .. import markers, relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (ERROR_RE, RUN_HEAD, RUN_TAIL, WARN_RE, Lines, Run, block_key, clip, finish, keep_ratio,
                      list_values, render, run_values, selective_regex, template_runs, templates, weak_regex)

name = "text"
kinds = ("text",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_HEADING = re.compile(r"^\s{0,3}(?:#{1,6} |[A-Z][A-Z0-9 _-]{3,60}:?\s*$|[A-Z][^.!?]{0,80}:\s*$|[=-]{3,}\s*$)")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_SENT_LINE = 600  # lines longer than this are shortened sentence by sentence
_SENT_MAX = 200_000  # beyond this a line is only clipped (bounded work)
_SAME_TEMPLATE_CAP = 3


_BLOCK_LINES = 30  # lines indented under a line the request points to kept with it at most
_BLOCK_SCORE = 9  # … first among the other lines, while the budget lasts (a hit's own score, 11 on, is kept beyond it)


def _shorten(line: str, tr: re.Pattern | None, ratio: float) -> str | None:
    cr = "\r" if line.endswith("\r") else ""
    body = line[:-1] if cr else line
    sents = _SENT.split(body)
    if len(sents) < 5:
        return None
    budget = max(int(len(body) * ratio), 300)
    keep = [False] * len(sents)
    keep[0] = keep[-1] = True
    used = len(sents[0]) + len(sents[-1])
    for i, s in enumerate(sents):
        if not keep[i] and ((tr is not None and tr.search(s)) or ERROR_RE.search(s)):
            keep[i] = True
            used += len(s)
    for i in range(1, len(sents)):
        if used >= budget:
            break
        if not keep[i]:
            keep[i] = True
            used += len(sents[i])
    if all(keep):
        return None
    parts: list[str] = []
    i = 0
    while i < len(sents):
        if keep[i]:
            parts.append(sents[i])
            i += 1
            continue
        j = i
        while j < len(sents) and not keep[j]:
            j += 1
        parts.append(markers.gap(f"{j - i} sentence{'s' if j - i != 1 else ''}"))
        i = j
    return " ".join(parts) + cr


_RUN_MARKER = 12  # tokens: a run's marker without its values
_RUN_LISTING_MIN = 8  # tokens: a run whose allowance leaves less for its values is not shown as a run


class _Shown:
    """A run that may be shown as a run: its values on the lines between its ends, what its marker may spend on
    them (tokens), and the budget its lines would get at the keep ratio (coarse tokens)."""

    __slots__ = ("run", "values", "allowance", "share")

    def __init__(self, run: Run, values: list[list[str]], allowance: int, share: int):
        self.run, self.values, self.allowance, self.share = run, values, allowance, share


def _candidate_runs(items: list[str], tpl: list[str], ratio: float) -> list[_Shown]:
    """The runs of one template (`common.template_runs`) that may be shown as runs. A run's showing (its ends and
    its marker) costs no more than the keep ratio's share of its lines: a run too short to pay for its ends and a
    marker listing at least half its values is left to the line picking, and so is a run whose lines differ only
    in numbers and ids (one `template`): those are the repeats `_SAME_TEMPLATE_CAP` already leaves out."""
    out = []
    for r in template_runs(items):
        if all(tpl[k] == tpl[r.start] for k in range(r.start + 1, r.end)):
            continue
        run = items[r.start:r.end]
        ends = sum(map(estimate_tokens, run[:RUN_HEAD] + run[len(run) - RUN_TAIL:])) + RUN_HEAD + RUN_TAIL
        left = int((estimate_tokens("\n".join(run)) + len(run)) * ratio) - ends - _RUN_MARKER
        if left < _RUN_LISTING_MIN:
            continue
        values = run_values(items, r, r.inner)
        full = estimate_tokens(", ".join(v for vs in values for v in vs)) + 2
        if left < full // 2:
            continue  # its values are most of what its lines say: a marker listing a few would hide the rest
        share = int((estimate_tokens("\n".join(run), coarse=True) + len(run)) * ratio)
        out.append(_Shown(r, values, min(left, full), share))
    return out


def _run_marker(values: list[list[str]], count: int, tokens: int) -> str:
    """The marker standing for `count` lines of a run whose slots take `values`: as many values as `tokens` pay
    for (at the values' own density of tokens a character: names with versions cost more than words)."""
    flat = ", ".join(v for vs in values for v in vs)
    chars = int(tokens * len(flat) / max(1, estimate_tokens(flat))) if flat else 0
    return markers.like_these(count, list_values(values, chars))


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    tr = selective_regex(ctx, text, max(n, text.count('. ')))
    wr = weak_regex(ctx)
    ratio = keep_ratio(ctx)
    shortened = 0
    if n < 6:
        # few lines: only long lines can shrink
        out = []
        for s in items:
            if _SENT_LINE < len(s) <= _SENT_MAX:
                t = _shorten(s, tr, ratio)
                if t is not None:
                    out.append(t)
                    shortened += 1
                    continue
            c, was = clip(s)
            shortened += was
            out.append(c)
        if not shortened:
            return None
        return Result(finish(lines, out, "parts of long lines", block_key(text, key), ctx), True, name, "text")
    score = [0] * n
    seen: dict[str, int] = {}
    dup = [False] * n
    first_in_para = True
    # a line that repeats an earlier one but for its numbers and ids (the same event every few minutes) scores
    # nothing from its `_SAME_TEMPLATE_CAP + 1`-th occurrence on, unless the request's terms are in it: the
    # budget goes to the lines that say something new
    tpl = templates([x[:1000] for x in items])
    tpl_count: dict[str, int] = {}
    # runs of lines of one template (`common.template_runs`): a run shows its first and last lines, and one marker
    # with the values the lines between differ in stands for those (but for the lines the request's terms are in)
    cands = _candidate_runs(items, tpl, ratio)
    inner = [False] * n
    for c in cands:
        inner[c.run.start + RUN_HEAD:c.run.end - RUN_TAIL] = [True] * len(c.run.inner)
    inner_score: dict[int, int] = {}  # what a line between a run's ends scores if its run is not shown
    hits: list[int] = []
    # the lines the request points to in words (BM25 over the lines, `relevance.pick`: only where a few stand out)
    query = relevance.query_terms(ctx)
    pointed: set[int] = set()
    if query is not None:
        distinct: list[int] = []
        ranked = relevance.rank(items, query, distinct=distinct, specific=True)
        pointed = set(relevance.pick(ranked, distinct=distinct, query=query) or ())
    for i, s in enumerate(items):
        st = s.strip()
        if not st:
            first_in_para = True
            continue
        norm = " ".join(st.split())[:300]
        if norm in seen:
            dup[i] = True
            first_in_para = False
            continue
        seen[norm] = i
        sc = 1
        head = s[:1000]
        hit = (tr is not None and tr.search(head)) or i in pointed
        c = tpl_count[tpl[i]] = tpl_count.get(tpl[i], 0) + 1
        if c > _SAME_TEMPLATE_CAP and not hit:
            first_in_para = False
            continue
        if hit:
            sc += 10
            hits.append(i)
        if wr is not None and wr.search(head):
            sc += 2
        if ERROR_RE.search(head):
            sc += 5
        elif WARN_RE.search(head):
            sc += 2
        if _HEADING.match(head):
            sc += 3
        if first_in_para:
            sc += 1
        if i < 3:
            sc += 4
        elif i >= n - 2:
            sc += 2
        if inner[i] and not hit:
            inner_score[i] = sc
        else:
            score[i] = sc
        first_in_para = False
    # a line the request's terms are in heads what is indented under it (a table's columns under its `CREATE
    # TABLE invoices(`, the value under `X509v3 Subject Alternative Name:`, a function's code under `<main>:`):
    # that block is the line's, up to _BLOCK_LINES lines, served right after the lines that must stay
    budget = max(int(estimate_tokens(text, coarse=True) * ratio), 100)
    for i in hits:
        lead = len(items[i]) - len(items[i].lstrip())
        block = []
        for k in range(i + 1, min(n, i + 1 + _BLOCK_LINES)):
            s = items[k]
            if not s.strip() or len(s) - len(s.lstrip()) <= lead:
                break
            block.append(k)
        # (a block that would take most of the budget is a section, not the line's own: `git status`'s list of
        # changes under "Changes not staged for commit:")
        if sum(estimate_tokens(items[k], coarse=True) + 1 for k in block) > budget // 2:
            continue
        for k in block:
            score[k] = max(score[k], _BLOCK_SCORE)
            inner_score.pop(k, None)
    keep = [False] * n
    used = 0

    def take(order: list[int]) -> None:
        nonlocal used
        for i in order:
            cost = estimate_tokens(items[i], coarse=True) + 1
            if used + cost > budget and score[i] < 10 and used > 0:
                continue
            keep[i] = True
            used += cost

    # the lines that say something (the request's terms, errors, headings, the first lines) first; then the runs,
    # each for what is left, up to its allowance; then the plain lines
    take(sorted((i for i in range(n) if score[i] > 1), key=lambda i: (-score[i], i)))
    runs: list[_Shown] = []
    for c in cands:
        r = c.run
        ends = [k for k in (*range(r.start, r.start + RUN_HEAD), *range(r.end - RUN_TAIL, r.end)) if not keep[k]]
        cost = sum(estimate_tokens(items[k], coarse=True) + 1 for k in ends) + _RUN_MARKER
        c.allowance = min(c.allowance, budget - used - cost)
        if c.allowance < _RUN_LISTING_MIN:
            for k, sc in ((k, inner_score.get(k, 0)) for k in r.inner):
                score[k] = max(score[k], sc)  # not shown: its lines are lines like the others
            continue
        runs.append(c)
        for k in ends:
            keep[k] = True
        # (the run's share of the budget is spent on it: what its showing saves is saved, not given to other lines)
        used += max(cost + c.allowance, c.share)
    take(sorted((i for i in range(n) if score[i] > 0 and not keep[i]), key=lambda i: (-score[i], i)))
    for i in range(1, n):
        if not items[i].strip() and keep[i - 1]:
            keep[i] = True  # paragraph breaks after kept lines
    # long kept lines keep their best sentences
    out_items = list(items)
    for i in range(n):
        if keep[i] and _SENT_LINE < len(items[i]) <= _SENT_MAX:
            t = _shorten(items[i], tr, ratio)
            if t is not None:
                out_items[i] = t
                shortened += 1
    shaped = Lines.__new__(Lines)
    shaped.items, shaped.trailing, shaped.cr = out_items, lines.trailing, lines.cr
    starts = [c.run.start for c in runs]

    def describe(j: int, e: int) -> str | None:
        k = bisect_right(starts, j) - 1
        if k < 0:
            return None
        c = runs[k]
        if not (c.run.start + RUN_HEAD <= j and e <= c.run.end - RUN_TAIL):
            return None
        if e - j == len(c.run.inner):
            return _run_marker(c.values, e - j, c.allowance)
        # (a run the request's lines split shares its marker's allowance between its pieces)
        return _run_marker(run_values(items, c.run, range(j, e)), e - j, c.allowance * (e - j) // len(c.run.inner))

    out, dropped, clipped = render(shaped, keep, describe=describe if runs else None)
    if not dropped and not clipped and not shortened:
        return None
    nd = sum(dup)
    what = f"{dropped} of {n} lines" + (f" ({nd} repeated)" if nd else "")
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "text")
