"""Helpers shared by the compressors: line handling, budgets, relevance terms, markers in place.

Everything here is pure: output depends only on the arguments (caches are memo only).
"""
from __future__ import annotations

import functools
import operator
import re
from bisect import bisect_right
from itertools import accumulate, compress as select
from typing import Callable, Iterable, Iterator, Sequence

from ...ccr.store import key_for
from .. import markers
from ..base import Context
from ..relevance import find_first, input_strings

_LONE = 24  # chars: a marker line costs about this much
LONG_LINE = 2000  # lines longer than this are clipped (head + tail) when kept
CLIP_HEAD = 700
CLIP_TAIL = 300


def keep_ratio(ctx: Context) -> float:
    """Share of tokens to aim for, the same whether or not the protocol flags the result an error: what a failure
    needs (its failures, errors, summaries, the request's terms) each compressor keeps by rule, beyond the budget,
    and the budget only fills with the other lines. (It once doubled for flagged results: Claude Code flags a
    failing command, Codex does not, so one output got two cuts, the larger with more of the same filler.)"""
    return min(max(ctx.ratio, 0.02), 1.0)


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
           protect: Sequence[bool] | None = None,
           describe: Callable[[int, int], str | None] | None = None) -> tuple[list[str], int, bool]:
    """Kept lines in order, each run of dropped lines replaced by one in-place gap marker.

    Returns (output lines, lines dropped, any kept line clipped). A run whose lines are all `gap_members`
    gets `gap_note` as extra words in its marker (e.g. "passing"); else the note of the first `other_notes` pair
    (note, members) whose members hold the whole run. A lone dropped line no longer than its marker
    would be stays (the marker would save nothing), and the gaps are first made fewer and cheaper by `coalesce`
    (with `protect`, the lines that must stay). With `describe`, a run of dropped lines j..i-1 gets the marker
    `describe(j, i)` returns instead (None: the usual one; "": none in place, the caller names the run elsewhere).

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
        if describe is not None:
            told = describe(j, i)
            if told is not None:
                if told:  # ("": a run the caller names once elsewhere, no marker in place)
                    out.append(lines.marker_line(told))
                continue
        note = gap_note if gap_members is not None and all(gap_members[j:i]) else ""
        if not note and other_notes:
            note = next((nt for nt, members in other_notes if all(members[j:i])), "")
        word = unit if cnt != 1 else unit.rstrip("s")
        out.append(lines.marker_line(markers.gap(f"{cnt} {note + ' ' if note else ''}{word}")))
    return out, dropped, clipped_any


def finish(lines: Lines, out: list[str], what: str, key: str, ctx: Context) -> str:
    """Append the block's one full marker (with the retrieval key) and join."""
    out = fold_repeated_values(out)
    out.append(lines.marker_line(markers.omitted(what, key, ctx)))
    return lines.join(out)


# A long JSON string value (a logged error's stack, a SQL statement, a request body) that a kept line repeats from an
# earlier kept line: structured loggers (pino, bunyan, structlog, slog) write the same stack with every failure of the
# same path. The first stays whole; a repeat is a short note inside its quotes, so the line stays valid JSON.
_REPEAT_VALUE_MIN = 160  # characters: a shorter value costs about what its note costs
_JSON_STRING = re.compile(r'"((?:[^"\\\n]++|\\.)*+)"')


def fold_repeated_values(out: list[str]) -> list[str]:
    """`out` (a cut block's kept lines, in order) with each long JSON string value already shown in full above
    replaced by `[… N characters: the same value as above]`."""
    if sum(1 for line in out if '{"' in line and len(line) > _REPEAT_VALUE_MIN) < 2:
        return out
    seen: set[str] = set()
    res: list[str] = []

    def note(m: re.Match) -> str:
        v = m.group(1)
        if len(v) < _REPEAT_VALUE_MIN:
            return m.group(0)
        if v in seen:
            return f'"[… {len(v)} characters: the same value as above]"'
        seen.add(v)
        return m.group(0)

    for line in out:
        res.append(_JSON_STRING.sub(note, line) if '{"' in line and len(line) > _REPEAT_VALUE_MIN else line)
    return res


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


