"""Opt-in (HEADROOM_E2E=1, the agent on PATH): real Claude Code and Codex through `headroom wrap --gateway` to a
team gateway on loopback (in front of the fake provider). Checks the facts their profiles state: Claude Code sends
the lines of ANTHROPIC_CUSTOM_HEADERS, Codex a provider's `env_http_headers`, so the token travels in
X-Headroom-Token and the gateway admits them; their MCP registration reaches the gateway's /mcp with the token as
bearer (the retrieve tool shows up in their requests). A gateway refuses anything without the token, so two
model requests answered at all prove the header arrived."""
from __future__ import annotations

import pytest

from headroom_cli.gateway import tokens
from headroom_cli.gateway.auth import Authenticator
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider

from test_real_agents import assert_two_turns, base_env, need, run_wrap, workdir  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e


class Table:
    def __init__(self, token: str):
        self.rows = {tokens.hash_token(token): ("alice", "member")}

    def find(self, token_hash):
        return self.rows.get(token_hash)


@pytest.mark.parametrize("agent,protocol,args", [
    ("claude", "anthropic", ["-p", "list the files", "--allowedTools", "Bash"]),
    ("codex", "openai_responses", ["exec", "--skip-git-repo-check", "list the files"]),
])
def test_a_real_agent_reaches_the_gateway_with_its_token(workdir, agent, protocol, args):  # noqa: F811
    need(agent)
    token = tokens.new_token()
    with FakeProvider().in_thread() as fake:
        gw = ProxyServer(ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                       gateway=Authenticator(Table(token)))).start()
        try:
            gw.wait_ready(20)
            env = base_env(ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key", OPENAI_API_KEY="sk-proj-fake-e2e-key",
                           HEADROOM_GATEWAY_TOKEN=token)
            out = run_wrap(agent, ["--gateway", gw.url], args, env, workdir)
            main = assert_two_turns(fake, out, protocol)
        finally:
            gw.stop(grace=0.5)
    names = {t.get("name") for r in main for t in (r.json or {}).get("tools", [])}
    # the MCP retrieve tool came from the gateway's /mcp (Codex lists it inside its `mcp__headroom` namespace)
    assert any("headroom_retrieve" in str(n) for n in names) or "mcp__headroom" in str(names), names
    for r in fake.requests:
        assert token not in r.path + str(dict(r.headers)) and tokens.HEADER not in r.headers
