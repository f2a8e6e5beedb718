"""Every savings figure says what it is a share of (issue 16, item 6): headroom measures whole requests, the
README's corpus figure is tool results; a real session's saving is the smaller whole-request one."""
from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

from rich.console import Console

from headroom_cli.cli import main
from headroom_cli.stats import dashboard, registry, statusline, summary
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.records import RequestRecord, Usage

WHOLE = "of the whole requests"
README = Path(__file__).resolve().parents[1] / "README.md"


def capture(renderable, width=100) -> str:
    con = Console(record=True, width=width, color_system=None, file=io.StringIO())
    con.print(renderable)
    return " ".join(line.strip() for line in con.export_text().splitlines())


def rec(session="b1", **kw) -> RequestRecord:
    base = dict(session_id=session, agent="claude", protocol="anthropic", path="/v1/messages",
                model="claude-sonnet-4-5", status=200, tokens_before=40_000, tokens_after=36_000,
                usage=Usage(1000, 35_000, 200, 100), ts=time.time())
    base.update(kw)
    return RequestRecord(**base)


def test_exit_summary_says_the_basis():
    with Ledger() as lg:
        lg.record(rec())
        text = capture(summary.render_summary("b1", duration_s=9, ledger=lg))
    assert f"10.0% {WHOLE}" in text
    assert "not of the tool results alone" in text


def test_stats_text_and_json_say_the_basis(capsys):
    with Ledger() as lg:
        lg.record(rec())
    assert main(["stats"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.count(WHOLE) >= 2  # the current session and the history's total
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["current"]["tokens_saved"] == 4000 and data["headline"]["usd"] > 0  # names scripts read stay
    for field in ("saved_pct", "tokens_saved", "provider_tokens_saved", "usd_saved", "duration_s"):
        assert data["basis"][field], field
    assert "whole requests" in data["basis"]["saved_pct"]


def test_dashboard_says_the_basis():
    import os

    registry.register("b1", pid=os.getpid(), port=1, agent="claude", url="u")
    with Ledger() as lg:
        lg.record(rec())
        text = capture(dashboard.render(dashboard.collect(lg), clock=False), width=140)
    assert f"10.0% {WHOLE}" in text


def test_statusline_says_the_basis(monkeypatch):
    with Ledger() as lg:
        lg.record(rec("sl"))
    monkeypatch.setenv("HEADROOM_SESSION_ID", "sl")
    line = statusline.statusline(io.StringIO(""))
    assert "requests 10% smaller" in line


def test_perf_says_the_basis(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["perf"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "share of each whole corpus request" in out and "tool output" in out
    assert main(["perf", "--json"]) == 0
    assert "whole corpus request" in json.loads(capsys.readouterr().out)["basis"]


def test_readme_leads_with_what_a_real_session_gets():
    text = README.read_text(encoding="utf-8")
    intro = text[:text.index("## Install and run")]
    real = re.search(r"whole request", intro)
    assert real, "the introduction states the whole-request saving of real sessions"
    for figure in ("11.4 %", "6.2 %"):  # issue 13: Claude Code and Codex through `headroom proxy`
        assert figure in intro
    corpus = text.index("89.3 %")
    assert real.start() < corpus
    row = next(ln for ln in text.splitlines() if "89.3 %" in ln and ln.startswith("|"))
    assert "tool-result tokens" in row


def test_mcp_stats_says_the_basis(tmp_path):
    from headroom_cli.ccr.store import Store
    from headroom_cli.mcp import tools

    with Ledger() as lg:
        lg.record(rec("m1"))
    out = json.loads(tools.call_tool("headroom_stats", {"session_id": "m1"},
                                     tools.ToolContext(store=Store(tmp_path / "o.sqlite3"))).text)
    assert out["session"]["saved_pct"] == 10.0
    assert "whole requests" in out["basis"]["saved_pct"]
