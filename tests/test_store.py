"""Store of originals: content-hash keys, TTL (injected clock), byte cap, 0600 file, concurrent writers."""
from __future__ import annotations

import multiprocessing as mp
import os
import stat
import threading

import pytest

from headroom_cli import config
from headroom_cli.ccr.store import SCHEMA_VERSION, Store, default_store, key_for, retrieve
from headroom_cli.errors import NotFound


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def test_put_get_roundtrip_byte_exact(tmp_path):
    s = Store(tmp_path / "o.db")
    text = "line one\r\nunicode é 日本\n\ttabs\x00nul and \ud800 surrogate"
    k = s.put(text)
    assert k == key_for(text)
    assert s.get(k) == text
    assert s.get("0" * 24) is None


def test_file_mode_0600(tmp_path):
    s = Store(tmp_path / "sub" / "o.db")
    s.put("x" * 100)
    for p in [s.path, *(p for p in tmp_path.joinpath("sub").iterdir() if p.name.startswith("o.db"))]:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, p


def test_ttl_expiry_with_injected_clock(tmp_path):
    clock = Clock()
    s = Store(tmp_path / "o.db", ttl=60, clock=clock)
    k = s.put("alpha")
    k2 = s.put("beta", ttl=600)
    clock.t += 59
    assert s.get(k) == "alpha"
    clock.t += 2
    assert s.get(k) is None
    assert s.get(k2) == "beta"
    assert [e["key"] for e in s.list()] == [k2]
    assert s.purge_expired() == 1


def test_reput_refreshes_expiry(tmp_path):
    clock = Clock()
    s = Store(tmp_path / "o.db", ttl=60, clock=clock)
    k = s.put("alpha")
    clock.t += 50
    s.put("alpha")
    clock.t += 50
    assert s.get(k) == "alpha"


def test_a_fresh_reput_writes_nothing_and_a_half_life_one_refreshes(tmp_path):
    # (a re-put used to rewrite each row, text and all: a resumed session's history, compressed again by a process
    # with a new memo, re-wrote every original it had stored)
    clock = Clock()
    s = Store(tmp_path / "o.db", ttl=600, clock=clock)
    texts = [f"original {i} " + "x" * 20_000 for i in range(5)]
    keys = s.put_many([(t, None, {"kind": "log"}) for t in texts])
    conn = s._conn()
    before = conn.total_changes
    clock.t += 200  # younger than half its lifetime: nothing to write
    assert s.put_many([(t, None, {"kind": "log"}) for t in texts]) == keys
    assert conn.total_changes == before
    new = s.put_many([(t, None, {"kind": "log"}) for t in texts[:2]] + [("a new one " + "y" * 500, None, None)])
    assert conn.total_changes == before + 1 and s.get(new[2]).startswith("a new one")
    plan = " ".join(str(r[-1]) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT key FROM originals WHERE owner=? AND key IN (?, ?) AND expires >= ?",
        ("local", keys[0], keys[1], 0.0)))
    assert "COVERING INDEX originals_owner_key_expires" in plan, plan  # the check reads no original's text
    clock.t += 150  # now past half its lifetime (350 of 600 s): refreshed
    s.put_many([(t, None, {"kind": "log"}) for t in texts])
    assert conn.total_changes == before + 1 + 5
    clock.t += 500  # 850 s after the first put, 500 after the refresh: alive
    assert all(s.get(k) == t for k, t in zip(keys, texts))


def test_default_ttl_from_user_config(tmp_path):
    config.set_user_config("cache_ttl", 5)
    clock = Clock()
    s = Store(tmp_path / "o.db", clock=clock)
    k = s.put("gamma")
    clock.t += 6
    assert s.get(k) is None
    assert s.stats()["ttl"] == 5


def test_byte_cap_evicts_oldest_first(tmp_path):
    clock = Clock()
    s = Store(tmp_path / "o.db", max_bytes=10_000, clock=clock)
    keys = []
    for i in range(30):
        clock.t += 1
        keys.append(s.put(f"{i:04d}" + "x" * 996))
    st = s.stats()
    assert st["bytes"] <= 10_000
    assert s.get(keys[-1]) is not None
    assert s.get(keys[0]) is None  # oldest went first
    alive = [k for k in keys if s.get(k) is not None]
    assert alive == keys[-len(alive):]


def test_list_clear_stats_meta(tmp_path):
    s = Store(tmp_path / "o.db")
    s.put("one" * 10, meta={"tool": "Bash"})
    s.put("two" * 10)
    entries = s.list()
    assert {e["size"] for e in entries} == {30}
    assert any(e["meta"] == {"tool": "Bash"} for e in entries)
    assert s.stats()["entries"] == 2
    assert s.clear() == 2
    assert s.list() == []


def test_threads_write_concurrently(tmp_path):
    s = Store(tmp_path / "o.db")
    errors = []

    def work(n):
        try:
            for i in range(40):
                t = f"thread {n} item {i} " * 20
                assert s.get(s.put(t)) == t
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert s.stats()["entries"] == 240


def _proc_writer(path, n, q):
    try:
        s = Store(path)
        for i in range(30):
            s.put(f"process {n} item {i} " * 30)
        q.put(None)
    except Exception as e:  # pragma: no cover
        q.put(repr(e))


