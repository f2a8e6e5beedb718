"""Session registry: one small JSON file per running wrap/proxy session in the runtime dir, so
`headroom dashboard` and `headroom statusline` can find running sessions.

Entries of dead processes are pruned on listing (psutil), which also cleans up after a SIGKILLed
wrap. The process start time is stored too, so a recycled pid does not keep a stale entry alive.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]")


def sessions_dir() -> Path:
    from .. import config

    return config.paths().runtime_dir / "sessions"


def _file(session_id: str) -> Path:
    return sessions_dir() / (_SAFE_RE.sub("_", session_id) + ".json")


def create_time(pid: int) -> float | None:
    """Process start time (tells a recycled pid apart), None if there is no such process."""
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:
        return None


def register(session_id: str, *, pid: int, port: int, agent: str, url: str, ledger=None, **extra) -> Path:
    """Announce a running session; returns the file written (remove it with `unregister`). `ledger`: where its
    span is noted (the proxy's store's ledger; default: the user data dir's)."""
    from .. import config

    config.ensure_dir(sessions_dir())
    entry = {"session_id": session_id, "pid": int(pid), "port": int(port), "agent": agent, "url": url,
             "started": time.time(), "pid_create_time": create_time(pid), **extra}
    f = _file(session_id)
    tmp = f.with_name(f".{f.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(entry, out)
    os.replace(tmp, f)  # atomic: readers never see half a file
    _note_span(session_id, ledger, agent=agent, started=entry["started"])
    return f


def unregister(session_id: str, ledger=None) -> None:
    """The session ended: drop its entry, and note its span (start, end) in the ledger's history."""
    f = _file(session_id)
    try:
        entry = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entry = {}
    try:
        f.unlink()
    except FileNotFoundError:
        pass
    started = entry.get("started") if isinstance(entry, dict) else None
    _note_span(session_id, ledger, started=started, ended=time.time())


def _note_span(session_id: str, ledger=None, **span) -> None:
    try:
        from .ledger import using

        with using(ledger) as lg:
            lg.note_session(session_id, **span)
    except Exception:  # history is a nicety: starting or ending a run never fails over it
        pass


def is_alive(entry: dict) -> bool:
    """Is the process that registered this entry still running (and the same process)?"""
    try:
        import psutil

        pid = int(entry.get("pid", 0))
        if pid <= 0 or not psutil.pid_exists(pid):
            return False
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        ct = entry.get("pid_create_time")
        if ct is not None and abs(proc.create_time() - float(ct)) > 1.0:
            return False  # pid reused by another process
        return True
    except Exception:
        return False


def list_sessions(prune: bool = True) -> list[dict]:
    """Running sessions, newest first. With prune, entries of dead processes are deleted."""
    d = sessions_dir()
    if not d.is_dir():
        return []
    out = []
    for f in d.glob("*.json"):
        try:
            entry = json.loads(f.read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or "session_id" not in entry:
                raise ValueError("not a registry entry")
        except (OSError, ValueError):
            if prune and time.time() - _mtime(f) > 60:  # broken and old: a leftover
                _unlink(f)
            continue
        if not is_alive(entry):
            if prune:
                _unlink(f)
            continue
        out.append(entry)
    out.sort(key=lambda e: e.get("started", 0), reverse=True)
    return out


def find(session_id: str) -> dict | None:
    for e in list_sessions(prune=False):
        if e["session_id"] == session_id:
            return e
    return None


def _mtime(f: Path) -> float:
    try:
        return f.stat().st_mtime
    except OSError:
        return 0.0


def _unlink(f: Path) -> None:
    try:
        f.unlink()
    except OSError:
        pass
