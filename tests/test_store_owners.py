"""Originals belong to the user whose request produced them (issue 20 item 4), through the proxy itself: the
engine's memo shares compressed blocks across requests and users, so a memo hit must still store the original
for the current user, and retrieval answers from the current user's originals only."""
from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from headroom_cli import config
from headroom_cli.compress.markers import find_keys
from headroom_cli.compress.pipeline import default_memo
from headroom_cli.proxy.settings import REQUEST_USER
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\n"
TEST_USER_HEADER = "x-test-user"  # stands in for the gateway's token check, which sets the same request key


@pytest.fixture
def users_by_header(monkeypatch):
    """The proxy's app with a first middleware that names the request's user from a test header, as the gateway's
    authentication does from a token (this test is about what happens after: the store, the memo, retrieval)."""
    from headroom_cli.proxy import app as app_mod

    original = app_mod.make_app

    def make_app(settings):
        app = original(settings)

        @web.middleware
        async def name_user(request, handler):
            if TEST_USER_HEADER in request.headers:
                request[REQUEST_USER] = request.headers[TEST_USER_HEADER]
            return await handler(request)

        app.middlewares.insert(0, name_user)
        return app

    monkeypatch.setattr(app_mod, "make_app", make_app)


def body_with(log: str, stream: bool = False) -> dict:
    return {"model": "claude-x", "max_tokens": 100, "stream": stream, "messages": [
        {"role": "user", "content": "why did batch 777 fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": log}]}]}


def sent_tool_result(body: dict) -> str:
    for m in body["messages"]:
        if isinstance(m["content"], list):
            for b in m["content"]:
                if b.get("type") == "tool_result" and b.get("tool_use_id") == "t1":
                    return b["content"] if isinstance(b["content"], str) else b["content"][0]["text"]
    raise AssertionError("no tool result")


async def post(url, body, user=None):
    headers = {TEST_USER_HEADER: user} if user else {}
    async with aiohttp.ClientSession() as c:
        async with c.post(url, json=body, headers=headers) as r:
            return r.status, await r.read()


async def test_same_block_from_two_users_is_stored_for_each_and_seen_by_each_only(proxy_for, users_by_header):
    memo = default_memo()
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake)
        assert (await post(p.url + "/v1/messages", body_with(LOG), "alice"))[0] == 200
        hits = memo.hits
        assert (await post(p.url + "/v1/messages", body_with(LOG), "bob"))[0] == 200
        assert memo.hits > hits, "bob's block came from the memo (the case this test is about)"
        sent_a, sent_b = (sent_tool_result(r.json) for r in fake.model_requests)
        assert sent_a == sent_b  # the engine's output does not depend on who sent the request
        (key,) = find_keys(sent_a)
        store = p.settings.backend()
        assert store.originals("alice").get(key) == LOG
        assert store.originals("bob").get(key) == LOG  # stored again for bob, though the memo had the block
        assert store.originals("carol").get(key) is None
        assert store.originals(config.LOCAL_USER).get(key) is None


def retrieving(key_seen: list):
    def script(req):
        if last_is_tool_result("anthropic", req.json) and key_seen:
            return Text("done")
        key = find_keys(sent_tool_result(req.json))[0]
        key_seen.append(key)
        return [ToolCall("headroom_retrieve", {"key": key})]
    return script


async def test_retrieval_answers_from_the_requests_user_only(proxy_for, users_by_header):
    """Carol replays Alice's marker (same key): the proxy's retrieval answers her call with no original, while
    Alice's own call gets it byte-exact."""
    seen: list = []
    with FakeProvider(retrieving(seen)).in_thread() as fake:
        p = proxy_for(fake)
        assert (await post(p.url + "/v1/messages", body_with(LOG), "alice"))[0] == 200
        answer = sent_tool_result_of_retrieval(fake.model_requests[1].json)
        assert answer == LOG
        key = seen[0]
        fake_requests_before = len(fake.model_requests)
        seen.clear()
        # carol sends a conversation holding alice's marker (she saw the key somewhere): no original for her
        marker_body = body_with(sent_tool_result(fake.model_requests[0].json))
        assert (await post(p.url + "/v1/messages", marker_body, "carol"))[0] == 200
        carol_answer = sent_tool_result_of_retrieval(fake.model_requests[fake_requests_before + 1].json)
        assert LOG not in carol_answer and key in carol_answer and "no original" in carol_answer.lower()


def sent_tool_result_of_retrieval(body: dict) -> str:
    last = body["messages"][-1]
    (block,) = [b for b in last["content"] if b.get("type") == "tool_result"]
    c = block["content"]
    return c if isinstance(c, str) else "".join(x.get("text", "") for x in c)


async def test_mcp_and_retrieve_route_serve_the_requests_user(proxy_for, users_by_header):
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake)
        key = p.settings.backend().originals("alice").put("alice's original\n")
        auth = {"Authorization": f"Bearer {p.settings.secret}"}
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "headroom_retrieve", "arguments": {"key": key}}}
        async with aiohttp.ClientSession() as c:
            for user, expect in (("alice", True), ("bob", False)):
                async with c.post(p.url + "/mcp", json=call, headers={**auth, TEST_USER_HEADER: user}) as r:
                    text = json.dumps(await r.json())
                    assert ("alice's original" in text) is expect, (user, text)
                async with c.get(p.url + f"/v1/retrieve/{key}", headers={**auth, TEST_USER_HEADER: user}) as r:
                    assert r.status == (200 if expect else 404)
