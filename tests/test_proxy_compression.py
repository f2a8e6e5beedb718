"""Compression in the proxy (issue 4): compressed upstream, cache safety over a long session,
proxy-side retrieval with streaming kept, fail-open on unusual requests."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from headroom_cli.ccr.store import default_store
from headroom_cli.compress.markers import find_keys
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

from fakes.agent_session import session
from fakes.prompt_cache import PromptCache, render

LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\n"
PATHS = {"anthropic": "/v1/messages", "openai_chat": "/v1/chat/completions", "openai_responses": "/v1/responses"}


def request_with_tool_result(protocol: str, stream: bool, output: str = LOG) -> dict:
    if protocol == "anthropic":
        return {"model": "claude-x", "max_tokens": 100, "stream": stream, "messages": [
            {"role": "user", "content": "why did batch 777 fail?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                               "input": {"command": "cat worker.log"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": output}]}]}
    if protocol == "openai_chat":
        return {"model": "gpt-x", "stream": stream, "messages": [
            {"role": "user", "content": "why did batch 777 fail?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{\"command\":\"cat worker.log\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": output}]}
    return {"model": "gpt-x", "stream": stream, "input": [
        {"role": "user", "content": "why did batch 777 fail?"},
        {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{\"command\":\"cat worker.log\"}"},
        {"type": "function_call_output", "call_id": "c1", "output": output}]}


def tool_result_text(protocol: str, body: dict) -> str:
    if protocol == "anthropic":
        for m in body["messages"]:
            if isinstance(m["content"], list):
                for b in m["content"]:
                    if b.get("type") == "tool_result":
                        return b["content"] if isinstance(b["content"], str) else b["content"][0]["text"]
    if protocol == "openai_chat":
        return next(m["content"] for m in body["messages"] if m["role"] == "tool")
    return next(i["output"] for i in body["input"] if i.get("type") == "function_call_output")


async def post(url: str, body, *, headers=None, raw: bytes | None = None):
    async with aiohttp.ClientSession() as c:
        data = raw if raw is not None else json.dumps(body).encode()
        async with c.post(url, data=data, headers={"content-type": "application/json", **(headers or {})}) as r:
            return r.status, await r.read()


def streamed_text(evs: list[dict]) -> str:
    """The text a client assembles from the deltas of any of the three protocols."""
    out = []
    for e in evs:
        if e.get("type") == "content_block_delta":
            out.append(e["delta"].get("text", ""))
        elif e.get("type") == "response.output_text.delta":
            out.append(e.get("delta", ""))
        elif e.get("choices"):
            out.append(e["choices"][0].get("delta", {}).get("content") or "")
    return "".join(out)


def sse_events(data: bytes) -> list[dict]:
    out = []
    for line in data.decode().splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            out.append(json.loads(line[5:]))
    return out


@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("stream", [False, True])
async def test_upstream_gets_compressed_tool_result_client_answer_unchanged(protocol, stream, proxy_for):
    with FakeProvider().in_thread() as fake:
        proxy = proxy_for(fake, retrieval="mcp", marker_tool="mcp__headroom__headroom_retrieve")
        status, data = await post(proxy.url + PATHS[protocol], request_with_tool_result(protocol, stream))
        assert status == 200
        up = fake.model_requests[-1]
        sent = tool_result_text(protocol, up.json)
        assert len(sent) < len(LOG) / 3
        assert "ERROR worker-2 batch 777 failed" in sent  # the needle survives verbatim
        keys = find_keys(sent)
        assert keys and "mcp__headroom__headroom_retrieve" in sent
        assert default_store().get(keys[0]) == LOG  # the original is one retrieval away
        # MCP mode: no tool injected
        assert "headroom_retrieve" not in json.dumps(up.json.get("tools") or [])
        # the client's answer is exactly what the provider sent
        assert data == up.response


async def test_bypass_and_no_compress_forward_original_bytes(proxy_for):
    body = json.dumps(request_with_tool_result("anthropic", False)).encode()
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake)
        await post(p.url + "/v1/messages", None, raw=body, headers={"x-headroom-bypass": "1"})
        assert fake.model_requests[-1].raw == body
        p2 = proxy_for(fake, no_compress=True)
        await post(p2.url + "/v1/messages", None, raw=body)
        assert fake.model_requests[-1].raw == body


@pytest.mark.parametrize("raw", [
    b'{"model": "x", "messages": [',  # invalid JSON
    json.dumps({"model": "x", "messages": [{"role": "assistant", "content": [
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"q": "x"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA" * 5000}}]}]}).encode(),
    json.dumps([1, 2, 3]).encode(),
])
async def test_unusual_requests_pass_through_untouched(raw, proxy_for):
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, retrieval="mcp")
        await post(p.url + "/v1/messages", None, raw=raw)
        assert fake.requests[-1].raw == raw


async def test_huge_body_passes_uncompressed_below_hard_limit(proxy_for):
    body = request_with_tool_result("anthropic", False, output=LOG * 40)
    raw = json.dumps(body).encode()
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, retrieval="mcp", compress_max_bytes=len(raw) - 1)
        status, _ = await post(p.url + "/v1/messages", None, raw=raw)
        assert status == 200 and fake.model_requests[-1].raw == raw


# -- proxy-side retrieval (injected tool) ----------------------------------------------------------

def retrieving_script(protocol: str, seen: list):
    """First answer: call headroom_retrieve with the key found in the request; then a final text."""
    def script(req):
        seen.append(req.json)
        if last_is_tool_result(protocol, req.json) and len(seen) >= 2:
            return Text("The original shows batch 777 failed with a peer reset.")
        key = find_keys(tool_result_text(protocol, req.json))[0]
        return [Text("Let me fetch the full log."), ToolCall("headroom_retrieve", {"key": key})]
    return script


@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("stream", [True, False])
async def test_injected_retrieval_answered_by_proxy(protocol, stream, proxy_for):
    seen: list = []
    with FakeProvider(retrieving_script(protocol, seen)).in_thread() as fake:
        p = proxy_for(fake)  # default: inject
        status, data = await post(p.url + PATHS[protocol], request_with_tool_result(protocol, stream))
        assert status == 200
        first, second = fake.model_requests
        # the tool was injected, with the same bytes on both upstream calls
        tools1 = [t for t in first.json["tools"] if "headroom_retrieve" in json.dumps(t)]
        assert len(tools1) == 1 and tools1 == [t for t in second.json["tools"] if "headroom_retrieve" in json.dumps(t)]
        # the continuation answered the call with the byte-exact original
        assert tool_result_text(protocol, {**second.json, "messages": second.json.get("messages", [])[-1:],
                                           "input": second.json.get("input", [])[-1:]}) == LOG
        # the client sees one answer: the final text, and never the retrieve call
        text = data.decode()
        assert "headroom_retrieve" not in text
        if stream:
            joined = streamed_text(sse_events(data))
            assert joined == "Let me fetch the full log.The original shows batch 777 failed with a peer reset."
        else:
            assert "peer reset" in text and "fetch the full log" in text


async def test_retrieval_splice_is_incremental_lockstep(proxy_for):
    """Every event reaches the client before the provider sends the next one — across the
    continuation too (lockstep provider, no timing)."""
    seen: list = []
    fake = FakeProvider(retrieving_script("anthropic", seen), lockstep=True)
    with fake.in_thread():
        p = proxy_for(fake)
        async with aiohttp.ClientSession() as c:
            async with c.post(p.url + "/v1/messages", json=request_with_tool_result("anthropic", True)) as r:
                assert r.status == 200
                got = bytearray()
                texts = []
                fake.release()
                while True:
                    try:
                        chunk = await asyncio.wait_for(r.content.readany(), timeout=0.5)
                    except asyncio.TimeoutError:
                        # nothing arrived: the provider waits for us, unless the held part is pending
                        fake.release()
                        continue
                    if not chunk:
                        break
                    got.extend(chunk)
                    for e in sse_events(bytes(chunk)):
                        if e.get("type") == "content_block_delta" and e["delta"].get("type") == "text_delta":
                            texts.append(e["delta"]["text"])
                    fake.release()
        evs = sse_events(bytes(got))
        # text deltas of both rounds arrived one by one (each before the next was sent)
        assert len(texts) >= 6
        assert "".join(texts).startswith("Let me fetch the full log.")
        assert "peer reset" in "".join(texts)
        assert [e["type"] for e in evs].count("message_stop") == 1
        assert len(fake.model_requests) == 2


# -- cache safety over a long session --------------------------------------------------------------

def _run_session(fake, proxy, bodies):
    async def go():
        async with aiohttp.ClientSession() as c:
            for b in bodies:
                async with c.post(proxy.url + "/v1/messages", json=b) as r:
                    assert r.status == 200
                    await r.read()
    asyncio.run(go())


def test_cache_safety_40_turn_session(proxy_for):
    bodies = session(40)
    results = {}
    for mode in ("off", "on"):
        with FakeProvider(lambda req: Text("ok")).in_thread() as fake:
            p = proxy_for(fake, no_compress=(mode == "off"), retrieval="mcp")
            _run_session(fake, p, bodies)
            forwarded = [r.json for r in fake.model_requests]
        cache = PromptCache()
        for f in forwarded:
            cache.bill(f)
        results[mode] = (cache, forwarded)
    off, on = results["off"][0], results["on"][0]
    assert on.read_share >= off.read_share
    # no busting: every turn reads the whole previous request from the cache
    assert on.prefix_hit_rate == 1.0 and off.prefix_hit_rate == 1.0
    assert on.billed_input() < 0.5 * off.billed_input()
    # every earlier message re-sent unchanged is forwarded identical to the previous turn's bytes
    fwd = results["on"][1]
    for prev, cur in zip(fwd, fwd[1:]):
        strip = lambda m: render({"messages": [m]})  # noqa: E731 - ignores cache_control only
        for i, m in enumerate(prev["messages"]):
            assert strip(cur["messages"][i]) == strip(m), f"message {i} changed between turns"
    # and compression actually happened on most tool results
    last = fwd[-1]
    n_marked = sum(1 for m in last["messages"] if isinstance(m["content"], list)
                   for b in m["content"] if b.get("type") == "tool_result" and find_keys(json.dumps(b)))
    assert n_marked >= 20


def test_proxy_retrieval_flag():
    from headroom_cli.cli.proxy import build_settings
    from headroom_cli.errors import UsageError

    s = build_settings(host=None, port=None, retrieval="mcp")
    assert s.retrieval == "mcp" and s.marker_tool == "mcp__headroom__headroom_retrieve"
    assert build_settings(host=None, port=None).retrieval == "inject"
    with pytest.raises(UsageError):
        build_settings(host=None, port=None, retrieval="sometimes")
