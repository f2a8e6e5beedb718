"""Cleanup journal: what a wrap run must undo, written BEFORE the thing it undoes exists.

One JSON file per run in `state_dir/journals/`, named after the pid. Each action (remove a file or
folder, restore a backup over a file, kill a tmux pane) is appended to the journal before the temp
file is created, so a SIGKILL at any point leaves a journal that says how to clean up. The next
`headroom wrap` replays journals whose process is gone (`replay_stale`).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from .. import config
from ..stats.registry import create_time as _proc_start


def journal_dir() -> Path:
    return config.paths().state_dir / "journals"


def _write_private(path: Path, data: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data)
    os.replace(tmp, path)


class Journal:
    """Use as a context manager, or call `cleanup()` yourself in a `finally`."""

    def __init__(self, session_id: str = "", directory: Path | None = None):
        self.dir = directory or journal_dir()
        self.pid = os.getpid()
        self.session_id = session_id
        self.path = self.dir / f"{self.pid}.json"
        self.started = _proc_start(self.pid)  # guards against pid reuse when the journal is replayed
        self.actions: list[dict] = []
        self._private: Path | None = None

    # -- recording ---------------------------------------------------------------------------
    def _flush(self) -> None:
        config.ensure_dir(self.dir)
        doc = {"pid": self.pid, "started": self.started, "session_id": self.session_id,
               "written": time.time(), "actions": self.actions}
        _write_private(self.path, json.dumps(doc, indent=1))

    def begin(self) -> Journal:
        self._flush()
        return self

    def add(self, kind: str, **data) -> None:
        self.actions.append({"kind": kind, **data})
        self._flush()

    def temp_path(self, path: Path) -> Path:
        """Journal a file or folder we are about to create; it is removed at cleanup."""
        self.add("remove", path=str(path))
        return path

    def private_dir(self) -> Path:
        """A per-run folder (0700) for temp files, journaled before it exists."""
        if self._private is None:
            d = config.paths().state_dir / "run" / (self.session_id or str(self.pid))
            self.temp_path(d)
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._private = d
        return self._private

    def write_temp(self, name: str, text: str) -> Path:
        """Write a private (0600) temp file in the per-run folder."""
        p = self.temp_path(self.private_dir() / name)
        _write_private(p, text)
        return p

    # -- undoing -----------------------------------------------------------------------------
    def cleanup(self) -> list[str]:
        """Undo every action (newest first), then delete the journal. Returns problems (not raised:
        cleanup runs on exit paths and must do as much as it can)."""
        problems = _undo(self.actions)
        self.actions = []
        self._private = None
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        return problems

    def __enter__(self) -> Journal:
        return self.begin()

    def __exit__(self, *exc) -> None:
        self.cleanup()


def _undo(actions: list[dict]) -> list[str]:
    problems = []
    for a in reversed(actions):
        try:
            kind = a.get("kind")
            if kind == "remove":
                p = Path(a["path"])
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            elif kind == "restore":  # put a backup back over a file we edited in place
                bak, dst = Path(a["backup"]), Path(a["path"])
                if bak.exists():
                    os.replace(bak, dst)
            elif kind == "tmux_pane":
                subprocess.run(["tmux", "kill-pane", "-t", a["pane"]], capture_output=True, timeout=3)
        except Exception as e:  # keep going: one failure must not leave the rest behind
            problems.append(f"{a}: {e}")
    return problems


def replay_stale(directory: Path | None = None) -> int:
    """Undo what runs killed without cleanup left behind. Returns how many journals were replayed."""
    d = directory or journal_dir()
    if not d.is_dir():
        return 0
    n = 0
    for f in sorted(d.glob("*.json")):
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            f.unlink(missing_ok=True)  # half-written journal of a crashed run: nothing recorded yet
            continue
        pid = int(doc.get("pid", 0))
        started = _proc_start(pid) if pid else None
        alive = started is not None and (doc.get("started") is None or abs(started - doc["started"]) < 1.0)
        if alive:
            continue
        _undo(doc.get("actions", []))
        f.unlink(missing_ok=True)
        n += 1
    for f in d.glob("*.tmp"):  # torn writes
        try:
            pid = int(f.name.split(".")[0])
        except ValueError:
            continue
        if _proc_start(pid) is None:
            f.unlink(missing_ok=True)
    return n
