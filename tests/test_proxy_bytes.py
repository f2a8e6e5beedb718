"""What reaches the upstream, byte for byte (issue 15 items 1, 3, 4): always valid UTF-8 JSON, always the
configured host, and every byte outside the changed spans as the client sent it."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from headroom_cli.ccr.splice import make_splicer
from headroom_cli.proxy import pipeline
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

from test_proxy_compression import LOG, PATHS, request_with_tool_result, tool_result_text

# A lone surrogate, escaped: legal JSON (RFC 8259 §8.2 leaves its meaning open), so clients do send it
# (a JS string cut in the middle of an emoji, JSON.stringify'd).
LONE = '"\\ud800 cut emoji \\udfff"'


def strict_utf8(raw: bytes) -> str:
    return raw.decode("utf-8")  # raises on ED A0 80 and friends


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


# -- item 3: the upstream host is the configured one ------------------------------------------------
HOSTILE_PATHS = ["t://a/v1/messages", "x.evil.example://a/v1/messages", "http://evil.example/v1/messages",
                 "@evil.example/v1/messages", ":1/v1/messages", ".evil.example/v1/messages", "v1/messages", "",
                 "?x=1", "#x", "\\\\evil.example/x"]


@pytest.mark.parametrize("base", ["https://api.anthropic.com", "http://localhos", "https://api.openai.com/v1",
                                  "http://127.0.0.1:8080", "https://gw.example/prefix"])
@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_join_url_refuses_what_is_not_a_path(base, path):
    from headroom_cli.proxy import upstream

    with pytest.raises(ValueError):
        upstream.join_url(base, path, provider=upstream.ANTHROPIC)


def _authority(url: str):
    import yarl
    from urllib.parse import urlsplit

    u, y = urlsplit(url), yarl.URL(url)  # the stdlib's reading and aiohttp's own
    return (u.scheme, u.hostname, u.port), (y.scheme, y.host, y.explicit_port)


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


@hsettings(max_examples=300, deadline=None)
@given(base=st.sampled_from(["https://api.anthropic.com", "http://localhos", "https://api.openai.com/v1",
                             "http://127.0.0.1:8080", "https://gw.example/prefix/"]),
       path=st.text(alphabet=st.sampled_from(list("/\\@:.?#%a1v")) | st.characters(codec="utf-8"), max_size=30),
       query=st.text(alphabet=st.sampled_from(list("/@:?#&=a")), max_size=8),
       provider=st.sampled_from(["anthropic", "openai"]))
def test_join_url_keeps_scheme_host_and_port_whatever_the_path(base, path, query, provider):
    from headroom_cli.proxy import upstream

    try:
        url = upstream.join_url(base, "/" + path, query, provider=provider)
    except ValueError:
        return  # refused: nothing is sent
    assert _authority(url) == _authority(base)


async def _raw_request(port: int, target: str, body: bytes = b'{"model":"m","messages":[]}') -> tuple[int, bytes]:
    rd, wr = await asyncio.open_connection("127.0.0.1", port)
    wr.write(f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nx-api-key: sk-secret\r\n"
             f"anthropic-version: 2023-06-01\r\nContent-Type: application/json\r\n"
             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    await wr.drain()
    data = await asyncio.wait_for(rd.read(), 20)
    wr.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), rest


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.mark.parametrize("target, upstream_path", [
    ("t://a/v1/messages", "/v1/messages"),
    ("http://evil.example/v1/messages?beta=true", "/v1/messages"),
    ("http://evil.example:9/v1/chat/completions", "/v1/chat/completions"),
    ("//evil.example/v1/models", "//evil.example/v1/models"),  # origin-form: a path, however odd
])
async def test_absolute_form_targets_go_to_the_configured_upstream(target, upstream_path, proxy_for):
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, retrieval="off")
        status, body = await _raw_request(_port(p.url), target)
        assert [r.path for r in fake.requests] == [upstream_path], (status, body)
        if "?" in target:
            assert fake.requests[0].query == "beta=true"


async def test_absolute_form_cannot_extend_the_upstream_host(proxy_for):
    """The issue's case: upstream `http://localhos` + `t://a/v1/messages` sent the request (and its
    x-api-key) to localhost:80. A listener there records what arrives, when this machine lets us bind it."""
    import socket

    decoy = socket.socket()
    decoy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        decoy.bind(("127.0.0.1", 80))
    except OSError:
        decoy.close()
        pytest.skip("cannot listen on localhost:80 here")
    decoy.listen(8)
    decoy.setblocking(False)
    try:
        with FakeProvider().in_thread() as fake:
            p = proxy_for(fake, anthropic_upstream="http://localhos", retrieval="off")
            request = asyncio.ensure_future(_raw_request(_port(p.url), "t://a/v1/messages"))
            arrived = False
            while not request.done() and not arrived:  # the decoy never answers: watch it while waiting
                await asyncio.sleep(0.05)
                try:
                    decoy.accept()[0].close()
                    arrived = True
                except BlockingIOError:
                    pass
            if arrived:
                request.cancel()
            assert not arrived, "the request went to localhost:80"
            status, body = await request
            assert status == 502 and json.loads(body)["type"] == "error"  # localhos does not resolve
    finally:
        decoy.close()


# -- item 4: every byte outside the changed spans is the client's ---------------------------------
import random  # noqa: E402

from test_jsonspan import skeletons, spell  # noqa: E402
from test_properties import build_request  # noqa: E402

MODES = {"inject": {}, "mcp": {"retrieval": "mcp", "marker_tool": "mcp__headroom__headroom_retrieve"},
         "off": {"retrieval": "off"}, "no-compress": {"no_compress": True},
         "reduce-output": {"reduce_output": True, "output_level": 3}}


def transform(raw: bytes, protocol: str, **settings) -> pipeline.Transformed:
    rctx = pipeline.RequestContext(protocol=protocol, path=PATHS[protocol], settings=ProxySettings(**settings))
    return pipeline.transform_request(raw, rctx)


def compressible(protocol: str) -> dict:
    return request_with_tool_result(protocol, False)


def odd_bytes(protocol: str) -> bytes:
    """A compressible request as a client may spell it: spaces, escapes, number spellings, a huge exponent."""
    raw = json.dumps(compressible(protocol), indent=1).encode()
    return raw.replace(b'"model": "', b'"temperature": 0.50, "top_p": 1E0, "seed": 1e400, "n_": -0,\n "model": "\\u0067', 1)


@pytest.mark.parametrize("protocol", list(PATHS))
def test_untouched_bytes_stay_and_huge_exponents_are_not_infinity(protocol):
    raw = odd_bytes(protocol)
    out = transform(raw, protocol)
    assert out.changed and out.keys
    assert b'"temperature": 0.50, "top_p": 1E0, "seed": 1e400, "n_": -0,\n "model": "\\u0067' in out.body
    assert b"Infinity" not in out.body
    jsonspan_loads = __import__("headroom_cli.jsonspan", fromlist=["loads"]).loads
    jsonspan_loads(strict_utf8(out.body))  # strict JSON: no NaN/Infinity


@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_bodies_that_are_not_strict_json_are_forwarded_untouched(protocol, constant):
    raw = json.dumps(compressible(protocol)).encode().replace(b'"model": "', b'"temperature": ' + constant + b', "model": "', 1)
    out = transform(raw, protocol)
    assert out.body == raw and not out.changed and not out.keys


@pytest.mark.parametrize("protocol", list(PATHS))
def test_duplicate_keys_are_kept_off_the_change_and_refused_on_it(protocol):
    body = compressible(protocol)
    raw = json.dumps(body).encode().replace(b'"model": "', b'"metadata": {"a": 1, "a": 2}, "model": "', 1)
    out = transform(raw, protocol)
    assert out.changed and b'"metadata": {"a": 1, "a": 2}' in out.body  # not collapsed
    # a duplicate on the way to the change: which one would the provider read? Not ours to guess.
    key = b'"output"' if protocol == "openai_responses" else b'"content"'
    root_dup = json.dumps(body).encode().replace(b'"stream": false', b'"stream": false, "stream": false', 1)
    block_dup = json.dumps(body).encode().replace(key + b': "2026', key + b': "first", ' + key + b': "2026', 1)
    assert block_dup.count(b'"first"') == 1
    for dup in (root_dup, block_dup):
        out = transform(dup, protocol)
        assert out.body == dup and not out.changed and "forwarded untouched" in out.error


def test_bodies_that_are_not_utf8_are_forwarded_untouched():
    base = json.dumps(compressible("anthropic")).encode()
    for raw in (b"\xef\xbb\xbf" + base, base.decode().encode("utf-16"), base.replace(b"why", b"wh\xed\xa0\x80y", 1)):
        out = transform(raw, "anthropic")
        assert out.body == raw and not out.changed


def _kinds_compressed(out: pipeline.Transformed) -> bool:
    return bool(out.compressors)


step = st.tuples(st.sampled_from(["log", "json", "search", "diff", "build", "code", "table", "text", "small", "small"]),
                 st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(["", "", "crlf", "unicode"]))


def test_every_mode_changes_only_the_changed_spans(monkeypatch):
    """Generated requests of all three wires, spelled oddly, through the pipeline in every mode: nothing to
    compress -> the same bytes (inject: plus the appended tool only); compressed -> different only inside
    the changed values; and the result is the value today's re-serialisation gives (json.loads equal)."""
    seen = {"compressed": 0, "untouched": 0, "examples": 0}

    @hsettings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(protocol=st.sampled_from(list(PATHS)), steps=st.lists(step, min_size=1, max_size=3),
           noise=st.booleans(), seed=st.integers(0, 2**32), mode=st.sampled_from(list(MODES)))
    def one(protocol, steps, noise, seed, mode):
        seen["examples"] += 1
        body = build_request(protocol, steps, noise)
        text = spell(body, random.Random(seed))
        raw = jsonspan_encode(text)
        out = transform(raw, protocol, **MODES[mode])
        with monkeypatch.context() as m:  # today's output: the whole new body re-dumped
            captured = {}
            m.setattr(pipeline, "serialise", lambda b, d, n, t=None: captured.setdefault("new", n) and pipeline.dumps(n))
            today = transform(raw, protocol, **MODES[mode])
        if not out.changed:
            assert out.body == raw and not today.changed
            seen["untouched"] += 1
            return
        assert json.loads(out.body) == json.loads(today.body) == captured["new"]
        old = json.loads(raw)
        s0, s1 = skeletons(old, captured["new"], text, strict_utf8(out.body))
        assert s0 == s1
        if out.compressors:
            seen["compressed"] += 1
        elif mode == "inject":  # nothing compressed: the appended tool is the only difference
            assert json.loads(out.body) == {**old, "tools": [*old.get("tools", []), captured["new"]["tools"][-1]]}

    one()
    assert seen["compressed"] >= 8 and seen["untouched"] >= 3, seen


