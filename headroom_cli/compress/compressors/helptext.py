"""Help text and manual pages (`pytest --help`, `curl --help all`, `man git-log`): a list of entries, one per
option, asked about one or two of them ("which option stops after N failures?").

An entry is an option's line and the lines indented under it. The usage (a man page's NAME and SYNOPSIS), the
entries the request points to (ranked over each entry's text, `relevance`; an option the request names literally)
and the headings above them stay whole; every other entry goes, and each gap's marker names the options in it
(`[… 31 lines omitted: --markers, --strict-config, --pdb, … 6 more options]`), so what the command can do stays
readable and one retrieval brings any description back. Without a signal from the request every option keeps its
first line (the list of options with their one-line summaries) while the budget lasts.

It was text or build output before (`pytest --help` read as pytest's output: its head kept in order), or a log
(`man git-log`, hinted by the command's name). Real captures: `pytest --help` and `man git-log`.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter

from .. import markers, relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import Lines, block_key, finish, keep_ratio, render

name = "help"
kinds = ("help",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# An option's line: a dash and a letter or digit after at most 12 columns of indentation (`  -x, --exitfirst`,
# `     --basic`, `       -L<start>,<end>:<file>`); the option's names are its dashed words before the description.
_OPTION = re.compile(r"[ \t]{0,12}(-{1,2}[A-Za-z0-9?#:@][\w.?#:@-]*)")
_NAMES = re.compile(r"(?<![\w-])-{1,2}[A-Za-z0-9?#:@][\w.?#:@-]*")
# An entry without a dash: a name, two spaces or more, its description (`  PYTEST_ADDOPTS    Extra command line
# options`, `  markers (linelist):  Register new markers`), where a paragraph's lines have single spaces.
_ENTRY = re.compile(r"[ \t]*[\w\[][^\s]*(?: \S+)?(?: {2,}|\t)\S")
_USAGE = re.compile(r"[ \t]*usage\b:?", re.I)
_MAN_SECTION = re.compile(r"(?:NAME|SYNOPSIS|DESCRIPTION|OPTIONS)[ \t]*$")
_DEEPER = 4  # columns past the options' own indentation from which a line is a description, not an option
_ENTRY_LINES = 40  # a kept entry longer than this keeps its first _ENTRY_HEAD lines
_ENTRY_HEAD = 24
_USAGE_LINES = 10  # lines of the usage (a man page's NAME and SYNOPSIS sections) kept
_NAMES_SHOWN = 12  # options a gap's marker names; the rest are counted
# options ranked next after those kept whole keep their first line: up to _RANKED_MAX of them scoring at least
# _RANKED_SHARE of the best
_RANKED_MAX = 16
_RANKED_SHARE = 0.25
_NAMED_MAX = 12  # options named by a request's word kept whole; more than this is no signal


def _indent(s: str) -> int:
    t = s.expandtabs(8)
    return len(t) - len(t.lstrip())


_OPTION_LINE = re.compile(r"^[ \t]{0,12}-{1,2}[A-Za-z0-9?#:@]", re.M)


def looks(lines: list[str], text: str) -> bool:
    """Is a block whose non-blank sample lines are `lines` a help text or a manual page? A usage line among the
    first lines and option lines making up a good share of them; or two of a man page's section names at the
    left margin and options further down (a man page's DESCRIPTION comes before its OPTIONS)."""
    n = len(lines)
    if n < 12:
        return False
    if any(_USAGE.match(s) for s in lines[:6]):
        return sum(1 for s in lines if _OPTION.match(s)) >= max(5, 0.15 * n)
    head = text[:8000]
    if "SYNOPSIS" not in head and "DESCRIPTION" not in head:  # (a C scan first: most blocks stop here)
        return False
    if sum(1 for s in lines[:60] if _MAN_SECTION.match(s)) < 2:
        return False
    return len(_OPTION_LINE.findall(text, 0, 400_000)) >= max(8, text.count("\n", 0, 400_000) // 20)


def _entries(items: list[str]) -> tuple[list[int], list[str], int] | None:
    """Where each unit starts (an option's entry, a heading, a paragraph), each unit's kind ("option",
    "heading", "text"), and the options' indentation; None when the block has too few options."""
    opt_indent = Counter(_indent(s) for s in items if _OPTION.match(s) and _indent(s) <= 12)
    if sum(opt_indent.values()) < 5:
        return None
    base = opt_indent.most_common(1)[0][0]
    starts: list[int] = []
    kinds_: list[str] = []
    prev_blank = True
    prev_kind = ""
    for i, s in enumerate(items):
        if not s.strip():
            prev_blank = True
            continue
        ind = _indent(s)
        if ind < base + _DEEPER and _OPTION.match(s):
            starts.append(i)
            kinds_.append("option")
            prev_kind = "option"
        elif ind < base:
            starts.append(i)
            kinds_.append("heading")
            prev_kind = "heading"
        elif ind < base + _DEEPER and _ENTRY.match(s):
            starts.append(i)
            kinds_.append("option")
            prev_kind = "option"
        elif ind < base + _DEEPER and (prev_blank or prev_kind != "text"):
            starts.append(i)
            kinds_.append("text")
            prev_kind = "text"
        prev_blank = False
    return starts, kinds_, base


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 20:
        return None
    parsed = _entries(items)
    if parsed is None:
        return None
    starts, kinds_, _ = parsed
    if not starts:
        return None
    ends = starts[1:] + [n]
    option_starts = [a for a, k in zip(starts, kinds_) if k == "option"]
    units = ["  ".join(s.strip() for s in items[a:b] if s.strip()) for a, b in zip(starts, ends)]
    keep = [False] * n
    # the usage: the units before the first option, or a man page's NAME and SYNOPSIS, up to _USAGE_LINES lines
    first_opt = next((u for u, k in enumerate(kinds_) if k == "option"), len(starts))
    usage_end = min(ends[first_opt - 1] if first_opt else 0, _USAGE_LINES)
    for k in range(usage_end):
        keep[k] = True
    # the entries the request points to: ranked, and any option it names literally. The request's words only:
    # the command's own (`pytest --help`: its program, `--help`) are in every entry or name the help itself.
    asked = set(_NAMES.findall(ctx.preceding_text[-4000:]))
    chosen: set[int] = {u for u, k in enumerate(kinds_) if k == "option" and asked & set(_option_names(units[u]))}
    query = _query(ctx)
    score: list[float] = []
    if query is not None:
        distinct: list[int] = []
        score = relevance.rank(units, query, distinct=distinct)
        picked = relevance.pick(score, distinct=distinct, query=query)
        if picked is None:
            # an option named by a word of the request (`--retry`, `--retry-delay` for "make curl retry") is the
            # signal even where the request's other words match nothing
            stems = set(query.stems)
            picked = [u for u, k in enumerate(kinds_) if k == "option" and _named_by(units[u], stems)]
            picked = picked if len(picked) <= _NAMED_MAX else []
        chosen.update(picked)
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    if chosen:
        for u in chosen:
            a, b = starts[u], ends[u]
            for k in range(a, min(b, a + (_ENTRY_HEAD if b - a > _ENTRY_LINES else b - a))):
                keep[k] = True
        # the next best-ranked options, their first line only: a ranking of one or two words is rough
        ranked = sorted((u for u, k in enumerate(kinds_) if k == "option" and score and score[u] > 0),
                        key=lambda u: (-score[u], u))
        floor = _RANKED_SHARE * score[ranked[0]] if ranked else 0.0
        for u in ranked[:_RANKED_MAX]:
            if score[u] >= floor:
                keep[starts[u]] = True
    else:
        # no signal: each option's first line, in order, while the budget lasts (the list of what it can do)
        used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
        for u, k in enumerate(kinds_):
            if k != "option":
                continue
            cost = estimate_tokens(items[starts[u]], coarse=True) + 1
            if used + cost > budget:
                break
            keep[starts[u]] = True
            used += cost
    # the heading over each kept entry (the section it is in)
    heading = -1
    for u, k in enumerate(kinds_):
        if k == "heading":
            heading = u
        elif heading >= 0 and any(keep[starts[u]:ends[u]]):
            keep[starts[heading]] = True
    if all(keep):
        return None

    def describe(a: int, b: int) -> str | None:
        lo, hi = bisect.bisect_left(option_starts, a), bisect.bisect_left(option_starts, b)
        names = [_option_names(items[k])[0] for k in option_starts[lo:hi]]
        if not names:
            return None
        shown = names[:_NAMES_SHOWN]
        more = f", … {len(names) - len(shown)} more" if len(names) > len(shown) else ""
        word = "line" if b - a == 1 else "lines"
        return markers.gap(f"{b - a} {word} of {len(names)} option{'s' if len(names) != 1 else ''} "
                           f"({', '.join(shown)}{more})")

    out, dropped, clipped = render(lines, keep, describe=describe)
    if not dropped:
        return None
    return Result(finish(lines, out, f"{dropped} of {n} lines", block_key(text, key), ctx), True, name, "help")


# Words every help text is about: what a request calls the entries, not which one it means.
_META = frozenset(relevance.stem(w) for w in ("option", "options", "flag", "flags", "argument", "arguments",
                                              "switch", "parameter", "command", "help", "usage", "set", "use"))


def _query(ctx: Context) -> relevance.Query | None:
    """The request's words (not the command's: `pytest --help` names the program, whose name is in every entry),
    without the words that name entries in general ("which option …")."""
    q = relevance.query_terms(dataclasses.replace(ctx, tool_input=""))
    if q is None:
        return None
    program = {relevance.stem(w) for w in re.findall(r"[a-z][a-z0-9]+", ctx.tool_input.lower()[:400])}
    keep = [i for i, t in enumerate(q.stems) if t not in _META and t not in program]
    if not keep:
        return None
    at = {i: j for j, i in enumerate(keep)}
    then = tuple(tuple(at[k] for k in q.then[i] if k in at) for i in keep)
    return relevance.Query(tuple(q.stems[i] for i in keep), tuple(q.weights[i] for i in keep), then)


def _named_by(unit: str, stems: set[str]) -> bool:
    """Does a word of one of the entry's option names have one of `stems` as its stem?"""
    for opt in _option_names(unit):
        for w in re.split(r"[-_.=]+", opt.lower()):
            if len(w) >= 3 and relevance.stem(w) in stems:
                return True
    return False


def _option_names(s: str) -> list[str]:
    """The dashed names an entry's first line gives (its description is after the first run of two spaces)."""
    head = re.split(r"\s{2,}|\t", s.strip(), maxsplit=1)[0]
    return _NAMES.findall(head) or head.split()[:1] or [s.strip()[:20]]

