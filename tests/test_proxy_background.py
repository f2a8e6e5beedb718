"""The figures worker: what the client never waits for runs after the hot phase, at the lowest priority,
bounded in memory, and nothing queued is lost at shutdown."""
from __future__ import annotations

import os
import sys
import threading

import pytest

from headroom_cli.proxy.background import AfterResponse


def test_jobs_run_and_failures_stay_in_their_future():
    bg = AfterResponse()
    assert bg.submit(lambda a, b: a + b, 2, 3).result(10) == 5
    bad = bg.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        bad.result(10)
    assert bg.submit(lambda: "still working").result(10) == "still working"
    assert bg.drain(10)


def test_no_job_starts_during_a_hot_phase():
    bg = AfterResponse(max_wait=60)
    ran = threading.Event()
    with bg.hot():
        fut = bg.submit(ran.set)
        assert not ran.wait(0.3)  # a request is between arrival and its first byte: the count waits
        assert not fut.done()
    fut.result(10)
    assert ran.is_set()
    again = threading.Event()
    phase = bg.hot()
    with phase:
        job = bg.submit(again.set)
        assert not again.wait(0.3)
        phase.end()  # the answer's head is sent: the rest of the relay is not hot
        job.result(10)
        phase.end()  # idempotent
    assert bg.drain(10)


def test_a_steady_stream_of_requests_cannot_starve_it():
    bg = AfterResponse(max_wait=0.05)
    with bg.hot():
        assert bg.submit(lambda: "ran").result(10) == "ran"
    assert bg.drain(10)


def test_backlog_is_bounded_by_handing_jobs_to_another_thread():
    bg = AfterResponse(max_backlog_bytes=1000)
    release, started = threading.Event(), threading.Event()

    def blocker():
        started.set()
        release.wait(30)

    first = bg.submit(blocker, size=900)
    assert started.wait(10)
    queued = bg.submit(threading.current_thread, size=900)  # waits behind the blocker
    assert (bg.backlog, bg.backlog_bytes) == (1, 900)
    over = bg.submit(lambda: threading.current_thread().name, size=200)  # over the budget: runs elsewhere, now
    assert "overflow" in over.result(10)
    assert not queued.done()
    release.set()
    first.result(10)
    assert queued.result(10).name == "headroom-figures"
    assert (bg.backlog, bg.backlog_bytes) == (0, 0)
    big = bg.submit(lambda: threading.current_thread().name, size=5000)  # alone in the queue: never refused
    assert big.result(10) == "headroom-figures"
    assert bg.drain(10)


def test_drain_runs_what_is_queued_on_the_caller_thread():
    bg = AfterResponse(max_wait=60)
    with bg.hot():  # keeps the worker from starting any of them
        futs = [bg.submit(lambda: threading.current_thread().name) for _ in range(3)]
        assert bg.drain(10)
    assert [f.result(0) for f in futs] == [threading.current_thread().name] * 3
    assert bg.submit(lambda: "after shutdown").result(10) == "after shutdown"  # still runs, somewhere


def test_drain_keeps_the_order_jobs_came_in():
    bg = AfterResponse()
    release, started, done = threading.Event(), threading.Event(), []

    def first():
        started.set()
        release.wait(30)
        done.append("first")

    bg.submit(first)
    assert started.wait(10)
    for name in ("second", "third"):
        bg.submit(done.append, name)
    threading.Timer(0.2, release.set).start()  # the worker is still busy when drain begins
    assert bg.drain(30)
    assert done == ["first", "second", "third"]


def test_drain_gives_up_at_its_deadline():
    bg = AfterResponse(max_wait=60)
    with bg.hot():
        slow = bg.submit(lambda: __import__("time").sleep(0.3))
        instead = []
        late = bg.submit(lambda: "never", fallback=lambda: instead.append("reported without figures"))
        assert not bg.drain(0.1)
    assert slow.done() and late.cancelled()
    assert instead == ["reported without figures"]  # a record is never lost


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_the_worker_runs_at_the_lowest_priority():
    bg = AfterResponse()
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    theirs = bg.submit(os.getpriority, os.PRIO_PROCESS, 0).result(10)
    assert bg.lowered
    assert theirs == 19 and mine < 19  # only the worker thread was lowered, not the process
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine
    assert bg.drain(10)
