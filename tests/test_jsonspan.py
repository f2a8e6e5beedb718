"""headroom_cli.jsonspan: locating values in JSON text and splicing changed values into it, against
documents spelled every way RFC 8259 allows (whitespace, escapes, number spellings)."""
from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from headroom_cli import jsonspan
from headroom_cli.jsonspan import NotStrict, span, splice

# -- spelling a value as a client might -------------------------------------------------------------
WS = ["", "", "", " ", "\n  ", "\t", "\r\n", "  "]


def spell_str(v: str, r: random.Random) -> str:
    out = ['"']
    for ch in v:
        o = ord(ch)
        if ch in '"\\':
            out.append(r.choice(["\\" + ch, f"\\u{o:04x}", f"\\u{o:04X}"]))
        elif ch == "/":
            out.append(r.choice(["/", "\\/"]))
        elif o < 0x20:
            short = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}.get(ch)
            out.append(r.choice([x for x in (short, f"\\u{o:04x}") if x]))
        elif o > 0xFFFF:
            hi, lo = 0xD800 + ((o - 0x10000) >> 10), 0xDC00 + ((o - 0x10000) & 0x3FF)
            out.append(r.choice([ch, f"\\u{hi:04x}\\u{lo:04x}"]))
        elif 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")  # a lone surrogate only exists as an escape
        else:
            out.append(r.choice([ch, ch, f"\\u{o:04x}"]))
    out.append('"')
    return "".join(out)


def spell_number(v, r: random.Random) -> str:
    if isinstance(v, int):
        return r.choice([str(v), str(v)] + (["-0"] if v == 0 else []))
    s = repr(v)
    options = [s, s.replace("e", "E")]
    if "e" not in s and "." in s:
        options.append(s + "0")
        mant, _, frac = s.partition(".")
        if mant.lstrip("-").isdigit() and (mant + frac).lstrip("-")[0] != "0":  # no leading zero in JSON
            options.append(f"{mant}{frac}e-{len(frac)}")
    return r.choice([o for o in options if float(o) == v])


def spell(v, r: random.Random) -> str:
    ws = lambda: r.choice(WS)  # noqa: E731
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return spell_number(v, r)
    if isinstance(v, str):
        return spell_str(v, r)
    if isinstance(v, list):
        if not v:
            return "[" + ws() + "]"
        return "[" + ws() + ",".join(ws() + spell(x, r) + ws() for x in v) + "]"
    if not v:
        return "{" + ws() + "}"
    return "{" + ",".join(ws() + spell_str(k, r) + ws() + ":" + ws() + spell(x, r) + ws() for k, x in v.items()) + "}"


scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=6), kids, max_size=5),
                      max_leaves=25)
docs = st.dictionaries(st.text(max_size=6), values, max_size=6)


def paths(v, prefix=()):
    yield prefix
    if isinstance(v, dict):
        for k, x in v.items():
            yield from paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from paths(x, prefix + (i,))


def get(v, path):
    for p in path:
        v = v[p]
    return v


def same(a, b) -> bool:
    """The same JSON value, key order included (it is part of the bytes)."""
    return json.dumps(a) == json.dumps(b)


# -- span ---------------------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(doc=docs, seed=st.integers(0, 2**32))
def test_span_finds_every_value(doc, seed):
    text = spell(doc, random.Random(seed))
    assert same(json.loads(text), doc)
    for p in paths(doc):
        a, b = span(text, p)
        assert same(json.loads(text[a:b]), get(doc, p)), (p, text[a:b])
        if p:  # inside the parent's span
            pa, pb = span(text, p[:-1])
            assert pa < a < b <= pb


def test_span_misses_and_duplicates():
    text = '{"a": [1, {"b": 2}], "a": {"c": "x"}}'
    assert text[slice(*span(text, ("a", "c")))] == '"x"'  # the last duplicate, as json.loads reads it
    with pytest.raises(KeyError):
        span(text, ("z",))
    with pytest.raises(IndexError):
        span('{"a": [1]}', ("a", 1))


# -- splice -----------------------------------------------------------------------------------------
def test_splice_of_the_same_value_is_the_text():
    text = ' {"a" : [1.0, 1E2, -0, "\\u00e9\\/"] , "b":{}} \n'
    doc = json.loads(text)
    assert splice(text, doc, doc) == text
    assert splice(text, doc, dict(doc)) == text  # a copied container with the same members


