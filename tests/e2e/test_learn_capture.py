"""Opt-in (HEADROOM_E2E=1, claude and codex on PATH or in /work/tools): the four sessions of
benchmarks/capture_learn.py recorded for real (the agents run every command; the scripted fake provider on loopback
makes the mistakes), then `headroom learn` on their transcripts: every planted lesson once, recurring first, nothing
from the failures nobody corrected."""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import capture_learn as cl  # noqa: E402
import capture_sessions as cs  # noqa: E402

pytestmark = pytest.mark.e2e

KEYS = {"missing_tool|helm": 3, "path|src/orders|orders": 3, "cwd|npm|web": 2, "env|module:billing|pythonpath=lib": 2,
        "flag_swap|git|--stats|--stat": 2, "path|deploy/kubernetes|deploy/k8s": 1}
VARIANT = {"path|tests/unit|tests": 3, "cwd|node test.js|web": 2, "env|module:billing|pythonpath=lib": 2,
           "missing_tool|kustomize": 2, "missing_tool|tree": 2, "flag_swap|git|--shortt|--short": 1}


@pytest.mark.parametrize("variant", [False, True])
def test_recorded_sessions_teach_each_lesson_once(tmp_path, monkeypatch, capsys, variant):
    if os.environ.get("HEADROOM_E2E") != "1":
        pytest.skip("set HEADROOM_E2E=1 to run real agents")
    path = os.pathsep.join(cs.AGENT_PATH + [os.environ.get("PATH", "")])
    for agent in ("claude", "codex"):
        if not shutil.which(agent, path=path):
            pytest.skip(f"{agent} not on PATH")
    assert cl.main(["--out", str(tmp_path)] + (["--variant"] if variant else [])) == 0
    capsys.readouterr()
    keys = VARIANT if variant else KEYS
    assert len(json.loads((tmp_path / "expected.json").read_text())["lessons"]) == len(keys) == 6
    monkeypatch.setenv("HEADROOM_HOME", str(tmp_path / "learn-home"))
    from headroom_cli.cli import main

    home = tmp_path / "home"
    code = main(["learn", "--project", str(tmp_path / "shipyard"), "--claude-home", str(home / ".claude"),
                 "--codex-home", str(home / ".codex"), "--all-failures", "--json"])
    assert code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert len(data["sessions"]) == (3 if variant else 4)
    got = {r["key"]: len(r["sessions"]) for r in data["rules"]}
    assert got == keys
    counts = [len(r["sessions"]) for r in data["rules"]]
    assert counts == sorted(counts, reverse=True)
    assert not any("unittest" in r["example"].get("failed", "") or "kubectl" in r["example"].get("failed", "")
                   for r in data["rules"])
