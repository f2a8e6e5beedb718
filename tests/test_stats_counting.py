"""Which requests are counted (issue 16, item 4): every request compression looked at, failed or not, and one
with nothing to compress counts as before = after, 0 saved — never "not counted"."""
from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request

import pytest
from rich.console import Console

from headroom_cli.stats import render, summary
from headroom_cli.stats.ledger import Ledger

pytest.importorskip("headroom_cli.testing.fake_provider")

from headroom_cli.ccr.store import default_store  # noqa: E402
from headroom_cli.proxy.runner import ProxyServer  # noqa: E402
from headroom_cli.proxy.settings import ProxySettings  # noqa: E402
from headroom_cli.stats.recorder import Recorder  # noqa: E402
from headroom_cli.testing.fake_provider import FakeProvider, Text  # noqa: E402


def capture(renderable, width=100) -> str:
    con = Console(record=True, width=width, color_system=None, file=io.StringIO())
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.export_text().splitlines())


def post(url: str, body: dict) -> int:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", "x-api-key": "k",
                                          "anthropic-version": "2023-06-01"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


def run_proxy(upstream: str, session: str, *bodies: dict) -> list[int]:
    recorder = Recorder()
    settings = ProxySettings(anthropic_upstream=upstream, openai_upstream=upstream + "/v1", session_id=session,
                             agent="claude", on_record=recorder)
    proxy = ProxyServer(settings).start().wait_ready(10)
    try:
        return [post(proxy.url + "/v1/messages", b) for b in bodies]
    finally:
        proxy.stop()  # waits for the figures counted after each answer
        recorder.close()


def chat(tool_output: str | None = None) -> dict:
    msgs: list = [{"role": "user", "content": "how is the worker doing? " * 20}]
    if tool_output is not None:
        msgs += [{"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                                    "input": {"command": "cat worker.log"}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": tool_output}]}]
    return {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": msgs}


def big_log() -> str:
    return "\n".join(f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 7} request {i} ok "
                     f"in {i % 97} ms" for i in range(400))


def test_a_request_with_nothing_to_compress_counts_with_0_saved():
    with FakeProvider(lambda req: Text("fine")).in_thread() as fake:
        assert run_proxy(fake.url, "plain", chat()) == [200]
    with Ledger() as lg:
        (row,) = lg.recent(5, session_ids=["plain"])
        assert row["tokens_before"] > 0 and row["tokens_before"] == row["tokens_after"]
        text = capture(summary.render_summary("plain", duration_s=5, ledger=lg))
    assert "not counted" not in text
    line = next(ln for ln in text.splitlines() if ln.startswith("Tokens before → after"))
    n = render.tokens(row["tokens_before"])
    assert f"{n} → {n}, 0 saved" in line


def test_a_failed_request_whose_original_was_stored_is_counted():
    with socket.socket() as s:  # a port nothing listens on: the upstream is unreachable
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert run_proxy(dead, "failed", chat(big_log())) == [502]
    assert default_store().list(), "compression ran: the original was stored"
    with Ledger() as lg:
        (row,) = lg.recent(5, session_ids=["failed"])
        assert row["status"] == 502
        assert 0 < row["tokens_after"] < row["tokens_before"]
        t = lg.session_totals("failed")
        text = capture(summary.render_summary("failed", duration_s=5, ledger=lg))
    assert "not counted" not in text and "(1 failed)" in text
    # it never reached the provider: nothing billed, so no money avoided either
    assert t["tokens_saved"] > 0 and t["provider_tokens_saved"] == 0 and t["unpriced_requests"] == 0


def test_not_counted_only_when_no_request_reached_compression():
    with Ledger() as lg:
        text = capture(render.totals_table(lg.totals(), title="t"))
    assert "not counted" in text
