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


# -- item 7: every failure gets a provider-shaped body and a ledger row ---------------------------
ANTH = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
OAI = {"Authorization": "Bearer sk-test"}


def anth_request(stream: bool = False) -> dict:
    return {"model": "claude-x", "max_tokens": 10, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}


def provider_shaped(protocol_provider: str, data: bytes) -> dict:
    doc = json.loads(data)
    if protocol_provider == "anthropic":
        assert doc["type"] == "error" and doc["error"]["message"]
        return doc["error"]
    assert doc["error"]["message"]
    return doc["error"]


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
async def test_an_upstream_answer_in_invalid_gzip_or_zstd_is_a_502_with_a_row(coding, proxy_for):
    from headroom_cli.testing.fake_provider import Reply

    records: list = []
    lie = Reply(raw=b'{"not": "compressed at all"}', headers={"Content-Encoding": coding},
                content_type="application/json")
    with FakeProvider([lie, Text("fine")]).in_thread() as fake:
        p = proxy_for(fake, on_record=records.append, retrieval="off")
        status, data = await post(p.url + "/v1/messages", anth_request(), headers=ANTH)
        assert status == 502
        err = provider_shaped("anthropic", data)
        assert "Traceback" not in err["message"] and "upstream" in err["message"]
        status, data = await post(p.url + "/v1/messages", anth_request(), headers=ANTH)
        assert status == 200 and b"fine" in data  # still serving
        p.stop(grace=1)
    assert sorted(r.status for r in records) == [200, 502]  # (figures are counted off the loop: any order)
    assert next(r for r in records if r.status == 502).error


async def test_upstream_credentials_and_a_client_authorization_header_are_a_clear_error(proxy_for):
    records: list = []
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, on_record=records.append, retrieval="off",
                      openai_upstream=fake.url.replace("http://", "http://user:hunter2@") + "/v1")
        status, data = await post(p.url + "/v1/chat/completions",
                                  {"model": "gpt-x", "messages": [{"role": "user", "content": "hi"}]}, headers=OAI)
        p.stop(grace=1)
    assert status == 502
    err = provider_shaped("openai", data)
    assert "Authorization" in err["message"] and "hunter2" not in err["message"]
    assert len(records) == 1 and records[0].status == 502 and "hunter2" not in records[0].error


async def test_deep_json_on_mcp_is_a_json_rpc_parse_error():
    with ProxyServer(ProxySettings()) as p:
        deep = b"[" * 100_000 + b"]" * 100_000
        secret = {"Authorization": f"Bearer {p.settings.secret}"}  # /mcp needs the proxy's secret
        status, data = await post(p.url + "/mcp", None, raw=deep, headers=secret)
        assert status == 400
        assert json.loads(data)["error"]["code"] == -32700
        status, data = await post(p.url + "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=secret)
        assert status == 200 and json.loads(data)["result"] == {}


async def test_a_failure_inside_the_proxy_is_a_provider_shaped_500_with_a_row(proxy_for, monkeypatch):
    """The last-resort handler: a bug anywhere in the flow (here: in addressing) still answers in the
    provider's shape and is recorded."""
    from headroom_cli.proxy import flow as flow_mod

    def broken(self, base, proxy):
        raise RuntimeError("a bug in headroom")

    monkeypatch.setattr(flow_mod.Flow, "address", broken)
    records: list = []
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, on_record=records.append, retrieval="off")
        status, data = await post(p.url + "/v1/messages", anth_request(), headers=ANTH)
        status2, data2 = await post(p.url + "/v1/responses", {"model": "g", "input": "x"}, headers=OAI)
        p.stop(grace=1)
    assert status == 500 and "Traceback" not in data.decode()
    assert provider_shaped("anthropic", data)["type"] == "api_error"
    assert status2 == 500 and provider_shaped("openai", data2)
    assert [(r.status, r.outcome) for r in records] == [(500, "proxy_error")] * 2
    assert "RuntimeError" in records[0].error


# -- item 10: an interrupted answer is recorded as such, not as a fail-open 200 ----------------------
SSE_EVENTS = [("message_start", {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 5}}}),
              ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": "partial"}}),
              ("message_stop", {"type": "message_stop"})]


