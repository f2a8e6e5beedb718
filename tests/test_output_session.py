"""A simulated 20-turn session per protocol, shaped every turn the way the proxy will call us.

Each turn the client re-sends its history, appends the model's tool call and the tool result, and (on
Anthropic) moves its `cache_control` breakpoint to the newest block. After shaping: the note is present
exactly once, byte-identical on every turn, and the prompt as the provider renders it on turn n is a
prefix of turn n+1's (cache_control aside, which the client itself moves) — so no cache read is lost.
"""
from __future__ import annotations

import copy
import json

import pytest
import real_fixtures

from headroom_cli.output.holdout import conversation_id
from headroom_cli.output.shaper import shape_request
from headroom_cli.output.terseness import NOTE_TAG, NOTES

TURNS = 20
LEVEL = 2


def dumps(x) -> str:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)


def strip_cc(x):
    if isinstance(x, dict):
        return {k: strip_cc(v) for k, v in x.items() if k != "cache_control"}
    if isinstance(x, list):
        return [strip_cc(v) for v in x]
    return x


def tool_output(t: int) -> str:
    return "\n".join(f"src/mod{t}.py:{i}: value = {i * t}" for i in range(30))


# --- client simulators: yield the body of each turn ------------------------------------------------

def anthropic_session(system):
    messages = [{"role": "user", "content": [{"type": "text", "text": "Find the bug.",
                                              "cache_control": {"type": "ephemeral"}}]}]
    for t in range(TURNS):
        body = {"model": "claude-x", "max_tokens": 4096, "stream": True,
                "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
                "messages": copy.deepcopy(messages)}
        if system is not None:
            body["system"] = copy.deepcopy(system)
        yield body
        for m in messages:  # one moving breakpoint, on the newest block
            if isinstance(m["content"], list):
                for b in m["content"]:
                    b.pop("cache_control", None)
        tid = f"toolu_{t}"
        messages.append({"role": "assistant", "content": [
            {"type": "text", "text": f"Step {t}."},
            {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": f"grep -n x src/mod{t}.py"}}]})
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid,
                                                      "content": tool_output(t),
                                                      "cache_control": {"type": "ephemeral"}}]})


def chat_session(first):
    messages = ([first] if first is not None else []) + [{"role": "user", "content": "Find the bug."}]
    for t in range(TURNS):
        yield {"model": "gpt-x", "stream": True, "messages": copy.deepcopy(messages)}
        cid = f"call_{t}"
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function", "function": {"name": "sh", "arguments": json.dumps({"cmd": f"cat {t}"})}}]})
        messages.append({"role": "tool", "tool_call_id": cid, "content": tool_output(t)})


