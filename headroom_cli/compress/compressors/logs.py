"""Logs and JSON lines: keep every error with its stack trace and neighbours, dedupe the rest.

Errors/FATAL/exceptions, lines matching the context terms, the first and last lines and summary
lines are kept verbatim; the remaining lines are grouped by template (numbers, ids, timestamps
normalised) and each template keeps its first occurrence while the budget lasts — one template per
kind of event (`_event_kind`: the message without the time, level and component), so the same event
logged by many services at many levels is shown once. Runs of dropped
lines become one in-place marker; the block ends with one marker carrying the retrieval key.
"""
from __future__ import annotations

import re

from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import compress as select

from .. import relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import FAST_NORM, ERROR_RE as _ERRORISH
from . import json_data
from .json_data import outliers, loads as json_loads
from .common import (ERROR_WORDS, MATCH_CAP, WARN_WORDS, Lines, block_key, finish, fold_stacks, keep_ratio, keyword_lines,
                      line_starts, lines_with_words, regex_lines, render, selective_regex, template, templates)

name = "logs"
kinds = ("jsonl", "log")  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_SCAN = 1000  # classify on a line's first chars only: huge lines cost no more than normal ones
_CONT = re.compile(
    r"^(?:\s+\S|\s*at |Caused by|\s*File \"|Traceback|\s*\.\.\. \d+ (?:more|common)|"
    r"[\w.$]+(?:Error|Exception|Exit)\b|\s*\^|goroutine \d+|\s*[\w./-]+\.(?:go|py|js|ts|java|rs|rb):\d+)"
)
_SUMMARY = re.compile(r"(?i)^\W*(?:summary|total|results?|completed|finished|done|exit(?:ed)? (?:code|status)|"
                      r"shutting down|stopped)\b")
_TRACE_CAP = 120  # lines of one stack trace kept
# words of a request about the latest events ("which were installed last?", "the most recent errors", "the last 20
# lines"); "last" elsewhere ("last night", "the last column") names something else
_RECENT = re.compile(r"(?i)\blast(?=\s*(?:[?.!,;:)]|$)|\s+\d)|\b(?:latest|most recent|recently|newest|lately)\b")
_KINDS_SHARE = 0.6  # of the ratio's budget, for warnings and the lines that show each kind of event
_WARN_KINDS_CAP = 40  # kinds of warning each kept once whatever the budget
_SAME_WARN_CAP = 1  # warnings of one event kind kept by the budget (`_event_kind`): one shows the story, a count the rest
_SAME_ERROR_CAP = 3  # occurrences of one error template kept verbatim (plus the last)
_SAME_ERROR_KIND_CAP = 6  # occurrences of one error kind kept verbatim (plus the last), whatever its names
_CONTEXT_OCCURRENCES = 2  # occurrences of one error kind kept with their neighbours (the later ones alone)
_HEAD, _TAIL = 2, 3
_NEAR = 1  # lines kept either side of an error or a picked line (one reach, flagged by the protocol or not)


_ERR_LEVELS = frozenset({"error", "err", "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert", "severe"})
_WARN_LEVELS = frozenset({"warn", "warning"})
_LEVEL_KEYS = ("level", "lvl", "severity", "log.level", "levelname", "status")
_MSG_KEYS = ("msg", "message", "event", "error", "err", "exception")


# logfmt (`key=value key="quoted value"`, as Heroku, logrus, slog's text handler print): a line's template
# is its keys with their bare values abstracted (paths, users, durations vary per request) and its quoted
# values, which carry the message, normalised like any line; bare values of outcome keys (status=503,
# level=error) stay. Otherwise nearly every request line would be a template of its own and the budget, not
# the content, would decide what stays. Built over the whole block in C (two substitutions and
# `common.templates`), not line by line.
_LOGFMT_PAIR = re.compile(r'(?<![^\s])([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|\S*)')
_OUTCOME_KEYS = ("level", "lvl", "severity", "status", "code", "status_code", "exit", "exit_code", "result",
                 "outcome", "event", "error", "err")
