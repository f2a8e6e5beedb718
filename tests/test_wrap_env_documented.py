"""Everything `headroom wrap` sets in an agent's environment is documented, with its reason, in the README's
table per agent (issue 16 item 13: CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, ENABLE_TOOL_SEARCH, COPILOT_OFFLINE…
were visible only in `--dry-run`). The table is generated from the profiles' `env_notes`."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from headroom_cli.launch import profiles
from headroom_cli.launch.plan import COMMON_ENV_NOTES
from headroom_cli.launch.session import WrapOptions, WrapRun

README = Path(__file__).resolve().parents[1] / "README.md"

# Per agent, setups that make its builder set what it can: the defaults, a gateway, the user's own flags.
SETUPS = {
    "claude": [({}, []), ({"ANTHROPIC_BASE_URL": "https://gw.example.com"}, [])],
    "codex": [({"OPENAI_API_KEY": "sk-test-1234567890"}, ["exec", "x"])],
    "copilot": [({"OPENAI_API_KEY": "sk-test-1234567890", "COPILOT_PROVIDER_TRANSPORT": "ws"}, ["--model", "gpt-4.1"]),
                ({"COPILOT_PROVIDER_TYPE": "anthropic", "ANTHROPIC_API_KEY": "sk-ant-test-123456"},
                 ["--model", "claude-x"])],
    "aider": [({"AIDER_OPENAI_API_BASE": "https://gw.example.com/v1"}, [])],
    "openclaw": [({}, ["agent", "-m", "hi"])],
    # no auth type in its settings (a per-run GEMINI_CLI_HOME, dry run), and only GOOGLE_API_KEY set
    "gemini": [({"GEMINI_API_KEY": "AIzaSyTEST-000000000000000000"}, ["-p", "hi"]),
               ({"GOOGLE_API_KEY": "AIzaSyTEST-000000000000000000"}, ["-p", "hi"])],
    "opencode": [({"OPENCODE_CONFIG_CONTENT": '{"model": "anthropic/x"}'}, ["run", "hi"])],
}


@pytest.fixture
def agents_on_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in SETUPS:
        exe = bin_dir / profiles.load(name).binary
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_every_builtin_agent_has_setups_here():
    builtin = {p.name for p in profiles.all_profiles().values()}
    assert builtin <= set(SETUPS), builtin - set(SETUPS)


@pytest.mark.parametrize("agent", sorted(SETUPS))
def test_every_variable_a_plan_sets_is_documented(agents_on_path, agent):
    profile = profiles.load(agent)
    documented = set(profile.env_notes) | set(COMMON_ENV_NOTES)
    for extra_env, args in SETUPS[agent]:
        run = WrapRun(WrapOptions(agent=agent, user_args=args, dry_run=True, env={**agents_on_path, **extra_env}))
        plan = run.prepare()
        undocumented = set(plan.env_changes) - documented
        assert not undocumented, f"{agent}: add these to [env_notes] in its profile: {sorted(undocumented)}"


def test_the_readme_table_names_each_variable_and_why():
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- generated:agent-env -->", 1)[1].split("<!-- /generated:agent-env -->", 1)[0]
    for name in ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "ENABLE_TOOL_SEARCH", "COPILOT_OFFLINE"):
        assert f"`{name}`" in section
    for p in profiles.all_profiles().values():
        for var, why in p.env_notes.items():
            assert f"| {p.title} | `{var}` | {why.replace('|', chr(92) + '|')} |" in section
