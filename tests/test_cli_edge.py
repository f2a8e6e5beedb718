"""The CLI edge: exit statuses named once and decided from error classes, one output helper, the options
`wrap` and `proxy` share defined once, and nothing outside `cli/` that talks to the terminal."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from headroom_cli import errors
from headroom_cli.cli import main
from headroom_cli.cli.exit import ExitStatus, status_for

PKG = Path(__file__).resolve().parents[1] / "headroom_cli"
CLI = PKG / "cli"


# -- exit statuses -----------------------------------------------------------------------------------

class _NarrowUsage(errors.UsageError):
    pass


@pytest.mark.parametrize("error, status", [
    (errors.HeadroomError("x"), ExitStatus.ERROR),
    (errors.UsageError("x"), ExitStatus.USAGE),
    (errors.NotFound("x"), ExitStatus.ERROR),
    (errors.AgentNotFound("x"), ExitStatus.AGENT_NOT_FOUND),
    (errors.CannotExecute("x"), ExitStatus.CANNOT_EXECUTE),
    (errors.ConfigError("x"), ExitStatus.USAGE),
    (_NarrowUsage("x"), ExitStatus.USAGE),  # a subclass inherits its parent's status
])
def test_each_error_class_maps_to_its_status(error, status):
    assert status_for(error) is status


def test_status_values_are_the_documented_numbers():
    assert {s.name: int(s) for s in ExitStatus} == {"OK": 0, "ERROR": 1, "USAGE": 2, "CANNOT_EXECUTE": 126,
                                                   "AGENT_NOT_FOUND": 127, "INTERRUPTED": 130}


def test_errors_carry_no_numbers():
    for cls in (errors.HeadroomError, errors.UsageError, errors.NotFound, errors.AgentNotFound,
                errors.CannotExecute, errors.ConfigError):
        assert not hasattr(cls("x"), "exit_code")


def test_main_shows_the_error_with_its_hint_and_exits_with_its_status(capsys):
    assert main(["retrieve", "--key", "no-such-key"]) == ExitStatus.ERROR
    err = capsys.readouterr().err
    assert err.startswith("headroom: ") and "no-such-key" in err
    assert main(["proxy", "--compress-ratio", "3"]) == ExitStatus.USAGE
    err = capsys.readouterr().err
    assert "--compress-ratio 3.0 must be in (0, 1]" in err and "hint: 0.3 keeps about 30 %" in err


def test_click_usage_errors_and_ctrl_c(capsys, monkeypatch):
    assert main(["stats", "--no-such-flag"]) == ExitStatus.USAGE
    assert "No such option" in capsys.readouterr().err

    import headroom_cli.cli as cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "program", interrupted)
    assert main(["stats"]) == ExitStatus.INTERRUPTED


def test_failed_doctor_check_is_exit_error(monkeypatch, capsys):
    from headroom_cli.cli import doctor

    monkeypatch.setattr(doctor, "CHECKS", [lambda: [doctor.Check("g", "n", doctor.FAIL, "broken")]])
    assert main(["doctor"]) == ExitStatus.ERROR
    monkeypatch.setattr(doctor, "CHECKS", [lambda: [doctor.Check("g", "n", doctor.OK, "fine")]])
    assert main(["doctor"]) == ExitStatus.OK
    assert "headroom is ready" in capsys.readouterr().out


def test_wrap_of_an_agent_that_cannot_be_executed_exits_126(tmp_path, isolated_dirs):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    agent = bindir / "claude"
    agent.write_bytes(b"\x00\x01 not a program for any machine\n")  # executable bit, no format: ENOEXEC
    agent.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "claude", "--no-mcp"], env=env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == ExitStatus.CANNOT_EXECUTE == 126, out.stderr
    err = " ".join(out.stderr.split())  # rich wraps at the terminal width
    assert f"headroom: cannot start {agent}: Exec format error" in err
    assert "hint: check that the file is an executable for this machine" in err


# -- shared options ----------------------------------------------------------------------------------

def _params(command: str) -> dict:
    import typer.main

    from headroom_cli.cli import build_app

    group = typer.main.get_command(build_app())
    cmd = group.commands[command]
    return {opt: p for p in cmd.params for opt in p.opts}


def test_wrap_and_proxy_share_each_option_with_one_help_text():
    from headroom_cli.cli.options import SHARED_FLAGS

    wrap, proxy = _params("wrap"), _params("proxy")
    for flag in SHARED_FLAGS:
        w, p = wrap[flag], proxy[flag]
        assert (w.help, w.metavar, w.multiple, w.is_flag, w.type_descriptor.annotation, w.default) == \
               (p.help, p.metavar, p.multiple, p.is_flag, p.type_descriptor.annotation, p.default), flag
        assert w.help, flag


def test_help_of_both_commands_shows_the_same_words(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line per option
    from headroom_cli.cli import program

    texts = {}
    for command in ("wrap", "proxy"):
        assert program([command, "--help"]) == 0
        texts[command] = capsys.readouterr().out
    for flag, param in _params("wrap").items():
        from headroom_cli.cli.options import SHARED_FLAGS

        if flag in SHARED_FLAGS:
            assert param.help in texts["wrap"] and param.help in texts["proxy"], flag


def test_shared_flags_travel_as_typed_settings_fields():
    from headroom_cli.proxy.settings import ProxyFlags, ProxySettings

    settings_fields = {f.name for f in fields(ProxySettings)}
    assert {f.name for f in fields(ProxyFlags)} <= settings_fields
    assert "extra" not in settings_fields
    assert {"output_ratio", "compress_max_bytes"} <= settings_fields
    assert ProxyFlags(compress_ratio=0.5, protect_tools=("Read",)).given() == {"compress_ratio": 0.5,
                                                                               "protect_tools": ("Read",)}


def test_wrap_dry_run_carries_output_ratio_to_the_settings(capsys):
    """`--output-ratio` implies --reduce-output and its level, in wrap as in proxy."""
    assert main(["wrap", "claude", "--dry-run", "--no-mcp", "--output-ratio", "0.2"]) == 0
    head = capsys.readouterr().out.splitlines()[1]
    assert "reduce-output level 4" in head


# -- nothing outside cli/ talks to the terminal --------------------------------------------------------

TERMINAL_MODULES = ("typer", "click", "rich.console", "rich.live")


def terminal_imports(source: str) -> list[str]:
    """The modules in `source` that only cli/ may import (typer, click, rich's console and live)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in TERMINAL_MODULES):
                found.append(name)
    return found


def print_calls(source: str) -> int:
    return sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
               for n in ast.walk(ast.parse(source)))


