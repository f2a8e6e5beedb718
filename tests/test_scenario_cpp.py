"""benchmarks/scenario_cpp.py builds a real C++ workspace with cmake: a debug and an ASan/UBSan build, its CLI
really ran over the generated sessions (a log with a repeated error, a JSON report), its tests really fail and
the sanitizer build reports a use-after-free, and every needle is in the output of one of the scenario's own
commands. Needs cmake and g++ (skipped without them); nothing is downloaded."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_cpp as sp  # noqa: E402

pytestmark = pytest.mark.skipif(sp.CMAKE is None or sp.GXX is None, reason="cmake or g++ not installed")


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return sp.build(tmp_path_factory.mktemp("scen"))


def run(proj: Path, cmd: str) -> str:
    r = subprocess.run(cmd, shell=True, cwd=proj, capture_output=True, text=True, timeout=600,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(proj.parent)})
    return r.stdout + r.stderr


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["cpp"] is sp
    assert 13 <= len(sp.commands("{py}")) <= 16


def test_the_history_has_the_bad_commit(proj):
    assert "+" + sp.BUG_LINE in run(proj, "git show HEAD~1")
    assert "+" + sp.BUG_LINE not in run(proj, "git show HEAD")
    assert run(proj, "git status --porcelain") == ""


def test_the_run_logged_and_reported(proj):
    log = (proj / "logs" / "tickbook.log").read_text()
    assert log.count(" ERROR ") >= 50 and " locked after order " in log
    items = json.loads((proj / "reports" / "book.json").read_text())["instruments"]
    assert len(items) == sp.SESSIONS and [i["description"] for i in items].count(sp.ASKED) == 1


def test_tests_fail_and_the_sanitizer_reports(proj):
    assert "tests failed out of" in run(proj, "ctest --test-dir build --output-on-failure 2>&1")
    assert "heap-use-after-free" in run(proj, "./build-asan/tickbook_tests 2>&1")


def test_every_needle_is_in_a_command_output(proj):
    outs = [run(proj, c) for c in sp.commands("{py}")]
    for n in sp.needles(proj):
        assert any(n["text"] in o for o in outs), n