def edit(doc, r: random.Random):
    """A copy-on-write change of one place in `doc`, like the pipeline's steps make: (new, what)."""
    containers = [p for p in paths(doc) if isinstance(get(doc, p), (dict, list))]
    p = r.choice(list(paths(doc)))
    what = r.choice(["replace", "replace", "insert", "add-key", "drop-key", "reorder"])
    target = get(doc, p)
    if what == "insert":
        lists = [q for q in containers if isinstance(get(doc, q), list)]
        if lists:
            p = r.choice(lists)
            lst = get(doc, p)
            at = r.randint(0, len(lst))
            new_val: object = [*lst[:at], {"new": "\ud800 ✓", "n": 1.5}, *lst[at:]]
        else:
            what = "replace"
    if what in ("add-key", "drop-key", "reorder"):
        dicts = [q for q in containers if isinstance(get(doc, q), dict)]
        p = r.choice(dicts)
        d = get(doc, p)
        if what == "add-key":
            new_val = {**d, "added\u00e9": ["x", 2]}
        elif what == "drop-key" and d:
            new_val = {k: v for i, (k, v) in enumerate(d.items()) if i != 0}
        else:
            new_val = dict(reversed(list(d.items())))
    if what == "replace":
        new_val = r.choice(["compressed \ud83d\ude00 text\n", 42, None, ["a"], {"k": "v"}, "", target])
        if new_val is target:
            new_val = json.loads(json.dumps(target))  # an equal value, not the same object
    return set_in(doc, p, new_val), p


