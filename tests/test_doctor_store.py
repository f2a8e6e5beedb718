"""`headroom doctor` checks the store (issue 20 item 5): it answers, and its migrations are current — for the
default SQLite files and for a PostgreSQL store; a failure says how to fix it."""
from __future__ import annotations

import json
import sqlite3

import pytest

from headroom_cli import config
from headroom_cli.ccr import store
from headroom_cli.cli import main


def store_checks(capsys) -> dict:
    main(["doctor", "--json"])
    data = json.loads(capsys.readouterr().out)
    return {c["name"]: c for c in data["checks"] if c["group"] == "store"}


def test_default_store_is_checked(capsys):
    checks = store_checks(capsys)
    assert checks["connection"]["status"] == "ok" and "SQLite" in checks["connection"]["detail"]
    assert checks["migrations"]["status"] == "ok"


def test_an_old_store_file_is_reported_with_the_fix(capsys):
    d = config.ensure_dir(config.paths().cache_dir)
    db = sqlite3.connect(d / "originals.sqlite3")
    db.execute("CREATE TABLE originals (key TEXT PRIMARY KEY, text BLOB NOT NULL, size INTEGER NOT NULL, "
               "created REAL NOT NULL, expires REAL, meta TEXT)")
    db.commit()
    db.close()
    checks = store_checks(capsys)
    assert checks["migrations"]["status"] == "fail"
    assert f"originals schema 0 → {store.SCHEMA_VERSION}" in checks["migrations"]["detail"] and "headroom cache" in checks["migrations"]["hint"]
    assert main(["cache"]) == 0  # the fix the hint names
    capsys.readouterr()
    assert store_checks(capsys)["migrations"]["status"] == "ok"


def test_store_files_created_but_not_yet_migrated_are_not_pending(capsys):
    # A proxy starting beside doctor creates the SQLite files (empty, user_version 0) a moment before it migrates
    # them: a file with no tables yet is new, and is created current, not "1 pending".
    cache = config.ensure_dir(config.paths().cache_dir)
    data = config.ensure_dir(config.paths().data_dir)
    for path in (cache / "originals.sqlite3", data / "ledger.db"):
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")  # writes the header: a real, empty database
        db.close()
        assert path.stat().st_size > 0
    checks = store_checks(capsys)
    assert checks["migrations"]["status"] == "ok", checks["migrations"]


def test_postgres_store_migrations_and_connection(capsys, monkeypatch, pg_url):
    from headroom_cli.storage import forget_open_stores
    from headroom_cli.storage.postgres import PostgresBackend

    monkeypatch.setenv("HEADROOM_STORE", pg_url)
    checks = store_checks(capsys)  # a new, empty database: nothing applied yet, and doctor applies nothing
    assert checks["connection"]["status"] == "ok" and "PostgreSQL at" in checks["connection"]["detail"]
    assert checks["migrations"]["status"] == "fail" and "m001_originals" in checks["migrations"]["detail"]
    assert "headroom proxy --store" in checks["migrations"]["hint"]
    PostgresBackend(pg_url).close()  # what a proxy does when it starts
    assert store_checks(capsys)["migrations"]["status"] == "ok"
    forget_open_stores()


def test_unreachable_postgres_fails_without_the_password(capsys, monkeypatch):
    pytest.importorskip("psycopg")
    from pgcluster import free_port

    monkeypatch.setenv("HEADROOM_STORE", f"postgresql://team:pw-123@127.0.0.1:{free_port()}/db?connect_timeout=2")
    checks = store_checks(capsys)
    c = checks["connection"]
    assert c["status"] == "fail" and "unreachable" in c["detail"] and "pw-123" not in json.dumps(c)
    assert c["hint"]
