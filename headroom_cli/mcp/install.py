"""`headroom mcp install|uninstall claude|codex|copilot`: register the stdio server with an agent,
reversibly. Claude Code and Codex have their own `mcp add/remove` commands, so we call them; Copilot
keeps servers in `~/.copilot/mcp-config.json`, which we edit with a backup and a journal (state dir)
so `uninstall` restores the entry that was there before (or removes ours).

Functions return the list of actions (for `--dry-run` and for the CLI to print); nothing prints here.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import config
from ..errors import AgentNotFound, HeadroomError, UsageError

AGENTS = ("claude", "codex", "copilot")
SERVER = config.MCP_SERVER_NAME
INSTALL_HINTS = {
    "claude": "npm i -g @anthropic-ai/claude-code",
    "codex": "npm i -g @openai/codex",
    "copilot": "npm i -g @github/copilot",
}

Runner = Callable[[list[str]], "subprocess.CompletedProcess"]


@dataclass
class Action:
    kind: str  # "run" (an agent command) or "write"/"remove"/"backup" (a file)
    detail: str  # the command line or the file path, for display
    done: bool = False


def serve_command() -> list[str]:
    """How an agent should start our stdio server: the installed `headroom` script by absolute path
    (agents may not share the user's PATH), else this interpreter with `-m headroom_cli`."""
    exe = shutil.which("headroom")
    return [exe, "mcp", "serve"] if exe else [sys.executable, "-m", "headroom_cli", "mcp", "serve"]


def _default_runner(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def _agent_binary(agent: str) -> str:
    exe = shutil.which(agent)
    if not exe:
        raise AgentNotFound(f"{agent} is not installed (not on PATH)", hint=f"install it: {INSTALL_HINTS[agent]}")
    return exe


def _check_agent(agent: str) -> None:
    if agent not in AGENTS:
        raise UsageError(f"unknown agent {agent!r}", hint=f"choose one of: {', '.join(AGENTS)}")


def install(agent: str, *, dry_run: bool = False, runner: Runner | None = None) -> list[Action]:
    _check_agent(agent)
    if agent == "copilot":
        return _copilot_install(dry_run)
    cmd = serve_command()
    if agent == "claude":
        argv = [_agent_binary("claude"), "mcp", "add", "--scope", "user", SERVER, "--", *cmd]
    else:
        argv = [_agent_binary("codex"), "mcp", "add", SERVER, "--", *cmd]
    return [_run(argv, dry_run, runner)]


def uninstall(agent: str, *, dry_run: bool = False, runner: Runner | None = None) -> list[Action]:
    _check_agent(agent)
    if agent == "copilot":
        return _copilot_uninstall(dry_run)
    if agent == "claude":
        argv = [_agent_binary("claude"), "mcp", "remove", "--scope", "user", SERVER]
    else:
        argv = [_agent_binary("codex"), "mcp", "remove", SERVER]
    return [_run(argv, dry_run, runner)]


def _run(argv: list[str], dry_run: bool, runner: Runner | None) -> Action:
    import shlex

    action = Action("run", shlex.join([Path(argv[0]).name, *argv[1:]]))
    if dry_run:
        return action
    try:
        proc = (runner or _default_runner)(argv)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise HeadroomError(f"`{action.detail}` could not run: {e}") from None
    if proc.returncode != 0:
        out = ((proc.stderr or "") + (proc.stdout or "")).strip()
        raise HeadroomError(f"`{action.detail}` failed (exit {proc.returncode}): {out[-500:]}",
                            hint=f"run `{Path(argv[0]).name} mcp list` to see what is registered")
    action.done = True
    return action


# --- Copilot: a JSON file of our own editing ---------------------------------------------------

def copilot_config_path() -> Path:
    home = os.environ.get("COPILOT_HOME")
    return (Path(home) if home else Path.home() / ".copilot") / "mcp-config.json"


def _journal_path() -> Path:
    return config.paths().state_dir / "mcp-install-copilot.json"


def _copilot_entry() -> dict:
    cmd = serve_command()
    return {"type": "local", "command": cmd[0], "args": cmd[1:], "tools": ["*"]}


def _read_json(p: Path) -> dict:
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as e:
        raise HeadroomError(f"{p} is not valid JSON: {e}", hint="fix or move the file, then retry") from None
    if not isinstance(data, dict):
        raise HeadroomError(f"{p} does not hold a JSON object", hint="fix or move the file, then retry")
    return data


def _write_json(p: Path, data: dict) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".headroom-tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, p)


def _copilot_install(dry_run: bool) -> list[Action]:
    path = copilot_config_path()
    existed = path.exists()
    data = _read_json(path)
    servers = data.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise HeadroomError(f"{path}: `mcpServers` is not an object", hint="fix the file, then retry")
    actions: list[Action] = []
    backup = path.with_name(path.name + f".headroom-backup-{int(time.time())}")
    if existed:
        actions.append(Action("backup", f"{path} → {backup}"))
    actions.append(Action("write", f"{path}: mcpServers.{SERVER} = {json.dumps(_copilot_entry())}"))
    if dry_run:
        return actions
    journal = _journal_path()
    if not journal.exists():  # keep the first journal: it knows what was there before us
        prev = servers.get(SERVER)
        config.ensure_dir(journal.parent)
        journal.write_text(json.dumps({
            "path": str(path), "existed": existed, "previous_entry": prev,
            "backup": str(backup) if existed else None, "ts": time.time(),
        }), encoding="utf-8")
    if existed:
        shutil.copy2(path, backup)
    servers[SERVER] = _copilot_entry()
    _write_json(path, data)
    for a in actions:
        a.done = True
    return actions


def _copilot_uninstall(dry_run: bool) -> list[Action]:
    journal = _journal_path()
    try:
        j = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        j = {"path": str(copilot_config_path()), "existed": True, "previous_entry": None}
    path = Path(j["path"])
    data = _read_json(path)
    servers = data.get("mcpServers")
    if not isinstance(servers, dict):
        servers = data["mcpServers"] = {}
    actions: list[Action] = []
    prev = j.get("previous_entry")
    # Only our own entry changes: servers the user added since install stay.
    if prev is not None:
        actions.append(Action("write", f"{path}: restore the previous mcpServers.{SERVER}"))
    elif SERVER in servers:
        actions.append(Action("write", f"{path}: remove mcpServers.{SERVER}"))
    drop_file = (not j.get("existed")) and set(servers) <= {SERVER} and set(data) <= {"mcpServers"}
    if drop_file and path.exists():
        actions = [Action("remove", f"{path} (headroom created it)")]
    if journal.exists():
        actions.append(Action("remove", f"{journal} (install journal)"))
    if dry_run:
        return actions
    if drop_file:
        path.unlink(missing_ok=True)
    elif prev is not None or SERVER in servers:
        if prev is not None:
            servers[SERVER] = prev
        else:
            servers.pop(SERVER, None)
        _write_json(path, data)
    journal.unlink(missing_ok=True)
    for a in actions:
        a.done = True
    return actions