# A number that is an option's value in the call's command (`tail -n 200`, `head -80`, `grep -A 30`,
# `git log -6`, `--lines=100`): how much to show, which no line of the output is about.
_OPTION_NUMBER = re.compile(r"(?<![\w-])(?:-{1,2}[A-Za-z][\w-]*(?:=|\s+)|-)(\d+)\b")


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
        counts = set(_OPTION_NUMBER.findall(s)) if from_input else ()  # `tail -n 200`: a count, not an item
        for m in _TOKEN.finditer(s):
            t = m.group(0).strip(".:/")
            if _strong_token(t) and not _DATE.fullmatch(t) and not (from_input and _TIME.fullmatch(t)) \
                    and t not in counts:
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


def may_hold_stacks(text: str) -> bool:
    """Cheap pre-check for `stack_runs`: a frame line needs one of these (C-speed substring scans)."""
    return 'File "' in text or "\tat " in text or "    at " in text or "#0 " in text


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


def fold_stacks(out: list[str], lines: Lines) -> list[str]:
    """Kept output lines where a stack trace shown whole above comes again (a handler failing the same way on
    every bad request, logged each time) with each repeat made one marker; what follows it — the exception line
    that says what differed — stays (`stack_runs`: compared exactly, so the marker says nothing that is not so).
    Then the frames in the runtime and installed packages of the traces shown go (`_fold_runtime_frames`).
    Search output, whose lines carry grep's prefixes, finds its repeats in its input instead (search.compress)."""
    if not may_hold_stacks("\n".join(out)):
        return out
    res: list[str] = []
    at = 0
    for i, j, first in stack_runs(out):
        if first is None:
            continue
        res.extend(out[at:i])
        res.append(lines.marker_line(markers.gap(f"{j - i} lines: the same stack trace as above")))
        at = j
    res.extend(out[at:])
    return _fold_runtime_frames(res, lines)


def _fold_runtime_frames(out: list[str], lines: Lines) -> list[str]:
    """Kept output lines with each run of `_MIN_FRAME_RUN` or more lines of frames in the runtime or installed
    packages (`runtime_frames`) made one marker that says so."""
    frames = runtime_frames(out)
    if sum(frames) < _MIN_FRAME_RUN:
        return out
    res: list[str] = []
    i, n = 0, len(out)
    while i < n:
        if not frames[i]:
            res.append(out[i])
            i += 1
            continue
        j = i
        while j < n and frames[j]:
            j += 1
        if j - i >= _MIN_FRAME_RUN:
            res.append(lines.marker_line(markers.gap(f"{j - i} lines: {RUNTIME_FRAMES_NOTE}s")))
        else:
            res.extend(out[i:j])
        i = j
    return res


# ---------------------------------------------------------------- frames in the runtime and installed code

# A failure's stack passes through the language's own machinery and installed packages: Rust's panic and test
# harness frames (`0: __rustc::rust_begin_unwind` and its `at /rustc/<hash>/library/…` line), Python's standard
# library and site-packages (`File "…/lib/python3.11/…"` and its source and caret lines), Node's internals
# (`at Test.run (node:internal/test_runner/test:1047:25)`), the JDK and JUnit, and native frames in libstdc++ and
# glibc (below). They say where the failure went,
# rarely where it is; the project's own frames and the message stay. Marked for compressors that keep traces.
RUNTIME_FRAMES_NOTE = "standard-library and dependency frame"
_MIN_FRAME_RUN = 3  # lines: a shorter run costs about what its marker costs
# (with RUST_BACKTRACE=full each frame has its address, `17:     0x55d4… - name`, and std's paths carry the crate's
# hash: `std[e28293b1aa0f68bd]::panicking::…`; glibc's start-up frames end the stack)
_RUST_FRAME = re.compile(r"[ \t]*\d+: +(?:0x[0-9a-fA-F]+ - )?(?:<*(?:&(?:dyn |mut )?)?(?:core|std|alloc|test|__rustc|"
                         r"panic_unwind)(?:\[[0-9a-f]+\])?::|<fn\(|__rust_|rust_begin_unwind|__libc_start|_start$|"
                         r"<unknown>$)")
