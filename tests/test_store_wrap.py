"""`headroom wrap --store URL` (issue 20 item 3): the agent's proxy keeps its ledger rows, its session span and its
originals in the configured store — here a real PostgreSQL — and nothing in the user dirs' ledger."""
from __future__ import annotations

import os

import pytest

from headroom_cli.testing.fake_provider import FakeProvider

from test_wrap import FAKES, KEYS, report, wrap

pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")


def test_wrap_keeps_the_sessions_rows_in_the_store(isolated_dirs, tmp_path, pg_url):
    import psycopg

    from headroom_cli.stats.ledger import Ledger

    env = {**os.environ, **KEYS, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}",
           "FAKE_AGENT_OUT": str(tmp_path / "agent.json")}
    env.pop("FAKE_AGENT_MODE", None)
    with FakeProvider().in_thread() as fake:
        env["ANTHROPIC_BASE_URL"] = fake.url
        out = wrap(env, "claude", "--store", pg_url, "-p", "list the files", "--allowedTools", "Bash")
    assert out.returncode == 0, out.stderr
    assert report(env)["statuses"] == [200, 200]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT agent, session_id, user_name FROM headroom.requests").fetchall()
        spans = conn.execute("SELECT session_id, agent, ended IS NOT NULL FROM headroom.sessions").fetchall()
    assert len(rows) >= 2 and {(a, u) for a, _, u in rows} == {("claude", "local")}
    (sid,) = {s for _, s, _ in rows}
    assert spans == [(sid, "claude", True)]  # the run's start and end, noted where its rows are
    assert "Requests" in out.stderr  # the summary at exit was read from the store's ledger
    with Ledger() as local:
        assert local.count() == 0
