"""Shell completion: checked-in scripts are current, the completion protocol answers from the live app
(commands, options, agent names from launchers/), real bash runs the script, install is idempotent."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli.cli.complete import complete_from_env
from headroom_cli.cli.regen import completions_main
from headroom_cli.shell import completions as comp

REPO = Path(__file__).resolve().parents[1]
BASH = shutil.which("bash")
FISH = shutil.which("fish")
ZSH = shutil.which("zsh")


@pytest.fixture
def bindir(tmp_path) -> Path:
    """A PATH dir with a `headroom` that runs this checkout with this interpreter."""
    d = tmp_path / "bin"
    d.mkdir()
    exe = d / "headroom"
    exe.write_text(f'#!/bin/sh\nexec {sys.executable} -m headroom_cli "$@"\n')
    exe.chmod(0o755)
    return d


def run_complete(instruction: str, words: str, cword: str | int, **env) -> subprocess.CompletedProcess:
    e = dict(os.environ, COMP_WORDS=words, COMP_CWORD=str(cword), _HEADROOM_COMPLETE=instruction, **env)
    return subprocess.run([sys.executable, "-m", "headroom_cli"], env=e, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def bash_values(stdout: str) -> list[str]:
    return [line.split(",", 1)[1] for line in stdout.splitlines() if line.startswith("plain,")]


# -- checked-in scripts ----------------------------------------------------------------------------

def test_checked_in_scripts_are_current():
    d = REPO / "completions"
    assert comp.stale(d) == [], f"run `{comp.REGEN}`"
    assert sorted(p.name for p in d.iterdir()) == sorted(comp.FILES.values())


@pytest.mark.parametrize("shell", comp.SHELLS)
def test_show_prints_the_checked_in_script(shell):
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "completions", "show", "--shell", shell],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (REPO / "completions" / comp.FILES[shell]).read_text()


def test_check_mode_detects_a_stale_script(tmp_path):
    comp.write_all(tmp_path)
    assert completions_main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "headroom.fish").write_text("# hand edited\n")
    assert comp.stale(tmp_path) == ["headroom.fish"]
    assert completions_main(["--check", "--dir", str(tmp_path)]) == 1
    assert comp.write_all(tmp_path) == [tmp_path / "headroom.fish"]  # only what changed
    assert comp.stale(tmp_path) == []


def test_zsh_script_keeps_compdef_first():
    assert comp.script("zsh").startswith("#compdef headroom\n")


def test_help_stays_clean():
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert "--install-completion" not in out.stdout and "--show-completion" not in out.stdout
    assert "completions" in out.stdout


# -- the protocol, driven through the environment as the scripts do -------------------------------

def test_bash_completes_a_command_prefix():
    out = run_complete("bash_complete", "headroom wr", 1)
    assert out.returncode == 0, out.stderr
    assert bash_values(out.stdout) == ["wrap"]


def test_bash_lists_every_command_for_an_empty_word():
    names = bash_values(run_complete("bash_complete", "headroom ", 1).stdout)
    for cmd in ("wrap", "proxy", "completions", "alias"):
        assert cmd in names


def test_wrap_agent_names_come_from_launchers():
    out = run_complete("bash_complete", "headroom wrap c", 2)
    assert out.returncode == 0, out.stderr
    expected = sorted(p.stem for p in (REPO / "launchers").glob("c*.toml"))
    assert expected == ["claude", "codex", "copilot"]
    assert sorted(bash_values(out.stdout)) == expected


def test_wrap_agent_names_include_user_profiles(isolated_dirs):
    user = isolated_dirs / "headroom" / "config" / "launchers"
    user.mkdir(parents=True)
    (user / "crush.toml").write_text('name = "crush"\nbinary = "crush"\n')
    out = run_complete("bash_complete", "headroom wrap cr", 2)
    assert bash_values(out.stdout) == ["crush"]


def test_option_names_and_choices():
    assert "--dry-run" in bash_values(run_complete("bash_complete", "headroom wrap --dr", 2).stdout)
    out = run_complete("bash_complete", "headroom completions show --shell ", 4)
    assert bash_values(out.stdout) == list(comp.SHELLS)


def test_typer_style_instruction_is_accepted():
    assert bash_values(run_complete("complete_bash", "headroom wr", 1).stdout) == ["wrap"]


def test_source_instruction_prints_the_script():
    out = run_complete("bash_source", "", 0)
    assert out.stdout == comp.script("bash")


def test_bad_instruction_fails_quietly():
    out = run_complete("tcsh_complete", "headroom wr", 1)
    assert out.returncode == 1 and out.stdout == "" and out.stderr == ""


def _answer(monkeypatch, shell: str, words: str, cword: str) -> str:
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", cword)
    buf = io.StringIO()
    assert complete_from_env({comp.COMPLETE_VAR: f"{shell}_complete"}, out=buf) == 0
    return buf.getvalue()


def test_zsh_answers_value_and_description(monkeypatch):
    lines = _answer(monkeypatch, "zsh", "headroom wr", "1").splitlines()
    assert lines[:2] == ["plain", "wrap"]
    assert lines[2] != "_" and "[" not in lines[2]  # a description, rich markup stripped


def test_fish_answers_the_word_being_typed(monkeypatch):
    out = _answer(monkeypatch, "fish", "headroom completions show --shell f", "f")
    assert out.splitlines() == ["plain\tfish\t_"]  # one line per item: fish splits output on newlines


def test_powershell_answers_tab_separated(monkeypatch):
    rows = [r.split("\t") for r in _answer(monkeypatch, "powershell", "headroom wr", "wr").splitlines()]
    assert [r[:2] for r in rows] == [["plain", "wrap"]]
    rows = [r.split("\t") for r in _answer(monkeypatch, "powershell", "headroom ", "").splitlines()]
    assert ["plain", "alias"] in [r[:2] for r in rows]


# -- real bash running the checked-in script -------------------------------------------------------

def _bash_tab(bindir: Path, script: Path, words: list[str]) -> list[str]:
    """Source `script` in bash and call its completion function as readline would for `words`."""
    arr = " ".join(f"'{w}'" for w in words)
    prog = (f"source '{script}'\n"
            f"COMP_WORDS=({arr}); COMP_CWORD={len(words) - 1}; COMP_LINE='{' '.join(words)}'\n"
            f"COMP_POINT=${{#COMP_LINE}}\n"
            "_headroom_completion headroom\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run([BASH, "--norc", "--noprofile", "-c", prog], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if line]


@pytest.mark.skipif(not BASH, reason="bash not installed")
def test_real_bash_completes_wr_to_wrap(bindir):
    assert _bash_tab(bindir, REPO / "completions" / "headroom.bash", ["headroom", "wr"]) == ["wrap"]


@pytest.mark.skipif(not BASH, reason="bash not installed")
def test_real_bash_completes_agent_names(bindir):
    assert _bash_tab(bindir, REPO / "completions" / "headroom.bash", ["headroom", "wrap", "co"]) == [
        "codex", "copilot"]


@pytest.mark.skipif(not FISH, reason="fish not installed")
def test_real_fish_completes(bindir, tmp_path):
    script = REPO / "completions" / "headroom.fish"
    prog = (f"source '{script}'; complete -C 'headroom wr'; echo ---; complete -C 'headroom wrap --dr'; "
            "echo ---; complete -C 'headroom completions show --shell '")
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", HOME=str(tmp_path))
    out = subprocess.run([FISH, "--no-config", "-c", prog], env=env, capture_output=True, text=True, timeout=60)
    wr, dr, shells = out.stdout.split("---\n")
    assert wr.startswith("wrap\t") and len(wr.splitlines()) == 1  # with its description
    assert dr.split("\t")[0] == "--dry-run"
    assert sorted(shells.split()) == sorted(comp.SHELLS)


@pytest.mark.skipif(not ZSH, reason="zsh not installed")
def test_zsh_autoloads_the_script_from_fpath(tmp_path):
    prog = (f"fpath=('{REPO / 'completions'}' $fpath); autoload -Uz compinit; "
            f"compinit -u -d '{tmp_path / 'zcompdump'}'; print -r -- $_comps[headroom]")
    out = subprocess.run([ZSH, "-f", "-c", prog], env=dict(os.environ, HOME=str(tmp_path)), capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "_headroom", out.stderr


# -- install ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_install_is_idempotent_and_uninstall_undoes_it(shell, isolated_dirs, monkeypatch):
    home = Path(os.environ["HOME"])
    monkeypatch.setenv("PATH", "/nonexistent")  # no pwsh to ask for $PROFILE: the documented default
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "ZDOTDIR"):
        monkeypatch.delenv(var, raising=False)
    first = comp.install(shell)
    assert first.wrote and first.path.read_text() == comp.script(shell)
    assert str(first.path).startswith(str(home))
    second = comp.install(shell)
    assert not second.wrote and not second.rc_changed and second.path == first.path
    if first.rc_file is not None:
        text = first.rc_file.read_text()
        assert text.count(comp.BEGIN) == 1 and str(first.path) in text
    expected = {
        "bash": home / ".local/share/bash-completion/completions/headroom",
        "zsh": home / ".zfunc/_headroom",
        "fish": home / ".config/fish/completions/headroom.fish",
        "powershell": home / ".config/powershell/headroom-completion.ps1",
    }[shell]
    if os.name != "nt":
        assert first.path == expected
    removed = comp.uninstall(shell)
    assert first.path in removed and not first.path.exists()
    if first.rc_file is not None:
        assert comp.BEGIN not in first.rc_file.read_text()


def test_install_keeps_the_users_startup_file(isolated_dirs):
    rc = Path(os.environ["HOME"]) / ".bashrc"
    rc.write_text("export EDITOR=vim\nalias ll='ls -l'\n")
    comp.install("bash")
    comp.install("bash")
    text = rc.read_text()
    assert text.startswith("export EDITOR=vim\nalias ll='ls -l'\n") and text.count(comp.END) == 1
    comp.uninstall("bash")
    assert rc.read_text() == "export EDITOR=vim\nalias ll='ls -l'\n"


def test_set_block_replaces_an_older_block(tmp_path):
    rc = tmp_path / "rc"
    rc.write_text(f"a\n{comp.BEGIN}\nold line\n{comp.END}\nb\n")
    assert comp.set_block(rc, "new line")
    assert rc.read_text() == f"a\n{comp.BEGIN}\nnew line\n{comp.END}\nb\n"
    assert not comp.set_block(rc, "new line")


@pytest.mark.skipif(not BASH, reason="bash not installed")
def test_installed_bash_completion_loads_from_bashrc(isolated_dirs, bindir):
    """After `headroom completions install --shell bash`, an interactive bash has the completion."""
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["headroom", "completions", "install", "--shell", "bash"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "wrote:" in out.stdout and ".bashrc" in out.stdout
    again = subprocess.run(["headroom", "completions", "install", "--shell", "bash"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert "up to date:" in again.stdout and "wrote:" not in again.stdout
    check = subprocess.run([BASH, "-i", "-c", "complete -p headroom"], env=env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert "_headroom_completion" in check.stdout, check.stderr


def test_unknown_shell_is_a_usage_error():
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "completions", "show", "--shell", "tcsh"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "tcsh" in out.stderr


def test_detect_shell():
    assert comp.detect_shell({"SHELL": "/usr/bin/zsh"}) == "zsh"
    assert comp.detect_shell({"SHELL": "/opt/homebrew/bin/fish"}) == "fish"
    assert comp.detect_shell({"SHELL": "/usr/local/bin/pwsh"}) == "powershell"


def test_complete_agent_lists_profiles():
    names = [n for n, _ in comp.complete_agent("")]
    assert names == sorted(p.stem for p in (REPO / "launchers").glob("*.toml"))
    assert comp.complete_agent("cl") == [("claude", "Claude Code")]
    assert comp.complete_agent("zz") == []
