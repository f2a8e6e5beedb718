"""The proxy end to end on loopback: client → ProxyServer (its own thread) → FakeProvider (test loop)."""
from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket

import aiohttp
import pytest
import zstandard

from headroom_cli.proxy import pipeline
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider, Reply, Text, ToolCall
from headroom_cli.testing.fake_provider import DEFAULT_USAGE

ANTH_KEY = "sk-ant-api03-SECRETKEY-abc123"
OAI_KEY = "sk-proj-SECRETBEARER-xyz789"

ANTH_HEADERS = {"x-api-key": ANTH_KEY, "anthropic-version": "2023-06-01",
                "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
                "User-Agent": "claude-cli/2.1.330 (external, cli)"}
OAI_HEADERS = {"Authorization": f"Bearer {OAI_KEY}", "User-Agent": "codex_exec/0.169.0"}


def anth_body(stream=True, tool_result=False, model="claude-sonnet-x"):
    msgs = [{"role": "user", "content": [{"type": "text", "text": "list the files"}]}]
    if tool_result:
        msgs += [{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                                    "input": {"command": "ls"}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                               "content": "a.py\nb.py\nc.py", "cache_control": {"type": "ephemeral"}}]}]
    return {"model": model, "max_tokens": 1024, "stream": stream, "messages": msgs}


def chat_body(stream=True, tool_result=False):
    msgs = [{"role": "user", "content": "list the files"}]
    if tool_result:
        msgs += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "bash", "arguments": "{\"command\":\"ls\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "a.py\nb.py"}]
    body = {"model": "gpt-x", "stream": stream, "messages": msgs}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def responses_body(stream=True, tool_result=False):
    items = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list the files"}]}]
    if tool_result:
        items += [{"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
                  {"type": "function_call_output", "call_id": "call_1", "output": "a.py\nb.py"}]
    return {"model": "gpt-5-codex", "stream": stream, "store": False, "input": items}


def dumps(doc) -> bytes:
    # Not what json.dumps(..) of aiohttp would produce: odd spacing proves bytes are not re-serialised.
    return json.dumps(doc, indent=1, ensure_ascii=False).encode()


@pytest.fixture
async def fake():
    async with FakeProvider() as fp:
        yield fp


@pytest.fixture
def records():
    return []


@pytest.fixture
def make_proxy(fake, records):
    servers = []

    def make(**kw):
        kw.setdefault("anthropic_upstream", fake.url)
        kw.setdefault("openai_upstream", fake.url + "/v1")
        kw.setdefault("on_record", records.append)
        # These tests are about relaying: retrieval injection (which adds a tool) is tested elsewhere.
        kw.setdefault("retrieval", "off")
        s = ProxyServer(ProxySettings(**kw)).start()
        servers.append(s)
        s.wait_ready(20)
        return s

    yield make
    for s in servers:
        s.stop(grace=0.5)


@pytest.fixture
def proxy(make_proxy):
    return make_proxy()


@pytest.fixture
async def client():
    # auto_decompress=False: see exactly the bytes the proxy sent.
    async with aiohttp.ClientSession(auto_decompress=False) as s:
        yield s


async def settled(records: list, n: int) -> list:
    """The proxy reports a request after the client has its answer (on the proxy's thread): wait
    (bounded) until `n` records arrived."""
    for _ in range(1000):
        if len(records) >= n:
            break
        await asyncio.sleep(0.01)
    return records


def bearer(proxy: ProxyServer) -> dict:
    """headroom's own routes need the proxy's secret (tests/test_proxy_access.py)."""
    return {"Authorization": f"Bearer {proxy.settings.secret}"}


async def post(client, url, body: bytes, headers) -> tuple[aiohttp.ClientResponse, bytes]:
    async with client.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as r:
        return r, await r.read()


CASES = [
    ("anthropic", "/v1/messages?beta=true", anth_body, ANTH_HEADERS),
    ("openai_chat", "/v1/chat/completions", chat_body, OAI_HEADERS),
    ("openai_responses", "/v1/responses", responses_body, OAI_HEADERS),
]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("protocol,path,make_body,headers", CASES, ids=[c[0] for c in CASES])
async def test_two_turn_dialogue_relayed_byte_identical(fake, proxy, client, records, protocol, path, make_body,
                                                        headers, stream):
    for turn, tool_result in enumerate([False, True]):
        body = dumps(make_body(stream=stream, tool_result=tool_result))
        resp, data = await post(client, proxy.url + path, body, headers)
        assert resp.status == 200
        up = fake.requests[-1]
        # Request: the exact bytes, path and query, auth untouched, hop header added.
        assert up.raw == body
        assert up.path + ("?" + up.query if up.query else "") == path
        for k, v in headers.items():
            assert up.headers[k] == v
        assert up.headers["x-headroom-hop"] == "1"
        # Response: the exact bytes the provider sent.
        assert data == up.response
        assert ("text/event-stream" in resp.headers["Content-Type"]) == stream
        answer = data.decode()
        if tool_result:
            assert "Done: the listing" in answer or "Done: th" in answer
        else:
            assert ("tool_use" if protocol == "anthropic" else "call_") in answer
    assert len(fake.model_requests) == 2
    await settled(records, 2)
    assert [r.protocol for r in records] == [protocol, protocol]
    assert all(r.status == 200 and r.streamed == stream for r in records)


async def test_streaming_is_incremental_lockstep(client):
    """The provider sends event k+1 only after the client has seen event k through the proxy: a proxy
    that buffered would never deliver event k, and the wait below would fail."""
    async with FakeProvider(script=[Text("one two three four five six seven eight")], lockstep=True,
                            chunk_text=4) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url)) as proxy:
            async with client.post(proxy.url + "/v1/messages", data=dumps(anth_body()),
                                   headers=ANTH_HEADERS) as r:
                assert r.status == 200
                buf, seen = b"", 0
                while True:
                    chunk = await asyncio.wait_for(r.content.readany(), timeout=15)
                    if not chunk:
                        break
                    buf += chunk
                    while buf.count(b"\n\n") > seen:
                        seen += 1
                        # The client holds event `seen` and the provider has not sent one more.
                        assert fp.sent_events == seen
                        fp.release()
                assert seen > 10
                assert b"message_stop" in buf
                assert buf == fp.requests[-1].response


