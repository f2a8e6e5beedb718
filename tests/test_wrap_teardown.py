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
