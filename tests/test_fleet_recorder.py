"""The ledger's writer while its store is unreachable (a database restarting): rows are kept and written once
it is back, and durable records stop waiting on a store known to be away."""
from __future__ import annotations

import threading

from headroom_cli.errors import StoreUnavailable
from headroom_cli.stats.recorder import Recorder
from headroom_cli.stats.records import RequestRecord


class FlakyLedger:
    def __init__(self):
        self.down = True
        self.rows: list[RequestRecord] = []
        self.attempts = 0
        self.callers: list[int] = []  # the thread of each attempt
        self.lock = threading.Lock()
        self.tried = threading.Event()

    def record_many(self, recs):
        with self.lock:
            self.attempts += 1
            self.callers.append(threading.get_ident())
            self.tried.set()
            if self.down:
                raise StoreUnavailable("database restarting")
            self.rows.extend(recs)
            return len(recs)

    def close(self):
        pass


def rec(i: int) -> RequestRecord:
    return RequestRecord(session_id="s", agent="a", protocol="anthropic", path="/v1/messages", ts=1.0 + i)


def test_rows_wait_for_the_store_and_land_when_it_is_back():
    ledger = FlakyLedger()
    r = Recorder(ledger)
    for i in range(5):
        r(rec(i))
    assert ledger.tried.wait(10)
    assert not r.flush(timeout=0.3)  # kept, not dropped, while the store is away
    assert r.dropped == 0 and ledger.rows == []
    ledger.down = False
    assert r.flush(timeout=10)
    assert sorted(x.ts for x in ledger.rows) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert r.dropped == 0
    r.close()


def test_durable_records_do_not_wait_on_a_store_known_to_be_away():
    ledger = FlakyLedger()
    r = Recorder(ledger)
    assert r.record_now(rec(0)) is False  # tried once, failed: queued
    assert r.record_now(rec(1)) is False  # not tried again on this thread: straight to the writer's queue
    assert ledger.callers.count(threading.get_ident()) == 1
    ledger.down = False
    assert r.flush(timeout=10)
    assert sorted(x.ts for x in ledger.rows) == [1.0, 2.0]
    assert r.record_now(rec(2)) is True  # the store is back: written at once again
    assert ledger.callers.count(threading.get_ident()) == 2
    r.close()


def test_other_failures_still_cost_the_rows():
    class Broken(FlakyLedger):
        def record_many(self, recs):
            raise ValueError("a bad row")

    r = Recorder(Broken())
    r(rec(0))
    assert r.flush(timeout=5)
    assert r.dropped == 1
    r.close()
