"""The ledger: one SQLite row per proxied request, in the user data dir.

Several proxies (one per `headroom wrap`, plus standalone ones) write the same file at once, so:
WAL journal, a busy timeout, short write transactions, and schema migrations applied under an
exclusive lock (whoever comes first migrates, the others wait and then see them applied).
Migrations follow simonw/llm: an ordered list of functions, their names recorded in `_migrations`,
never edited once released — add a new one instead.

Rows hold token figures only; money is computed when reading, from `prices` (so a corrected price
table re-prices history). Saved tokens are stored already split into the billing category they
would have fallen in (`prices.split_saved`).
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .records import RequestRecord, Usage

BUSY_TIMEOUT_MS = 15000
GROUPINGS = ("agent", "model", "kind", "session", "day", "protocol", "user")

# -- migrations -----------------------------------------------------------------------------------
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]):
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_requests(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            session_id TEXT NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            protocol TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            status INTEGER NOT NULL DEFAULT 0,
            streamed INTEGER NOT NULL DEFAULT 0,
            tokens_before INTEGER NOT NULL DEFAULT 0,
            tokens_after INTEGER NOT NULL DEFAULT 0,
            encoding TEXT NOT NULL DEFAULT '',
            compressors TEXT NOT NULL DEFAULT '{}',
            retrievals INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            latency_added_ms REAL NOT NULL DEFAULT 0,
            duration_ms REAL NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT ''
        )""")


@migration
def m002_saved_split(db: sqlite3.Connection) -> None:
    """Saved tokens per billing category (so cache reads are priced as cache reads)."""
    from .prices import split_saved

    for col in ("saved_input", "saved_cache_read", "saved_cache_write"):
        db.execute(f"ALTER TABLE requests ADD COLUMN {col} REAL NOT NULL DEFAULT 0")
    rows = db.execute("SELECT id, tokens_before, tokens_after, input_tokens, cache_read_tokens, "
                      "cache_write_tokens FROM requests").fetchall()
    for rid, tb, ta, i, cr, cw in rows:
        s = split_saved(tb, ta, Usage(i, cr, cw, 0))
        db.execute("UPDATE requests SET saved_input=?, saved_cache_read=?, saved_cache_write=? WHERE id=?",
                   (s.input, s.cache_read, s.cache_write, rid))


