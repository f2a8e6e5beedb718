"""The embedded backend: SQLite files (and the rules' JSON file) in the user's directories, as a single user
has always had them — `ccr.store` (originals), `stats.ledger` (ledger), `rules_file` (learned rules) — plus a tokens
file for a gateway run on one machine. Nothing to install or run."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from .. import config
from ..ccr import store as ccr_store
from ..stats import ledger as ledger_mod
from .base import Backend, StoreUnavailable, check_token_fields, token_text
from .rules_file import RulesFile

TOKENS_DB = "tokens.sqlite3"
LEDGER_DB = "ledger.db"
RULES_FILE = "rules.json"


class SqliteBackend(Backend):
    """`root` None: the user dirs of the moment (the store in the cache dir, the rest in the data dir; followed
    when HEADROOM_* dirs change, as in tests). `root` a directory: every file in it."""

    kind = "sqlite"

    def __init__(self, root: Path | None = None, *, url: str = "", **store_options):
        """`store_options` (tests): the Store's `ttl`, `max_bytes`, `clock` (only with a `root`)."""
        self.root, self.url = root, url
        self._options = store_options
        self._ping_ledger: ledger_mod.Ledger | None = None
        self._stores: dict[Path, ccr_store.Store] = {}
        self._tokens: dict[Path, SqliteTokens] = {}
        self._lock = threading.Lock()

    # -- where the files are --------------------------------------------------------------------
    def _data_dir(self) -> Path:
        return self.root if self.root is not None else config.paths().data_dir

    def _store(self) -> ccr_store.Store:
        if self.root is None:
            return ccr_store.default_store()
        path = self.root / ccr_store.DB_NAME
        with self._lock:
            s = self._stores.get(path)
            if s is None:
                s = self._stores[path] = ccr_store.Store(path, **self._options)
            return s

    def ledger_path(self) -> Path:
        return self._data_dir() / LEDGER_DB if self.root is not None else ledger_mod.default_path()

    def describe(self) -> str:
        if self.root is not None:
            return f"SQLite files in {self.root}"
        p = config.paths()
        return f"SQLite files in the user dirs ({p.cache_dir / ccr_store.DB_NAME}, {ledger_mod.default_path()})"

    # -- the parts ------------------------------------------------------------------------------
    def originals(self, owner: str = config.LOCAL_USER) -> ccr_store.OwnerStore:
        s = self._store()
        # A store that knows no owners (a test's stand-in for default_store) is handed out as it is.
        return s.scoped(owner) if hasattr(s, "scoped") else s

    def ledger(self) -> ledger_mod.Ledger:
        return ledger_mod.Ledger(self.ledger_path())

    def rules(self) -> RulesFile:
        return RulesFile(self.root / RULES_FILE if self.root is not None else None)

    @property
    def tokens(self) -> "SqliteTokens":
        path = self._data_dir() / TOKENS_DB
        with self._lock:
            t = self._tokens.get(path)
            if t is None:
                t = self._tokens[path] = SqliteTokens(path)
            return t

    # -- health and schema ----------------------------------------------------------------------
    def ping(self) -> None:
        try:
            self._store().ping()
            path = self.ledger_path()
            with self._lock:  # one ledger connection for every ping (a balancer pings about once a second)
                lg = self._ping_ledger
                if lg is None or lg.path != path:
                    if lg is not None:
                        lg.close()
                    lg = self._ping_ledger = ledger_mod.Ledger(path)
            lg.ping()
        except (OSError, sqlite3.Error) as e:
            raise StoreUnavailable(f"the store's files cannot be used: {e}",
                                   hint="check the directories' permissions and free space (`headroom doctor`)") \
                from None

    def pending_migrations(self) -> list[str]:
        out = []
        store_path = (self.root / ccr_store.DB_NAME) if self.root is not None else \
            config.paths().cache_dir / ccr_store.DB_NAME
        out += ccr_store.pending_migrations(store_path)
        out += [f"ledger {n}" for n in self.ledger().pending_migrations()]
        return out

    def migrate(self) -> list[str]:
        before = self.pending_migrations()
        self._store()  # opening migrates
        with self.ledger() as lg:
            lg.count()
        return before

    def close(self) -> None:
        with self._lock:
            for s in self._stores.values():
                s.close()
            self._stores.clear()
            for t in self._tokens.values():
                t.close()
            self._tokens.clear()
            if self._ping_ledger is not None:
                self._ping_ledger.close()
                self._ping_ledger = None


class SqliteTokens:
    """Gateway tokens in their own 0600 SQLite file beside the ledger."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            config.ensure_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            db = sqlite3.connect(str(self.path), timeout=15.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 15000")
            db.execute("CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                       "user_name TEXT NOT NULL, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, "
                       "created REAL NOT NULL)")
            self._db = db
        return self._db

    def add(self, user: str, role: str, token_hash: str | bytes) -> int:
        check_token_fields(user, role)
        with self._lock:
            try:
                cur = self._conn().execute("INSERT INTO tokens (user_name, role, token_hash, created) "
                                           "VALUES (?,?,?,?)", (user, role, token_text(token_hash), time.time()))
            except sqlite3.IntegrityError:
                from ..errors import UsageError

                raise UsageError("a token with this hash exists already") from None
            return int(cur.lastrowid)

    def find(self, token_hash: str | bytes) -> tuple[str, str] | None:
        with self._lock:
            row = self._conn().execute("SELECT user_name, role FROM tokens WHERE token_hash = ?",
                                       (token_text(token_hash),)).fetchone()
        return (row[0], row[1]) if row else None

    def list(self) -> list[dict]:
        with self._lock:
            rows = self._conn().execute("SELECT id, user_name, role, created FROM tokens ORDER BY id").fetchall()
        return [{"id": i, "user": u, "role": r, "created": c} for i, u, r, c in rows]

    def revoke(self, who: str | int) -> int:
        col = "id" if isinstance(who, int) else "user_name"
        with self._lock:
            return self._conn().execute(f"DELETE FROM tokens WHERE {col} = ?", (who,)).rowcount

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

