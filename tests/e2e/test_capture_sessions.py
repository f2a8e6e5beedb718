"""Opt-in (HEADROOM_E2E=1 and the agent's binary on PATH or in /work/tools): one short scripted scenario of
benchmarks/capture_sessions.py run for real through `headroom wrap` (both ways: --no-compress and compressed), then
measured by benchmarks/replay_sessions.py. Loopback only: the scripted fake provider is the upstream."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import capture_sessions as cs  # noqa: E402
import replay_sessions as rs  # noqa: E402

pytestmark = pytest.mark.e2e

LOG = ("for i in $(seq 1 500); do echo \"2026-12-01T10:$((i/60%60)):$((i%60))Z INFO worker-$((i%4)) "
       "processed batch $i\"; done; echo '2026-12-01T10:09:00Z ERROR worker-2 batch 777 failed: peer reset'; "
       "for i in $(seq 501 700); do echo \"2026-12-01T10:10:$((i%60))Z INFO worker-$((i%4)) processed batch $i\"; "
       "done")
NEEDLE = "ERROR worker-2 batch 777 failed: peer reset"


def need(agent: str) -> None:
    if os.environ.get("HEADROOM_E2E") != "1":
        pytest.skip("set HEADROOM_E2E=1 to run real agents")
    if not shutil.which(agent, path=os.pathsep.join(cs.AGENT_PATH + [os.environ.get("PATH", "")])):
        pytest.skip(f"{agent} not on PATH")


def steps(agent: str):
    if agent == "claude":
        return [lambda c: ("Listing.", "Bash", {"command": "ls -la", "description": "list"}),
                lambda c: ("The log.", "Bash", {"command": LOG, "description": "print the log"}),
                lambda c: ("Reading it.", "Read", {"file_path": str(c.cwd / "src/acme/report.py")})]
    return [lambda c: ("", "exec_command", {"cmd": "ls -la"}),
            lambda c: ("", "exec_command", {"cmd": LOG})]


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_a_short_scenario_is_captured_through_wrap_and_measured(agent, tmp_path, monkeypatch):
    need(agent)
    extra = ["-m", "gpt-5.1-codex"] if agent == "codex" else []
    runs = {mode: cs.capture(agent, mode, tmp_path, steps=steps(agent), prompt="why did batch 777 fail?",
                             name=f"{agent}-{mode}", extra=extra, timeout=300)
            for mode in ("plain", "compressed")}
    for r in runs.values():
        assert r["exit"] == 0, r
        assert r["main_requests"] == len(steps(agent)) + 1 and r["steps_answered"] == len(steps(agent))
    plain = tmp_path / f"{agent}-plain.jsonl"
    text = plain.read_text()
    assert NEEDLE in text and "total " in text  # the agent really ran the commands
    (tmp_path / f"{agent}-plain.needles.json").write_text(f'{{"needles": ["{NEEDLE}"]}}')
    monkeypatch.setenv("HEADROOM_HOME", str(tmp_path / "replay-home"))
    r = rs.measure(plain)
    assert r["tokens_after"] < r["tokens_before"] and r["nonread_saved"] > 0.3
    assert r["needles"][NEEDLE] in ("verbatim", "retrieval") and r["reforward_changed"] == []
    pair = rs.measure_pair(plain, tmp_path / f"{agent}-compressed.jsonl")
    assert pair["tokens_after"] < pair["tokens_before"]
    assert pair["needles"][NEEDLE] in ("verbatim", "retrieval")
