"""`headroom mcp install|uninstall` run twice succeed (issue 16 item 10): Claude Code's `mcp add` refuses a name
that exists ("already exists", exit 1) and `mcp remove` one that does not."""
from __future__ import annotations

import json
import os
import stat

import pytest

from headroom_cli.cli import main

# A stateful `claude`/`codex`: servers kept in a file, refusing duplicates and unknown names as Claude Code does.
AGENT = r'''#!/usr/bin/env python3
import json, os, sys
state = os.environ["FAKE_MCP_STATE"]
servers = json.load(open(state)) if os.path.exists(state) else {}
args = sys.argv[1:]
with open(state + ".calls", "a") as f:
    f.write(json.dumps(args) + "\n")
if args[:2] == ["mcp", "list"]:
    for name, cmd in servers.items():
        print(f"{name}: {cmd} - ✓ Connected")
    sys.exit(0)
if args[:2] == ["mcp", "add"]:
    rest = [a for a in args[2:] if a not in ("--scope", "user")]
    name, cmd = rest[0], " ".join(rest[2:])
    if name in servers:
        print(f"MCP server {name} already exists in user config", file=sys.stderr)
        sys.exit(1)
    servers[name] = cmd
elif args[:2] == ["mcp", "remove"]:
    name = [a for a in args[2:] if a not in ("--scope", "user")][0]
    if name not in servers:
        print(f"No MCP server found with name: {name}", file=sys.stderr)
        sys.exit(1)
    del servers[name]
json.dump(servers, open(state, "w"))
'''


@pytest.fixture
def agents(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("claude", "codex"):
        p = bindir / name
        p.write_text(AGENT)
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "servers.json"
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_MCP_STATE", str(state))
    return state


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_install_twice_then_uninstall_twice(agents, agent):
    assert main(["mcp", "install", agent]) == 0
    assert main(["mcp", "install", agent]) == 0  # replaced, not refused
    assert list(json.loads(agents.read_text())) == ["headroom"]
    assert main(["mcp", "uninstall", agent]) == 0
    assert json.loads(agents.read_text()) == {}
    assert main(["mcp", "uninstall", agent]) == 0  # nothing to undo


def test_another_failure_still_fails(agents, monkeypatch, tmp_path):
    bad = tmp_path / "bin" / "claude"
    bad.write_text("#!/bin/sh\necho 'config is locked' >&2\nexit 3\n")
    assert main(["mcp", "install", "claude"]) == 1
    assert main(["mcp", "uninstall", "claude"]) == 1


def test_copilot_file_install_twice_then_uninstall_twice():
    assert main(["mcp", "install", "copilot"]) == 0
    assert main(["mcp", "install", "copilot"]) == 0
    assert main(["mcp", "uninstall", "copilot"]) == 0
    assert main(["mcp", "uninstall", "copilot"]) == 0
