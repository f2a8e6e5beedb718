"""The proxy's secret reaches the agent without a command line (issue 15 item 9): `wrap` puts it in the
agent's environment and registers MCP so that the agent expands it into a header itself (Claude Code
`${VAR}` in `headers`, Codex `bearer_token_env_var`); `headroom proxy` writes it to a 0600 file."""
from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from headroom_cli import config
from headroom_cli.launch import profiles
from headroom_cli.launch.builders import get_builder
from headroom_cli.launch.context import BuildContext, Features
from headroom_cli.launch.plan import build_plan
from headroom_cli.launch.upstream import resolve
from headroom_cli.testing.fake_provider import FakeProvider

PROXY = "http://127.0.0.1:4567"
SECRET = "s3cret-Of-This-Proxy-0123456789abcdefABCDEF"
FAKES = Path(__file__).parent / "fakes" / "agents"
VAR = config.PROXY_SECRET_ENV


def plan_for(agent, args=(), env=None, features=Features(mcp_url=PROXY + "/mcp")):
    p = profiles.load(agent)
    env = {"HOME": str(Path.home()), "PATH": "/usr/bin", **(env or {})}
    ctx = BuildContext(profile=p, exe=f"/bin/{agent}", user_args=list(args), proxy_url=PROXY, features=features,
                       env=env, cwd=Path.cwd(), session_id="s1", proxy_secret=SECRET)
    ups = resolve(env, p.upstream_env, get_builder(p.builder).discover(ctx), check=lambda url: None)
    return build_plan(ctx, ups)


@pytest.mark.parametrize("agent,args", [("claude", ["-p", "hi"]), ("codex", ["exec", "hi"]), ("copilot", []),
                                        ("aider", []), ("openclaw", ["agent", "-m", "hi"])])
def test_the_secret_is_in_the_environment_never_on_the_command_line(agent, args, tmp_path):
    env = {"COPILOT_PROVIDER_API_KEY": "k", "COPILOT_MODEL": "m", "OPENCLAW_STATE_DIR": str(tmp_path)}
    plan = plan_for(agent, args, env=env)
    assert plan.env[VAR] == SECRET
    assert SECRET not in " ".join(plan.argv)  # /proc/PID/cmdline is readable by every local user


def test_nested_wrap_hands_its_own_secret_down():
    plan = plan_for("claude", ["-p", "hi"], env={VAR: "the-outer-proxys-secret"})
    assert plan.env[VAR] == SECRET


def test_claude_expands_the_secret_into_its_mcp_header():
    plan = plan_for("claude", ["-p", "hi"])
    i = plan.argv.index("--mcp-config")
    server = json.loads(plan.argv[i + 1])["mcpServers"]["headroom"]
    assert server == {"type": "http", "url": PROXY + "/mcp", "headers": {"Authorization": f"Bearer ${{{VAR}}}"}}


def test_codex_reads_the_secret_from_the_environment_itself():
    plan = plan_for("codex", ["exec", "hi"])
    ov = {plan.argv[i + 1].partition("=")[0]: plan.argv[i + 1].partition("=")[2]
          for i, a in enumerate(plan.argv) if a == "-c"}
    assert json.loads(ov["mcp_servers.headroom.url"]) == PROXY + "/mcp"
    assert json.loads(ov["mcp_servers.headroom.bearer_token_env_var"]) == VAR


def test_wrap_run_gives_the_agent_the_proxys_own_secret(monkeypatch):
    from headroom_cli.launch.session import WrapOptions, WrapRun

    monkeypatch.setenv("PATH", f"{FAKES}:{os.environ['PATH']}")
    run = WrapRun(WrapOptions(agent="claude", user_args=["-p", "x"], anthropic_upstream="https://gw.example"))
    try:
        plan = run.prepare()
        assert plan.env[VAR] == run.settings.secret and len(run.settings.secret) >= 32
        assert run.settings.secret not in " ".join(plan.argv)
    finally:
        run.close()


def test_dry_run_masks_the_secret(isolated_dirs):
    env = {**os.environ, "PATH": f"{FAKES}:{os.environ['PATH']}"}
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "claude", "--dry-run", "--", "-p", "hi"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith(f"export {VAR}="))
    assert "(masked)" in line and len(line) < len(f"export {VAR}=") + 20


# -- the fake agents present the secret as the real ones do ----------------------------------------
@pytest.mark.parametrize("agent,args", [("claude", ["-p", "list the files"]), ("codex", ["--", "exec", "list"])])
def test_agents_reach_mcp_with_the_secret_they_were_handed(agent, args, isolated_dirs, tmp_path):
    with FakeProvider().in_thread() as fake:
        env = {**os.environ, "PATH": f"{FAKES}:{os.environ['PATH']}", "FAKE_AGENT_OUT": str(tmp_path / "a.json"),
               "ANTHROPIC_API_KEY": "sk-ant-api03-x", "OPENAI_API_KEY": "sk-proj-x"}
        env.pop("FAKE_AGENT_MODE", None)
        if agent == "codex":
            home = Path(env["HOME"]) / ".codex"
            home.mkdir(exist_ok=True)
            (home / "config.toml").write_text(f'model_provider = "mine"\n[model_providers.mine]\nname = "m"\n'
                                              f'base_url = "{fake.url}/v1"\nwire_api = "responses"\n')
        else:
            env["ANTHROPIC_BASE_URL"] = fake.url
        out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", agent, *args], env=env,
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    rep = json.loads((tmp_path / "a.json").read_text())
    secret = rep["env"][VAR]
    assert secret and secret not in json.dumps(rep["argv"])
    assert rep["mcp"]["status"] == 200 and "headroom_retrieve" in rep["mcp"]["tools"]
    assert rep["mcp"]["without_secret"] == 401  # the same call without the header is refused


# -- `headroom proxy`: the secret in a 0600 file the banner names ---------------------------------
def test_standalone_proxy_writes_its_secret_to_a_private_file(isolated_dirs):
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0"],
                         stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert p.stderr is not None
    for line in p.stderr:
        lines.append(line)
        if "secret" in line:
            break
    try:
        text = "".join(lines)
        url = re.search(r"headroom proxy ▸ (http://127\.0\.0\.1:\d+)", text).group(1)
        path = Path(re.search(r"secret .*?(/\S+)", text).group(1))
        assert path.parent == config.paths().runtime_dir
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secret = path.read_text().strip()
        assert len(secret) >= 32 and secret not in text
        req = urllib.request.Request(url + "/stats")
        with pytest.raises(urllib.error.HTTPError) as ei:
            urllib.request.urlopen(req, timeout=10)
        assert ei.value.code == 401
        req.add_header("Authorization", f"Bearer {secret}")
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["requests"] == 0
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=20)
    assert p.returncode == 0
    assert not path.exists()  # a stopped proxy's secret is gone with it
