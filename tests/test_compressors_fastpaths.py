"""The compressors' fast paths give the same answers as the plain forms they replace.

Speed work rewrote several regexes and whole-text scans (class-first patterns, `str.find` instead of a
regex, scans over a subset of lines, columns instead of records). Output bytes must not change, so each
fast path is checked here against the straightforward reference on generated input, including the awkward
characters: CR, tabs, Unicode whitespace, "İ" (lower-cases to two characters), the Kelvin sign.
"""
from __future__ import annotations

import math
import operator
import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.compress import markers
from headroom_cli.compress.compressors import common, json_data, search, table

FAST = settings(max_examples=300, deadline=None)

hexish = st.text(alphabet="0123456789abcdefABCDEFghxyzG.:_- \n#\t", max_size=60)
spacey = st.text(alphabet="ab1 \t\r\u3000\xa0\x1f", max_size=40)
greppy = st.lists(st.sampled_from(["a", "-", ":", "1", "12", "./", " ", "\r", "é", "-1-", ":3:", "\n"]),
                  max_size=14).map("".join)
words = st.text(alphabet="abcKXYZ-._/: \n12İ\u212aé", max_size=80)
term = st.text(alphabet="abcKXYZ-._/:12İé", min_size=1, max_size=5)


@FAST
@given(hexish)
def test_template_regex_and_bulk_templates_match_the_plain_pattern(s):
    ref = re.compile(r"[0-9a-fA-F]*[0-9][0-9a-fA-F.:_-]*")
    assert common.FAST_NORM.sub("#", s) == ref.sub("#", s)
    items = s.split("\n")
    assert common.templates(items) == [ref.sub("#", x) for x in items]


@FAST
@given(spacey)
def test_table_column_split_matches_the_plain_pattern(s):
    assert table._SPLIT.split(s) == re.split(r"\s{2,}|\t", s)


@FAST
@given(st.one_of(greppy, st.builds(lambda a, b: "x" * a + b, st.integers(390, 410), greppy)))
def test_grep_line_pattern_matches_the_lazy_one(s):
    m = search._GREP_FAST.match(s)
    if m is not None and m.end(1) > 401:  # the compressor's fallback for long paths
        m = search._GREP.match(s)
    ref = search._GREP.match(s)
    assert (m and (m.group(1, 2, 3), m.end())) == (ref and (ref.group(1, 2, 3), ref.end()))


@FAST
@given(words, st.lists(term, min_size=1, max_size=12))
def test_term_lines_on_lower_cased_text_match_the_case_insensitive_regex(text, terms):
    rx = common._regex(tuple(terms))
    items = text.split("\n")
    starts = common.line_starts(items)
    ref = [rx.search(x) is not None for x in items]
    assert common.regex_lines(rx, text, starts) == ref
    assert common.regex_lines(rx, text, starts, text.lower()) == ref


@FAST
@given(st.lists(st.lists(st.sampled_from(["error", "fail", "timed out", "warn", "İ", "\u212a", "x", " ", "_", "aerror"]),
                         max_size=6).map("".join), min_size=1, max_size=12), st.data())
def test_keyword_scan_over_some_lines_matches_the_whole_text_scan(items, data):
    text = "\n".join(items)
    idx = sorted(data.draw(st.sets(st.integers(0, len(items) - 1))))
    sets = (("error", "fail", "timed out"), ("warn",))
    whole = [common.keyword_lines(text.lower(), ws, common.line_starts(items)) for ws in sets]
    got = common.lines_with_words(text, items, idx, sets)
    assert got == [[w[i] for i in idx] for w in whole]


@FAST
@given(st.lists(st.sampled_from(["key=0123456789abcdef01234567", "key=", "a", "_", " ", "é", "0", "\n"]), max_size=8))
def test_marker_key_check_matches_find_keys(parts):
    key = "0123456789abcdef01234567"
    text = "".join(parts)
    assert markers.names_key(text, key) == (key in markers.find_keys(text))


def _outliers_reference(recs: list[dict]) -> set[int]:
    """The original record-by-record `outliers`."""
    n = len(recs)
    found: set[int] = set()
    if n < 12:
        return found
    fields: dict = {}
    for r in recs[:50]:
        for k in r:
            fields.setdefault(k, None)
    num_types = (int, float)
    limit = max(1, n // 20)
    for f in list(fields)[:40]:
        vals = [r.get(f) for r in recs]
        probe = [type(x) for x in vals[:20]]
        if all(t in num_types for t in probe):
            if all(type(x) in num_types for x in vals):
                idx, xs = None, vals
            else:
                idx = [i for i, x in enumerate(vals) if type(x) in num_types]
                if len(idx) < 0.8 * n:
                    continue
                xs = [vals[i] for i in idx]
            try:
                mean = sum(xs) / len(xs)
                var = sum(map(operator.mul, xs, xs)) / len(xs) - mean * mean
            except OverflowError:
                continue
            if not math.isfinite(var) or var <= 1e-12 * (1 + mean * mean):
                continue
            lim = 3 * math.sqrt(var)
            lo, hi = mean - lim, mean + lim
            if min(xs) >= lo and max(xs) <= hi:
                continue
            hits = [j for j, x in enumerate(xs) if x < lo or x > hi]
            if len(hits) <= 5:
                found.update(hits if idx is None else [idx[j] for j in hits])
            continue
        if not all(t is str or t is bool for t in probe):
            continue
        try:
            freq = Counter(vals)
        except TypeError:
            continue
        if 2 <= len(freq) <= 10:
            rare = {x for x, c in freq.items() if c <= limit and x is not None}
            if rare:
                hits = [i for i, x in enumerate(vals) if x in rare]
                if len(hits) <= 10:
                    found.update(hits)
    return found


value = st.one_of(st.sampled_from([0, 1, 2, 3, 1.5, -4, 1000, 10 ** 30, True, False, None, "ok", "err", "a", "b"]),
                  st.floats(allow_nan=True, allow_infinity=True), st.just([1]))
records = st.lists(st.dictionaries(st.sampled_from(["f0", "f1", "f2"]), value, max_size=3), max_size=60)


@FAST
@given(records)
def test_outliers_match_the_record_by_record_reference(recs):
    assert json_data.outliers(recs) == _outliers_reference(recs)


@FAST
@given(st.lists(st.lists(st.sampled_from(["0", "14", "3", "Running", "Error", "x", "٣"]), min_size=1, max_size=5),
                min_size=12, max_size=40), st.integers(1, 6))
def test_table_columns_match_rows_read_as_records(rows, ncols):
    numeric = {c for c in range(ncols) if all(table._NUM.match(r[c]) for r in rows[:10] if c < len(r))}
    recs = []
    for row in rows:
        rec = dict(enumerate(row[:ncols]))
        for c in numeric:
            v = rec.get(c)
            if v is not None and table._NUM.match(v):
                rec[c] = float(v)
        recs.append(rec)
    cols = list(table._columns(rows, ncols, numeric))
    assert json_data.column_outliers(iter(cols), len(rows)) == _outliers_reference(recs)
