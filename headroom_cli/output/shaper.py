"""The single entry point the proxy's pipeline calls for `--reduce-output`."""
from __future__ import annotations

from typing import Any

from .effort import route_effort
from .holdout import CONTROL, SHAPED, arm_for, conversation_id
from .. import wires
from .terseness import DEFAULT_LEVEL, apply_terseness, ratio_to_level


def shape_request(body: dict, protocol: str, *, level: int | None, effort_routing: bool = False,
                  holdout: float = 0.0) -> tuple[dict | None, str]:
    """Shape one parsed request body. Returns `(new_body | None, arm)`.

    `new_body` is None when nothing changed (forward the original bytes). `arm` is "control" for the
    conversation-stable holdout share (left untouched so it can be measured against), "shaped" otherwise,
    and "" for passthrough (never shaped) or a body that is not a JSON object. `level` None/0 skips the
    terseness note (effort routing only). A protocol that is neither raises `wires.UnknownWire`.
    The input body is never mutated.
    """
    if protocol == wires.PASSTHROUGH:
        return None, ""
    wires.check(protocol)
    if not isinstance(body, dict):
        return None, ""
    arm = arm_for(conversation_id(body, protocol), holdout) if holdout else SHAPED
    if arm == CONTROL:
        return None, CONTROL
    current = body
    changed = False
    if level:
        new = apply_terseness(current, protocol, level)
        if new is not None:
            current, changed = new, True
    new = route_effort(current, protocol, enabled=effort_routing)
    if new is not None:
        current, changed = new, True
    return (current if changed else None), SHAPED


def shape_with_settings(body: dict, protocol: str, settings: Any) -> tuple[dict | None, str]:
    """`shape_request` driven by a `ProxySettings` (reduce_output, output_level, effort_routing,
    output_holdout; `output_ratio` overrides the level). (None, "") when both features are off."""
    reduce_output = bool(getattr(settings, "reduce_output", False))
    effort_routing = bool(getattr(settings, "effort_routing", False))
    if not (reduce_output or effort_routing):
        return None, ""
    level = None
    if reduce_output:
        ratio = getattr(settings, "output_ratio", None)
        level = ratio_to_level(ratio) if ratio is not None else int(getattr(settings, "output_level", DEFAULT_LEVEL))
    return shape_request(body, protocol, level=level, effort_routing=effort_routing,
                         holdout=float(getattr(settings, "output_holdout", 0.0) or 0.0))