def responses_session(instructions):
    items = [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Dev rules."}]},
             {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Find the bug."}]}]
    for t in range(TURNS):
        body = {"model": "gpt-x", "stream": True, "prompt_cache_key": "conv-1", "input": copy.deepcopy(items)}
        if instructions is not None:
            body["instructions"] = instructions
        yield body
        cid = f"call_{t}"
        items.append({"type": "function_call", "name": "exec", "arguments": "{}", "call_id": cid})
        items.append({"type": "function_call_output", "call_id": cid, "output": tool_output(t)})


# --- how the provider sees a prompt (prefix order: tools, system, messages) -------------------------

def render(body: dict, protocol: str) -> list[str]:
    parts = [dumps(strip_cc(t)) for t in body.get("tools") or []]
    if protocol == "anthropic":
        system = body.get("system")
        if isinstance(system, str):
            parts.append(system)
        elif isinstance(system, list):
            parts += [dumps(strip_cc(b)) for b in system]
        parts += [dumps(strip_cc(m)) for m in body["messages"]]
    elif protocol == "openai_chat":
        parts += [dumps(m) for m in body["messages"]]
    else:
        if body.get("instructions") is not None:
            parts.append(body["instructions"])
        parts += [dumps(i) for i in body["input"]]
    return parts


def note_bytes(body: dict, protocol: str) -> str:
    if protocol == "anthropic":
        return dumps(body["system"][-1])
    if protocol == "openai_chat":
        first = next(m for m in body["messages"] if m["role"] in ("system", "developer"))
        return dumps(first["content"])
    return body["instructions"]


CASES = [
    ("anthropic", lambda: anthropic_session([{"type": "text", "text": "Agent.", "cache_control": {"type": "ephemeral"}}])),
    ("anthropic", lambda: anthropic_session("A plain string system prompt.")),
    ("anthropic", lambda: anthropic_session(None)),
    ("openai_chat", lambda: chat_session({"role": "system", "content": "Sys."})),
    ("openai_chat", lambda: chat_session({"role": "developer", "content": [{"type": "text", "text": "Dev."}]})),
    ("openai_chat", lambda: chat_session(None)),
    ("openai_responses", lambda: responses_session("Be a coder.")),
    ("openai_responses", lambda: responses_session(None)),
]


@pytest.mark.parametrize("protocol,make", CASES)
def test_note_once_and_prefix_stable_over_20_turns(protocol, make):
    prev_render = None
    first_note = None
    for turn, body in enumerate(make()):
        original = dumps(body)
        shaped, arm = shape_request(body, protocol, level=LEVEL, effort_routing=False, holdout=0.0)
        assert arm == "shaped"
        assert dumps(body) == original, "the client's body must not be mutated"
        assert shaped is not None
        text = dumps(shaped)
        assert text.count(NOTE_TAG) == 1, f"turn {turn}: note must appear exactly once"
        nb = note_bytes(shaped, protocol)
        assert NOTES[LEVEL].replace('"', '\\"') in nb or NOTES[LEVEL] in nb
        if first_note is None:
            first_note = nb
        assert nb == first_note, f"turn {turn}: note bytes changed"
        # re-shaping what we forwarded is a no-op (idempotent)
        assert shape_request(shaped, protocol, level=LEVEL, effort_routing=False, holdout=0.0)[0] is None
        # the provider's rendered prefix only grows
        cur = render(shaped, protocol)
        if prev_render is not None:
            assert cur[:len(prev_render)] == prev_render, f"turn {turn}: earlier content changed"
            assert len(cur) > len(prev_render)
        prev_render = cur
        # everything but the shaped spot is forwarded as the client sent it
        if protocol == "anthropic":
            assert shaped["messages"] == body["messages"]
            sys_in = body.get("system")
            if isinstance(sys_in, list):
                assert shaped["system"][:-1] == sys_in  # earlier blocks and their cache_control untouched
        elif protocol == "openai_responses":
            assert shaped["input"] == body["input"]
    assert turn == TURNS - 1


def test_no_cache_reads_lost_on_the_caching_fake():
    """The team's prompt-cache fake bills the longest common prefix as a cache read: shaped, every turn
    after the first has exactly the same uncached share as unshaped (only the new content)."""
    fake = pytest.importorskip("fakes.prompt_cache")
    plain, shaped_cache = fake.PromptCache(), fake.PromptCache()
    system = [{"type": "text", "text": "Agent. " * 100, "cache_control": {"type": "ephemeral"}}]
    for turn, body in enumerate(anthropic_session(system)):
        shaped, _ = shape_request(body, "anthropic", level=LEVEL, effort_routing=False, holdout=0.0)
        _, fresh_plain = plain.bill(body)
        _, fresh_shaped = shaped_cache.bill(shaped)
        if turn > 0:
            assert fresh_shaped == fresh_plain, f"turn {turn}: shaping added uncached input"
    assert shaped_cache.cache_read >= plain.cache_read




@pytest.mark.parametrize("name,protocol", [("claude-code-2.1.330.jsonl", "anthropic"),
                                           ("codex-0.169.0.jsonl", "openai_responses")])
def test_real_sessions_keep_their_prefix(name, protocol):
    """Opt-in: real Claude Code / Codex bodies (outside the repo; skipped when absent)."""
    path = real_fixtures.path(name)
    bodies = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    prev = prev_orig = None
    notes = set()
    arms = set()
    for body in bodies:
        arms.add(conversation_id(body, protocol))
        shaped, arm = shape_request(body, protocol, level=LEVEL, effort_routing=False, holdout=0.0)
        assert arm == "shaped"
        assert dumps(shaped).count(NOTE_TAG) == 1
        notes.add(note_bytes(shaped, protocol))
        if protocol == "anthropic":
            assert shaped["system"][:-1] == body["system"]
        cur, cur_orig = render(shaped, protocol), render(body, protocol)
        added = len(cur) - len(cur_orig)
        assert added == 1  # the note, as one more system block / the instructions
        if prev is not None:
            # Claude Code itself rewrites an early in-messages system note after turn 1, so the
            # prefix does not only grow; shaping must keep exactly as much as the client kept.
            assert first_diff(prev, cur) == first_diff(prev_orig, cur_orig) + added
        prev, prev_orig = cur, cur_orig
    assert len(arms) == 1, "a real session must keep one conversation id (so one arm)"
    assert len(notes) <= 1


def first_diff(a: list, b: list) -> int:
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)
