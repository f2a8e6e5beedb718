"""Who may talk to the proxy (issue 15 items 2 and 9): one guard on every route refuses what a web page
can send (a foreign `Origin`, a DNS-rebinding `Host`), and headroom's own routes that serve originals
or figures (`/mcp`, `/v1/retrieve`, `/stats`) need the proxy's secret on top."""
from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest

from headroom_cli import loopback
from headroom_cli.ccr.store import default_store
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider

ANTH = {"x-api-key": "sk-ant-api03-user-key", "anthropic-version": "2023-06-01"}
OAI = {"Authorization": "Bearer sk-proj-user-key"}
EVIL = "http://evil.example"
BIG_LOG = "\n".join(f"2026-11-24T10:00:{i % 60:02d}Z INFO worker-3 processed batch {i} ok" for i in range(400))


def anth_body(tool_result: str = "") -> bytes:
    msgs = [{"role": "user", "content": "list the files"}]
    if tool_result:
        msgs += [{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                                    "input": {"command": "cat log"}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                               "content": tool_result}]}]
    return json.dumps({"model": "claude-x", "max_tokens": 64, "messages": msgs}).encode()


@pytest.fixture
def fake():
    # On its own thread: raw_request below blocks the test's loop.
    with FakeProvider().in_thread() as fp:
        yield fp


@pytest.fixture
def records():
    return []


@pytest.fixture
def proxy(fake, records):
    s = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                  on_record=records.append)).start()
    s.wait_ready(20)
    yield s
    s.stop(grace=0.5)


@pytest.fixture
async def client():
    async with aiohttp.ClientSession() as s:
        yield s


async def settled(records: list, n: int) -> list:
    for _ in range(1000):  # bounded: records arrive on the proxy's thread after the answer
        if len(records) >= n:
            break
        await asyncio.sleep(0.01)
    return records


def bearer(proxy: ProxyServer) -> dict:
    return {"Authorization": f"Bearer {proxy.settings.secret}"}


def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 exchange with exactly the request line and headers given (a browser's Host)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


# -- item 2: a web page cannot drive the provider routes -------------------------------------------
async def test_cross_origin_simple_post_is_refused_before_anything_happens(fake, proxy, client, records):
    """A page's `fetch(…, {method: "POST", body, headers: {"Content-Type": "text/plain"}})` needs no
    preflight: the request itself must be refused, with a body the client can show, and nothing parsed,
    stored or forwarded."""
    async with client.post(proxy.url + "/v1/messages", data=anth_body(BIG_LOG),
                           headers={"Content-Type": "text/plain", "Origin": EVIL}) as r:
        status, doc = r.status, json.loads(await r.read())
    assert status == 403
    assert doc["type"] == "error" and doc["error"]["type"] == "permission_error"  # Anthropic-shaped
    assert "evil.example" in doc["error"]["message"]
    assert fake.requests == []
    assert default_store().list() == []  # the user's capped store is not filled by a page
    (rec,) = await settled(records, 1)  # accounted for in the ledger like any refused request
    assert rec.status == 403 and rec.path == "/v1/messages"


@pytest.mark.parametrize("path,method", [("/v1/chat/completions", "POST"), ("/v1/responses", "POST"),
                                         ("/v1/models", "GET"), ("/v1/files", "GET"), ("/anything", "OPTIONS")])
async def test_foreign_origin_is_refused_on_every_openai_style_route(fake, proxy, client, path, method):
    async with client.request(method, proxy.url + path, data=b"{}" if method == "POST" else None,
                              headers={**OAI, "Origin": EVIL}) as r:
        status, doc = r.status, json.loads(await r.read())
    assert status == 403
    assert doc["error"]["type"] == "permission_error" and "evil.example" in doc["error"]["message"]
    assert fake.requests == []


async def test_dns_rebinding_host_cannot_read_an_answer(fake, proxy):
    """evil.example resolving to 127.0.0.1: the page's requests are same-origin for the browser, carry
    no foreign Origin on a GET, but its Host names the page."""
    body = anth_body()
    status, data = raw_request(proxy.port, "POST /v1/messages HTTP/1.1\nHost: evil.example:%d\n"
                                           "Content-Type: application/json\nx-api-key: k\n"
                                           "anthropic-version: 2023-06-01\nContent-Length: %d\n"
                                           "Connection: close\n" % (proxy.port, len(body)), body)
    assert status == 403 and json.loads(data)["type"] == "error"
    status, data = raw_request(proxy.port, f"GET /v1/models HTTP/1.1\nHost: evil.example:{proxy.port}\n"
                                           "Connection: close\n")
    assert status == 403 and "error" in json.loads(data)
    assert fake.requests == []


async def test_mcp_refuses_a_rebinding_host_without_origin(proxy):
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    status, _ = raw_request(proxy.port, "POST /mcp HTTP/1.1\nHost: evil.example\nContent-Type: application/json\n"
                                        f"Authorization: Bearer {proxy.settings.secret}\n"
                                        f"Content-Length: {len(ping)}\nConnection: close\n", ping)
    assert status == 403


async def test_healthz_keeps_the_session_id_from_a_rebinding_host(proxy):
    status, data = raw_request(proxy.port, "GET /healthz HTTP/1.1\nHost: evil.example\nConnection: close\n")
    assert status == 403 and proxy.settings.session_id.encode() not in data
    status, data = raw_request(proxy.port, f"GET /healthz HTTP/1.1\nHost: localhost:{proxy.port}\n"
                                           "Connection: close\n")
    assert status == 200 and json.loads(data)["session_id"] == proxy.settings.session_id


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "127.0.0.1",
                                  "[::1]:{port}", "app.localhost:{port}"])
