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


def _render_reference(lines, keep, unit="lines", gap_note="", gap_members=None, other_notes=()):
    """`common.render` as it was: a pass marking lone short lines kept, then one step per line."""
    out = []
    items = lines.items
    dropped = 0
    clipped_any = False
    i, n = 0, len(items)
    keep = list(keep)
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
