"""Issue 14 item 3: while compressing, `headroom wrap claude` raises Claude Code's inline Bash output limit
(`bashOutputMaxChars` in the per-run --settings) to a cap; never without compression, never over the user's own
choice (the setting, or BASH_MAX_OUTPUT_LENGTH, which the setting would replace); Codex's limit is left alone."""
from __future__ import annotations

import json

from headroom_cli.launch.builders import CLAUDE_INLINE_OUTPUT_CHARS
from headroom_cli.launch.context import Features

from test_launch_plan import codex_overrides, plan_for, settings_arg


def test_compressing_raises_claude_codes_inline_output_to_the_cap():
    s = settings_arg(plan_for("claude", ["-p", "x"], features=Features(compressing=True)))
    assert s["bashOutputMaxChars"] == CLAUDE_INLINE_OUTPUT_CHARS
    assert 30_000 < CLAUDE_INLINE_OUTPUT_CHARS <= 128_000  # above its default, inside the range it clamps to


def test_without_compression_claude_code_keeps_its_own_limit():
    assert "bashOutputMaxChars" not in settings_arg(plan_for("claude", ["-p", "x"]))
    assert "bashOutputMaxChars" not in settings_arg(plan_for("claude", ["-p", "x"], features=Features()))


def test_the_users_own_limit_wins():
    mine = plan_for("claude", ["--settings", json.dumps({"bashOutputMaxChars": 8000}), "-p", "x"],
                    features=Features(compressing=True))
    assert settings_arg(mine)["bashOutputMaxChars"] == 8000
    env = plan_for("claude", ["-p", "x"], env={"BASH_MAX_OUTPUT_LENGTH": "50000"}, features=Features(compressing=True))
    assert "bashOutputMaxChars" not in settings_arg(env)


def test_codex_output_limit_is_not_raised():
    plan = plan_for("codex", ["exec", "x"], features=Features(compressing=True))
    assert not any("tool_output_token_limit" in k for k in codex_overrides(plan))


def _dry_run(*flags: str, **env_extra: str) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    fakes = Path(__file__).parent / "fakes" / "agents"
    env = {**os.environ, "PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}", "ANTHROPIC_API_KEY": "sk-ant-test",
           **env_extra}
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "claude", *flags, "--dry-run", "--", "-p",
                          "hi"], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_wrap_decides_from_whether_this_run_compresses():
    assert f'"bashOutputMaxChars":{CLAUDE_INLINE_OUTPUT_CHARS}' in _dry_run()
    assert "bashOutputMaxChars" not in _dry_run("--no-compress")
    assert "bashOutputMaxChars" not in _dry_run(HEADROOM_NO_COMPRESS="1")
