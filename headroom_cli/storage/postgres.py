"""The shared backend: one PostgreSQL database for a team's proxies (`--store postgresql://…`, the `team` extra).

Everything lives in the schema `headroom` (so the database may hold other things): the originals (per owner,
bytea so the text comes back byte-exact, lone surrogates included), the ledger's `requests` and `sessions` (the
same queries as the SQLite ledger: `PgLedger` only swaps the connection and the two expressions that differ), the
learned rules (one JSON row each) and the gateway's tokens. Connections come from a psycopg_pool pool (autocommit:
one statement, one round trip, unless a transaction is needed). Migrations are numbered, recorded in
`headroom_migrations`, and applied under an advisory lock, so instances starting together migrate once.

Time (TTL expiry) is the client's clock, passed into the SQL that filters and deletes, as the SQLite store does; a
database that cannot be reached raises `StoreUnavailable`.
"""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .. import config
from ..ccr.store import LOCAL_USER, OwnerStore, default_ttl, key_for
from ..stats import ledger as ledger_mod
from .base import Backend, StoreUnavailable, check_token_fields, redact_url, token_text

SCHEMA = "headroom"
# pg_advisory_xact_lock keys: one for migrations, one for the rules' read-merge-write ("hdrm", "hdrr").
MIGRATION_LOCK = 0x6864726D
RULES_LOCK = 0x68647272
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)

# -- migrations (never edit one that shipped: add the next) --------------------------------------------------------
MIGRATIONS: list[tuple[str, list[str]]] = [
    ("m001_originals", [
        """CREATE TABLE originals (
            owner text NOT NULL,
            key text NOT NULL,
            body bytea NOT NULL,  -- UTF-8 with surrogatepass: lone surrogates from JSON escapes survive
            size integer NOT NULL,
            created double precision NOT NULL,
            expires double precision,
            meta text,
            PRIMARY KEY (owner, key))""",
        "CREATE INDEX originals_owner_created ON originals (owner, created)",
        "CREATE INDEX originals_expires ON originals (expires) WHERE expires IS NOT NULL",
    ]),
    ("m002_ledger", [
        # The SQLite ledger's columns after its m001–m009, in one step (its data migrations had nothing to do here).
        """CREATE TABLE requests (
            id bigserial PRIMARY KEY,
            ts double precision NOT NULL,
            session_id text NOT NULL,
            agent text NOT NULL DEFAULT '',
            protocol text NOT NULL DEFAULT '',
            path text NOT NULL DEFAULT '',
            model text NOT NULL DEFAULT '',
            status integer NOT NULL DEFAULT 0,
            streamed integer NOT NULL DEFAULT 0,
            tokens_before integer NOT NULL DEFAULT 0,
            tokens_after integer NOT NULL DEFAULT 0,
            encoding text NOT NULL DEFAULT '',
            compressors text NOT NULL DEFAULT '{}',
            retrievals integer NOT NULL DEFAULT 0,
            input_tokens integer NOT NULL DEFAULT 0,
            cache_read_tokens integer NOT NULL DEFAULT 0,
            cache_write_tokens integer NOT NULL DEFAULT 0,
            output_tokens integer NOT NULL DEFAULT 0,
            latency_added_ms double precision NOT NULL DEFAULT 0,
            duration_ms double precision NOT NULL DEFAULT 0,
            error text NOT NULL DEFAULT '',
            saved_input double precision NOT NULL DEFAULT 0,
            saved_cache_read double precision NOT NULL DEFAULT 0,
            saved_cache_write double precision NOT NULL DEFAULT 0,
            output_arm text NOT NULL DEFAULT '',
            saved_by text NOT NULL DEFAULT '{}',
            conversation_id text NOT NULL DEFAULT '',
            tokens_sent integer NOT NULL DEFAULT 0,
            outcome text NOT NULL DEFAULT '',
            user_name text NOT NULL DEFAULT 'local')""",
        "CREATE INDEX requests_session ON requests (session_id, id)",
        "CREATE INDEX requests_ts ON requests (ts)",
        "CREATE INDEX requests_user ON requests (user_name, ts)",
        "CREATE TABLE sessions (session_id text PRIMARY KEY, agent text, started double precision, "
        "ended double precision)",
    ]),
    ("m003_rules", ["CREATE TABLE rules (key text PRIMARY KEY, data text NOT NULL)"]),
    ("m004_tokens", [
        "CREATE TABLE tokens (id bigserial PRIMARY KEY, user_name text NOT NULL, role text NOT NULL, "
        "token_hash text NOT NULL UNIQUE, created double precision NOT NULL)",
        "CREATE INDEX tokens_user ON tokens (user_name)",
    ]),
]