@pytest.mark.parametrize("upstream_suffix,path,expected", [
    ("", "/v1/chat/completions", "/v1/chat/completions"),
    ("/v1", "/v1/chat/completions", "/v1/chat/completions"),
    ("/v1/", "/v1/responses", "/v1/responses"),
    ("/backend-api/codex", "/v1/responses", "/backend-api/codex/responses"),
    ("/openrouter/api/v1", "/v1/chat/completions", "/openrouter/api/v1/chat/completions"),
])
async def test_openai_url_joining(fake, make_proxy, client, upstream_suffix, path, expected):
    proxy = make_proxy(openai_upstream=fake.url + upstream_suffix)
    resp, _ = await post(client, proxy.url + path + "?api-version=2", dumps(chat_body(stream=False)), OAI_HEADERS)
    assert resp.status == 200
    assert fake.requests[-1].path == expected
    assert fake.requests[-1].query == "api-version=2"


@pytest.mark.parametrize("upstream_suffix,expected", [
    ("", "/v1/messages"), ("/v1", "/v1/messages"), ("/gateway/anthropic", "/gateway/anthropic/v1/messages"),
])
async def test_anthropic_url_joining(fake, make_proxy, client, upstream_suffix, expected):
    proxy = make_proxy(anthropic_upstream=fake.url + upstream_suffix)
    resp, _ = await post(client, proxy.url + "/v1/messages?beta=true", dumps(anth_body(stream=False)), ANTH_HEADERS)
    assert resp.status == 200
    assert (fake.requests[-1].path, fake.requests[-1].query) == (expected, "beta=true")


async def test_auth_forwarded_and_never_logged(fake, proxy, client, caplog):
    caplog.set_level(logging.DEBUG)  # everything, aiohttp's own loggers included
    await post(client, proxy.url + "/v1/messages?beta=true", dumps(anth_body()), ANTH_HEADERS)
    await post(client, proxy.url + "/v1/responses", dumps(responses_body()),
               {**OAI_HEADERS, "Cookie": "session=SECRETCOOKIE"})
    await post(client, proxy.url + "/v1/some/other?key=SECRETQUERY", b"{}", OAI_HEADERS)
    assert fake.requests[0].headers["x-api-key"] == ANTH_KEY
    assert fake.requests[1].headers["Authorization"] == f"Bearer {OAI_KEY}"
    assert fake.requests[1].headers["Cookie"] == "session=SECRETCOOKIE"
    log_text = caplog.text
    assert "headroom.proxy" in log_text and "/v1/messages" in log_text  # debug logging was on
    for secret in ("SECRETKEY", "SECRETBEARER", "SECRETCOOKIE", "SECRETQUERY"):
        assert secret not in log_text