_BARE_VALUE = re.compile(r'=(?!")[^\s"]*')  # a literal replacement: no Python call per match
_KEPT_NUMBER = re.compile('\x01[^\\s"]*[0-9][^\\s"]*')
_DIGIT_LETTERS = str.maketrans("0123456789\x01", "ghijklmnop=")  # no hex letter: number normalising skips them


def _looks_logfmt(items: list[str]) -> bool:
    head = [s for s in items[:20] if s.strip()]
    # (three pairs hold three "=" at least: a line with fewer is counted out without the regex)
    return len(head) >= 3 and sum(1 for s in head if s.count("=", 0, _SCAN) >= 3
                                  and len(_LOGFMT_PAIR.findall(s[:_SCAN])) >= 3) >= 0.8 * len(head)


def _logfmt_templates(items: list[str], joined: str) -> list[str]:
    t = joined
    for k in _OUTCOME_KEYS:  # outcome values are marked (C-speed replaces) so the bare-value rule skips them
        if f"{k}=" in t:
            t = t.replace(f" {k}=", f" {k}\x01")
    t = _BARE_VALUE.sub("=*", t)
    t = _KEPT_NUMBER.sub(lambda m: m.group(0).translate(_DIGIT_LETTERS), t).replace("\x01", "=")
    parts = t.split("\n")
    if len(parts) != len(items):  # (cannot happen: no substitution touches a line break)
        return templates(items, joined)
    return templates(parts, t)


# The kind of event a log line reports, coarser than its template: its timestamp, its level and the component
# that logged it are left out (`<time> <LEVEL> <component> <message>`, the shape of most application logs,
# journald's `<time> <host> <unit>[pid]: <message>` too), so "gc pause ms=#" is one kind whichever of six
# services logged it at whichever level. The budget serves one line per kind (warnings: _SAME_WARN_CAP);
# the other lines of a kind are one retrieval away. Errors are not served by kind: each error template stays.
_STAMPISH = re.compile(r"[\W#_]*(?:[TZ][\W#_]*)*")
# a name or a version: letters or numbers (`#` once normalised) with a separator or a number, no `=` (a key's value
# stays), not a lone number
_NAMEISH = re.compile(r"(?=[^=]*[A-Za-z#])(?=[^=]*[#:/.@_+~-])(?=[^=]*[A-Za-z:/.@_+~-])[^=\"'()\[\]{}<>]+")
_LEVEL_TOKENS = frozenset(
    "trace debug info notice warn warning error err fatal critical crit severe i w e d f".split())


def _event_kind(t: str) -> str:
    toks = t.split()
    k = 0
    while k < len(toks) and _STAMPISH.fullmatch(toks[k]):
        k += 1
    if k < len(toks) and toks[k].strip("[]():<>").lower() in _LEVEL_TOKENS:
        k += 1
    if len(toks) - k >= 3:
        k += 1  # the component (a service, a logger, a host): the message follows it
    # the names an event is about (a package `libc6:amd64`, a path, a host) vary per line: the words around them
    # say what happened
    return " ".join("*" if _NAMEISH.fullmatch(t) else t for t in toks[k:])


# Multi-line records: output made of records that each open with a header line of one template, whose next line
# has one template too (`git log`: "commit <sha>", then "Author: …"; `git log --stat` the same, with its stat block
# before the next header). A line the request points to brings its whole record, up to `_RECORD_CAP` lines: what
# a commit changed is in the lines under its message, not beside it. Only the records of the best picked lines
# come whole (`_RECORD_SHARE` of the best score, at most `_MAX_RECORDS`): a request that shares a word with many
# commits points at the one it names, not at all of them.
_RECORD_CAP = 40
_MIN_RECORDS = 2
_MAX_RECORDS = 3
_RECORD_SHARE = 0.75


