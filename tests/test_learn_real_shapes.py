"""Opt-in: the readers on message shapes real agents sent (../shared/fixtures/real_requests).

Transcripts store the same message/item objects the agents send to their provider, so each real
request's history, written out as transcript lines, must read back with every call answered.
"""
from __future__ import annotations

import json

import pytest
import real_fixtures

from headroom_cli.learn import readers
from headroom_cli.learn.mining import call_outcome, mine



def _last_body(name: str) -> dict:
    f = real_fixtures.path(name)
    return json.loads(f.read_text(encoding="utf-8").splitlines()[-1])


def test_claude_code_history_reads_back(tmp_path):
    body = _last_body("claude-code-2.1.330.jsonl")
    lines = []
    for i, m in enumerate(body["messages"]):
        kind = m.get("role") if m.get("role") in ("user", "assistant") else "system"
        lines.append(json.dumps({"type": kind, "uuid": f"u{i}", "sessionId": "real", "cwd": "/home/dev/platformdirs",
                                 "timestamp": f"2026-11-23T21:30:{i:02d}.000Z", "message": m}))
    f = tmp_path / "real.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = readers.read_claude_transcript(f)
    uses = [b for m in body["messages"] if m.get("role") == "assistant" and isinstance(m.get("content"), list)
            for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
    assert len(uses) >= 5 and len(s.tool_calls) == len(uses)
    assert all(c.answered and call_outcome(c) == "ok" for c in s.tool_calls)
    assert [c.command for c in s.tool_calls if c.tool == readers.SHELL][:1] == [uses[0]["input"]["command"]]
    assert s.user_messages and not any(u.text.startswith("<system-reminder>") for u in s.user_messages)
    assert mine([s]) == []  # nothing failed in that session


def test_codex_history_reads_back(tmp_path):
    body = _last_body("codex-0.169.0.jsonl")
    lines = [json.dumps({"timestamp": "2026-11-23T21:30:00.000Z", "type": "session_meta",
                         "payload": {"id": "real", "cwd": "/home/dev/platformdirs"}})]
    lines += [json.dumps({"timestamp": f"2026-11-23T21:30:{i:02d}.000Z", "type": "response_item", "payload": it})
              for i, it in enumerate(body["input"])]
    f = tmp_path / "rollout-real.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = readers.read_codex_rollout(f)
    calls = [it for it in body["input"] if it.get("type") == "function_call"]
    assert len(calls) >= 5 and len(s.tool_calls) == len(calls)
    assert all(c.tool == readers.SHELL and c.exit_code == 0 and call_outcome(c) == "ok" for c in s.tool_calls)
    assert s.tool_calls[0].command == json.loads(calls[0]["arguments"])["cmd"]
    assert not s.tool_calls[0].output.startswith("Chunk ID")
    texts = [u.text for u in s.user_messages]
    assert any("Find where the user data directory" in t for t in texts)
    assert not any(t.startswith(("<environment_context>", "<skills_instructions>")) for t in texts)
