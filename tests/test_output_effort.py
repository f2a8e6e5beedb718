"""Effort routing: which turns are mechanical, what gets lowered, and what must never change."""
from __future__ import annotations

import copy
import json

import pytest

from headroom_cli.output.effort import MIN_THINKING_BUDGET, looks_like_error, route_effort, turn_kind


def dumps(x) -> str:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)


# --- Anthropic bodies -------------------------------------------------------------------------------

def anth(last_user_content, *, thinking=None, output_config=None, with_assistant=True):
    msgs = [{"role": "user", "content": "Fix the failing test."}]
    if with_assistant:
        msgs.append({"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                                       "input": {"command": "pytest"}}]})
    msgs.append({"role": "user", "content": last_user_content})
    body = {"model": "claude-x", "max_tokens": 32000, "messages": msgs}
    if thinking is not None:
        body["thinking"] = thinking
    if output_config is not None:
        body["output_config"] = output_config
    return body


CLEAN = [{"type": "tool_result", "tool_use_id": "t1", "content": "5 passed in 0.2s"}]
CLEAN_WITH_REMINDER = CLEAN + [{"type": "text", "text": "<system-reminder>\nTodo list is empty.\n</system-reminder>"}]
FLAGGED_ERROR = [{"type": "tool_result", "tool_use_id": "t1", "content": "Exit code 1\nboom", "is_error": True}]
TEXT_ERROR = [{"type": "tool_result", "tool_use_id": "t1",
               "content": [{"type": "text", "text": "Traceback (most recent call last):\n  File x\nValueError"}]}]
NEW_QUESTION = CLEAN + [{"type": "text", "text": "Also, why is CI slow?"}]


@pytest.mark.parametrize("content,kind", [
    (CLEAN, "mechanical"), (CLEAN_WITH_REMINDER, "mechanical"), (FLAGGED_ERROR, "error"),
    (TEXT_ERROR, "error"), (NEW_QUESTION, "question"), ("Now do something else.", "question"),
    ([{"type": "text", "text": "thanks"}], "question"), ([], "question"),
])
def test_anthropic_turn_kinds(content, kind):
    assert turn_kind(anth(content), "anthropic") == kind


def test_anthropic_first_turn_is_a_question():
    assert turn_kind(anth(CLEAN, with_assistant=False), "anthropic") == "question"


def test_anthropic_mechanical_lowers_budget_and_effort_keeping_type():
    body = anth(CLEAN, thinking={"type": "enabled", "budget_tokens": 16000}, output_config={"effort": "high"})
    before = dumps(body)
    out = route_effort(body, "anthropic", enabled=True)
    assert dumps(body) == before
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 8000}
    assert out["output_config"] == {"effort": "medium"}
    assert out["messages"] == body["messages"] and out["max_tokens"] == body["max_tokens"]


@pytest.mark.parametrize("budget,expected", [(16000, 8000), (2047, MIN_THINKING_BUDGET), (1500, MIN_THINKING_BUDGET)])
def test_budget_floor(budget, expected):
    out = route_effort(anth(CLEAN, thinking={"type": "enabled", "budget_tokens": budget}), "anthropic", enabled=True)
    assert out["thinking"]["budget_tokens"] == expected


def test_budget_at_floor_is_left_alone():
    assert route_effort(anth(CLEAN, thinking={"type": "enabled", "budget_tokens": 1024}), "anthropic", enabled=True) is None


@pytest.mark.parametrize("effort,lower", [("max", "high"), ("xhigh", "high"), ("high", "medium"),
                                          ("medium", "low"), ("low", None)])
def test_anthropic_effort_steps(effort, lower):
    out = route_effort(anth(CLEAN, output_config={"effort": effort}), "anthropic", enabled=True)
    assert (out["output_config"]["effort"] if out else None) == lower


@pytest.mark.parametrize("content", [FLAGGED_ERROR, TEXT_ERROR, NEW_QUESTION, "What next?"])
def test_errors_and_questions_keep_full_effort(content):
    body = anth(content, thinking={"type": "enabled", "budget_tokens": 16000}, output_config={"effort": "high"})
    assert route_effort(body, "anthropic", enabled=True) is None


def test_absent_effort_stays_absent_and_thinking_never_toggled():
    # nothing set: nothing added
    body = anth(CLEAN)
    assert route_effort(body, "anthropic", enabled=True) is None
    # adaptive thinking (no budget) with no effort: untouched; thinking never switched on or off
    adaptive = anth(CLEAN, thinking={"type": "adaptive", "display": "omitted"})
    assert route_effort(adaptive, "anthropic", enabled=True) is None
    disabled = anth(CLEAN, thinking={"type": "disabled"}, output_config={"effort": "high"})
    out = route_effort(disabled, "anthropic", enabled=True)
    assert out["thinking"] == {"type": "disabled"} and out["output_config"]["effort"] == "medium"
    only_effort = route_effort(anth(CLEAN, output_config={"effort": "high", "format": "x"}), "anthropic", enabled=True)
    assert "thinking" not in only_effort
    assert only_effort["output_config"] == {"effort": "medium", "format": "x"}


def test_off_unless_asked():
    body = anth(CLEAN, thinking={"type": "enabled", "budget_tokens": 16000}, output_config={"effort": "high"})
    assert route_effort(body, "anthropic") is None
    assert route_effort(body, "anthropic", enabled=False) is None


# --- OpenAI Chat ------------------------------------------------------------------------------------

def chat(tail, effort="high"):
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "do it"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                                  "function": {"name": "sh", "arguments": "{}"}}]}]
    body = {"model": "o-x", "messages": msgs + tail}
    if effort is not None:
        body["reasoning_effort"] = effort
    return body


