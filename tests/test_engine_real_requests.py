"""Opt-in: the walkers on real Claude Code / Codex request bodies (skipped when the fixtures are absent).

Each consecutive request re-sends the history: wherever the raw requests agree (ignoring where Claude Code put
its moving cache_control marker), the compressed requests must agree byte for byte, so the provider's prompt
cache keeps hitting.
"""
from __future__ import annotations

import json

import pytest
import real_fixtures

from headroom_cli.ccr.store import retrieve
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.protocols import sites

CASES = [("claude-code-2.1.330.jsonl", "anthropic", "messages"), ("codex-0.169.0.jsonl", "openai_responses", "input")]


def load(name):
    f = real_fixtures.path(name)
    return [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def strip_cc(o):
    if isinstance(o, dict):
        return {k: strip_cc(v) for k, v in o.items() if k != "cache_control"}
    if isinstance(o, list):
        return [strip_cc(v) for v in o]
    return o


def dumps(o) -> str:
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("name,protocol,field", CASES)
@pytest.mark.parametrize("shared_memo", [False, True])
def test_history_reforwarded_byte_identical(name, protocol, field, shared_memo):
    pytest.importorskip("headroom_cli.compress.router")
    bodies = load(name)
    memo = Memo()
    outs = []
    for body in bodies:
        r = compress_request(body, protocol, CompressConfig(memo=memo if shared_memo else Memo()))
        outs.append(r)
        for k in r.keys:
            assert retrieve(k)
    assert any(r.changed for r in outs), "nothing compressed: the test would be vacuous"
    for prev_raw, cur_raw, prev, cur in zip(bodies, bodies[1:], outs, outs[1:]):
        a_raw, b_raw = strip_cc(prev_raw[field]), strip_cc(cur_raw[field])
        a, b = strip_cc(prev.body[field]), strip_cc(cur.body[field])
        for i in range(len(a_raw)):
            if dumps(a_raw[i]) == dumps(b_raw[i]):
                assert dumps(a[i]) == dumps(b[i]), f"{name}: item {i} compressed differently on the next turn"
        for k in prev_raw:
            if k != field:
                assert prev.body[k] is prev_raw[k]  # system, tools, … untouched (same objects)


@pytest.mark.parametrize("name,protocol,field", CASES)
def test_real_shapes_sites_and_protection(name, protocol, field):
    bodies = load(name)
    last = bodies[-1]
    found = sites(last, protocol)
    assert len(found) == 7  # one per tool call in the session
    assert all(s.tool_name for s in found) and all(s.command for s in found)
    assert all("Find where the user data directory" in s.preceding_text for s in found)
    r = compress_request(last, protocol, CompressConfig(memo=Memo(), compressor=lambda t, c: None))
    assert r.skipped.get("protected") == 1  # `cat unix.py`: a source read stays exact
    if protocol == "openai_responses":
        assert all(s.prefix.startswith("Chunk ID: ") and s.prefix.endswith("Output:\n") for s in found)
