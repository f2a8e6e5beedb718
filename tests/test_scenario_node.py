"""benchmarks/scenario_node.py builds a real Node.js workspace: its service really ran (a log with stack traces, a
/stats report), its tests really fail, and every needle is in the output of one of the scenario's own commands.
Needs the node binary capture_sessions.py gives the agents (skipped without it). Loopback only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_node as sn  # noqa: E402

pytestmark = pytest.mark.skipif(not (sn.NODE_BIN / "node").exists(), reason="node not installed under /work/tools")


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return sn.build(tmp_path_factory.mktemp("scen"))


def run(proj: Path, cmd: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.pathsep.join([str(sn.NODE_BIN), "/usr/bin", "/bin"]), "HOME": str(proj)}
    return subprocess.run(cmd, shell=True, cwd=proj, env=env, capture_output=True, text=True, timeout=300)


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["node"] is sn
    assert 13 <= len(sn.commands("{py}")) <= 16


def test_the_history_has_the_bad_commit(proj):
    log = run(proj, "git log --format=%s").stdout.splitlines()
    assert len(log) == 5 and log[1].startswith("pricing: coupons expire")
    assert "+" + sn.BUG_LINE in run(proj, "git show HEAD~1").stdout
    assert "+" + sn.BUG_LINE not in run(proj, "git show HEAD").stdout


def test_the_service_ran_and_logged_real_errors(proj):
    log = (proj / "logs" / "server.log").read_text()
    assert "listening on http://127.0.0.1:" in log and "SIGTERM: closing after" in log
    assert log.count("TypeError: Cannot read properties of undefined (reading 'expiresAt')") >= 5
    assert f"    at findCoupon (file://{proj}/src/pricing.js:" in log
    stats = json.loads((proj / "reports" / "stats.json").read_text())
    orders = stats["routes"]["POST /orders"]
    assert sum(orders["status"].values()) == orders["count"] >= 200
    assert {"201", "400", "409", "500"} <= set(orders["status"])
    assert sum(r["count"] for r in stats["routes"].values()) >= 300
    assert [s["name"] for s in stats["skus"]].count(sn.ASKED_NAME) == 1


def test_two_tests_fail_for_real(proj):
    r = run(proj, "node --test")
    assert r.returncode == 1
    assert "ℹ fail 2" in r.stdout and "ℹ pass 22" in r.stdout


def test_every_needle_is_in_a_command_output(proj):
    outs = [(lambda r: r.stdout + r.stderr)(run(proj, c)) for c in sn.commands("{py}")]
    for n in sn.needles(proj):
        assert any(n["text"] in o for o in outs), n