@pytest.mark.parametrize("tail,kind", [
    ([{"role": "tool", "tool_call_id": "c1", "content": "ok"}], "mechanical"),
    ([{"role": "tool", "tool_call_id": "c1", "content": "error: file not found"}], "error"),
    ([{"role": "tool", "tool_call_id": "c1", "content": "ok"}, {"role": "user", "content": "and?"}], "question"),
    ([], "question"),
])
def test_chat_turn_kinds(tail, kind):
    assert turn_kind(chat(tail), "openai_chat") == kind


@pytest.mark.parametrize("effort,lower", [("xhigh", "high"), ("high", "medium"), ("medium", "low"),
                                          ("low", None), ("minimal", None), ("none", None), (None, None)])
def test_chat_effort_steps_never_below_low_and_never_added(effort, lower):
    body = chat([{"role": "tool", "tool_call_id": "c1", "content": "ok"}], effort=effort)
    out = route_effort(body, "openai_chat", enabled=True)
    if lower is None:
        assert out is None
    else:
        assert out["reasoning_effort"] == lower
    if effort is None:
        assert "reasoning_effort" not in body


# --- Responses --------------------------------------------------------------------------------------

def resp(tail, reasoning=None):
    items = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
             {"type": "function_call", "name": "exec", "arguments": "{}", "call_id": "c1"}]
    body = {"model": "gpt-x", "input": items + tail}
    if reasoning is not None:
        body["reasoning"] = reasoning
    return body


CODEX_OK = {"type": "function_call_output", "call_id": "c1",
            "output": "Chunk ID: a\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\nfine\n"}
CODEX_FAIL = {"type": "function_call_output", "call_id": "c1",
              "output": "Chunk ID: a\nWall time: 0.0 seconds\nProcess exited with code 2\nOutput:\nls: cannot access\n"}


@pytest.mark.parametrize("tail,kind", [
    ([CODEX_OK], "mechanical"), ([CODEX_FAIL], "error"),
    ([CODEX_OK, {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "more"}]}], "question"),
    ([], "question"),
])
def test_responses_turn_kinds(tail, kind):
    assert turn_kind(resp(tail), "openai_responses") == kind


def test_responses_lowers_reasoning_effort_keeping_other_fields():
    body = resp([CODEX_OK], reasoning={"effort": "high", "summary": "auto"})
    out = route_effort(body, "openai_responses", enabled=True)
    assert out["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert body["reasoning"]["effort"] == "high"


def test_responses_without_effort_stays_without():
    # Codex sends reasoning {"summary": "auto"}: no effort to lower, none added
    assert route_effort(resp([CODEX_OK], reasoning={"summary": "auto"}), "openai_responses", enabled=True) is None
    assert route_effort(resp([CODEX_OK]), "openai_responses", enabled=True) is None
    assert route_effort(resp([CODEX_FAIL], reasoning={"effort": "high"}), "openai_responses", enabled=True) is None


@pytest.mark.parametrize("text,err", [
    ("Process exited with code 0\nok", False), ("Process exited with code 1\n", True), ("Exit code 127", True),
    ("fatal: not a git repository", True), ("Error: ENOENT", True), ("errors.py:12: def f()", False),
    ("2026 INFO ok\n2026 ERROR worker failed", False), ("bash: foo: command not found", True), ("", False),
])
def test_looks_like_error(text, err):
    assert looks_like_error(text) is err


def test_weird_bodies_are_questions_not_crashes():
    for body in [{}, {"messages": "x"}, {"messages": [1, 2]}, {"input": "hello"}, {"input": [None]}, []]:
        for p in ("anthropic", "openai_chat", "openai_responses", "passthrough"):
            assert turn_kind(copy.deepcopy(body), p) == "question"  # type: ignore[arg-type]
            assert route_effort(copy.deepcopy(body), p, enabled=True) is None  # type: ignore[arg-type]
