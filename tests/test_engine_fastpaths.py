"""The engine's speed paths (issue 13's ≤ 10 ms budget) give exactly what the plain forms they replace give.

Each fast form is checked against the straightforward reference on generated input that reaches its corners:
records sharing a shape and records that do not, nulls and booleans (no text), lists past the looked-at
prefix, strings past the looked-at length, newlines, records whose values reach the flattening budget.
"""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli import jsonspan
from headroom_cli.compress import tokens
from headroom_cli.compress.compressors import json_data

FAST = settings(max_examples=300, deadline=None)


def _flat_reference(v) -> str:
    """What `_flats` gave per item before it worked by column: `_flat`'s parts joined, newlines as spaces."""
    parts: list[str] = []
    json_data._flat(v, parts)
    return " ".join(parts).replace("\n", " ")


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="ab \nc\u00e9", max_size=12),
    st.builds(lambda n, c: c * n, st.integers(480, 4200), st.sampled_from(["x", "y\n"])),  # past 500, past 4000
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.builds(lambda n, x: [x] * n, st.integers(48, 53), inner),  # around the 50 items looked at
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), inner, max_size=4)), max_leaves=12)


@st.composite
def listings(draw):
    """Records of one shape (each field's value drawn anew per record: nulls, other types, other list
    lengths mix in), sometimes with records of another shape or plain scalars among them."""
    keys = draw(st.lists(st.sampled_from(["id", "name", "tags", "meta", "n", "note"]), unique=True, max_size=6))
    proto = {k: draw(values) for k in keys}

    def like(v):  # a value of the same shape as v, with new leaves
        if isinstance(v, dict):
            return {k: like(x) for k, x in v.items()}
        if isinstance(v, list):
            return [like(x) for x in v]
        return draw(scalars) if draw(st.booleans()) else v

    n = draw(st.integers(0, 12))
    recs = [like(proto) for _ in range(n)]
    if draw(st.booleans()):
        recs += draw(st.lists(values, max_size=3))
    return recs


@FAST
@given(listings())
def test_flats_by_column_are_the_plain_flattening(items):
    assert json_data._flats(items) == [_flat_reference(x) for x in items]


def test_flats_by_column_reach_their_corners(monkeypatch):
    """Cases the column form treats apart: a shared shape, nulls in a field, a list past 50 items, records of
    another shape and plain scalars among the records, a record at the budget (flattened by `_flat` itself),
    nesting past the column depth, an empty record. Only the record at the budget and the deep nesting are
    flattened one by one (the columns did the rest)."""
    deep: object = "leaf"
    for _ in range(20):
        deep = {"x": deep, "y": [1, 2]}
    items = [{"id": i, "title": f"t{i}\nsecond", "who": None if i % 2 else {"name": "A", "ok": True},
              "tags": ["a", "b"] * 30, "big": "z" * (5000 if i == 3 else 10), "deep": deep}
             for i in range(8)] + [{}, "plain", 3.5, None, {"id": 9, "other": [True, "x"]}]
    expected = [_flat_reference(x) for x in items]
    calls = []
    real = json_data._flat
    monkeypatch.setattr(json_data, "_flat", lambda v, out, budget=4000: calls.append(v) or real(v, out, budget))
    assert json_data._flats(items) == expected
    assert len(calls) <= 1 + 2 * 8, len(calls)  # the budget record; per record, the two values past the depth


def _estimate_reference(text: str) -> int:
    """`estimate_tokens` as one pass over the whole text (before it went in pieces)."""
    if not text:
        return 0
    b = text.encode("utf-8", "surrogatepass")
    rest = b.translate(None, tokens._PUNCT)
    punct, digits = len(b) - len(rest), len(rest) - len(rest.translate(None, tokens._DIGITS))
    n = len(text)
    return max(1, int((n - punct - digits) / 4.3 + punct * 0.6 + digits * 0.45 + (len(b) - n) / 3.0 + 0.5))


@FAST
@given(st.lists(st.text(alphabet="ab {}\n12.\u00e9\u4e2d\U0001f600\ud800", max_size=40), max_size=30),
       st.integers(0, 3))