class PostgresBackend(Backend):
    kind = "postgresql"

    def __init__(self, url: str, *, ttl: int | None = None, max_bytes: int | None = None,
                 clock: Callable[[], float] = time.time, pool_size: int = 8, timeout: float = 10.0,
                 migrate: bool = True):
        """Connects (`timeout` seconds at most) and applies pending migrations (unless `migrate` is False: doctor);
        StoreUnavailable when the database cannot be reached. `ttl`, `max_bytes`, `clock`: the store of originals'
        (tests inject a clock)."""
        self.url = url
        self.timeout = timeout
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, timeout=timeout,
                                   kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))},
                                   configure=_configure, name="headroom-store")
        try:
            self.pool.open(wait=True, timeout=timeout)
        except UNAVAILABLE as e:
            self.pool.close()
            raise self._unavailable(e) from None
        try:
            if migrate:
                self.migrate()
        except BaseException:
            self.pool.close()
            raise
        self._originals = PgOriginals(self, ttl=ttl, max_bytes=max_bytes, clock=clock)
        self._tokens = PgTokens(self)

    # -- connections ---------------------------------------------------------------------------------------------
    def _unavailable(self, e: BaseException) -> StoreUnavailable:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return StoreUnavailable(f"the store at {redact_url(self.url)} is unreachable: {redact_url(detail)}",
                                hint="check that PostgreSQL runs and the URL (host, port, database, user) is right; "
                                     "`headroom doctor` checks the connection")

    # While the database is known to be unreachable (the last attempt failed), a caller waits this long at most
    # for a connection instead of `timeout`: a proxy request must not hang 10 s on each store call of an outage.
    DOWN_WAIT = 0.5
    _down = False

    def _wait(self, timeout: float | None) -> float | None:
        return min(timeout or self.timeout, self.DOWN_WAIT) if self._down else timeout

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """A pooled connection (autocommit); StoreUnavailable instead of the driver's connection errors."""
        try:
            with self.pool.connection(timeout=self._wait(timeout)) as conn:
                yield conn
        except UNAVAILABLE as e:
            self._down = True
            raise self._unavailable(e) from None
        except StoreUnavailable:  # raised by the caller's statement (a connection that died under it)
            self._down = True
            raise
        self._down = False

    # How long an operation waits for a pooled connection: a request on the hot path must not hang for the whole
    # connect timeout while the database is down (the proxy forwards the request uncompressed instead).
    WAIT = 3.0

    def run(self, fn: Callable[[psycopg.Connection], Any]) -> Any:
        """`fn(conn)` on a pooled connection, once more on a fresh one when the first had died (a restarted
        database leaves the pool's idle connections broken). Only for idempotent work."""
        wait = min(self.timeout, self.WAIT)
        try:
            with self.pool.connection(timeout=self._wait(wait)) as conn:
                result = fn(conn)
            self._down = False
            return result
        except psycopg.OperationalError:
            self.pool.check()  # drop the broken idle connections
        except PoolTimeout as e:
            self._down = True
            raise self._unavailable(e) from None
        with self.connection(timeout=wait) as conn:
            try:
                return fn(conn)
            except psycopg.OperationalError as e:
                raise self._unavailable(e) from None

    # -- the parts -----------------------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"PostgreSQL at {redact_url(self.url)} (schema {SCHEMA})"

    def originals(self, owner: str = LOCAL_USER) -> OwnerStore:
        return OwnerStore(self._originals, owner)

    def ledger(self) -> "PgLedger":
        return PgLedger(self)

    def rules(self) -> "PgRules":
        return PgRules(self)

    @property
    def tokens(self) -> "PgTokens":
        return self._tokens

    # -- health and schema ---------------------------------------------------------------------------------------
    def ping(self) -> None:
        """One `SELECT 1` (on a fresh connection if the pooled one had died: a dead idle connection is not a
        database that is down)."""
        self.run(lambda conn: conn.execute("SELECT 1").fetchone())

    def pending_migrations(self) -> list[str]:
        def done(conn) -> set[str]:
            try:
                return {r[0] for r in conn.execute(f"SELECT name FROM {SCHEMA}.headroom_migrations")}
            except psycopg.errors.UndefinedTable:
                return set()
        applied = self.run(done)
        return [name for name, _ in MIGRATIONS if name not in applied]

    def migrate(self) -> list[str]:
        """Apply pending migrations in one transaction, under an advisory lock: a second instance starting at the
        same moment waits, then finds them applied."""
        with self.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.headroom_migrations "
                             "(name text PRIMARY KEY, applied_at double precision NOT NULL)")
                done = {r[0] for r in conn.execute(f"SELECT name FROM {SCHEMA}.headroom_migrations")}
                applied = []
                for name, statements in MIGRATIONS:
                    if name in done:
                        continue
                    for sql in statements:
                        conn.execute(sql)
                    conn.execute(f"INSERT INTO {SCHEMA}.headroom_migrations (name, applied_at) VALUES (%s, %s)",
                                 (name, time.time()))
                    applied.append(name)
        return applied

    def close(self) -> None:
        self.pool.close()


