"""benchmarks/replay_sessions.py end to end on a hand-made session: its bodies go through a real in-process
proxy to the fake provider, and the report says what was forwarded (o200k counts, the needle one retrieval
away or verbatim, re-sent items forwarded unchanged)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import o200k  # noqa: E402
import replay_sessions as rs  # noqa: E402

NEEDLE = "ERROR worker-3 batch 417 failed: connection reset by peer (upstream db-7)"


def log() -> str:
    lines = [f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9} ms"
             for i in range(600)]
    lines.insert(417, "2026-12-01T10:06:57Z " + NEEDLE)
    return "\n".join(lines)


def session() -> list[dict]:
    sysb = [{"type": "text", "text": "You are a coding agent."}]
    tools = [{"name": "Bash", "description": "run a command", "input_schema": {"type": "object"}}]
    m = [{"role": "user", "content": [{"type": "text", "text": "why did batch 417 fail?"}]}]
    bodies = [{"model": "claude-x", "max_tokens": 4096, "stream": True, "system": sysb, "tools": tools,
               "messages": list(m)}]
    m += [{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                             "input": {"command": "cat /var/log/worker.log"}}]},
          {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": log()}]}]
    bodies.append({**bodies[0], "messages": list(m)})
    m += [{"role": "assistant", "content": [{"type": "text", "text": "A connection reset."}]},
          {"role": "user", "content": [{"type": "text", "text": "thanks"}]}]
    bodies.append({**bodies[0], "messages": list(m)})
    return bodies


def test_a_session_replays_through_the_proxy_and_is_measured(tmp_path, monkeypatch):
    monkeypatch.setenv("HEADROOM_HOME", str(tmp_path / "home"))
    f = tmp_path / "s.jsonl"
    f.write_text("\n".join(json.dumps(b) for b in session()) + "\n")
    (tmp_path / "s.needles.json").write_text(json.dumps({"needles": [NEEDLE, {"text": "never said"}]}))
    r = rs.measure(f)
    assert r["protocol"] == "anthropic" and r["requests"] == 3
    assert r["tokens_before"] == sum(o200k.count(line) for line in f.read_text().splitlines())
    # the log is compressed: far fewer tokens, the needle kept (verbatim or behind a marker)
    assert r["tool_tokens"]["count"]["output"] == 1
    assert r["nonread_saved"] > 0.5
    assert r["tokens_after"] < r["tokens_before"] and r["billed_after"] < r["billed_before"]
    assert r["needles"] == {NEEDLE: r["needles"][NEEDLE], "never said": "absent"}
    assert r["needles"][NEEDLE] in ("verbatim", "retrieval")
    assert r["reforward_checked"] > 0 and r["reforward_changed"] == []


def test_o200k_counts_are_tiktoken_o200k():
    # o200k splits differently from cl100k: a known o200k tokenisation, checked by ids
    enc = o200k.encoding()
    assert enc.encode("hello world") == [24912, 2375]
    assert o200k.count("hello world") == 2