def set_in(doc, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = set_in(doc[head], rest, value)
    return copy


# -- an oracle of what may differ ----------------------------------------------------------------------
def regions(old, new, t0: str, t1: str, path=()):
    """Where the texts of `old` (t0) and `new` (t1) may differ, found from the values alone:
    ("replace", (a0, b0), (a1, b1)) for a changed value, ("insert", None, (a1, b1)) for members added to
    an object or array (with their comma). Containers with the same shape are looked into."""
    if same(old, new) and type(old) is type(new):
        return []
    if isinstance(old, dict) and isinstance(new, dict) and list(new)[:len(old)] == list(old):
        out = [r for k in old for r in regions(old[k], new[k], t0, t1, path + (k,))]
        extra = list(new)[len(old):]
        if extra:
            end = span(t1, path + (extra[-1],))[1]
            start = span(t1, path + (list(old)[-1],))[1] if old else span(t1, path)[0] + 1
            out.append(("insert", None, (start, end)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) == len(new):
            return [r for i, (a, b) in enumerate(zip(old, new)) for r in regions(a, b, t0, t1, path + (i,))]
        kept, n = [], 0
        for q, v in enumerate(new):
            if n < len(old) and same(v, old[n]) and type(v) is type(old[n]):
                kept.append(q)
                n += 1
        if n == len(old):
            out, q = [], 0
            while q < len(new):
                if q in kept:
                    q += 1
                    continue
                q2 = q
                while q2 + 1 < len(new) and q2 + 1 not in kept:
                    q2 += 1
                if q2 + 1 < len(new):
                    out.append(("insert", None, (span(t1, path + (q,))[0], span(t1, path + (q2 + 1,))[0])))
                elif q > 0:
                    out.append(("insert", None, (span(t1, path + (q - 1,))[1], span(t1, path + (q2,))[1])))
                else:
                    out.append(("insert", None, (span(t1, path + (q,))[0], span(t1, path + (q2,))[1])))
                q = q2 + 1
            return out
    return [("replace", span(t0, path), span(t1, path))]


def skeletons(old, new, t0: str, t1: str) -> tuple[str, str]:
    """Both texts with the regions that may differ cut out (a replaced value leaves a mark in both)."""
    rs = regions(old, new, t0, t1)
    cut0 = sorted(r[1] for r in rs if r[0] == "replace")
    cut1 = sorted((r[2], r[0] == "replace") for r in rs)

    def cut(text, spans):
        out, pos = [], 0
        for (a, b), mark in spans:
            out.append(text[pos:a] + ("\x00" if mark else ""))
            pos = b
        return "".join(out) + text[pos:]

    return cut(t0, [(s, True) for s in cut0]), cut(t1, cut1)


# Found by random draws: an edit that replaces a list with an equal copy (not copy-on-write), then inserts into it.
# Aligned by identity alone, an old `{}` was paired with the inserted value and rewritten around it.
@example(doc={'': [{}, ['000\x1f00𐀀𐀀', [-6, -6, 1], {}, [None]], [], [], []]}, seed=811975, n=3)
@example(doc={'0': [{'': -6}], '': {'0': None, '𐀀000': {'': None, '00000': None, '0': None, '000000': None, '1': None},
                                    '000001': None, '': None, '000000': {'000𐀀': None, '000000': None}},
              '000': {'00': None}, '000𐀀': []}, seed=817174, n=2)
@example(doc={'00000': {'0𐀀0': '000', '\x1f0000𐀀': None, '𐀀00': 0},
              '\x1d\x12A@': [{'000000': None, '': [{'': None, '0\x1f𐀀000': '00', '000𐀀': None, '000000': None,
                                                     '𐀀00000': None}]}, {}, {}, None],
              '': None, '\U00039b0e\x9b=\x1bA\U000ba68d': {'\n': None, '00𐀅`$\x86': None,
                                                         '00000𐀀': [None, None, 0, 0, '0\x1f0\x1f0000𐀀00'], '': [],
                                                         '0': {}},
              '0\x1f0𐀀': [None]}, seed=57, n=3)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=docs, seed=st.integers(0, 2**32), n=st.integers(1, 3))
def test_splice_gives_the_new_value_and_keeps_every_other_byte(doc, seed, n):
    r = random.Random(seed)
    text = spell(doc, r)
    old = json.loads(text)
    new = old
    for _ in range(n):
        if not isinstance(new, dict):
            return
        new, _ = edit(new, r)
    if not isinstance(new, dict):
        return
    try:
        out = splice(text, old, new)
    except NotStrict:  # only for a duplicate key on the way to a change
        assert _has_duplicates(text)
        return
    assert same(json.loads(out), new)
    jsonspan.encode(out).decode("utf-8")  # valid UTF-8, lone surrogates escaped
    s0, s1 = skeletons(old, new, text, out)
    assert s0 == s1  # outside the changed places, the client's text
    assert splice(text, old, new) == out  # deterministic


def _has_duplicates(text: str) -> bool:
    found = []

    def hook(pairs):
        if len({k for k, _ in pairs}) < len(pairs):
            found.append(True)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return bool(found)


def _has(doc, path) -> bool:
    try:
        get(doc, path)
        return True
    except (KeyError, IndexError, TypeError):
        return False


def test_splice_appends_and_inserts_between_the_original_bytes():
    text = '{"tools" : [ {"name":"A"} ] ,\n "messages":[ 1 , 2 ],"e":[ ],"o":{ } }'
    old = json.loads(text)
    new = dict(old)
    new["tools"] = [*old["tools"], {"name": "headroom_retrieve"}]
    new["messages"] = [0, *old["messages"]]
    new["e"] = ["x"]
    new["o"] = {"k": 1}
    new["added"] = True
    assert splice(text, old, new) == ('{"tools" : [ {"name":"A"},{"name":"headroom_retrieve"} ] ,\n'
                                      ' "messages":[ 0,1 , 2 ],"e":["x" ],"o":{"k":1 },"added":true }')


def test_splice_keeps_numbers_and_escapes_it_does_not_touch():
    text = '{"n": [1e400, 1.50, -0, 1E+2, 12345678901234567890123], "s": "\\u00e9\\/", "t": "old"}'
    old = json.loads(text)
    assert math.isinf(old["n"][0])
    new = {**old, "t": "new"}
    assert splice(text, old, new) == '{"n": [1e400, 1.50, -0, 1E+2, 12345678901234567890123], "s": "\\u00e9\\/", "t": "new"}'
    with pytest.raises(NotStrict):  # a float JSON cannot spell is never written as Infinity
        splice(text, old, {**old, "t": float("inf")})


def test_duplicate_keys_on_the_way_to_a_change_are_refused():
    text = '{"a": {"x": 1, "x": 2}, "b": {"y": 1, "y": 2}, "c": "old"}'
    old = json.loads(text)
    # untouched: the duplicates stay as the client sent them
    assert splice(text, old, {**old, "c": "new"}) == text.replace('"old"', '"new"')
    with pytest.raises(NotStrict):
        splice(text, old, {**old, "a": {"x": 3}})
    with pytest.raises(NotStrict):
        splice(text, old, {**old, "a": {**old["a"], "z": 0}})
    with pytest.raises(NotStrict):
        splice('{"a": 1, "a": 2}', {"a": 2}, {"a": 3})


def test_splice_refuses_text_that_is_not_the_parsed_value():
    with pytest.raises(NotStrict):
        splice('{"a": [1, 2]}', {"a": [1]}, {"a": [1, 3]})
    with pytest.raises(NotStrict):
        splice('{"a": 1}', {"b": 1}, {"b": 2})


def test_loads_refuses_nan_and_infinity():
    for text in ('{"a": NaN}', '{"a": Infinity}', '[-Infinity]'):
        with pytest.raises(NotStrict):
            jsonspan.loads(text)
    assert jsonspan.loads('{"a": 1e400}')["a"] == float("inf")  # a spelling JSON allows: kept by splicing


def test_new_strings_are_valid_utf8():
    text = '{"a": "x", "b": "\\ud800"}'
    old = jsonspan.loads(text)
    out = jsonspan.encode(splice(text, old, {**old, "a": "\udfff and \ud83d\ude00"}))
    assert out == b'{"a": "\\udfff and \\ud83d\\ude00", "b": "\\ud800"}'
    out.decode("utf-8")