def _configure(conn: psycopg.Connection) -> None:
    """Every new pooled connection: headroom's schema first, no statement waits for ever, and commits do not wait
    for the WAL flush. That is the SQLite store's trade-off (synchronous=NORMAL, ccr/store.py): a commit is visible
    to every instance at once and survives any client's death; only a crash of the database server itself can lose
    its last fraction of a second of commits (never corrupt it). A put waits for no fsync on the request path.
    What must outlive a server crash (a new gateway token) commits synchronously."""
    conn.execute(f"SET search_path TO {SCHEMA}, public")
    conn.execute("SET statement_timeout = '30s'")
    conn.execute("SET synchronous_commit = off")


# -- originals -----------------------------------------------------------------------------------------------------

class PgOriginals:
    """The store of originals in PostgreSQL, with `ccr.store.Store`'s methods (each taking the owner)."""

    SWEEP_EVERY = 256  # puts between exact recounts (other instances add too)

    def __init__(self, backend: PostgresBackend, *, ttl: int | None, max_bytes: int | None,
                 clock: Callable[[], float]):
        self.backend = backend
        self.path = backend.describe()
        self.scope_id = f"postgresql:{redact_url(backend.url)}"
        self.ttl = ttl
        self.max_bytes = int(max_bytes if max_bytes is not None else config.get("cache_max_bytes"))
        self.clock = clock
        self._approx: dict[str, int] = {}
        self._puts: dict[str, int] = {}
        self._lock = threading.Lock()

    def put_many(self, items: list[tuple[str, str | None, dict | None]], *, ttl: int | None = None,
                 owner: str = LOCAL_USER) -> list[str]:
        """One statement (one round trip), committed when it returns: the proxy forwards after."""
        now = self.clock()
        life = ttl if ttl is not None else (self.ttl if self.ttl is not None else default_ttl())
        expires = now + life if life and life > 0 else None
        keys, rows = [], {}
        for text, key, meta in items:
            key = key or key_for(text)
            keys.append(key)
            data = text.encode("utf-8", "surrogatepass")
            rows[key] = (owner, key, data, len(data), now, expires, json.dumps(meta, sort_keys=True) if meta else None)
        if not rows:
            return keys
        values = ", ".join(["(%s, %s, %b, %s, %s, %s, %s)"] * len(rows))
        params = [v for r in rows.values() for v in r]
        sql = (f"INSERT INTO originals (owner, key, body, size, created, expires, meta) VALUES {values} "
               "ON CONFLICT (owner, key) DO UPDATE SET expires = EXCLUDED.expires, created = EXCLUDED.created, "
               "meta = COALESCE(EXCLUDED.meta, originals.meta)")
        self.backend.run(lambda conn: conn.execute(sql, params))
        written = sum(r[3] for r in rows.values())
        with self._lock:
            known = owner in self._approx  # else this process's first put for the owner: learn the exact total
            total = self._approx[owner] = self._approx.get(owner, 0) + written
            n = self._puts[owner] = self._puts.get(owner, 0) + len(rows)
            due = not known or total > self.max_bytes or n >= self.SWEEP_EVERY
            if due:
                self._puts[owner] = 0
        if due:
            self._enforce_cap(owner)
        return keys

    def get(self, key: str, *, owner: str = LOCAL_USER) -> str | None:
        now = self.clock()
        row = self.backend.run(lambda conn: conn.execute(
            "SELECT body FROM originals WHERE owner = %s AND key = %s AND (expires IS NULL OR expires > %s)",
            (owner, key, now), binary=True).fetchone())
        return bytes(row[0]).decode("utf-8", "surrogatepass") if row else None

    def list(self, *, owner: str = LOCAL_USER) -> list[dict]:
        now = self.clock()
        rows = self.backend.run(lambda conn: conn.execute(
            "SELECT key, size, created, expires, meta FROM originals WHERE owner = %s "
            "AND (expires IS NULL OR expires > %s) ORDER BY created DESC, key", (owner, now)).fetchall())
        return [{"key": k, "size": s, "created": c, "expires": e, "meta": json.loads(m) if m else {}}
                for k, s, c, e, m in rows]

    def clear(self, *, owner: str = LOCAL_USER) -> int:
        n = self.backend.run(lambda conn: conn.execute("DELETE FROM originals WHERE owner = %s", (owner,)).rowcount)
        with self._lock:
            self._approx[owner] = 0
        return n

    def purge_expired(self) -> int:
        now = self.clock()
        return self.backend.run(lambda conn: conn.execute(
            "DELETE FROM originals WHERE expires IS NOT NULL AND expires <= %s", (now,)).rowcount)

    def stats(self, *, owner: str = LOCAL_USER) -> dict:
        now = self.clock()
        n, total = self.backend.run(lambda conn: conn.execute(
            "SELECT count(*), COALESCE(sum(size), 0) FROM originals WHERE owner = %s "
            "AND (expires IS NULL OR expires > %s)", (owner, now)).fetchone())
        return {"path": self.path, "entries": int(n), "bytes": int(total), "file_bytes": 0,
                "max_bytes": self.max_bytes, "ttl": self.ttl if self.ttl is not None else default_ttl()}

    def ping(self) -> None:
        self.backend.ping()

    LOW_WATER = 0.9  # evicting down to 90 % of the cap leaves room, so the next puts need no eviction scan

    def _enforce_cap(self, owner: str) -> None:
        """In SQL, in one transaction: drop expired originals; over the cap, the owner's oldest until the rest
        fits under LOW_WATER × max_bytes (keep the newest whose running total fits); learn the owner's exact total."""
        now = self.clock()
        keep = int(self.max_bytes * self.LOW_WATER)

        def enforce(conn) -> int:
            with conn.transaction():
                # every owner's expired rows (an owner who stopped sending leaves no live rows behind either)
                conn.execute("DELETE FROM originals WHERE expires IS NOT NULL AND expires <= %s", (now,))
                total = int(conn.execute("SELECT COALESCE(sum(size), 0) FROM originals WHERE owner = %s",
                                         (owner,)).fetchone()[0])
                if total <= self.max_bytes:
                    return total
                conn.execute(
                    "DELETE FROM originals o USING (SELECT key FROM (SELECT key, sum(size) OVER "
                    "(ORDER BY created DESC, key DESC) AS newer FROM originals WHERE owner = %s) r "
                    "WHERE r.newer > %s) d WHERE o.owner = %s AND o.key = d.key",
                    (owner, keep, owner))
                return int(conn.execute("SELECT COALESCE(sum(size), 0) FROM originals WHERE owner = %s",
                                        (owner,)).fetchone()[0])

        total = self.backend.run(enforce)
        with self._lock:
            self._approx[owner] = total