def _records_of(picked: list[int], tpl: list[str], items: list[str],
                score: list[float] | None = None) -> list[tuple[int, int]]:
    """(start, end) of the records around the best picked lines, when the block is made of such records."""
    n = len(items)
    first = next((i for i in range(min(n, 20)) if items[i].strip()), None)
    if first is None or items[first][:1].isspace():
        return []
    head = tpl[first]
    starts = [i for i in range(first, n) if tpl[i] == head]
    if len(starts) < _MIN_RECORDS or n < 3 * len(starts):
        return []
    nxt = {tpl[i + 1] for i in starts if i + 1 < n}
    if len(nxt) != 1 or head in nxt:
        return []  # the header is a line that happens to repeat, not what every record opens with
    best: dict[int, float] = {}  # record -> the best score of a picked line in it
    for i in picked:
        j = bisect_right(starts, i) - 1
        if j >= 0:
            x = score[i] if score is not None else 1.0
            best[j] = max(best.get(j, 0.0), x)
    if not best:
        return []
    top = max(best.values())
    chosen = sorted(sorted(best, key=lambda j: (-best[j], j))[:_MAX_RECORDS])
    out = []
    for j in chosen:
        a, b = starts[j], starts[j + 1] if j + 1 < len(starts) else n
        if best[j] >= _RECORD_SHARE * top and b - a <= _RECORD_CAP:
            out.append((a, b))
    return out


def _looks_jsonl(items: list[str]) -> bool:
    head = [s for s in items[:20] if s.strip()]
    return len(head) >= 3 and sum(1 for s in head if s.lstrip().startswith("{")) >= 0.8 * len(head)


def _jsonl_fields(items: list[str], tpl: list[str], is_err: list[bool], is_warn: list[bool],
                  keep: list[bool]) -> tuple[list[int], list[int]]:
    """JSON lines: errors by level (not by a key named "error"), templates by shape + level + message,
    and numeric outliers within each template.

    Sets `is_err`/`is_warn` where the level decides; returns the lines whose error and warning words still
    decide (no level), and those with a lower level whose error words decide (the message reads like an
    error): the keyword scans run on those lines only."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    msg_norm: dict[str, str] = {}
    msg_errorish: dict[str, bool] = {}
    plain: list[int] = []
    maybe_err: list[int] = []
    for i, s in enumerate(items):
        st = s.strip()
        if not st.startswith("{"):
            plain.append(i)
            continue
        try:
            rec = json_loads(st)
        except ValueError:
            plain.append(i)
            continue
        if not isinstance(rec, dict):
            plain.append(i)
            continue
        v = rec.get("level")
        if type(v) is not str:
            v = next((x for x in map(rec.get, _LEVEL_KEYS) if type(x) is str), "")
        level = v.lower()
        v = rec.get("msg")
        if type(v) is not str or not v:
            v = next((x for x in map(rec.get, _MSG_KEYS) if type(x) is str and x), "")
        msg = v[:80]
        if level:
            if level in _ERR_LEVELS:
                is_err[i] = True
            else:
                e = msg_errorish.get(msg)
                if e is None:
                    e = msg_errorish[msg] = _ERRORISH.search(msg) is not None
                if e:
                    maybe_err.append(i)  # an error only if the line also has an error word
            is_warn[i] = level in _WARN_LEVELS
        else:
            plain.append(i)
        norm = msg_norm.get(msg)
        if norm is None:
            norm = msg_norm[msg] = FAST_NORM.sub("#", msg)
        t = "|".join(rec)[:300] + "|" + level + "|" + norm
        tpl[i] = t
        groups.setdefault(t, []).append((i, rec))
    for members in groups.values():
        if len(members) >= 12:
            for j in outliers([r for _, r in members]):
                keep[members[j][0]] = True
    return plain, maybe_err


# JSON lines are log events when most carry a level or a time (pino, bunyan, structlog, slog, ECS); lines without
# either are records (a report's items, an export), whose listing rules fit them better.
_EVENT_KEYS = frozenset(("level", "lvl", "severity", "levelname", "log.level", "time", "ts", "timestamp",
                         "@timestamp", "datetime", "asctime"))
_EVENT_SAMPLE = 20


def _records_not_events(items: list[str]) -> bool:
    seen = events = 0
    for line in items:
        if line[:1] != "{":
            continue
        try:
            rec = json_data.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(rec, dict):
            continue
        seen += 1
        events += not _EVENT_KEYS.isdisjoint(rec)
        if seen >= _EVENT_SAMPLE:
            break
    return seen >= 3 and events * 5 < seen


# Text log lines of one template differ in their numbers: a request's time (`rt=0.950` among `rt=0.004`), a queue
# depth, a status. Where a few of them stand far out (_FAR median deviations from the median: robust, the spike
# itself moves neither) those lines stay, as JSON lines' outliers do: an incident marked only by a number is what
# "which endpoint became slow?" asks for.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_OUTLIER_LINES = 20000  # lines of a log read for their numbers at most (a bigger one: its words only)
_OUTLIER_MIN = 12  # lines of one template at least
_OUTLIERS_KEPT = 6  # such lines kept in all, the templates whose number stands out most first
_OUTLIERS_SHOWN = 3  # lines of one template kept for its number
_FAR = 10  # median deviations from the median: a line this far out stands out
_SAMPLE = 256  # values of a number its median deviation is taken over
_PER_TEMPLATE, _SCAN = 2000, 2000  # lines of one template, and of the log, read for their numbers at most
_NUMBERS_CHARS = 400  # characters of a line read for them


def _first_lines(items: list[str], members: list[int], width: int, j: int, value: str) -> list[int]:
    """The first of a template's lines `members` (in order) whose j-th number is `value`, as a list (empty when
    none is): only lines holding the value's text are read for their numbers (a C substring test first)."""
    for i in members:
        line = items[i]
        if value in line:
            x = _NUMBER.findall(line, 0, _NUMBERS_CHARS)
            if len(x) == width and x[j] == value:
                return [i]
    return []