@migration
def m003_indexes(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS requests_session ON requests(session_id, id)")
    db.execute("CREATE INDEX IF NOT EXISTS requests_ts ON requests(ts)")


@migration
def m004_output_arm_and_saved_by(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE requests ADD COLUMN output_arm TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE requests ADD COLUMN saved_by TEXT NOT NULL DEFAULT '{}'")


@migration
def m005_conversation_id(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE requests ADD COLUMN conversation_id TEXT NOT NULL DEFAULT ''")


@migration
def m006_tokens_sent(db: sqlite3.Connection) -> None:
    """Our count of the forwarded body (the basis of the provider ratio), and the saved split of the rows
    before it estimated again so that none claims more than compression removed (their basis left the
    injected retrieve tool out, which inflated the estimate)."""
    from .prices import split_saved

    db.execute("ALTER TABLE requests ADD COLUMN tokens_sent INTEGER NOT NULL DEFAULT 0")
    rows = db.execute("SELECT id, tokens_before, tokens_after, input_tokens, cache_read_tokens, "
                      "cache_write_tokens FROM requests").fetchall()
    for rid, tb, ta, i, cr, cw in rows:
        s = split_saved(tb, ta, Usage(i, cr, cw, 0))
        db.execute("UPDATE requests SET saved_input=?, saved_cache_read=?, saved_cache_write=? WHERE id=?",
                   (s.input, s.cache_read, s.cache_write, rid))


@migration
def m007_sessions(db: sqlite3.Connection) -> None:
    """When each session started and ended (the registry writes it), so every view gives a session the same
    duration after it ended — the requests alone only tell when the first and the last one came."""
    db.execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, agent TEXT, started REAL, ended REAL)")


@migration
def m008_outcome(db: sqlite3.Connection) -> None:
    """How each exchange ended (`records.OUTCOMES`): a client that went away and an upstream that broke off
    mid-answer were rows of status 200 with an error, counted as fail-open. Earlier rows are classified by the
    error text the proxy wrote for them."""
    db.execute("ALTER TABLE requests ADD COLUMN outcome TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE requests SET outcome = 'client_gone' WHERE error = 'client disconnected'")
    db.execute("UPDATE requests SET outcome = 'upstream_broke' WHERE error LIKE 'upstream broke off%' "
               "OR error LIKE 'retrieval continuation failed%'")


@migration
def m009_user(db: sqlite3.Connection) -> None:
    """Whose request each row is (a team gateway's user; `local` for everything before and for one user)."""
    db.execute("ALTER TABLE requests ADD COLUMN user_name TEXT NOT NULL DEFAULT 'local'")
    db.execute("CREATE INDEX IF NOT EXISTS requests_user ON requests(user_name, ts)")


def pending(db: sqlite3.Connection) -> list[str]:
    """The migrations not yet applied to `db` (read only)."""
    try:
        done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    except sqlite3.OperationalError:  # no table yet: a new ledger, or one another process is about to migrate
        if db.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone() is None:
            return []  # nothing in it yet: created current on first use
        done = set()
    return [fn.__name__ for fn in MIGRATIONS if fn.__name__ not in done]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; returns the names applied. Safe against concurrent callers."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    if all(fn.__name__ in done for fn in MIGRATIONS):
        return []
    applied = []
    db.execute("BEGIN IMMEDIATE")  # one migrator at a time; the others wait on the busy timeout
    try:
        done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            fn(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, time.time()))
            applied.append(fn.__name__)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return applied


# -- helpers --------------------------------------------------------------------------------------
_SINCE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str | None, *, now: float | None = None) -> float | None:
    """`7d`, `24h`, `30m`, `2w` or an ISO date/time → a timestamp; None/"" → None."""
    if not text:
        return None
    now = time.time() if now is None else now
    m = _SINCE_RE.match(text)
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2).lower()]
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        from ..errors import UsageError

        raise UsageError(f"--since {text!r}: expected a duration like 7d, 24h, 30m, 2w or a date like 2026-11-01")
    return dt.timestamp()


def default_path() -> Path:
    from .. import config

    return config.paths().data_dir / "ledger.db"


_COLS = ("ts", "session_id", "agent", "protocol", "path", "model", "status", "streamed",
         "tokens_before", "tokens_after", "encoding", "compressors", "retrievals", "input_tokens",
         "cache_read_tokens", "cache_write_tokens", "output_tokens", "latency_added_ms", "duration_ms",
         "error", "saved_input", "saved_cache_read", "saved_cache_write", "output_arm", "saved_by", "conversation_id",
         "tokens_sent", "outcome", "user_name")
INSERT_SQL = f"INSERT INTO requests ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})"


def row_values(rec: RequestRecord) -> tuple:
    from .prices import split_saved

    from .prices import SavedSplit

    u = rec.usage if isinstance(rec.usage, Usage) else Usage()
    # A failed request (an error status, or none: the provider was never reached) is not billed, so its
    # compression avoided no cost; its tokens still count.
    billed = 0 < int(rec.status) < 400
    s = split_saved(rec.tokens_before, rec.tokens_after, u, int(rec.tokens_sent or 0)) if billed else SavedSplit()
    return (rec.ts or time.time(), rec.session_id, rec.agent, rec.protocol, rec.path, rec.model,
            int(rec.status), int(bool(rec.streamed)), int(rec.tokens_before), int(rec.tokens_after),
            rec.encoding, json.dumps(rec.compressors or {}, sort_keys=True), int(rec.retrievals),
            u.input_tokens, u.cache_read_tokens, u.cache_write_tokens, u.output_tokens,
            float(rec.latency_added_ms), float(rec.duration_ms), rec.error or "",
            s.input, s.cache_read, s.cache_write, getattr(rec, "output_arm", "") or "",
            json.dumps(getattr(rec, "saved_by", None) or {}, sort_keys=True),
            getattr(rec, "conversation_id", "") or "", int(rec.tokens_sent or 0), getattr(rec, "outcome", "") or "",
            getattr(rec, "user", "") or "local")