# -- ledger --------------------------------------------------------------------------------------------------------

def _rows(cursor) -> Callable[[Any], Any]:
    """Rows like sqlite3.Row: by index, by column name, unpacked, and dict(row)."""
    names = tuple(d.name for d in cursor.description or ())
    index = {n: i for i, n in enumerate(names)}

    class Row(tuple):
        def __getitem__(self, k):
            return tuple.__getitem__(self, index[k] if isinstance(k, str) else k)

        def keys(self):
            return names

    return Row


class PgLedger(ledger_mod.Ledger):
    """The ledger's queries on PostgreSQL: `?` placeholders become psycopg's, two expressions differ."""

    GROUP_EXPR = {**ledger_mod.Ledger.GROUP_EXPR, "day": "to_char(to_timestamp(ts), 'YYYY-MM-DD')"}
    AGENTS_EXPR = "string_agg(DISTINCT agent, ',')"

    def __init__(self, backend: PostgresBackend):
        self.backend = backend
        self.path = backend.describe()
        self._lock = threading.Lock()

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def _query(self, sql: str, args: tuple = ()) -> list:
        def q(conn):
            cur = conn.cursor(row_factory=_rows)
            return cur.execute(self._sql(sql), args).fetchall()
        return self.backend.run(q)

    def _execute(self, sql: str, args: tuple = ()) -> None:
        self.backend.run(lambda conn: conn.execute(self._sql(sql), args))

    def record_many(self, recs) -> int:
        rows = [ledger_mod.row_values(r) for r in recs]
        if not rows:
            return 0
        with self.backend.connection() as conn:
            with conn.transaction():
                conn.cursor().executemany(self._sql(ledger_mod.INSERT_SQL), rows)
        return len(rows)

    def pending_migrations(self) -> list[str]:
        return [n for n in self.backend.pending_migrations() if n == "m002_ledger"]

    def close(self) -> None:
        pass  # the backend's pool outlives its ledgers


