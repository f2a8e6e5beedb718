"""What reaches the upstream, byte for byte (issue 15 items 1, 3, 4): always valid UTF-8 JSON, always the
configured host, and every byte outside the changed spans as the client sent it."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from headroom_cli.ccr.splice import make_splicer
from headroom_cli.proxy import pipeline
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

from test_proxy_compression import LOG, PATHS, request_with_tool_result, tool_result_text

# A lone surrogate, escaped: legal JSON (RFC 8259 §8.2 leaves its meaning open), so clients do send it
# (a JS string cut in the middle of an emoji, JSON.stringify'd).
LONE = '"\\ud800 cut emoji \\udfff"'


def strict_utf8(raw: bytes) -> str:
    return raw.decode("utf-8")  # raises on ED A0 80 and friends


@pytest.fixture
def proxy_for():
    servers = []

    def make(fake, **kw):
        kw.setdefault("anthropic_upstream", fake.url)
        kw.setdefault("openai_upstream", fake.url + "/v1")
        s = ProxyServer(ProxySettings(**kw)).start()
        s.wait_ready(20)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop(grace=0.5)


async def post_raw(url: str, raw: bytes, headers=None):
    async with aiohttp.ClientSession() as c:
        async with c.post(url, data=raw, headers={"content-type": "application/json", **(headers or {})}) as r:
            return r.status, await r.read()


def with_lone_surrogate(protocol: str, stream: bool = False) -> bytes:
    """A request with a compressible tool result whose user question holds an escaped lone surrogate."""
    raw = json.dumps(request_with_tool_result(protocol, stream)).encode()
    return raw.replace(b'"why did batch 777 fail?"', LONE.encode(), 1)


# -- item 1: lone surrogates ------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("retrieval", ["inject", "mcp"])
def test_pipeline_output_is_valid_utf8_with_lone_surrogates(protocol, retrieval):
    raw = with_lone_surrogate(protocol)
    rctx = pipeline.RequestContext(protocol=protocol, path=PATHS[protocol],
                                   settings=ProxySettings(retrieval=retrieval))
    out = pipeline.transform_request(raw, rctx)
    assert out.changed
    text = strict_utf8(out.body)
    assert "\ud800 cut emoji \udfff" in json.dumps(json.loads(text), ensure_ascii=False)


def test_shared_dumps_escapes_lone_surrogates():
    from headroom_cli.jsonspan import dumps

    obj = {"k\udc80": ["\ud800", "a\\\udfffb", "😀", "\ud83d\ude00"]}
    raw = dumps(obj)
    # (a pair of surrogates held as two characters is one character once it is JSON)
    assert json.loads(strict_utf8(raw)) == {"k\udc80": ["\ud800", "a\\\udfffb", "😀", "😀"]}
    assert dumps({"a": "ü"}) == '{"a":"ü"}'.encode()  # non-ASCII stays as it is


def retrieving_script(protocol: str):
    seen = []

    def script(req):
        seen.append(req)
        if len(seen) > 1 and last_is_tool_result(protocol, req.json):
            return Text("done")
        from headroom_cli.compress.markers import find_keys

        key = find_keys(tool_result_text(protocol, req.json))[0]
        return [Text("Let me look \ud83d\ude00."), ToolCall("headroom_retrieve", {"key": key})]
    return script


@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("stream", [False, True])
async def test_upstream_and_continuations_receive_valid_utf8(protocol, stream, proxy_for):
    with FakeProvider(retrieving_script(protocol)).in_thread() as fake:
        p = proxy_for(fake)  # inject: the retrieve tool is appended, the proxy answers its calls
        status, data = await post_raw(p.url + PATHS[protocol], with_lone_surrogate(protocol, stream))
        assert status == 200, data
        first, second = fake.model_requests  # the request, then the retrieval continuation
        for r in (first, second):
            assert "\ud800 cut emoji \udfff" in json.dumps(json.loads(strict_utf8(r.raw)), ensure_ascii=False)
        strict_utf8(data)


def test_spliced_stream_events_stay_valid_utf8():
    """Events the splicer re-renders (a continuation's renumbered blocks) carry the upstream's text,
    lone surrogates included: the client must get UTF-8 too, not an exception mid-stream."""
    def sse(name, data):
        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    sp = make_splicer("anthropic")
    sp.feed(sse("message_start", {"type": "message_start", "message": {"id": "m", "content": [], "usage": {}}}))
    sp.feed(sse("content_block_start", {"type": "content_block_start", "index": 0,
                                        "content_block": {"type": "tool_use", "id": "r1", "name": "headroom_retrieve",
                                                          "input": {}}}))
    sp.feed(sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                        "delta": {"type": "input_json_delta", "partial_json": '{"key":"k"}'}}))
    sp.feed(sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
    sp.feed(sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}}))
    sp.feed(sse("message_stop", {"type": "message_stop"}))
    sp.end()
    assert sp.wants_round()
    sp.advance({"messages": []}, lambda k: "original")
    out = sp.feed(sse("message_start", {"type": "message_start", "message": {"id": "m2", "content": [], "usage": {}}}))
    out += sp.feed(sse("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": "\ud800"}}))
    assert "\ud800" in json.loads(strict_utf8(out).split("data: ")[-1])["content_block"]["text"]
