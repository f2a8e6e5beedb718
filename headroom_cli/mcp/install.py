"""`headroom mcp install|uninstall <agent>`: register the stdio server with an agent, reversibly.

Driven by the agent's launcher profile (`[mcp_install]`, see `launch/profiles.py`; the CLI loads it
with `profiles.load_for_mcp_install`, which refuses an agent without that section): agents with their
own `mcp add/remove` commands (Claude Code, Codex) get those run; agents that keep servers in a JSON
file (Copilot: `~/.copilot/mcp-config.json`) get that file edited with a backup and a journal (state
dir), so `uninstall` restores the entry that was there before (or removes ours).

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
from typing import TYPE_CHECKING, Callable

from .. import config
from ..errors import AgentNotFound, HeadroomError

if TYPE_CHECKING:  # the profile is handed in: mcp/ does not import the launcher (launch → proxy → mcp)
    from ..launch.profiles import McpInstall, Profile

SERVER = config.MCP_SERVER_NAME

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


def install(p: Profile, *, dry_run: bool = False, runner: Runner | None = None) -> list[Action]:
    """Register the server with the agent of profile `p` (which has an `mcp_install` section)."""
    spec = p.mcp_install
    assert spec is not None
    if spec.edits_file:
        return _file_install(p, spec, dry_run)
    exe = _agent_binary(p)
    try:
        return [_run([exe, *_fill_args(spec.add)], spec, dry_run, runner)]
    except HeadroomError:
        # Idempotent: already registered (Claude Code's `mcp add` refuses an existing name) → replace it,
        # which also refreshes a command path that moved.
        if _registered(exe, spec, runner) is not True:
            raise
    return [_run([exe, *_fill_args(spec.remove)], spec, dry_run, runner),
            _run([exe, *_fill_args(spec.add)], spec, dry_run, runner)]


def uninstall(p: Profile, *, dry_run: bool = False, runner: Runner | None = None) -> list[Action]:
    spec = p.mcp_install
    assert spec is not None
    if spec.edits_file:
        return _file_uninstall(p, spec, dry_run)
    exe = _agent_binary(p)
    try:
        return [_run([exe, *_fill_args(spec.remove)], spec, dry_run, runner)]
    except HeadroomError:
        if _registered(exe, spec, runner) is False:
            return []  # idempotent: nothing of ours to remove
        raise


def config_file_path(p: Profile) -> Path | None:
    """The JSON file `mcp install` edits for this agent (None: it runs the agent's own commands)."""
    spec = p.mcp_install
    return spec.config_path() if spec is not None and spec.edits_file else None


# --- the agent's own commands -------------------------------------------------------------------

def _fill_args(template: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for a in template:
        if a == "{serve}":
            out.extend(serve_command())
        else:
            out.append(a.replace("{server}", SERVER))
    return out


def _default_runner(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def _agent_binary(p: Profile) -> str:
    exe = shutil.which(p.binary)
    if not exe:
        raise AgentNotFound(f"{p.name} is not installed (not on PATH)",
                            hint=f"install it: {p.install}" if p.install else None)
    return exe


def _run(argv: list[str], spec: McpInstall, dry_run: bool, runner: Runner | None) -> Action:
    import shlex

    name = Path(argv[0]).name
    action = Action("run", shlex.join([name, *argv[1:]]))
    if dry_run:
        return action
    try:
        proc = (runner or _default_runner)(argv)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise HeadroomError(f"`{action.detail}` could not run: {e}") from None
    if proc.returncode != 0:
        out = ((proc.stderr or "") + (proc.stdout or "")).strip()
        raise HeadroomError(f"`{action.detail}` failed (exit {proc.returncode}): {out[-500:]}",
                            hint=f"run `{shlex.join([name, *spec.list])}` to see what is registered"
                            if spec.list else None)
    action.done = True
    return action


def _registered(exe: str, spec: McpInstall, runner: Runner | None) -> bool | None:
    """Does the agent's own `list` show our server (a line starting with its name)? None when it cannot say."""
    import re

    if not spec.list:
        return None
    try:
        proc = (runner or _default_runner)([exe, *spec.list])
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return re.search(rf"^\s*{re.escape(SERVER)}\b", proc.stdout or "", re.M) is not None


# --- a JSON file of our own editing -------------------------------------------------------------

def _journal_path(p: Profile) -> Path:
    return config.paths().state_dir / f"mcp-install-{p.name}.json"


def _entry(spec: McpInstall) -> dict:
    """The profile's `entry` with `{command}` / `{args}` filled from `serve_command()` (`{args}` inside a
    list is spliced into it, for agents that take the server's whole argv as one list)."""
    cmd = serve_command()
    values = {"{command}": cmd[0], "{args}": cmd[1:]}

    def fill(v):
        if isinstance(v, str):
            return values.get(v, v)
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        if isinstance(v, list):  # "{args}" as a list item is spliced in: ["{command}", "{args}"] is one argv
            return [y for x in v for y in (values["{args}"] if x == "{args}" else [fill(x)])]
        return v

    return fill(spec.entry)


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


def _file_install(prof: Profile, spec: McpInstall, dry_run: bool) -> list[Action]:
    path = spec.config_path()
    key = spec.servers_key
    existed = path.exists()
    data = _read_json(path)
    servers = data.setdefault(key, {})
    if not isinstance(servers, dict):
        raise HeadroomError(f"{path}: `{key}` is not an object", hint="fix the file, then retry")
    entry = _entry(spec)
    actions: list[Action] = []
    backup = path.with_name(path.name + f".headroom-backup-{int(time.time())}")
    if existed:
        actions.append(Action("backup", f"{path} → {backup}"))
    actions.append(Action("write", f"{path}: {key}.{SERVER} = {json.dumps(entry)}"))
    if dry_run:
        return actions
    journal = _journal_path(prof)
    if not journal.exists():  # keep the first journal: it knows what was there before us
        prev = servers.get(SERVER)
        config.ensure_dir(journal.parent)
        journal.write_text(json.dumps({
            "path": str(path), "existed": existed, "previous_entry": prev,
            "backup": str(backup) if existed else None, "ts": time.time(),
        }), encoding="utf-8")
    if existed:
        shutil.copy2(path, backup)
    servers[SERVER] = entry
    _write_json(path, data)
    for a in actions:
        a.done = True
    return actions


def _file_uninstall(prof: Profile, spec: McpInstall, dry_run: bool) -> list[Action]:
    journal = _journal_path(prof)
    key = spec.servers_key
    try:
        j = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        j = {"path": str(spec.config_path()), "existed": True, "previous_entry": None}
    path = Path(j["path"])
    data = _read_json(path)
    servers = data.get(key)
    if not isinstance(servers, dict):
        servers = data[key] = {}
    actions: list[Action] = []
    prev = j.get("previous_entry")
    # Only our own entry changes: servers the user added since install stay.
    if prev is not None:
        actions.append(Action("write", f"{path}: restore the previous {key}.{SERVER}"))
    elif SERVER in servers:
        actions.append(Action("write", f"{path}: remove {key}.{SERVER}"))
    drop_file = (not j.get("existed")) and set(servers) <= {SERVER} and set(data) <= {key}
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