async def test_what_real_agents_send_still_works(fake, proxy, host):
    """Claude Code, Codex, Copilot, aider, OpenClaw (Node/undici, Python httpx): Host 127.0.0.1:PORT or
    localhost:PORT and no Origin."""
    body = anth_body()
    status, data = raw_request(proxy.port, f"POST /v1/messages?beta=true HTTP/1.1\nHost: {host.format(port=proxy.port)}\n"
                                           "Content-Type: application/json\nx-api-key: k\n"
                                           f"anthropic-version: 2023-06-01\nContent-Length: {len(body)}\n"
                                           "User-Agent: claude-cli/2.1.330 (external, cli)\nConnection: close\n",
                               body)
    assert status == 200, data
    assert fake.requests[-1].path == "/v1/messages"


async def test_a_request_without_host_is_not_a_browser(fake, proxy):
    status, _ = raw_request(proxy.port, "GET /v1/models HTTP/1.0\n")
    assert status == 200


async def test_a_loopback_origin_is_expected(fake, proxy, client):
    async with client.post(proxy.url + "/v1/chat/completions", data=b'{"model":"m","messages":[]}',
                           headers={**OAI, "Content-Type": "application/json",
                                    "Origin": f"http://localhost:{proxy.port}"}) as r:
        assert r.status == 200


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1.evil.example", "file://",
                                    "vscode-webview://abc", "http://localhost.evil.example:80"])
def test_the_rule_refuses_foreign_origins(origin):
    why = loopback.refusal(host="127.0.0.1:8787", origin=origin, bound_host="127.0.0.1")
    assert why is not None and "Origin" in why


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8787", "127.0.0.1.nip.io", "10.0.0.5:8787",
                                  "localhost.evil.example"])
def test_the_rule_refuses_foreign_hosts_on_a_loopback_bind(host):
    why = loopback.refusal(host=host, origin=None, bound_host="127.0.0.1")
    assert why is not None and "Host" in why


def test_allowed_hosts_replace_the_loopback_host_rule():
    """The hook for a future non-loopback gateway (docs/ARCHITECTURE.md §3): a list of names the proxy answers to."""
    gw = dict(bound_host="0.0.0.0", allowed_hosts=("gw.example",))
    assert loopback.refusal(host="gw.example:8787", origin=None, **gw) is None
    assert loopback.refusal(host="GW.example", origin="https://gw.example", **gw) is None
    assert loopback.refusal(host="evil.example", origin=None, **gw) is not None
    assert loopback.refusal(host="gw.example", origin=EVIL, **gw) is not None
    # bound beyond loopback without a list: as before, any Host (the CLI warns about such a bind)
    assert loopback.refusal(host="192.168.1.7:8787", origin=None, bound_host="0.0.0.0") is None
    assert loopback.refusal(host="192.168.1.7:8787", origin=EVIL, bound_host="0.0.0.0") is not None


