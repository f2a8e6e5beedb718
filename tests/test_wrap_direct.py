"""`headroom wrap` for commands that start no session, and what a run says before it starts (issue 16 items
8, 9, 11): `wrap claude -- --version` started a proxy, printed a banner and "No requests went through the
proxy"; `--dashboard tmux` outside tmux said nothing (its note was queued after the banner); `wrap copilot
--dry-run` refused without a key and a model instead of showing the plan."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli.launch import profiles

FAKES = Path(__file__).parent / "fakes" / "agents"


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ, PATH=f"{FAKES}{os.pathsep}{os.environ['PATH']}", FAKE_AGENT_OUT=str(tmp_path / "agent.json"),
             FAKE_AGENT_MODE="env", ANTHROPIC_API_KEY="sk-ant-api03-TESTSECRET0001")
    for k in ("COPILOT_MODEL", "COPILOT_PROVIDER_API_KEY", "OPENAI_API_KEY", "TMUX"):
        e.pop(k, None)
    return e


def wrap(env, *args):
    return subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", *args], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def report(env) -> dict:
    return json.loads(Path(env["FAKE_AGENT_OUT"]).read_text())


@pytest.mark.parametrize("args", [["--", "--help"], ["mcp", "list"], ["--", "-p", "x", "-h"]])
def test_a_command_that_starts_no_session_runs_the_agent_directly(env, args):
    out = wrap(env, "claude", *args)
    assert out.returncode == 0, out.stderr
    rep = report(env)
    assert rep["argv"] == (args[1:] if args[0] == "--" else args)
    assert "HEADROOM_PROXY_URL" not in rep["env"] and "ANTHROPIC_BASE_URL" not in rep["env"]  # the user's env
    assert "headroom ▸" not in out.stderr and "No requests went through" not in out.stderr


def test_version_prints_only_the_agents_version(env):
    out = wrap(env, "claude", "--", "--version")
    assert out.returncode == 0 and out.stdout == "claude 0.0.0-fake\n" and out.stderr == ""


def test_its_exit_code_is_the_agents(env):
    out = wrap({**env, "FAKE_AGENT_MODE": "exit:5"}, "claude", "--", "--help")
    assert out.returncode == 5


def test_a_session_still_goes_through_the_proxy(env):
    out = wrap(env, "claude", "-p", "x")
    assert out.returncode == 0, out.stderr
    assert report(env)["env"]["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")


def test_dry_run_of_a_plain_command_says_it_runs_directly(env):
    out = wrap(env, "claude", "--dry-run", "--", "--version")
    assert out.returncode == 0, out.stderr
    assert "runs directly, without the proxy" in out.stdout and out.stdout.rstrip().endswith("--version")


@pytest.mark.parametrize("name,args,expected", [
    ("claude", ["--version"], True), ("claude", ["mcp", "list"], True), ("claude", ["-p", "say --version"], False),
    ("claude", ["-p", "x", "--", "--version"], False), ("codex", ["-V"], True), ("codex", ["exec", "x"], False),
    ("aider", ["--help"], True), ("copilot", ["help", "environment"], True), ("openclaw", ["config", "get"], True),
    # codex 0.171's `--help`: maintenance commands run directly; the ones that run the model keep the proxy
    ("codex", ["login", "status"], True), ("codex", ["mcp", "list"], True), ("codex", ["completion", "zsh"], True),
    ("codex", ["apply", "t1"], True), ("codex", ["e", "x"], False), ("codex", ["resume", "--last"], False),
    ("codex", ["review"], False), ("codex", ["fork"], False),
    # copilot 1.0.102 and openclaw 2026.9.6, from their `--help`
    ("copilot", ["-v"], True), ("copilot", ["mcp", "list"], True), ("copilot", ["init"], False),
    ("copilot", ["-p", "hi"], False), ("openclaw", ["configure"], True), ("openclaw", ["doctor"], True),
    ("openclaw", ["agent", "--local", "-m", "hi"], False), ("openclaw", ["tui"], False),
])
def test_which_commands_start_no_session(name, args, expected):
    assert profiles.starts_no_session(profiles.load(name), args) is expected


def test_the_tmux_note_is_in_the_banner(env):
    out = wrap({**env, "FAKE_AGENT_MODE": "exit:0"}, "claude", "--dashboard", "tmux", "-p", "x")
    assert out.returncode == 0, out.stderr
    banner = out.stderr.split("headroom ·", 1)[0]  # before the summary
    assert "--dashboard tmux: not inside tmux" in banner


def test_copilot_dry_run_shows_the_plan_and_warns(env):
    out = wrap(env, "copilot", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "warning: a real run would stop here" in out.stdout
    assert "COPILOT_PROVIDER_API_KEY" in out.stdout and "COPILOT_MODEL" in out.stdout  # both, with hints
    assert "export COPILOT_PROVIDER_BASE_URL=" in out.stdout  # the plan itself


def test_copilot_still_refuses_a_real_run(env):
    out = wrap(env, "copilot", "-p", "hi")
    assert out.returncode == 1
    assert "needs" in out.stderr and "COPILOT_PROVIDER_API_KEY" in out.stderr
