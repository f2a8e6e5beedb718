"""Markers tell the model how to reach the MCP retrieve tool in every setup Claude Code ends up in (issue 16
item 14): Claude Code 2.1.330 listed `mcp__headroom__headroom_retrieve` among deferred tools behind a
gateway too, where wrap does not set ENABLE_TOOL_SEARCH."""
from __future__ import annotations

import os
import stat

import pytest

from headroom_cli.launch.session import WrapOptions, WrapRun


@pytest.fixture
def claude_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "claude"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _settings(env, **kw):
    run = WrapRun(WrapOptions(agent="claude", user_args=["-p", "x"], dry_run=True, env=env, **kw))
    plan = run.prepare()
    return plan, run.settings


@pytest.mark.parametrize("upstream_env", [
    {},  # Anthropic's API: ENABLE_TOOL_SEARCH=true
    {"ANTHROPIC_BASE_URL": "https://gateway.example.com"},  # a gateway: no ENABLE_TOOL_SEARCH
    {"ENABLE_TOOL_SEARCH": "false"},  # the user's own choice
])
def test_markers_say_how_to_load_the_deferred_tool_whatever_the_upstream(claude_on_path, upstream_env):
    plan, settings = _settings({**claude_on_path, **upstream_env})
    assert settings.retrieval == "mcp"
    assert settings.marker_tool == "mcp__headroom__headroom_retrieve"
    assert "ToolSearch select:mcp__headroom__headroom_retrieve" in settings.marker_hint


def test_no_hint_without_mcp(claude_on_path):
    _, settings = _settings(claude_on_path, mcp=False)
    assert settings.marker_hint == ""
