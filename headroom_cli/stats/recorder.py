"""`Recorder`: what the proxy gets as `settings.on_record`.

Called on the proxy's event loop once per request, so it must not block: it stamps the record and
hands it to a small writer thread that inserts into the ledger in batches. A ledger that cannot be
written (read-only disk, locked too long) costs us the row and a log line, never the request; a store that
is unreachable for a while (StoreUnavailable: its database restarting) has its rows kept and written later.
"""
from __future__ import annotations

import logging
import queue
import threading
import time

from .records import RequestRecord

log = logging.getLogger("headroom.stats")

_STOP = object()


class Recorder:
    def __init__(self, ledger=None, *, max_batch: int = 64, open_ledger=None):
        """`ledger`: where rows go; else `open_ledger()` opens it on the first row (a store's `ledger`), else
        the default ledger in the user data dir."""
        self._ledger = ledger
        self._open_ledger = open_ledger
        self._q: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._max_batch = max_batch
        self.recorded = 0  # rows written
        self.dropped = 0  # rows lost to ledger errors
        self._closed = False
        self._failing = False  # the last write found the store unreachable: the writer retries until it is back
        self._woken = threading.Event()  # close() ends a retry's wait

    @property
    def ledger(self):
        if self._ledger is None:
            if self._open_ledger is not None:
                self._ledger = self._open_ledger()
            else:
                from .ledger import Ledger

                self._ledger = Ledger()
        return self._ledger

    def __call__(self, rec: RequestRecord) -> None:
        if not rec.ts:
            rec.ts = time.time()
        if self._closed:
            self.dropped += 1
            return
        self._ensure_thread()
        self._q.put(rec)

    def record_now(self, rec: RequestRecord) -> bool:
        """Write `rec` before returning (durable records: the proxy holds the end of an answer until its row
        is committed, so a killed process loses no answered request's row). A ledger that cannot be written
        now leaves the row to the writer thread, queued like any other; False then."""
        if not rec.ts:
            rec.ts = time.time()
        if self._failing:  # the store is away: the writer thread retries; the answer need not wait for it
            self(rec)
            return False
        try:
            self.ledger.record_many([rec])
        except Exception as e:
            self._failing = _retryable(e)
            log.warning("could not write a request to the ledger at once (%s); queued", type(e).__name__)
            self(rec)
            return False
        self.recorded += 1
        return True

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    t = threading.Thread(target=self._run, name="headroom-ledger", daemon=True)
                    t.start()
                    self._thread = t

    def _run(self) -> None:
        while True:
            item = self._q.get()
            batch, stop = [], item is _STOP
            if not stop:
                batch.append(item)
            while not stop and len(batch) < self._max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                else:
                    batch.append(nxt)
            if batch:
                try:
                    self._write(batch)
                finally:
                    for _ in batch:
                        self._q.task_done()
            if stop:
                self._q.task_done()
                return

    def _write(self, batch: list[RequestRecord]) -> None:
        """Write a batch; while the store is unreachable (StoreUnavailable: a database restarting), keep it and
        try again with a growing pause (up to MAX_PAUSE s) until it is back, the process stops, or MAX_PENDING
        rows wait; any other failure costs the rows."""
        pause = 0.2
        while True:
            try:
                self.ledger.record_many(batch)
            except Exception as e:
                if _retryable(e) and not self._closed and self._q.qsize() + len(batch) <= self.MAX_PENDING:
                    if not self._failing:
                        log.warning("the ledger's store is unreachable: %d request(s) kept until it is back",
                                    len(batch))
                    self._failing = True
                    self._woken.wait(pause)
                    pause = min(pause * 2, self.MAX_PAUSE)
                    continue
                self.dropped += len(batch)
                log.warning("could not write %d request(s) to the ledger", len(batch), exc_info=True)
                return
            if self._failing:
                log.warning("the ledger's store answers again")
            self._failing = False
            self.recorded += len(batch)
            return

    MAX_PENDING = 100_000  # rows kept in memory while the store is away (beyond: dropped, counted)
    MAX_PAUSE = 2.0

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every record handed over so far is written (or timeout). True if drained."""
        if self._thread is None:
            return True
        deadline = time.monotonic() + timeout
        while self._q.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, stop the thread, close the ledger connection."""
        if self._closed:
            return
        self._closed = True
        self._woken.set()
        if self._thread is not None:
            self._q.put(_STOP)
            self._thread.join(timeout)
        if self._ledger is not None:
            try:
                self._ledger.close()
            except Exception:
                pass


def _retryable(e: BaseException) -> bool:
    """A failure that passes when the store is back (the database restarting), rather than a bad row."""
    from ..errors import StoreUnavailable

    return isinstance(e, StoreUnavailable)
