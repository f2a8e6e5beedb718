"""Helpers shared by the compressors: line handling, budgets, relevance terms, markers in place.

Everything here is pure: output depends only on the arguments (caches are memo only).
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right
from itertools import accumulate, compress as select
from typing import Iterable, Iterator, Sequence

from ...ccr.store import key_for
from .. import markers
from ..base import Context
from ..relevance import find_first, input_strings

_LONE = 24  # chars: a marker line costs about this much
LONG_LINE = 2000  # lines longer than this are clipped (head + tail) when kept
CLIP_HEAD = 700
CLIP_TAIL = 300


def keep_ratio(ctx: Context) -> float:
    """Share of tokens to aim for; error results keep more (be conservative)."""
    r = min(max(ctx.ratio, 0.02), 1.0)
    return min(1.0, r * 2) if ctx.is_error else r


def block_key(text: str, key: str | None) -> str:
    return key if key is not None else key_for(text)


class Lines:
    """A block split on "\\n" only; each line keeps its "\\r" so CRLF survives on kept lines."""

    __slots__ = ("items", "trailing", "cr")

    def __init__(self, text: str):
        items = text.split("\n")
        self.trailing = len(items) > 1 and items[-1] == ""
        if self.trailing:
            items.pop()
        self.items = items
        # Marker lines follow the block's dominant line ending (no "\r" at all: no counting).
        self.cr = "\r" in text and text.count("\r\n") * 2 > text.count("\n")

    def __len__(self) -> int:
        return len(self.items)

    def marker_line(self, s: str, indent: str = "") -> str:
        return indent + s + ("\r" if self.cr else "")

    def join(self, out: Sequence[str]) -> str:
        return "\n".join(out) + ("\n" if self.trailing else "")


def clip(line: str, limit: int = LONG_LINE, head: int = CLIP_HEAD, tail: int = CLIP_TAIL) -> tuple[str, bool]:
    """A kept line, clipped in the middle if longer than `limit`; returns (line, was_clipped)."""
    if len(line) <= limit:
        return line, False
    cr = "\r" if line.endswith("\r") else ""
    body = line[:-1] if cr else line
    cut = len(body) - head - tail
    return body[:head] + markers.gap(f"{cut} chars") + body[-tail:] + cr, True


_SHORT_GAP = 2  # lines: a gap this short is kept as text when its lines cost less than its marker
_LONE_RUN = 2  # kept lines: a run this short between two gaps, nothing in it protected, goes (the gaps merge)


def coalesce(items: Sequence[str], keep: list[bool], protect: Sequence[bool] | None = None) -> list[bool]:
    """Fewer, cheaper gaps (in place; returns `keep`). Two rules, each where a marker costs more than it saves:

    - a gap of at most _SHORT_GAP dropped lines between kept lines whose text is no longer than the marker that
      would replace it (`[… 2 lines omitted]`) is kept: the text costs no more and says more;
    - with `protect` (per line: kept for a reason the request or the output gives — a term of the question, an
      error, a header naming where the rest is), a short run of kept lines (at most _LONE_RUN) standing alone
      between two gaps, none of them protected, is dropped: its gaps merge into one marker, which saves the
      lines and a marker.

    Lines are never reordered and a protected line is never dropped."""
    if len(items) < 3:
        return keep
    # 1. short gaps between kept lines, kept when cheaper than their marker (a gap at the start has no kept line
    # before it; one running to the end is one marker either way)
    for j, e in _inner_runs(keep, False):
        if 0 < j and e - j <= _SHORT_GAP:
            cost = sum(len(items[k]) + 1 for k in range(j, e))
            if cost <= len(markers.gap(f"{e - j} lines")) + 1:
                keep[j:e] = [True] * (e - j)
    if protect is None:
        return keep
    # 2. short runs of unprotected kept lines between two gaps (the last run, reaching the end, has no gap after it)
    for j, e in _inner_runs(keep, True):
        if e - j <= _LONE_RUN and j > 0 and not any(protect[j:e]):
            keep[j:e] = [False] * (e - j)
    return keep


def _inner_runs(keep: list[bool], value: bool) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of `value` in `keep` that something else follows, left to right; the caller may
    rewrite the run it was given (the search goes on from its end)."""
    find, i = keep.index, 0
    while True:
        try:
            j = find(value, i)
            e = find(not value, j)
        except ValueError:
            return
        yield j, e
        i = e


