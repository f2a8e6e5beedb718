"""Relevance: rank a block's units (records, lines, hunks, matches, log events) against the conversation
before the call, so the units the request points to are kept whole.

The query is the words of the fixed context (`Context.preceding_text`: the user's request and the assistant's
words before the call; `Context.tool_input`: the call's arguments), lower-cased, without stopwords, reduced to
light stems ("segfaulting" and "segfaults" → "segfault", "groups" → "group"). A unit matches a stem when one
of its words is the stem plus a common English suffix. Units are scored with BM25 (BM25F when a unit has fields
of different weight, e.g. a record's title against its id), and `pick` says which units stand clearly above
the rest — or None, when the ranking has no signal and the caller falls back to its sampling.

API for compressors:
    query = query_terms(ctx)                 # None: nothing to rank by
    scores = rank(units, query)              # plain text units (each one line of text)
    scores = rank_fields(fields, query, weights)  # units as texts per field, each field its weight
    chosen = pick(scores)                    # indices that stand out, or None

Pure functions of their arguments: no clock, no randomness, nothing kept between calls but a memo of queries
(keyed by the context's text). Cost is linear in the units' text: one `str.find` scan per stem.
"""
from __future__ import annotations

import functools
import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Sequence

from .base import Context

__all__ = ["Query", "query_terms", "terms_of", "stem", "rank", "rank_fields", "pick", "find_first", "HIGH_KEYS",
           "HIGH_WEIGHT"]

# English function words and the verbs and nouns of asking an agent for something: they say nothing about
# which unit a request is about.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could did didn do does doesn doing don down during each either else ever every
few for from further had has have having he her here hers herself him himself his how however i if in into
is isn it its itself just let lets like me more most much must my myself no nor not now of off on once only
or other ought our ours ourselves out over own same shall she should so some such than that the their theirs
them themselves then there these they this those through to too under until up upon us very was wasn we were
weren what whatever when where whether which while who whom whose why will with within without won would you
your yours yourself yourselves yes via per etc one two three
please thanks thank look looking find found show shows tell give get gets got need needs want wants know
check checking see seen make made use using used run running ran try trying help figure going go goes
something anything everything thing things way ok okay sure maybe really actually just still already
first last next new old right wrong good bad better best lot lots many several whole kind
let me now then
""".split())

# Words of commands, flags and URLs in a call's arguments that name no topic.
_COMMAND_WORDS = frozenset("""
bash sh zsh cmd command commands curl wget http https www com org net io localhost internal api apis json jq
yaml yml xml txt csv log logs cat head tail less more grep egrep fgrep rg ack sed awk sort uniq wc xargs find
ls echo printf tee git gh hub kubectl docker podman npm npx pnpm yarn pip pipx python python3 node deno go
cargo make cmake pytest jest tox uv poetry limit page per size format output mode type path file files dir
glob pattern include exclude recursive verbose quiet silent true false null none all list get view show
describe query search help version tmp var usr home src lib bin etc dev opt user users workdir cwd timeout
description
""".split())

# Suffixes a unit's word may add to a query stem.
_SUFFIXES = ("ations", "ation", "ures", "ure", "ions", "ion", "ings", "ing", "ers", "er", "ies", "ied", "es", "ed", "ly",
             "s", "e", "y")
_STRIP = ("ations", "ation", "ures", "ions", "ion", "ings", "ing", "ers", "ies", "ied", "ure", "er", "es", "ed", "ly",
          "s", "e", "y")
_MIN_STEM = 3
_MAX_TERMS = 40
_TOOL_INPUT_WEIGHT = 0.6  # commands and paths are noisier than the words of the request
_WORDS = re.compile(r"[a-z][a-z0-9]*|[0-9][a-z0-9]*")
_CONTEXT_CHARS = 4000

# BM25 parameters (the usual ones).
_K1 = 1.2
_B = 0.75

# Fields of a JSON record that say what the record is about (title, message, error) weigh more in
# its ranking than the rest (ids, timestamps, urls, counts).
HIGH_WEIGHT = 3.0
HIGH_KEYS = frozenset("""title name summary message msg error err errors description desc reason body text
subject comment detail details event exception headline label labels problem cause note notes
display_name displayName full_name fullName short_description failure failure_reason statusMessage
status_message log""".split())


def stem(word: str) -> str:
    """A light stem of a lower-case word: one common suffix off, and a doubled final consonant undone
    ("running" → "run"); never shorter than three characters."""
    w = word
    for suf in _STRIP:
        if w.endswith(suf) and len(w) - len(suf) >= _MIN_STEM:
            w = w[: -len(suf)]
            break
    if len(w) > _MIN_STEM and w[-1] == w[-2] and w[-1] not in "aeiouslz" and w[-1].isalpha():
        w = w[:-1]
    return w


@dataclass(frozen=True)
class Query:
    """What units are ranked by: stems with their weights; `then[i]`: the stems that follow stem i in the
    request, so a compound of the two ("ParquetReader", "rowgroups" for "parquet reader", "row groups")
    counts for both."""

    stems: tuple[str, ...]
    weights: tuple[float, ...]
    then: tuple[tuple[int, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.stems)


def input_strings(tool_input: str) -> list[str]:
    """String values of a JSON tool input (its keys are schema, not request), else the text itself."""
    s = tool_input.strip()
    if s[:1] not in ("{", "["):
        return [tool_input]
    try:
        obj = json.loads(s)
    except ValueError:
        return [tool_input]
    out: list[str] = []
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))
    return out


def terms_of(text: str) -> list[str]:
    """The stems of a text's content words, in order of first appearance, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORDS.findall(text.lower()):
        if len(w) < _MIN_STEM or w in STOPWORDS:
            continue
        if w[0].isdigit() and (len(w) < 3 or w.isdigit() and len(w) < 3):
            continue
        seen.setdefault(stem(w) if w.isalpha() else w, None)
    return list(seen)


