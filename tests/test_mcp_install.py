"""`headroom mcp install|uninstall` through fake agent binaries and a real Copilot config file."""
import json
import os
import stat

import pytest

from headroom_cli.cli import main
from headroom_cli.launch import profiles
from headroom_cli.mcp import install as inst


@pytest.fixture
def fake_agents(tmp_path, monkeypatch):
    """`claude` and `codex` scripts on PATH that log their argv, one JSON list per line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.jsonl"
    for name in ("claude", "codex"):
        p = bindir / name
        p.write_text(f"#!/bin/sh\npython3 -c 'import json,sys; print(json.dumps([\"{name}\"]+sys.argv[1:]))' "
                     f"\"$@\" >> {log}\nexit ${{FAKE_RC:-0}}\n")
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def _calls(log):
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_claude_install_and_uninstall_use_its_own_command(fake_agents):
    assert main(["mcp", "install", "claude"]) == 0
    assert main(["mcp", "uninstall", "claude"]) == 0
    add, remove = _calls(fake_agents)
    assert add[:6] == ["claude", "mcp", "add", "--scope", "user", "headroom"]
    assert add[6] == "--" and add[-2:] == ["mcp", "serve"]
    assert remove == ["claude", "mcp", "remove", "--scope", "user", "headroom"]


def test_codex_install(fake_agents):
    assert main(["mcp", "install", "codex"]) == 0
    (add,) = _calls(fake_agents)
    assert add[:5] == ["codex", "mcp", "add", "headroom", "--"] and add[-2:] == ["mcp", "serve"]


def test_dry_run_runs_nothing(fake_agents, capsys):
    assert main(["mcp", "install", "claude", "--dry-run"]) == 0
    assert _calls(fake_agents) == []
    assert "would run: claude mcp add --scope user headroom --" in capsys.readouterr().out


def test_agent_failure_is_reported(fake_agents, monkeypatch):
    monkeypatch.setenv("FAKE_RC", "3")
    assert main(["mcp", "install", "codex"]) == 1


def test_missing_agent_exit_127(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["mcp", "install", "claude"]) == 127


def test_unknown_agent_is_usage_error():
    assert main(["mcp", "install", "notepad"]) == 2


def test_copilot_fresh_install_then_uninstall_leaves_nothing():
    path = inst.config_file_path(profiles.load("copilot"))
    assert not path.exists()
    assert main(["mcp", "install", "copilot"]) == 0
    entry = json.loads(path.read_text())["mcpServers"]["headroom"]
    assert entry["type"] == "local" and entry["args"][-2:] == ["mcp", "serve"]
    assert main(["mcp", "uninstall", "copilot"]) == 0
    assert not path.exists()


def test_copilot_existing_config_restored(capsys):
    path = inst.config_file_path(profiles.load("copilot"))
    path.parent.mkdir(parents=True)
    before = {"mcpServers": {"other": {"type": "local", "command": "x", "args": [], "tools": ["*"]},
                             "headroom": {"type": "http", "url": "http://old"}}, "theme": "dark"}
    path.write_text(json.dumps(before))
    assert main(["mcp", "install", "copilot", "--dry-run"]) == 0
    assert json.loads(path.read_text()) == before  # dry run changed nothing
    assert main(["mcp", "install", "copilot"]) == 0
    after = json.loads(path.read_text())
    assert after["mcpServers"]["headroom"]["type"] == "local"
    assert after["mcpServers"]["other"] == before["mcpServers"]["other"] and after["theme"] == "dark"
    assert list(path.parent.glob("mcp-config.json.headroom-backup-*")), "a backup was written"
    # the user adds a server meanwhile: uninstall keeps it and restores the old headroom entry
    after["mcpServers"]["new"] = {"type": "local", "command": "y", "args": []}
    path.write_text(json.dumps(after))
    assert main(["mcp", "uninstall", "copilot"]) == 0
    final = json.loads(path.read_text())
    assert final["mcpServers"]["headroom"] == before["mcpServers"]["headroom"]
    assert final["mcpServers"]["other"] == before["mcpServers"]["other"]
    assert "new" in final["mcpServers"] and final["theme"] == "dark"


def test_copilot_invalid_json_is_a_clear_error():
    path = inst.config_file_path(profiles.load("copilot"))
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    assert main(["mcp", "install", "copilot"]) == 1
    assert path.read_text() == "{broken"
