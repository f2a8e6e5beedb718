"""Store of originals: every lossy cut's original text, by content-hash key (docs/ARCHITECTURE.md §5).

SQLite in WAL mode in the user cache dir (file mode 0600), so several processes (a wrap's proxy, `headroom
retrieve`, the MCP server) share it. Entries expire after a TTL; a byte cap evicts the oldest entries first.
The store does not compress anything — it only keeps text.

Every original belongs to an owner (`config.LOCAL_USER` for everything a single user does; a gateway user's
name otherwise): rows and lookups are scoped by (owner, key), and the byte cap is per owner, so one user can
neither read another's originals, nor learn that they exist, nor evict them. The key stays the content hash, so
the engine's output does not depend on who sent the request. `storage/` holds the PostgreSQL twin of this class.
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

LOCAL_USER = config.LOCAL_USER

# The schema's version (PRAGMA user_version): 0 was one row per key (before owners), 1 keys rows by (owner, key),
# 2 adds the covering index of sizes, 3 the covering index of expiries (below).
SCHEMA_VERSION = 3
_TABLE = """
CREATE TABLE originals (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    text BLOB NOT NULL,  -- UTF-8 with surrogatepass: lone surrogates from JSON escapes survive
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    expires REAL,
    meta TEXT,
    PRIMARY KEY (owner, key)
) WITHOUT ROWID"""
# A row holds its original's text before its size, so reading a size from the table walks the text's overflow pages:
# the cap check's SUM(size) and the eviction scan read the whole store (10 ms for 40 MB, every 256 puts, on the
# request path). This index holds what they read (owner, age, key, size): they never touch the texts.
_SIZES_INDEX = "CREATE INDEX IF NOT EXISTS originals_owner_sizes ON originals(owner, created, key, size)"
# … and this one what a put reads of the originals it holds already (is it fresh: `_to_write`).
_EXPIRES_INDEX = "CREATE INDEX IF NOT EXISTS originals_owner_key_expires ON originals(owner, key, expires)"
_INDEXES = ("CREATE INDEX IF NOT EXISTS originals_owner_created ON originals(owner, created)",
            "CREATE INDEX IF NOT EXISTS originals_expires ON originals(expires)", _SIZES_INDEX, _EXPIRES_INDEX)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Bring the file to SCHEMA_VERSION (idempotent; one migrator at a time under BEGIN IMMEDIATE). A file from
    before owners keeps its rows, all of them the local user's. Returns the steps applied."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return []
    done: list[str] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            cols = [r[1] for r in conn.execute("PRAGMA table_info(originals)")]
            if not cols:
                conn.execute(_TABLE)
                done.append("create")
            elif "owner" not in cols:
                conn.execute("ALTER TABLE originals RENAME TO originals_v0")
                conn.execute(_TABLE)
                conn.execute("INSERT INTO originals(owner, key, text, size, created, expires, meta) "
                             "SELECT ?, key, text, size, created, expires, meta FROM originals_v0", (LOCAL_USER,))
                conn.execute("DROP TABLE originals_v0")  # its indexes go with it
                done.append("owners")
            was = conn.execute("PRAGMA user_version").fetchone()[0]
            for sql in _INDEXES:
                conn.execute(sql)
            if cols and "owner" in cols and was < 2:
                done.append("sizes index")
            if cols and "owner" in cols and was < 3:
                done.append("expiries index")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return done


def pending_migrations(path: str | os.PathLike) -> list[str]:
    """What opening the file at `path` would migrate (without opening it for writing): [] when current."""
    p = Path(path)
    if not p.exists():
        return []  # created current on first use
    conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=5.0)
    try:
        v = conn.execute("PRAGMA user_version").fetchone()[0]
        # No table yet: a file another process has just created and is about to migrate, created current.
        new = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='originals'").fetchone() is None
    finally:
        conn.close()
    return [] if v >= SCHEMA_VERSION or new else [f"originals schema {v} → {SCHEMA_VERSION}"]


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
        self._wal_bytes = 0  # written since the last checkpoint
        self._checkpointer: threading.Thread | None = None
        self._checkpoint_due = threading.Event()
        self._closing = False
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
        migrate(conn)
        # Per owner: the running total that decides when to enforce the owner's cap (see put_many).
        self._approx: dict[str, int] = dict(conn.execute(
            "SELECT owner, COALESCE(SUM(size),0) FROM originals GROUP BY owner").fetchall())
        self._puts_since_sweep: dict[str, int] = {}

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            # Durability: the proxy commits an original before it forwards the request that points at it, and
            # a SIGKILL of the proxy must not lose it. In WAL mode with synchronous=NORMAL, COMMIT returns once
            # the transaction's frames are written into the -wal file (write(2), no fsync): they sit in the OS
            # page cache, which outlives the process, and the next connection to open the database replays
            # them. So a killed process loses nothing it committed; only an OS crash or power cut can drop the
            # last commits before a checkpoint (fsync'd) — a risk FULL would close at an fsync per request.
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA busy_timeout=30000")
            # Checkpoints (copying the WAL into the database, with two fsyncs) would otherwise run inside
            # whichever COMMIT crosses 1000 pages: 20–70 ms on the request path, once every ~4 MB of
            # originals. This store's checkpointer thread runs them instead (see _note_written).
            c.execute("PRAGMA wal_autocheckpoint=0")
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
        t = self._checkpointer
        if t is not None:
            self._closing = True
            self._checkpoint_due.set()
            t.join(10)
            self._checkpointer = None
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except Exception:
                    pass
            self._conns.clear()
        self._local = threading.local()

    # -- API -----------------------------------------------------------------------------------------
    scope_id = property(lambda self: str(self.path))  # the memo's name for where an original was put

    def scoped(self, owner: str) -> "OwnerStore":
        """This store as one owner sees it (what the engine is handed: `put_many`/`get` without an owner)."""
        return OwnerStore(self, owner)

    def put(self, text: str, *, key: str | None = None, ttl: int | None = None, meta: dict | None = None,
            owner: str = LOCAL_USER) -> str:
        """Keep `text`; return its key (`key_for(text)` unless given). Re-putting refreshes the expiry once the
        original is past half its lifetime (before that, a re-put writes nothing)."""
        return self.put_many([(text, key, meta)], ttl=ttl, owner=owner)[0]

    def put_many(self, items: list[tuple[str, str | None, dict | None]], *, ttl: int | None = None,
                 owner: str = LOCAL_USER) -> list[str]:
        """Keep several originals in one transaction (the engine stores a request's cuts at once)."""
        now = self.clock()
        life = ttl if ttl is not None else (self.ttl if self.ttl is not None else default_ttl())
        expires = now + life if life and life > 0 else None
        rows, keys = [], []
        for text, key, meta in items:
            key = key or key_for(text)
            data = text.encode("utf-8", "surrogatepass")
            rows.append((owner, key, data, len(data), now, expires,
                         json.dumps(meta, sort_keys=True) if meta else None))
            keys.append(key)
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            rows = self._to_write(c, owner, rows, now, life)
            if rows:
                c.executemany(
                    "INSERT INTO originals(owner, key, text, size, created, expires, meta) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT(owner, key) DO UPDATE SET expires=excluded.expires, created=excluded.created, "
                    "meta=COALESCE(excluded.meta, originals.meta)", rows)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        written = sum(r[3] for r in rows)
        self._note_written(written)
        # Running total (other processes add too: recount every 256 puts) decides when to evict.
        total = self._approx[owner] = self._approx.get(owner, 0) + written
        n = self._puts_since_sweep[owner] = self._puts_since_sweep.get(owner, 0) + len(rows)
        if total > self.max_bytes or n >= 256:
            self._puts_since_sweep[owner] = 0
            self._enforce_cap(owner)
        return keys

    @staticmethod
    def _to_write(c: sqlite3.Connection, owner: str, rows: list[tuple], now: float, life: int | None) -> list[tuple]:
        """The rows a put must write: the new originals, and those held already that are past half their lifetime.
        SQLite rewrites a whole record to update it, text and all (a 300 KB original's overflow pages), so
        re-putting what is held and fresh (a resumed session's history, compressed again by a process whose memo is
        new) only reads the expiries' index; the memo refreshes on the same half-life rule. (A fresh re-put keeps
        the meta it was first put with: the same text is the same tool's output.)"""
        keys = [r[1] for r in rows]
        fresh_until = now + life / 2 if life and life > 0 else None
        held: set[str] = set()
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            q = ("SELECT key FROM originals WHERE owner=? AND key IN (%s) AND " % ",".join("?" * len(part))
                 + ("expires >= ?" if fresh_until is not None else "expires IS NULL"))
            args = (owner, *part) + ((fresh_until,) if fresh_until is not None else ())
            held.update(k for (k,) in c.execute(q, args))
        return [r for r in rows if r[1] not in held] if held else rows

    def get(self, key: str, *, owner: str = LOCAL_USER) -> str | None:
        """The original, or None if missing, expired, or another owner's."""
        row = self._conn().execute("SELECT text, expires FROM originals WHERE owner=? AND key=?",
                                   (owner, key)).fetchone()
        if row is None:
            return None
        data, expires = row
        if expires is not None and expires <= self.clock():
            return None
        return bytes(data).decode("utf-8", "surrogatepass")

    def list(self, *, owner: str = LOCAL_USER) -> list[dict]:
        """The owner's live entries, newest first (without their text)."""
        now = self.clock()
        rows = self._conn().execute(
            "SELECT key, size, created, expires, meta FROM originals "
            "WHERE owner=? AND (expires IS NULL OR expires > ?) ORDER BY created DESC, key", (owner, now)).fetchall()
        return [
            {"key": k, "size": s, "created": c, "expires": e, "meta": json.loads(m) if m else {}}
            for k, s, c, e, m in rows
        ]

    def clear(self, *, owner: str = LOCAL_USER) -> int:
        """Delete every entry of the owner; return how many there were."""
        n = self._conn().execute("DELETE FROM originals WHERE owner=?", (owner,)).rowcount
        self._approx[owner] = 0
        return n

    def purge_expired(self) -> int:
        return self._conn().execute(
            "DELETE FROM originals WHERE expires IS NOT NULL AND expires <= ?", (self.clock(),)).rowcount

    def stats(self, *, owner: str = LOCAL_USER) -> dict:
        now = self.clock()
        n, total = self._conn().execute(
            "SELECT COUNT(*), COALESCE(SUM(size),0) FROM originals WHERE owner=? AND (expires IS NULL OR expires > ?)",
            (owner, now)).fetchone()
        try:
            file_bytes = self.path.stat().st_size
        except OSError:
            file_bytes = 0
        return {"path": str(self.path), "entries": n, "bytes": total, "file_bytes": file_bytes,
                "max_bytes": self.max_bytes, "ttl": self.ttl if self.ttl is not None else default_ttl()}

    def ping(self) -> None:
        self._conn().execute("SELECT 1 FROM originals LIMIT 1").fetchall()

    # -- checkpoints ---------------------------------------------------------------------------------
    CHECKPOINT_BYTES = 4 * 1024 * 1024  # SQLite's own default threshold: 1000 pages of 4 KB

    def _note_written(self, n: int) -> None:
        """Count bytes committed into the WAL; past CHECKPOINT_BYTES, wake the checkpointer thread."""
        self._wal_bytes += n
        if self._wal_bytes < self.CHECKPOINT_BYTES or self._closing:
            return
        self._wal_bytes = 0
        if self._checkpointer is None:
            with self._conns_lock:
                if self._checkpointer is None:
                    t = threading.Thread(target=self._checkpoint_loop, name="headroom-store-checkpoint", daemon=True)
                    self._checkpointer = t
                    t.start()
        self._checkpoint_due.set()

    def _checkpoint_loop(self) -> None:
        # PASSIVE: never blocks writers or readers (it copies what no reader still needs; the rest waits for
        # the next round). Its own connection, so a checkpoint never holds up a put on another thread.
        while True:
            self._checkpoint_due.wait()
            self._checkpoint_due.clear()
            if self._closing:
                return
            try:
                self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                pass  # busy or locked: the next round (or SQLite on the last close) checkpoints

    def checkpoint(self) -> tuple[int, int, int]:
        """Checkpoint now on this thread: (busy, WAL frames, frames copied), as SQLite reports them."""
        return tuple(self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())  # type: ignore[return-value]

    def _enforce_cap(self, owner: str) -> None:
        """Drop expired entries, then the owner's oldest until the owner's total fits under max_bytes."""
        self.purge_expired()
        c = self._conn()
        (total,) = c.execute("SELECT COALESCE(SUM(size),0) FROM originals WHERE owner=?", (owner,)).fetchone()
        self._approx[owner] = total
        if total <= self.max_bytes:
            return
        excess = total - self.max_bytes
        doomed, freed = [], 0
        for key, size in c.execute("SELECT key, size FROM originals WHERE owner=? ORDER BY created, key", (owner,)):
            doomed.append(key)
            freed += size
            if freed >= excess:
                break
        c.executemany("DELETE FROM originals WHERE owner=? AND key=?", [(owner, k) for k in doomed])
        self._approx[owner] = total - freed


class OwnerStore:
    """One owner's view of a store of originals (this SQLite one or storage's PostgreSQL one): the methods the
    engine, the retrieval relay, MCP and the CLI call, each scoped to the owner. `scope_id` tells the memo
    (compress/pipeline) that an original put for one owner is not yet stored for another."""

    def __init__(self, base, owner: str):
        self.base, self.owner = base, owner
        self.path = base.path
        self.scope_id = base.scope_id if owner == LOCAL_USER else f"{base.scope_id}#owner={owner}"

    @property
    def ttl(self):
        return self.base.ttl

    @property
    def max_bytes(self) -> int:
        return self.base.max_bytes

    def put(self, text: str, *, key: str | None = None, ttl: int | None = None, meta: dict | None = None) -> str:
        return self.base.put_many([(text, key, meta)], ttl=ttl, owner=self.owner)[0]

    def put_many(self, items, *, ttl: int | None = None) -> list[str]:
        return self.base.put_many(items, ttl=ttl, owner=self.owner)

    def get(self, key: str) -> str | None:
        return self.base.get(key, owner=self.owner)

    def list(self) -> list[dict]:
        return self.base.list(owner=self.owner)

    def clear(self) -> int:
        return self.base.clear(owner=self.owner)

    def purge_expired(self) -> int:
        return self.base.purge_expired()

    def stats(self) -> dict:
        return self.base.stats(owner=self.owner)


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


def retrieve(key: str, store=None) -> str:
    """The byte-exact original behind a marker's key (in `store`, an owner's view; default: the local user's
    originals in the default store)."""
    key = (key or "").strip()
    text = (store if store is not None else default_store()).get(key)
    if text is None:
        raise NotFound(
            f"no original stored under key {key!r}",
            hint="It may have expired (see `headroom cache --ttl`) or come from another machine; "
                 "`headroom cache --list` shows what is stored.",
        )
    return text
