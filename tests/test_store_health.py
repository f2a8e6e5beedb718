"""`/healthz` asks the proxy's own store (issue 21's check, on issue 20's store): with `--store postgresql://…` a
database that stops accepting connections makes the instance unhealthy (503), and healthy again once it is back."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from headroom_cli.testing.fake_provider import FakeProvider

pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")


def health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def until(predicate, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_healthz_follows_the_shared_store(proxy_for, pg_url):
    import psycopg

    db = pg_url.rsplit("/", 1)[1]
    admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
    with FakeProvider().in_thread() as fake:
        p = proxy_for(fake, store_url=pg_url)
        status, doc = health(p.url)
        assert (status, doc["store"]) == (200, "ok")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {db} ALLOW_CONNECTIONS false")
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
            try:
                status, doc = health(p.url)
                assert (status, doc["store"]) == (503, "unreachable")
                assert "127.0.0.1" not in json.dumps(doc)  # the reason is logged, not shown
            finally:
                admin.execute(f"ALTER DATABASE {db} ALLOW_CONNECTIONS true")
        assert until(lambda: health(p.url)[0] == 200), "healthy again once the database accepts connections"