# -- rules ---------------------------------------------------------------------------------------------------------

class PgRules:
    """The learned rules' persistence (`rules_file.RulesFile`'s interface), one JSON row per rule."""

    def __init__(self, backend: PostgresBackend):
        self.backend = backend
        self.path = None
        self._tx = threading.local()

    def describe(self) -> str:
        return f"{self.backend.describe()}, table rules"

    def _with(self, fn):
        conn = getattr(self._tx, "conn", None)
        return fn(conn) if conn is not None else self.backend.run(fn)

    def load(self) -> dict[str, dict]:
        rows = self._with(lambda conn: conn.execute("SELECT key, data FROM rules ORDER BY key").fetchall())
        return {k: json.loads(d) for k, d in rows}

    def save(self, rules: dict[str, dict]) -> None:
        # ensure_ascii: a PostgreSQL text value cannot hold a lone surrogate, JSON's \\u escape can
        rows = [(k, json.dumps(r, sort_keys=True)) for k, r in sorted(rules.items())]

        def write(conn):
            with conn.transaction():
                conn.execute("DELETE FROM rules WHERE NOT (key = ANY(%s))", ([k for k, _ in rows],))
                if rows:
                    conn.cursor().executemany(
                        "INSERT INTO rules (key, data) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                        "SET data = EXCLUDED.data", rows)
        self._with(write)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One read-merge-write at a time across every instance: an advisory lock held by this transaction."""
        with self.backend.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (RULES_LOCK,))
                self._tx.conn = conn
                try:
                    yield
                finally:
                    self._tx.conn = None


# -- tokens --------------------------------------------------------------------------------------------------------

class PgTokens:
    def __init__(self, backend: PostgresBackend):
        self.backend = backend

    def add(self, user: str, role: str, token_hash: str | bytes) -> int:
        check_token_fields(user, role)
        h = token_text(token_hash)
        with self.backend.connection() as conn:
            try:
                with conn.transaction():
                    conn.execute("SET LOCAL synchronous_commit = on")
                    row = conn.execute("INSERT INTO tokens (user_name, role, token_hash, created) "
                                       "VALUES (%s, %s, %s, %s) RETURNING id", (user, role, h, time.time())).fetchone()
            except psycopg.errors.UniqueViolation:
                from ..errors import UsageError

                raise UsageError("a token with this hash exists already") from None
        return int(row[0])

    def find(self, token_hash: str | bytes) -> tuple[str, str] | None:
        h = token_text(token_hash)
        row = self.backend.run(lambda conn: conn.execute(
            "SELECT user_name, role FROM tokens WHERE token_hash = %s", (h,)).fetchone())
        return (row[0], row[1]) if row else None

    def list(self) -> list[dict]:
        rows = self.backend.run(lambda conn: conn.execute(
            "SELECT id, user_name, role, created FROM tokens ORDER BY id").fetchall())
        return [{"id": int(i), "user": u, "role": r, "created": c} for i, u, r, c in rows]

    def revoke(self, who: str | int) -> int:
        col = "id" if isinstance(who, int) else "user_name"
        return self.backend.run(lambda conn: conn.execute(f"DELETE FROM tokens WHERE {col} = %s", (who,)).rowcount)
