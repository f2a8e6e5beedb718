"""headroom's own paths on the proxy are answered by headroom (issue 16 item 16): `GET /` and `/health` were
forwarded upstream (a 502 or the provider's 404) while `/healthz` was undocumented."""
from __future__ import annotations

import json

import aiohttp
import pytest

from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider


@pytest.fixture
async def fake():
    async with FakeProvider() as fp:
        yield fp


@pytest.fixture
def proxy(fake):
    s = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                  session_id="own-routes")).start().wait_ready(20)
    yield s
    s.stop(grace=0.5)


@pytest.mark.parametrize("path", ["/health", "/healthz"])
async def test_health_is_answered_here(fake, proxy, path):
    async with aiohttp.ClientSession() as c, c.get(proxy.url + path) as r:
        assert r.status == 200
        doc = json.loads(await r.read())
    assert doc["ok"] is True and doc["service"] == "headroom" and doc["session_id"] == "own-routes"
    assert fake.requests == []


async def test_the_root_says_what_this_is(fake, proxy):
    async with aiohttp.ClientSession() as c, c.get(proxy.url + "/") as r:
        assert r.status == 200
        doc = json.loads(await r.read())
    assert doc["service"] == "headroom" and doc["health"] == "/healthz"
    assert fake.requests == []


async def test_head_root_and_other_paths_still_go_upstream(fake, proxy):
    async with aiohttp.ClientSession() as c:
        async with c.head(proxy.url + "/", headers={"x-api-key": "k"}):
            pass
        async with c.get(proxy.url + "/v1/something-else", headers={"x-api-key": "k"}):
            pass
    assert [(r.method, r.path) for r in fake.requests] == [("HEAD", "/"), ("GET", "/v1/something-else")]


def test_the_readme_documents_the_own_routes():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "`GET /healthz`" in readme and "/health" in readme and "`GET /`" in readme