_RUST_AT = re.compile(r"[ \t]+at (?:/rustc/|\S*/\.cargo/registry/|\S*/\.rustup/toolchains/|\./csu/)")
_PY_FRAME = re.compile(r'([ \t]*)File "(?:[^"\n]*/lib/python\d[^"\n]*|<frozen [^"\n]+>)", line \d+')
_AT_FRAME = re.compile(r"[ \t]+at (?:[^(\n]* \()?(?:node:|[^()\s]*/node_modules/|java\.|javax\.|jdk\.|sun\.|"
                       r"org\.junit\.|junit\.)")
# Native frames (AddressSanitizer's and gdb's `#3 0x… in fn loc`, valgrind's `==PID==    by 0x…: fn (loc)`) are
# the runtime's when their location is the system's (headers under /usr/include, glibc's `../sysdeps/`, shared
# libraries, the sanitizer's sources) or, with no project path to go by (a binary's offset, valgrind's bare file
# name), when the function is the C++ standard library's or libc's. The innermost frame (`#0`, valgrind's `at`)
# always stays: it says what crashed, or which allocator freed the block.
# (gdb prints a frame without an address too: `#0  fn (args) at file:line`, `... from lib.so`)
_NATIVE = re.compile(r"[ \t]*(?:==\d+==[ \t]+(at|by) 0x[0-9A-Fa-f]+: |#(\d+)[ \t]+(?:0x[0-9A-Fa-f]+ in |"
                     r"(?=\S.*\) (?:at \S+:\d+|from \S))))(?=\S)")
_NATIVE_SYS = re.compile(r"(?:^|[\s(])(?:/usr/(?:include|lib|lib32|lib64|libexec|local/include|local/lib)/|"
                         r"/lib(?:32|64)?/|(?:\.\./)+(?:sysdeps|csu|nptl|stdlib|string|libio|malloc|elf|misc|posix|"
                         r"signal)/|\S*/libsanitizer/)"
                         r"|\b(?:lib(?:c|stdc\+\+|gcc_s|pthread|m|dl|asan|ubsan|tsan|lsan)|ld-linux[\w-]*)[.-][\w.-]*\.so")
_NATIVE_SRC = re.compile(r"(?:^|[\s(])([\w.+/-]+\.[A-Za-z+]{1,4}):\d+")
_NATIVE_STD = ("std::", "__gnu_cxx::", "__cxxabiv1::", "__cxa_", "__libc_", "_start", "__interceptor_", "__asan",
               "__sanitizer", "__ubsan", "__lsan", "__tsan", "_dl_", "__GI_", "start_thread", "clone")
_FRAME_WORDS = ("at ", 'File "', "::", "__rust", " 0x", "#0 ")


def native_frame(line: str) -> bool | None:
    """None when `line` is no native frame; else whether it is one of the runtime's frames (False for a stack's
    innermost frame and for the project's)."""
    m = _NATIVE.match(line)
    if m is None:
        return None
    return m.group(1) != "at" and m.group(2) != "0" and _native_runtime(line[m.end():])


def _native_runtime(rest: str) -> bool:
    """Is the native frame whose text after its address is `rest` (`fn(args) location`) the runtime's?"""
    if _NATIVE_SYS.search(rest) is not None:
        return True
    src = _NATIVE_SRC.findall(rest)
    if src and "/" in src[-1]:
        return False  # a path outside the system's: the project's (or a dependency built with it)
    return _function_name(rest).startswith(_NATIVE_STD)


