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
- hands jobs to the default thread pool once `max_backlog` are waiting (each holds its request's bodies:
  memory stays bounded when requests keep arriving faster than an idle moment comes);
- on `drain()` (proxy shutdown) runs what is still queued on the caller's thread, at normal priority.
"""
from __future__ import annotations

import collections
import concurrent.futures
import logging
import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

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
    def __init__(self, *, nice: int = LOWEST_NICE, max_wait: float = 1.0, max_backlog: int = 32,
                 name: str = "headroom-figures"):
        self.nice = nice
        self.max_wait = max_wait
        self.max_backlog = max_backlog
        self.name = name
        self._cv = threading.Condition()
        self._queue: collections.deque[tuple[concurrent.futures.Future, Callable, tuple]] = collections.deque()
        self._hot = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._overflow: concurrent.futures.ThreadPoolExecutor | None = None
        self.lowered = False  # whether the worker runs at low priority (for tests and diagnostics)

    @contextmanager
    def hot(self) -> Iterator[None]:
        """Mark a request's hot phase: no job starts while one is open."""
        with self._cv:
            self._hot += 1
        try:
            yield
        finally:
            with self._cv:
                self._hot -= 1
                if not self._hot:
                    self._cv.notify_all()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._cv:
            if self._closed:
                overflow = True
            elif len(self._queue) >= self.max_backlog:
                overflow = True
            else:
                overflow = False
                self._queue.append((fut, fn, args))
                self._ensure_thread()
                self._cv.notify_all()
        if overflow:
            self._run_elsewhere(fut, fn, args)
        return fut

    def drain(self, timeout: float = 5.0) -> bool:
        """Stop taking jobs; run the queued ones here, wait for the one running. True if all finished."""
        deadline = time.monotonic() + timeout
        with self._cv:
            self._closed = True
            left = list(self._queue)
            self._queue.clear()
            self._cv.notify_all()
        for fut, fn, args in left:
            _run(fut, fn, args)
        t = self._thread
        if t is not None:
            t.join(max(0.0, deadline - time.monotonic()))
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
                if not self._queue:
                    return
                # A quiet moment: no request between arrival and its first byte back.
                self._cv.wait_for(lambda: not self._hot or self._closed, timeout=self.max_wait)
                if not self._queue:
                    continue
                fut, fn, args = self._queue.popleft()
            _run(fut, fn, args)


def _run(fut: concurrent.futures.Future, fn: Callable, args: tuple) -> None:
    if not fut.set_running_or_notify_cancel():
        return
    try:
        fut.set_result(fn(*args))
    except BaseException as e:  # the caller decides; never kill the worker
        log.debug("background job failed", exc_info=True)
        fut.set_exception(e)