@pytest.mark.parametrize("encoding", ["gzip", "zstd"])
async def test_compressed_request_bodies(fake, proxy, client, records, monkeypatch, encoding):
    seen = []

    def spy(body, rctx):
        seen.append(body)
        return pipeline.Transformed(body=body)

    monkeypatch.setattr(pipeline, "transform_request", spy)
    plain = dumps(responses_body())
    packed = gzip.compress(plain) if encoding == "gzip" else zstandard.ZstdCompressor().compress(plain)
    resp, _ = await post(client, proxy.url + "/v1/responses", packed, {**OAI_HEADERS, "Content-Encoding": encoding})
    assert resp.status == 200
    assert seen == [plain]  # the pipeline sees the decoded JSON
    up = fake.requests[-1]
    assert up.raw == packed and up.headers["Content-Encoding"] == encoding  # unchanged → forwarded as sent
    assert up.json["model"] == "gpt-5-codex"

    # When the pipeline changes the body, it goes upstream uncompressed.
    new = dumps({**responses_body(), "model": "rewritten"})
    monkeypatch.setattr(pipeline, "transform_request", lambda b, r: pipeline.Transformed(body=new, changed=True))
    resp, _ = await post(client, proxy.url + "/v1/responses", packed, {**OAI_HEADERS, "Content-Encoding": encoding})
    assert resp.status == 200
    assert fake.requests[-1].raw == new and "Content-Encoding" not in fake.requests[-1].headers


async def test_corrupt_compressed_body_is_a_clear_400(fake, proxy, client):
    resp, data = await post(client, proxy.url + "/v1/messages", b"not gzip at all",
                            {**ANTH_HEADERS, "Content-Encoding": "gzip"})
    assert resp.status == 400
    assert json.loads(data)["error"]["type"] == "invalid_request_error"
    assert fake.requests == []


@pytest.mark.parametrize("status", [400, 401, 429, 500, 529])
async def test_upstream_errors_verbatim(client, status):
    raw = b'{"type":"error","error":{"type":"overloaded_error","message":"try later"}}  '
    async with FakeProvider(script=[Reply(status=status, raw=raw, content_type="application/json",
                                          headers={"retry-after": "7", "request-id": "req_123"})]) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url)) as proxy:
            resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
    assert resp.status == status
    assert data == raw
    assert resp.headers["retry-after"] == "7" and resp.headers["request-id"] == "req_123"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def test_connection_refused_is_a_provider_shaped_502(client, records):
    dead = f"http://127.0.0.1:{_closed_port()}"
    with ProxyServer(ProxySettings(anthropic_upstream=dead, openai_upstream=dead + "/v1",
                                   on_record=records.append)) as proxy:
        resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
        assert resp.status == 502
        doc = json.loads(data)
        assert doc["type"] == "error" and doc["error"]["type"] == "api_error"
        assert dead in doc["error"]["message"]
        resp, data = await post(client, proxy.url + "/v1/chat/completions", dumps(chat_body()), OAI_HEADERS)
        assert resp.status == 502
        doc = json.loads(data)
        assert dead in doc["error"]["message"] and doc["error"]["type"]
    assert [r.status for r in records] == [502, 502]
    assert "could not reach" in records[0].error


async def test_body_limit(fake, make_proxy, client):
    big = dumps({**anth_body(stream=False), "pad": "x" * (2 * 1024 * 1024)})
    proxy = make_proxy()  # default limit (64 MiB): a 2 MiB body passes (aiohttp's default would refuse it)
    resp, _ = await post(client, proxy.url + "/v1/messages", big, ANTH_HEADERS)
    assert resp.status == 200 and fake.requests[-1].raw == big

    small = make_proxy(max_body_bytes=1024 * 1024)
    resp, data = await post(client, small.url + "/v1/messages", big, ANTH_HEADERS)
    assert resp.status == 413
    doc = json.loads(data)
    assert doc["error"]["type"] == "request_too_large" and str(1024 * 1024) in doc["error"]["message"]
    assert len(fake.requests) == 1

    # A small compressed body that inflates beyond the limit is refused too.
    bomb = gzip.compress(big)
    resp, _ = await post(client, small.url + "/v1/messages", bomb, {**ANTH_HEADERS, "Content-Encoding": "gzip"})
    assert resp.status == 413


