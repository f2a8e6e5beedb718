"""`wrap`'s teardown (issue 16 item 12): what used to hold its exit after the agent's, and the records that
must still land. The time itself is measured in benchmarks/bench_wrap_startup.py (no timing here)."""
from __future__ import annotations

import importlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider

FAKES = Path(__file__).parent / "fakes" / "agents"


def test_a_stopping_proxy_ends_its_warm_up_and_skips_what_is_left(monkeypatch):
    """The warm-up ran to its end on the loop's executor, which the interpreter joins at exit: a short session
    waited for the tokenizer's BPE file. Now stop() ends it after the step it is in."""
    from headroom_cli.proxy import pipeline

    in_store, release, done, later_steps = threading.Event(), threading.Event(), threading.Event(), []

    def slow_store(*a, **k):
        in_store.set()
        release.wait(20)

    original = pipeline.warm_up

    def watched(*args):
        try:
            original(*args)
        finally:
            done.set()

    module = importlib.import_module  # `headroom_cli.compress` the package is shadowed by compress() the function
    monkeypatch.setattr(module("headroom_cli.ccr.store"), "default_store", slow_store)
    monkeypatch.setattr(module("headroom_cli.compress.api"), "compress_request",
                        lambda *a, **k: later_steps.append("compress"))
    monkeypatch.setattr(module("headroom_cli.compress.tokens"), "count_tokens",
                        lambda *a, **k: later_steps.append("count"))
    monkeypatch.setattr(pipeline, "warm_up", watched)
    proxy = ProxyServer(ProxySettings(anthropic_upstream="http://127.0.0.1:9")).start().wait_ready(20)
    assert in_store.wait(20)
    threading.Timer(0.1, release.set).start()  # the step in progress finishes while stop() waits
    proxy.stop(grace=0.5)
    assert done.is_set(), "stop() returned with the warm-up still running"
    done.wait(10)
    assert later_steps == []


def test_the_program_leaves_the_collector_off_at_exit(tmp_path):
    """The cyclic collector's passes over every object at interpreter exit cost ~0.25 s once aiohttp and the
    tokenizer are loaded; `headroom` (its own command line, not main([...]) in a test) skips them."""
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('collector at exit:', gc.isenabled()))\n"  # runs after main's handler
             "sys.argv = ['headroom', '--help']\n"
             "from headroom_cli.cli import main\n"
             "main()\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("collector at exit: False")
    from headroom_cli.cli import main

    assert main(["--version"]) == 0
    import gc

    assert gc.isenabled()  # main([...]) inside a process that goes on changes nothing


def test_the_summary_modules_load_while_the_agent_runs():
    """The exit summary imported rich (~0.1 s) only after the agent had exited."""
    probe = ("import sys\n"
             "from headroom_cli.cli.output import preload as preload_console\n"
             "from headroom_cli.stats.summary import preload\n"
             "assert 'rich.table' not in sys.modules\n"
             "preload_console()\n"
             "preload()\n"
             "print(all(m in sys.modules for m in ('rich.console', 'rich.table', 'headroom_cli.stats.render')))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_every_answered_request_is_in_the_ledger_when_wrap_exits(tmp_path):
    """The faster exit loses no record: the fake agent's two answered requests are rows of its session."""
    env = dict(os.environ, ANTHROPIC_API_KEY="sk-ant-api03-TESTSECRET0001",
               PATH=f"{FAKES}{os.pathsep}{os.environ['PATH']}", FAKE_AGENT_OUT=str(tmp_path / "agent.json"))
    env.pop("FAKE_AGENT_MODE", None)
    with FakeProvider().in_thread() as fake:
        env["ANTHROPIC_BASE_URL"] = fake.url
        out = subprocess.run([sys.executable, "-m", "headroom_cli", "wrap", "claude", "-p", "list the files"],
                             env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "agent.json").read_text())["statuses"] == [200, 200]
    db = Path(env["HEADROOM_HOME"]) / "data" / "ledger.db"
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT status FROM requests WHERE path LIKE '/v1/messages%'").fetchall()
    assert [r[0] for r in rows].count(200) >= 2
    assert "No requests went through" not in out.stderr


# -- the agent's exit is not held up by the proxy's start-up or warm-up ------------------------------------

def _blocking(monkeypatch, module: str, name: str):
    """Replace `module.name` with a function that blocks until the returned event is set; `entered` tells
    when it was reached."""
    release, entered = threading.Event(), threading.Event()
    original = getattr(importlib.import_module(module), name)

    def blocked(*a, **k):
        entered.set()
        release.wait(60)
        return original(*a, **k)

    monkeypatch.setattr(importlib.import_module(module), name, blocked)
    return release, entered