def _numeric_outliers(items: list[str], tpl: list) -> list[int]:
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(tpl):
        if t is not None:
            groups.setdefault(t, []).append(i)
    found: list[tuple[float, list[int]]] = []
    rare: list[list[int]] = []
    scanned = 0
    # the biggest templates first, each read on at most _PER_TEMPLATE of its lines (every k-th beyond that), _SCAN
    # lines in all: reading a line's numbers is the cost (a regex over the line), and an incident is in a big
    # template. (Sampled more thinly, a one-line spike was missed: the click session's p99 line.)
    for members in sorted(groups.values(), key=len, reverse=True):
        if len(members) < _OUTLIER_MIN or scanned >= _SCAN:
            break
        every = members
        stride = -(-len(members) // _PER_TEMPLATE)
        at = {i: p for p, i in enumerate(every)} if stride > 1 else None
        members = members[::stride]
        scanned += len(members)
        nums = [_NUMBER.findall(items[i], 0, _NUMBERS_CHARS) for i in members]
        width = Counter(map(len, nums)).most_common(1)[0][0]
        rows = [(i, x) for i, x in zip(members, nums) if len(x) == width]
        if width == 0 or len(rows) < _OUTLIER_MIN:
            continue
        # per number, how far each line is from the median in median deviations (robust: the spike itself moves
        # neither); a number most lines share (a port, the minute) has no deviation, and one line off it is no
        # incident. The number whose far lines stand out most, if they are a few: its most extreme lines.
        best: tuple[float, list[int]] | None = None
        texts = list(zip(*(x for _, x in rows)))  # per number, its text on each line (built in C)
        m = len(rows)
        step = max(1, m // _SAMPLE)
        for j in range(width):
            if len(set(texts[j])) == 1:
                continue  # the same on every line (the year, a constant field): nothing stands out
            col = list(map(float, texts[j]))
            srt = sorted(col)
            mid = (srt[(m - 1) // 2] + srt[m // 2]) / 2
            # the median deviation, of every `step`-th value (a few hundred: the C sorts above do the rest)
            dev = sorted(abs(v - mid) for v in srt[::step])
            mad = (dev[(len(dev) - 1) // 2] + dev[len(dev) // 2]) / 2
            if not mad:
                off = m - (bisect_right(srt, mid) - bisect_left(srt, mid))
                if off < m // 10:
                    # a number nearly every line shares (a status 200) and a few lines' other value (a 503 among
                    # 1,000): where each such value first appears, the onset, ranked after the far-out numbers
                    if 0 < off <= max(1, m // 20):
                        # each value's first line in the sample, then its true first line, read from the start
                        # up to that one (the onset may fall between the sample's lines)
                        firsts: dict[str, int] = {}
                        for k, v in enumerate(col):
                            if v != mid:
                                firsts.setdefault(texts[j][k], rows[k][0])
                        lines_first = []
                        for value, i in list(firsts.items())[:_OUTLIERS_SHOWN]:
                            if at is None:
                                lines_first.append(i)
                                continue
                            lines_first += _first_lines(items, every[:at[i] + 1], width, j, value)
                        rare.append(lines_first)
                    continue
                # over half the lines share the median (times at millisecond resolution): the mean deviation,
                # where the number still varies (a tenth of the lines off the median; not a port, not the minute)
                mad = sum(dev) / len(dev)
                if not mad:
                    continue
            lo, hi = mid - _FAR * mad, mid + _FAR * mad
            nfar = (m - bisect_right(srt, hi)) + bisect_left(srt, lo)  # (counted in C: most columns have none)
            if not nfar or nfar > m // 4:
                continue
            far = sorted(((abs(v - mid) / mad, k) for k, v in enumerate(col) if v > hi or v < lo),
                         key=lambda zk: (-zk[0], zk[1]))
            if best is None or far[0][0] > best[0]:
                best = (far[0][0], [rows[k][0] for _, k in far[:_OUTLIERS_SHOWN]])
        if best is not None:
            found.append((-best[0], best[1]))
    # the templates whose number stands out most, a few lines in all: an incident is one or two of them
    out: list[int] = []
    for idx in [idx for _, idx in sorted(found)] + rare:
        if len(out) >= _OUTLIERS_KEPT:
            break
        out += [i for i in idx if i not in out]
    return out


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 6:
        return None
    keep = [False] * n
    jsonl = _looks_jsonl(items)
    if jsonl and _records_not_events(items):  # `jq -c '.items[]'`: records, chosen as in a JSON listing
        res = json_data.compress_lines(text, ctx, key=key)
        if res is not None:
            return res  # (a few records, too few to choose among, are cut as lines below: their long lines clipped)
    joined = text[:-1] if lines.trailing else text  # = "\n".join(items)
    if jsonl:
        tpl: list = [None] * n
    elif _looks_logfmt(items):
        tpl = _logfmt_templates(items, joined)
    else:
        tpl = templates(items, joined)
    plain = not jsonl  # text and logfmt lines: their event kinds serve the budget
    starts = line_starts(items)
    lower = joined.lower()
    if jsonl:
        # levels decide most lines: error/warning words are looked for only where they still matter
        is_err, is_warn = [False] * n, [False] * n
        plain, maybe_err = _jsonl_fields(items, tpl, is_err, is_warn, keep)
        if plain:
            err_w, warn_w = lines_with_words(text, items, plain, (ERROR_WORDS, WARN_WORDS))
            for i, e, w in zip(plain, err_w, warn_w):
                is_err[i] = e
                is_warn[i] = w
        if maybe_err:
            (err_w,) = lines_with_words(text, items, maybe_err, (ERROR_WORDS,))
            for i, e in zip(maybe_err, err_w):
                is_err[i] = e
    else:
        is_err = keyword_lines(lower, ERROR_WORDS, starts)
        is_warn = keyword_lines(lower, WARN_WORDS, starts)
    tr = selective_regex(ctx, joined, n, lower)
    is_hit = regex_lines(tr, joined, starts, lower) if tr is not None else [False] * n
    if jsonl:
        tpl = [t if t is not None else template(items[i]) for i, t in enumerate(tpl)]
    elif n <= _OUTLIER_LINES:
        for i in _numeric_outliers(items, tpl):
            keep[i] = True
    # relevance: the events the request points to are kept (with their neighbours), and templates are
    # served to the budget most relevant first
    query = relevance.query_terms(ctx)
    distinct: list[int] = []
    score = relevance.rank(items, query, lower, distinct) if query is not None else None
    picked = relevance.pick(score, distinct=distinct, query=query) if score is not None else None
    # 1. errors (with traces and neighbours), warnings, matches (index lists built at C speed)
    rng = range(n)
    for i in list(select(rng, is_hit))[:300]:
        keep[i] = True
    if picked:
        # a picked line inside a multi-line record (a commit of `git log`, its `--stat` block) brings the record
        for a, b in _records_of(picked, tpl, items, score):
            for k in range(a, b):
                keep[k] = True
    err_seen: dict[str, list[int]] = {}
    for i in select(rng, is_err):
        err_seen.setdefault(tpl[i], []).append(i)
        # a stack trace / continuation follows: keep it with the error
        # (an indented line of the error's own template is a sibling entry, not its trace: `kubectl describe`'s
        # events, a table's rows)
        j = i + 1
        while j < n and j - i <= _TRACE_CAP and items[j].strip() and _CONT.match(items[j][:_SCAN]) \
                and tpl[j] != tpl[i]:
            keep[j] = True
            j += 1
    warn = [i for i in select(rng, is_warn) if not is_err[i]]
    kinds: dict[str, str] = {}  # template -> its event kind (not JSON lines)
    kind_of = (lambda t: kinds[t] if t in kinds else kinds.setdefault(t, _event_kind(t))) if plain else None
    chosen_all: list[int] = []
    for t in err_seen:
        occ = err_seen[t]
        chosen_all += occ[:_SAME_ERROR_CAP] + ([occ[-1]] if len(occ) > _SAME_ERROR_CAP else [])
    if kind_of is not None and len(chosen_all) > _SAME_ERROR_KIND_CAP:
        # one error about many names (`book CCH-28 locked after order 4114774: bid 5239.91 >= ask 5239.91` for
        # every book) is one kind however many templates its names make: its first occurrences and its last
        # stay verbatim, the others are similar lines, one retrieval away
        by_kind: dict[str, list[int]] = {}
        for e in sorted(chosen_all):
            by_kind.setdefault(kind_of(tpl[e]), []).append(e)
        chosen_all = [e for occ in by_kind.values()
                      for e in occ[:_SAME_ERROR_KIND_CAP] + ([occ[-1]] if len(occ) > _SAME_ERROR_KIND_CAP else [])]
    # an error's neighbours show what led to it and what followed; for one kind repeated, its first occurrences'
    # tell that story, and the later ones stand alone (their neighbours are the same story again). A neighbour
    # that is itself an occurrence of a repeated error past its cap is no part of the story: the cap left it to
    # the "similar lines" count (a batch's closing totals error beside each other failure of that batch).
    chosen_set = set(chosen_all)
    repeat = {i for occ in err_seen.values() for i in occ if i not in chosen_set}  # (each past a cap)
    shown: Counter = Counter()
    for e in sorted(chosen_all):
        kd = kind_of(tpl[e]) if kind_of is not None else tpl[e]
        shown[kd] += 1
        keep[e] = True
        if shown[kd] > _CONTEXT_OCCURRENCES:
            continue
        for k in range(max(0, e - _NEAR), min(n, e + _NEAR + 1)):
            if k not in repeat:
                keep[k] = True
    for i in picked or ():
        keep[i] = True
        for k in range(max(0, i - _NEAR), min(n, i + _NEAR + 1)):
            if k not in repeat:
                keep[k] = True
    for k in range(min(_HEAD, n)):
        keep[k] = True
    for k in range(max(0, n - _TAIL), n):
        keep[k] = True
    summary = _SUMMARY.match
    for k in select(rng, [summary(s) is not None for s in items]):
        keep[k] = True
    # 2. budget: warnings, then one representative per template (most frequent first)
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    # warnings and one line per kind serve a share of it: what the errors, the request's lines and the log's ends
    # do not say is how the log runs, which a line of each kind shows (a generous ratio fills the whole budget)
    serve = budget if keep_ratio(ctx) >= 0.6 else int(budget * _KINDS_SHARE)
    used = (sum(map(len, select(items, keep))) + 3) // 4 + sum(keep)
    warned: Counter = Counter()
    if kind_of is not None:
        # each kind of warning once, whatever the budget (a log's warnings are few kinds, each a different story:
        # a bad timestamp, an unknown SKU, a reorder), its first occurrence
        for k in warn:
            kd = kind_of(tpl[k])
            if warned[kd] or len(warned) >= _WARN_KINDS_CAP:
                continue
            warned[kd] += 1
            if not keep[k]:
                keep[k] = True
                used += estimate_tokens(items[k], coarse=True) + 1
    for k in warn:
        if used >= serve:
            break
        if not keep[k]:
            if kind_of is not None:
                kd = kind_of(tpl[k])
                if warned[kd] >= _SAME_WARN_CAP:
                    continue
                warned[kd] += 1
            keep[k] = True
            used += estimate_tokens(items[k], coarse=True) + 1
    drop_idx = [k for k, x in enumerate(keep) if not x]
    drop_tpl = [tpl[k] for k in drop_idx]
    count = Counter(drop_tpl)
    first = dict(zip(reversed(drop_tpl), reversed(drop_idx)))  # later pairs win: the first occurrence
    kept_tpl = set(select(tpl, keep))
    if score is not None:
        best: dict = {}
        for k, t in zip(drop_idx, drop_tpl):
            if score[k] > best.get(t, 0.0):
                best[t] = score[k]
                first[t] = k  # the template's most relevant line represents it
        order = sorted(first, key=lambda t: (-best.get(t, 0.0), -count[t], first[t]))
    else:
        order = sorted(first, key=lambda t: (-count[t], first[t]))
    served = {kind_of(t) for t in kept_tpl} if kind_of is not None else set()
    for t in order:
        if used >= serve:
            break
        if t in kept_tpl:
            continue
        if kind_of is not None:
            kd = kind_of(t)
            if kd in served:
                continue  # a line of this kind is shown already
            served.add(kd)
        k = first[t]
        keep[k] = True
        kept_tpl.add(t)
        used += estimate_tokens(items[k], coarse=True) + 1
    if kind_of is not None and _RECENT.search(ctx.preceding_text[-2000:]):
        # the request asks about the latest events: the log's end, line by line, for a third of the budget
        limit = min(budget, used + budget // 3)
        for k in range(n - 1, -1, -1):
            if used >= limit:
                break
            if not keep[k]:
                keep[k] = True
                used += estimate_tokens(items[k], coarse=True) + 1
    if keep_ratio(ctx) >= 0.6:
        # a generous ratio (or an error result): fill the budget with the remaining lines in order
        for k in range(n):
            if used >= budget:
                break
            if not keep[k]:
                keep[k] = True
                used += estimate_tokens(items[k], coarse=True) + 1
    # 3. render: note runs whose lines all repeat a kept template
    similar = [t in kept_tpl or (kind_of is not None and kind_of(t) in served) for t in tpl]
    out, dropped, clipped = render(lines, keep, gap_note="similar", gap_members=similar)
    if not dropped and not clipped:
        return None
    what = f"{dropped} of {n} lines" if dropped else "parts of long lines"
    out = fold_stacks(out, lines)
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "log")
