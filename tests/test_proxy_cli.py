"""`headroom proxy` as users run it: a subprocess, stopped with Ctrl-C (SIGINT) or SIGTERM."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from headroom_cli.cli import program
from headroom_cli.testing import FakeProvider

BANNER = re.compile(r"headroom proxy ▸ (http://127\.0\.0\.1:(\d+))")


def start_proxy(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str, list[str]]:
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", *args], stderr=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    lines: list[str] = []
    assert p.stderr is not None
    for line in p.stderr:  # the banner comes once the proxy serves; EOF if it died
        lines.append(line)
        m = BANNER.search(line)
        if m:
            return p, m.group(1), lines
    p.wait(10)
    raise AssertionError("no banner: " + "".join(lines))


def stop(p: subprocess.Popen, sig=signal.SIGINT) -> tuple[int, str]:
    p.send_signal(sig)
    _, err = p.communicate(timeout=20)
    return p.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_proxy_command_serves_and_stops_cleanly(sig):
    with FakeProvider().in_thread() as fake:
        p, url, _ = start_proxy("--port", "0", "--anthropic-upstream", fake.url, "--openai-upstream", fake.url + "/v1")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
                assert json.loads(r.read())["ok"] is True
            req = urllib.request.Request(url + "/v1/chat/completions", method="POST",
                                         data=json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": "Bearer sk-x"})
            with urllib.request.urlopen(req, timeout=10) as r:
                assert json.loads(r.read())["choices"][0]["message"]["tool_calls"]
            assert fake.requests[-1].path == "/v1/chat/completions"
        finally:
            code, err = stop(p, sig)
    assert code == 0, err
    assert re.search(r"Requests\s+1\b", err) or "1 requests" in err  # the savings summary counts it
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_proxy_command_env_fallback_and_ledger():
    with FakeProvider().in_thread() as fake:
        p, url, lines = start_proxy("--port", "0", env={"HEADROOM_ANTHROPIC_UPSTREAM": fake.url})
        try:
            assert fake.url in "".join(lines)
            req = urllib.request.Request(url + "/v1/messages", method="POST",
                                         data=json.dumps({"model": "claude-x", "messages": []}).encode(),
                                         headers={"x-api-key": "k", "anthropic-version": "2023-06-01"})
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
        finally:
            code, err = stop(p)
    assert code == 0, err
    assert fake.requests[-1].path == "/v1/messages"
    try:
        from headroom_cli.stats.ledger import Ledger
    except ImportError:
        return
    with Ledger() as ledger:  # the proxy's recorder wrote the request to this test's isolated ledger
        assert ledger.count() == 1


def test_port_in_use_is_a_clear_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        r = subprocess.run([sys.executable, "-m", "headroom_cli", "proxy", "--port", str(s.getsockname()[1])],
                           capture_output=True, text=True, timeout=60)
    finally:
        s.close()
    assert r.returncode == 1
    assert "already in use" in r.stderr and "hint" in r.stderr


def test_non_loopback_bind_without_users_refuses_to_start():
    """Issue 20: a bind beyond loopback is a team gateway, which needs users' tokens (it used to warn and serve)."""
    r = subprocess.run([sys.executable, "-m", "headroom_cli", "proxy", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    said = " ".join(r.stderr.split())  # rich wraps the message at the terminal's width
    assert "without user authentication" in said and "headroom team add" in said
    assert "headroom proxy ▸" not in r.stderr  # it never served


@pytest.mark.parametrize("args,needle", [
    (["--compress-ratio", "1.5"], "--compress-ratio"),
    (["--compress-ratio", "0"], "--compress-ratio"),
    (["--cache-ttl", "0"], "--cache-ttl"),
    (["--output-level", "9"], "--output-level"),
    (["--output-holdout", "2"], "--output-holdout"),
    (["--output-ratio", "3"], "output"),
    (["--port", "70000"], "--port"),
    (["--anthropic-upstream", "ftp://x"], "--anthropic-upstream"),
    (["--openai-upstream", "not a url"], "--openai-upstream"),
])
def test_invalid_values_are_usage_errors(args, needle):
    from headroom_cli.errors import UsageError

    with pytest.raises(UsageError) as e:
        program(["proxy", *args])
    assert needle in str(e.value)


def test_invalid_env_value_is_a_usage_error(monkeypatch):
    from headroom_cli.errors import UsageError

    monkeypatch.setenv("HEADROOM_PORT", "eighty")
    with pytest.raises(UsageError) as e:
        program(["proxy"])
    assert "HEADROOM_PORT" in str(e.value)


def test_flags_fill_settings():
    from headroom_cli.cli.proxy import build_settings
    from headroom_cli.proxy.settings import ProxyFlags

    s = build_settings(host=None, port=0, anthropic_upstream="http://a.test/", openai_upstream=None,
                       flags=ProxyFlags(no_compress=True, compress_ratio=0.5, cache_ttl=60,
                                        protect_tools=("Read", "Edit"), reduce_output=None, output_level=None,
                                        output_ratio=0.5, effort_routing=True, output_holdout=0.1))
    assert s.anthropic_upstream == "http://a.test" and s.openai_upstream == "https://api.openai.com/v1"
    assert (s.no_compress, s.compress_ratio, s.cache_ttl, s.protect_tools) == (True, 0.5, 60, ("Read", "Edit"))
    assert s.reduce_output is True and s.output_ratio == 0.5 and 1 <= s.output_level <= 4
    assert (s.effort_routing, s.output_holdout, s.host) == (True, 0.1, "127.0.0.1")