def _bounded(text: str) -> str:
    return text if len(text) <= 2 * _CONTEXT_CHARS else text[:_CONTEXT_CHARS] + "\n" + text[-_CONTEXT_CHARS:]


@functools.lru_cache(maxsize=256)
def _query(tool_input: str, preceding: str) -> Query | None:
    weights: dict[str, float] = {}
    for t in terms_of(_bounded(preceding)):
        weights.setdefault(t, 1.0)
    for s in input_strings(tool_input[:8000]):
        for t in terms_of(s):
            if t not in _COMMAND_WORDS and not t.isdigit():  # (numbers in a command are limits, ports, pages)
                weights.setdefault(t, _TOOL_INPUT_WEIGHT)
    stems = list(weights)[:_MAX_TERMS]
    if not stems:
        return None
    index = {t: i for i, t in enumerate(stems)}
    then: list[dict[int, None]] = [{} for _ in stems]
    words = [stem(w) if w.isalpha() else w for w in _WORDS.findall(_bounded(preceding).lower())
             if len(w) >= _MIN_STEM and w not in STOPWORDS]
    for x, y in zip(words, words[1:]):
        if x in index and y in index and x != y and x.isalpha() and y.isalpha():
            then[index[x]].setdefault(index[y], None)
    return Query(tuple(stems), tuple(weights[t] for t in stems), tuple(tuple(d) for d in then))


def query_terms(ctx: Context) -> Query | None:
    """The query built from a block's fixed context, or None when it holds no content word."""
    return _query(ctx.tool_input, ctx.preceding_text)


_SCAN_CHARS = 3_000_000
_FEW = 16  # occurrences of a stem found one by one before the rest are counted (under the smallest cap, 20)
_MIN_STEMS = 8

# What may follow a stem in a word that counts as that stem ("" too; a doubled final consonant first:
# "run" + "ning").
_ENDINGS = frozenset(("",) + _SUFFIXES)
_REST = re.compile(r"[^\W_]*")


# Letters from the most to the least common in English (lower-cased tool output is close enough: only the speed of
# `find_first` depends on it, never its answer); digits, spaces and the rest count as common.
_RARITY = {c: i + 1 for i, c in enumerate("etaoinsrhldcumfpgwybvkxjqz")}


@functools.lru_cache(maxsize=4096)
def _rarest(word: str) -> tuple[str, int]:
    """The character of `word` least common in text (the first of equals) and its offset."""
    k = max(range(len(word)), key=lambda i: (_RARITY.get(word[i], 0), -i))
    return word[k], k