@pytest.mark.parametrize("protocol", list(PATHS))
async def test_what_the_upstream_receives_in_every_mode(protocol, proxy_for):
    """Through the in-process proxy: a body with nothing to compress arrives byte-identical in every mode
    (inject: the appended tool aside), a compressible one differs only inside the changed values."""
    small = spell(request_with_tool_result(protocol, False, output="ok\n"), random.Random(1))
    big = spell(request_with_tool_result(protocol, False), random.Random(2))
    modes = {**{k: v for k, v in MODES.items() if k != "reduce-output"}, "bypass": {}}
    with FakeProvider().in_thread() as fake:
        for mode, kw in modes.items():
            p = proxy_for(fake, **kw)
            headers = {"x-headroom-bypass": "1"} if mode == "bypass" else {}
            for text in (small, big):
                raw = jsonspan_encode(text)
                status, _ = await post_raw(p.url + PATHS[protocol], raw, headers)
                assert status == 200
                got = fake.model_requests[-1].raw
                if mode in ("bypass", "no-compress") or (text is small and mode != "inject"):
                    assert got == raw, mode
                    continue
                s0, s1 = skeletons(json.loads(raw), json.loads(got), text, strict_utf8(got))
                assert s0 == s1, mode
                if text is small:  # inject, nothing compressed: only the tool was added
                    assert json.loads(got)["tools"][:-1] == json.loads(raw).get("tools", [])


def jsonspan_encode(text: str) -> bytes:
    from headroom_cli.jsonspan import encode

    return encode(text)


from hypothesis import HealthCheck  # noqa: E402


@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("stream", [False, True])
async def test_retrieval_continuations_keep_the_clients_bytes(protocol, stream, proxy_for):
    """A continuation is the forwarded body plus the answered call: spliced into the bytes sent, so a
    1e400 the client wrote never goes upstream as Infinity, and the conversation keeps its spelling."""
    raw = json.dumps(request_with_tool_result(protocol, stream)).encode()
    raw = raw.replace(b'"model": "', b'"seed": 1e400, "temperature": 0.50, "model": "', 1)
    with FakeProvider(retrieving_script(protocol)).in_thread() as fake:
        p = proxy_for(fake)
        status, data = await post_raw(p.url + PATHS[protocol], raw)
        assert status == 200, data
        first, second = fake.model_requests
        for r in (first, second):
            assert b'"seed": 1e400, "temperature": 0.50, "model": "' in r.raw and b"Infinity" not in r.raw
        s0, s1 = skeletons(json.loads(first.raw), json.loads(second.raw), first.raw.decode(), second.raw.decode())
        assert s0 == s1  # the continuation differs from the first request only where it adds the round