def _function_name(rest: str) -> str:
    """The qualified name of a demangled C++ function (`void std::vector<T>::push_back(T&&) const` ->
    `std::vector<T>::push_back`): up to the first `(` outside template brackets, after any return type."""
    depth = 0
    i, n = 0, len(rest)
    while i < n:
        c = rest[i]
        if c == "<":
            depth += 1
        elif c == ">":
            depth = max(0, depth - 1)
        elif c == "(" and depth == 0:
            if rest.startswith("(anonymous namespace)", i):
                i += len("(anonymous namespace)")
                continue
            head = rest[:i].rstrip()
            break
        i += 1
    else:
        return rest
    depth = 0
    for k in range(len(head) - 1, -1, -1):  # the return type ends at the last blank outside template brackets
        c = head[k]
        if c == ">":
            depth += 1
        elif c == "<":
            depth -= 1
        elif c == " " and depth == 0:
            return head[k + 1:]
    return head


def runtime_frames(bodies: Sequence[str]) -> list[bool]:
    """Per line (its content, after any grep prefix): is it part of a frame in the runtime, the standard library
    or an installed package (above)? Only lines holding one of `_FRAME_WORDS` are looked at (C scans first)."""
    n = len(bodies)
    out = [False] * n
    joined = "\n".join(bodies)
    cand = substring_lines(joined, _FRAME_WORDS, line_starts(bodies))
    i = 0
    while i < n:
        if not cand[i]:
            i += 1
            continue
        b = bodies[i]
        s = b.lstrip()
        nat = native_frame(b) if s[:1] in "#=" else None
        if nat is not None:
            out[i] = nat
        elif s.startswith("at "):
            out[i] = _AT_FRAME.match(b) is not None
        elif s.startswith('File "'):
            m = _PY_FRAME.match(b)
            if m is not None:  # the frame's line and its source and caret lines under it
                deeper = m.group(1) + "  "
                out[i] = True
                i += 1
                while i < n and bodies[i].startswith(deeper) and not bodies[i].lstrip().startswith('File "'):
                    out[i] = True
                    i += 1
                continue
        elif s[:1].isdigit() and _RUST_FRAME.match(b) is not None:
            out[i] = True
            if i + 1 < n and _RUST_AT.match(bodies[i + 1]) is not None:
                out[i + 1] = True
                i += 1
        i += 1
    return out


# ---------------------------------------------------------------- runs of lines of one template

# Tools print many lines of one template that differ in a field or two (`agno[openai]; extra == "models"` for
# every extra of a package, `find`'s `…/site-packages/<name>/__init__.py`, a log line whose id changes). A run of
# such lines is shown by its first RUN_HEAD and last RUN_TAIL lines and one marker naming what the others differ
# in (`like_above`). A field is what lies between delimiters (blanks, quotes, brackets, `,;=|/:\`):
# `agno[openai]; extra == "models"` has the fields agno, openai, extra, models. The lines of a run have the same
# delimiters in the same places and the same fields but in at most _RUN_SLOTS spans of neighbouring fields (the
# slots), and the slots hold at most _RUN_VARIABLE of the run's characters (the rest is the template the lines
# share) and at most _RUN_LINE_VARIABLE of any of its lines; two neighbours differ in fields that hold at most
# _RUN_VARIABLE of each (`_neighbours`). Lines with no field outside the slots, and lines
# longer than _RUN_LINE, are in no run. Runs are grown greedily, line by line, from the first line that can start
# one; the result is a pure function of the lines.
_FIELD_SPLIT = re.compile(r"""([^\s"'`()\[\]{}<>,;=|/:\\]+)""")
RUN_MIN = 8  # lines: a shorter run is left to the line picking
RUN_HEAD = 1  # the first lines of a run, shown whole
RUN_TAIL = 1  # the last lines of a run, shown whole
_RUN_SLOTS = 2
_RUN_LINE = 400
_RUN_VARIABLE = 0.5
_RUN_LINE_VARIABLE = 0.75


class Run:
    """Lines start..end-1 of one template; `slots`: the (first, last) field index of each span they differ in."""

    __slots__ = ("start", "end", "slots")

    def __init__(self, start: int, end: int, slots: tuple[tuple[int, int], ...]):
        self.start, self.end, self.slots = start, end, slots

    def __repr__(self) -> str:
        return f"Run({self.start}, {self.end}, {self.slots})"

    @property
    def inner(self) -> range:
        """The lines between the run's head and its tail: what its marker stands for."""
        return range(self.start + RUN_HEAD, self.end - RUN_TAIL)


