"""Ledger: rows, aggregates, money, migrations, concurrent writers; recorder; session registry."""
from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from headroom_cli.errors import UsageError
from headroom_cli.stats import ledger as ledger_mod
from headroom_cli.stats import registry
from headroom_cli.stats.ledger import Ledger, parse_since
from headroom_cli.stats.prices import Price, PriceTable
from headroom_cli.stats.recorder import Recorder
from headroom_cli.stats.records import RequestRecord, Usage

PRICES = PriceTable({"claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75},
                     "gpt-5": {"input": 1.25, "output": 10.0, "cache_read": 0.125, "cache_write": 1.25}},
                    {"claude-sonnet": "claude-sonnet-4-5"})


def rec(session="s1", agent="claude", model="claude-sonnet-4-5-20250929", before=10_000, after=6_000,
        usage=Usage(600, 6000, 0, 50), ts=None, **kw) -> RequestRecord:
    return RequestRecord(session_id=session, agent=agent, protocol="anthropic", path="/v1/messages",
                         model=model, status=200, streamed=True, tokens_before=before, tokens_after=after,
                         encoding="cl100k_base", usage=usage, ts=ts or time.time(), **kw)


def test_record_and_session_totals():
    with Ledger() as lg:
        lg.record(rec(compressors={"json": 2, "log": 1}, saved_by={"json": 3000, "log": 1000}, retrievals=1))
        lg.record(rec(before=2000, after=2000, usage=Usage(100, 1900, 0, 10)))
        lg.record(rec(session="other", agent="codex", model="gpt-5-codex"))
        t = lg.session_totals("s1", prices=PRICES)
    assert t["requests"] == 2
    assert (t["tokens_before"], t["tokens_after"], t["tokens_saved"]) == (12_000, 8_000, 4_000)
    assert t["saved_pct"] == pytest.approx(33.33, abs=0.01)
    assert t["compression_ratio"] == pytest.approx(8_000 / 12_000, abs=1e-4)
    assert t["retrievals"] == 1
    assert t["compressors"] == {"json": 2, "log": 1}
    assert t["agent"] == "claude"
    # cache-read share of billed input: (6000+1900) / (600+6000+100+1900)
    assert t["cache_read_share"] == pytest.approx(7900 / 8600, abs=1e-4)
    # first request: the 4000 removed split like its billed input (600 uncached : 6000 cache reads),
    # 4000/11 uncached * $3 + 40000/11 cache reads * $0.30 per MTok; second saved nothing
    assert t["usd_saved"] == pytest.approx((4000 / 11 * 3 + 40_000 / 11 * 0.3) / 1e6, abs=1e-6)  # µ$ rounding
    spent = (600 * 3 + 6000 * 0.3 + 50 * 15 + 100 * 3 + 1900 * 0.3 + 10 * 15) / 1e6
    assert t["usd_spent"] == pytest.approx(spent)
    assert t["usd_without"] == pytest.approx(spent + t["usd_saved"])
    assert t["unpriced_requests"] == 0


def test_unpriced_models_are_counted_not_guessed():
    with Ledger() as lg:
        lg.record(rec(model="mystery-model"))
        t = lg.totals(prices=PRICES)
    assert t["usd_saved"] == 0 and t["unpriced_requests"] == 1 and t["tokens_saved"] == 4000