def _outside_cli():
    for f in sorted(PKG.rglob("*.py")):
        if CLI not in f.parents:
            yield f, f.read_text(encoding="utf-8")


def test_the_scan_sees_a_planted_violation():
    assert terminal_imports("def f():\n    from rich.console import Console\n") == ["rich.console",
                                                                                   "rich.console.Console"]
    assert terminal_imports("import typer.main") == ["typer.main"]
    assert terminal_imports("from rich import live") == ["rich.live"]
    assert terminal_imports("from rich.table import Table\nfrom rich.text import Text") == []
    assert print_calls("if x:\n    print('hi')\n") == 1


def test_no_module_outside_cli_imports_typer_click_or_rich_console():
    bad = {str(f.relative_to(PKG)): terminal_imports(src) for f, src in _outside_cli()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_module_outside_cli_prints():
    allowed = {"testing/fake_provider.py"}  # a test tool run as its own program: prints its URL
    bad = {str(f.relative_to(PKG)) for f, src in _outside_cli() if print_calls(src)}
    assert bad <= allowed, bad - allowed


def test_only_the_output_helper_makes_a_console():
    makers = []
    for f in sorted(CLI.rglob("*.py")):
        if f.name == "output.py":
            continue
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Call):
                name = n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
                if name == "Console":
                    makers.append(f.name)
    assert makers == []


def test_cli_does_not_print_around_the_output_helper():
    """Commands write through cli/output.py: no bare print() or typer.echo in cli/."""
    bad = []
    for f in sorted(CLI.rglob("*.py")):
        if f.name == "output.py":
            continue
        src = f.read_text(encoding="utf-8")
        if print_calls(src) or "typer.echo(" in src:
            bad.append(f.name)
    assert bad == []