# Sums every aggregate query computes, per (group, model) so money can be priced per model.
_SUMS = """count(*) AS requests, sum(tokens_before) AS tokens_before, sum(tokens_after) AS tokens_after,
    sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
    sum(retrievals) AS retrievals,
    sum(CASE WHEN (status >= 400 OR status = 0 OR outcome IN ('upstream_broke', 'proxy_error'))
        AND outcome != 'client_gone' THEN 1 ELSE 0 END) AS errors,
    sum(CASE WHEN error != '' AND status > 0 AND status < 400 AND outcome = '' THEN 1 ELSE 0 END) AS failopen,
    sum(CASE WHEN outcome = 'client_gone' THEN 1 ELSE 0 END) AS cancelled,
    sum(saved_input) AS saved_input, sum(saved_cache_read) AS saved_cache_read,
    sum(saved_cache_write) AS saved_cache_write, sum(latency_added_ms) AS latency_added_ms,
    min(ts) AS first_ts, max(ts) AS last_ts"""

_GROUP_EXPR = {
    "agent": "agent",
    "model": "model",
    "session": "session_id",
    "protocol": "protocol",
    "user": "user_name",
    "day": "strftime('%Y-%m-%d', ts, 'unixepoch', 'localtime')",
}


def _empty_totals() -> dict:
    return {"requests": 0, "tokens_before": 0, "tokens_after": 0, "input_tokens": 0,
            "cache_read_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "retrievals": 0,
            "errors": 0, "failopen": 0, "cancelled": 0, "saved_input": 0.0, "saved_cache_read": 0.0,
            "saved_cache_write": 0.0, "latency_added_ms": 0.0, "first_ts": None, "last_ts": None,
            "usd_saved": 0.0, "usd_spent": 0.0, "unpriced_requests": 0, "approx_priced_requests": 0,
            "models": set()}


def _fold(acc: dict, part: dict, model: str, table) -> None:
    """Add one (group, model) partial sum into acc, pricing it with the model's price."""
    from .prices import SavedSplit, value

    for k in ("requests", "tokens_before", "tokens_after", "input_tokens", "cache_read_tokens",
              "cache_write_tokens", "output_tokens", "retrievals", "errors", "failopen", "cancelled",
              "saved_input", "saved_cache_read", "saved_cache_write", "latency_added_ms"):
        acc[k] += part[k] or 0
    for k, pick in (("first_ts", min), ("last_ts", max)):
        if part[k] is not None:
            acc[k] = part[k] if acc[k] is None else pick(acc[k], part[k])
    if model:
        acc["models"].add(model)
    price = table.lookup(model) if table is not None else None
    if price is None:
        billable = any(part[k] for k in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                         "output_tokens", "saved_input", "saved_cache_read", "saved_cache_write"))
        if model or billable:  # a probe without a model (Claude Code's `HEAD /`) has nothing to price
            acc["unpriced_requests"] += part["requests"]
        return
    if price.approx:
        acc["approx_priced_requests"] += part["requests"]
    acc["usd_saved"] += value(SavedSplit(part["saved_input"] or 0, part["saved_cache_read"] or 0,
                                         part["saved_cache_write"] or 0), price)
    acc["usd_spent"] += price.cost(Usage(part["input_tokens"] or 0, part["cache_read_tokens"] or 0,
                                         part["cache_write_tokens"] or 0, part["output_tokens"] or 0))