def _rewriter(calls):
    def rewrite(body, rctx):
        calls.append(rctx)
        return pipeline.Transformed(body=b'{"rewritten":true}', changed=True, tokens_before=100, tokens_after=40)
    return rewrite


async def test_bypass_header_skips_pipeline(fake, proxy, client, records, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "transform_request", _rewriter(calls))
    body = dumps(anth_body(stream=False))
    await post(client, proxy.url + "/v1/messages", body, {**ANTH_HEADERS, "x-headroom-bypass": "1"})
    assert calls == [] and fake.requests[-1].raw == body
    assert "x-headroom-bypass" not in fake.requests[-1].headers
    await post(client, proxy.url + "/v1/messages", body, ANTH_HEADERS)
    assert len(calls) == 1 and fake.requests[-1].raw == b'{"rewritten":true}'
    assert calls[0].protocol == "anthropic" and calls[0].path == "/v1/messages"
    await settled(records, 2)
    assert (records[-1].tokens_before, records[-1].tokens_after) == (100, 40)
    # count_tokens is compressed the same way (its count must match what is sent) but not billed,
    # so it reports no savings.
    await post(client, proxy.url + "/v1/messages/count_tokens", body, ANTH_HEADERS)
    assert len(calls) == 2 and fake.requests[-1].raw == b'{"rewritten":true}'
    await settled(records, 3)
    assert (records[-1].path, records[-1].tokens_before, records[-1].tokens_after) == ("/v1/messages/count_tokens", 0, 0)


async def test_hop_header_loop_guard(fake, proxy, client, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "transform_request", _rewriter(calls))
    body = dumps(anth_body(stream=False))
    resp, _ = await post(client, proxy.url + "/v1/messages", body, {**ANTH_HEADERS, "x-headroom-hop": "1"})
    assert resp.status == 200
    assert calls == [] and fake.requests[-1].raw == body  # already processed by a headroom: untouched
    assert fake.requests[-1].headers["x-headroom-hop"] == "2"
    resp, data = await post(client, proxy.url + "/v1/messages", body, {**ANTH_HEADERS, "x-headroom-hop": "8"})
    assert resp.status == 508 and "loop" in json.loads(data)["error"]["message"]
    assert len(fake.requests) == 1


async def test_proxy_chained_to_itself_stops(client):
    """An upstream that is the proxy itself: the hop counter ends the loop with a clear 508."""
    from headroom_cli.proxy.runner import bind_socket

    sock = bind_socket()
    me = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with ProxyServer(ProxySettings(anthropic_upstream=me), sock) as proxy:
        resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
    assert resp.status == 508


async def test_catch_all_passthrough(fake, make_proxy, client):
    proxy = make_proxy(anthropic_upstream=fake.url + "/anth", openai_upstream=fake.url + "/oai/v1")
    async with client.get(proxy.url + "/v1/files?limit=2&order=asc", headers=OAI_HEADERS) as r:
        assert r.status == 200
        assert json.loads(await r.read())["path"] == "/oai/v1/files"
    assert fake.requests[-1].query == "limit=2&order=asc" and fake.requests[-1].method == "GET"
    async with client.delete(proxy.url + "/v1/files/f1", headers=OAI_HEADERS) as r:
        assert r.status == 200
    assert (fake.requests[-1].method, fake.requests[-1].path) == ("DELETE", "/oai/v1/files/f1")
    # Anthropic headers route an unknown path to the Anthropic upstream.
    async with client.head(proxy.url + "/api/hello", headers={"x-api-key": ANTH_KEY}) as r:
        assert r.status == 200
    assert (fake.requests[-1].method, fake.requests[-1].path) == ("HEAD", "/anth/api/hello")
    # GET on a model route falls through to the passthrough too.
    async with client.get(proxy.url + "/v1/messages/batches", headers=ANTH_HEADERS) as r:
        assert r.status == 200
    assert fake.requests[-1].path == "/anth/v1/messages/batches"


