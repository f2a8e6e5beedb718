"""Credentials never leave the process (issue 15 item 6): one redaction (proxy/redact.py) for every URL
and exception text that reaches a log line, the ledger's error column, an error body or a banner.
Each test checks that the secret is gone AND that the surrounding content is still there."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import subprocess
import sys

import aiohttp
import pytest

from headroom_cli.proxy import redact
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider

QS_SECRET = "QSsecret0123456789"
PASSWORD = "Pa55wordXYZ"


def test_text_redacts_urls_inside_free_text():
    msg = (f"400, message='Bad status line', url='http://127.0.0.1:9/v1/messages?beta=true&key={QS_SECRET}' "
           f"then https://user:{PASSWORD}@gw.example/v1?api_key={QS_SECRET}&x=1 done")
    out = redact.text(msg)
    assert QS_SECRET not in out and PASSWORD not in out
    assert "Bad status line" in out and "http://127.0.0.1:9/v1/messages?beta=true&key=" in out
    assert "https://gw.example/v1?api_key=" in out and "&x=1 done" in out


def test_text_redacts_a_bare_query_string():
    out = redact.text(f"GET /v1/models?token={QS_SECRET}&limit=5 failed")
    assert QS_SECRET not in out and "/v1/models?token=" in out and "limit=5 failed" in out


def test_url_keeps_harmless_query_values_as_written():
    assert redact.url("https://h.example/p?api-version=2024-10-01&q=a%20b") == \
        "https://h.example/p?api-version=2024-10-01&q=a%20b"
    out = redact.url(f"https://u:{PASSWORD}@h.example:8443/p?sig={QS_SECRET}&key={QS_SECRET}")
    assert PASSWORD not in out and out.startswith("https://h.example:8443/p?") and f"key={QS_SECRET}" not in out


def test_headers_log_only_values_known_to_be_harmless():
    out = redact.headers([("Content-Type", "application/json"), ("anthropic-version", "2023-06-01"),
                          ("X-Gateway-Credential", "gwcred-9f8e7d"), ("x-api-key", "sk-ant-x"),
                          ("X-Custom-Routing", "tenant-42-private")])
    assert out["Content-Type"] == "application/json" and out["anthropic-version"] == "2023-06-01"
    assert "gwcred-9f8e7d" not in json.dumps(out) and "tenant-42-private" not in json.dumps(out)
    assert "sk-ant-x" not in json.dumps(out)
    assert set(out) == {"Content-Type", "anthropic-version", "X-Gateway-Credential", "x-api-key", "X-Custom-Routing"}


@pytest.fixture
def garbage_upstream():
    """An upstream that answers with a broken status line: aiohttp's error then carries the full URL."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    import threading

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c:
                c.recv(65536)
                c.sendall(b"garbage\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


async def test_query_secret_stays_out_of_log_ledger_and_502(garbage_upstream, caplog):
    records = []
    caplog.set_level(logging.WARNING, logger="headroom")
    with ProxyServer(ProxySettings(anthropic_upstream=garbage_upstream, on_record=records.append,
                                   retrieval="off")) as proxy:
        async with aiohttp.ClientSession() as s:
            async with s.post(proxy.url + f"/v1/messages?beta=true&key={QS_SECRET}",
                              data=json.dumps({"model": "m", "max_tokens": 1, "messages": []}),
                              headers={"content-type": "application/json", "anthropic-version": "2023-06-01"}) as r:
                status, body = r.status, await r.text()
        for _ in range(500):
            if records:
                break
            await asyncio.sleep(0.01)
    assert status == 502
    assert QS_SECRET not in body and "could not reach the upstream" in body and "Bad status line" in body
    log = caplog.text
    assert QS_SECRET not in log and "unreachable" in log and "Bad status line" in log
    (rec,) = records
    assert QS_SECRET not in rec.error and "Bad status line" in rec.error and "/v1/messages" in rec.error


async def test_debug_log_of_headers_shows_no_unknown_values(caplog):
    caplog.set_level(logging.DEBUG, logger="headroom")
    async with FakeProvider() as fake:
        with ProxyServer(ProxySettings(anthropic_upstream=fake.url, retrieval="off")) as proxy:
            async with aiohttp.ClientSession() as s:
                async with s.post(proxy.url + "/v1/messages", data=b'{"model":"m","messages":[]}',
                                  headers={"content-type": "application/json", "anthropic-version": "2023-06-01",
                                           "X-Gateway-Credential": "gwcred-9f8e7d6c"}) as r:
                    assert r.status == 200
    line = next(m for m in caplog.messages if "headers=" in m)
    assert "gwcred-9f8e7d6c" not in caplog.text
    assert "X-Gateway-Credential" in line and "2023-06-01" in line and "/v1/messages" in line


def test_proxy_banner_hides_an_upstream_password():
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0", "--anthropic-upstream",
                          f"https://user:{PASSWORD}@gw.example/anthropic"],
                         stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines = []
    assert p.stderr is not None
    for line in p.stderr:
        lines.append(line)
        if "Ctrl-C" in line:
            break
    p.send_signal(2)
    _, rest = p.communicate(timeout=20)
    text = "".join(lines) + rest
    assert PASSWORD not in text
    assert re.search(r"anthropic → https://gw\.example/anthropic", text), text


def test_wrap_banner_and_dry_run_hide_an_upstream_password(isolated_dirs):
    import os

    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-api03-x"}
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "claude", "--dry-run",
                          "--anthropic-upstream", f"https://user:{PASSWORD}@gw.example/anthropic", "--", "-p", "hi"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert PASSWORD not in out.stdout + out.stderr
    assert "# upstream https://gw.example/anthropic" in out.stdout