def _finish_totals(acc: dict) -> dict:
    out = dict(acc)
    out["models"] = sorted(acc["models"])
    saved = out["tokens_before"] - out["tokens_after"]
    out["tokens_saved"] = saved
    out["saved_pct"] = round(100.0 * saved / out["tokens_before"], 2) if out["tokens_before"] else 0.0
    # after/before: 0.4 means the compressed requests were 40 % of the originals
    out["compression_ratio"] = round(out["tokens_after"] / out["tokens_before"], 4) if out["tokens_before"] else None
    billed = out["input_tokens"] + out["cache_read_tokens"] + out["cache_write_tokens"]
    out["cache_read_share"] = round(out["cache_read_tokens"] / billed, 4) if billed else 0.0
    out["provider_tokens_saved"] = round(out["saved_input"] + out["saved_cache_read"] + out["saved_cache_write"], 1)
    for k in ("saved_input", "saved_cache_read", "saved_cache_write"):
        out[k] = round(out[k], 1)
    out["usd_saved"] = round(out["usd_saved"], 6)
    out["usd_spent"] = round(out["usd_spent"], 6)
    # What the same traffic would have cost without headroom (input side only changes).
    out["usd_without"] = round(out["usd_spent"] + out["usd_saved"], 6)
    out["latency_added_ms_avg"] = round(out.pop("latency_added_ms") / out["requests"], 3) if out["requests"] else 0.0
    return out


