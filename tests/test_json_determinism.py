"""The JSON compressor writes the same bytes whether or not orjson is installed. orjson is optional, and
langchain-core brings it along: before, its raw non-ASCII (the markers' `…`) and its float spelling made the same
tool result compress to other bytes in an environment with the `[langchain]` extra (the recorded output digests
failed there)."""
from __future__ import annotations

import json

import pytest

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import json_data


def test_output_does_not_depend_on_orjson(monkeypatch):
    pytest.importorskip("orjson")
    doc = json.dumps({"items": [{"id": i, "name": f"café {i}", "score": i / 7, "big": 10 ** 17 + i,
                                 "tiny": 1e-9 * i, "note": "ok ✓"} for i in range(200)]})
    ctx = Context(tool_input="curl /v1/items")
    with_orjson = json_data.compress(doc, ctx, key="a" * 24)
    assert json_data._orjson is not None
    monkeypatch.setattr(json_data, "_orjson", None)
    without = json_data.compress(doc, ctx, key="a" * 24)
    assert with_orjson.text == without.text and "\\u2026" in without.text
