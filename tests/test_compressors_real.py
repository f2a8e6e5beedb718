"""Opt-in: the tool results of real Claude Code / Codex sessions (../shared/fixtures/real_requests),
skipped when the fixtures are absent. They are read in place, never copied into the repo."""
from __future__ import annotations

import json

import pytest
import real_fixtures

from headroom_cli.compress import markers, router
from headroom_cli.ccr.store import key_for
from headroom_cli.compress.base import Context

FILES = ["claude-code-2.1.330.jsonl", "codex-0.169.0.jsonl"]


def tool_results(name: str) -> list[tuple[str, str]]:
    """(tool input, tool result text) pairs of the last request of a session."""
    path = real_fixtures.path(name)
    body = json.loads(path.read_text().splitlines()[-1])
    calls: dict[str, str] = {}
    out = []
    for m in body.get("messages", []):
        if not isinstance(m.get("content"), list):
            continue
        for b in m["content"]:
            if b.get("type") == "tool_use":
                calls[b["id"]] = json.dumps(b["input"])
            elif b.get("type") == "tool_result":
                c = b["content"]
                text = c if isinstance(c, str) else "".join(x.get("text", "") for x in c)
                out.append((calls.get(b["tool_use_id"], ""), text))
    for it in body.get("input", []):
        if it.get("type") == "function_call":
            calls[it["call_id"]] = it["arguments"]
        elif it.get("type") == "function_call_output" and isinstance(it.get("output"), str):
            out.append((calls.get(it["call_id"], ""), it["output"]))
    return out


@pytest.mark.parametrize("name", FILES)
def test_real_tool_results(name):
    results = tool_results(name)
    assert len(results) >= 7
    before = after = 0
    for tool_input, text in results:
        ctx = Context(tool_input=tool_input, marker_tool="mcp__headroom__headroom_retrieve")
        res = router.compress_block(text, ctx)
        a = router.compress_block(text, ctx)
        assert (res and res.text) == (a and a.text)  # deterministic
        before += len(text)
        after += len(res.text if res else text)
        if res is None:
            continue
        if res.lossy:
            assert markers.find_keys(res.text) == [key_for(text)]
            assert "mcp__headroom__headroom_retrieve" in res.text
        if "disk quota exceeded" in text:  # the worker log: its one ERROR survives
            assert "ERROR worker-2 batch 151 failed: disk quota exceeded on /var/lib/app (errno 122)" in res.text
        if '"item-36"' in text:  # the 120-record listing: records with status error survive, JSON stays JSON
            body = res.text.split("Output:\n", 1)[-1]
            doc = json.loads(body)
            names = [r["name"] for r in doc if isinstance(r, dict)]
            assert {"item-0", "item-37", "item-74", "item-111"} <= set(names)
    assert (before - after) / before >= 0.5
