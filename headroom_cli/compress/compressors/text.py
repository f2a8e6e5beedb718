"""Plain text and anything unrecognised: extractive, line by line, never joining lines.

Lines are scored (context terms, error words, headings, position), exact repeats are dropped, and
the best lines are kept in their original order until the budget is spent. Very long lines (a
paragraph on one line) keep their best sentences, still on that one line.
"""
from __future__ import annotations

import re

from .. import markers
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (ERROR_RE, WARN_RE, Lines, block_key, clip, finish, keep_ratio, render,
                      selective_regex, templates, weak_regex)

name = "text"
kinds = ("text",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_HEADING = re.compile(r"^\s{0,3}(?:#{1,6} |[A-Z][A-Z0-9 _-]{3,60}:?\s*$|[A-Z][^.!?]{0,80}:\s*$|[=-]{3,}\s*$)")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_SENT_LINE = 600  # lines longer than this are shortened sentence by sentence
_SENT_MAX = 200_000  # beyond this a line is only clipped (bounded work)
_SAME_TEMPLATE_CAP = 3


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
        hit = tr is not None and tr.search(head)
        c = tpl_count[tpl[i]] = tpl_count.get(tpl[i], 0) + 1
        if c > _SAME_TEMPLATE_CAP and not hit:
            first_in_para = False
            continue
        if hit:
            sc += 10
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
        score[i] = sc
        first_in_para = False
    budget = max(int(estimate_tokens(text, coarse=True) * ratio), 100)
    keep = [False] * n
    used = 0
    for i in sorted((i for i in range(n) if score[i] > 0), key=lambda i: (-score[i], i)):
        cost = estimate_tokens(items[i], coarse=True) + 1
        if used + cost > budget and score[i] < 10 and used > 0:
            continue
        keep[i] = True
        used += cost
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
    out, dropped, clipped = render(shaped, keep)
    if not dropped and not clipped and not shortened:
        return None
    nd = sum(dup)
    what = f"{dropped} of {n} lines" + (f" ({nd} repeated)" if nd else "")
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "text")
