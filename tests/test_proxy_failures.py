"""Issue 15 items 5, 7, 8 and 10: how the proxy ends an exchange that cannot end normally — a retrieval
loop past its bound, a failure inside the proxy, a stalled client, an interrupted answer."""
from __future__ import annotations

import json

import aiohttp
import pytest

from headroom_cli.ccr.store import default_store
from headroom_cli.config import RETRIEVE_TOOL
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall

PATHS = {"anthropic": "/v1/messages", "openai_chat": "/v1/chat/completions", "openai_responses": "/v1/responses"}
CLIENT_TOOL = {
    "anthropic": {"name": "Bash", "description": "run", "input_schema": {"type": "object"}},
    "openai_chat": {"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}},
    "openai_responses": {"type": "function", "name": "shell", "parameters": {"type": "object"}},
}


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


async def post(url: str, body, *, headers=None, raw: bytes | None = None):
    async with aiohttp.ClientSession() as c:
        data = raw if raw is not None else json.dumps(body).encode()
        async with c.post(url, data=data, headers={"content-type": "application/json", **(headers or {})}) as r:
            return r.status, await r.read()


def first_request(protocol: str, stream: bool, tools: list) -> dict:
    body: dict = {"model": "m-1", "stream": stream}
    if protocol == "openai_responses":
        body["input"] = [{"role": "user", "content": "what does the log say?"}]
    else:
        body["messages"] = [{"role": "user", "content": "what does the log say?"}]
    if protocol == "anthropic":
        body["max_tokens"] = 100
    if tools:
        body["tools"] = tools
    return body


def retrieve_offered(protocol: str, body: dict) -> bool:
    """Whether the model may call headroom_retrieve in this request (listed, and tools not switched off)."""
    choice = body.get("tool_choice")
    if choice == "none" or (isinstance(choice, dict) and choice.get("type") == "none"):
        return False
    names = [t.get("name") or (t.get("function") or {}).get("name") for t in body.get("tools") or []]
    return RETRIEVE_TOOL in names


def calls_and_answers(protocol: str, body: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """Tool-call ids of the conversation, and (id, text) of every tool result."""
    calls, answers = [], []
    if protocol == "anthropic":
        for m in body["messages"]:
            for b in m["content"] if isinstance(m["content"], list) else []:
                if b.get("type") == "tool_use":
                    calls.append(b["id"])
                elif b.get("type") == "tool_result":
                    answers.append((b["tool_use_id"], json.dumps(b["content"])))
    elif protocol == "openai_chat":
        for m in body["messages"]:
            calls += [c["id"] for c in m.get("tool_calls") or []]
            if m.get("role") == "tool":
                answers.append((m["tool_call_id"], m["content"]))
    else:
        for it in body["input"]:
            if it.get("type") == "function_call":
                calls.append(it["call_id"])
            elif it.get("type") == "function_call_output":
                answers.append((it["call_id"], it["output"]))
    return calls, answers


# -- item 5: the retrieve loop ends in a valid conversation -------------------------------------
@pytest.mark.parametrize("protocol", list(PATHS))
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("client_tools", [True, False], ids=["client-tools", "no-client-tools"])
async def test_a_retrieve_call_past_the_bound_never_reaches_the_client(protocol, stream, client_tools, proxy_for):
    key = default_store().put("the original, every line of it\n")
    records: list = []

    def greedy(req):  # a model that retrieves whenever it may
        if retrieve_offered(protocol, req.json):
            return [Text("looking. "), ToolCall(RETRIEVE_TOOL, {"key": key})]
        return Text("finished")  # one delta (8 characters)

    tools = [CLIENT_TOOL[protocol]] if client_tools else []
    with FakeProvider(greedy).in_thread() as fake:
        p = proxy_for(fake, on_record=records.append)
        status, data = await post(p.url + PATHS[protocol], first_request(protocol, stream, tools))
        p.stop(grace=1)
        assert status == 200
        assert RETRIEVE_TOOL.encode() not in data and b"finished" in data
        reqs = [r.json for r in fake.model_requests]
        # three answered rounds, then one continuation answering the fourth call with the limit, without the tool
        assert len(reqs) == 5
        assert [retrieve_offered(protocol, r) for r in reqs] == [True, True, True, True, False]
        last = reqs[-1]
        calls, answers = calls_and_answers(protocol, last)
        assert len(calls) == 4 and sorted(calls) == sorted(i for i, _ in answers)  # every call answered once
        assert [("original" in t) for _, t in answers] == [True, True, True, False]
        assert "limit" in answers[-1][1]
        if client_tools:  # the client's own tools stay offered; only the retrieve tool is withdrawn
            assert [t for t in last["tools"]] == tools and "tool_choice" not in last
    assert len(records) == 1 and records[0].retrievals == 3


@pytest.mark.parametrize("protocol", list(PATHS))
def test_withdraw_removes_the_tool_and_a_choice_that_forces_it(protocol):
    from headroom_cli.ccr import retrieve_tool

    mine = retrieve_tool.definition(protocol)
    forced = {"anthropic": {"type": "tool", "name": RETRIEVE_TOOL},
              "openai_chat": {"type": "function", "function": {"name": RETRIEVE_TOOL}},
              "openai_responses": {"type": "function", "name": RETRIEVE_TOOL}}[protocol]
    body = {"tools": [CLIENT_TOOL[protocol], mine], "tool_choice": forced}
    out = retrieve_tool.withdraw(body, protocol)
    assert out == {"tools": [CLIENT_TOOL[protocol]]} and body["tools"] == [CLIENT_TOOL[protocol], mine]
    alone = retrieve_tool.withdraw({"tools": [mine]}, protocol)
    assert alone["tools"] == [mine] and not retrieve_offered(protocol, alone)
    assert retrieve_tool.withdraw({"messages": []}, protocol) == {"messages": []}
