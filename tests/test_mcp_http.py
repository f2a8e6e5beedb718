"""`/mcp` on an aiohttp app: the SDK's streamable-HTTP client, and raw JSON-RPC edge cases."""
import json

import pytest
from aiohttp import web

from headroom_cli.ccr.store import Store
from headroom_cli.mcp import http as mcp_http
from headroom_cli.mcp import tools


@pytest.fixture
async def server(tmp_path):
    store = Store(tmp_path / "o.sqlite3")
    app = web.Application()
    mcp_http.add_mcp_routes(app, tool_context=tools.ToolContext(store=store))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/mcp", store
    await runner.cleanup()


async def _post(url, payload, headers=None):
    import aiohttp

    async with aiohttp.ClientSession() as s:
        h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        h.update(headers or {})
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        async with s.post(url, data=data, headers=h) as r:
            body = await r.read()
            return r.status, (json.loads(body) if body and r.content_type == "application/json" else body)


async def test_sdk_client_lists_and_calls_tools(server):
    from mcp import Client

    url, store = server
    original = "exact \u00e9 original\n" * 50
    key = store.put(original)
    # mode "auto" probes server/discover first and must fall back to initialize on our -32601
    async with Client(url) as client:
        listed = await client.list_tools()
        assert {t.name for t in listed.tools} == {"headroom_retrieve", "headroom_compress", "headroom_stats"}
        res = await client.call_tool("headroom_retrieve", {"key": key})
        assert not res.is_error
        assert res.content[0].text == original
        missing = await client.call_tool("headroom_retrieve", {"key": "f" * 24})
        assert missing.is_error and "expired" in missing.content[0].text


async def test_server_discover_is_method_not_found(server):
    url, _ = server
    status, body = await _post(url, {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}},
                               {"MCP-Protocol-Version": "2026-07-28"})
    assert status == 200
    assert body == {"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "Method not found"}}


@pytest.mark.parametrize("asked,got", [("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"),
                                        ("2025-03-26", "2025-03-26"), ("2024-01-01", "2025-11-25")])
async def test_initialize_negotiates_version(server, asked, got):
    url, _ = server
    status, body = await _post(url, {"jsonrpc": "2.0", "id": "a", "method": "initialize", "params": {
        "protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
    assert status == 200
    assert body["id"] == "a"
    assert body["result"]["protocolVersion"] == got
    assert "tools" in body["result"]["capabilities"]


async def test_notification_gets_202_and_ping_answers(server):
    url, _ = server
    status, body = await _post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert status == 202 and not body
    status, body = await _post(url, {"jsonrpc": "2.0", "id": 7, "method": "ping"})
    assert body == {"jsonrpc": "2.0", "id": 7, "result": {}}


async def test_bad_origin_is_403_loopback_origin_ok(server):
    url, _ = server
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    for bad in ("http://evil.example", "https://127.0.0.1.evil.example:443", "null"):
        status, _ = await _post(url, ping, {"Origin": bad})
        assert status == 403, bad
    for good in ("http://localhost:3000", "http://127.0.0.1:8787", "http://[::1]:9"):
        status, body = await _post(url, ping, {"Origin": good})
        assert status == 200 and body["result"] == {}, good


async def test_parse_error_unknown_tool_and_bad_version(server):
    url, _ = server
    status, body = await _post(url, b"{not json")
    assert status == 400 and body["error"]["code"] == -32700
    status, body = await _post(url, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                     "params": {"name": "nope", "arguments": {}}})
    assert body["error"]["code"] == -32602
    status, body = await _post(url, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
                               {"MCP-Protocol-Version": "1999-01-01"})
    assert status == 400 and body["error"]["code"] == -32600


async def test_get_is_405(server):
    import aiohttp

    url, _ = server
    async with aiohttp.ClientSession() as s, s.get(url, headers={"Accept": "text/event-stream"}) as r:
        assert r.status == 405


def test_origin_rules():
    assert mcp_http.origin_allowed(None)
    assert mcp_http.origin_allowed("http://localhost")
    assert not mcp_http.origin_allowed("http://localhost.evil.com")
    assert not mcp_http.origin_allowed("file://")
    assert mcp_http.is_loopback_host("127.0.0.2") and not mcp_http.is_loopback_host("10.0.0.1")


async def test_non_loopback_peer_is_403():
    from unittest import mock

    from aiohttp.test_utils import make_mocked_request

    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        ("10.1.2.3", 5555) if name == "peername" else default)
    req = make_mocked_request("POST", "/mcp", transport=transport)
    resp = await mcp_http.McpHandler().post(req)
    assert resp.status == 403


async def test_proxy_serves_mcp_to_the_sdk_client():
    """The real proxy app mounts /mcp (proxy/app.py calls add_mcp_routes): list and call through it."""
    from mcp import Client

    from headroom_cli.ccr.store import default_store
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings

    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    key = default_store().put("original kept by the proxy's store\n")
    settings = ProxySettings(anthropic_upstream="http://127.0.0.1:9")
    with ProxyServer(settings) as proxy:
        proxy.wait_ready()
        # the proxy's /mcp needs its secret, presented as wrap registers it with the agents
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {settings.secret}"})
        async with http, Client(streamable_http_client(proxy.url + "/mcp", http_client=http)) as client:
            # only the retrieve tool: each listed tool costs its schema's tokens on every agent request
            assert {t.name for t in (await client.list_tools()).tools} == {"headroom_retrieve"}
            res = await client.call_tool("headroom_retrieve", {"key": key})
            assert res.content[0].text == "original kept by the proxy's store\n"
        status, _ = await _post(proxy.url + "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                {"Origin": "https://attacker.example", "Authorization": f"Bearer {settings.secret}"})
        assert status == 403


async def test_original_with_a_lone_surrogate_is_served_as_valid_utf8(server):
    """Originals keep lone surrogates (a JSON escape in the request); the reply escapes them again
    instead of failing to encode (a bare 500) or sending bytes that are not UTF-8."""
    import aiohttp

    url, store = server
    key = store.put("before \ud800 after\n" * 40)
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "headroom_retrieve", "arguments": {"key": key}}}
    async with aiohttp.ClientSession() as s:
        async with s.post(url, json=call, headers={"Accept": "application/json, text/event-stream"}) as r:
            raw = await r.read()
    assert r.status == 200, raw
    reply = json.loads(raw.decode("utf-8"))
    assert reply["result"]["content"][0]["text"] == "before \ud800 after\n" * 40
