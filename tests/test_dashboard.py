"""Dashboard: finds running sessions in the registry, updates as rows arrive, renders (snapshot)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pytest
from rich.console import Console

from headroom_cli.cli.dashboard import run as run_dashboard
from headroom_cli.stats import dashboard, registry
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.prices import PriceTable
from headroom_cli.stats.records import RequestRecord, Usage

PRICES = PriceTable({"claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75},
                     "gpt-5-codex": {"input": 1.25, "output": 10.0, "cache_read": 0.125, "cache_write": 1.25}}, {})
T0 = 1_790_000_000.0  # fixed clock for snapshots


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def rec(session, i, **kw):
    base = dict(session_id=session, agent="claude", protocol="anthropic", path="/v1/messages",
                model="claude-sonnet-4-5-20250929", status=200, streamed=True, tokens_before=20_000 + 1000 * i,
                tokens_after=9_000 + 500 * i, encoding="cl100k_base", usage=Usage(700, 8000 + 400 * i, 300, 120),
                compressors={"log": 1, "json": 1}, ts=T0 + 10 * i)
    base.update(kw)
    return RequestRecord(**base)


def register_fixed(session_id, agent, started, pid=None):
    f = registry.register(session_id, pid=pid or os.getpid(), port=40000, agent=agent,
                          url="http://127.0.0.1:40000")
    entry = json.loads(f.read_text())
    entry["started"] = started
    f.write_text(json.dumps(entry))


def capture(renderable, width=100) -> str:
    con = Console(record=True, width=width, color_system=None, file=io.StringIO())
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.export_text().splitlines())


def test_finds_running_session_and_updates_when_rows_arrive():
    lg = Ledger()
    registry.register("live1", pid=os.getpid(), port=4000, agent="claude", url="http://127.0.0.1:4000")
    d = dashboard.collect(lg, prices=PRICES)
    assert [s["session_id"] for s in d["sessions"]] == ["live1"]
    assert d["totals"]["requests"] == 0 and d["feed"] == []
    lg.record(rec("live1", 0))
    lg.record(rec("someone-else", 0))  # not a running session: not in the totals
    d = dashboard.collect(lg, prices=PRICES)
    assert d["totals"]["requests"] == 1 and d["sessions"][0]["tokens_saved"] == 11_000
    # a second process (another proxy) writes: the dashboard's own connection sees it
    other = Ledger(lg.path)
    other.record(rec("live1", 1))
    other.close()
    d = dashboard.collect(lg, prices=PRICES)
    assert d["totals"]["requests"] == 2
    assert d["totals"]["tokens_saved"] == 11_000 + 11_500
    assert [r["tokens_before"] for r in d["feed"]] == [21_000, 20_000]
    assert d["totals"]["usd_saved"] > 0
    lg.close()


def test_dead_sessions_drop_out_and_recently_ended_stay_when_asked():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    registry.register("gone", pid=p.pid, port=1, agent="codex", url="u")
    lg = Ledger()
    lg.record(rec("gone", 0, ts=time.time()))
    assert dashboard.collect(lg, prices=PRICES)["sessions"] == []
    d = dashboard.collect(lg, prices=PRICES, include_recent_s=300)
    assert [(s["session_id"], s["running"]) for s in d["sessions"]] == [("gone", False)]
    lg.close()


SNAPSHOT = """\
headroom dashboard  ·  2 running session(s)
╭─ Estimated input cost avoided: $0.01 ────────────────────────────────────────────────────────────╮
│ requests 4  (1 failed)     tokens 86.0k → 39.0k       saved 47.0k (54.6% of the whole requests)  │
│ billed $0.02               cache-read 86% of input    retrievals 1                               │
╰──────────────────────────────────────────────────────────────────────────────────────────────────╯
Sessions

 session   agent        up   req   saved       %   cache   avoided   url
 ──────────────────────────────────────────────────────────────────────────────────────────
 bbbb      codex    1m 40s     1   12.5k   54.4%     71%     $0.00   http://127.0.0.1:40000
 aaaa      claude   5m 00s     3   34.5k   54.8%     89%     $0.01   http://127.0.0.1:40000

compressors  json ×3, log ×3, search ×1
Recent requests

 time        st   session   model                before → after    saved   compressors     cached
 ────────────────────────────────────────────────────────────────────────────────────────────────
 14:13:50   200   bbbb      gpt-5-codex-unpri…    23.0k → 10.5k    54.3%   search×1           71%
 14:13:40   529   aaaa      claude-sonnet-4-5…    22.0k → 10.0k    54.5%   json×1, log×1      90%
 14:13:30   200   aaaa      claude-sonnet-4-5…    21.0k → 9,500    54.8%   json×1, log×1      89%
 14:13:20   200   aaaa      claude-sonnet-4-5…    20.0k → 9,000    55.0%   json×1, log×1      89%

% = tokens saved of the whole requests (system prompt, tools, history, messages, tool results;
cl100k, counted offline)
(1 request(s) of unpriced models not counted)
Ctrl-C to quit"""


def test_render_snapshot(utc):
    lg = Ledger()
    register_fixed("aaaa", "claude", T0)
    register_fixed("bbbb", "codex", T0 + 200)
    lg.record(rec("aaaa", 0))
    lg.record(rec("aaaa", 1, retrievals=1))
    lg.record(rec("aaaa", 2, status=529))
    lg.record(rec("bbbb", 3, agent="codex", model="gpt-5-codex-unpriced-variant", protocol="openai_responses",
                  tokens_after=10_500, usage=Usage(2000, 5000, 0, 90), compressors={"search": 1}))
    d = dashboard.collect(lg, prices=PRICES, now=T0 + 300)
    text = capture(dashboard.render(d, clock=False))
    lg.close()
    if os.environ.get("HEADROOM_UPDATE_SNAPSHOTS"):
        print(text)
    assert text == SNAPSHOT


def test_render_without_sessions_says_how_to_start_one():
    text = capture(dashboard.render(dashboard.collect(Ledger(), prices=PRICES)))
    assert "No running sessions" in text and "headroom wrap" in text


def test_once_and_live_loop_render_to_a_console():
    registry.register("loop1", pid=os.getpid(), port=4000, agent="aider", url="http://127.0.0.1:4000")
    lg = Ledger()
    lg.record(rec("loop1", 0, agent="aider"))
    buf = io.StringIO()
    con = Console(file=buf, width=100, color_system=None, force_terminal=False)
    assert run_dashboard(once=True, console=con, ledger=lg, prices=PRICES) == 1
    assert "loop1" in buf.getvalue() and "aider" in buf.getvalue()
    buf2 = io.StringIO()
    con2 = Console(file=buf2, width=100, color_system=None, force_terminal=False)
    frames = run_dashboard(interval=0.1, console=con2, ledger=lg, prices=PRICES, max_frames=2)
    assert frames == 2 and "loop1" in buf2.getvalue()
    lg.close()


def test_cli_dashboard_once(capsys):
    from headroom_cli.cli import main

    registry.register("cli1", pid=os.getpid(), port=4000, agent="claude", url="http://127.0.0.1:4000")
    assert main(["dashboard", "--once"]) == 0
    out = capsys.readouterr().out
    assert "cli1" in out and "Estimated input cost avoided" in out


def test_ctrl_c_ends_the_live_loop_cleanly(monkeypatch):
    calls = {"n": 0}
    real = dashboard.collect

    def collect(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(dashboard, "collect", collect)
    con = Console(file=io.StringIO(), width=100, color_system=None)
    lg = Ledger()
    assert run_dashboard(interval=0.1, console=con, ledger=lg, prices=PRICES) == 1
    lg.close()
