"""benchmarks/scenario_jvm.py builds a real Java workspace with the JDK's own tools: javac (with real -Xlint
warnings), jar and Debian's JUnit 4; its replay really ran over the generated order files (a java.util.logging log
with repeated stack traces and Caused by: chains, a JSON report), three JUnit tests really fail, the soak run's G1
log ends in full collections, the status server really deadlocks (jstack finds it), and every needle is in the
output of one of the scenario's own commands. Opt-in: set HEADROOM_SCENARIO_JVM=1 (the build compiles and runs
several JVMs); skipped without java, javac or /usr/share/java/junit4.jar. Nothing is downloaded, loopback only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_jvm as sj  # noqa: E402

SKIP = ("opt-in (HEADROOM_SCENARIO_JVM=1): builds a Java workspace and runs several JVMs"
        if not os.environ.get("HEADROOM_SCENARIO_JVM") else
        "java or javac not installed" if sj.JAVA is None or sj.JAVAC is None else
        "Debian's junit4 not installed (/usr/share/java/junit4.jar)" if not sj.JUNIT.exists() else "")
pytestmark = pytest.mark.skipif(bool(SKIP), reason=SKIP)


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return sj.build(tmp_path_factory.mktemp("scen"))


def run(proj: Path, cmd: str) -> str:
    r = subprocess.run(cmd, shell=True, cwd=proj, capture_output=True, text=True, timeout=600,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(proj.parent)})
    return r.stdout + r.stderr


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["jvm"] is sj
    assert 13 <= len(sj.commands("{py}")) <= 16


def test_the_history_has_the_bad_commit(proj):
    log = run(proj, "git log --format=%s").splitlines()
    assert len(log) == 6 and log[1].startswith("service: the sweeper streams")
    assert "+" + sj.BUG_LINE in run(proj, "git show HEAD~1")
    assert "-" + sj.GOOD_LINE in run(proj, "git show HEAD~1")
    assert run(proj, "git status --porcelain") == ""  # build/, logs/, reports/ and data/orders/ are ignored


def test_the_replay_logged_and_reported(proj):
    log = (proj / "logs" / "depot.log").read_text()
    assert log.count(" SEVERE ") >= 50 and log.count("(its hold expired)") >= 50
    assert log.count(": file abandoned") == 1 and "Caused by: java.lang.NumberFormatException" in log
    report = json.loads((proj / "reports" / "stock.json").read_text())
    assert report["abandoned_files"] == [f"orders-{sj.ABANDONED:04d}.csv"] and report["files"] == sj.FILES
    assert [i["description"] for i in report["skus"]].count(sj.ASKED) == 1 and len(report["skus"]) == 300


def test_tests_fail_and_the_tools_report(proj):
    tests = run(proj, "make test 2>&1")
    assert "Tests run: 35,  Failures: 3" in tests and "Caused by: " in tests
    lint = run(proj, sj.commands("{py}")[2])
    assert lint.count(": warning: ") >= 40 and "[fallthrough]" in lint
    assert "Found one Java-level deadlock" in run(proj, "sh tools/threaddump.sh")
    assert "Pause Full (G1 Compaction Pause)" in (proj / "logs" / "gc.log").read_text()
    assert "java.lang.OutOfMemoryError: Java heap space" in (proj / "logs" / "soak.out").read_text()


def test_every_needle_is_in_a_command_output(proj):
    outs = [run(proj, c) for c in sj.commands("{py}")]
    for n in sj.needles(proj):
        assert any(n["text"] in o for o in outs), n
