"""Speed rewrites of the engine give the same answers as the forms they replaced (issue 13's engine budget).

Each test runs a seeded hypothesis search comparing the new form with the old one (kept here as the reference,
written as it was) and asserts that enough examples were really exercised, so a strategy that filters most of
its draws away cannot pass vacuously.
"""
from __future__ import annotations

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from headroom_cli.compress import markers
from headroom_cli.compress.compressors import common

RUNS = settings(max_examples=400, deadline=None, database=None)


def _exercised(check, minimum: int = 300) -> None:
    seen: list[int] = []
    check(seen)
    assert len(seen) >= minimum, f"only {len(seen)} examples exercised"


def _coalesce_reference(items, keep, protect=None):
    """`common.coalesce` line by line: short cheap gaps between kept lines kept, then short runs of unprotected kept
    lines between two gaps dropped."""
    n = len(items)
    keep = list(keep)
    if n < 3:
        return keep
    k = 0
    while k < n:
        if keep[k]:
            k += 1
            continue
        e = k
        while e < n and not keep[e]:
            e += 1
        if k > 0 and e < n and e - k <= 2 and sum(len(items[x]) + 1 for x in range(k, e)) <= len(
                markers.gap(f"{e - k} lines")) + 1:
            for x in range(k, e):
                keep[x] = True
        k = e
    if protect is not None:
        k = 1
        while k < n:
            if not keep[k] or keep[k - 1]:
                k += 1
                continue
            e = k
            while e < n and keep[e]:
                e += 1
            if e < n and e - k <= common._LONE_RUN and not any(protect[k:e]):
                for x in range(k, e):
                    keep[x] = False
            k = e
    return keep


def _render_reference(lines, keep, unit="lines", gap_note="", gap_members=None, other_notes=(), protect=None):
    """`common.render` as it was: gaps coalesced, a pass marking lone short lines kept, then one step per line."""
    out = []
    items = lines.items
    dropped = 0
    clipped_any = False
    i, n = 0, len(items)
    keep = _coalesce_reference(items, keep, protect)
    for k in range(n):
        if not keep[k] and len(items[k]) <= common._LONE and (k == 0 or keep[k - 1]) and (k == n - 1 or keep[k + 1]):
            keep[k] = True
    while i < n:
        if keep[i]:
            line, c = common.clip(items[i])
            clipped_any |= c
            out.append(line)
            i += 1
            continue
        j = i
        while j < n and not keep[j]:
            j += 1
        cnt = j - i
        dropped += cnt
        note = gap_note if gap_members is not None and all(gap_members[i:j]) else ""
        if not note and other_notes:
            note = next((nt for nt, members in other_notes if all(members[i:j])), "")
        word = unit if cnt != 1 else unit.rstrip("s")
        out.append(lines.marker_line(markers.gap(f"{cnt} {note + ' ' if note else ''}{word}")))
        i = j
    return out, dropped, clipped_any


_line = st.one_of(st.sampled_from(["", "x", "short line", "y" * 24, "z" * 25, "a\r"]),
                  st.integers(1, 2600).map(lambda k: "w" * k))


def test_render_by_runs_matches_the_line_by_line_form():
    @seed(1301)
    @RUNS
    @given(st.lists(st.tuples(_line, st.booleans(), st.booleans()), max_size=40), st.booleans(), st.booleans())
    def check(seen, rows, crlf, members):
        text = ("\r\n" if crlf else "\n").join(r[0] for r in rows)
        lines = common.Lines(text)
        n = len(lines.items)
        keep = [r[1] for r in rows][:n] + [True] * max(0, n - len(rows))
        gm = [r[2] for r in rows][:n] + [False] * max(0, n - len(rows)) if members else None
        other = (("repeated", [not x for x in gm]),) if gm is not None else ()
        for unit, note in (("lines", ""), ("rows", "similar")):
            assert common.render(lines, keep, unit, note, gm) == _render_reference(lines, keep, unit, note, gm)
            assert (common.render(lines, keep, unit, note, gm, other)
                    == _render_reference(lines, keep, unit, note, gm, other))
            if gm is not None:  # (the members as the protected lines: any mask will do)
                assert (common.render(lines, keep, unit, note, gm, other, protect=gm)
                        == _render_reference(lines, keep, unit, note, gm, other, protect=gm))
        seen.append(1)
    _exercised(check)


