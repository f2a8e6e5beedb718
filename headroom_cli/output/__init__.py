"""--reduce-output: terseness note, effort routing, holdout measurement (stdlib only, cheap to import)."""
from __future__ import annotations

from .effort import route_effort, turn_kind
from .holdout import arm_for, conversation_id
from .measure import output_estimate, summary_line
from .shaper import shape_request, shape_with_settings
from .terseness import NOTES, apply_terseness, note_for, ratio_to_level

__all__ = ["NOTES", "apply_terseness", "arm_for", "conversation_id", "note_for", "output_estimate",
           "ratio_to_level", "route_effort", "shape_request", "shape_with_settings", "summary_line", "turn_kind"]
