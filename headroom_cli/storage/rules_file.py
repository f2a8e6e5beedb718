"""The learned rules' persistence in one JSON file (the default, in the user data dir): load the stored rules,
save them all, and a lock that serialises read-merge-write between concurrent `headroom learn` runs.

Rules are kept here as plain JSON (key → the rule's stored fields); what a rule means is `learn.rules`'. The
PostgreSQL store keeps the same JSON, one row per rule (`postgres.PgRules`)."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .. import config

STORE_VERSION = 1


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data` in one step (a temp file beside it, renamed over it); the file gets `mode`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def default_path() -> Path:
    return config.paths().data_dir / "learn" / "rules.json"


class RulesFile:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()

    def describe(self) -> str:
        return str(self.path)

    def load(self) -> dict[str, dict]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as e:
            from ..errors import HeadroomError

            raise HeadroomError(f"{self.path}: unreadable rules store: {e}",
                                hint="move the file away; `headroom learn` rebuilds it from your sessions") from None
        rules = raw.get("rules") if isinstance(raw, dict) else None
        return dict(rules) if isinstance(rules, dict) else {}

    def save(self, rules: dict[str, dict]) -> None:
        config.ensure_dir(self.path.parent)
        data = {"version": STORE_VERSION, "rules": dict(sorted(rules.items()))}
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"), 0o600)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise read-merge-write between concurrent `headroom learn` runs (POSIX; best effort)."""
        config.ensure_dir(self.path.parent)
        try:
            import fcntl
        except ImportError:  # Windows: last writer wins
            yield
            return
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
