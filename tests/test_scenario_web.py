"""benchmarks/scenario_web.py builds a real TypeScript workspace: its toolchain (typescript, vitest, eslint, vite)
is installed from the npm registry (cached), its API really ran (a JSON-lines log with stack traces, a JSON
report), three vitest tests fail for real, tsc and eslint report real problems, and every needle is in the output of
one of the scenario's own commands. Opt-in: set HEADROOM_SCENARIO_WEB=1 (the first build downloads the toolchain);
skipped without node 24 under /work/tools or when the registry cannot be reached. Loopback and the registry only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import scenario_web as sw  # noqa: E402

SKIP = ("opt-in (HEADROOM_SCENARIO_WEB=1): builds a workspace with npm-installed tools"
        if not os.environ.get("HEADROOM_SCENARIO_WEB") else
        "node 24 not installed under /work/tools" if not (sw.NODE_BIN / "node").exists() else
        "npm not found" if sw.NPM is None else "")
toolchain = pytest.mark.skipif(bool(SKIP), reason=SKIP)


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    if not sw.cached():
        try:
            subprocess.run([sw.NPM, "ping"], check=True, capture_output=True, timeout=60,
                           env={**os.environ, "PATH": os.pathsep.join([str(sw.NODE_BIN), "/usr/bin", "/bin"])})
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            pytest.skip(f"the npm registry cannot be reached to install the toolchain: {e}")
    try:
        return sw.build(tmp_path_factory.mktemp("scen"))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"the toolchain could not be installed from the npm registry: {e}")


def run(proj: Path, cmd: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.pathsep.join([str(sw.NODE_BIN), "/usr/bin", "/bin"]), "HOME": str(proj)}
    return subprocess.run(cmd, shell=True, cwd=proj, env=env, capture_output=True, text=True, timeout=600)


def test_registered_and_sized_like_a_session():
    assert cs.SCENARIOS["web"] is sw
    assert 13 <= len(sw.commands("{py}")) <= 16


@toolchain
def test_the_history_has_the_bad_commit(proj):
    log = run(proj, "git log --format=%s").stdout.splitlines()
    assert len(log) == 7 and log[1].startswith("dates: take due dates as timestamps")
    assert "+" + sw.BUG_LINE in run(proj, "git show HEAD~1").stdout
    assert "+" + sw.BUG_LINE not in run(proj, "git show HEAD").stdout
    assert run(proj, "git status --porcelain").stdout == ""


@toolchain
def test_the_api_ran_and_logged_real_errors(proj):
    lines = [json.loads(ln) for ln in (proj / "logs" / "api.log").read_text().splitlines()]
    assert len(lines) >= 500 and "taskboard listening on http://127.0.0.1:" in lines[0]["msg"]
    assert lines[-1]["msg"] == "SIGTERM: closing"
    failed = [r for r in lines if r["level"] == 50]
    assert len(failed) >= 5 and {r["err"]["message"] for r in failed} == {"Invalid time value"}
    assert f"at isoDay (file://{proj}/src/domain/dates.ts:" in failed[0]["err"]["stack"]
    assert sum(r["level"] == 40 for r in lines) >= 30
    report = json.loads((proj / "reports" / "tasks.json").read_text())
    assert len(report["items"]) >= 200 and report["served"] >= 500
    assert [r["title"] for r in report["items"]].count(sw.ASKED_TITLE) == 1


@toolchain
def test_three_tests_fail_for_real_and_the_checkers_complain(proj):
    r = run(proj, "npx vitest run 2>&1")
    assert r.returncode == 1 and "Tests  3 failed | 41 passed (44)" in r.stdout
    tsc = run(proj, "npx tsc --noEmit 2>&1")
    assert tsc.returncode == 2 and tsc.stdout.count(": error TS") == 3
    lint = run(proj, "npx eslint src tests 2>&1")
    assert lint.returncode == 1 and "(4 errors, 2 warnings)" in lint.stdout
    assert "✓ built in" in run(proj, "npx vite build 2>&1").stdout


@toolchain
def test_every_needle_is_in_a_command_output(proj):
    outs = [(lambda r: r.stdout + r.stderr)(run(proj, c)) for c in sw.commands("{py}")]
    for n in sw.needles(proj):
        assert any(n["text"] in o for o in outs), n