async def test_count_tokens_and_models(fake, proxy, client):
    body = dumps(anth_body(stream=False))
    resp, data = await post(client, proxy.url + "/v1/messages/count_tokens?beta=true", body, ANTH_HEADERS)
    assert resp.status == 200 and json.loads(data) == {"input_tokens": len(body) // 4}
    assert (fake.requests[-1].path, fake.requests[-1].query) == ("/v1/messages/count_tokens", "beta=true")
    async with client.get(proxy.url + "/v1/models", headers=OAI_HEADERS) as r:
        assert json.loads(await r.read())["data"][0]["id"] == "gpt-fake-1"
    async with client.get(proxy.url + "/v1/models", headers=ANTH_HEADERS) as r:
        assert json.loads(await r.read())["data"][0]["id"] == "claude-fake-1"


async def test_gzip_upstream_response_is_relayed_decoded(client):
    doc = {"id": "resp_1", "object": "response", "output": [], "usage": {"input_tokens": 5, "output_tokens": 1}}
    async with FakeProvider(script=[Reply(json=doc, gzip=True)]) as fp:
        with ProxyServer(ProxySettings(openai_upstream=fp.url + "/v1")) as proxy:
            resp, data = await post(client, proxy.url + "/v1/responses", dumps(responses_body(stream=False)),
                                    OAI_HEADERS)
    assert resp.status == 200
    assert "Content-Encoding" not in resp.headers
    assert json.loads(data) == doc
    assert int(resp.headers["Content-Length"]) == len(data)


@pytest.mark.parametrize("protocol,path,make_body,headers", CASES, ids=[c[0] for c in CASES])
async def test_on_record_receives_usage(client, protocol, path, make_body, headers):
    usage = {"input": 900, "cache_read": 5000, "cache_write": 300, "output": 77}
    recs = []
    async with FakeProvider(script=[Text("hello there", usage=usage)]) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url, openai_upstream=fp.url + "/v1",
                                       session_id="sess-1", agent="claude", on_record=recs.append)) as proxy:
            resp, _ = await post(client, proxy.url + path, dumps(make_body(stream=True)), headers)
            assert resp.status == 200
            await settled(recs, 1)
            async with client.get(proxy.url + "/stats", headers=bearer(proxy)) as r:
                stats = json.loads(await r.read())
    (rec,) = recs
    assert (rec.session_id, rec.agent, rec.protocol, rec.status, rec.streamed) == ("sess-1", "claude", protocol,
                                                                                   200, True)
    assert rec.model == make_body()["model"]
    assert rec.usage.input_tokens == 900 and rec.usage.cache_read_tokens == 5000
    assert rec.usage.output_tokens == 77
    assert rec.usage.cache_write_tokens == (300 if protocol == "anthropic" else 0)
    assert rec.duration_ms >= rec.latency_added_ms >= 0
    assert stats["requests"] == 1 and stats["usage"]["output_tokens"] == 77 and stats["session_id"] == "sess-1"


async def test_on_record_exceptions_are_swallowed(fake, make_proxy, client):
    def boom(rec):
        raise RuntimeError("ledger broken")

    proxy = make_proxy(on_record=boom)
    resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
    assert resp.status == 200 and data == fake.requests[-1].response


async def test_pipeline_failure_fails_open(fake, proxy, client, records, monkeypatch):
    def broken(body, rctx):
        raise ValueError("engine bug")

    monkeypatch.setattr(pipeline, "transform_request", broken)
    body = dumps(anth_body())
    resp, _ = await post(client, proxy.url + "/v1/messages", body, ANTH_HEADERS)
    assert resp.status == 200 and fake.requests[-1].raw == body
    await settled(records, 1)
    assert "engine bug" in records[-1].error
    async with client.get(proxy.url + "/stats", headers=bearer(proxy)) as r:
        assert json.loads(await r.read())["failopen"] == 1