def test_group_by_each_dimension():
    day = 86400
    lt = time.localtime()
    now = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 12, 0, 0, 0, 0, -1))  # today's noon: no midnight split
    with Ledger() as lg:
        lg.record(rec(session="a", agent="claude", ts=now - 3 * day, compressors={"json": 1}, saved_by={"json": 500}))
        lg.record(rec(session="b", agent="codex", model="gpt-5", ts=now - 1, compressors={"log": 2, "json": 1},
                      saved_by={"log": 900, "json": 100}))
        lg.record(rec(session="b", agent="codex", model="gpt-5", ts=now))
        by_agent = {r["key"]: r for r in lg.group("agent", prices=PRICES)}
        assert by_agent["codex"]["requests"] == 2 and by_agent["claude"]["requests"] == 1
        by_model = {r["key"] for r in lg.group("model", prices=PRICES)}
        assert by_model == {"claude-sonnet-4-5-20250929", "gpt-5"}
        sessions = lg.group("session", prices=PRICES)
        assert [r["key"] for r in sessions] == ["b", "a"]  # most recent first
        assert len(lg.group("day", prices=PRICES)) == 2
        recent_days = lg.group("day", since=parse_since("2d"), prices=PRICES)
        assert len(recent_days) == 1 and recent_days[0]["requests"] == 2
        kinds = {r["key"]: r for r in lg.group("kind")}
        assert kinds["json"] == {"key": "json", "requests": 2, "blocks": 2, "tokens_saved": 600}
        assert kinds["log"]["tokens_saved"] == 900
        with pytest.raises(UsageError):
            lg.group("colour")


def test_recent_and_sessions():
    with Ledger() as lg:
        for i in range(5):
            lg.record(rec(session="x" if i % 2 else "y", before=1000 + i))
        top = lg.recent(3)
        assert [r["tokens_before"] for r in top] == [1004, 1003, 1002]
        only_x = lg.recent(10, session_ids=["x"])
        assert {r["session_id"] for r in only_x} == {"x"} and len(only_x) == 2
        newer = lg.recent(10, after_id=top[1]["id"])
        assert [r["tokens_before"] for r in newer] == [1004]
        assert lg.latest_session_id() == "y"
        assert [s["session_id"] for s in lg.sessions()] == ["y", "x"]


def test_parse_since():
    now = 1_000_000.0
    assert parse_since("7d", now=now) == now - 7 * 86400
    assert parse_since("24h", now=now) == now - 86400
    assert parse_since("30m", now=now) == now - 1800
    assert parse_since("2w", now=now) == now - 14 * 86400
    assert parse_since(None) is None
    assert parse_since("2026-11-01") > 0
    with pytest.raises(UsageError):
        parse_since("last tuesday")


