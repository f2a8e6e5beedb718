"""What only the PostgreSQL backend has to show: an unreachable database is StoreUnavailable (without the
password), instances starting together migrate once, and the store URL is the one configured."""
from __future__ import annotations

import threading

import pytest

from headroom_cli.storage import StoreUnavailable, open_store, redact_url

pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")
from headroom_cli.storage.postgres import MIGRATIONS, PostgresBackend  # noqa: E402

from pgcluster import free_port  # noqa: E402


def test_an_unreachable_database_is_store_unavailable_without_the_password():
    url = f"postgresql://team:s3cret-pw@127.0.0.1:{free_port()}/headroom"  # nothing listens there
    with pytest.raises(StoreUnavailable) as e:
        PostgresBackend(url, timeout=2)
    assert "s3cret-pw" not in str(e.value) and "team:***@127.0.0.1" in str(e.value)
    assert e.value.hint and "doctor" in e.value.hint


def test_redact_url():
    assert redact_url("postgresql://u:pw@h:5432/db?sslmode=require") == "postgresql://u:***@h:5432/db?sslmode=require"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_instances_starting_together_migrate_once(pg_url):
    opened, errors = [], []

    def start():
        try:
            opened.append(PostgresBackend(pg_url))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(opened) == 4
    with opened[0].connection() as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM headroom.headroom_migrations ORDER BY name")]
    assert names == sorted(n for n, _ in MIGRATIONS)  # each applied exactly once
    assert all(b.pending_migrations() == [] for b in opened)
    for b in opened:
        b.close()


def test_a_database_that_went_away_and_came_back(pg_url):
    """The pool's idle connections die when the server drops them (a restart, a failover): the next operation
    reconnects instead of failing."""
    import psycopg

    b = PostgresBackend(pg_url)
    key = b.originals("alice").put("kept across the reconnect")
    with psycopg.connect(pg_url, autocommit=True) as admin:
        n = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert n >= 1  # the pool's connection is gone
    assert b.originals("alice").get(key) == "kept across the reconnect"
    b.close()


def test_open_store_uses_the_configured_url(pg_url, monkeypatch):
    from headroom_cli.storage import forget_open_stores

    monkeypatch.setenv("HEADROOM_STORE", pg_url)
    try:
        b = open_store()
        assert b.kind == "postgresql" and open_store() is b  # opened once per URL
        assert b.describe().startswith("PostgreSQL at ")
    finally:
        forget_open_stores()
