"""Per-user isolation through a gateway's real authentication (issue 20 items 1 and 4, Must show 2): users known by
their tokens only; user B cannot retrieve user A's original by key — not by `/v1/retrieve`, not by `/mcp`, not by
the model's `headroom_retrieve` call the gateway answers — while A gets it byte-exact; `/stats` shows a member
their own figures and an admin the team's. And `headroom proxy` beyond loopback refuses to start without users."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from headroom_cli.cli import program
from headroom_cli.compress.markers import find_keys
from headroom_cli.errors import UsageError
from headroom_cli.gateway import team, tokens
from headroom_cli.gateway.auth import Authenticator
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.storage import open_store
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\n"
ANTH = {"x-api-key": "sk-ant-api03-user-key", "anthropic-version": "2023-06-01"}


def body_with(log: str) -> dict:
    return {"model": "claude-x", "max_tokens": 100, "messages": [
        {"role": "user", "content": "why did batch 777 fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": log}]}]}


def tool_result(body: dict, tool_use_id: str | None = "t1") -> str:
    for m in reversed(body["messages"]):
        if isinstance(m["content"], list):
            for b in m["content"]:
                if b.get("type") == "tool_result" and (tool_use_id is None or b.get("tool_use_id") == tool_use_id):
                    c = b["content"]
                    return c if isinstance(c, str) else "".join(x.get("text", "") for x in c)
    raise AssertionError("no tool result")


def retrieving(script_state: dict):
    """The model asks for the key in the marker it was sent, once; then answers."""
    def script(req):
        if last_is_tool_result("anthropic", req.json) and script_state.get("asked"):
            script_state["asked"] = False
            return Text("done")
        keys = find_keys(tool_result(req.json))
        script_state["asked"] = True
        return [ToolCall("headroom_retrieve", {"key": keys[0]})]
    return script


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The embedded store in this test's own user dirs, and a real PostgreSQL on loopback (tests/pgcluster.py)."""
    if request.param == "sqlite":
        return open_store()
    return open_store(request.getfixturevalue("pg_url"))


@pytest.fixture
def gateway(backend):
    from headroom_cli.stats.recorder import Recorder

    state: dict = {}
    recorder = Recorder(open_ledger=backend.ledger)  # as `headroom proxy` records: into the store's ledger
    with FakeProvider(retrieving(state)).in_thread() as fake:
        gw = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1", store=backend,
                                       gateway=Authenticator(backend.tokens, ttl=0), on_record=recorder)).start()
        try:
            gw.wait_ready(20)
            yield gw, fake
        finally:
            gw.stop(grace=0.5)
            recorder.close()


async def post(url: str, body: dict, token: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as s:
        async with s.post(url, json=body, headers={**ANTH, tokens.HEADER: token}) as r:
            return r.status, await r.read()


async def mcp_retrieve(url: str, key: str, token: str) -> str:
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "headroom_retrieve", "arguments": {"key": key}}}
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{url}/t/{token}/mcp", json=call,
                          headers={"Accept": "application/json, text/event-stream"}) as r:
            assert r.status == 200
            return json.dumps(await r.json())


async def get_status(url: str, headers: dict) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as s:
        async with s.get(url, headers=headers) as r:
            return r.status, await r.read()


async def test_user_b_cannot_retrieve_user_as_original(gateway, backend):
    gw, fake = gateway
    alice, bob = team.add(backend, "alice"), team.add(backend, "bob")
    # Alice's request: compressed at the gateway, her original stored, the model's retrieve call answered for her
    assert (await post(gw.url + "/v1/messages", body_with(LOG), alice))[0] == 200
    first, continuation = fake.model_requests[:2]
    marked = tool_result(first.json)
    (key,) = find_keys(marked)
    assert len(marked) < len(LOG) // 2
    assert tool_result(continuation.json, None) == LOG  # the gateway answered Alice's call byte-exact
    # Bob replays Alice's marker (he saw the key): the gateway's answer to his model's call holds no original
    n = len(fake.model_requests)
    assert (await post(gw.url + "/v1/messages", body_with(marked), bob))[0] == 200
    bobs = tool_result(fake.model_requests[n + 1].json, None)
    assert LOG not in bobs and "batch 777 failed" not in bobs and key in bobs
    # by key on the retrieve route, and over MCP
    status, text = await get_status(f"{gw.url}/v1/retrieve/{key}", {tokens.HEADER: alice})
    assert status == 200 and text.decode() == LOG
    assert (await get_status(f"{gw.url}/v1/retrieve/{key}", {tokens.HEADER: bob}))[0] == 404
    assert "batch 777 failed" in await mcp_retrieve(gw.url, key, alice)
    bob_mcp = await mcp_retrieve(gw.url, key, bob)
    assert "batch 777 failed" not in bob_mcp and "processed batch" not in bob_mcp