_cells = st.lists(st.sampled_from(["cmake", "Cmake", "xcmake", "make", "İ", "\u212a", "-", "=", "+", "|", " ", "  ",
                                   "---", "===", "a", "1", "\t", "\r"]), max_size=8).map("".join)


def test_rows_holding_a_word_found_by_one_scan_match_the_row_by_row_test():
    @seed(1302)
    @RUNS
    @given(st.lists(_cells, min_size=1, max_size=30), st.sampled_from(["cmake", "make", "i", "k", "=="]),
           st.integers(0, 14))
    def check(seen, rows, stem, limit):
        low = [r.lower() for r in rows]
        ref = [j for j, t in enumerate(low) if stem in t]
        text = "\n".join(rows).lower()
        starts = common.line_starts(text.split("\n"))
        got = common.rows_with(text, stem, starts, limit)
        assert got == (None if len(ref) > limit else ref)
        seen.append(1)
    _exercised(check)


def test_rule_lines_of_a_table_match_the_rule_pattern_on_every_line():
    from headroom_cli.compress.compressors import table

    @seed(1303)
    @RUNS
    @given(st.lists(_cells, min_size=1, max_size=30), st.integers(0, 5))
    def check(seen, items, h):
        ref = [i > h and bool(table._RULE.match(s)) for i, s in enumerate(items)]
        assert table._rules(items, h) == ref
        seen.append(1)
    _exercised(check)


# ---------------------------------------------------------------- relevance: the ranking's scan and sums

from bisect import bisect_right  # noqa: E402
from itertools import accumulate  # noqa: E402
import math  # noqa: E402
from typing import Sequence  # noqa: E402

from headroom_cli.compress import relevance  # noqa: E402
from headroom_cli.compress.relevance import Query  # noqa: E402