class Ledger:
    """SQLite ledger. One connection per Ledger, guarded by a lock (the recorder's writer thread
    and readers may share one); separate processes each open their own.

    The queries below are written once for SQLite and PostgreSQL (`storage/postgres.py` subclasses this with
    its own connection and placeholders): what differs between them is named here."""

    GROUP_EXPR = _GROUP_EXPR
    AGENTS_EXPR = "group_concat(DISTINCT agent)"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    # -- connection ----------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            from .. import config

            config.ensure_dir(self.path.parent)
            new = not self.path.exists()
            db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=False)
            if new:
                try:
                    self.path.chmod(0o600)
                except OSError:
                    pass
            try:
                db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                for _ in range(50):  # switching to WAL needs a moment without other writers
                    try:
                        db.execute("PRAGMA journal_mode = WAL")
                        break
                    except sqlite3.OperationalError as e:
                        if "locked" not in str(e) and "busy" not in str(e):
                            raise
                        time.sleep(0.05)
                db.execute("PRAGMA synchronous = NORMAL")
                db.row_factory = sqlite3.Row
                migrate(db)
            except sqlite3.DatabaseError as e:
                db.close()
                from ..errors import HeadroomError

                raise HeadroomError(f"{self.path}: not a usable ledger ({e})",
                                    hint="move the file aside; headroom starts a new ledger") from None
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing -------------------------------------------------------------------------------
    def record(self, rec: RequestRecord) -> None:
        self.record_many([rec])

    def record_many(self, recs: Iterable[RequestRecord]) -> int:
        rows = [row_values(r) for r in recs]
        if not rows:
            return 0
        with self._lock:
            db = self._conn()
            for attempt in range(20):
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        db.executemany(INSERT_SQL, rows)
                        db.execute("COMMIT")
                    except BaseException:
                        db.execute("ROLLBACK")
                        raise
                    return len(rows)
                except sqlite3.OperationalError as e:  # busy beyond the timeout: back off, retry
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                    time.sleep(0.05 * (attempt + 1))
            raise sqlite3.OperationalError("ledger stayed locked")

    # -- reading -------------------------------------------------------------------------------
    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn().execute(sql, args).fetchall()

    def _execute(self, sql: str, args: tuple = ()) -> None:
        with self._lock:
            self._conn().execute(sql, args)

    def pending_migrations(self) -> list[str]:
        """Migrations a newer headroom would apply to this ledger (opening it applies them): [] when current."""
        if not self.path.exists():
            return []
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        try:
            return pending(db)
        finally:
            db.close()

    def ping(self) -> None:
        self._query("SELECT 1")

    def count(self) -> int:
        return self._query("SELECT count(*) FROM requests")[0][0]

    @staticmethod
    def _where(since: float | None, session_id: str | None,
               session_ids: Iterable[str] | None = None, user: str | None = None) -> tuple[str, tuple]:
        conds, args = [], []
        if since is not None:
            conds.append("ts >= ?")
            args.append(since)
        if session_id is not None:
            conds.append("session_id = ?")
            args.append(session_id)
        if session_ids is not None:
            ids = list(session_ids)
            conds.append(f"session_id IN ({', '.join('?' * len(ids)) or 'NULL'})")
            args.extend(ids)
        if user is not None:
            conds.append("user_name = ?")
            args.append(user)
        return (" WHERE " + " AND ".join(conds)) if conds else "", tuple(args)

    def totals(self, *, since: float | None = None, session_id: str | None = None,
               session_ids: Iterable[str] | None = None, prices=None, user: str | None = None) -> dict:
        """Aggregate figures (tokens, usage, money, compressors) over the selected rows (`user`: one user's)."""
        table = _price_table(prices)
        where, args = self._where(since, session_id, session_ids, user)
        acc = _empty_totals()
        for r in self._query(f"SELECT model, {_SUMS} FROM requests{where} GROUP BY model", args):
            _fold(acc, dict(r), r["model"], table)
        out = _finish_totals(acc)
        out["compressors"] = self._compressors(where, args)
        return out

    def session_totals(self, session_id: str, *, prices=None, running: dict | None = None,
                       now: float | None = None) -> dict:
        """A session's totals, its agent and its span. `running`: its registry entry while it runs.

        The one duration rule: from the session's start to its end — now while it runs, the end the registry
        noted once it stopped; a session without a noted span (killed, or older than the sessions table) spans
        its first to its last request. `duration_from` says which of these the figure rests on."""
        out = self.totals(session_id=session_id, prices=prices)
        out["session_id"] = session_id
        agents = self._query("SELECT agent, count(*) FROM requests WHERE session_id = ? GROUP BY agent "
                             "ORDER BY count(*) DESC", (session_id,))
        span = self.session_span(session_id) or {}
        out["agent"] = (agents[0][0] if agents else "") or span.get("agent") or (running or {}).get("agent", "")
        started = (running or {}).get("started") or span.get("started")
        if running is not None:
            ended, basis = (time.time() if now is None else now), "running"
        elif started is not None and span.get("ended") is not None:
            ended, basis = span["ended"], "session"
        else:
            started, ended, basis = out["first_ts"], out["last_ts"], "requests"
        if started is None or ended is None:
            basis = None
        out["started"], out["ended"] = started, (None if running is not None else ended)
        out["duration_s"] = round(max(0.0, float(ended) - float(started)), 1) if basis else None
        out["duration_from"] = basis
        return out

    def note_session(self, session_id: str, *, agent: str | None = None, started: float | None = None,
                     ended: float | None = None) -> None:
        """Record a session's start and/or end (values left None keep what is there)."""
        self._execute(
            "INSERT INTO sessions (session_id, agent, started, ended) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(session_id) DO UPDATE SET agent = coalesce(excluded.agent, sessions.agent), "
            "started = coalesce(excluded.started, sessions.started), ended = coalesce(excluded.ended, sessions.ended)",
            (session_id, agent, started, ended))

    def session_span(self, session_id: str) -> dict | None:
        rows = self._query("SELECT agent, started, ended FROM sessions WHERE session_id = ?", (session_id,))
        return dict(rows[0]) if rows else None

    def _compressors(self, where: str, args: tuple) -> dict[str, int]:
        out: dict[str, int] = {}
        cond = (where + " AND " if where else " WHERE ") + "compressors != '{}'"
        for (blob,) in self._query(f"SELECT compressors FROM requests{cond}", args):
            try:
                for k, v in json.loads(blob).items():
                    out[k] = out.get(k, 0) + int(v)
            except (ValueError, TypeError, AttributeError):
                continue
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def group(self, by: str, *, since: float | None = None, prices=None, user: str | None = None) -> list[dict]:
        """Totals per agent / model / session / day / protocol / user, or per compressor (`kind`)."""
        if by not in GROUPINGS:
            from ..errors import UsageError

            raise UsageError(f"--by {by!r}: choose one of {', '.join(GROUPINGS)}")
        if by == "kind":
            return self._group_kind(since, user)
        table = _price_table(prices)
        expr = self.GROUP_EXPR[by]
        where, args = self._where(since, None, None, user)
        groups: dict[str, dict] = {}
        for r in self._query(f"SELECT {expr} AS g, model, {_SUMS} FROM requests{where} GROUP BY g, model", args):
            acc = groups.setdefault(r["g"], _empty_totals())
            _fold(acc, dict(r), r["model"], table)
        rows = []
        for g, acc in groups.items():
            t = _finish_totals(acc)
            t["key"] = g
            rows.append(t)
        if by == "session":
            agents = {sid: sorted(set((a or "").split(","))) for sid, a in self._query(
                f"SELECT session_id, {self.AGENTS_EXPR} FROM requests{where} GROUP BY session_id", args)}
            for t in rows:
                t["agents"] = [a for a in agents.get(t["key"], []) if a]
        if by in ("day", "session"):
            rows.sort(key=lambda t: t["last_ts"] or 0, reverse=True)
        else:
            rows.sort(key=lambda t: (-t["tokens_saved"], str(t["key"])))
        return rows

    def _group_kind(self, since: float | None, user: str | None = None) -> list[dict]:
        where, args = self._where(since, None, None, user)
        per: dict[str, dict] = {}
        for r in self._query(f"SELECT compressors, saved_by FROM requests{where}", args):
            try:
                comp = json.loads(r["compressors"] or "{}")
                saved_by = json.loads(r["saved_by"] or "{}")
            except ValueError:
                continue
            for name in set(comp) | set(saved_by):
                e = per.setdefault(name, {"key": name, "requests": 0, "blocks": 0, "tokens_saved": 0})
                e["requests"] += 1
                e["blocks"] += int(comp.get(name, 0) or 0)
                e["tokens_saved"] += int(saved_by.get(name, 0) or 0)
        return sorted(per.values(), key=lambda e: (-e["tokens_saved"], -e["blocks"], e["key"]))

    def recent(self, limit: int = 20, *, session_ids: Iterable[str] | None = None,
               after_id: int = 0, user: str | None = None) -> list[dict]:
        """The newest requests (newest first), optionally only some sessions / ids above after_id / one user's."""
        where, args = self._where(None, None, session_ids, user)
        cond = (where + " AND " if where else " WHERE ") + "id > ?"
        rows = self._query(f"SELECT * FROM requests{cond} ORDER BY id DESC LIMIT ?", args + (after_id, limit))
        out = []
        for r in rows:
            d = dict(r)
            for k in ("compressors", "saved_by"):
                try:
                    d[k] = json.loads(d.get(k) or "{}")
                except ValueError:
                    d[k] = {}
            d["tokens_saved"] = d["tokens_before"] - d["tokens_after"]
            out.append(d)
        return out

    def output_rows(self, *, since: float | None = None) -> list[dict]:
        """Rows of requests that took part in the reduce-output holdout (either arm)."""
        where, args = self._where(since, None)
        cond = (where + " AND " if where else " WHERE ") + "output_arm != ''"
        rows = self._query(f"SELECT session_id, conversation_id, output_arm, status, path, output_tokens, "
                           f"cache_write_tokens FROM requests{cond} ORDER BY id", args)
        return [dict(r) for r in rows]

    def sessions(self, *, since: float | None = None, limit: int = 50) -> list[dict]:
        """Sessions seen in the ledger, most recently active first."""
        where, args = self._where(since, None)
        rows = self._query(
            f"SELECT session_id, max(agent) AS agent, count(*) AS requests, min(ts) AS first_ts, "
            f"max(ts) AS last_ts FROM requests{where} GROUP BY session_id ORDER BY last_ts DESC LIMIT ?",
            args + (limit,))
        return [dict(r) for r in rows]

    def latest_session_id(self) -> str | None:
        rows = self._query("SELECT session_id FROM requests ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None


@contextmanager
def using(ledger: Ledger | None = None) -> Iterator[Ledger]:
    """`ledger` as given (its owner closes it), or the default ledger, opened for the block and closed after."""
    if ledger is not None:
        yield ledger
        return
    with Ledger() as lg:
        yield lg


def _price_table(prices):
    if prices is not None:
        return prices
    from . import prices as p

    return p.table()