def _spans(pos: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Neighbouring fields (indices 2 apart in a line's split) joined into spans: ((first, last), …)."""
    out: list[tuple[int, int]] = []
    for p in sorted(pos):
        if out and out[-1][1] == p - 2:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return tuple(out)


# the ASCII field characters: deleted from a line (`bytes.translate`, in C), what is left is its delimiters
_DELIMS = " \t\r\x0b\x0c\"'`()[]{}<>,;=|/:\\\n"
_FIELD_BYTES = bytes(c for c in range(128) if chr(c) not in _DELIMS)


def template_runs(items: Sequence[str], joined: str | None = None) -> list[Run]:
    """The runs of at least RUN_MIN consecutive lines of one template (see above), in order, disjoint.

    The delimiters of every line come from one pass over the whole text in C (`bytes.translate` deletes the ASCII
    field characters; a non-ASCII character's bytes stay, so lines that differ in one are not looked at further); only
    stretches of consecutive lines with the same delimiters are split into fields. Work is linear in the text (a
    run is grown from a line at most RUN_MIN lines before it gives up)."""
    n = len(items)
    if n < RUN_MIN:
        return []
    if joined is None:
        joined = "\n".join(items)
    skel = joined.encode("utf-8", "surrogatepass").translate(None, _FIELD_BYTES).split(b"\n")
    if len(skel) != n:
        return []
    # stretches of at least RUN_MIN lines with the same delimiters (some): one "1" per line equal to the next
    same = "".join(map("01".__getitem__, map(operator.eq, skel, skel[1:])))
    runs: list[Run] = []
    for m in _SAME_RUN.finditer(same):
        s, e = m.start(), m.end() + 1
        if skel[s]:
            _runs_in(items, s, e, runs)
    return runs


_SAME_RUN = re.compile("1{%d,}" % (RUN_MIN - 1))


def _runs_in(items: Sequence[str], s: int, e: int, runs: list[Run]) -> None:
    """The runs among lines s..e-1 (same delimiters), appended to `runs`.

    Any RUN_MIN - 1 neighbouring pairs of a run hold a pair whose index (from s) is a multiple of RUN_MIN - 1, and
    every pair of neighbours in a run passes `_neighbours`: only the lines around the pairs so placed that pass are
    looked at further (CSV rows, a table's lines: a pair in five is split and fails)."""
    step = RUN_MIN - 1
    cache: dict[int, list[str] | None] = {}
    regions: list[list[int]] = []
    for k in range(s, e - 1, step):
        if _neighbours(_parts(items, k, cache), _parts(items, k + 1, cache), items[k], items[k + 1]):
            a, b = max(s, k - step), min(e, k + 1 + RUN_MIN)
            if regions and regions[-1][1] >= a:
                regions[-1][1] = b
            else:
                regions.append([a, b])
    for a, b in regions:
        if b - a >= RUN_MIN:
            _grow(items, a, b, [_parts(items, k, cache) for k in range(a, b)], runs)


def _parts(items: Sequence[str], k: int, cache: dict[int, list[str] | None]) -> list[str] | None:
    p = cache.get(k, False)
    if p is False:
        p = cache[k] = None if len(items[k]) > _RUN_LINE else _FIELD_SPLIT.split(items[k])
    return p


def _neighbours(p: list[str] | None, q: list[str] | None, x: str, y: str) -> bool:
    """May lines x and y (their splits p and q) be neighbours in a run? They differ in no delimiter, in fewer fields
    than they have, and the fields they differ in hold at most _RUN_VARIABLE of either line."""
    if p is None or q is None or len(p) != len(q) or len(p) < 3:
        return False
    d = frozenset(select(range(len(p)), map(operator.ne, p, q)))
    return (len(d) < len(p) // 2 and d.isdisjoint(range(0, len(p), 2))
            and _var(p, d) <= _RUN_VARIABLE * len(x.strip()) and _var(q, d) <= _RUN_VARIABLE * len(y.strip()))


def _grow(items: Sequence[str], s: int, e: int, parts: list, runs: list[Run]) -> None:
    """Runs grown line by line from each line of s..e-1 in turn (`parts`: the lines' splits): a line joins while
    the run's slots stay within _RUN_SLOTS spans, hold at most _RUN_LINE_VARIABLE of each line and at most
    _RUN_VARIABLE of the run's characters so far."""
    size = [len(items[k].strip()) for k in range(s, e)]
    ne = operator.ne
    i = 0
    m = e - s
    while i <= m - RUN_MIN:
        bp = parts[i]
        if bp is None or len(bp) < 3:
            i += 1
            continue
        width = len(bp) // 2
        idx = range(len(bp))
        diff: frozenset[int] = frozenset()
        var, total = 0, size[i]
        j = i + 1
        while j < m:
            pj = parts[j]
            if pj is None or len(pj) != len(bp):
                break
            if pj != parts[j - 1] and not _neighbours(parts[j - 1], pj, items[s + j - 1], items[s + j]):
                break
            if pj != bp:
                d = diff.union(select(idx, map(ne, pj, bp)))
                if d != diff:
                    if len(d) >= width or not d.isdisjoint(range(0, len(bp), 2)):
                        break  # every field differs, or a delimiter does
                    line_var = [_var(parts[k], d) for k in range(i, j + 1)]
                    v = sum(line_var)
                    if v > _RUN_VARIABLE * (total + size[j]) or len(_spans(d)) > _RUN_SLOTS or \
                            any(x > _RUN_LINE_VARIABLE * size[k] for k, x in enumerate(line_var, i)):
                        break
                    diff, var = d, v
                else:
                    v = _var(pj, d)
                    if v > _RUN_LINE_VARIABLE * size[j] or var + v > _RUN_VARIABLE * (total + size[j]):
                        break
                    var += v
            total += size[j]
            j += 1
        if j - i >= RUN_MIN:
            runs.append(Run(s + i, s + j, tuple((a // 2, b // 2) for a, b in _spans(diff))))
            i = j
        else:
            i += 1


def _var(parts: list[str], diff: frozenset[int]) -> int:
    return sum(map(len, map(parts.__getitem__, diff)))


def run_values(items: Sequence[str], run: Run, lines: Iterable[int]) -> list[list[str]]:
    """Per slot of `run`, the distinct values it takes on `lines` (in order of first appearance): each one the
    literal text of the line from the slot's first field to its last. A slot that holds the same value as an
    earlier one on every line (`cp -v`'s source and target names) is not listed again."""
    per_line: list[tuple[str, ...]] = []
    for k in lines:
        parts = _FIELD_SPLIT.split(items[k])
        offs = list(accumulate(map(len, parts), initial=0))
        line = items[k]
        per_line.append(tuple(line[offs[2 * a + 1]:offs[2 * b + 2]] for a, b in run.slots))
    cols = list(zip(*per_line)) if per_line else [() for _ in run.slots]
    out: list[list[str]] = []
    seen: list[tuple[str, ...]] = []
    for col in cols:
        if col in seen:
            continue
        seen.append(col)
        out.append(list(dict.fromkeys(col)))
    return out


def list_values(values: Sequence[Sequence[str]], budget: int) -> list[tuple[list[str], int]]:
    """Per slot, the values that fit in `budget` characters (taken in turn from each slot, in order) and how many
    did not fit."""
    shown: list[list[str]] = [[] for _ in values]
    used = 0
    k = 0
    full = [False] * len(values)
    while not all(full):
        for s, vals in enumerate(values):
            if full[s]:
                continue
            if k >= len(vals) or used + len(vals[k]) + 2 > budget:
                full[s] = True
                continue
            shown[s].append(vals[k])
            used += len(vals[k]) + 2
        k += 1
    return [(sh, len(vals) - len(sh)) for sh, vals in zip(shown, values)]