def render(lines: Lines, keep: Sequence[bool], unit: str = "lines", gap_note: str = "",
           gap_members: Sequence[bool] | None = None,
           other_notes: Sequence[tuple[str, Sequence[bool]]] = (),
           protect: Sequence[bool] | None = None) -> tuple[list[str], int, bool]:
    """Kept lines in order, each run of dropped lines replaced by one in-place gap marker.

    Returns (output lines, lines dropped, any kept line clipped). A run whose lines are all `gap_members`
    gets `gap_note` as extra words in its marker (e.g. "passing"); else the note of the first `other_notes` pair
    (note, members) whose members hold the whole run. A lone dropped line no longer than its marker
    would be stays (the marker would save nothing), and the gaps are first made fewer and cheaper by `coalesce`
    (with `protect`, the lines that must stay).

    Run by run: the ends of the runs are found with `list.index` (in C), so the Python work is per run, not
    per line."""
    out: list[str] = []
    items = lines.items
    n = len(items)
    keep = coalesce(items, list(keep), protect)
    dropped = 0
    clipped_any = False
    find = keep.index
    i = 0
    while i < n:
        # a run of kept lines, and the lone short dropped lines between them, from i to j
        j = i
        while True:
            try:
                j = find(False, j)
            except ValueError:
                j = n
                break
            if len(items[j]) <= _LONE and (j + 1 == n or keep[j + 1]):
                j += 1  # a lone short line stays (its neighbours are kept, or it is at an end)
                continue
            break
        if j > i:
            run = items[i:j]
            if max(map(len, run)) > LONG_LINE:
                for line in run:
                    line, c = clip(line)
                    clipped_any |= c
                    out.append(line)
            else:
                out += run
        if j >= n:
            break
        # a run of dropped lines from j to i
        try:
            i = find(True, j)
        except ValueError:
            i = n
        cnt = i - j
        dropped += cnt
        note = gap_note if gap_members is not None and all(gap_members[j:i]) else ""
        if not note and other_notes:
            note = next((nt for nt, members in other_notes if all(members[j:i])), "")
        word = unit if cnt != 1 else unit.rstrip("s")
        out.append(lines.marker_line(markers.gap(f"{cnt} {note + ' ' if note else ''}{word}")))
    return out, dropped, clipped_any


def finish(lines: Lines, out: list[str], what: str, key: str, ctx: Context) -> str:
    """Append the block's one full marker (with the retrieval key) and join."""
    out.append(lines.marker_line(markers.omitted(what, key, ctx)))
    return lines.join(out)


# ---------------------------------------------------------------- relevance terms

_QUOTED = re.compile(r'"([^"\\\n]{2,120})"|\'([^\'\\\n]{2,120})\'|`([^`\n]{2,120})`')
_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/:#@]*[A-Za-z0-9_]")
_REGEX_META = re.compile(r"[\^$\\.*+?()\[\]{}|]+")
_CAMEL = re.compile(r"[a-z][A-Z]")
_STOP = frozenset(
    """command description pattern path file files glob type output_mode head_limit timeout cmd args
    workdir cwd grep egrep fgrep rg cat ls head tail sed awk find git diff show log status bash sh lc
    python python3 node npm npx pytest jest cargo go make test tests run echo true false null none
    the and for with that this from into what why how when where which there their about after before
    could would should please error errors http https www com org""".split()
)
_WORD = re.compile(r"[A-Za-z][a-z]{5,}")
_MAX_TERMS = 24