def ledger_totals(tmp_path, records) -> dict:
    from headroom_cli.stats.ledger import Ledger

    with Ledger(tmp_path / "ledger.db") as lg:
        lg.record_many(records)
        return lg.totals(prices=None)


async def test_an_upstream_breaking_off_mid_stream_is_an_error_not_a_fail_open(proxy_for, tmp_path):
    from headroom_cli.stats.records import UPSTREAM_BROKE
    from headroom_cli.testing.fake_provider import Reply

    records: list = []
    with FakeProvider([Reply(events=SSE_EVENTS, abort_after=2)]).in_thread() as fake:
        p = proxy_for(fake, on_record=records.append, retrieval="off")
        async with aiohttp.ClientSession() as c:
            async with c.post(p.url + "/v1/messages", json=anth_request(stream=True), headers=ANTH) as r:
                assert r.status == 200
                with pytest.raises(aiohttp.ClientPayloadError):
                    await r.read()
        p.stop(grace=1)
    assert len(records) == 1 and records[0].outcome == UPSTREAM_BROKE
    t = ledger_totals(tmp_path, records)
    assert (t["errors"], t["failopen"], t["cancelled"]) == (1, 0, 0)


async def test_a_client_that_disconnects_is_cancelled_not_a_fail_open(tmp_path):
    import asyncio

    from headroom_cli.stats.records import CLIENT_GONE

    records: list = []
    async with FakeProvider(script=[Text("x" * 400)], lockstep=True, chunk_text=2) as fp:
        with ProxyServer(ProxySettings(anthropic_upstream=fp.url, on_record=records.append, retrieval="off")) as p:
            async with aiohttp.ClientSession() as c:
                r = await c.post(p.url + "/v1/messages", json=anth_request(stream=True), headers=ANTH)
                await asyncio.wait_for(r.content.readany(), 15)
                r.close()  # the client gives up mid-stream
                fp.release(1000)
                for _ in range(1000):
                    if records:
                        break
                    await asyncio.sleep(0.01)
    assert len(records) == 1 and records[0].outcome == CLIENT_GONE and records[0].status == 200
    t = ledger_totals(tmp_path, records)
    assert (t["errors"], t["failopen"], t["cancelled"]) == (0, 0, 1)


def test_a_fail_open_stays_a_fail_open(tmp_path):
    from headroom_cli.stats.records import RequestRecord

    rec = RequestRecord("s", "proxy", "anthropic", "/v1/messages", status=200, error="ValueError: x")
    t = ledger_totals(tmp_path, [rec])
    assert (t["errors"], t["failopen"], t["cancelled"]) == (0, 1, 0)


def test_the_migration_classifies_earlier_rows_by_their_error(tmp_path):
    import sqlite3
    import time

    from headroom_cli.stats import ledger

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    for fn in ledger.MIGRATIONS[:ledger.MIGRATIONS.index(ledger.m008_outcome)]:
        fn(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?)", (fn.__name__, time.time()))
    for err in ("client disconnected", "upstream broke off: ClientPayloadError", "ValueError: x", ""):
        db.execute("INSERT INTO requests (ts, session_id, status, error) VALUES (?, 's', 200, ?)", (time.time(), err))
    db.close()
    with ledger.Ledger(path) as lg:
        t = lg.totals(prices=None)
        outcomes = [r["outcome"] for r in reversed(lg.recent(10))]
    assert outcomes == ["client_gone", "upstream_broke", "", ""]
    assert (t["errors"], t["failopen"], t["cancelled"]) == (1, 1, 1)


def read_head(sock) -> bytes:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def test_an_oversized_expect_100_continue_request_is_refused_before_continue():
    import socket

    records: list = []
    with ProxyServer(ProxySettings(max_body_bytes=1000, on_record=records.append)) as p:
        with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
            s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"x-api-key: k\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            head = read_head(s)
        assert head.startswith(b"HTTP/1.1 413"), head[:60]
        # within the limit the client is told to go on
        with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
            s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"x-api-key: k\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
            assert read_head(s).startswith(b"HTTP/1.1 100 Continue")
    assert records and records[0].status == 413


# -- item 8: stalled connections are closed, live answers never -------------------------------------
# Short limits for these tests; every wait is bounded (a connection that is never closed fails, never hangs).
QUICK = dict(header_timeout=0.4, idle_timeout=3.0, body_min_rate=1000.0, body_grace=0.4)
BOUND = 15.0


