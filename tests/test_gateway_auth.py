"""A team gateway's authentication (issue 20 item 1): every request but /healthz needs a user's token, in the base
URL's path prefix or the X-Headroom-Token header; a missing or unknown one gets a provider-shaped 401 and a
ledger row; the token never reaches the upstream nor a log line; own routes take the user's token instead of
the proxy's secret; `allowed_hosts` replaces the loopback Host check."""
from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from headroom_cli.gateway import tokens
from headroom_cli.gateway.auth import ADMIN, MEMBER, Authenticator
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider

ANTH = {"x-api-key": "sk-ant-api03-user-key", "anthropic-version": "2023-06-01"}
BODY = json.dumps({"model": "claude-x", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}).encode()


class Tokens:
    """The store's token table, as the gateway uses it (find by hash)."""

    def __init__(self):
        self.rows: dict[str, tuple[str, str]] = {}

    def add(self, user: str, role: str = MEMBER) -> str:
        t = tokens.new_token()
        self.rows[tokens.hash_token(t)] = (user, role)
        return t

    def find(self, token_hash: str):
        return self.rows.get(token_hash)


@pytest.fixture
def fake():
    with FakeProvider().in_thread() as fp:
        yield fp


@pytest.fixture
def table():
    return Tokens()


@pytest.fixture
def records():
    return []


@pytest.fixture
def gateway(fake, table, records):
    servers = []

    def make(**kw):
        kw.setdefault("anthropic_upstream", fake.url)
        kw.setdefault("openai_upstream", fake.url + "/v1")
        kw.setdefault("gemini_upstream", fake.url)
        s = ProxyServer(ProxySettings(gateway=Authenticator(table, ttl=0), on_record=records.append,
                                      no_compress=True, **kw)).start()
        s.wait_ready(20)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop(grace=0.5)


async def post(url: str, headers: dict | None = None, body: bytes = BODY) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as s:
        async with s.post(url, data=body, headers={**ANTH, **(headers or {})}) as r:
            return r.status, await r.json(content_type=None)


async def get(url: str, headers: dict | None = None) -> tuple[int, object]:
    async with aiohttp.ClientSession() as s:
        async with s.get(url, headers=headers or {}) as r:
            return r.status, await r.json(content_type=None)


async def settled(records: list, n: int) -> list:
    import asyncio

    for _ in range(1000):
        if len(records) >= n:
            break
        await asyncio.sleep(0.01)
    return records


async def test_no_token_gets_a_provider_shaped_401_per_wire_and_a_ledger_row(gateway, fake, records):
    gw = gateway()
    status, body = await post(gw.url + "/v1/messages")
    assert status == 401 and body["type"] == "error" and body["error"]["type"] == "authentication_error"
    assert "token" in body["error"]["message"]
    status, body = await post(gw.url + "/v1/chat/completions", {"Authorization": "Bearer sk-proj-x"},
                              json.dumps({"model": "gpt-x", "messages": []}).encode())
    assert status == 401 and body["error"]["type"] == "invalid_request_error" and "token" in body["error"]["message"]
    status, body = await post(gw.url + "/v1beta/models/gemini-2.5-flash:generateContent", {}, b"{}")
    assert status == 401 and body["error"]["status"] == "UNAUTHENTICATED"
    assert fake.requests == []  # nothing reached the provider
    rows = await settled(records, 3)
    assert [r.status for r in rows] == [401, 401, 401]
    assert {r.path for r in rows} == {"/v1/messages", "/v1/chat/completions",
                                      "/v1beta/models/gemini-2.5-flash:generateContent"}


async def test_an_unknown_or_revoked_token_is_refused(gateway, fake, table, records):
    gw = gateway()
    good = table.add("alice")
    assert (await post(f"{gw.url}/t/{good}/v1/messages"))[0] == 200
    forged = tokens.new_token()
    status, body = await post(f"{gw.url}/t/{forged}/v1/messages")
    assert status == 401 and "not valid" in body["error"]["message"]
    assert (await post(gw.url + "/v1/messages", {tokens.HEADER: forged}))[0] == 401
    table.rows.clear()  # revoked (ttl=0: nothing kept)
    assert (await post(f"{gw.url}/t/{good}/v1/messages"))[0] == 401
    assert len(fake.requests) == 1


