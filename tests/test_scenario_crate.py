"""benchmarks/scenario_crate.py builds a real Rust workspace: the crate compiles with real warnings, its binary
really ran over the generated batches (a log with backorders and a panic's backtrace, a JSON stock report), three
of its tests really fail, and every needle is in the output of one of the scenario's own commands. Needs cargo
(skipped without it); offline, nothing is downloaded."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_crate as sc  # noqa: E402

pytestmark = pytest.mark.skipif(sc.CARGO_BIN is None, reason="cargo not installed (~/.cargo/bin, /usr/local/cargo/bin)")


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return sc.build(tmp_path_factory.mktemp("scen"))


def run(proj: Path, cmd: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.pathsep.join(sc.TOOL_PATH + ["/usr/bin", "/bin"]), "HOME": str(proj.parent),
           "CARGO_NET_OFFLINE": "true"}
    return subprocess.run(cmd, shell=True, cwd=proj, env=env, capture_output=True, text=True, timeout=600)


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["crate"] is sc
    assert 13 <= len(sc.commands("{py}")) <= 16


def test_the_history_has_the_bad_commit(proj):
    log = run(proj, "git log --format=%s").stdout.splitlines()
    assert len(log) == 6 and log[1].startswith("ledger: shipments go through Item::can_ship")
    assert "+" + sc.BUG_LINE in run(proj, "git show HEAD~1").stdout
    assert "+" + sc.BUG_LINE not in run(proj, "git show HEAD").stdout
    assert run(proj, "git status --porcelain").stdout == ""  # target/, logs/, reports/, batches ignored


def test_it_builds_with_real_warnings(proj):
    out = run(proj, "cargo build 2>&1").stdout
    assert "warning: unused variable: `started`" in out
    assert "warning: function `pad_left` is never used" in out


def test_the_binary_ran_and_logged_real_errors(proj):
    log = (proj / "logs" / "stockledger.log").read_text()
    assert log.count("panicked at src/ledger.rs:") == 1 and "attempt to divide by zero" in log
    assert "stack backtrace:" in log and "stockledger::ledger::Ledger::apply" in log
    assert f"batch-{sc.PANIC_BATCH:04d}.csv: batch dropped, it panicked" in log
    assert log.count(" ERROR stockledger::batch] ") >= 50 and log.count(" WARN  stockledger::") >= 50
    report = json.loads((proj / "reports" / "stock.json").read_text())
    assert report["batches"] == 240 and report["batches_failed"] == [f"batch-{sc.PANIC_BATCH:04d}.csv"]
    assert len(report["items"]) == 300
    assert [i["description"] for i in report["items"]].count(sc.ASKED) == 1


def test_three_tests_fail_for_real(proj):
    r = run(proj, "cargo test --no-fail-fast 2>&1")
    assert r.returncode != 0
    out = r.stdout
    assert "test result: FAILED. 29 passed; 1 failed" in out
    assert "test result: FAILED. 5 passed; 1 failed" in out
    assert "test result: FAILED. 2 passed; 1 failed" in out
    assert "error: 3 targets failed:" in out


def test_every_needle_is_in_a_command_output(proj):
    outs = [(lambda r: r.stdout + r.stderr)(run(proj, c)) for c in sc.commands("{py}")]
    for n in sc.needles(proj):
        assert any(n["text"] in o for o in outs), n