async def test_a_body_nested_too_deep_to_parse_is_a_pass_through_not_a_failure(fake, proxy, client, records):
    """A body the parser cannot take (nesting deeper than the interpreter's recursion: json raises RecursionError,
    not ValueError) is not ours to judge, like any body that is not JSON: forwarded as the client's own bytes, and
    its row is a plain pass-through, not a compression failure (no error, not counted as fail-open)."""
    deep = b"[" * 100_000 + b"]" * 100_000
    body = b'{"model": "claude-sonnet-x", "max_tokens": 10, "metadata": ' + deep + b', "messages": []}'
    resp, _ = await post(client, proxy.url + "/v1/messages", body, ANTH_HEADERS)
    assert resp.status == 200 and fake.requests[-1].raw == body
    await settled(records, 1)
    assert (records[-1].status, records[-1].error, records[-1].outcome) == (200, "", "")
    async with client.get(proxy.url + "/stats", headers=bearer(proxy)) as r:
        assert json.loads(await r.read())["failopen"] == 0


async def test_a_tool_result_nested_too_deep_to_parse_is_forwarded_without_an_error(fake, proxy, client, records):
    """The same inside a tool result: a deeply nested JSON text is not compressible, not a compressor failure."""
    doc = anth_body(stream=False, tool_result=True)
    doc["messages"][-1]["content"][0]["content"] = "[" * 50_000 + "]" * 50_000
    body = dumps(doc)
    resp, _ = await post(client, proxy.url + "/v1/messages", body, ANTH_HEADERS)
    assert resp.status == 200 and fake.requests[-1].raw == body
    await settled(records, 1)
    assert (records[-1].error, records[-1].outcome) == ("", "")


async def test_websocket_on_responses_is_declined(fake, proxy):
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.WSServerHandshakeError) as ei:
            await s.ws_connect(proxy.url + "/v1/responses", headers=OAI_HEADERS)
    assert ei.value.status == 426
    assert fake.requests == []


async def test_stats_is_local_only(fake, proxy, client):
    async with client.get(proxy.url + "/healthz") as r:
        assert r.status == 200 and json.loads(await r.read())["ok"] is True
    async with client.get(proxy.url + "/stats", headers={"Origin": f"http://127.0.0.1:{proxy.port}", **bearer(proxy)}) as r:
        assert r.status == 200
    async with client.get(proxy.url + "/stats", headers={"Origin": "https://evil.example", **bearer(proxy)}) as r:
        assert r.status == 403
    async with client.get(proxy.url + "/stats", headers={"Host": "rebound.evil.example", **bearer(proxy)}) as r:
        assert r.status == 403
    assert fake.requests == []


async def test_client_disconnect_mid_stream_keeps_proxy_serving(client, records):
    async with FakeProvider(script=[Text("x" * 400), Text("second")], lockstep=True, chunk_text=2) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url, on_record=records.append)) as proxy:
            r = await client.post(proxy.url + "/v1/messages", data=dumps(anth_body()), headers=ANTH_HEADERS)
            await asyncio.wait_for(r.content.readany(), 15)
            r.close()  # client gives up mid-stream
            fp.release(1000)
            fp.lockstep, fp.chunk_text = False, 100
            resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
            assert resp.status == 200 and b"second" in data


async def test_unknown_request_encoding_is_forwarded_untouched(fake, proxy, client, records):
    body = b"\x8b\x00opaque-brotli-bytes"
    resp, _ = await post(client, proxy.url + "/v1/messages", body, {**ANTH_HEADERS, "Content-Encoding": "compress"})
    assert resp.status == 200
    assert fake.requests[-1].raw == body and fake.requests[-1].headers["Content-Encoding"] == "compress"
    await settled(records, 1)
    assert "compress" in records[-1].error


async def test_retrieve_route_serves_stored_originals(proxy, client):
    store = pytest.importorskip("headroom_cli.ccr.store")
    original = "line 1\nline 2 — the exact original\n"
    key = store.default_store().put(original)
    async with client.get(proxy.url + f"/v1/retrieve/{key}", headers=bearer(proxy)) as r:
        assert r.status == 200 and (await r.read()).decode() == original
    async with client.get(proxy.url + f"/v1/retrieve/{key}", headers={"Accept": "application/json", **bearer(proxy)}) as r:
        assert json.loads(await r.read()) == {"key": key, "text": original}
    async with client.get(proxy.url + "/v1/retrieve/doesnotexist", headers=bearer(proxy)) as r:
        assert r.status == 404 and "doesnotexist" in json.loads(await r.read())["error"]
    async with client.get(proxy.url + f"/v1/retrieve/{key}", headers={"Origin": "http://evil.example", **bearer(proxy)}) as r:
        assert r.status == 403


