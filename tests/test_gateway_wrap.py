"""`headroom wrap <agent> --gateway URL` (issue 20 item 2): no local proxy; the agent goes straight to the team
gateway with its user's token — in a header where its profile says it sends custom headers (the token then
stays off its command line), else in the base URL's path — and its MCP retrieve tool is the gateway's `/mcp`
with the token as bearer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli.errors import UsageError
from headroom_cli.gateway import tokens
from headroom_cli.gateway.auth import Authenticator
from headroom_cli.launch import profiles
from headroom_cli.launch.session import WrapOptions, WrapRun
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing import FakeProvider

FAKES = Path(__file__).parent / "fakes" / "agents"
KEYS = {"ANTHROPIC_API_KEY": "sk-ant-api03-TESTSECRET0001", "OPENAI_API_KEY": "sk-proj-TESTSECRET0002"}
TOKEN = "hrt_" + "A1b2C3d4" * 5 + "xyz"
GW = "https://gw.example"


def plan_for(agent: str, *args: str, env: dict | None = None, token: str | None = TOKEN):
    environ = {**os.environ, **KEYS, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    run = WrapRun(WrapOptions(agent=agent, user_args=list(args), dry_run=True, env=environ, gateway=GW,
                              gateway_token=token))
    return run, run.prepare()


def test_claude_gets_the_token_in_a_header_and_none_on_its_command_line():
    run, plan = plan_for("claude", "-p", "hi", env={"ANTHROPIC_CUSTOM_HEADERS": "X-Team: blue"})
    assert run.proxy is None and run.sock is None and run.settings is None  # no local proxy
    assert plan.env["ANTHROPIC_BASE_URL"] == GW
    assert plan.env["ANTHROPIC_CUSTOM_HEADERS"] == f"X-Team: blue\nX-Headroom-Token: {TOKEN}"  # theirs kept
    assert TOKEN not in json.dumps(plan.argv)
    settings = json.loads(plan.argv[plan.argv.index("--settings") + 1])
    assert settings["env"]["ANTHROPIC_BASE_URL"] == GW
    mcp = json.loads(plan.argv[plan.argv.index("--mcp-config") + 1])["mcpServers"]["headroom"]
    assert mcp["url"] == GW + "/mcp" and mcp["headers"]["Authorization"] == "Bearer ${HEADROOM_PROXY_SECRET}"
    assert plan.env["HEADROOM_PROXY_SECRET"] == TOKEN  # what the registration expands: the gateway's bearer


def test_codex_sends_the_token_from_its_environment_through_its_provider():
    _, plan = plan_for("codex", "exec", "hi")
    assert TOKEN not in json.dumps(plan.argv)
    joined = " ".join(plan.argv)
    assert f'base_url="{GW}/v1"' in joined and 'env_http_headers={X-Headroom-Token="HEADROOM_GATEWAY_TOKEN"}' in joined
    assert f'mcp_servers.headroom.url="{GW}/mcp"' in joined
    assert plan.env["HEADROOM_GATEWAY_TOKEN"] == TOKEN


@pytest.mark.parametrize("agent", ["aider", "copilot", "opencode"])
def test_agents_without_custom_headers_carry_the_token_in_the_base_url(agent):
    _, plan = plan_for(agent, env={"COPILOT_MODEL": "gpt-4.1"})
    assert profiles.load(agent).gateway_token == "prefix"
    assert f"{GW}/t/{TOKEN}" in json.dumps(plan.env)


def test_every_builtin_profile_states_how_its_token_travels():
    for p in profiles.all_profiles().values():
        text = Path(p.source).read_text(encoding="utf-8")
        assert "[gateway]" in text, f"{p.source}: say how `wrap --gateway` hands over the token"


def test_a_missing_token_or_a_bad_url_is_a_usage_error():
    with pytest.raises(UsageError, match="needs your gateway token"):
        plan_for("claude", token=None)
    with pytest.raises(UsageError, match="not an http"):
        WrapRun(WrapOptions(agent="claude", dry_run=True, gateway="gw.example", gateway_token=TOKEN,
                            env={**os.environ, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}"})).prepare()


def test_the_dry_run_never_shows_the_token():
    env = {**os.environ, **KEYS, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}",
           "HEADROOM_GATEWAY_TOKEN": TOKEN}
    for agent in ("claude", "codex", "aider"):
        r = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", agent, "--gateway", GW, "--dry-run"],
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert "via the team gateway" in r.stdout
        assert TOKEN not in r.stdout + r.stderr and TOKEN[4:20] not in r.stdout + r.stderr


# -- end to end: fake agents, a gateway in front of the fake provider ----------------------------------------
class Table:
    def __init__(self):
        self.rows = {}

    def find(self, token_hash):
        return self.rows.get(token_hash)


@pytest.fixture
def gateway_up():
    table = Table()
    table.rows[tokens.hash_token(TOKEN)] = ("alice", "member")
    with FakeProvider().in_thread() as fake:
        gw = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                       gateway=Authenticator(table, ttl=0))).start()
        try:
            gw.wait_ready(20)
            yield gw, fake
        finally:
            gw.stop(grace=0.5)


@pytest.mark.parametrize("agent", ["claude", "codex", "aider"])
def test_a_wrapped_agent_talks_to_the_gateway_with_its_token(gateway_up, agent, tmp_path):
    gw, fake = gateway_up
    out = tmp_path / "agent.json"
    env = {**os.environ, **KEYS, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}", "FAKE_AGENT_OUT": str(out),
           "HEADROOM_GATEWAY_TOKEN": TOKEN}
    args = ["exec", "x"] if agent == "codex" else []
    r = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", agent, "--gateway", gw.url, "--", *args],
                       env=env, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(out.read_text())
    assert rep["statuses"] == [200, 200]
    assert len(fake.model_requests) == 2
    for rec in fake.model_requests:  # the token reached the gateway, not the provider
        assert TOKEN not in rec.path + json.dumps(dict(rec.headers))
        assert tokens.HEADER not in rec.headers
    if agent in ("claude", "codex"):  # MCP: the gateway's /mcp, the token as bearer
        assert rep["mcp"]["status"] == 200 and rep["mcp"]["tools"] == ["headroom_retrieve"]
        assert rep["mcp"]["without_secret"] == 401
    assert "via the team gateway" in r.stderr and TOKEN not in r.stderr