def test_estimate_in_pieces_is_the_whole_text_estimate(chunks, pieces):
    # texts of up to four pieces whose boundaries fall anywhere in the random runs (a repeated random text)
    unit = "".join(chunks) or "a"
    text = unit * (tokens._PIECE * pieces // len(unit) + 1)
    assert tokens.estimate_tokens(text) == _estimate_reference(text)


@FAST
@given(st.text(alphabet="abcXYZ \n\t{}.,0123456789\u00e9", min_size=1, max_size=40), st.integers(1, 400))
def test_surely_big_enough_never_says_so_of_a_small_block(unit, min_tokens):
    # texts around the length the rule trusts, of letters (the cheapest characters) and anything else
    for text in (unit * (int(min_tokens * 4.3 / len(unit)) + k) for k in (-1, 0, 1, 2)):
        if tokens.surely_big_enough(text, min_tokens):
            assert tokens.big_enough(text, min_tokens) is not None
    letters = "a" * (int(min_tokens * 4.3) + 3)
    assert tokens.surely_big_enough(letters, min_tokens) and tokens.big_enough(letters, min_tokens) is not None


@FAST
@given(st.lists(st.sampled_from(list('ab"\\\n\t\r\b\f\x01/ é€😀') + ["\ud800"]), min_size=1, max_size=30))
def test_jsonspan_counts_escapes_in_pieces_as_over_the_whole_string(chars):
    # a string of three pieces and more, with escapes falling on the pieces' boundaries
    unit = "".join(chars)
    value = unit * (3 * jsonspan._PIECE // len(unit) + 1)
    b = value.encode("utf-8", "surrogatepass")
    assert jsonspan._two_char_escapes(value) == len(b) - len(b.translate(None, jsonspan._TWO_CHAR_ESCAPES))
    text = "[" + json.dumps(value) + "]"
    assert jsonspan._value_end(text, 1, value) == jsonspan._end(text, 1) == len(text) - 1


@FAST
@given(st.lists(st.text(alphabet="ab \n\r", max_size=6), max_size=12))
def test_ranking_joins_units_as_the_per_unit_form(units):
    from headroom_cli.compress import relevance

    assert relevance._joined(units) == "\n".join(u.replace("\n", " ") if "\n" in u else u for u in units)


_VOCAB = [f"    value = compute(item_{i}, limit={i * 7})" for i in range(8)] + ["", "    }", "short"]


def _reread_blocks(seed: int, numbered: bool) -> list[str]:
    """Blocks read from one source of repetitive lines (a handful of distinct lines, so anchors sit in many
    places): ranges of it, some lines edited, as an agent re-reads a file it changed."""
    import random

    r = random.Random(seed)
    source = [r.choice(_VOCAB) for _ in range(r.randrange(40, 160))]
    blocks = []
    for _ in range(r.randrange(2, 5)):
        a = r.randrange(len(source) // 3)
        lines = source[a:a + r.randrange(20, 150)]
        for _ in range(r.randrange(3)):
            if lines:
                lines[r.randrange(len(lines))] = r.choice(_VOCAB) + " # edited"
        if numbered:
            lines = [f"{a + n + 1:6}\t{x}" for n, x in enumerate(lines)]
        blocks.append("\n".join(lines) + "\n")
    return blocks


def _references(texts: list[str], numbered: bool) -> list:
    from headroom_cli.ccr.store import key_for
    from headroom_cli.compress import rereads
    from headroom_cli.compress.base import Context

    index = rereads.Index()
    out = []
    for n, t in enumerate(texts):
        key = key_for(t)  # (the parse cache is keyed by it)
        out.append(index.match(key, t, n, Context(), numbers=numbered))
        index.add(t, f"the Read of f{n}", n, numbers=numbered, key=key)
    return out


@FAST
@given(st.integers(0, 2**32), st.booleans())
def test_rereads_rule_out_short_runs_as_the_full_walk_does(seed, numbered):
    """`rereads._candidates` skips anchor positions that cannot start a run of MIN_LINES; the references are the
    ones the full walk of every anchor position gives."""
    import pytest

    from headroom_cli.compress import rereads

    texts = _reread_blocks(seed, numbered)
    fast = _references(texts, numbered)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rereads, "_candidates", lambda new, i, old, c: old.anchors.get(c, ()))
        full = _references(texts, numbered)
    assert fast == full


def test_reread_blocks_do_hold_references():
    """Guard against a vacuous comparison above: most generated sessions have a block with references."""
    with_refs = sum(any(_references(_reread_blocks(seed, seed % 2 == 0), seed % 2 == 0)) for seed in range(60))
    assert with_refs >= 30, with_refs


def test_a_run_of_exactly_the_minimum_lines_is_still_a_reference():
    """The shortest run that is kept (MIN_LINES lines, long enough) survives the rule that skips shorter ones."""
    from headroom_cli.compress import rereads

    run = [f"    shared line {i} " + "x" * 120 for i in range(rereads.MIN_LINES)]
    first = "\n".join(["head a"] + run + ["tail a"]) + "\n"
    second = "\n".join(["head b"] + run + ["tail b"]) + "\n"
    out = _references([first, second], False)
    assert out[0] is None and out[1] is not None and f"lines 2–{rereads.MIN_LINES + 1} not repeated" in out[1]