def test_file_mode_and_wal():
    lg = Ledger()
    lg.record(rec())
    assert oct(lg.path.stat().st_mode & 0o777) == "0o600"
    mode = sqlite3.connect(lg.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    lg.close()


def test_migrates_an_older_schema_keeping_rows(tmp_path):
    """A ledger written by the first release (m001 only) upgrades in place."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    ledger_mod.m001_requests(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_requests', 0)")
    db.execute("INSERT INTO requests (ts, session_id, agent, model, status, tokens_before, tokens_after, "
               "input_tokens, cache_read_tokens) VALUES (?, 'old', 'claude', 'claude-sonnet-4-5', 200, "
               "10000, 6000, 600, 6000)", (time.time(),))
    db.close()
    with Ledger(path) as lg:
        t = lg.session_totals("old", prices=PRICES)
        assert t["requests"] == 1
        # the migrations back-filled the billing split of the saved tokens (no more than the 4000 removed)
        assert t["saved_input"] == pytest.approx(363.6) and t["saved_cache_read"] == pytest.approx(3636.4)
        lg.record(rec(session="new", output_arm="control"))
        assert lg.count() == 2
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [fn.__name__ for fn in ledger_mod.MIGRATIONS]
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(requests)")}
    assert {"saved_input", "output_arm", "saved_by"} <= cols


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "l.db"
    Ledger(path).record(rec())
    db = sqlite3.connect(path, isolation_level=None)
    assert ledger_mod.migrate(db) == []


def _writer(path: str, who: int, n: int, start) -> None:
    start.wait()
    lg = Ledger(path)
    for i in range(n):
        lg.record(rec(session=f"proc{who}", before=1000 + i, after=500))
    lg.close()


def test_two_processes_writing_concurrently_lose_no_rows(tmp_path):
    path = str(tmp_path / "shared.db")
    ctx = mp.get_context("spawn")  # real, separate interpreters
    start = ctx.Event()
    n = 150
    procs = [ctx.Process(target=_writer, args=(path, w, n, start)) for w in range(2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Ledger(path) as lg:
        assert lg.count() == 2 * n
        for w in range(2):
            assert lg.session_totals(f"proc{w}", prices=PRICES)["requests"] == n
        befores = sorted(r[0] for r in lg._query("SELECT tokens_before FROM requests WHERE session_id='proc0'"))
        assert befores == [1000 + i for i in range(n)]


def test_recorder_writes_off_the_caller_thread_and_stamps_ts():
    r = Recorder()
    recs = [rec(ts=0.0) for _ in range(100)]
    for x in recs:
        r(x)
    assert all(x.ts > 0 for x in recs)
    assert r.flush(10)
    assert r.recorded == 100 and r.dropped == 0
    assert Ledger().count() == 100
    r.close()
    r(rec())  # after close: dropped, not raised
    assert r.dropped == 1


def test_recorder_survives_a_broken_ledger(tmp_path):
    class Broken:
        def record_many(self, recs):
            raise sqlite3.OperationalError("disk I/O error")

        def close(self):
            pass

    r = Recorder(Broken())
    r(rec())
    assert r.flush(5)
    assert r.dropped == 1 and r.recorded == 0
    r.close()


# -- registry -------------------------------------------------------------------------------------
def test_register_list_unregister():
    f = registry.register("sess-1", pid=os.getpid(), port=4321, agent="claude", url="http://127.0.0.1:4321")
    assert oct(f.stat().st_mode & 0o777) == "0o600"
    live = registry.list_sessions()
    assert [e["session_id"] for e in live] == ["sess-1"]
    assert live[0]["port"] == 4321 and live[0]["agent"] == "claude" and live[0]["started"] > 0
    assert registry.find("sess-1")["url"] == "http://127.0.0.1:4321"
    registry.unregister("sess-1")
    registry.unregister("sess-1")  # twice is fine
    assert registry.list_sessions() == []


def test_stale_entries_of_dead_pids_are_pruned():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    f = registry.register("dead", pid=p.pid, port=1, agent="codex", url="http://127.0.0.1:1")
    registry.register("alive", pid=os.getpid(), port=2, agent="claude", url="http://127.0.0.1:2")
    assert [e["session_id"] for e in registry.list_sessions(prune=False)] == ["alive"]
    assert f.exists()  # not pruned without prune
    assert [e["session_id"] for e in registry.list_sessions()] == ["alive"]
    assert not f.exists()


def test_recycled_pid_is_not_alive():
    f = registry.register("reused", pid=os.getpid(), port=3, agent="claude", url="u")
    import json

    entry = json.loads(f.read_text())
    entry["pid_create_time"] -= 1000  # a different process once had this pid
    f.write_text(json.dumps(entry))
    assert registry.list_sessions() == []


def test_corrupt_ledger_is_a_clear_error(capsys):
    from headroom_cli.cli import main
    from headroom_cli.errors import HeadroomError

    path = ledger_mod.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an sqlite file" * 100)
    with pytest.raises(HeadroomError):
        Ledger().count()
    assert main(["stats"]) == 1
    assert "not a usable ledger" in " ".join(capsys.readouterr().err.split())


def test_modelless_probe_is_not_an_unpriced_request():
    from headroom_cli.stats.ledger import Ledger
    from headroom_cli.stats.records import RequestRecord, Usage

    lg = Ledger()
    lg.record(RequestRecord(session_id="p", agent="claude", protocol="passthrough", path="/", status=200, ts=1.0))
    lg.record(RequestRecord(session_id="p", agent="claude", protocol="anthropic", path="/v1/messages", status=200,
                            model="mystery-model-9", usage=Usage(input_tokens=10), ts=2.0))
    t = lg.session_totals("p")
    assert t["requests"] == 2 and t["unpriced_requests"] == 1
