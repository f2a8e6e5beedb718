"""The shared tool implementation (tools.py): schemas, retrieve, stats, argument errors."""
import json

import pytest

from headroom_cli.ccr.store import Store
from headroom_cli.ccr.store import key_for
from headroom_cli.mcp import tools


@pytest.fixture
def ctx(tmp_path):
    return tools.ToolContext(store=Store(tmp_path / "o.sqlite3"))


def test_three_tools_with_object_schemas():
    names = [t["name"] for t in tools.list_tools()]
    assert names == ["headroom_retrieve", "headroom_compress", "headroom_stats"]
    for t in tools.list_tools():
        assert t["inputSchema"]["type"] == "object"
        assert t["description"]


def test_retrieve_description_tells_the_model_when_to_use_it():
    d = next(t for t in tools.list_tools() if t["name"] == "headroom_retrieve")["description"]
    assert "marker" in d and "key" in d


def test_retrieve_returns_original_byte_for_byte(ctx):
    original = "line 1\r\n\ttab \u00e9\u2603 \U0001F600\nno newline at end"
    key = ctx.store.put(original)
    assert key == key_for(original)
    out = tools.call_tool("headroom_retrieve", {"key": key}, ctx)
    assert not out.is_error and out.text == original
    # keys pasted with the marker's `key=` prefix or quotes still work
    assert tools.call_tool("headroom_retrieve", {"key": f"key={key}"}, ctx).text == original
    assert tools.call_tool("headroom_retrieve", {"key": f"`{key}`"}, ctx).text == original


def test_retrieve_missing_key_is_a_clear_tool_error(ctx):
    out = tools.call_tool("headroom_retrieve", {"key": "0" * 24}, ctx)
    assert out.is_error
    assert "expired" in out.text and "0" * 24 in out.text


def test_retrieve_expired_key(tmp_path):
    now = [1000.0]
    store = Store(tmp_path / "o.sqlite3", ttl=10, clock=lambda: now[0])
    key = store.put("some original")
    c = tools.ToolContext(store=store)
    assert tools.call_tool("headroom_retrieve", {"key": key}, c).text == "some original"
    now[0] += 11
    assert tools.call_tool("headroom_retrieve", {"key": key}, c).is_error


def test_unknown_tool_and_bad_arguments_raise(ctx):
    with pytest.raises(tools.UnknownTool):
        tools.call_tool("nope", {}, ctx)
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_retrieve", {}, ctx)
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_retrieve", {"key": 5}, ctx)
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_retrieve", {"key": "a", "extra": 1}, ctx)


def test_compress_needs_exactly_one_input(ctx):
    pytest.importorskip("headroom_cli.compress.api")
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_compress", {}, ctx)
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_compress", {"text": "a", "messages": []}, ctx)


def test_stats_reports_store(ctx):
    ctx.store.put("x" * 100)
    out = tools.call_tool("headroom_stats", {}, ctx)
    assert not out.is_error
    data = json.loads(out.text)
    assert data["store"]["entries"] == 1 and data["store"]["bytes"] == 100
    assert out.structured == data


def test_outcome_wire_shape():
    w = tools.ToolOutcome("hi", is_error=True, structured={"a": 1}).to_mcp()
    assert w == {"content": [{"type": "text", "text": "hi"}], "isError": True, "structuredContent": {"a": 1}}


def test_stats_totals_from_ledger(ctx):
    from headroom_cli.stats.ledger import Ledger
    from headroom_cli.stats.records import RequestRecord

    with Ledger() as led:
        for sid, before, after in (("s1", 1000, 400), ("s1", 500, 500), ("s2", 300, 100)):
            led.record(RequestRecord(session_id=sid, agent="claude", protocol="anthropic", path="/v1/messages",
                                     model="claude-sonnet-4-5", status=200, tokens_before=before,
                                     tokens_after=after, ts=1.0))
    everything = json.loads(tools.call_tool("headroom_stats", {}, ctx).text)["totals"]
    assert everything["requests"] == 3 and everything["tokens_saved"] == 800
    one = json.loads(tools.call_tool("headroom_stats", {"session_id": "s1"}, ctx).text)["session"]
    assert one["requests"] == 2 and one["tokens_before"] == 1500 and one["tokens_after"] == 900


def test_compress_messages_and_text(ctx):
    pytest.importorskip("headroom_cli.compress.api")
    big = "\n".join(f"src/mod{i % 40}.py:{i}: def handler_{i}(request): return respond({i})" for i in range(800))
    out = tools.call_tool("headroom_compress", {"text": big, "context": "handler_417"}, ctx)
    data = json.loads(out.text)
    assert not out.is_error and data["changed"] and data["tokens_after"] < data["tokens_before"]
    assert "handler_417" in data["text"]  # the caller's context keeps the relevant match
    for key in data["keys"]:
        assert ctx.store.get(key) == big
    msgs = [{"role": "user", "content": "find handler_417"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "grep", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": big}]
    data = json.loads(tools.call_tool("headroom_compress", {"messages": msgs}, ctx).text)
    assert data["messages"][0] == msgs[0] and len(data["messages"][2]["content"]) < len(big)
    assert msgs[2]["content"] == big  # the caller's list is not modified


def test_retrieve_line_range_over_mcp_tool():
    from headroom_cli.ccr.store import default_store
    from headroom_cli.mcp import tools

    key = default_store().put("one\ntwo\nthree\n")
    assert tools.call_tool("headroom_retrieve", {"key": key, "start_line": 2, "end_line": 3}).text == "two\nthree\n"
    assert tools.call_tool("headroom_retrieve", {"key": key}).text == "one\ntwo\nthree\n"
    with pytest.raises(tools.InvalidArguments):
        tools.call_tool("headroom_retrieve", {"key": key, "start_line": "2"})
