"""Work the client never waits for (the exact token figures of a forwarded request), kept out of the way of
the requests it does wait for.

Exact counting (tiktoken) of a 350 KB request takes ~90 ms of CPU, several times what compressing it costs.
It runs after the client has its answer, but an agent's next request often arrives at once: on the default
thread pool the count then competed with that request's compression for the cores and for the pool's
threads, and tripled the time the client waited. So figures go to one worker thread of their own that
- starts a job only when no request is in its hot phase (`hot()`: arrival until the answer's head is sent),
  waiting at most `max_wait` seconds for such a moment, so a steady stream of requests cannot starve it;
- runs at the lowest CPU priority (Linux: per-thread nice), so a count already running yields the core to a
  request that arrives meanwhile (tiktoken releases the GIL while it encodes);
- hands a job to a plain thread at normal priority once the waiting jobs hold `max_backlog_bytes` (each holds
  its request's bodies: memory stays bounded when requests keep coming faster than quiet moments);
- on `drain()` (proxy shutdown) runs what is still queued on the caller's thread, at normal priority, and
  past its deadline runs each remaining job's `fallback` instead (no record is lost).
"""
from __future__ import annotations

import collections
import concurrent.futures
import logging
import os
import sys
import threading
import time
from typing import Any, Callable

log = logging.getLogger("headroom.proxy")

LOWEST_NICE = 19


def lower_this_thread_priority(nice: int = LOWEST_NICE) -> bool:
    """Make the calling thread the scheduler's last choice (Linux: a thread is a task with its own nice value).
    False where that cannot be done for one thread alone."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        return True
    except OSError:
        return False


class AfterResponse:
    def __init__(self, *, nice: int = LOWEST_NICE, max_wait: float = 1.0, max_backlog_bytes: int = 64 << 20,
                 name: str = "headroom-figures"):
        self.nice = nice
        self.max_wait = max_wait
        self.max_backlog_bytes = max_backlog_bytes
        self.name = name
        self._cv = threading.Condition()
        # (future, fn, args, size, fallback)
        self._queue: collections.deque[tuple[concurrent.futures.Future, Callable, tuple, int, Callable | None]] = \
            collections.deque()
        self._queued_bytes = 0
        self._hot = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._overflow: concurrent.futures.ThreadPoolExecutor | None = None
        self.lowered = False  # whether the worker runs at low priority (for tests and diagnostics)

    def hot(self) -> HotPhase:
        """Open a request's hot phase (no job starts while one is open); close it with `.end()` as soon as
        the answer's head is on its way, or by leaving the `with` block (whichever comes first)."""
        with self._cv:
            self._hot += 1
        return HotPhase(self)

    def _end_hot(self) -> None:
        with self._cv:
            self._hot -= 1
            if not self._hot:
                self._cv.notify_all()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    @property
    def backlog_bytes(self) -> int:
        return self._queued_bytes

    def submit(self, fn: Callable[..., Any], *args: Any, size: int = 0,
               fallback: Callable[[], Any] | None = None) -> concurrent.futures.Future:
        """Run `fn(*args)` later; `size`: the bytes the job keeps alive until then (its request's body);
        `fallback`: what to do instead if shutdown comes before the job could run (e.g. report the record
        without its exact figures rather than lose it)."""
        fut: concurrent.futures.Future = concurrent.futures.Future()
        size = max(1, size)
        with self._cv:
            overflow = self._closed or (bool(self._queue) and self._queued_bytes + size > self.max_backlog_bytes)
            if not overflow:
                self._queue.append((fut, fn, args, size, fallback))
                self._queued_bytes += size
                self._ensure_thread()
                self._cv.notify_all()
        if overflow:
            self._run_elsewhere(fut, fn, args)
        return fut

    def drain(self, timeout: float = 5.0) -> bool:
        """Stop taking jobs; let the worker finish the one it runs, then run the queued ones here, in order
        (records are reported in the order requests finished), until `timeout`: the rest are cancelled.
        True if every job finished."""
        deadline = time.monotonic() + timeout
        with self._cv:
            self._closed = True  # the worker stops after its current job
            self._cv.notify_all()
        t = self._thread
        if t is not None:
            t.join(max(0.0, deadline - time.monotonic()))
        with self._cv:
            left = list(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
        for i, (fut, fn, args, _, _) in enumerate(left):
            if time.monotonic() > deadline or (t is not None and t.is_alive()):
                for f, _, _, _, fallback in left[i:]:
                    f.cancel()
                    if fallback is not None:
                        try:
                            fallback()
                        except Exception:
                            log.debug("fallback of a cancelled job failed", exc_info=True)
                log.warning("shutting down: %d request figure(s) not counted in time", len(left) - i)
                return False
            _run(fut, fn, args)
        if self._overflow is not None:
            self._overflow.shutdown(wait=True)
        return t is None or not t.is_alive()

    # -- internals --------------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()

    def _run_elsewhere(self, fut: concurrent.futures.Future, fn: Callable, args: tuple) -> None:
        with self._cv:
            if self._overflow is None:
                self._overflow = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-overflow")
            pool = self._overflow
        try:
            pool.submit(_run, fut, fn, args)
        except RuntimeError:  # shut down already: run it here
            _run(fut, fn, args)

    def _work(self) -> None:
        self.lowered = lower_this_thread_priority(self.nice) if self.nice else False
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return  # drain() runs what is left, at normal priority
                # A quiet moment: no request between arrival and its first byte back.
                self._cv.wait_for(lambda: not self._hot or self._closed, timeout=self.max_wait)
                if self._closed or not self._queue:
                    continue
                fut, fn, args, size, _ = self._queue.popleft()
                self._queued_bytes -= size
            _run(fut, fn, args)


class HotPhase:
    def __init__(self, owner: AfterResponse):
        self._owner: AfterResponse | None = owner

    def end(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._end_hot()

    def __enter__(self) -> HotPhase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


def _run(fut: concurrent.futures.Future, fn: Callable, args: tuple) -> None:
    if not fut.set_running_or_notify_cancel():
        return
    try:
        fut.set_result(fn(*args))
    except BaseException as e:  # the caller decides; never kill the worker
        log.debug("background job failed", exc_info=True)
        fut.set_exception(e)
