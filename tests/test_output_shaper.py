"""shape_request: the pipeline's single entry point — arms, combination of note and effort, no-ops."""
from __future__ import annotations

import json

from headroom_cli.output.holdout import arm_for, conversation_id
from headroom_cli.output.shaper import shape_request
from headroom_cli.output.terseness import NOTE_TAG, NOTES


def dumps(x) -> str:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)


def body_for(i: int, *, mechanical: bool = True) -> dict:
    msgs = [{"role": "user", "content": f"task number {i}"}]
    if mechanical:
        msgs += [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]}]
    return {"model": "claude-x", "system": "Sys.", "messages": msgs,
            "thinking": {"type": "enabled", "budget_tokens": 8000}, "output_config": {"effort": "high"}}


def test_shaped_arm_gets_note_and_lowered_effort_when_routing_on():
    out, arm = shape_request(body_for(1), "anthropic", level=3, effort_routing=True, holdout=0.0)
    assert arm == "shaped"
    assert out["system"][-1]["text"] == NOTES[3]
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 4000}
    assert out["output_config"] == {"effort": "medium"}


def test_effort_untouched_when_routing_off():
    out, _ = shape_request(body_for(1), "anthropic", level=2, effort_routing=False, holdout=0.0)
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 8000} and out["output_config"] == {"effort": "high"}


def test_effort_only_without_level():
    out, arm = shape_request(body_for(1), "anthropic", level=None, effort_routing=True)
    assert arm == "shaped" and NOTE_TAG not in dumps(out) and out["output_config"] == {"effort": "medium"}
    out, arm = shape_request(body_for(1, mechanical=False), "anthropic", level=None, effort_routing=True)
    assert out is None and arm == "shaped"


def test_control_arm_is_left_alone_and_matches_arm_for():
    seen = {"control": 0, "shaped": 0}
    for i in range(400):
        body = body_for(i)
        before = dumps(body)
        out, arm = shape_request(body, "anthropic", level=2, effort_routing=True, holdout=0.25)
        assert arm == arm_for(conversation_id(body, "anthropic"), 0.25)
        seen[arm] += 1
        assert dumps(body) == before
        if arm == "control":
            assert out is None
        else:
            assert NOTES[2] in dumps(out)
    assert 60 <= seen["control"] <= 140  # ~100 expected


def test_already_shaped_body_is_a_no_op_and_other_protocols_are_skipped():
    once, _ = shape_request(body_for(2, mechanical=False), "anthropic", level=2, effort_routing=True)
    again, arm = shape_request(once, "anthropic", level=2, effort_routing=True)
    assert again is None and arm == "shaped"
    assert shape_request({"x": 1}, "passthrough", level=2, effort_routing=True, holdout=0.5) == (None, "")
    assert shape_request("nope", "anthropic", level=2) == (None, "")  # type: ignore[arg-type]


def test_shape_with_settings_maps_proxy_settings():
    from headroom_cli.output.shaper import shape_with_settings
    from headroom_cli.proxy.settings import ProxySettings

    assert shape_with_settings(body_for(1), "anthropic", ProxySettings()) == (None, "")
    out, arm = shape_with_settings(body_for(1), "anthropic", ProxySettings(reduce_output=True, output_level=4))
    assert arm == "shaped" and out["system"][-1]["text"] == NOTES[4] and out["output_config"] == {"effort": "high"}
    out, _ = shape_with_settings(body_for(1), "anthropic",
                                 ProxySettings(reduce_output=True, output_ratio=0.8))
    assert out["system"][-1]["text"] == NOTES[1]
    out, _ = shape_with_settings(body_for(1), "anthropic", ProxySettings(effort_routing=True))
    assert NOTE_TAG not in dumps(out) and out["output_config"] == {"effort": "medium"}