async def test_connection_refused_message_is_plain(client):
    dead = f"http://127.0.0.1:{_closed_port()}"
    with ProxyServer(ProxySettings(openai_upstream=dead + "/v1")) as proxy:
        resp, data = await post(client, proxy.url + "/v1/responses", dumps(responses_body()), OAI_HEADERS)
    assert resp.status == 502
    assert "connection refused" in json.loads(data)["error"]["message"]


async def test_long_headers_pass(fake, proxy, client):
    beta = ",".join(f"feature-{i}-2026-01-01" for i in range(1200))  # ~30 KB, above aiohttp's 8 KB default
    resp, _ = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), {**ANTH_HEADERS, "anthropic-beta": beta})
    assert resp.status == 200 and fake.requests[-1].headers["anthropic-beta"] == beta


async def test_stop_lets_an_inflight_stream_finish(client):
    async with FakeProvider(script=[Text("alpha beta gamma delta")], lockstep=True, chunk_text=5) as fp:
        proxy = ProxyServer(ProxySettings(anthropic_upstream=fp.url)).start().wait_ready(20)
        r = await client.post(proxy.url + "/v1/messages", data=dumps(anth_body()), headers=ANTH_HEADERS)
        buf = await asyncio.wait_for(r.content.readany(), 15)
        stopping = asyncio.get_running_loop().run_in_executor(None, proxy.stop, 10.0)
        fp.release(1000)  # the rest of the answer arrives while the proxy is stopping
        while True:
            chunk = await asyncio.wait_for(r.content.readany(), 15)
            if not chunk:
                break
            buf += chunk
        await asyncio.wait_for(stopping, 30)
        assert buf == fp.requests[-1].response and b"message_stop" in buf
        assert not proxy.running


async def test_bodies_above_compress_max_pass_through(fake, make_proxy, client, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "transform_request", _rewriter(calls))
    proxy = make_proxy(compress_max_bytes=4096)
    small, big = dumps(anth_body()), dumps({**anth_body(), "pad": "y" * 8192})
    await post(client, proxy.url + "/v1/messages", big, ANTH_HEADERS)
    assert calls == [] and fake.requests[-1].raw == big
    await post(client, proxy.url + "/v1/messages", small, ANTH_HEADERS)
    assert len(calls) == 1 and fake.requests[-1].raw == b'{"rewritten":true}'


async def test_chunked_request_body(fake, proxy, client):
    body = dumps(chat_body())

    async def gen():
        for i in range(0, len(body), 7):
            yield body[i:i + 7]

    async with client.post(proxy.url + "/v1/chat/completions", data=gen(), headers=OAI_HEADERS) as r:
        assert r.status == 200
        assert await r.read() == fake.requests[-1].response
    assert fake.requests[-1].raw == body


async def test_concurrent_streams_do_not_mix(fake, proxy, client):
    async def one(i: int) -> tuple[bytes, str]:
        b = anth_body(model=f"claude-{i}")
        async with client.post(proxy.url + "/v1/messages", data=dumps(b), headers=ANTH_HEADERS) as r:
            return await r.read(), f"claude-{i}"

    results = await asyncio.gather(*(one(i) for i in range(16)))
    sent = {r.json["model"]: r.response for r in fake.requests}
    assert len(sent) == 16
    for data, model in results:
        assert data == sent[model] and f'"model":"{model}"'.encode() in data


async def test_upstream_breaking_mid_stream_is_not_a_clean_end(client, records):
    events = [("message_start", {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 5}}}),
              ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": "partial"}}),
              ("message_stop", {"type": "message_stop"})]
    async with FakeProvider(script=[Reply(events=events, abort_after=2), Text("next")]) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url, on_record=records.append)) as proxy:
            async with client.post(proxy.url + "/v1/messages", data=dumps(anth_body()), headers=ANTH_HEADERS) as r:
                assert r.status == 200
                with pytest.raises(aiohttp.ClientPayloadError):
                    await r.read()
            resp, data = await post(client, proxy.url + "/v1/messages", dumps(anth_body()), ANTH_HEADERS)
            assert resp.status == 200 and data == fp.requests[-1].response  # the proxy still serves
    assert "broke off" in records[0].error
