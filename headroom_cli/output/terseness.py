"""Terseness steering: one short output-style note appended to the system prompt.

Cache safety (docs/ARCHITECTURE.md §2) drives every choice here: the note is a constant (same bytes on every turn, in
every process), it is appended *after* everything the client wrote so the client's bytes keep their
positions, no `cache_control` is added, moved or removed, and a body that already carries a headroom
note is left alone (idempotent, so a retried or replayed request is not shaped twice).

The functions are pure: they never mutate the body they are given; they copy only the path they change
(the top-level dict, the system list / first system message), so earlier blocks stay the same objects.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import wires
from ..errors import UsageError

# Anything carrying this tag is a headroom note, whatever its level: we never stack a second one.
NOTE_TAG = "Output style (headroom"

_L1 = "No preamble and no recap or closing summary: start with the substance."
_L2 = (" Do not restate code, files, diffs or tool output already in context; cite path and line instead."
       " Do not narrate successful tool calls.")
_L3 = " Conclusions only: skip the reasoning unless asked; keep errors, paths and commands exact."
_L4 = " Minimal tokens: terse fragments are fine; code you write stays complete and exact."

LEVELS = (1, 2, 3, 4)
DEFAULT_LEVEL = 2

NOTES: dict[int, str] = {
    1: f"{NOTE_TAG} level 1): {_L1}",
    2: f"{NOTE_TAG} level 2): {_L1}{_L2}",
    3: f"{NOTE_TAG} level 3): {_L1}{_L2}{_L3}",
    4: f"{NOTE_TAG} level 4): {_L1}{_L2}{_L3}{_L4}",
}

# Joins the note to a string system prompt / instructions. Constant, so the result is byte-stable.
SEPARATOR = "\n\n"

def note_for(level: int) -> str:
    """The note for a level 1–4 (UsageError otherwise)."""
    if isinstance(level, bool) or level not in NOTES:
        raise UsageError(f"output level must be 1, 2, 3 or 4, not {level!r}",
                         hint="--output-level 1 (light) … 4 (minimal tokens); default 2")
    return NOTES[level]


def ratio_to_level(r: float) -> int:
    """Map `--output-ratio R` (share of output to keep, 0–1) onto a level:
    R ≥ 0.75 → 1, ≥ 0.5 → 2, ≥ 0.3 → 3, below → 4."""
    try:
        r = float(r)
    except (TypeError, ValueError):
        raise UsageError(f"output ratio must be a number between 0 and 1, not {r!r}") from None
    if not 0.0 <= r <= 1.0:  # also rejects NaN
        raise UsageError(f"output ratio must be between 0 and 1, not {r}",
                         hint="e.g. --output-ratio 0.5 keeps about half (level 2)")
    if r >= 0.75:
        return 1
    if r >= 0.5:
        return 2
    if r >= 0.3:
        return 3
    return 4


def _has_tag(text: Any) -> bool:
    return isinstance(text, str) and NOTE_TAG in text


def _parts_have_tag(parts: Any) -> bool:
    return isinstance(parts, list) and any(isinstance(p, dict) and _has_tag(p.get("text")) for p in parts)


def apply_terseness(body: dict, protocol: str, level: int) -> dict | None:
    """A new body with the level's note appended once, or None when nothing needs to change
    (the note is already there, the body is not a dict, or the protocol is passthrough). Any other
    name that is not a wire raises `wires.UnknownWire`.

    - anthropic: the note becomes the LAST block of `system`; a string system becomes
      `[{"type": "text", "text": <string>}, <note block>]` (an empty one just the note block);
      absent → `[<note block>]`. Earlier blocks and their `cache_control` are untouched.
    - openai_chat: appended to the first system/developer message (string → `+ "\\n\\n" + note`,
      list of parts → one more text part); none → a new system message at the front.
    - openai_responses: appended to `instructions` (`+ "\\n\\n" + note`), or set when absent/empty.
    - gemini: one more text part at the end of `systemInstruction.parts`; absent → a
      `systemInstruction` of that one part.
    """
    note = note_for(level)
    place = PLACEMENTS[protocol]
    if not isinstance(body, dict):
        return None
    return place(body, note)


def _anthropic(body: dict, note: str) -> dict | None:
    system = body.get("system")
    block = {"type": "text", "text": note}
    if system is None:
        new_system: list = [block]
    elif isinstance(system, str):
        if _has_tag(system):
            return None
        new_system = [{"type": "text", "text": system}, block] if system else [block]
    elif isinstance(system, list):
        if _parts_have_tag(system):
            return None
        new_system = [*system, block]
    else:  # an unknown shape: leave it to the provider to judge, do not guess
        return None
    out = dict(body)
    out["system"] = new_system
    return out


def _chat(body: dict, note: str) -> dict | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for i, m in enumerate(messages):
        if not (isinstance(m, dict) and m.get("role") in ("system", "developer")):
            continue
        content = m.get("content")
        if isinstance(content, str):
            if _has_tag(content):
                return None
            new_content: Any = content + SEPARATOR + note if content else note
        elif isinstance(content, list):
            if _parts_have_tag(content):
                return None
            new_content = [*content, {"type": "text", "text": note}]
        elif content is None:
            new_content = note
        else:
            return None
        new_msg = dict(m)
        new_msg["content"] = new_content
        new_messages = list(messages)
        new_messages[i] = new_msg
        out = dict(body)
        out["messages"] = new_messages
        return out
    out = dict(body)
    out["messages"] = [{"role": "system", "content": note}, *messages]
    return out


def _responses(body: dict, note: str) -> dict | None:
    instructions = body.get("instructions")
    if instructions is None or instructions == "":
        new = note
    elif isinstance(instructions, str):
        if _has_tag(instructions):
            return None
        new = instructions + SEPARATOR + note
    else:
        return None
    out = dict(body)
    out["instructions"] = new
    return out


def _gemini(body: dict, note: str) -> dict | None:
    si = body.get("systemInstruction")
    part = {"text": note}
    if si is None:
        new_si: Any = {"parts": [part]}
    elif isinstance(si, dict) and isinstance(si.get("parts"), list):
        if _parts_have_tag(si["parts"]):
            return None
        new_si = {**si, "parts": [*si["parts"], part]}
    else:  # a string or an unknown shape: leave it to the provider to judge
        return None
    out = dict(body)
    out["systemInstruction"] = new_si
    return out


def _leave(body: dict, note: str) -> None:
    return None


# Where each wire takes the note. Passthrough is deliberately left alone (not a request we understand).
PLACEMENTS: wires.WireMap[Callable[[dict, str], dict | None]] = wires.WireMap("terseness notes", {
    wires.ANTHROPIC: _anthropic,
    wires.OPENAI_CHAT: _chat,
    wires.OPENAI_RESPONSES: _responses,
    wires.GEMINI: _gemini,
}, passthrough=_leave)