async def test_allowed_hosts_setting_reaches_the_guard(fake, records):
    with ProxyServer(ProxySettings(anthropic_upstream=fake.url, allowed_hosts=("gw.example",))) as proxy:
        body = anth_body()
        head = ("POST /v1/messages HTTP/1.1\nHost: %s\nContent-Type: application/json\nx-api-key: k\n"
                f"anthropic-version: 2023-06-01\nContent-Length: {len(body)}\nConnection: close\n")
        assert raw_request(proxy.port, head % "gw.example", body)[0] == 200
        assert raw_request(proxy.port, head % "evil.example", body)[0] == 403


# -- item 9: originals only for the holder of the proxy's secret ----------------------------------
async def test_retrieve_route_needs_the_secret(proxy, client):
    key = default_store().put("the exact original\n")
    async with client.get(proxy.url + f"/v1/retrieve/{key}") as r:
        assert r.status == 401 and "secret" in json.loads(await r.read())["error"]
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    async with client.get(proxy.url + f"/v1/retrieve/{key}", headers={"Authorization": "Bearer wrong"}) as r:
        assert r.status == 401
    async with client.get(proxy.url + f"/v1/retrieve/{key}", headers=bearer(proxy)) as r:
        assert r.status == 200 and await r.text() == "the exact original\n"


async def test_retrieve_route_takes_exact_keys_only(proxy, client):
    key = default_store().put("an original\n")
    async with client.get(proxy.url + f"/v1/retrieve/{key[:8]}", headers=bearer(proxy)) as r:
        assert r.status == 404


async def mcp_call(client, url, payload, headers=None):
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json", **(headers or {})}
    async with client.post(url, data=json.dumps(payload), headers=h) as r:
        body = await r.read()
        return r.status, (json.loads(body) if body else None)


async def test_mcp_needs_the_secret(proxy, client):
    key = default_store().put("original behind the marker\n")
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "headroom_retrieve", "arguments": {"key": key}}}
    status, body = await mcp_call(client, proxy.url + "/mcp", call)
    assert status == 401 and "original behind" not in json.dumps(body)
    status, _ = await mcp_call(client, proxy.url + "/mcp", call, {"Authorization": "Bearer " + "x" * 43})
    assert status == 401
    status, body = await mcp_call(client, proxy.url + "/mcp", call, bearer(proxy))
    assert status == 200 and body["result"]["content"][0]["text"] == "original behind the marker\n"
    prefix = {**call, "params": {"name": "headroom_retrieve", "arguments": {"key": key[:10]}}}
    status, body = await mcp_call(client, proxy.url + "/mcp", prefix, bearer(proxy))
    assert body["result"]["isError"] is True  # exact keys only over HTTP


async def test_stats_needs_the_secret(proxy, client):
    async with client.get(proxy.url + "/stats") as r:
        assert r.status == 401
    async with client.get(proxy.url + "/stats", headers=bearer(proxy)) as r:
        assert r.status == 200 and json.loads(await r.read())["session_id"] == proxy.settings.session_id


async def test_healthz_needs_no_secret(proxy, client):
    async with client.get(proxy.url + "/healthz") as r:
        assert r.status == 200 and json.loads(await r.read())["ok"] is True


def test_each_proxy_has_its_own_unguessable_secret():
    a, b = ProxySettings(), ProxySettings()
    assert a.secret != b.secret and len(a.secret) >= 32
    assert a.secret not in repr(a)  # settings get logged; the secret must not ride along


def test_secret_matching():
    assert loopback.secret_matches("Bearer s3cret-value", "s3cret-value")
    assert loopback.secret_matches("bearer  s3cret-value ", "s3cret-value")
    assert not loopback.secret_matches("Bearer s3cret-valu", "s3cret-value")
    assert not loopback.secret_matches(None, "s3cret-value")
    assert not loopback.secret_matches("Basic s3cret-value", "s3cret-value")
    assert not loopback.secret_matches("Bearer ", "")  # no secret configured: nothing matches