@functools.lru_cache(maxsize=256)
def _rarest_of(stems: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple(map(_rarest, stems))


def find_first(text: str, word: str, start: int = 0) -> int:
    """`text.find(word, start)` for a non-empty `word`, most often cheaper: the word's rarest character is found
    first (a single character is found by `memchr`, many times faster than a substring scan), and the word
    only from where that character allows it (its first occurrence from `start` has that character at its
    offset k, at or after the first one found from `start + k`). A character missing from the text settles an
    absent word at once; one that comes late skips the text before it."""
    c, k = _rarest(word)
    p = text.find(c, start + k)
    return -1 if p < 0 else text.find(word, p - k)


def _ending(stem_: str, rest: str) -> bool:
    if rest in _ENDINGS:
        return True
    return rest[:1] == stem_[-1:] and rest[1:] in _SUFFIXES and stem_.isalpha()


def _joined(texts: Sequence[str]) -> str:
    """The units as one text, one line each (a newline inside a unit becomes a space). Units are mostly lines
    already: then the plain join is it, which one count of its newlines tells (in C, not a test per unit)."""
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1:
        return joined
    return "\n".join(t.replace("\n", " ") if "\n" in t else t for t in texts)


def _scan(query: Query, texts: Sequence[str], lowered: str | None = None,
          absent: set[int] | None = None) -> dict[int, dict[int, int]]:
    """Occurrences of each query stem in each text: {unit: {stem index: count}}, units without any left out.
    `absent`: filled with the stems looked for and found nowhere in the text.

    Linear and cheap: the texts joined (one per line) and lower-cased; each stem is found with `str.find`
    (a C scan), and only where it starts a word does Python look at the rest of that word (a suffix, or
    the next stem of a compound). Building a word list of the whole text would cost more than all the
    scans together (one object per word)."""
    if lowered is None:
        lowered = _joined(texts).lower()
    joined = lowered
    n = len(texts)
    find = joined.find
    rest_at = _REST.match
    stems = query.stems
    # Each stem costs a scan of the text: a big block is scanned for the request's most telling stems only
    # (its own words before the call's, longer before shorter), at most about `_SCAN_CHARS` in all.
    limit = max(_MIN_STEMS, _SCAN_CHARS // max(1, len(joined)))
    chosen = range(len(stems)) if len(stems) <= limit else sorted(
        sorted(range(len(stems)), key=lambda i: (-query.weights[i], -len(stems[i]), i))[:limit])
    # A stem found in more than a quarter of the units (counted in C before any Python loop) says little
    # about which unit matters, and walking its every occurrence would cost the most: it is left out.
    cap = n // 4 + 20
    starts: list[int] | None = None
    tf: dict[int, dict[int, int]] = {}
    endings = _ENDINGS
    rarest = _rarest_of(stems)
    for i in chosen:
        s = stems[i]
        c, k = rarest[i]  # (`find_first`, inline)
        pos = find(c, k)
        if pos >= 0:
            pos = find(s, pos - k)
        if pos < 0:
            if absent is not None:
                absent.add(i)
            continue
        size = len(s)
        # its occurrences (as `count` counts them: without overlaps); past a few, the rest are counted in C
        # first, and a stem over the cap is not walked further
        occ = [pos]
        nxt = find(s, pos + size)
        while nxt >= 0 and len(occ) < _FEW:
            occ.append(nxt)
            nxt = find(s, nxt + size)
        if nxt >= 0:
            if len(occ) + joined.count(s, nxt) > cap:
                continue
            while nxt >= 0:
                occ.append(nxt)
                nxt = find(s, nxt + size)
        then = query.then[i]
        found: list[int] = []  # where the stem starts a word that counts as it
        pairs: list[tuple[int, int]] | None = None  # (where, next stem) of compounds ("rowgroups")
        for pos in occ:
            if pos == 0 or not joined[pos - 1].isalnum():
                rest = rest_at(joined, pos + size).group()
                if rest in endings or _ending(s, rest):  # (the first test is `_ending`'s own, inline)
                    found.append(pos)
                else:
                    for j in then:
                        y = stems[j]
                        if rest.startswith(y) and _ending(y, rest[len(y):]):
                            if pairs is None:
                                pairs = []
                            pairs.append((pos, j))
                            break
        if not found and not pairs:
            continue
        if starts is None:  # line starts in the lower-cased text (lower-casing may change a length)
            parts = joined.split("\n") if not joined.isascii() else texts
            starts = list(accumulate(map((1).__add__, map(len, parts)), initial=0))[:-1]
        if pairs is None:
            for p in found:
                u = bisect_right(starts, p) - 1
                d = tf.get(u)
                if d is None:
                    tf[u] = {i: 1}
                else:
                    d[i] = d.get(i, 0) + 1
            continue
        # a compound counts for both stems; occurrences are taken in the order of the text
        for p, j in sorted([(p, -1) for p in found] + pairs):
            u = bisect_right(starts, p) - 1
            d = tf.get(u)
            if d is None:
                d = tf[u] = {}
            d[i] = d.get(i, 0) + 1
            if j >= 0:
                d[j] = d.get(j, 0) + 1
    return tf


def rank(units: Sequence[str], query: Query | None, lowered: str | None = None,
         distinct: list[int] | None = None, absent: set[int] | None = None, *, specific: bool = False) -> list[float]:
    """BM25 score of each unit (a line of text) against `query`; all zeros without a query. `lowered`: the
    units joined with "\n" and lower-cased, when the caller has it already (no unit may hold a "\n");
    `distinct`: filled with how many different query stems each unit holds (an id-like one counts twice);
    `absent`: filled with the stems looked for and found nowhere in the units (a caller's own scan can skip them)."""
    out = [0.0] * len(units)
    if not units or not query:
        return out
    return _rank_one(units, query, 1.0, lowered, distinct, out, absent, specific)


def rank_fields(fields: Sequence[Sequence[str]], query: Query | None,
                weights: Sequence[float], lowered: Sequence[str | None] | None = None,
                distinct: list[int] | None = None, *, specific: bool = False) -> list[float]:
    """BM25F: `fields[c][u]` is unit u's text of field class c (weight `weights[c]`); every class lists
    every unit ("" where it has none). Term frequencies are weighted per class and normalised by the
    length of the unit's text in that class against the class's average, before saturation."""
    n = len(fields[0]) if fields else 0
    out = [0.0] * n
    if not n or not query:
        return out
    if len(fields) == 1:
        return _rank_one(fields[0], query, weights[0], lowered[0] if lowered is not None else None, distinct, out,
                         specific=specific)
    total: dict[int, dict[int, float]] = {}
    for c, texts in enumerate(fields):
        tf = _scan(query, texts, lowered[c] if lowered is not None else None)
        if not tf:
            continue
        avg = (sum(map(len, texts)) / n) or 1.0
        w = weights[c]
        for u, d in tf.items():
            norm = w / (1 - _B + _B * len(texts[u]) / avg)
            tot = total.get(u)
            if tot is None:
                tot = total[u] = {}
            for t, f in d.items():
                tot[t] = tot.get(t, 0.0) + f * norm
    df = [0] * len(query.stems)
    for d in total.values():
        for t in d:
            df[t] += 1
    idf = [math.log(1 + (n - x + 0.5) / (x + 0.5)) * qw for x, qw in zip(df, query.weights)]
    for u, d in total.items():
        out[u] = sum(idf[t] * f * (_K1 + 1) / (f + _K1) for t, f in d.items())
    if distinct is not None:
        heavy = _specific(query, df, n) if specific else _heavy(query.stems)
        distinct[:] = [0] * n
        for u, d in total.items():
            distinct[u] = sum(heavy[t] for t in d)
    return out


_K1_1 = _K1 + 1


def _rank_one(texts: Sequence[str], query: Query, w: float, lowered: str | None, distinct: list[int] | None,
              out: list[float], absent: set[int] | None = None, specific: bool = False) -> list[float]:
    """`rank_fields` of one field class: the same sums (each unit's weighted frequency is its one class's,
    `0.0 + f * norm` there), without merging classes; a unit holding one stem (the common case) without a
    generator."""
    n = len(texts)
    tf = _scan(query, texts, lowered, absent)
    df = [0] * len(query.stems)
    for d in tf.values():
        for t in d:
            df[t] += 1
    idf = [math.log(1 + (n - x + 0.5) / (x + 0.5)) * qw for x, qw in zip(df, query.weights)]
    if tf:
        avg = (sum(map(len, texts)) / n) or 1.0
        for u, d in tf.items():
            norm = w / (1 - _B + _B * len(texts[u]) / avg)
            if len(d) == 1:
                for t, f in d.items():
                    f = f * norm
                    out[u] = idf[t] * f * _K1_1 / (f + _K1)
            else:
                out[u] = sum(idf[t] * f * _K1_1 / (f + _K1) for t, f in [(t, f * norm) for t, f in d.items()])
    if distinct is not None:
        heavy = _specific(query, df, n) if specific else _heavy(query.stems)
        distinct[:] = [0] * n
        for u, d in tf.items():
            if len(d) == 1:
                for t in d:
                    distinct[u] = heavy[t]
            else:
                distinct[u] = sum(heavy[t] for t in d)
    return out


@functools.lru_cache(maxsize=256)
def _heavy(stems: tuple[str, ...]) -> tuple[int, ...]:
    """Per stem, how much it counts in `distinct`: an id-like stem (with a digit: "10142", "v2") is specific
    enough to count as two words."""
    return tuple(2 if any(c.isdigit() for c in t) else 1 for t in stems)


def _specific(query: Query, df: list[int], n: int) -> tuple[int, ...]:
    """`_heavy`, and (for the callers that ask, `specific`: a JSON listing's records, a search's lines, a text's
    lines, a tree's entries) a word of the request's own (not the command's) that only a few units of this block
    hold counts as two as well: it is as specific as an id here ("retrying" for the one `tenacity` record among
    700 packages; `X-Powered-By` for one line of a grep). A word most units hold ("batch" in every path) does not.
    (Not for a table's rows or a build's failures: there one rare word picked a row over the sample and lost a
    corpus needle, `depot.jar -> jdk.unsupported` in jdeps' table.)"""
    heavy = _heavy(query.stems)
    few = max(_RARE_MIN, n // _RARE_SHARE)
    if n < _MIN_UNITS or not any(0 < x <= few for x in df):
        return heavy
    return tuple(2 if h == 1 and 0 < x <= few and w >= 1.0 and len(t) >= _RARE_STEM else h
                 for h, x, w, t in zip(heavy, df, query.weights, query.stems))


_RARE_SHARE = 50  # a word in at most one unit in this many (at least _RARE_MIN) is rare in the block
_RARE_MIN = 2
_RARE_STEM = 4  # shorter stems ("api", "log") are too often parts of other words


# A ranking has signal when a few units stand clearly above the rest: the best cut in the sorted scores
# leaves the kept units at least `_GAP` times the best of the others, and the kept units are a small share
# of the block. A flat ranking (every record mentions "order") or a crowded one (half the lines match) says
# nothing about which units matter, and the caller keeps its sampling.
_GAP = 1.6
_MIN_UNITS = 8
_MIN_TOP = 2.0  # below this the best unit matched one common word: no signal
_FLOOR = 0.15


def pick(scores: Sequence[float], *, distinct: Sequence[int] | None = None, query: Query | None = None,
         max_keep: int | None = None) -> list[int] | None:
    """Indices (ascending) of the units that stand clearly above the rest, or None without signal.

    With `distinct` (from `rank`) and a request of three stems or more, a unit holding only one of them
    ("batch" in a path, for "the nightly batch job keeps failing") is no match: one shared word of a long
    request is chance, not signal."""
    n = len(scores)
    if n < _MIN_UNITS:
        return None
    if distinct is not None and query is not None and len(query.stems) >= 3:
        scores = [x if d >= 2 else 0.0 for x, d in zip(scores, distinct)]
    order = sorted((i for i in range(n) if scores[i] > 0), key=lambda i: (-scores[i], i))
    if not order or scores[order[0]] < _MIN_TOP:
        return None
    cap = max_keep if max_keep is not None else max(3, min(40, n // 5))
    top = scores[order[0]]
    # Units far below the best (under `_FLOOR` of it) count as no match. A cut between the matching units
    # and the rest says only that these mention some query word (a tag, a common word): that is signal for
    # a few units, not for many, where the ranking must show a gap among the matching units themselves.
    floor = _FLOOR * top
    few = max(3, n // 40)
    best_k, best_ratio = 0, 0.0
    for k in range(1, min(cap, len(order)) + 1):
        below = scores[order[k]] if k < len(order) else 0.0
        if below < floor:
            if k <= few and scores[order[k - 1]] / floor > best_ratio:
                best_k, best_ratio = k, scores[order[k - 1]] / floor
            break
        ratio = scores[order[k - 1]] / below
        if ratio > best_ratio:
            best_k, best_ratio = k, ratio
    if best_ratio < _GAP:
        return None
    return sorted(order[:best_k])
