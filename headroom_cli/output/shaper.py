"""The single entry point the proxy's pipeline calls for `--reduce-output`."""
from __future__ import annotations

from .effort import route_effort
from .holdout import CONTROL, SHAPED, arm_for, conversation_id
from .terseness import PROTOCOLS, apply_terseness


def shape_request(body: dict, protocol: str, *, level: int | None, effort_routing: bool = False,
                  holdout: float = 0.0) -> tuple[dict | None, str]:
    """Shape one parsed request body. Returns `(new_body | None, arm)`.

    `new_body` is None when nothing changed (forward the original bytes). `arm` is "control" for the
    conversation-stable holdout share (left untouched so it can be measured against), "shaped" otherwise,
    and "" for protocols we do not shape. `level` None/0 skips the terseness note (effort routing only).
    The input body is never mutated.
    """
    if protocol not in PROTOCOLS or not isinstance(body, dict):
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
