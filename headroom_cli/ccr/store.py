"""Store of originals: every lossy cut's original text, by content-hash key (DESIGN §5).

SQLite in WAL mode in the user cache dir (file mode 0600), so several processes (a wrap's proxy, `headroom
retrieve`, the MCP server) share it. Entries expire after a TTL; a byte cap evicts the oldest entries first.
The store does not compress anything — it only keeps text.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from .. import config
from ..errors import NotFound

DB_NAME = "originals.sqlite3"


def key_for(text: str) -> str:
    """Retrieval key of an original: a content hash, so the same original always gets the same key (and a
    re-put refreshes it instead of storing it twice). Markers spell it `key=<24 hex digits>`."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS originals (
    key TEXT PRIMARY KEY,
    text BLOB NOT NULL,  -- UTF-8 with surrogatepass: lone surrogates from JSON escapes survive
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    expires REAL,
    meta TEXT
);
CREATE INDEX IF NOT EXISTS originals_created ON originals(created);
CREATE INDEX IF NOT EXISTS originals_expires ON originals(expires);
"""


def default_ttl() -> int:
    """Persisted default lifetime: `cache_ttl` (env or `headroom cache --ttl`), else DEFAULT_CACHE_TTL."""
    v = config.get("cache_ttl")
    return int(v) if v not in (None, "") else config.DEFAULT_CACHE_TTL


class Store:
    """Thread-safe (one connection per thread) and process-safe (SQLite WAL + busy timeout).

    `clock` is injectable for tests; it only decides expiry, never what is stored under which key.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, ttl: int | None = None,
                 max_bytes: int | None = None, clock: Callable[[], float] = time.time):
        if path is None:
            path = config.ensure_dir(config.paths().cache_dir) / DB_NAME
        self.path = Path(path)
        self.ttl = ttl  # None → default_ttl() at put time (so `headroom cache --ttl` applies at once)
        self.max_bytes = int(max_bytes if max_bytes is not None else config.get("cache_max_bytes"))
        self.clock = clock
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._puts_since_sweep = 0
        self._init_db()

    # -- connections ---------------------------------------------------------------------------------
    def _init_db(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file 0600 before SQLite opens it (umask could make it world-readable).
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass
        conn = self._conn()
        conn.executescript(_SCHEMA)
        (self._approx_total,) = conn.execute("SELECT COALESCE(SUM(size),0) FROM originals").fetchone()

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes, no fsync per put
            c.execute("PRAGMA busy_timeout=30000")
            self._local.conn = c
            with self._conns_lock:
                self._conns.append(c)
            for side in ("-wal", "-shm"):  # SQLite creates these with the umask's mode
                p = Path(str(self.path) + side)
                if p.exists():
                    try:
                        os.chmod(p, 0o600)
                    except OSError:
                        pass
        return c

    def close(self) -> None:
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except Exception:
                    pass
            self._conns.clear()
        self._local = threading.local()

    # -- API -----------------------------------------------------------------------------------------
    def put(self, text: str, *, key: str | None = None, ttl: int | None = None, meta: dict | None = None) -> str:
        """Keep `text`; return its key (`key_for(text)` unless given). Re-putting refreshes the expiry."""
        return self.put_many([(text, key, meta)], ttl=ttl)[0]

    def put_many(self, items: list[tuple[str, str | None, dict | None]], *, ttl: int | None = None) -> list[str]:
        """Keep several originals in one transaction (the engine stores a request's cuts at once)."""
        now = self.clock()
        life = ttl if ttl is not None else (self.ttl if self.ttl is not None else default_ttl())
        expires = now + life if life and life > 0 else None
        rows, keys = [], []
        for text, key, meta in items:
            key = key or key_for(text)
            data = text.encode("utf-8", "surrogatepass")
            rows.append((key, data, len(data), now, expires, json.dumps(meta, sort_keys=True) if meta else None))
            keys.append(key)
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany(
                "INSERT INTO originals(key, text, size, created, expires, meta) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET expires=excluded.expires, created=excluded.created, "
                "meta=COALESCE(excluded.meta, originals.meta)", rows)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        # Running total (other processes add too: recount every 256 puts) decides when to evict.
        self._approx_total += sum(r[2] for r in rows)
        self._puts_since_sweep += len(rows)
        if self._approx_total > self.max_bytes or self._puts_since_sweep >= 256:
            self._puts_since_sweep = 0
            self._enforce_cap()
        return keys

    def get(self, key: str) -> str | None:
        """The original, or None if missing or expired."""
        row = self._conn().execute("SELECT text, expires FROM originals WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        data, expires = row
        if expires is not None and expires <= self.clock():
            return None
        return bytes(data).decode("utf-8", "surrogatepass")

    def list(self) -> list[dict]:
        """Live entries, newest first (without their text)."""
        now = self.clock()
        rows = self._conn().execute(
            "SELECT key, size, created, expires, meta FROM originals "
            "WHERE expires IS NULL OR expires > ? ORDER BY created DESC, key", (now,)).fetchall()
        return [
            {"key": k, "size": s, "created": c, "expires": e, "meta": json.loads(m) if m else {}}
            for k, s, c, e, m in rows
        ]

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        n = self._conn().execute("DELETE FROM originals").rowcount
        self._approx_total = 0
        return n

    def purge_expired(self) -> int:
        return self._conn().execute(
            "DELETE FROM originals WHERE expires IS NOT NULL AND expires <= ?", (self.clock(),)).rowcount

    def stats(self) -> dict:
        now = self.clock()
        n, total = self._conn().execute(
            "SELECT COUNT(*), COALESCE(SUM(size),0) FROM originals WHERE expires IS NULL OR expires > ?",
            (now,)).fetchone()
        try:
            file_bytes = self.path.stat().st_size
        except OSError:
            file_bytes = 0
        return {"path": str(self.path), "entries": n, "bytes": total, "file_bytes": file_bytes,
                "max_bytes": self.max_bytes, "ttl": self.ttl if self.ttl is not None else default_ttl()}

    def _enforce_cap(self) -> None:
        """Drop expired entries, then the oldest until the total fits under max_bytes."""
        self.purge_expired()
        c = self._conn()
        (total,) = c.execute("SELECT COALESCE(SUM(size),0) FROM originals").fetchone()
        self._approx_total = total
        if total <= self.max_bytes:
            return
        excess = total - self.max_bytes
        doomed, freed = [], 0
        for key, size in c.execute("SELECT key, size FROM originals ORDER BY created, key"):
            doomed.append(key)
            freed += size
            if freed >= excess:
                break
        c.executemany("DELETE FROM originals WHERE key=?", [(k,) for k in doomed])
        self._approx_total = total - freed


_default: Store | None = None
_default_lock = threading.Lock()


def default_store() -> Store:
    """The process-wide store in the user cache dir (re-created if HEADROOM dirs changed, e.g. in tests)."""
    global _default
    want = config.paths().cache_dir / DB_NAME
    with _default_lock:
        if _default is None or _default.path != want:
            if _default is not None:
                _default.close()
            _default = Store(want)
        return _default


def retrieve(key: str) -> str:
    """The byte-exact original behind a marker's key."""
    key = (key or "").strip()
    text = default_store().get(key)
    if text is None:
        raise NotFound(
            f"no original stored under key {key!r}",
            hint="It may have expired (see `headroom cache --ttl`) or come from another machine; "
                 "`headroom cache --list` shows what is stored.",
        )
    return text
