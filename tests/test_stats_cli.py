"""`headroom stats`, the exit summary (snapshot) and `headroom statusline`."""
from __future__ import annotations

import io
import json
import os
import time

import pytest
from rich.console import Console

from headroom_cli.cli import main
from headroom_cli.stats import registry, statusline, summary
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.prices import PriceTable
from headroom_cli.stats.records import RequestRecord, Usage
from headroom_cli.stats.report import build_report

PRICES = PriceTable({"claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}}, {})


def rec(session="s1", i=0, **kw):
    base = dict(session_id=session, agent="claude", protocol="anthropic", path="/v1/messages",
                model="claude-sonnet-4-5-20250929", status=200, streamed=True, tokens_before=40_000 + 2000 * i,
                tokens_after=16_000 + 1000 * i, encoding="cl100k_base",
                usage=Usage(1200, 14_000 + 900 * i, 800, 250), compressors={"log": 2, "json": 1},
                ts=time.time() - 100 + i)
    base.update(kw)
    return RequestRecord(**base)


def capture(renderable, width=90) -> str:
    con = Console(record=True, width=width, color_system=None, file=io.StringIO())
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.export_text().splitlines())


SUMMARY_SNAPSHOT = """\
headroom · claude · s1
Requests                      3
Tokens before → after         126.0k → 51.0k, 75.0k saved
Saved                         59.5% of the whole requests  (ratio 0.40)
Estimated input cost avoided  $0.05
Provider-billed cost          $0.04 (without headroom ≈ $0.09)
Cache-read share              88% of billed input
Retrievals                    2
Latency added                 4.0 ms per request (avg)
Compressors                   log ×6, json ×3
Duration                      12m 05s
Saved = tokens compression removed, as a share of the whole requests the agent sent
(system prompt, tools, history, messages and tool results; cl100k, counted offline), not
of the tool results alone.
Estimated input cost avoided = tokens removed by compression × the price each would have
been billed at (uncached input, cache write or cache read, in the request's own mix; never
more tokens than were removed, nothing for failed requests)."""


def test_summary_snapshot():
    with Ledger() as lg:
        for i in range(3):
            lg.record(rec(i=i, retrievals=1 if i else 0, latency_added_ms=3.0 + i))
        text = capture(summary.render_summary("s1", duration_s=725, ledger=lg, prices=PRICES))
    if os.environ.get("HEADROOM_UPDATE_SNAPSHOTS"):
        print(text)
    assert text == SUMMARY_SNAPSHOT


def test_summary_of_a_session_without_requests():
    text = capture(summary.render_summary("nothing", duration_s=3, ledger=Ledger(), prices=PRICES))
    assert "No requests went through the proxy" in text and "3s" in text


def test_stats_empty_ledger_is_friendly(capsys):
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "No requests recorded yet" in out and "headroom wrap" in out


def test_stats_json_structure(capsys):
    with Ledger() as lg:
        lg.record(rec("old", 0, agent="aider", ts=time.time() - 10 * 86400))
        lg.record(rec("s1", 1))
        lg.record(rec("s1", 2))
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"empty", "headline", "current", "running_sessions", "history", "prices", "encoding_note"}
    assert data["empty"] is False
    assert data["headline"]["label"] == "Estimated input cost avoided" and data["headline"]["usd"] > 0
    cur = data["current"]
    assert cur["session_id"] == "s1" and cur["requests"] == 2 and cur["running"] is False
    for k in ("tokens_before", "tokens_after", "tokens_saved", "saved_pct", "usd_saved", "usd_spent",
              "cache_read_share", "retrievals", "compressors", "models", "compression_ratio"):
        assert k in cur
    assert data["history"]["by"] == "day" and data["history"]["totals"]["requests"] == 3
    assert sum(r["requests"] for r in data["history"]["rows"]) == 3
    assert data["prices"]["as_of"]


def test_stats_since_and_by_agent(capsys):
    with Ledger() as lg:
        lg.record(rec("old", 0, agent="aider", ts=time.time() - 10 * 86400))
        lg.record(rec("s1", 1))
    assert main(["stats", "--json", "--since", "7d", "--by", "agent"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["key"] for r in data["history"]["rows"]] == ["claude"]
    assert data["history"]["totals"]["requests"] == 1


def test_stats_current_is_the_running_session(capsys):
    with Ledger() as lg:
        lg.record(rec("running1", 0))
        lg.record(rec("later-but-ended", 1))
    registry.register("running1", pid=os.getpid(), port=1234, agent="claude", url="http://127.0.0.1:1234")
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["current"]["session_id"] == "running1" and data["current"]["running"] is True
    assert data["running_sessions"][0]["port"] == 1234
    assert main(["stats", "--json", "--session", "later-but-ended"]) == 0
    assert json.loads(capsys.readouterr().out)["current"]["session_id"] == "later-but-ended"


def test_stats_text_output(capsys):
    with Ledger() as lg:
        lg.record(rec("s1", 0))
    assert main(["stats", "--by", "kind"]) == 0
    out = capsys.readouterr().out
    assert "Current session" in out and "History by kind" in out and "Estimated input cost avoided" in out
    assert "log" in out


def test_stats_bad_grouping_is_a_usage_error(capsys):
    with Ledger() as lg:
        lg.record(rec())
    assert main(["stats", "--by", "colour"]) == 2
    assert main(["stats", "--since", "whenever"]) == 2


def test_report_money_matches_ledger():
    with Ledger() as lg:
        lg.record(rec("s1", 0))
        r = build_report(ledger=lg, prices=PRICES)
        assert r["headline"]["usd"] == pytest.approx(lg.totals(prices=PRICES)["usd_saved"])


# -- statusline -----------------------------------------------------------------------------------
def test_statusline_from_env_session_and_claude_json(monkeypatch):
    with Ledger() as lg:
        lg.record(rec("wrapped", 0))
    monkeypatch.setenv("HEADROOM_SESSION_ID", "wrapped")
    stdin = io.StringIO(json.dumps({"session_id": "claude-own-id", "model": {"display_name": "Sonnet 4.5"}}))
    line = statusline.statusline(stdin, prices=PRICES)
    assert line.startswith("Sonnet 4.5 │ headroom ▾ requests 60% smaller (24.0k tokens saved)")
    assert "1 req" in line and "avoided" in line and "\n" not in line


def test_statusline_picks_the_session_of_an_ancestor_process(monkeypatch):
    monkeypatch.delenv("HEADROOM_SESSION_ID", raising=False)
    registry.register("mine", pid=os.getppid(), port=1, agent="claude", url="u")
    time.sleep(0.01)
    registry.register("newer-unrelated", pid=os.getpid(), port=2, agent="codex", url="u")
    assert statusline.find_session() == "mine"


def test_statusline_without_sessions_or_requests(monkeypatch):
    monkeypatch.delenv("HEADROOM_SESSION_ID", raising=False)
    assert statusline.statusline(io.StringIO("")) == "headroom ▾ no running session"
    monkeypatch.setenv("HEADROOM_SESSION_ID", "fresh")
    assert statusline.statusline(io.StringIO("not json")) == "headroom ▾ waiting for the first request"


def test_statusline_command(monkeypatch, capsys):
    with Ledger() as lg:
        lg.record(rec("cmd", 0))
    monkeypatch.setenv("HEADROOM_SESSION_ID", "cmd")
    monkeypatch.setattr("sys.stdin", io.StringIO('{"model":{"display_name":"Opus"}}'))
    assert main(["statusline"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("Opus │ headroom ▾") and "24.0k tokens saved" in out