def _scan_reference(query: Query, texts: Sequence[str], lowered: str | None = None) -> dict[int, dict[int, int]]:
    """Occurrences of each query stem in each text: {unit: {stem index: count}}, units without any left out.

    Linear and cheap: the texts joined (one per line) and lower-cased; each stem is found with `str.find`
    (a C scan), and only where it starts a word does Python look at the rest of that word (a suffix, or
    the next stem of a compound). Building a word list of the whole text would cost more than all the
    scans together (one object per word)."""
    if lowered is None:
        lowered = relevance._joined(texts).lower()
    joined = lowered
    n = len(texts)
    find = joined.find
    rest_at = relevance._REST.match
    stems = query.stems
    # Each stem costs a scan of the text: a big block is scanned for the request's most telling stems only
    # (its own words before the call's, longer before shorter), at most about `relevance._SCAN_CHARS` in all.
    limit = max(relevance._MIN_STEMS, relevance._SCAN_CHARS // max(1, len(joined)))
    chosen = range(len(stems)) if len(stems) <= limit else sorted(
        sorted(range(len(stems)), key=lambda i: (-query.weights[i], -len(stems[i]), i))[:limit])
    # A stem found in more than a quarter of the units (counted in C before any Python loop) says little
    # about which unit matters, and walking its every occurrence would cost the most: it is left out.
    cap = n // 4 + 20
    starts: list[int] | None = None
    tf: dict[int, dict[int, int]] = {}
    for i in chosen:
        s = stems[i]
        pos = find(s)
        if pos < 0:
            continue
        if joined.count(s, pos) > cap:
            continue
        size = len(s)
        found: list[tuple[int, tuple[int, ...]]] = []
        while pos >= 0:
            if pos == 0 or not joined[pos - 1].isalnum():
                rest = rest_at(joined, pos + size).group()
                if relevance._ending(s, rest):
                    found.append((pos, (i,)))
                else:
                    for j in query.then[i]:
                        y = stems[j]
                        if rest.startswith(y) and relevance._ending(y, rest[len(y):]):
                            found.append((pos, (i, j)))
                            break
            pos = find(s, pos + size)
        if not found:
            continue
        if starts is None:  # line starts in the lower-cased text (lower-casing may change a length)
            parts = joined.split("\n") if not joined.isascii() else texts
            starts = list(accumulate(map((1).__add__, map(len, parts)), initial=0))[:-1]
        for p, idx in found:
            u = bisect_right(starts, p) - 1
            d = tf.get(u)
            if d is None:
                d = tf[u] = {}
            for t in idx:
                d[t] = d.get(t, 0) + 1
    return tf


def _rank_fields_reference(fields: Sequence[Sequence[str]], query: Query | None,
                weights: Sequence[float], lowered: Sequence[str | None] | None = None,
                distinct: list[int] | None = None, specific: bool = False) -> list[float]:
    """BM25F: `fields[c][u]` is unit u's text of field class c (weight `weights[c]`); every class lists
    every unit ("" where it has none). Term frequencies are weighted per class and normalised by the
    length of the unit's text in that class against the class's average, before saturation."""
    n = len(fields[0]) if fields else 0
    out = [0.0] * n
    if not n or not query:
        return out
    total: dict[int, dict[int, float]] = {}
    for c, texts in enumerate(fields):
        tf = _scan_reference(query, texts, lowered[c] if lowered is not None else None)
        if not tf:
            continue
        avg = (sum(map(len, texts)) / n) or 1.0
        w = weights[c]
        for u, d in tf.items():
            norm = w / (1 - relevance._B + relevance._B * len(texts[u]) / avg)
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
        out[u] = sum(idf[t] * f * (relevance._K1 + 1) / (f + relevance._K1) for t, f in d.items())
    if distinct is not None:
        # an id-like stem (with a digit: "10142", "v2") is specific enough to count as two words, and (`specific`)
        # so is a word of the request's own that at most max(2, n / 50) units hold (from 8 units on), of 4 letters or more
        few = max(2, n // 50)
        heavy = [2 if any(c.isdigit() for c in t) or (specific and n >= 8 and 0 < df[i] <= few
                                                      and query.weights[i] >= 1.0 and len(t) >= 4) else 1
                 for i, t in enumerate(query.stems)]
        distinct[:] = [0] * n
        for u, d in total.items():
            distinct[u] = sum(heavy[t] for t in d)
    return out



_vocab = ["row", "rows", "group", "groups", "rowgroups", "parquet", "parquetreader", "reader", "segfault",
          "segfaulting", "running", "run", "v2", "10142", "İ", "\u212a", "x", " ", "-", "_", ".", "\n", "Row", "job",
          "jobs", "nightly", "batch"]
_unit = st.lists(st.sampled_from(_vocab), max_size=10).map("".join)
_request = st.lists(st.sampled_from(["row groups", "parquet reader", "segfaulting", "run", "v2", "10142",
                                     "nightly batch job", "the", "job"]), min_size=1, max_size=5).map(" ".join)


def test_ranking_scan_and_sums_match_the_old_forms():
    @seed(1304)
    @RUNS
    @given(st.lists(_unit, min_size=1, max_size=30), st.lists(_unit, min_size=1, max_size=30), _request,
           st.sampled_from(["", "grep -rn parquet src", '{"pattern": "rowgroups"}']))
    def check(seen, units, second, request, tool_input):
        query = relevance._query(tool_input, request)
        if query is None:
            return
        lines = [u.replace("\n", " ") for u in units]
        absent: set[int] = set()
        assert relevance._scan(query, units, None, absent) == _scan_reference(query, units)
        low = relevance._joined(units).lower()
        assert absent == {i for i, t in enumerate(query.stems) if t not in low}
        many = units * 12  # stems past the few found one by one, and past the cap
        assert relevance._scan(query, many) == _scan_reference(query, many)
        for fields, weights in (((lines,), (1.0,)), ((lines, (second * 30)[:len(lines)]), (2.0, 1.0))):
            d_new: list[int] = []
            d_old: list[int] = []
            for specific in (False, True):
                new = relevance.rank_fields(fields, query, weights, distinct=d_new, specific=specific)
                old = _rank_fields_reference(fields, query, weights, distinct=d_old, specific=specific)
                assert new == old and d_new == d_old  # the same floats, bit for bit
        low = "\n".join(lines).lower()
        assert relevance.rank(lines, query, low) == _rank_fields_reference((lines,), query, (1.0,), (low,))
        seen.append(1)
    _exercised(check)


# ---------------------------------------------------------------- table cells, detection shares

_table_piece = st.sampled_from(["NAME", "pod-1", "Running", "2 hours ago", "1/1", "0", " ", "  ", "   ", "     ",
                                "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\xa0", "\u2003", "é", "-", "|"])
_table_row = st.lists(_table_piece, max_size=10).map("".join)


def test_table_cells_split_by_spaces_match_the_whitespace_split():
    from headroom_cli.compress.compressors import table

    @seed(1304)
    @RUNS
    @given(st.lists(_table_row, min_size=1, max_size=12), st.booleans(), st.booleans())
    def check(seen, items, plain, trailing):
        if plain:  # (most draws would hold a tab or a control somewhere: half of them only spaces)
            items = ["".join(c for c in s if c in " -|/" or c.isalnum() and c.isascii()) for s in items]
        text = "\n".join(items) + ("\n" if trailing else "")
        assert table._cells(items, text) == [table._SPLIT.split(s.strip()) for s in items]
        seen.append(1)
    _exercised(check)


def test_detection_share_stopping_early_matches_the_whole_count():
    import re

    from headroom_cli.compress import router

    rx = re.compile(r"a|b\d")

    @seed(1305)
    @RUNS
    @given(st.lists(st.sampled_from(["a", "b1", "b", "x", "", "ab"]), max_size=90),
           st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5, 0.6, 0.7, 0.8, 1.0, 1 / 3, 2 / 3]))
    def check(seen, lines, share):
        assert router._share_at_least(lines, rx, share) == (router._share(lines, rx) >= share)
        seen.append(1)
    _exercised(check)


