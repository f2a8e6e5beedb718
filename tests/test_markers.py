"""Omission markers name the tool and the key; find_keys finds them back."""
from __future__ import annotations

from headroom_cli.compress import markers
from headroom_cli.ccr.store import key_for
from headroom_cli.compress.base import Context


def test_omitted_names_tool_key_and_hint():
    k = key_for("original")
    m = markers.omitted("412 of 560 lines", k, Context(marker_tool="mcp__headroom__headroom_retrieve",
                                                       marker_hint="load it with ToolSearch first"))
    assert m == (f"[… 412 of 560 lines omitted; full output: mcp__headroom__headroom_retrieve key={k}; "
                 "load it with ToolSearch first]")
    assert markers.find_keys(m) == [k]


def test_default_marker_and_gap():
    k = key_for("x")
    assert markers.omitted("3 rows", k, Context()) == f"[… 3 rows omitted; full output: headroom_retrieve key={k}]"
    assert markers.gap("12 similar lines") == "[… 12 similar lines omitted]"
    assert markers.find_keys(markers.gap("12 lines")) == []


def test_find_keys_in_order_without_repeats_and_only_full_keys():
    a, b = key_for("a"), key_for("b")
    text = f"x key={b} y key={a} z key={b} key=abc key={a}ff"
    assert markers.find_keys(text) == [b, a]