async def test_stats_show_a_member_their_own_and_an_admin_the_team(gateway, backend):
    gw, fake = gateway
    alice, bob = team.add(backend, "alice", admin=True), team.add(backend, "bob")
    assert (await post(gw.url + "/v1/messages", body_with(LOG), alice))[0] == 200
    assert (await post(gw.url + "/v1/messages", body_with(LOG.replace("INFO", "WARN")), bob))[0] == 200

    async def stats(token: str) -> dict:
        for _ in range(500):  # the ledger's writer is on its own thread: rows arrive after the answers
            status, raw = await get_status(gw.url + "/stats", {"Authorization": f"Bearer {token}"})
            assert status == 200
            data = json.loads(raw)
            if data["totals"]["requests"] and (not data.get("team") or len(data["team"]) >= 2):
                return data
            await asyncio.sleep(0.02)
        raise AssertionError(data)

    mine = await stats(bob)
    assert mine["user"] == "bob" and "team" not in mine and mine["totals"]["tokens_before"] > 0
    admin = await stats(alice)
    assert {r["key"] for r in admin["team"]} == {"alice", "bob"}
    assert admin["totals"]["requests"] == sum(r["requests"] for r in admin["team"] if r["key"] == "alice")


def test_a_non_loopback_bind_without_users_refuses_to_start_and_says_why():
    """Old behaviour (a warning, then serving everyone) fails this: it must not start."""
    with pytest.raises(UsageError) as e:
        program(["proxy", "--host", "0.0.0.0", "--port", "0"])
    assert "without user authentication" in str(e.value) and "team add" in e.value.hint
    from headroom_cli.cli.exit import ExitStatus, status_for

    assert status_for(e.value) == ExitStatus.USAGE
    with pytest.raises(UsageError, match="without user authentication"):
        program(["proxy", "--port", "0", "--gateway-auth"])  # a loopback gateway, no users: the same


def test_allow_host_on_a_local_proxy_is_a_usage_error():
    with pytest.raises(UsageError, match="--allow-host applies to a team gateway only"):
        program(["proxy", "--port", "0", "--allow-host", "gw.example"])


def test_team_commands_add_list_revoke(capsys):
    backend = open_store()
    assert program(["team", "add", "alice", "--admin"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith(tokens.PREFIX) and backend.tokens.find(tokens.hash_token(token)) == ("alice", "admin")
    assert program(["team", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["user"], r["role"]) for r in rows] == [("alice", "admin")]
    assert token not in json.dumps(rows) and tokens.hash_token(token) not in json.dumps(rows)
    assert program(["team", "revoke", "alice"]) == 0
    assert backend.tokens.find(tokens.hash_token(token)) is None
    from headroom_cli.errors import NotFound

    with pytest.raises(NotFound):
        program(["team", "revoke", "alice"])


def test_team_stats_through_the_gateway_with_ones_own_token(gateway, backend, capsys):
    import time
    import urllib.request

    from headroom_cli.errors import HeadroomError

    gw, fake = gateway
    alice, bob = team.add(backend, "alice", admin=True), team.add(backend, "bob")
    for token in (alice, bob):
        req = urllib.request.Request(f"{gw.url}/t/{token}/v1/messages", data=json.dumps(body_with(LOG)).encode(),
                                     headers={**ANTH, "Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200

    def remote(token: str, *extra: str) -> dict:
        assert program(["team", "stats", "--gateway", gw.url, "--token", token, "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)

    for _ in range(500):  # the ledger's writer runs on its own thread
        admin = remote(alice, "--since", "1d")
        if len(admin.get("team", [])) == 2:
            break
        time.sleep(0.02)
    assert {r["key"] for r in admin["team"]} == {"alice", "bob"}
    member = remote(bob)
    assert member["user"] == "bob" and "team" not in member and member["totals"]["requests"] >= 1
    with pytest.raises(HeadroomError, match="refused this token"):
        program(["team", "stats", "--gateway", gw.url, "--token", tokens.new_token()])


def test_gateway_mode_and_allowed_hosts_from_the_environment(monkeypatch):
    from headroom_cli.cli.proxy import build_settings, open_gateway_mode

    team.add(open_store(), "alice", admin=True)
    monkeypatch.setenv("HEADROOM_ALLOW_HOSTS", "gw.example, GW2.example,")
    s = build_settings(host="0.0.0.0", port=0)
    open_gateway_mode(s)
    assert s.gateway is not None and s.allowed_hosts == ("gw.example", "gw2.example")
    s = build_settings(host="127.0.0.1", port=0)
    open_gateway_mode(s)  # a local proxy: the variable does not apply
    assert s.gateway is None and s.allowed_hosts == ()
    monkeypatch.setenv("HEADROOM_GATEWAY_AUTH", "1")
    s = build_settings(host="127.0.0.1", port=0)
    open_gateway_mode(s, allow_host=["only.example"])  # the flag beats the variable
    assert s.gateway is not None and s.allowed_hosts == ("only.example",)
