"""benchmarks/scenario_gosvc.py builds a real Go workspace (the standard library only, GOPROXY=off): its binary
really ran over the generated batches (a logfmt log with a repeated error and one hold, a JSON report), its
table-driven tests really fail, the race detector really reports the pool's data race, the quarantined batch
really panics, go vet and the bench build report real problems, and every needle is in the output of one of the
scenario's own commands. Opt-in: set HEADROOM_SCENARIO_GOSVC=1 (skipped without it or without go); nothing is
downloaded."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_gosvc as sg  # noqa: E402

SKIP = ("opt-in (HEADROOM_SCENARIO_GOSVC=1): builds a Go workspace and its race-instrumented test binaries"
        if not os.environ.get("HEADROOM_SCENARIO_GOSVC") else "go not installed" if sg.GO is None else "")
toolchain = pytest.mark.skipif(bool(SKIP), reason=SKIP)


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return sg.build(tmp_path_factory.mktemp("scen"))


def run(proj: Path, cmd: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(proj.parent / "home"), "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    return subprocess.run(cmd, shell=True, cwd=proj, env=env, capture_output=True, text=True, timeout=600)


def out(proj: Path, cmd: str) -> str:
    r = run(proj, cmd)
    return r.stdout + r.stderr


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["gosvc"] is sg
    assert 13 <= len(sg.commands("{py}")) <= 16


def test_the_earlier_versions_are_the_later_ones_without_the_change():
    assert "+" + sg.BUG_LINE not in sg.MONEY_GO_V1 and "math.Round" in sg.MONEY_GO_V1
    assert "Gross:" not in sg.LEDGER_TEST_GO_V1 and "Amount: g}" in sg.LEDGER_TEST_GO_V1


@toolchain
def test_the_history_has_the_bad_commit(proj):
    log = out(proj, "git log --format=%s").splitlines()
    assert len(log) == 7 and log[1].startswith("money: fees in integer basis points")
    assert "+" + sg.BUG_LINE in out(proj, "git show HEAD~1")
    assert "+" + sg.BUG_LINE not in out(proj, "git show HEAD")
    assert out(proj, "git status --porcelain") == ""  # bin/, logs/, reports/, data/batches/ ignored


@toolchain
def test_the_commit_before_passes_its_tests_and_builds_the_bench(proj, tmp_path):
    subprocess.run(["git", "clone", "-q", str(proj), str(tmp_path / "before")], check=True)
    subprocess.run(["git", "checkout", "-q", "HEAD~2"], cwd=tmp_path / "before", check=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(proj.parent / "home"), "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    for cmd in (["go", "test", "-count=1", "./..."], ["go", "build", "-tags", "bench", "-o", "/dev/null",
                                                       "./cmd/ledgerd"]):
        r = subprocess.run(cmd, cwd=tmp_path / "before", env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr


@toolchain
def test_the_binary_ran_and_logged_real_errors(proj):
    log = (proj / "logs" / "ledgerd.log").read_text()
    assert log.count('msg="batch totals do not match the acquirer trailer"') >= 200
    assert log.count('msg="payouts held by the acquirer"') == 1 and sg.HELD_REASON in log
    assert log.count('msg="batch has no trailer: totals not checked"') == 1
    report = json.loads((proj / "reports" / "settlement.json").read_text())
    assert report["batches"] == sg.BATCHES and len(report["merchants"]) == 300
    assert [m["name"] for m in report["merchants"]].count(sg.ASKED) == 1
    assert [m["status"] for m in report["merchants"]].count("held") == 1


@toolchain
def test_tests_fail_the_race_is_found_and_the_batch_panics(proj):
    tests = out(proj, "go test -count=1 -v ./... 2>&1")
    assert "--- FAIL: TestFee/19.99_at_250bp" in tests and "--- FAIL: TestSettlement/fees_round_half_up" in tests
    assert "--- PASS: TestParseRejects/three_decimals" in tests
    race = out(proj, "go test -count=1 -race ./internal/queue/ 2>&1")
    assert "WARNING: DATA RACE" in race and "race detected during execution of test" in race
    crash = run(proj, sg.CRASH_CMD)
    assert crash.returncode == 2 and "goroutine 1 [" in crash.stdout


@toolchain
def test_every_needle_is_in_a_command_output(proj):
    outs = [out(proj, c) for c in sg.commands("{py}")]
    for n in sg.needles(proj):
        assert any(n["text"] in o for o in outs), n
