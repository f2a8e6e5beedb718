"""Test isolation: every test gets its own user directories and no real provider URLs."""
from __future__ import annotations

import os

import pytest

pytest_plugins = ["pgcluster"]  # pg_server / pg_url: a real PostgreSQL on loopback (tests/pgcluster.py)

_LEAKY_ENV = [
    "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "CODEX_HOME",
    "COPILOT_PROVIDER_BASE_URL", "OPENCLAW_CONFIG_PATH",
]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """All headroom user dirs (platformdirs) under a fresh temp folder, HOME too."""
    base = tmp_path_factory.mktemp("hr")
    monkeypatch.setenv("HEADROOM_HOME", str(base / "headroom"))
    for key in ("DATA", "CACHE", "CONFIG", "STATE", "RUNTIME"):
        monkeypatch.delenv(f"HEADROOM_{key}_DIR", raising=False)
    home = base / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in _LEAKY_ENV:
        monkeypatch.delenv(var, raising=False)
    yield base


@pytest.fixture
def proxy_for():
    """`proxy_for(fake, **settings)`: a started in-process proxy in front of a fake provider, stopped after the test."""
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings

    servers = []

    def make(fake, **kw):
        kw.setdefault("anthropic_upstream", fake.url)
        kw.setdefault("openai_upstream", fake.url + "/v1")
        kw.setdefault("gemini_upstream", fake.url)
        s = ProxyServer(ProxySettings(**kw)).start()
        s.wait_ready(20)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop(grace=0.5)