def test_detection_sample_lines_match_the_line_by_line_form():
    from headroom_cli.compress import router

    def reference(text):
        head = text[:router._SAMPLE_CHARS]
        parts = head.split("\n", router._SAMPLE_LINES)[:router._SAMPLE_LINES]
        if "\r" in head:
            return head, [ln[:500].rstrip("\r") for ln in parts if ln.strip()]
        return head, [ln[:500] for ln in parts if ln and not ln.isspace()]

    @seed(1306)
    @RUNS
    @given(st.lists(st.one_of(st.sampled_from(["", " ", "\t", "  x", "line", "\r", "a\r", "\x0b", "\u2003"]),
                              st.integers(490, 520).map(lambda k: "v" * k)), max_size=100))
    def check(seen, lines):
        text = "\n".join(lines)
        assert router._sample(text) == reference(text)
        seen.append(1)
    _exercised(check)


# ---------------------------------------------------------------- substring scans from the rarest character

_scan_text = st.lists(st.sampled_from(["fail", "failed", "x", "q", "e", " ", "\n", "timed out", "time", "d o", "é", "İ",
                                       "err", "error", "or", "3", "-", "ja", "jq", "zz"]), max_size=40).map("".join)
_scan_word = st.sampled_from(["fail", "timed out", "error", "q", "zz", "jq", "ror", "e", "é", "d o", "3", "x-e",
                              "ailed", "İ", "aaaa"])


def test_find_first_matches_str_find():
    @seed(1307)
    @RUNS
    @given(_scan_text, _scan_word, st.integers(0, 60))
    def check(seen, text, word, start):
        assert relevance.find_first(text, word, start) == text.find(word, start)
        seen.append(1)
    _exercised(check)


def _find_lines_reference(text, subs, starts, *, word_start):
    """`common._find_lines` as it was: one `str.find` scan per string from the text's start."""
    n = len(starts)
    hit = [False] * n
    end = len(text)
    for w in subs:
        pos = 0
        while True:
            i = text.find(w, pos)
            if i < 0:
                break
            if word_start and i > 0 and text[i - 1].isalpha():
                pos = i + 1
                continue
            k = bisect_right(starts, i) - 1
            hit[k] = True
            pos = starts[k + 1] if k + 1 < n else end
    return hit


def test_keyword_lines_from_the_rarest_character_match_the_old_scan():
    @seed(1308)
    @RUNS
    @given(_scan_text, st.lists(_scan_word, max_size=6), st.booleans())
    def check(seen, text, words, word_start):
        starts = common.line_starts(text.split("\n"))
        assert (common._find_lines(text, words, starts, word_start=word_start)
                == _find_lines_reference(text, words, starts, word_start=word_start))
        seen.append(1)
    _exercised(check)