def _wrap_run(monkeypatch, mode: str):
    from headroom_cli.launch.session import WrapOptions, WrapRun

    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_AGENT_MODE", mode)
    run = WrapRun(WrapOptions(agent="claude", user_args=["-p", "x"], anthropic_upstream="http://127.0.0.1:9"))
    run.prepare()
    return run


def test_teardown_does_not_join_the_warm_up(monkeypatch):
    """A no-op agent's exit waited for the warm-up's step in progress (the BPE load, ~0.2-0.5 s). Now close()
    leaves it running and asks for os._exit instead (a normal interpreter exit under it would crash)."""
    release, entered = _blocking(monkeypatch, "headroom_cli.proxy.pipeline", "warm_up")
    run = _wrap_run(monkeypatch, "exit:5")
    joined = []
    try:
        run.start()
        assert run.wait() == 5
        run.proxy.wait_ready(20)
        assert entered.wait(20)
        warm = run.proxy._warm_up
        real_join = warm.join
        monkeypatch.setattr(warm, "join", lambda *a, **k: joined.append(a) or real_join(*a, **k))
        run.close()
        assert joined == [], "close() joined the warm-up"
        assert not release.is_set() and warm.is_alive()  # close() returned while the warm-up was blocked
        assert run.busy_threads == ["headroom-warm-up"]
        assert not run.proxy.running  # the serving thread itself is always stopped and joined
    finally:
        release.set()
        run.close()


def test_the_agents_exit_is_not_held_up_by_the_proxys_start_up(monkeypatch):
    """wait() waited for the proxy to be ready before it waited for the agent; stop() then waited for the
    start-up again. An agent that exits at once now gets its code back while the proxy is still starting;
    the start-up thread ends by itself, never serves, and closes the socket."""
    release, entered = _blocking(monkeypatch, "headroom_cli.proxy.app", "make_app")
    run = _wrap_run(monkeypatch, "exit:5")
    try:
        run.start()
        assert entered.wait(20)
        assert run.wait() == 5
        assert not run.proxy.ready
        sock = run.sock
        run.close()
        assert not release.is_set()
        assert run.busy_threads == ["headroom-proxy"]
        assert sock.fileno() != -1  # still the start-up's: closing it under create_server would race
        release.set()
        run.proxy._thread.join(20)
        assert not run.proxy.running and not run.proxy.served
        assert sock.fileno() == -1
    finally:
        release.set()
        run.close()


def test_a_proxy_that_fails_to_start_still_stops_the_agent(monkeypatch):
    """Watching the start-up instead of waiting for it first keeps its rule: no proxy, no session."""
    def broken(*a, **k):
        raise RuntimeError("no app today")

    monkeypatch.setattr(importlib.import_module("headroom_cli.proxy.app"), "make_app", broken)
    run = _wrap_run(monkeypatch, "sleep")
    try:
        run.start()
        import pytest

        from headroom_cli.errors import HeadroomError

        with pytest.raises(HeadroomError, match="no app today"):
            run.wait()
        assert run.child.proc.poll() is not None
    finally:
        run.close()


_PROBE = """
import importlib, sys, threading
forever = threading.Event()
app = importlib.import_module("headroom_cli.proxy.app")
real = app.make_app
app.make_app = lambda *a, **k: (forever.wait(), real(*a, **k))[1]   # a start-up that never ends
sys.argv = ["headroom", "wrap", "claude", "--", "-p", "x"]
from headroom_cli.cli import main
sys.exit(main())
"""


def test_wrap_ends_with_the_agents_code_and_leaves_nothing_while_the_proxy_still_starts(tmp_path):
    """The process itself: a start-up that never ends does not keep wrap alive after the agent (it ended
    with os._exit), the exit code is the agent's, and no registry entry, journal, or listening port is left."""
    import re
    import socket

    home = tmp_path / "hr"
    env = dict(os.environ, PATH=f"{FAKES}{os.pathsep}{os.environ['PATH']}", FAKE_AGENT_MODE="exit:7",
               HEADROOM_HOME=str(home), ANTHROPIC_BASE_URL="http://127.0.0.1:9")
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 7, out.stderr
    assert "No requests went through the proxy" in out.stderr
    port = int(re.search(r"via http://127\.0\.0\.1:(\d+)", out.stderr).group(1))
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there any more
    left = [p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()]
    assert not [p for p in left if "sessions/" in p or "journals/" in p], left