async def test_the_token_is_stripped_before_forwarding_and_the_provider_key_passes(gateway, fake, table):
    gw = gateway()
    t = table.add("alice")
    assert (await post(f"{gw.url}/t/{t}/v1/messages?beta=true"))[0] == 200
    assert (await post(gw.url + "/v1/messages", {tokens.HEADER: t}))[0] == 200
    by_path, by_header = fake.requests
    assert by_path.path == "/v1/messages" and by_path.query == "beta=true"
    assert by_header.path == "/v1/messages"
    for rec in (by_path, by_header):
        assert rec.headers["x-api-key"] == ANTH["x-api-key"]  # the provider credential, unchanged
        assert tokens.HEADER not in rec.headers
        assert t not in json.dumps(dict(rec.headers)) and t not in rec.path and t.encode() not in rec.raw


async def test_the_token_is_in_no_log_line(gateway, fake, table, records, caplog):
    """Debug logging on everywhere; requests carrying a valid token (path and header), a forged one, a failing
    upstream: no log record, ledger row or upstream request holds either token."""
    caplog.set_level(logging.DEBUG)  # the root logger: aiohttp's, headroom's, everyone's
    gw = gateway()
    t = table.add("alice")
    forged = tokens.new_token()
    await post(f"{gw.url}/t/{t}/v1/messages")
    await post(gw.url + "/v1/messages", {tokens.HEADER: t})
    await post(f"{gw.url}/t/{forged}/v1/messages")
    await post(f"{gw.url}/t/{t}/no/such/route", {}, b"x")
    broken = gateway(anthropic_upstream="http://127.0.0.1:9")  # nothing listens: a logged 502
    await post(f"{broken.url}/t/{t}/v1/messages")
    await settled(records, 5)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # debug lines were written
    lines = [r.getMessage() for r in caplog.records] + [caplog.text]
    for secret in (t, forged, t[len(tokens.PREFIX):], forged[len(tokens.PREFIX):]):
        assert not any(secret in line for line in lines)
        assert not any(secret in (r.path + (r.error or "")) for r in records)
        assert not any(secret in (rec.path + rec.query + json.dumps(dict(rec.headers))) for rec in fake.requests)


async def test_own_routes_take_the_users_token_not_the_proxys_secret(gateway, table):
    gw = gateway()
    t = table.add("alice")
    assert (await get(gw.url + "/healthz"))[0] == 200  # a load balancer's health check needs no token
    route = "/v1/retrieve/0123456789abcdef01234567"  # no such original: 404 once past the guard
    for path in (route, "/stats"):
        assert (await get(gw.url + path))[0] == 401
        assert (await get(gw.url + path, {"Authorization": f"Bearer {gw.settings.secret}"}))[0] == 401
    assert (await get(gw.url + route, {"Authorization": f"Bearer {t}"}))[0] == 404
    assert (await get(f"{gw.url}/t/{t}{route}"))[0] == 404
    assert (await get(gw.url + route, {tokens.HEADER: t}))[0] == 404
    listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{gw.url}/t/{t}/mcp", data=listing, headers=accept) as r:  # the path form
            assert r.status == 200 and "headroom_retrieve" in await r.text()
        async with s.post(f"{gw.url}/mcp", data=listing, headers=accept) as r:
            assert r.status == 401


async def test_allowed_hosts_replace_the_loopback_host_check(gateway, table):
    gw = gateway(allowed_hosts=("gw.example",))
    t = table.add("alice")
    status, _ = await post(f"{gw.url}/t/{t}/v1/messages", {"Host": "gw.example"})
    assert status == 200
    status, body = await post(f"{gw.url}/t/{t}/v1/messages", {"Host": "evil.example"})
    assert status == 403 and "not one of the names" in body["error"]["message"]
    status, _ = await post(f"{gw.url}/t/{t}/v1/messages", {"Host": "127.0.0.1"})
    assert status == 403  # loopback names are not the gateway's unless listed


async def test_a_local_proxy_keeps_the_loopback_host_check_and_knows_no_tokens(fake, table):
    s = ProxyServer(ProxySettings(anthropic_upstream=fake.url, no_compress=True)).start()
    try:
        s.wait_ready(20)
        assert (await post(s.url + "/v1/messages", {"Host": "gw.example"}))[0] == 403
        assert (await post(s.url + "/v1/messages"))[0] == 200  # no token needed on a local proxy
        # a gateway's base URL pointed at it: refused, and the token does not travel on to the provider
        t = table.add("alice")
        status, body = await post(f"{s.url}/t/{t}/v1/messages", {tokens.HEADER: t})
        assert status == 400 and "not a team gateway" in body["error"]["message"]
    finally:
        s.stop(grace=0.5)
    assert len(fake.requests) == 1
    assert tokens.HEADER not in fake.requests[0].headers


