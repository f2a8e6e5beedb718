"""One duration rule and one title rule for a session (issue 16, item 5): the exit summary, `headroom stats` and
the dashboard read the same span — from the session's start to its end (or now, while it runs)."""
from __future__ import annotations

import io
import os
import time

from rich.console import Console

from headroom_cli.stats import dashboard, registry, render, summary
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.records import RequestRecord, Usage
from headroom_cli.stats.report import build_report


def capture(renderable, width=100) -> str:
    con = Console(record=True, width=width, color_system=None, file=io.StringIO())
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.export_text().splitlines())


def rec(session: str, ts: float) -> RequestRecord:
    return RequestRecord(session_id=session, agent="claude", protocol="anthropic", path="/v1/messages",
                         model="claude-sonnet-4-5", status=200, tokens_before=1000, tokens_after=400,
                         usage=Usage(400, 0, 0, 10), ts=ts)


def summary_duration(text: str) -> str:
    return next(ln for ln in text.splitlines() if ln.startswith("Duration")).split(None, 1)[1].strip()


def test_summary_stats_and_dashboard_agree_on_an_ended_session():
    now = time.time()
    registry.register("s61", pid=os.getpid(), port=1, agent="claude", url="u", started=now - 61.2)
    with Ledger() as lg:
        lg.record(rec("s61", now - 30))  # one request, half-way: first → last request would say 0s
    registry.unregister("s61")
    with Ledger() as lg:
        # wrap measures its own run (a little longer: it includes starting and stopping the proxy)
        text = capture(summary.render_summary("s61", duration_s=62.6, ledger=lg))
        cur = build_report(session_id="s61", ledger=lg)["current"]
        dash = dashboard.collect(lg, include_recent_s=300)
    (s,) = dash["sessions"]
    assert summary_duration(text) == render.duration(cur["duration_s"]) == render.duration(s["uptime_s"]) == "1m 01s"


def test_a_running_session_is_as_old_as_its_start():
    now = time.time()
    registry.register("live", pid=os.getpid(), port=1, agent="claude", url="u", started=now - 75)
    with Ledger() as lg:
        lg.record(rec("live", now - 1))
        cur = build_report(session_id="live", ledger=lg, now=now)["current"]
        (s,) = dashboard.collect(lg, now=now)["sessions"]
    assert render.duration(cur["duration_s"]) == render.duration(s["uptime_s"]) == "1m 15s"


def test_summary_title_names_the_agent_with_or_without_requests():
    registry.register("quiet", pid=os.getpid(), port=1, agent="claude", url="u")
    registry.unregister("quiet")
    with Ledger() as lg:
        empty = capture(summary.render_summary("quiet", duration_s=3, ledger=lg)).splitlines()[0]
        lg.record(rec("quiet", time.time()))
        full = capture(summary.render_summary("quiet", duration_s=3, ledger=lg)).splitlines()[0]
    assert empty == full == "headroom · claude · quiet"