def test_processes_write_concurrently(tmp_path):
    path = str(tmp_path / "o.db")
    Store(path)  # create first
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_proc_writer, args=(path, n, q)) for n in range(3)]
    for p in procs:
        p.start()
    results = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [None, None, None]
    s = Store(path)
    assert s.stats()["entries"] == 90
    assert s.get(key_for("process 2 item 29 " * 30)) == "process 2 item 29 " * 30


def test_default_store_lives_in_cache_dir_and_retrieve():
    s = default_store()
    assert s.path.parent == config.paths().cache_dir
    k = s.put("the original")
    assert retrieve(k) == "the original"
    assert retrieve(f"  {k}\n") == "the original"
    with pytest.raises(NotFound) as ei:
        retrieve("f" * 24)
    assert ei.value.hint


def test_library_retrieve_export():
    import headroom_cli

    k = default_store().put("exported")
    assert headroom_cli.retrieve(k) == "exported"


def test_puts_leave_checkpoints_to_the_checkpointer_thread(tmp_path):
    """A put never copies the WAL into the database itself (that costs two fsyncs on the request path);
    past CHECKPOINT_BYTES the store's own thread does it, and everything stays readable meanwhile."""
    import time

    s = Store(tmp_path / "o.db")
    s.CHECKPOINT_BYTES = 1 << 40  # checkpointer never woken: the WAL keeps every put
    texts = [f"{i:06d}" + "y" * 200_000 for i in range(25)]  # ~5 MB: past SQLite's default of 1000 pages
    keys = [s.put(t) for t in texts]
    db = tmp_path / "o.db"
    assert db.stat().st_size < 200_000  # nothing copied out of the WAL by a writer
    assert [s.get(k) for k in keys] == texts
    assert s._checkpointer is None

    s.CHECKPOINT_BYTES = 1_000_000
    s.put("z" * 1_100_000)
    deadline = time.monotonic() + 30
    while db.stat().st_size < 2_000_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert db.stat().st_size >= 2_000_000  # the checkpointer copied the WAL in
    assert s._checkpointer is not None and s._checkpointer.name == "headroom-store-checkpoint"
    assert [s.get(k) for k in keys] == texts
    s.close()
    assert s._checkpointer is None


def test_a_committed_original_survives_sigkill(tmp_path):
    """The proxy commits an original before it forwards the request that names it: a SIGKILL right after
    the commit (no close, no checkpoint) must not lose it."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "o.db"
    text = "the original\n" * 5000
    code = ("import os, signal, sys\n"
            "from headroom_cli.ccr.store import Store\n"
            "s = Store(sys.argv[1])\n"
            "s.put(sys.argv[2])\n"
            "print('committed', flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    p = subprocess.run([sys.executable, "-c", code, str(path), text], capture_output=True, text=True, timeout=60)
    assert p.returncode == -signal.SIGKILL and "committed" in p.stdout
    assert Store(path).get(key_for(text)) == text


def test_a_store_from_before_owners_keeps_its_rows_as_the_local_users(tmp_path):
    import sqlite3

    from headroom_cli.ccr.store import pending_migrations

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE originals (key TEXT PRIMARY KEY, text BLOB NOT NULL, size INTEGER NOT NULL, "
                     "created REAL NOT NULL, expires REAL, meta TEXT);"
                     "CREATE INDEX originals_created ON originals(created);")
    db.execute("INSERT INTO originals VALUES (?, ?, 5, 1.0, NULL, NULL)", (key_for("older"), b"older"))
    db.commit()
    db.close()
    assert pending_migrations(path) == [f"originals schema 0 → {SCHEMA_VERSION}"]
    s = Store(path)
    assert s.get(key_for("older")) == "older"  # the local user's now
    assert s.get(key_for("older"), owner="alice") is None
    assert pending_migrations(path) == []
    s.close()
    assert Store(path).get(key_for("older")) == "older"  # opening again migrates nothing


def test_the_cap_check_reads_sizes_from_an_index_not_the_originals(tmp_path):
    # A row holds its text before its size: read from the table, the cap check's SUM(size) (every 256 puts, on the
    # request path) walked every original's overflow pages, 10 ms for a 40 MB store
    import sqlite3

    from headroom_cli.ccr.store import migrate, pending_migrations

    path = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("CREATE TABLE originals (owner TEXT NOT NULL, key TEXT NOT NULL, text BLOB NOT NULL, "
                     "size INTEGER NOT NULL, created REAL NOT NULL, expires REAL, meta TEXT, "
                     "PRIMARY KEY (owner, key)) WITHOUT ROWID;"
                     "CREATE INDEX originals_owner_created ON originals(owner, created);"
                     "CREATE INDEX originals_expires ON originals(expires); PRAGMA user_version = 1;")
    db.execute("INSERT INTO originals VALUES ('local', ?, ?, 5, 1.0, NULL, NULL)", (key_for("older"), b"older"))
    assert pending_migrations(path) == [f"originals schema 1 → {SCHEMA_VERSION}"]
    assert migrate(db) == ["sizes index", "expiries index"] and migrate(db) == []
    for sql in ("SELECT COALESCE(SUM(size),0) FROM originals WHERE owner=?",
                "SELECT key, size FROM originals WHERE owner=? ORDER BY created, key"):
        plan = " ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sql, ("local",)))
        assert "COVERING INDEX originals_owner_sizes" in plan, plan
    db.close()
    s = Store(path)
    assert s.get(key_for("older")) == "older"
    s.put("x" * 300, ttl=3600)
    s._enforce_cap("local")
    assert s._approx["local"] == 305