def test_tokens_are_random_hashed_and_split_from_paths():
    a, b = tokens.new_token(), tokens.new_token()
    assert a != b and a.startswith("hrt_") and len(a) >= 40
    assert tokens.hash_token(a) == tokens.hash_token(a) and len(tokens.hash_token(a)) == 64
    assert tokens.split_path(f"/t/{a}/v1/messages?beta=true") == (a, "/v1/messages?beta=true")
    assert tokens.split_path(f"/t/{a}") == (a, "/")
    assert tokens.split_path(f"/t/{a}?x=1") == (a, "/?x=1")
    assert tokens.split_path("/v1/messages") is None and tokens.split_path("/t//v1") is None
    assert tokens.prefixed_url("https://gw.example/", a) == f"https://gw.example/t/{a}"


def test_a_hit_is_kept_for_ttl_seconds_and_a_miss_never():
    now = [0.0]
    table = Tokens()
    auth = Authenticator(table, ttl=5, clock=lambda: now[0])
    t = table.add("bob", ADMIN)
    assert auth.identify(t).admin
    table.rows.clear()
    now[0] = 4.0
    assert auth.identify(t) is not None  # kept
    now[0] = 5.5
    assert auth.identify(t) is None  # revocation seen once the hit is older than ttl
    later = tokens.new_token()
    assert auth.identify(later) is None
    table.rows[tokens.hash_token(later)] = ("carol", MEMBER)
    assert auth.identify(later).user == "carol"  # the miss was not kept


async def test_a_store_that_does_not_answer_lets_nobody_in(fake, records):
    """Authentication fails closed: the proxy's usual fail-open is for compression, never for who may pass."""
    class Down:
        def find(self, token_hash):
            raise OSError("connection refused")

    gw = ProxyServer(ProxySettings(anthropic_upstream=fake.url, gateway=Authenticator(Down()), no_compress=True,
                                   on_record=records.append)).start()
    try:
        gw.wait_ready(20)
        status, body = await post(f"{gw.url}/t/{tokens.new_token()}/v1/messages")
        assert status == 503 and body["type"] == "error" and "retry" in body["error"]["message"]
        assert (await get(gw.url + "/healthz"))[0] in (200, 503)  # answered by the health route, not the guard
    finally:
        gw.stop(grace=0.5)
    assert fake.requests == []
    assert [r.status for r in await settled(records, 1)] == [503]


async def test_a_malformed_request_line_holding_a_token_is_logged_without_it(gateway, table, caplog):
    import socket

    caplog.set_level(logging.DEBUG)
    gw = gateway()
    t = table.add("alice")
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(f"GE\x01T /t/{t}/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        s.recv(65536)
    assert t not in caplog.text and t[4:] not in caplog.text


async def test_a_slow_token_check_is_not_blamed_on_the_client(fake, table, records):
    """The headers are complete once the guard runs: a token check that waits on the store (a database
    restarting) longer than the header limit must not turn into the watchdog's 408 for a slow client."""
    import asyncio
    import threading

    entered, release = threading.Event(), threading.Event()
    t = table.add("alice")

    class Slow:
        def find(self, token_hash):
            entered.set()
            release.wait(15)
            return table.find(token_hash)

    gw = ProxyServer(ProxySettings(anthropic_upstream=fake.url, gateway=Authenticator(Slow(), ttl=0),
                                   no_compress=True, on_record=records.append, header_timeout=0.3)).start()
    try:
        gw.wait_ready(20)
        answer = asyncio.ensure_future(post(f"{gw.url}/t/{t}/v1/messages"))
        assert await asyncio.get_running_loop().run_in_executor(None, entered.wait, 15)
        await asyncio.sleep(0.3 * 4)  # well past the header limit while the check waits
        release.set()
        status, body = await asyncio.wait_for(answer, 15)
    finally:
        release.set()
        gw.stop(grace=0.5)
    assert status == 200, (status, body)
    assert gw.watchdog.closed["head"] == 0
