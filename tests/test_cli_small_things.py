"""Issue 16 item 16, the smaller things a new user met: help texts, completion of values, dashboard --once,
the compressor name for test output, and Claude Code's first run on a fresh HOME."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest

from headroom_cli.cli import main
from headroom_cli.launch.session import WrapOptions, WrapRun


def help_of(capsys, *cmd) -> str:
    assert main([*cmd, "--help"]) == 0
    return capsys.readouterr().out


def option_help(text: str, flag: str) -> str:
    """The help text of one option in typer's rich help box, joined across its wrapped lines."""
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if re.search(rf"│ {re.escape(flag)}\b", line))
    parts = [lines[i].split(flag, 1)[1]]
    for line in lines[i + 1:]:
        if re.match(r"│\s+--?\w", line) or line.startswith("╰"):
            break
        parts.append(line)
    words = " ".join(p.strip("│ ") for p in parts).split()
    return " ".join(words)


@pytest.mark.parametrize("cmd", [["wrap"], ["proxy"], ["perf"], ["stats"], ["cache"], ["dashboard"], ["doctor"]])
def test_help_shows_no_raw_type_names(capsys, monkeypatch, cmd):
    monkeypatch.setenv("COLUMNS", "200")
    text = help_of(capsys, *cmd)
    assert not re.search(r"<(bool|str|int|float|list\[\w+\])>", text), text


def test_compress_ratio_reads_the_same_in_wrap_proxy_and_perf(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    texts = {c: option_help(help_of(capsys, c), "--compress-ratio") for c in ("wrap", "proxy", "perf")}
    assert len(set(texts.values())) == 1, texts
    assert "(0, 1]" in texts["perf"]
    assert main(["perf", "--compress-ratio", "0"]) == 2  # the same rule as wrap and proxy
    assert "(0, 1]" in capsys.readouterr().err


def test_output_level_default_and_by_protocol_are_documented(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "default 2" in option_help(help_of(capsys, "wrap"), "--output-level")
    assert "protocol" in option_help(help_of(capsys, "stats"), "--by")
    assert main(["stats", "--by", "protocol"]) == 0


def _complete(words: str, cword: int) -> list[str]:
    env = dict(os.environ, COMP_WORDS=words, COMP_CWORD=str(cword), _HEADROOM_COMPLETE="bash_complete")
    out = subprocess.run([sys.executable, "-m", "headroom_cli"], env=env, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if line.startswith("plain,")]


def test_values_of_by_and_retrieval_complete():
    assert _complete("headroom stats --by ", 3) == ["agent", "model", "kind", "session", "day", "protocol"]
    assert _complete("headroom stats --by pr", 3) == ["protocol"]
    assert _complete("headroom proxy --retrieval ", 3) == ["inject", "mcp", "off"]


def test_dashboard_once_does_not_say_ctrl_c(capsys):
    from headroom_cli.stats import registry

    registry.register("once-1", pid=os.getpid(), port=1, agent="claude", url="http://127.0.0.1:1")
    try:
        assert main(["dashboard", "--once"]) == 0
    finally:
        registry.unregister("once-1")
    out = capsys.readouterr().out
    assert "once" in out and "Ctrl-C" not in out


def test_test_output_is_not_called_build_in_what_users_read():
    from headroom_cli.stats import render

    assert render.compressors_text({"build": 2, "json": 1}) == "build/test output ×2, json ×1"
    assert render.compressors_text({"threads": 7, "crash": 1}) == "thread dumps ×7, crash reports ×1"


def test_a_fresh_home_warns_about_claude_codes_onboarding(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "claude"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(home)}
    env.pop("CLAUDE_CONFIG_DIR", None)

    def notes():
        run = WrapRun(WrapOptions(agent="claude", user_args=["-p", "x"], dry_run=True, env=env))
        return " ".join(run.prepare().banner_notes)

    assert "not set up for this user yet" in notes() and ".claude.json" in notes()
    (home / ".claude.json").write_text("{}")
    assert "not set up" not in notes()
