"""jsonspan finds the end of a long string value without decoding it again (speed only): wherever it takes the
shortcut, the end must be the one the scanner finds, for every spelling a client may use."""
from __future__ import annotations

import json
import random

from hypothesis import given, settings, strategies as st

from headroom_cli import jsonspan

_ALPHABET = st.sampled_from(list('ab"\\\n\t\r\b\f\x01\x1f/ é€😀') + ["\ud800"])


def _spell(value: str, r: random.Random) -> str:
    """A JSON spelling of `value` as some client might write it: the minimal one, or with any character
    written as a \\u escape, or `/` as `\\/`."""
    out = ['"']
    for ch in value:
        if r.random() < 0.02 or ("\ud800" <= ch <= "\udfff"):
            out.append("".join(f"\\u{u:04x}" for u in _utf16(ch)))
        elif ch == "/" and r.random() < 0.5:
            out.append("\\/")
        else:
            out.append(json.dumps(ch, ensure_ascii=False)[1:-1])
    out.append('"')
    return "".join(out)


def _utf16(ch: str) -> list[int]:
    c = ord(ch)
    if c < 0x10000:
        return [c]
    c -= 0x10000
    return [0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(_ALPHABET, min_size=0, max_size=40), st.integers(0, 3), st.integers(0, 2**32))
def test_the_end_of_a_long_string_is_the_scanners_for_every_spelling(chars, pad, seed):
    r = random.Random(seed)
    value = "x" * (jsonspan._SHORTCUT_MIN + pad) + "".join(chars)
    spelled = _spell(value, r) if seed % 3 else json.dumps(value, ensure_ascii=bool(seed % 2))
    text = '{"a": ' + spelled + ', "b": 1}'
    i = text.index('"', 5)
    assert json.loads(text)["a"] == value
    assert jsonspan._value_end(text, i, value) == jsonspan._end(text, i) == i + len(spelled)


def test_a_longer_spelling_whose_minimal_end_falls_on_an_escaped_quote_is_scanned():
    """The minimal spelling's end lands on a quote here (an escaped one: the client wrote one `x` as `\\u0078`,
    five characters longer); the shortcut must see the backslash before it and scan instead."""
    value = "x" * 600 + 'yy"' + "zzzz"
    spelled = '"\\u0078' + json.dumps(value)[2:]
    text = "[" + spelled + "]"
    minimal_end = 1 + 2 + len(value) + 1
    assert text[minimal_end - 1] == '"' and text[minimal_end - 2] == "\\"  # the trap is set
    assert jsonspan._value_end(text, 1, value) == jsonspan._end(text, 1) == 1 + len(spelled)


def test_an_escaped_backslash_before_the_end_quote_is_the_end():
    value = "x" * 600 + "\\"
    text = "[" + json.dumps(value) + ",2]"
    assert jsonspan._value_end(text, 1, value) == jsonspan._end(text, 1) == len(text) - 3


def test_splicing_a_changed_long_string_keeps_every_other_byte():
    value = "line\n" * 500 + 'quote " and \\ done'
    text = '{"m": [{"t": ' + json.dumps(value) + '}, {"t": "keep\\u0041"}], "z": 1.50}'
    old = json.loads(text)
    new = {**old, "m": [{"t": "short"}, old["m"][1]]}
    assert jsonspan.splice(text, old, new) == '{"m": [{"t": "short"}, {"t": "keep\\u0041"}], "z": 1.50}'
