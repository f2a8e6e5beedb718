"""Replay real Claude Code / Codex request bodies (../shared/fixtures, opt-in: skipped when absent)
through the proxy: bypassed they arrive byte-identical; processed they arrive as valid JSON, and the
same request forwarded twice gives the same bytes (cache safety)."""
from __future__ import annotations

import json

import aiohttp
import pytest
import real_fixtures

from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider

CASES = [
    ("claude-code-2.1.330.jsonl", "/v1/messages?beta=true",
     {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219"}),
    ("codex-0.169.0.jsonl", "/v1/responses", {"Authorization": "Bearer sk-test", "originator": "codex_exec"}),
]


@pytest.mark.parametrize("name,path,headers", CASES, ids=["claude", "codex"])
async def test_replay_real_requests(name, path, headers):
    f = real_fixtures.path(name)
    bodies = [line.encode() for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert bodies
    async with FakeProvider() as fake:
        with ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1")) as proxy:
            async with aiohttp.ClientSession() as s:
                for body in bodies:
                    forwarded = []
                    for extra in ({"x-headroom-bypass": "1"}, {}, {}):
                        async with s.post(proxy.url + path, data=body, headers={**headers, **extra,
                                                                                 "Content-Type": "application/json"}) as r:
                            assert r.status == 200
                            answer = await r.read()
                        forwarded.append(fake.requests[-1].raw)
                        assert answer == fake.requests[-1].response
                    assert forwarded[0] == body
                    assert forwarded[1] == forwarded[2]
                    assert json.loads(forwarded[1])["model"] == json.loads(body)["model"]
    assert len(fake.model_requests) == 3 * len(bodies)
