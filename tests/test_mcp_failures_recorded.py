"""Issue 15's leftover: a failed `/mcp` request (the proxy's own MCP endpoint) gets a ledger row like every other
failure, with its status and what went wrong; answered MCP calls and Claude Code's `server/discover` probe
(answered -32601 by design) write none."""
from __future__ import annotations

import importlib
import json

import aiohttp

from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings


async def post(url: str, *, raw: bytes, headers: dict):
    async with aiohttp.ClientSession() as c:
        async with c.post(url, data=raw, headers={"content-type": "application/json", **headers}) as r:
            return r.status, await r.read()


def rpc(method: str, rid: int = 1, **params) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode()


async def test_failed_mcp_requests_get_a_ledger_row_and_answered_ones_none(monkeypatch):
    records: list = []
    proxy = ProxyServer(ProxySettings(on_record=records.append, session_id="mcp-s", agent="claude"))
    with proxy as p:
        url, secret = p.url + "/mcp", {"Authorization": f"Bearer {p.settings.secret}"}
        assert (await post(url, raw=rpc("ping"), headers=secret))[0] == 200
        status, data = await post(url, raw=rpc("server/discover"), headers=secret)
        assert status == 200 and json.loads(data)["error"]["code"] == -32601
        assert (await post(url, raw=b"[" * 100_000 + b"]" * 100_000, headers=secret))[0] == 400
        assert (await post(url, raw=rpc("ping"), headers={}))[0] == 401  # no secret
        tools = importlib.import_module("headroom_cli.mcp.tools")

        def broken(*a, **k):
            raise RuntimeError("store unreadable")

        monkeypatch.setattr(tools, "call_tool", broken)
        status, data = await post(url, raw=rpc("tools/call", name="headroom_retrieve", arguments={"key": "k"}),
                                  headers=secret)
        assert json.loads(data)["error"]["code"] == -32603
    rows = sorted(((r.path, r.status) for r in records), key=lambda x: x[1])
    assert rows == [("/mcp", 200), ("/mcp", 400), ("/mcp", 401)], rows  # the 200: the internal error
    by_status = {r.status: r for r in records}
    assert "parse error" in by_status[400].error.lower()
    assert "secret" in by_status[401].error
    assert "internal error" in by_status[200].error.lower()
    assert all(r.session_id == "mcp-s" and r.agent == "claude" and r.duration_ms >= 0 for r in records)
    assert all(p.settings.secret not in r.error for r in records)
