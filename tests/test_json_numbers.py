"""Numbers in a compressed JSON view are the numbers the tool wrote. orjson (used when installed: it parses at C
speed) reads an integer beyond 64 bits as a float, so a 30-digit id showed as 1.2345678901234568e+29 while the
store held the exact text; and a decimal with more digits than a double holds prints (as the stdlib's float
too) as another number. Now: integers stay exact (the stdlib's ints), and a document with a number a float
cannot hold is not parsed as JSON for compression (its text is compressed as text, lines verbatim)."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from headroom_cli.compress import regions, router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import json_data
from headroom_cli.compress.protocols import common

BIG = "123456789012345678901234567890"
EXACT_INTS = [BIG, "-" + BIG, "18446744073709551616", "-9223372036854775809", "99999999999999999999",
              "[1, 2, 340282366920938463463374607431768211456]", '{"id": -98765432109876543210987}']
INEXACT = ["0.1234567890123456789012345", "1.0000000000000000001", "12345678901234567890.5", "1e400", "-1e400",
           '{"amount": 3.14159265358979323846264338}', "[1, 2.00000000000000000001]"]
EXACT_FLOATS = ["0.30000000000000004", "1.2345678901234568e+29", "-0.0", "1e-300", "123456.789", "2.5",
                "[0.1, 1.7976931348623157e308]"]


@pytest.fixture(params=["orjson", "stdlib"])
def parser(request, monkeypatch):
    if request.param == "orjson":
        pytest.importorskip("orjson")
        assert json_data._orjson is not None
    else:
        monkeypatch.setattr(json_data, "_orjson", None)
    return request.param


@pytest.mark.parametrize("text", EXACT_INTS)
def test_big_integers_stay_exact(parser, text):
    got = json_data.loads(text)
    assert got == json.loads(text)
    assert json_data.dumps(got) == json_data.dumps(json.loads(text))
    assert "e+" not in json_data.dumps(got)


@pytest.mark.parametrize("text", INEXACT)
def test_a_number_a_float_cannot_hold_is_refused(parser, text):
    with pytest.raises(ValueError):
        json_data.loads(text)


@pytest.mark.parametrize("text", EXACT_FLOATS)
def test_floats_that_print_as_themselves_are_read(parser, text):
    assert json_data.dumps(json_data.loads(text)) == json_data.dumps(json.loads(text))


def _listing(n: int = 60) -> str:
    return json.dumps({"data": [{"id": int(BIG) + i, "owner": -(10 ** 24) - i, "name": f"item {i}",
                                 "status": "ok", "note": "routine entry " * 3} for i in range(n)]}, indent=2)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text))


def test_compressed_listing_shows_exact_ids():
    text = _listing()
    res = router.compress_block(text, Context(tool_input="curl /v1/items"))
    assert res is not None and res.compressor == "json"
    assert BIG in res.text and str(-(10 ** 24)) in res.text  # the first record's id and owner, digit for digit
    assert "e+" not in res.text
    assert {n for n in _numbers(res.text) if len(n) > 12} <= _numbers(text)  # (the long ones: the key is hex)


def test_listing_with_an_inexact_decimal_keeps_its_text():
    recs = [{"id": i, "amount": "3.14159265358979323846264338" if i == 0 else f"{i}.5", "status": "ok",
             "note": "routine entry " * 3} for i in range(60)]
    text = json.dumps({"data": recs}, indent=2).replace('"3.14159265358979323846264338"', "3.14159265358979323846264338")
    res = router.compress_block(text, Context(tool_input="curl /v1/items"))
    if res is not None:
        assert res.compressor != "json"
        for num in re.findall(r"3\.14\d*", res.text):
            assert num == "3.14159265358979323846264338"


def test_json_region_in_prose_keeps_exact_ids():
    text = "fetched the items:\n" + _listing() + "\nall done, 60 items\n"
    parts = regions.split(text)
    assert parts is not None
    docs = [r.doc for r in parts if r.kind == "json"]
    assert docs and docs[0]["data"][0]["id"] == int(BIG)


def test_codex_json_output_metadata_keeps_its_numbers():
    text = '{"output":"' + "line\\n" * 5 + '","metadata":{"exit_code":0,"duration_seconds":0.12345678901234567891}}'
    got = common.unwrap_json_output(text)
    if got is not None:
        inner, encode = got
        assert "0.12345678901234567891" in encode(inner)


_number = st.one_of(
    st.integers(min_value=-(10 ** 40), max_value=10 ** 40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.from_regex(r"\A-?[1-9][0-9]{0,24}(\.[0-9]{1,24})?([eE][-+]?[0-9]{1,3})?\Z"),
)


def _read(text: str, use_orjson: bool):
    saved = json_data._orjson
    if not use_orjson:
        json_data._orjson = None
    try:
        return json_data.loads(text)
    except ValueError as e:
        return e
    finally:
        json_data._orjson = saved


@settings(max_examples=300, deadline=None)
@given(st.lists(_number, min_size=1, max_size=6))
def test_every_number_read_prints_as_the_same_number(nums):
    text = "[" + ", ".join(nums) + "]"
    got = _read(text, True)
    alone = _read(text, False)  # the same outcome with or without orjson (the same output wherever it runs)
    assert type(got) is type(alone) and (isinstance(got, ValueError) or got == alone)
    if isinstance(got, ValueError):
        return
    assert got == json.loads(text) and [type(x) for x in got] == [type(x) for x in json.loads(text)]
    for src, v in zip(nums, got):
        written = json_data.dumps(v)
        if isinstance(v, float) and abs(v) < 2.2250738585072014e-308 and Decimal(src) != 0:
            continue  # below a double's range with a short mantissa: read as the stdlib reads it (jsonspan.exact_float)
        assert Decimal(written) == Decimal(src), (src, written)