def _strong_token(t: str) -> bool:
    if len(t) < 3 or t.lower() in _STOP:
        return False
    if t.startswith("-"):
        return False
    return (any(c.isdigit() for c in t) or "_" in t or "-" in t or "." in t[1:-1] or ":" in t
            or _CAMEL.search(t) is not None or (t.isupper() and len(t) >= 3))


def _add(out: dict[str, str], t: str) -> None:
    t = t.strip()
    if len(t) >= 3 and t.lower() not in _STOP:
        out.setdefault(t.lower(), t)


# A date (`2026-12-02`, `2026/12/02T01:00`) stamps every line of its day: never a term. A time of day in a call's
# arguments (`--since '2026-12-02 01:00'`) is a range's bound, not a line the request points to.
_DATE = re.compile(r"\d{4}[-/]\d\d[-/]\d\d(?:[T ]?\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)?")
_TIME = re.compile(r"\d\d?:\d\d(?::\d\d(?:\.\d+)?)?")


@functools.lru_cache(maxsize=256)
def _terms(tool_input: str, preceding: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    inputs = input_strings(tool_input[:8000])
    sources = inputs + [preceding[:4000] + "\n" + preceding[-4000:] if len(preceding) > 8000 else preceding]
    for n_src, s in enumerate(sources):
        from_input = n_src < len(inputs)
        for m in _QUOTED.finditer(s):
            q = m.group(1) or m.group(2) or m.group(3) or ""
            if _REGEX_META.search(q):
                # A pattern: its literal pieces are the terms.
                for piece in _REGEX_META.split(q):
                    if len(piece.strip()) >= 3:
                        _add(strong, piece)
            elif not q.startswith("-") and not _DATE.fullmatch(q.strip()):
                _add(strong, q)
        for m in _TOKEN.finditer(s):
            t = m.group(0).strip(".:/")
            if _strong_token(t) and not _DATE.fullmatch(t) and not (from_input and _TIME.fullmatch(t)):
                _add(strong, t)
        for m in _WORD.finditer(s):
            w = m.group(0)
            if w.lower() not in _STOP:
                weak.setdefault(w.lower(), w)
    st = tuple(list(strong.values())[:_MAX_TERMS])
    wk = tuple(w for w in list(weak.values())[:_MAX_TERMS] if w.lower() not in strong)
    return st, wk


def terms(ctx: Context) -> tuple[str, ...]:
    """Identifier-like terms from the call's input and the text before it (quoted strings, ids, patterns)."""
    return _terms(ctx.tool_input, ctx.preceding_text)[0]


def weak_terms(ctx: Context) -> tuple[str, ...]:
    return _terms(ctx.tool_input, ctx.preceding_text)[1]


@functools.lru_cache(maxsize=256)
def _regex(ts: tuple[str, ...]) -> re.Pattern | None:
    if not ts:
        return None
    ordered = sorted(ts, key=len, reverse=True)  # stable: ties keep their order
    rx = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    if all(t.isascii() for t in ts):
        if len(_LITERALS) > 4096:
            _LITERALS.clear()
        _LITERALS[rx.pattern] = tuple(t.lower() for t in ts)
    return rx


# pattern of a term regex (`_regex`) → its terms lower-cased, when all ASCII: `regex_lines` can then find
# them with `str.find` in the lower-cased text (a C substring search) instead of running the regex
_LITERALS: dict[str, tuple[str, ...]] = {}
_TERM_FLAGS = re.compile("", re.IGNORECASE).flags


_LETTER_ESCAPE = re.compile(r"\\[A-Za-z]")  # \d, \S…: lower-casing would change their meaning


@functools.lru_cache(maxsize=256)
def _lower_regex(rx: re.Pattern) -> re.Pattern | None:
    """A case-insensitive term regex as a case-sensitive one for lower-cased ASCII text (None when a term is
    not ASCII). Equivalent there, and much faster: the engine can skip to the terms' first letters in C."""
    if not rx.pattern.isascii() or _LETTER_ESCAPE.search(rx.pattern):
        return None
    return re.compile(rx.pattern.lower())


def term_regex(ctx: Context) -> re.Pattern | None:
    """One compiled regex matching any strong term (case-insensitive), or None without terms."""
    return _regex(terms(ctx))


def weak_regex(ctx: Context) -> re.Pattern | None:
    return _regex(weak_terms(ctx))


# ---------------------------------------------------------------- shared classifiers

# Error-ish words; used to keep lines/records/values that report problems.
ERROR_RE = re.compile(
    r"\b(?:FATAL|fatal|Fatal|PANIC|panic|CRITICAL|Critical|critical|ERROR|Error|error|ERR|EXCEPTION|Exception|"
    r"exception|Traceback|SEVERE|FAIL|FAILED|Failed|failed|failure|Failure|Caused by|denied|refused|timed? ?out|"
    r"Timeout|OOMKilled|CrashLoopBackOff|segfault|Segmentation fault|abort(?:ed)?|unhealthy)\b"
)
WARN_RE = re.compile(r"\b(?:WARN|WARNING|Warning|warning|deprecated|DEPRECATED)\b")
# Numbers, hex ids, uuids and timestamps collapse to '#' so repeated lines share one template.
# Same matches as `[0-9a-fA-F]*[0-9][0-9a-fA-F.:_-]*`, written to start with a character class: the regex
# engine then skips non-hex characters in C instead of trying a match at every position (~25 % faster).
FAST_NORM = re.compile(r"[0-9a-fA-F](?:(?<=[0-9])|[0-9a-fA-F]*[0-9])[0-9a-fA-F.:_-]*")


def template(line: str) -> str:
    """A line with its variable parts (numbers, ids, timestamps) normalised."""
    return FAST_NORM.sub("#", line)


# ---------------------------------------------------------------- whole-text scanning (fast paths)


# Lower-case error words, matched at a word start; a C-speed `str.find` per word beats a per-line regex.
ERROR_WORDS = ("fatal", "panic", "critical", "error", "exception", "traceback", "severe", "fail", "denied",
               "refused", "timed out", "timeout", "oomkilled", "crashloopbackoff", "segfault",
               "segmentation fault", "abort", "unhealthy", "caused by")
WARN_WORDS = ("warn", "deprecat")


def line_starts(items: Sequence[str]) -> list[int]:
    """Offsets where each line of `"\\n".join(items)` starts."""
    return list(accumulate(map((1).__add__, map(len, items)), initial=0))[:-1] if items else []


def keyword_lines(lower: str, words: Iterable[str], starts: list[int]) -> list[bool]:
    """Per line: does it contain one of `words` (lower-case) at a word start? `lower` is the text lower-cased."""
    return _find_lines(lower, words, starts, word_start=True)


def substring_lines(text: str, subs: Iterable[str], starts: list[int]) -> list[bool]:
    """Per line: does it contain one of `subs` (none holding a newline)? One `str.find` scan per string."""
    return _find_lines(text, subs, starts, word_start=False)


def _find_lines(text: str, subs: Iterable[str], starts: list[int], *, word_start: bool) -> list[bool]:
    """One `str.find` scan per string; after a hit the scan jumps to the next line (one hit per line
    is enough). With `word_start`, a hit preceded by a letter does not count."""
    n = len(starts)
    hit = [False] * n
    end = len(text)
    for w in subs:
        i = find_first(text, w) if w else 0  # (most words are in no line: the first scan is most of the work)
        while i >= 0:
            if word_start and i > 0 and text[i - 1].isalpha():
                i = text.find(w, i + 1)
                continue
            k = bisect_right(starts, i) - 1
            hit[k] = True
            i = text.find(w, starts[k + 1] if k + 1 < n else end)
    return hit


def rows_with(text: str, sub: str, starts: list[int], limit: int) -> list[int] | None:
    """The lines (ascending) of `text` (lines starting at `starts`) holding `sub` (no newline in it), or None
    when more than `limit` do: one `str.find` scan, jumping to the next line after a hit, stopping early."""
    out: list[int] = []
    n = len(starts)
    end = len(text)
    find = text.find
    i = find(sub)
    while i >= 0:
        k = bisect_right(starts, i) - 1
        out.append(k)
        if len(out) > limit:
            return None
        if k + 1 >= n:
            break
        i = find(sub, starts[k + 1], end)
    return out


def regex_lines(rx: re.Pattern, text: str, starts: list[int], lower: str | None = None) -> list[bool]:
    """Per line: does `rx` match somewhere in it? One scan of the whole text, skipping to the next line on a hit.

    With `lower` (the text lower-cased) and an ASCII text, a term regex (`_regex`) runs case-sensitively on it,
    or, with few terms, each term is found with `str.find` (same lines: a line has a match iff it holds a term)."""
    if lower is not None and rx.flags & re.IGNORECASE and text.isascii():
        lits = _LITERALS.get(rx.pattern) if rx.flags == _TERM_FLAGS else None
        if lits is not None and len(lits) <= 8:
            return substring_lines(lower, lits, starts)
        low_rx = _lower_regex(rx)
        if low_rx is not None:
            rx, text = low_rx, lower
    n = len(starts)
    hit = [False] * n
    end = len(text)
    pos = 0
    while pos < end:
        m = rx.search(text, pos)
        if m is None:
            break
        k = bisect_right(starts, m.start()) - 1
        hit[k] = True
        pos = starts[k + 1] if k + 1 < n else end
    return hit


def lines_with_words(text: str, items: Sequence[str], idx: Sequence[int],
                     word_sets: Sequence[Iterable[str]]) -> list[list[bool]]:
    """Per word set, per line `items[i]` (of `text`) for i in `idx`: does the line contain one of the set's
    words (lower-case) at a word start? The answers of `keyword_lines` over the whole text, scanning only
    the given lines (when most lines are classified otherwise, that is most of the work saved)."""
    if not text.isascii() and "\u0130" in text:
        # "İ" lower-cases to two characters, which shifts `keyword_lines`' offsets: scan the whole text as it does
        starts = line_starts(items)
        low = "\n".join(items).lower()
        return [[hit[i] for i in idx] for hit in (keyword_lines(low, ws, starts) for ws in word_sets)]
    sub = [items[i] for i in idx]
    starts = line_starts(sub)
    low = "\n".join(sub).lower()
    return [keyword_lines(low, ws, starts) for ws in word_sets]


MATCH_CAP = 2000  # anchored line patterns look at a line's head only: bounded work on huge lines


# Where no hex letter directly precedes a digit, a FAST_NORM match starts at its first digit: the same
# replacements come from this pattern, which the regex engine tries at digits only (hex letters are common
# in words, digits rarer), about twice as fast.
_DIGIT_NORM = re.compile(r"[0-9][0-9a-fA-F.:_-]*")
_HEX_DIGIT_MAP = {c: " " for c in range(128)}
_HEX_DIGIT_MAP.update({ord(c): "a" for c in "abcdefABCDEF"})
_HEX_DIGIT_MAP.update({ord(c): "0" for c in "0123456789"})


def templates(items: Sequence[str], joined: str | None = None) -> list[str]:
    """`template` for every line at once (one regex pass over the joined text; `joined`: "\\n".join(items))."""
    if joined is None:
        joined = "\n".join(items)
    if joined.isascii():
        out = _DIGIT_NORM.sub("#", joined).split("\n")
        if len(out) == len(items):
            # lines where a hex letter touches a digit ("e2250", "0x1f"): the full pattern, per line
            marks = joined.translate(_HEX_DIGIT_MAP)  # same offsets: ASCII in, one character out each
            for i in select(range(len(items)), substring_lines(marks, ("a0",), line_starts(items))):
                out[i] = FAST_NORM.sub("#", items[i])
            return out
    out = FAST_NORM.sub("#", joined).split("\n")
    return out if len(out) == len(items) else [template(s) for s in items]


def selective_regex(ctx: Context, text: str, units: int, lower: str | None = None) -> re.Pattern | None:
    """The term regex without terms that occur in more than a fifth of the units (lines, records).

    A term that matches nearly everything (the grep pattern itself, a log prefix echoed by the command
    that printed the log) says nothing about what to keep, and keeping everything it matches would
    defeat compression."""
    ts = terms(ctx)
    if not ts:
        return None
    low = text.lower() if lower is None else lower
    limit = max(3, units // 5)
    return _regex(tuple(t for t in ts if low.count(t.lower()) <= limit))


# ---------------------------------------------------------------- repeated stack traces

_STACK_HEADER = "Traceback (most recent call last):"
_MIN_STACK_LINES, _MIN_STACK_CHARS = 4, 200  # a shorter repeat costs about what its marker costs
_FRAME_STARTS = ('File "', "at ")  # a frame: Python's, Java's and Node's
_LINE_PREFIX = re.compile(r"(?:[^\s:]*?[:-])?(\d+)[:-]")  # grep -n's `12-` / `path:12:` before the content


def stack_runs(bodies: Sequence[str]) -> list[tuple[int, int, int | None]]:
    """The stack traces among `bodies` (lines' contents): (start, end, where the same stack was first seen, or None
    for a first showing). A stack is a run of indented lines (Python's frames, Java's `\tat`, Node's `    at`), with
    Python's `Traceback (most recent call last):` above them, holding a frame; a repeat is the same lines exactly."""
    n = len(bodies)
    seen: dict[tuple[str, ...], int] = {}
    out: list[tuple[int, int, int | None]] = []
    i = 0
    while i < n:
        j = i
        while j < n and (bodies[j][:1] in (" ", "\t") and bodies[j].strip() or bodies[j].rstrip("\r") == _STACK_HEADER):
            j += 1
        if j - i >= _MIN_STACK_LINES and sum(map(len, bodies[i:j])) >= _MIN_STACK_CHARS and \
                any(b.lstrip().startswith(_FRAME_STARTS) for b in bodies[i:j]):
            run = tuple(b.rstrip("\r") for b in bodies[i:j])
            out.append((i, j, seen.get(run)))
            seen.setdefault(run, i)
        i = max(j, i + 1)
    return out


def fold_stacks(out: list[str], lines: Lines, numbered: bool = False) -> list[str]:
    """Kept output lines where a stack trace shown whole above comes again (a handler failing the same way on
    every bad request, logged each time) with each repeat made one marker; what follows it — the exception line
    that says what differed — stays (`stack_runs`: compared exactly, after grep's line-number prefix when
    `numbered`, so the marker says nothing that is not so)."""
    strip = _LINE_PREFIX.match if numbered else None
    body: list[str] = []
    nums: list[str] = []
    for s in out:
        m = strip(s) if strip is not None else None
        body.append(s[m.end():] if m is not None else s)
        nums.append(m.group(1) if m is not None else "")
    res: list[str] = []
    at = 0
    for i, j, first in stack_runs(body):
        if first is None:
            continue
        res.extend(out[at:i])
        here = f" (lines {nums[i]}–{nums[j - 1]})" if nums[i] and nums[j - 1] else ""
        k = first + (j - i) - 1
        there = f"lines {nums[first]}–{nums[k]}" if nums[first] and nums[k] else "above"
        res.append(lines.marker_line(markers.gap(f"{j - i} lines{here}: the same stack trace as {there}")))
        at = j
    res.extend(out[at:])
    return res
