"""UsageSniffer: provider usage from recorded SSE streams and JSON bodies, any chunking."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.stats.records import Usage
from headroom_cli.stats.usage import UsageSniffer, sniff

SSE = Path(__file__).parent / "fixtures" / "sse"

# (fixture, protocol, expected usage, expected model)
CASES = [
    ("anthropic_stream.sse", "anthropic", Usage(472, 20480, 1520, 87), "claude-sonnet-4-5-20250929"),
    ("anthropic_stream_delta_output_only.sse", "anthropic", Usage(1203, 9800, 0, 15),
     "claude-3-5-haiku-20241022"),
    ("anthropic_message.json", "anthropic", Usage(2095, 0, 0, 503), "claude-opus-4-1-20250805"),
    # chat: prompt 2006 of which 1920 cached -> 86 uncached
    ("openai_chat_stream.sse", "openai_chat", Usage(86, 1920, 0, 300), "gpt-4o-2024-08-06"),
    ("openai_chat_completion.json", "openai_chat", Usage(476, 1024, 0, 12), "gpt-4.1-mini-2025-04-14"),
    # responses: input 9120 of which 8064 cached -> 1056 uncached
    ("openai_responses_stream.sse", "openai_responses", Usage(1056, 8064, 0, 214), "gpt-5-codex"),
    ("openai_responses.json", "openai_responses", Usage(328, 0, 0, 52), "gpt-4o-2024-08-06"),
]


def run(protocol: str, chunks) -> UsageSniffer:
    s = UsageSniffer(protocol)
    for c in chunks:
        s.feed(c)
    return s


@pytest.mark.parametrize("name,protocol,expected,model", CASES)
def test_whole_body(name, protocol, expected, model):
    s = run(protocol, [(SSE / name).read_bytes()])
    assert s.finish() == expected
    assert s.model == model
    assert s.ok


@pytest.mark.parametrize("name,protocol,expected,model", CASES)
def test_byte_by_byte(name, protocol, expected, model):
    data = (SSE / name).read_bytes()
    s = run(protocol, [data[i:i + 1] for i in range(len(data))])
    assert s.finish() == expected
    assert s.model == model


@pytest.mark.parametrize("name,protocol,expected,model", CASES)
def test_crlf_and_cr_line_endings(name, protocol, expected, model):
    data = (SSE / name).read_bytes()
    for eol in (b"\r\n", b"\r"):
        conv = data.replace(b"\n", eol)
        # split every CRLF in half to exercise the pending-CR path
        chunks = [conv[i:i + 7] for i in range(0, len(conv), 7)]
        s = run(protocol, chunks)
        assert s.finish() == expected, eol
        assert s.model == model


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_arbitrary_split_points(data):
    name, protocol, expected, model = data.draw(st.sampled_from(CASES))
    body = (SSE / name).read_bytes()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=40)))
    chunks, prev = [], 0
    for c in cuts + [len(body)]:
        chunks.append(body[prev:c])
        prev = c
    s = run(protocol, chunks)
    assert s.finish() == expected
    assert s.model == model


def test_message_delta_overrides_message_start():
    """Newer Anthropic streams repeat cumulative input/cache figures in message_delta."""
    body = (
        b'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-opus-4-5",'
        b'"usage":{"input_tokens":10,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,'
        b'"output_tokens":1}}}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"input_tokens":12,'
        b'"cache_read_input_tokens":100,"output_tokens":40}}\n\n'
    )
    u, model = sniff("anthropic", body)
    assert u == Usage(input_tokens=12, cache_read_tokens=100, cache_write_tokens=0, output_tokens=40)
    assert model == "claude-opus-4-5"


def test_last_line_without_newline_is_parsed():
    body = (SSE / "openai_chat_stream.sse").read_bytes()
    # drop "[DONE]" and the trailing newline of the usage chunk
    usage_line = [ln for ln in body.split(b"\n") if b'"usage":{' in ln][0]
    u, _ = sniff("openai_chat", usage_line)
    assert u.cache_read_tokens == 1920 and u.output_tokens == 300


def test_huge_irrelevant_lines_are_not_buffered():
    """A multi-megabyte text delta must not be held: only lines that can carry usage are kept."""
    big = "x" * 2_000_000
    delta = json.dumps({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "text_delta", "text": big}}).encode()
    start = (SSE / "anthropic_stream.sse").read_bytes()
    body = start.replace(b"event: ping\n", b"event: content_block_delta\ndata: " + delta + b"\n\nevent: ping\n", 1)
    s = UsageSniffer("anthropic")
    peak = 0
    for i in range(0, len(body), 65536):
        s.feed(body[i:i + 65536])
        peak = max(peak, len(s._buf))
    assert peak < 80_000
    assert s.finish() == Usage(472, 20480, 1520, 87)


def test_huge_delta_without_event_lines_is_skipped_by_type():
    big = "y" * 500_000
    delta = json.dumps({"type": "response.output_text.delta", "delta": big}).encode()
    base = (SSE / "openai_responses_stream.sse").read_bytes()
    body = b"data: " + delta + b"\n\n" + base
    s = UsageSniffer("openai_responses")
    peak = 0
    for i in range(0, len(body), 32768):
        s.feed(body[i:i + 32768])
        peak = max(peak, len(s._buf))
    assert peak < 50_000
    assert s.finish() == Usage(1056, 8064, 0, 214)


@pytest.mark.parametrize("body", [b"", b"not json at all, an html error page", b"{broken json",
                                  b"data: {broken\n\n", b"\x00\xff\xfe garbage"])
def test_garbage_never_raises(body):
    s = UsageSniffer("anthropic")
    s.feed(body)
    assert s.finish() == Usage()
    assert not s.ok


def test_error_body_has_no_usage():
    body = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    u, model = sniff("anthropic", body)
    assert u == Usage() and model == ""


def test_finish_is_idempotent_and_feed_after_finish_ignored():
    s = run("openai_responses", [(SSE / "openai_responses.json").read_bytes()])
    first = s.finish()
    s.feed(b'{"usage":{"input_tokens":999}}')
    assert s.finish() == first


def test_deepseek_style_cache_hits():
    body = b'{"model":"deepseek-chat","usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_cache_hit_tokens":60}}'
    u, _ = sniff("openai_chat", body)
    assert u == Usage(input_tokens=40, cache_read_tokens=60, cache_write_tokens=0, output_tokens=5)


@settings(max_examples=150, deadline=None)
@given(protocol=st.sampled_from(["anthropic", "openai_chat", "openai_responses", "passthrough"]),
       chunks=st.lists(st.binary(max_size=200) | st.sampled_from(
           [b"data: ", b"event: message_delta\n", b'{"usage":{"input_tokens":"x"}}', b"\r", b"\n",
            b'data: {"type":"message_start","message":{"usage":null}}\n\n', b"data: [DONE]\n\n"]), max_size=30))
def test_any_bytes_never_raise(protocol, chunks):
    s = UsageSniffer(protocol)
    for c in chunks:
        s.feed(c)
    u = s.finish()
    assert isinstance(u, Usage)
    assert min(u.input_tokens, u.cache_read_tokens, u.cache_write_tokens, u.output_tokens) >= 0
