"""`headroom perf` and headroom_cli.perf: rows per workload, honest needle counts, no user-store writes."""
import json

from headroom_cli import perf
from headroom_cli.ccr.store import default_store
from headroom_cli.cli import main
from headroom_cli.corpus import Workload, workload, workloads


def _log_workload(needles):
    lines = [f"2026-11-24T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 7} processed batch {i} in {i % 13} ms"
             for i in range(600)]
    lines[412] = "2026-11-24T10:06:52Z ERROR worker-3 lost lease on shard 17: ETIMEDOUT"
    body = {"model": "claude-x", "max_tokens": 100, "messages": [
        {"role": "user", "content": "why did the worker fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "\n".join(lines)}]},
    ]}
    return Workload("log", "anthropic", body, needles, "a log")


def test_rows_figures_and_needles():
    w = _log_workload(["lost lease on shard 17", "this string appears nowhere"])
    (row,) = perf.run([w])
    assert row.name == "log" and row.protocol == "anthropic"
    assert 0 < row.tokens_after < row.tokens_before
    assert row.saved_pct == round(100 * (row.tokens_before - row.tokens_after) / row.tokens_before, 1)
    assert row.needles_total == 2
    assert row.needles_kept == 1  # the error survives; the absent needle is not counted as kept
    assert row.needles_reachable == 1
    assert row.latency_ms > 0 and row.blocks >= 1


def test_user_store_untouched_and_progress_reported():
    seen = []
    rows = perf.run([workload("json_api"), workload("pytest_log")],
                    on_progress=lambda name, done, total: seen.append((name, done, total)))
    assert [r.name for r in rows] == ["json_api", "pytest_log"]
    assert seen[0] == ("json_api", 0, 2) and seen[-1] == ("", 2, 2)
    assert default_store().list() == []


def test_totals():
    rows = perf.run([workload("git_diff"), workload("tables")])
    t = perf.totals(rows)
    assert t["tokens_before"] == sum(r.tokens_before for r in rows)
    assert t["needles_total"] == sum(len(workload(n).needles) for n in ("git_diff", "tables"))


def test_cli_json_whole_corpus(capsys):
    assert main(["perf", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in data["rows"]] == [w.name for w in workloads()]
    assert data["totals"]["tokens_after"] < data["totals"]["tokens_before"]
    assert data["encoding"]


def test_cli_table(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["perf"]) == 0
    out = capsys.readouterr().out
    for col in ("tokens before", "tokens after", "saved", "needles kept", "cold ms", "warm ms"):
        assert col in out
    assert "long_session" in out and "total" in out
