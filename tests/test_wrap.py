"""`headroom wrap` end to end with fake agents (tests/fakes/agents, first on PATH) and the in-package
fake provider: two-turn conversations per agent, exit codes, signals, cleanup on every exit path."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from headroom_cli.testing.fake_provider import FakeProvider

FAKES = Path(__file__).parent / "fakes" / "agents"
KEYS = {"ANTHROPIC_API_KEY": "sk-ant-api03-TESTSECRET0001", "OPENAI_API_KEY": "sk-proj-TESTSECRET0002"}


@pytest.fixture
def fake():
    with FakeProvider().in_thread() as f:
        yield f


@pytest.fixture
def wrap_env(isolated_dirs, tmp_path):
    env = dict(os.environ)
    env.update(KEYS)
    env["PATH"] = f"{FAKES}{os.pathsep}{env['PATH']}"
    env["FAKE_AGENT_OUT"] = str(tmp_path / "agent.json")
    env.pop("FAKE_AGENT_MODE", None)
    return env


def report(env) -> dict:
    return json.loads(Path(env["FAKE_AGENT_OUT"]).read_text())


def wrap(env, *args, timeout=60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def port_closed(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def assert_nothing_left(env, rep: dict | None = None) -> None:
    state = Path(env["HEADROOM_HOME"]) / "state"
    assert list((state / "journals").glob("*")) == [] if (state / "journals").exists() else True
    run = state / "run"
    assert not run.exists() or list(run.iterdir()) == []
    sessions = Path(env["HEADROOM_HOME"]) / "runtime"
    leftover = [p for p in sessions.rglob("*") if p.is_file()] if sessions.exists() else []
    assert leftover == [], leftover
    if rep:
        assert port_closed(rep["env"]["HEADROOM_PROXY_URL"])
        pid = rep["pid"]
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def wait_for(pred, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


# -- two-turn conversations through the proxy, per agent ----------------------------------------
def _main_requests(fake, protocol):
    return [r for r in fake.requests if r.protocol == protocol and r.method == "POST"]


@pytest.mark.parametrize("agent,args,protocol,extra_env", [
    ("claude", ["-p", "list the files", "--allowedTools", "Bash"], "anthropic", {}),
    ("codex", ["--", "exec", "list the files"], "openai_responses", {}),
    ("copilot", ["-p", "hi", "--allow-all-tools"], "openai_chat", {"COPILOT_MODEL": "gpt-4.1"}),
    ("aider", ["--message", "hi", "--yes-always"], "openai_chat", {}),
    ("aider", ["--model", "anthropic/claude-sonnet-4-5", "--message", "hi"], "anthropic", {}),
])
def test_agent_two_turns_through_the_proxy(fake, wrap_env, agent, args, protocol, extra_env):
    env = {**wrap_env, **extra_env}
    fam_var = "ANTHROPIC_BASE_URL" if protocol == "anthropic" else "OPENAI_BASE_URL"
    env[fam_var] = fake.url + ("" if protocol == "anthropic" else "/v1")  # chained to the fake
    if agent == "codex":  # codex ignores OPENAI_BASE_URL: its config.toml provider is the upstream
        env.pop("OPENAI_BASE_URL")
        home = Path(env["HOME"]) / ".codex"
        home.mkdir()
        (home / "config.toml").write_text(f'model_provider = "mine"\n[model_providers.mine]\nname = "m"\n'
                                          f'base_url = "{fake.url}/v1"\nwire_api = "responses"\n')
    out = wrap(env, agent, *args)
    assert out.returncode == 0, out.stderr
    rep = report(env)
    assert rep["statuses"] == [200, 200]
    assert rep["url"].startswith(rep["env"]["HEADROOM_PROXY_URL"])  # it talked to the proxy, not direct
    reqs = _main_requests(fake, protocol)
    assert len(reqs) >= 2
    assert "needle-7f3a" not in json.dumps(reqs[0].json) and "needle-7f3a" in reqs[-1].body.decode()
    auth = reqs[-1].headers.get("x-api-key") or reqs[-1].headers.get("authorization", "")
    assert "TESTSECRET" in auth  # forwarded untouched
    assert "TESTSECRET" not in out.stderr + out.stdout
    assert f"headroom ▸ {agent} via http://127.0.0.1:" in out.stderr  # one short banner
    assert_nothing_left(env, rep)


def test_openclaw_runs_locally_with_a_derived_config(fake, wrap_env):
    cfg = Path(wrap_env["HOME"]) / ".openclaw" / "openclaw.json"
    cfg.parent.mkdir()
    original = json.dumps({"agents": {"defaults": {"model": {"primary": "corp/gpt-x"}}},
                           "models": {"providers": {"corp": {"baseUrl": fake.url + "/v1",
                                                             "api": "openai-completions", "apiKey": "sk-corp-TESTSECRET3"}}}})
    cfg.write_text(original)
    out = wrap(wrap_env, "openclaw", "agent", "-m", "hi")
    assert out.returncode == 0, out.stderr
    rep = report(wrap_env)
    assert rep["argv"][:2] == ["agent", "--local"] and rep["statuses"] == [200, 200]
    assert rep["config"]["models"]["providers"]["corp"]["baseUrl"] == rep["env"]["HEADROOM_PROXY_URL"] + "/v1"
    assert not Path(rep["config_path"]).exists()  # per-run file removed
    assert cfg.read_text() == original
    assert len(_main_requests(fake, "openai_chat")) >= 2
    assert_nothing_left(wrap_env, rep)


# -- exit codes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,code", [("exit:0", 0), ("exit:3", 3), ("signal:9", 137), ("signal:15", 143)])
def test_exit_code_is_the_childs(wrap_env, mode, code):
    env = {**wrap_env, "FAKE_AGENT_MODE": mode}
    out = wrap(env, "claude", "-p", "x")
    assert out.returncode == code, out.stderr
    assert_nothing_left(env, report(env))


def test_missing_binary_exits_127_with_install_command(wrap_env):
    env = {**wrap_env, "PATH": str(Path(sys.executable).parent)}
    out = wrap(env, "codex")
    assert out.returncode == 127
    assert "npm i -g @openai/codex" in out.stderr
    assert_nothing_left(env)


def test_agent_args_after_double_dash_are_untouched(wrap_env):
    env = {**wrap_env, "FAKE_AGENT_MODE": "env"}
    out = wrap(env, "aider", "--", "--port", "5", "--dry-run", "x y")
    assert out.returncode == 0, out.stderr
    assert report(env)["argv"] == ["--port", "5", "--dry-run", "x y"]


def test_unknown_options_pass_through_in_order(wrap_env):
    env = {**wrap_env, "FAKE_AGENT_MODE": "env"}
    out = wrap(env, "aider", "--model", "gpt-4o", "--message", "two words", "--yes-always")
    assert out.returncode == 0, out.stderr
    assert report(env)["argv"] == ["--model", "gpt-4o", "--message", "two words", "--yes-always"]


def test_dry_run_masks_secrets_and_runs_nothing(wrap_env):
    env = {**wrap_env, "COPILOT_MODEL": "gpt-4.1"}
    out = wrap(env, "copilot", "--dry-run", "-p", "hi")
    assert out.returncode == 0, out.stderr
    assert "COPILOT_PROVIDER_BASE_URL=http://127.0.0.1:PORT/v1" in out.stdout
    assert "COPILOT_PROVIDER_API_KEY=" in out.stdout and "TESTSECRET" not in out.stdout + out.stderr
    assert not Path(env["FAKE_AGENT_OUT"]).exists()


# -- signals -------------------------------------------------------------------------------------
def _start_sleeping(env, *args):
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "wrap", "claude", *args], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)  # its own process group: "the terminal" is ours to signal
    assert wait_for(lambda: Path(env["FAKE_AGENT_OUT"]).exists()), p.communicate(timeout=5)
    return p


def test_ctrl_c_reaches_the_child_and_wrap_survives_to_clean_up(wrap_env):
    env = {**wrap_env, "FAKE_AGENT_MODE": "sleep", "FAKE_AGENT_TRAP": "1"}
    p = _start_sleeping(env)
    rep = report(env)
    os.killpg(p.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert report(env)["got_signal"] == signal.SIGINT
    assert "Traceback" not in err
    assert_nothing_left(env, rep)


def test_ctrl_c_kills_a_child_with_default_handling(wrap_env):
    env = {**wrap_env, "FAKE_AGENT_MODE": "sleep"}
    p = _start_sleeping(env)
    rep = report(env)
    os.killpg(p.pid, signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 130
    assert_nothing_left(env, rep)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_to_wrap_are_forwarded(wrap_env, sig):
    env = {**wrap_env, "FAKE_AGENT_MODE": "sleep", "FAKE_AGENT_TRAP": "1"}
    p = _start_sleeping(env)
    rep = report(env)
    os.kill(p.pid, sig)  # wrap only
    p.communicate(timeout=30)
    assert p.returncode == 128 + sig
    assert report(env)["got_signal"] == sig
    assert_nothing_left(env, rep)


def test_sigkill_of_wrap_is_cleaned_up_by_the_next_run(wrap_env):
    cfg = Path(wrap_env["HOME"]) / ".openclaw" / "openclaw.json"
    cfg.parent.mkdir()
    cfg.write_text(json.dumps({"agents": {"defaults": {"model": {"primary": "anthropic/claude-x"}}}}))
    env = {**wrap_env, "FAKE_AGENT_MODE": "sleep"}
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "wrap", "openclaw", "agent", "-m", "x"], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        assert wait_for(lambda: Path(env["FAKE_AGENT_OUT"]).exists())
        rep = report(env)
        derived = Path(rep["env"]["OPENCLAW_CONFIG_PATH"])
        assert derived.exists()
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        journals = Path(env["HEADROOM_HOME"]) / "state" / "journals"
        assert list(journals.glob("*.json"))  # left behind by the killed run
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the orphaned agent
        except ProcessLookupError:
            pass
    out = wrap({**wrap_env, "FAKE_AGENT_MODE": "exit:0"}, "claude", "-p", "x")
    assert out.returncode == 0, out.stderr
    assert not derived.exists()
    assert_nothing_left(env)


def test_wrap_list_shows_agents_and_versions(wrap_env):
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "--list"], env={**wrap_env, "COLUMNS": "200"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for a in ("claude", "codex", "copilot", "aider", "openclaw"):
        assert a in out.stdout
    assert str(FAKES) in out.stdout


def test_proxy_warnings_go_to_the_log_file_not_the_agents_terminal(wrap_env):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    env = {**wrap_env, "ANTHROPIC_BASE_URL": dead}
    out = wrap(env, "claude", "-p", "x")
    assert out.returncode == 1  # the fake agent saw provider-shaped errors
    assert "unreachable" not in out.stderr
    log = Path(env["HEADROOM_HOME"]) / "state" / "wrap.log"
    assert "unreachable" in log.read_text() and "TESTSECRET" not in log.read_text()


@pytest.mark.parametrize("flags", [["--compress-ratio", "0"], ["--output-level", "9"], ["--port", "70000"],
                                   ["--anthropic-upstream", "ftp://x"], ["--dashboard", "screen"]])
def test_bad_flags_are_usage_errors_and_nothing_runs(wrap_env, flags):
    out = wrap(wrap_env, "claude", *flags, "-p", "x")
    assert out.returncode == 2, out.stderr
    assert not Path(wrap_env["FAKE_AGENT_OUT"]).exists()


def test_an_agent_that_cannot_be_executed_is_126_and_cleaned_up(wrap_env, tmp_path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "codex").write_bytes(b"\x7fELF garbage")
    (d / "codex").chmod(0o755)
    env = {**wrap_env, "PATH": f"{d}{os.pathsep}{wrap_env['PATH']}"}
    out = wrap(env, "codex", "--", "exec", "x")
    assert out.returncode == 126, out.stderr
    assert "cannot start" in out.stderr and "Traceback" not in out.stderr
    assert_nothing_left(env)


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")
def test_dashboard_tmux_pane_opens_and_closes_with_wrap(wrap_env, tmp_path):
    sock = f"hr-test-{os.getpid()}"
    subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "sleep 60"],
                   check=True, env=wrap_env)
    try:
        tmux_var = subprocess.run(["tmux", "-L", sock, "display", "-p", "#{socket_path},#{pid},0"],
                                  capture_output=True, text=True, env=wrap_env).stdout.strip()

        def panes() -> int:
            out = subprocess.run(["tmux", "-L", sock, "list-panes", "-a"], capture_output=True, text=True)
            return len(out.stdout.splitlines())

        env = {**wrap_env, "TMUX": tmux_var, "FAKE_AGENT_MODE": "sleep", "FAKE_AGENT_TRAP": "1"}
        p = _start_sleeping(env, "--dashboard", "tmux")
        assert wait_for(lambda: panes() == 2, timeout=10)
        os.kill(p.pid, signal.SIGTERM)
        p.communicate(timeout=30)
        assert p.returncode == 143
        assert wait_for(lambda: panes() == 1, timeout=10)
        assert_nothing_left(env)
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def test_ctrl_c_typed_in_a_real_terminal(wrap_env):
    """Through a pseudo-terminal: the line discipline turns ^C into SIGINT for the foreground group."""
    import pty
    import select

    env = {**wrap_env, "FAKE_AGENT_MODE": "sleep", "FAKE_AGENT_TRAP": "1"}
    pid, fd = pty.fork()
    if pid == 0:  # child: becomes session leader with the pty as its controlling terminal
        os.execve(sys.executable, [sys.executable, "-m", "headroom_cli", "wrap", "claude", "-p", "x"], env)
    try:
        assert wait_for(lambda: Path(env["FAKE_AGENT_OUT"]).exists())
        rep = report(env)
        os.write(fd, b"\x03")
        output = b""
        end = time.monotonic() + 30
        status = None
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    output += os.read(fd, 4096)
                except OSError:
                    pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        assert status is not None and os.WIFEXITED(status), output
        assert os.WEXITSTATUS(status) == 130, output
        assert report(env)["got_signal"] == signal.SIGINT
        assert b"Traceback" not in output
        assert_nothing_left(env, rep)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_claude_settings_file_gateway_is_chained_and_overridden_per_run(fake, wrap_env):
    settings = Path(wrap_env["HOME"]) / ".claude" / "settings.json"
    settings.parent.mkdir()
    original = json.dumps({"env": {"ANTHROPIC_BASE_URL": fake.url}, "model": "sonnet"})
    settings.write_text(original)
    out = wrap(wrap_env, "claude", "-p", "x")
    assert out.returncode == 0, out.stderr
    rep = report(wrap_env)
    assert rep["source"] == "--settings" and rep["url"].startswith(rep["env"]["HEADROOM_PROXY_URL"])
    assert len(_main_requests(fake, "anthropic")) == 2  # reached the user's gateway through the proxy
    assert settings.read_text() == original
    assert_nothing_left(wrap_env, rep)


def test_dry_run_without_the_binary_still_shows_the_plan(wrap_env):
    env = {**wrap_env, "PATH": str(Path(sys.executable).parent)}
    out = wrap(env, "codex", "--dry-run", "--", "exec", "x")
    assert out.returncode == 0, out.stderr
    assert "not found on PATH" in out.stdout and "npm i -g @openai/codex" in out.stdout
    assert "model_providers.headroom=" in out.stdout
