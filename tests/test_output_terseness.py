"""Terseness note: placement per protocol, idempotency, purity, level mapping."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.errors import UsageError
from headroom_cli.output.terseness import NOTE_TAG, NOTES, apply_terseness, note_for, ratio_to_level


def dumps(x) -> str:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)


# --- level mapping ---------------------------------------------------------------------------------

@pytest.mark.parametrize("r,level", [
    (1.0, 1), (0.75, 1), (0.7499, 2), (0.5, 2), (0.4999, 3), (0.3, 3), (0.2999, 4), (0.0, 4), (0.1, 4),
    (0.9, 1), (0.6, 2), (0.35, 3), ("0.5", 2),
])
def test_ratio_to_level_boundaries(r, level):
    assert ratio_to_level(r) == level


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), "half", None])
def test_ratio_out_of_range_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        ratio_to_level(bad)


@pytest.mark.parametrize("bad", [0, 5, -1, True, "2"])
def test_level_outside_1_to_4_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        note_for(bad)


def test_notes_grow_stricter_and_are_tagged():
    for lvl in (1, 2, 3, 4):
        assert NOTES[lvl].startswith(NOTE_TAG) and f"level {lvl})" in NOTES[lvl]
    assert len(NOTES[1]) < len(NOTES[2]) < len(NOTES[3]) < len(NOTES[4])
    assert "preamble" in NOTES[1] and "narrate" not in NOTES[1]
    assert "cite path and line" in NOTES[2] and "narrate successful tool calls" in NOTES[2]
    assert "Conclusions only" in NOTES[3] and "Minimal tokens" in NOTES[4]


# --- Anthropic -------------------------------------------------------------------------------------

CC_SYSTEM = [
    {"type": "text", "text": "x-anthropic-billing-header: cc_version=1;"},
    {"type": "text", "text": "You are an agent.", "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": "Long instructions " * 50, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
]


def test_anthropic_blocks_note_is_last_block_and_earlier_blocks_untouched():
    body = {"model": "m", "system": copy.deepcopy(CC_SYSTEM), "messages": [{"role": "user", "content": "hi"}]}
    before = dumps(body)
    out = apply_terseness(body, "anthropic", 2)
    assert dumps(body) == before, "input must not be mutated"
    assert out["system"][:-1] == CC_SYSTEM  # same blocks, same cache_control, same order
    assert out["system"][-1] == {"type": "text", "text": NOTES[2]}
    assert "cache_control" not in out["system"][-1]
    assert dumps(out).count(NOTE_TAG) == 1
    assert {k: v for k, v in out.items() if k != "system"} == {k: v for k, v in body.items() if k != "system"}


def test_anthropic_string_system_becomes_two_blocks_deterministically():
    body = {"system": "Be helpful.", "messages": []}
    a = apply_terseness(body, "anthropic", 1)
    b = apply_terseness(copy.deepcopy(body), "anthropic", 1)
    assert a["system"] == [{"type": "text", "text": "Be helpful."}, {"type": "text", "text": NOTES[1]}]
    assert dumps(a) == dumps(b)
    assert body["system"] == "Be helpful."


@pytest.mark.parametrize("system", [None, ""])
def test_anthropic_absent_or_empty_system_gets_one_block(system):
    body = {"messages": []} if system is None else {"system": system, "messages": []}
    out = apply_terseness(body, "anthropic", 3)
    assert out["system"] == [{"type": "text", "text": NOTES[3]}]


def test_anthropic_idempotent():
    body = {"system": copy.deepcopy(CC_SYSTEM), "messages": []}
    once = apply_terseness(body, "anthropic", 2)
    assert apply_terseness(once, "anthropic", 2) is None
    # a different level does not stack a second note either
    assert apply_terseness(once, "anthropic", 4) is None
    # a string system already carrying a note
    assert apply_terseness({"system": "x\n\n" + NOTES[1]}, "anthropic", 1) is None


# --- OpenAI Chat -----------------------------------------------------------------------------------

def test_chat_appends_to_first_system_string():
    body = {"model": "gpt", "messages": [{"role": "system", "content": "Sys."}, {"role": "user", "content": "q"},
                                         {"role": "system", "content": "later"}]}
    out = apply_terseness(body, "openai_chat", 2)
    assert out["messages"][0] == {"role": "system", "content": "Sys.\n\n" + NOTES[2]}
    assert out["messages"][1:] == body["messages"][1:]
    assert body["messages"][0]["content"] == "Sys."
    assert apply_terseness(out, "openai_chat", 2) is None


def test_chat_appends_to_developer_message_parts():
    parts = [{"type": "text", "text": "Dev one."}, {"type": "text", "text": "Dev two."}]
    body = {"messages": [{"role": "user", "content": "q0"}, {"role": "developer", "content": copy.deepcopy(parts)}]}
    out = apply_terseness(body, "openai_chat", 1)
    assert out["messages"][0] == {"role": "user", "content": "q0"}
    assert out["messages"][1]["content"] == parts + [{"type": "text", "text": NOTES[1]}]
    assert body["messages"][1]["content"] == parts
    assert apply_terseness(out, "openai_chat", 1) is None


def test_chat_without_system_gets_one_at_the_front():
    body = {"messages": [{"role": "user", "content": "q"}]}
    out = apply_terseness(body, "openai_chat", 4)
    assert out["messages"] == [{"role": "system", "content": NOTES[4]}, {"role": "user", "content": "q"}]
    assert apply_terseness(out, "openai_chat", 4) is None


# --- Responses -------------------------------------------------------------------------------------

def test_responses_instructions_appended_or_set():
    out = apply_terseness({"instructions": "Be a coder.", "input": []}, "openai_responses", 2)
    assert out["instructions"] == "Be a coder.\n\n" + NOTES[2]
    assert apply_terseness(out, "openai_responses", 2) is None
    out2 = apply_terseness({"input": "hello"}, "openai_responses", 2)
    assert out2 == {"input": "hello", "instructions": NOTES[2]}
    assert apply_terseness({"instructions": None, "input": []}, "openai_responses", 1)["instructions"] == NOTES[1]


def test_unknown_protocol_or_shape_returns_none():
    assert apply_terseness({"messages": []}, "passthrough", 2) is None
    assert apply_terseness(["not", "a", "dict"], "anthropic", 2) is None  # type: ignore[arg-type]
    assert apply_terseness({"system": 42}, "anthropic", 2) is None
    assert apply_terseness({"messages": "x"}, "openai_chat", 2) is None
    assert apply_terseness({"instructions": ["x"]}, "openai_responses", 2) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(
        ["role", "content", "type", "text", "system", "messages", "instructions", "input"]), c, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["system", "messages", "instructions", "input", "model"]),
                            json_values, max_size=4),
       protocol=st.sampled_from(["anthropic", "openai_chat", "openai_responses"]),
       level=st.sampled_from([1, 2, 3, 4]))
def test_never_raises_never_mutates_and_is_idempotent(body, protocol, level):
    before = dumps(body)
    out = apply_terseness(body, protocol, level)
    assert dumps(body) == before
    if out is not None:
        assert NOTES[level] in dumps(out)
        assert apply_terseness(out, protocol, level) is None
