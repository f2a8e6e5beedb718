"""End to end: the real proxy (in-thread) in front of the fake provider, with a Recorder as
`on_record` — the provider's usage from every protocol, streamed or not, lands in the ledger, and
the dashboard attached through the registry shows it."""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

pytest.importorskip("headroom_cli.proxy.runner")
pytest.importorskip("headroom_cli.testing.fake_provider")

from headroom_cli.proxy.runner import ProxyServer  # noqa: E402
from headroom_cli.proxy.settings import ProxySettings  # noqa: E402
from headroom_cli.stats import dashboard, registry  # noqa: E402
from headroom_cli.stats.ledger import Ledger  # noqa: E402
from headroom_cli.stats.recorder import Recorder  # noqa: E402
from headroom_cli.testing.fake_provider import DEFAULT_USAGE, FakeProvider  # noqa: E402


def post(url: str, body: dict, headers: dict | None = None) -> bytes:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.read()


@pytest.fixture
def stack():
    with FakeProvider().in_thread() as fake:
        rec = Recorder()
        settings = ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                 session_id="e2e-stats", agent="claude", on_record=rec)
        proxy = ProxyServer(settings).start().wait_ready(10)
        registry.register(settings.session_id, pid=os.getpid(), port=proxy.port, agent="claude", url=proxy.url)
        try:
            yield proxy, rec
        finally:
            proxy.stop()
            rec.close()
            registry.unregister(settings.session_id)


U = DEFAULT_USAGE  # what the fake bills: input, cache_read, cache_write, output


@pytest.mark.parametrize("stream", [True, False])
def test_usage_of_all_protocols_reaches_the_ledger(stack, stream):
    proxy, rec = stack
    msgs = [{"role": "user", "content": "list the files"}]
    post(proxy.url + "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": msgs,
                                      "stream": stream},
         {"x-api-key": "test-key", "anthropic-version": "2023-06-01"})
    post(proxy.url + "/v1/chat/completions", {"model": "gpt-4o", "messages": msgs, "stream": stream,
                                              **({"stream_options": {"include_usage": True}} if stream else {})},
         {"authorization": "Bearer test"})
    post(proxy.url + "/v1/responses", {"model": "gpt-5-codex", "input": "list the files", "stream": stream},
         {"authorization": "Bearer test"})
    # A request is recorded just after its client has the answer: stopping the proxy waits for that.
    proxy.stop()
    assert rec.flush(10)
    with Ledger() as lg:
        rows = {r["protocol"]: r for r in lg.recent(10, session_ids=["e2e-stats"])}
        assert set(rows) == {"anthropic", "openai_chat", "openai_responses"}
        a = rows["anthropic"]
        assert (a["input_tokens"], a["cache_read_tokens"], a["cache_write_tokens"], a["output_tokens"]) == \
            (U["input"], U["cache_read"], U["cache_write"], U["output"])
        assert a["model"] == "claude-sonnet-4-5" and a["status"] == 200 and bool(a["streamed"]) == stream
        for proto in ("openai_chat", "openai_responses"):  # OpenAI bills no cache writes
            r = rows[proto]
            assert (r["input_tokens"], r["cache_read_tokens"], r["output_tokens"]) == \
                (U["input"], U["cache_read"], U["output"]), proto
        d = dashboard.collect(lg)
        assert [s["session_id"] for s in d["sessions"]] == ["e2e-stats"]
        assert d["totals"]["requests"] == 3
        assert d["totals"]["output_tokens"] == 3 * U["output"]
