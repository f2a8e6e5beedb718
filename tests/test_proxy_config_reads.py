"""The proxy reads its configuration when it starts, never per request. Before, every request that stored an
original read config.toml again (the store's default lifetime, `config.get("cache_ttl")` at put time, and on
a memo hit the lifetime for its refresh) and resolved the user dirs again (`default_store()`). A changed
`headroom cache --ttl` or config.toml now applies from the proxy's next start."""
from __future__ import annotations

import json
import time

import aiohttp

from headroom_cli import config
from headroom_cli.testing.fake_provider import FakeProvider, Text

ANTH = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}


def request(run: int) -> dict:
    log = "\n".join(f"2026-11-23T11:{run % 60:02d}:{j % 60:02d}Z INFO worker-{j % 5} processed batch {j} of run {run}"
                    for j in range(600))
    return {"model": "claude-x", "max_tokens": 10, "messages": [
        {"role": "user", "content": "what does the log say?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat app.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": log}]}]}


async def post(url: str, body: dict) -> int:
    async with aiohttp.ClientSession() as c:
        async with c.post(url, data=json.dumps(body).encode(),
                          headers={"content-type": "application/json", **ANTH}) as r:
            await r.read()
            return r.status


def counting(monkeypatch) -> dict[str, int]:
    """Count the reads of config.toml (`user_config`) and resolutions of the user dirs (`paths`)."""
    counts = {"user_config": 0, "paths": 0}
    for name in counts:
        real = getattr(config, name)

        def counted(*a, _name=name, _real=real, **kw):
            counts[_name] += 1
            return _real(*a, **kw)

        monkeypatch.setattr(config, name, counted)
    return counts


async def test_requests_read_no_config_and_resolve_no_paths(proxy_for, monkeypatch):
    records: list = []
    with FakeProvider([Text("ok")] * 8).in_thread() as fake:
        p = proxy_for(fake, on_record=records.append, retrieval="off")
        assert await post(p.url + "/v1/messages", request(0)) == 200  # (the first opens the store)
        counts = counting(monkeypatch)
        for run in (1, 2, 3, 3):  # new originals stored, and a memo hit (its refresh needs the lifetime too)
            assert await post(p.url + "/v1/messages", request(run)) == 200
        p.stop(grace=1)
    assert counts == {"user_config": 0, "paths": 0}
    assert all("[…" in r.body.decode() or "omitted" in r.body.decode() for r in fake.model_requests[1:])
    assert len(records) == 5 and not any(r.error for r in records)


async def test_the_lifetime_is_the_one_configured_when_the_proxy_started(proxy_for):
    config.set_user_config("cache_ttl", 1234)
    with FakeProvider([Text("ok")] * 4).in_thread() as fake:
        p = proxy_for(fake, retrieval="off")
        config.set_user_config("cache_ttl", 99)  # while it runs: applies from its next start
        t0 = time.time()
        assert await post(p.url + "/v1/messages", request(1)) == 200
        entries = p.settings.originals().list()
        p.stop(grace=1)
    assert entries and all(abs(e["expires"] - e["created"] - 1234) < 2 for e in entries)
    assert all(e["created"] >= t0 - 1 for e in entries)