def closed_within(sock, bound: float = BOUND) -> bytes:
    """Everything the server sent until it closed the connection (socket timeout: it did not close)."""
    import time

    sock.settimeout(bound)
    got, end = b"", time.monotonic() + bound
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk
    raise AssertionError("the connection is still open")


def still_open(sock) -> bool:
    import select
    import socket

    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return True
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""  # readable with data: open
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False


HEAD = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-api-key: k\r\n"


def test_half_sent_headers_are_answered_408_and_closed():
    import socket

    with ProxyServer(ProxySettings(**QUICK)) as p:
        with socket.create_connection(("127.0.0.1", p.port), timeout=BOUND) as s:
            s.sendall(HEAD[:40])
            assert closed_within(s).startswith(b"HTTP/1.1 408")
        assert p.watchdog.closed["head"] == 1


def test_headers_trickled_byte_by_byte_still_end_at_the_header_timeout():
    import socket
    import time

    with ProxyServer(ProxySettings(**QUICK)) as p:
        with socket.create_connection(("127.0.0.1", p.port), timeout=BOUND) as s:
            end = time.monotonic() + BOUND
            try:
                for b in HEAD * 100:  # one byte every 50 ms keeps the connection busy, never complete
                    s.send(bytes([b]))
                    time.sleep(0.05)
                    if time.monotonic() > end:
                        raise AssertionError("the connection is still open")
            except (BrokenPipeError, ConnectionResetError):
                pass
        assert p.watchdog.closed["head"] == 1


def test_an_idle_connection_outlives_the_header_timeout_then_closes():
    import socket
    import time

    with ProxyServer(ProxySettings(**QUICK)) as p:
        with socket.create_connection(("127.0.0.1", p.port), timeout=BOUND) as s:
            time.sleep(QUICK["header_timeout"] * 2.5)  # a pooled connection, opened ahead: not a slow header
            assert still_open(s)
            assert closed_within(s) == b""  # the idle limit closes it quietly
        assert p.watchdog.closed == {"idle": 1, "head": 0, "body": 0}


def test_a_stalled_body_is_cut_and_recorded(tmp_path):
    import socket

    from headroom_cli.stats.records import CLIENT_GONE

    records: list = []
    with ProxyServer(ProxySettings(**QUICK, on_record=records.append)) as p:
        with socket.create_connection(("127.0.0.1", p.port), timeout=BOUND) as s:
            s.sendall(HEAD + b"Content-Length: 100000\r\n\r\n" + b'{"model": "m", "pad": "' + b"x" * 100)
            assert closed_within(s) == b""
        for _ in range(500):
            if records:
                break
            import time
            time.sleep(0.01)
    assert p.watchdog.closed["body"] == 1
    assert len(records) == 1 and records[0].outcome == CLIENT_GONE and "stalled" in records[0].error


async def test_a_slow_but_steady_body_and_a_long_quiet_stream_are_never_cut():
    """A body sent at 4x the minimum rate arrives whole; an answer that pauses longer than every limit
    (the model thinking) is relayed whole."""
    import asyncio

    async with FakeProvider(script=[Text("abcdefghij" * 3)], lockstep=True, chunk_text=10) as fp:
        settings = ProxySettings(anthropic_upstream=fp.url, retrieval="off", no_compress=True,
                                 **{**QUICK, "idle_timeout": 1.0})
        with ProxyServer(settings) as p:
            body = json.dumps({**anth_request(stream=True), "pad": "y" * 1600}).encode()

            async def slow():
                for i in range(0, len(body), 400):
                    yield body[i:i + 400]
                    await asyncio.sleep(0.1)

            async with aiohttp.ClientSession() as c:
                async with c.post(p.url + "/v1/messages", data=slow(), headers=ANTH) as r:
                    first = await asyncio.wait_for(r.content.readany(), BOUND)
                    await asyncio.sleep(settings.idle_timeout + settings.header_timeout + 0.5)
                    fp.release(1000)
                    rest = await asyncio.wait_for(r.read(), BOUND)
            assert fp.requests[-1].raw == body
            assert first + rest == fp.requests[-1].response and b"message_stop" in rest
            assert p.watchdog.closed["body"] == 0
