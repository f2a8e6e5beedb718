"""Holdout arms: stable per conversation, close to the target share, ids from the right fields."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from headroom_cli.errors import UsageError
from headroom_cli.output.holdout import arm_for, conversation_id


def test_arm_is_stable_and_a_pure_function_of_the_id():
    ids = [f"conv-{i}" for i in range(200)]
    arms = [arm_for(c, 0.3) for c in ids]
    assert arms == [arm_for(c, 0.3) for c in ids]
    # and across processes (no per-process hash seed)
    code = ("import json,sys; from headroom_cli.output.holdout import arm_for; "
            "print(json.dumps([arm_for(f'conv-{i}', 0.3) for i in range(200)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    assert json.loads(out) == arms


@pytest.mark.parametrize("share", [0.05, 0.1, 0.25, 0.5, 0.9])
def test_share_close_to_target_over_2000_ids(share):
    n = 2000
    control = sum(arm_for(f"session-{i:05d}", share) == "control" for i in range(n))
    sd = (n * share * (1 - share)) ** 0.5
    assert abs(control - n * share) <= 4 * sd, (control, n * share)


def test_edges_and_monotonic():
    assert all(arm_for(f"x{i}", 0.0) == "shaped" for i in range(300))
    assert all(arm_for(f"x{i}", 1.0) == "control" for i in range(300))
    # a conversation in control at a small share stays control at any larger share
    small = {f"x{i}" for i in range(1000) if arm_for(f"x{i}", 0.1) == "control"}
    assert small and all(arm_for(c, 0.3) == "control" for c in small)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "lots", float("nan")])
def test_bad_share_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        arm_for("c", bad)


def test_claude_code_session_id_from_metadata():
    uid = json.dumps({"device_id": "dev", "account_uuid": "", "session_id": "86b1-aaaa-bbbb"})
    body = {"metadata": {"user_id": uid}, "messages": [{"role": "user", "content": "hi"}]}
    assert conversation_id(body, "anthropic") == "session:86b1-aaaa-bbbb"
    old_style = {"metadata": {"user_id": "user_abc_account__session_0f0e0d0c-1111-2222-3333-444455556666"},
                 "messages": []}
    assert conversation_id(old_style, "anthropic") == "session:0f0e0d0c-1111-2222-3333-444455556666"


def test_anthropic_id_ignores_moving_cache_control_and_growing_history():
    turn1 = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Find the bug",
                                                        "cache_control": {"type": "ephemeral"}}]}]}
    turn2 = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Find the bug"}]},
                          {"role": "assistant", "content": "Looking."},
                          {"role": "user", "content": [{"type": "text", "text": "more",
                                                        "cache_control": {"type": "ephemeral"}}]}]}
    assert conversation_id(turn1, "anthropic") == conversation_id(turn2, "anthropic")
    other = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Another task"}]}]}
    assert conversation_id(other, "anthropic") != conversation_id(turn1, "anthropic")


def test_bare_user_id_is_combined_with_the_first_message():
    a = {"metadata": {"user_id": "alice"}, "messages": [{"role": "user", "content": "task A"}]}
    b = {"metadata": {"user_id": "alice"}, "messages": [{"role": "user", "content": "task B"}]}
    c = {"metadata": {"user_id": "bob"}, "messages": [{"role": "user", "content": "task A"}]}
    ids = {conversation_id(x, "anthropic") for x in (a, b, c)}
    assert len(ids) == 3


def test_openai_ids():
    r1 = {"prompt_cache_key": "pck-1", "input": [{"role": "user", "content": "x"}]}
    r2 = {"prompt_cache_key": "pck-1", "input": [{"role": "user", "content": "different"}]}
    assert conversation_id(r1, "openai_responses") == conversation_id(r2, "openai_responses") == "cache_key:pck-1"
    s1 = {"input": "hello"}
    s2 = {"input": [{"role": "user", "content": "hello"}]}
    assert conversation_id(s1, "openai_responses") == conversation_id(s2, "openai_responses")
    c1 = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q1"}]}
    c2 = {"messages": c1["messages"] + [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q2"}]}
    c3 = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "other"}]}
    assert conversation_id(c1, "openai_chat") == conversation_id(c2, "openai_chat") != conversation_id(c3, "openai_chat")


def test_odd_bodies_do_not_crash():
    for body in [{}, {"messages": None}, {"metadata": "x"}, {"metadata": {"user_id": 5}}, {"input": 3}]:
        for p in ("anthropic", "openai_chat", "openai_responses"):
            assert isinstance(conversation_id(body, p), str)
