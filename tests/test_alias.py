"""`headroom alias` and real-binary resolution: functions for installed agents, sourced in real bash they
run the agent through headroom (the agent sees the proxy's base URL), and shims never recurse."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli.errors import HeadroomError
from headroom_cli.launch import shims
from headroom_cli.shell import aliases

FAKES = Path(__file__).parent / "fakes" / "agents"
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(not BASH, reason="bash not installed")


def _exe(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def _fake_agent(d: Path, name: str = "claude") -> Path:
    """A copy of the fake agent launcher named `name` in `d` (imports _fake_agent from tests/fakes)."""
    return _exe(d / name, f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES)!r})\n"
                          "import _fake_agent\nsys.exit(_fake_agent.main())\n")


@pytest.fixture
def env(tmp_path, isolated_dirs):
    """PATH: a `headroom` for this checkout, then a dir with only a fake `claude`, then the system."""
    hbin = tmp_path / "hbin"
    _exe(hbin / "headroom", f'#!/bin/sh\nexec {sys.executable} -m headroom_cli "$@"\n')
    agents = tmp_path / "agents"
    _fake_agent(agents, "claude")
    e = dict(os.environ)
    e["PATH"] = os.pathsep.join([str(hbin), str(agents), "/usr/bin", "/bin"])
    e["ANTHROPIC_API_KEY"] = "sk-ant-api03-TESTSECRET0001"
    e["FAKE_AGENT_MODE"] = "env"
    e["FAKE_AGENT_OUT"] = str(tmp_path / "agent.json")
    e.pop("HEADROOM_WRAPPED", None)
    return e


def _report(e) -> dict:
    return json.loads(Path(e["FAKE_AGENT_OUT"]).read_text())


def _bash(e, script: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, "--norc", "--noprofile", "-c", script], env=e, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


# -- rendering -------------------------------------------------------------------------------------

def test_bash_functions_pass_arguments_after_double_dash():
    text = aliases.render("bash", ["claude", "codex"])
    assert 'command headroom wrap claude -- "$@"' in text
    assert 'command headroom wrap codex -- "$@"' in text
    assert "function claude {" in text


def test_reduce_output_goes_before_the_double_dash():
    for shell in ("bash", "zsh", "fish", "powershell"):
        text = aliases.render(shell, ["claude"], reduce_output=True)
        assert "wrap claude --reduce-output " in text
        assert text.index("--reduce-output") < text.index("--", text.index("--reduce-output") + 2)


def test_every_shell_has_the_guard():
    for shell in ("bash", "zsh", "fish", "powershell"):
        assert shims.WRAPPED_ENV in aliases.render(shell, ["aider"])


def test_only_installed_agents_unless_all(tmp_path):
    d = tmp_path / "p"
    _fake_agent(d, "codex")
    assert aliases.agents(path=str(d)) == ["codex"]
    assert aliases.agents(all_=True, path=str(d)) == sorted(p.stem for p in
                                                             (FAKES.parents[2] / "launchers").glob("*.toml"))


def test_alias_command_lists_installed_agents(env):
    out = subprocess.run(["headroom", "alias", "--shell", "bash"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "function claude {" in out.stdout and "function codex" not in out.stdout
    out = subprocess.run(["headroom", "alias", "--shell", "fish", "--all"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert "function codex --wraps codex" in out.stdout


# -- sourced in real bash --------------------------------------------------------------------------

@needs_bash
def test_sourced_alias_runs_claude_through_headroom(env):
    out = _bash(env, 'eval "$(headroom alias --shell bash)"\nclaude -p "hello there" --verbose\necho "rc=$?"')
    assert out.returncode == 0, out.stderr
    assert "rc=0" in out.stdout, out.stderr
    rep = _report(env)
    assert rep["env"]["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")  # the wrap's proxy
    assert rep["argv"][-3:] == ["-p", "hello there", "--verbose"]  # the user's args, in order, untouched
    assert "headroom ▸ claude via http://127.0.0.1:" in out.stderr  # wrap's banner: it went through wrap


@needs_bash
def test_sourced_alias_steps_aside_inside_a_wrapped_agent(env):
    env = dict(env, HEADROOM_WRAPPED="claude")
    out = _bash(env, 'eval "$(headroom alias --shell bash)"\nclaude -p hi')
    assert out.returncode == 0, out.stderr
    assert "ANTHROPIC_BASE_URL" not in _report(env)["env"]  # the real binary ran, no second proxy
    assert "headroom ▸" not in out.stderr


@needs_bash
def test_a_shim_on_path_does_not_recurse(env, tmp_path):
    """A script named `claude` first on PATH that runs `headroom wrap claude`: wrap must run the real one."""
    shims = tmp_path / "shims"
    # Bounded even if wrap regresses: the shim gives up after 3 nested runs instead of recursing forever.
    _exe(shims / "claude", '#!/bin/sh\nSHIM_DEPTH=$((${SHIM_DEPTH:-0}+1)); export SHIM_DEPTH\n'
                           '[ "$SHIM_DEPTH" -gt 3 ] && { echo "shim recursion" >&2; exit 97; }\n'
                           'exec headroom wrap claude -- "$@"\n')
    env = dict(env, PATH=f"{shims}{os.pathsep}{env['PATH']}")
    out = _bash(env, "claude -p hi")
    assert out.returncode == 0, out.stderr
    rep = _report(env)
    assert rep["env"]["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")
    assert out.stderr.count("headroom ▸ claude via") == 1  # one wrap, not a chain of them


# -- shims -----------------------------------------------------------------------------------------

def test_find_real_binary_skips_marked_and_wrap_calling_shims(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _exe(a / "claude", f"#!/bin/sh\n# {shims.SHIM_MARKER}: claude\nexec something-else \"$@\"\n")
    _exe(b / "claude", '#!/usr/bin/env bash\nexec /opt/x/bin/headroom wrap --reduce-output claude -- "$@"\n')
    real = _fake_agent(c, "claude")
    path = os.pathsep.join(map(str, (a, b, c)))
    assert shutil.which("claude", path=path) == str(a / "claude")  # what a plain lookup would run
    assert shims.find_real_binary("claude", path=path) == str(real)
    assert shims.shims_on_path("claude", path=path) == [str(a / "claude"), str(b / "claude")]
    assert shims.find_real_binary("claude", path=os.pathsep.join(map(str, (a, b)))) is None


def test_a_script_mentioning_another_agent_is_not_a_shim(tmp_path):
    s = _exe(tmp_path / "claude", '#!/bin/sh\n# see also: headroom wrap claudette\nexec node cli.js "$@"\n')
    assert not shims.is_shim(s, "claude")
    assert shims.find_real_binary("claude", path=str(tmp_path)) == str(s)


def test_a_link_to_headroom_itself_is_skipped(tmp_path):
    own = Path(sys.executable).with_name("headroom")
    if not own.is_file():
        pytest.skip("no headroom console script next to the interpreter")
    (tmp_path / "claude").symlink_to(own)
    assert shims.is_shim(tmp_path / "claude", "claude")
    assert shims.find_real_binary("claude", path=str(tmp_path)) is None


def test_binaries_are_never_shims(tmp_path):
    b = tmp_path / "claude"
    b.write_bytes(b"\x7fELF\0\0headroom wrap claude")
    b.chmod(0o755)
    assert not shims.is_shim(b, "claude")


def test_non_executable_files_are_skipped(tmp_path):
    (tmp_path / "claude").write_text("#!/bin/sh\n")
    assert shims.find_real_binary("claude", path=str(tmp_path)) is None


def test_recursion_guard():
    assert shims.child_env("claude", {}) == {"HEADROOM_WRAPPED": "claude"}
    assert shims.child_env("codex", {"HEADROOM_WRAPPED": "claude"}) == {"HEADROOM_WRAPPED": "claude:codex"}
    shims.check_not_recursing("claude", {"HEADROOM_WRAPPED": "claude"})  # one nested wrap is fine
    shims.check_not_recursing("codex", {"HEADROOM_WRAPPED": "claude:claude"})
    with pytest.raises(HeadroomError) as e:
        shims.check_not_recursing("claude", {"HEADROOM_WRAPPED": "claude:codex:claude"})
    assert shims.SHIM_MARKER in e.value.hint
